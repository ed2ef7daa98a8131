"""Things that are allowed but surprising, said once at plan time."""

from __future__ import annotations

from collections.abc import Iterator

from ..variables import Variables


def plan_warnings(v: Variables) -> Iterator[str]:
    if not v.persistence_enabled:
        yield (
            "persistence_enabled = false: this operator always gives each pod a volume (it "
            "cannot run a cluster without one), so each pod still gets a "
            f"{v.storage_size} ReadWriteOnce volume of StorageClass {v.storage_class!r} "
            "(storage_size, storage_class); the contract reports that volume"
        )
    if v.pdb_enabled and not v.creates_pdb:
        yield (
            "pdb_enabled = true with replicas = 0: no PodDisruptionBudget is created "
            "(the operator keeps its own, maxUnavailable 1)"
        )
    if v.creates_pdb:
        yield (
            f"pdb_enabled: the operator already keeps its own PodDisruptionBudget "
            f"{v.cluster_name!r} over the same pods; with a second one ({v.pdb_name!r}) the "
            "eviction API refuses to evict them, which blocks `kubectl drain` and node upgrades"
        )
    if v.password and (v.anonymous_auth or v.eso_enabled):
        reason = "anonymous_auth = true" if v.anonymous_auth else "eso_enabled = true"
        yield f"password_inline is ignored: {reason} takes precedence"
    if v.replicas > 0:
        # What valkey-operator v0.0.61 documents for the field, and its users report (#186).
        yield (
            f"replicas = {v.replicas}: valkey-operator v0.0.61 documents that replicas become "
            "extra primaries (its issue #186), and the nodes × replicas extra pods are "
            "reported to hold no data and copy none: no failover; set replicas = 0 and size "
            "with nodes (docs/design.md, Replicas)"
        )
    yield from _lifecycle_and_monitoring_warnings(v)


def _lifecycle_and_monitoring_warnings(v: Variables) -> Iterator[str]:
    if v.ttl and v.mode == "render":
        yield (
            "ttl is recorded by apply mode only: a rendered tree lives as long as its "
            "Git folder (delete the folder to remove the environment)"
        )
    if v.prometheus_labels and not v.service_monitor_enabled:
        yield (
            "prometheus_labels is ignored without service_monitor_enabled = true: the operator "
            "puts these labels on the ServiceMonitor only"
        )
    if v.cluster_preferred_endpoint_type == "hostname":
        # v0.0.61 never sets cluster-announce-hostname (no CONFIG SET, nothing in
        # its valkey.conf template), and Valkey then answers '?' for the host.
        yield (
            'cluster_preferred_endpoint_type = "hostname": valkey-operator v0.0.61 announces '
            "no hostnames, so Valkey names every node '?' in redirects and CLUSTER SLOTS, and "
            'cluster clients cannot follow them; keep "ip" unless your operator version sets '
            "cluster-announce-hostname"
        )
