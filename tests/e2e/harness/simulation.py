"""What the valkey-operator and External Secrets do that apply mode observes, as controllers.

The harness runs these against the real API server (operator_sim.py), until the
real operator can be built here. Each behaviour of the operator cites
hyperspike/valkey-operator v0.0.61, internal/controller/valkey_controller.go
(shared/docs/operator-facts.md), and is pinned against the real cluster by
tests/e2e/test_operator_sim.py:

* with `serviceMonitor` the operator creates a ServiceMonitor, with `tls` a
  cert-manager Certificate, both `<name>`, before anything else, and never
  updates them;
* the operator creates Secret `<name>` (key `password`) when the Valkey has no
  `servicePassword` and `anonymousAuth` is false, its own PodDisruptionBudget
  `<name>`, and the StatefulSet `<name>` with nodes × (replicas + 1) pods;
  with a `servicePassword` it goes no further until that Secret exists;
* the Valkey has no `status` at all until every pod has joined, then
  `status: {ready: true}` and nothing else: no conditions, no
  `observedGeneration`, never false again (later spec changes only change the
  StatefulSet, which the real StatefulSet controller rolls out again);
* External Secrets creates the target Secret of an ExternalSecret from the
  harness's vault (`VAULT`) and marks the ExternalSecret Ready, or Ready=False
  with SecretSyncedError when the vault lacks a key (external-secrets v0.x
  pkg/controllers/externalsecret, creationPolicy Owner).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

OPERATOR_MANAGER = "manager"  # controller-runtime's default field manager name
ESO_MANAGER = "external-secrets"
# v0.0.61 cfg default image when the Valkey names none (the value only has to be stable here).
DEFAULT_IMAGE = "ghcr.io/hyperspike/valkey:8.0.2"
DEFAULT_VOLUME_SIZE = "8Gi"  # v0.0.61 line 65
# What the vault behind the ClusterSecretStore holds: {path: {property: value}}.
VAULT: Mapping[str, Mapping[str, str]] = {
    "valkey/prod": {"password": "vault-pw"},
    "previews/full": {"password": "full-vault-pw"},
}

JSON = dict[str, Any]


class Api(Protocol):
    """The calls a controller makes: read one object, create or update it, write its status."""

    def get(self, resource: str, ns: str | None, name: str) -> JSON | None: ...

    def seed(self, obj: Mapping[str, Any], *, manager: str) -> JSON: ...

    def set_status(
        self, resource: str, ns: str | None, name: str, status: Mapping[str, Any], *, manager: str
    ) -> JSON: ...


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(kind: str, ok: bool, reason: str, message: str) -> JSON:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": now_rfc3339(),
    }


def pods_of(spec: Mapping[str, Any]) -> int:
    """v0.0.61 line 2278: StatefulSet replicas = Shards * (Replicas + 1) (CRD default 3 shards)."""
    return int(spec.get("nodes", 3)) * (int(spec.get("replicas", 0)) + 1)


def claim_spec(spec: Mapping[str, Any]) -> JSON:
    """The StatefulSet's claim template spec: the Valkey's `storage.spec`, else the default."""
    storage = (spec.get("storage") or {}).get("spec")
    if storage:
        return dict(storage)
    return {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": DEFAULT_VOLUME_SIZE}},
    }


@dataclass
class ValkeyOperatorSim:
    """One Reconcile pass per call, as the operator runs it on each event."""

    password: str = "generated-pass16"
    created: list[str] = field(default_factory=list)

    def reconcile(self, api: Api, ns: str, name: str) -> bool:
        """One pass of Reconcile (v0.0.61 lines ~150-235); False when it stopped with an error."""
        obj = api.get("valkeys", ns, name)
        if obj is None:
            return False
        spec = obj.get("spec") or {}
        labels = {
            **((obj.get("metadata") or {}).get("labels") or {}),
            "app.kubernetes.io/name": "valkey",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/component": "valkey",
        }
        owner = [
            {
                "apiVersion": "hyperspike.io/v1",
                "kind": "Valkey",
                "name": name,
                "uid": obj["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        ref = spec.get("servicePassword") or {}
        if ref.get("name") and api.get("secrets", ns, str(ref["name"])) is None:
            # upsertSecret returns the error before the StatefulSet (line ~205); no status.
            return False
        meta = {"namespace": ns, "labels": labels, "ownerReferences": owner}
        # Lines 159-165 and 198-201: the ServiceMonitor and the Certificate come before the
        # Secret and the StatefulSet; without their CRDs the pass stops there.
        if spec.get("serviceMonitor"):
            self._create_once(api, "servicemonitors", service_monitor(name, spec, meta))
        if spec.get("tls"):
            self._create_once(api, "certificates", certificate(name, ns, spec, meta))
        wants_password = not spec.get("anonymousAuth") and not ref
        if wants_password and api.get("secrets", ns, name) is None:
            secret = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, **meta},
                "data": {"password": base64.b64encode(self.password.encode()).decode()},
            }
            api.seed(secret, manager=OPERATOR_MANAGER)
            self.created.append(f"secrets/{ns}/{name}")
        if api.get("poddisruptionbudgets", ns, name) is None:
            budget = {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": name, **meta},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}},
            }
            api.seed(budget, manager=OPERATOR_MANAGER)
            self.created.append(f"poddisruptionbudgets/{ns}/{name}")
        self._upsert_statefulset(api, ns, name, spec, labels=labels, owner=owner)
        return True

    def _create_once(self, api: Api, resource: str, obj: JSON) -> None:
        """Created when absent, never updated (v0.0.61: the update branch is `&& false`)."""
        meta = obj["metadata"]
        if api.get(resource, meta["namespace"], meta["name"]) is None:
            api.seed(obj, manager=OPERATOR_MANAGER)
            self.created.append(f"{resource}/{meta['namespace']}/{meta['name']}")

    def _upsert_statefulset(
        self,
        api: Api,
        ns: str,
        name: str,
        spec: Mapping[str, Any],
        *,
        labels: Mapping[str, str],
        owner: list[JSON],
    ) -> None:
        """upsertStatefulSet (line 2257): created once; replicas (2623) and image (2633)
        are updated in place. Resources are not compared in v0.0.61, so a resources-only
        change leaves the StatefulSet as it is."""
        pods = pods_of(spec)
        image = str(spec.get("image") or DEFAULT_IMAGE)
        existing = api.get("statefulsets", ns, name)
        if existing is not None:
            current = existing["spec"]
            container = current["template"]["spec"]["containers"][0]
            if current["replicas"] == pods and container["image"] == image:
                return
        body = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(labels),
                "ownerReferences": owner,
            },
            "spec": {
                "replicas": pods,
                "serviceName": f"{name}-headless",
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [{"name": "valkey", "image": image}]},
                },
                # Lines 2170-2205: the claim template is always there, from spec.storage
                # (a whole PVC spec) or the 8Gi default (line 65). The real API server refuses
                # a template without access modes and a size.
                "volumeClaimTemplates": [
                    {"metadata": {"name": "valkey-data"}, "spec": claim_spec(spec)}
                ],
            },
        }
        if existing is None:
            self.created.append(f"statefulsets/{ns}/{name}")
        api.seed(body, manager=OPERATOR_MANAGER)

    def formed(self, api: Api, ns: str, name: str) -> None:
        """checkState (lines 310-327): once the cluster answers, `ready: true` and nothing else;
        no code path writes it back to false."""
        valkey = api.get("valkeys", ns, name) or {}
        if (valkey.get("status") or {}).get("ready"):
            return
        api.set_status("valkeys", ns, name, {"ready": True}, manager=OPERATOR_MANAGER)


def service_monitor(name: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> JSON:
    """upsertServiceMonitor (lines 1429-1481): the pods' labels with component `metrics` as
    the selector, those plus `prometheusLabels` on the object, one endpoint `valkey-metrics`."""
    selector = {**meta["labels"], "app.kubernetes.io/component": "metrics"}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            **meta,
            "name": name,
            "labels": {**selector, **(spec.get("prometheusLabels") or {})},
        },
        "spec": {
            "selector": {"matchLabels": selector},
            "endpoints": [{"port": "valkey-metrics"}],
        },
    }


def certificate(name: str, ns: str, spec: Mapping[str, Any], meta: Mapping[str, Any]) -> JSON:
    """upsertCertificate (lines 1483-1540): issued by `certIssuer`/`certIssuerType` into
    Secret `<name>-tls`, for the Services' names in and out of the cluster domain."""
    domain = spec.get("clusterDomain") or "cluster.local"
    headless = f"{name}-headless"
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {**meta, "name": name},
        "spec": {
            "commonName": f"{name}.{ns}.svc",
            "secretName": f"{name}-tls",
            "issuerRef": {"name": spec.get("certIssuer"), "kind": spec.get("certIssuerType")},
            "dnsNames": [
                "localhost",
                name,
                f"{name}.{ns}.svc",
                f"{name}.{ns}.svc.{domain}",
                headless,
                f"{headless}.{ns}.svc",
                f"{headless}.{ns}.svc.{domain}",
                f"*.{headless}.{ns}.svc",
                f"*.{headless}.{ns}.svc.{domain}",
            ],
            "ipAddresses": ["127.0.0.1"],
        },
    }


