"""Real Flux reconciles the rendered tree: source-, kustomize- and helm-controller, built from
their modules, read it from a Git server and the operator chart from an OCI registry.

Each test renders with the cluster's gitops.tfvars (the registry, the StorageClass, an
operator namespace of its own), publishes the tree as `make gitops` does, and takes it
away at the end: the root Kustomization deleted, Flux prunes everything it applied.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import Product, new_namespace
from tests.e2e.harness import cluster, flux, gitops
from tests.e2e.harness.gitops import Condition, Published
from tests.e2e.harness.kube import JSON, Kube, wait_for
from tests.e2e.harness.operator_sim import rolled_out
from tests.e2e.harness.processes import HarnessError

KUSTOMIZATIONS = flux.KUSTOMIZATIONS.format(ns=flux.NAMESPACE)
HELM_RELEASES = f"/apis/helm.toolkit.fluxcd.io/v2/namespaces/{flux.NAMESPACE}/helmreleases"
OPERATOR = "valkey-operator"  # the operator Kustomization and HelmRelease (their defaults)
# Reasons kustomize-controller gives when an attempt failed (not merely waited).
FAILED = {"ReconciliationFailed", "BuildFailed", "HealthCheckFailed", "ArtifactFailed"}


class Fleet:
    """Render, publish and take away trees on the e2e cluster's Flux."""

    def __init__(self, state: cluster.State, kube: Kube, product: Product, tmp: Path) -> None:
        self.state, self.kube, self.product, self.tmp = state, kube, product, tmp
        self.published: list[Published] = []
        self.renders = 0

    def render(self, *args: str, each: list[JSON] | None = None) -> Path:
        self.renders += 1
        out = self.tmp / f"render-{self.renders}"
        extra = list(args)
        if each is not None:
            listing = self.tmp / f"each-{self.renders}.yaml"
            listing.write_text(yaml.safe_dump(each))
            extra += ["--each", str(listing)]
        self.product.ok(
            "render", "--var-file", str(self.state.gitops_tfvars), "--out", str(out), *extra
        )
        return out

    def publish(self, tree: Path, **options: str) -> Published:
        published = gitops.publish(self.state, self.kube, tree, **options)
        self.published.append(published)
        return published

    def remove(self) -> None:
        if self.published:
            gitops.remove(self.kube, self.published[-1])


@pytest.fixture
def fleet(
    e2e_cluster: cluster.State, kube: Kube, product: Product, tmp_path: Path
) -> Iterator[Fleet]:
    made = Fleet(e2e_cluster, kube, product, tmp_path)
    try:
        yield made
    finally:
        made.remove()


def _valkey(kube: Kube, namespace: str, name: str) -> JSON | None:
    return kube.get(f"/apis/hyperspike.io/v1/namespaces/{namespace}/valkeys/{name}")


def _status_written_at(valkey: JSON) -> str:
    """When a controller last wrote the Valkey's status (its managedFields entry)."""
    times = [
        str(entry.get("time", ""))
        for entry in valkey["metadata"].get("managedFields") or []
        if entry.get("subresource") == "status"
    ]
    return max(times, default="")


def _messages(seen: dict[str, list[Condition]], name: str) -> list[str]:
    return [f"{c.status} {c.reason}: {c.message}" for c in seen.get(name, [])]


def test_a_default_render_reconciles_on_the_first_try_operator_first(
    fleet: Fleet, kube: Kube
) -> None:
    namespace = new_namespace()
    tree = fleet.render("--var", f"namespace={namespace}")
    seen: dict[str, list[Condition]] = {}

    published = fleet.publish(tree)
    gitops.wait_ready(kube, published, seen=seen)

    cluster_kustomization = f"valkey-{namespace}"
    names = [name for _, name in published.kustomizations]
    assert names == [gitops.ROOT, OPERATOR, cluster_kustomization]
    for name in names:  # waited, perhaps, but never failed
        failed = [
            m for c, m in zip(seen[name], _messages(seen, name), strict=True) if c.reason in FAILED
        ]
        assert not failed, f"{name}: {failed}"
    release = kube.get(f"{HELM_RELEASES}/{OPERATOR}")
    assert release is not None
    assert [h["status"] for h in release["status"]["history"]] == ["deployed"]
    assert release["status"].get("installFailures", 0) == 0

    # The cluster Kustomization applied the Valkey only once the operator's was Ready ...
    operator_ready = seen[OPERATOR][-1].since
    valkey = _valkey(kube, namespace, "valkey")
    assert valkey is not None
    assert valkey["metadata"]["creationTimestamp"] >= operator_ready
    # ... and went Ready only once the operator had reported the Valkey ready.
    assert valkey["status"]["ready"] is True
    assert seen[cluster_kustomization][-1].since >= _status_written_at(valkey)
    sts = kube.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/valkey")
    assert sts is not None
    assert rolled_out(sts)


def test_while_the_valkey_has_no_status_the_health_check_is_in_progress_not_an_error(
    fleet: Fleet, kube: Kube, e2e_cluster: cluster.State
) -> None:
    """The operator reports nothing for a while (stopped): kustomize-controller's health
    check of a Valkey without `status` says it is in progress; an expression that failed
    on the missing field would say so instead (fluxcd/pkg runtime/cel)."""
    namespace = new_namespace()
    name = f"valkey-{namespace}"
    said: list[str] = []
    with cluster.operator_paused(e2e_cluster):
        published = fleet.publish(fleet.render("--var", f"namespace={namespace}"))
        wait_for(
            f"the Valkey in {namespace} to be applied",
            lambda: _valkey(kube, namespace, "valkey") is not None,
            timeout=180,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for message in _condition_messages(kube, name):
                if message not in said:
                    said.append(message)
            time.sleep(0.5)
        valkey = _valkey(kube, namespace, "valkey")
        assert valkey is not None
        assert "status" not in valkey
        condition = gitops.ready_condition(kube, flux.NAMESPACE, name)
        assert condition is not None
        assert not condition.ready
    assert any("Running health checks" in m for m in said), said
    assert any("Ready Unknown Progressing: Reconciliation in progress" in m for m in said), said
    assert not [m for m in said if "False" in m.split()[1:2]], said
    assert not [m for m in said if "expression" in m.lower() or "evaluat" in m.lower()], said
    gitops.wait_ready(kube, published)  # the operator back: Ready


def _condition_messages(kube: Kube, name: str) -> list[str]:
    found = kube.get(f"{KUSTOMIZATIONS}/{name}") or {}
    return [
        f"{c.get('type')} {c.get('status')} {c.get('reason')}: {c.get('message')}"
        for c in (found.get("status") or {}).get("conditions") or []
    ]


def test_a_spec_change_is_not_ready_until_its_rollout_is_done(fleet: Fleet, kube: Kube) -> None:
    namespace = new_namespace()
    first = fleet.publish(fleet.render("--var", f"namespace={namespace}"))
    gitops.wait_ready(kube, first)
    sts_path = f"/apis/apps/v1/namespaces/{namespace}/statefulsets/valkey"
    before = kube.get(sts_path)
    assert before is not None

    changed = fleet.render(
        "--var", f"namespace={namespace}", "--var", "image=docker.io/valkey/valkey:8.1.4"
    )
    second = fleet.publish(changed, message="a newer Valkey image")
    name = f"valkey-{namespace}"
    seen: dict[str, list[Condition]] = {}
    rolled_out_when_ready: list[bool] = []

    def ready_at_new_revision() -> bool:
        condition = gitops.ready_condition(kube, flux.NAMESPACE, name)
        seen.setdefault(name, []).append(condition) if condition else None
        if condition is None or not condition.ready or condition.revision != second.revision:
            return False
        sts = kube.get(sts_path)
        rolled_out_when_ready.append(sts is not None and rolled_out(sts))
        return True

    wait_for(f"{name} Ready at {second.revision}", ready_at_new_revision, timeout=300, interval=0.1)
    after = kube.get(sts_path)
    assert after is not None
    assert after["status"]["updateRevision"] != before["status"]["updateRevision"]
    assert rolled_out_when_ready == [True]
    not_ready = [c for c in seen[name] if not c.ready or c.revision != second.revision]
    assert not_ready, "the Kustomization was never seen waiting for the rollout"


def test_under_the_multi_tenancy_lockdown_flux_service_account_name_is_what_lets_it_apply(
    fleet: Fleet, kube: Kube, e2e_cluster: cluster.State
) -> None:
    namespace = new_namespace()
    flux.lockdown(e2e_cluster, True)
    try:
        without = fleet.publish(
            fleet.render("--var", f"namespace={namespace}"), service_account=flux.PLATFORM_ACCOUNT
        )
        with pytest.raises(HarnessError) as refused:
            gitops.wait_ready(kube, without, timeout=60)
        assert "forbidden" in str(refused.value).lower(), refused.value

        tree = fleet.render(
            "--var",
            f"namespace={namespace}",
            "--var",
            f"flux_service_account_name={flux.PLATFORM_ACCOUNT}",
        )
        permitted = fleet.publish(tree, service_account=flux.PLATFORM_ACCOUNT)
        gitops.wait_ready(kube, permitted)
        for path in (f"{KUSTOMIZATIONS}/{OPERATOR}", f"{HELM_RELEASES}/{OPERATOR}"):
            found = kube.get(path)
            assert found is not None
            assert found["spec"]["serviceAccountName"] == flux.PLATFORM_ACCOUNT
    finally:
        fleet.remove()
        fleet.published.clear()
        flux.lockdown(e2e_cluster, False)


def test_the_cluster_waits_for_the_platform_kustomization_flux_depends_on_names(
    fleet: Fleet, kube: Kube, e2e_cluster: cluster.State
) -> None:
    namespace = new_namespace()
    platform = "platform-infra"
    published = fleet.publish(
        fleet.render("--var", f"namespace={namespace}", "--var", f'flux_depends_on=["{platform}"]')
    )
    name = f"valkey-{namespace}"
    wait_for(
        f"{name} to wait on {platform}",
        lambda: "dependency" in (_message(kube, name) or "").lower(),
        timeout=120,
    )
    assert _valkey(kube, namespace, "valkey") is None  # nothing applied while it waits

    revision = gitops.commit_files(
        e2e_cluster,
        {
            "platform/infra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            "kind: Kustomization\nresources: []\n"
        },
        "the platform team's folder",
    )
    gitops.fetched(kube, revision)
    kube.apply(
        f"{KUSTOMIZATIONS}/{platform}",
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": platform, "namespace": flux.NAMESPACE},
            "spec": {
                "interval": "10m",
                "path": "./platform/infra",
                "prune": True,
                "sourceRef": {"kind": "GitRepository", "name": flux.GIT_REPOSITORY},
            },
        },
        manager=gitops.MANAGER,
    )
    try:
        own = Published(revision, platform, "platform/infra", ((flux.NAMESPACE, platform),))
        gitops.wait_ready(kube, own)
        # Everything reads the newest commit now: the tree is the same, its revision not.
        gitops.wait_ready(kube, dataclasses.replace(published, revision=revision))
        valkey = _valkey(kube, namespace, "valkey")
        assert valkey is not None
        assert valkey["status"]["ready"] is True
    finally:
        kube.delete(f"{KUSTOMIZATIONS}/{platform}")