@dataclass
class ExternalSecretsSim:
    """`values[remoteRef.key][remoteRef.property]` is what the vault holds."""

    values: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: VAULT)

    def sync(self, api: Api, obj: Mapping[str, Any]) -> None:
        meta = obj["metadata"]
        ns, name = meta["namespace"], meta["name"]
        spec = obj.get("spec") or {}
        secret_name = str((spec.get("target") or {}).get("name") or name)
        data: dict[str, str] = {}
        missing: list[str] = []
        for item in spec.get("data") or []:
            ref = item.get("remoteRef") or {}
            key, prop = str(ref.get("key", "")), str(ref.get("property", ""))
            value = (self.values.get(key) or {}).get(prop)
            if value is None:
                missing.append(f"{key}#{prop}")
                continue
            data[str(item.get("secretKey"))] = base64.b64encode(value.encode()).decode()
        status: JSON
        if missing:
            message = f"could not get secret data from provider: {', '.join(missing)}"
            status = {"conditions": [condition("Ready", False, "SecretSyncedError", message)]}
        else:
            if api.get("secrets", ns, secret_name) is None:
                api.seed(_target_secret(obj, secret_name, data), manager=ESO_MANAGER)
            status = {
                "refreshTime": now_rfc3339(),
                "binding": {"name": secret_name},
                "conditions": [condition("Ready", True, "SecretSynced", "secret synced")],
            }
        if _conditions(obj.get("status")) != _conditions(status):
            api.set_status("externalsecrets", ns, name, status, manager=ESO_MANAGER)


def _target_secret(owner: Mapping[str, Any], name: str, data: Mapping[str, str]) -> JSON:
    meta = owner["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": meta["namespace"],
            "labels": {"reconcile.external-secrets.io/managed": "true"},
            "ownerReferences": [
                {
                    "apiVersion": "external-secrets.io/v1",
                    "kind": "ExternalSecret",
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "type": "Opaque",
        "data": dict(data),
    }


def _conditions(status: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    return [
        (c.get("type", ""), c.get("status", ""), c.get("reason", ""))
        for c in (status or {}).get("conditions") or []
    ]