def test_five_previews_share_one_operator_and_a_preview_taken_out_is_pruned(
    fleet: Fleet, kube: Kube
) -> None:
    run = new_namespace()
    previews = [{"namespace": f"{run}-pr-{i}", "cluster_name": f"pr-{i}"} for i in range(5)]
    published = fleet.publish(fleet.render(each=previews))
    gitops.wait_ready(kube, published)

    assert [name for _, name in published.kustomizations].count(OPERATOR) == 1
    releases = list(kube.items(HELM_RELEASES))
    assert [r["metadata"]["name"] for r in releases] == [OPERATOR]
    for preview in previews:
        valkey = _valkey(kube, preview["namespace"], preview["cluster_name"])
        assert valkey is not None
        assert valkey["status"]["ready"] is True

    gone, kept = previews[2], previews[:2] + previews[3:]
    smaller = fleet.publish(fleet.render(each=kept), message=f"take {gone['namespace']} out")
    gitops.wait_ready(kube, smaller)
    assert kube.get(f"{KUSTOMIZATIONS}/{gone['cluster_name']}-{gone['namespace']}") is None
    wait_for(
        f"namespace {gone['namespace']} to be pruned",
        lambda: kube.absent(f"/api/v1/namespaces/{gone['namespace']}"),
        timeout=180,
    )
    for preview in kept:
        assert _valkey(kube, preview["namespace"], preview["cluster_name"]) is not None


def _message(kube: Kube, name: str) -> str | None:
    condition = gitops.ready_condition(kube, flux.NAMESPACE, name)
    return None if condition is None else condition.message
