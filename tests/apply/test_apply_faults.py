"""Failures: transient ones are retried, lasting ones end with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.cluster import FakeCluster, apply_plan_for
from tests.fakes.faults import TransportFault
from tests.fakes.kube_sim import install_valkey_crd, simulate_external_secrets
from tests.fakes.kubeconfig import write_kubeconfig
from wildside_valkey.apply import (
    ApiRequestError,
    ConflictError,
    Helm,
    HelmNotFoundError,
    RetryPolicy,
    WaitTimeoutError,
)
from wildside_valkey.apply.api_errors import Operation
from wildside_valkey.apply.client import ALL_NAMESPACES
from wildside_valkey.apply.destroy import preview_destroy
from wildside_valkey.apply.kinds import VALKEY as VALKEY_KIND
from wildside_valkey.apply.release import HelmTarget

VALKEY = "/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey"


@pytest.mark.parametrize(
    "fault",
    [
        TransportFault("status", method="PATCH", path="/valkeys/", code=429, retry_after=1),
        TransportFault("status", method="PATCH", path="/valkeys/", code=500),
        TransportFault("status", method="GET", path="/namespaces/valkey$", code=503, times=2),
        TransportFault("status", method="GET", path="/customresourcedefinitions/", code=504),
        TransportFault("reset", method="PATCH", path="/valkeys/"),
        TransportFault("close", method="GET", path="/namespaces/valkey-system$"),
        TransportFault("timeout", method="PATCH", path="/valkeys/"),
    ],
    ids=["429", "500", "503x2", "504", "reset", "closed", "slow"],
)
def test_transient_faults_are_retried_and_the_apply_converges(
    fake_cluster: FakeCluster, fault: TransportFault
) -> None:
    fake_cluster.inject(fault)
    fake_cluster.apply(apply_plan_for())
    assert len(fault.hits) == fault.times
    retried = [r for r in fake_cluster.requests() if (r.method, r.path) == fault.hits[0]]
    assert retried, "the failed request was sent again"
    valkey = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert valkey is not None
    assert valkey["status"]["ready"] is True
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for())
    assert fake_cluster.mutating() == []


def test_retry_after_is_honoured_within_the_policy_bounds(fake_cluster: FakeCluster) -> None:
    waits: list[float] = []
    fake_cluster.retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=10, sleep=waits.append)
    fake_cluster.inject(TransportFault(method="PATCH", path="/valkeys/", code=429, retry_after=3))
    fake_cluster.apply(apply_plan_for())
    assert waits == [3.0]


def test_a_lasting_fault_is_a_clear_error(fake_cluster: FakeCluster) -> None:
    fake_cluster.inject(
        TransportFault(method="GET", path="/namespaces/valkey-system$", code=503, times=None)
    )
    with pytest.raises(ApiRequestError) as failed:
        fake_cluster.apply(apply_plan_for())
    assert str(failed.value) == (
        "cannot get Namespace valkey-system: 503 the server is currently unable to handle "
        "the request (after 4 attempts)"
    )
    assert failed.value.exit_code == 1
    assert fake_cluster.mutating() == []


def test_a_conflict_names_the_other_field_manager_and_force_takes_over(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for()
    fake_cluster.apply(plan)
    edited = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert edited is not None
    edited["spec"]["nodes"] = 5
    del edited["metadata"]["managedFields"]
    fake_cluster.api.seed(edited, manager="kubectl-edit")  # as `kubectl edit` would leave it
    with pytest.raises(ConflictError) as conflict:
        fake_cluster.apply(plan)
    assert [(c.field, c.manager) for c in conflict.value.conflicts] == [
        (".spec.nodes", "kubectl-edit")
    ]
    message = str(conflict.value)
    assert message.startswith("conflict applying Valkey valkey/valkey: 1 field(s) are owned")
    assert "  - .spec.nodes is managed by 'kubectl-edit'" in message
    assert "--force-conflicts" in message

    fake_cluster.reset_records()
    fake_cluster.apply(plan, force_conflicts=True)
    [forced] = [r for r in fake_cluster.api.mutating_requests() if r.path == VALKEY]
    assert forced.query == {"fieldManager": "wildside-valkey", "force": "true"}
    valkey = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert valkey is not None
    assert valkey["spec"]["nodes"] == 1


def test_a_valkey_that_never_gets_ready_times_out_naming_it(fake_cluster: FakeCluster) -> None:
    fake_cluster.operator.stalled = True
    with pytest.raises(WaitTimeoutError) as timed_out:
        fake_cluster.apply(apply_plan_for(), timeout=0.3)
    assert str(timed_out.value) == (
        "timed out after 0.3s waiting for:\n"
        "  - Valkey valkey/valkey to report status.ready = true "
        "(last seen: forming: the operator reports ready once every pod has joined the cluster)\n"
        "  - StatefulSet valkey/valkey to roll out 1 pod(s), all updated and ready "
        "(last seen: 0/1 pods updated, 0/1 ready)"
    )


def test_a_secret_external_secrets_never_writes_is_explained(fake_cluster: FakeCluster) -> None:
    simulate_external_secrets(fake_cluster.api, {})  # the vault lacks the path
    plan = apply_plan_for(eso_enabled=True, password_vault_path="valkey/prod")
    with pytest.raises(WaitTimeoutError) as timed_out:
        fake_cluster.apply(plan, timeout=0.3)
    [secret, valkey, statefulset] = timed_out.value.missing
    assert secret.startswith(
        "Secret valkey/valkey-password to be created by External Secrets (last seen: not found "
        "yet); ExternalSecret valkey/valkey-password: Ready=False SecretSyncedError: could not "
        "get secret data from provider: valkey/prod#password"
    )
    # The operator writes no status while the Secret is missing, and stops before the
    # StatefulSet (valkey-operator v0.0.61 valkey_controller.go:1585, upsertSecret).
    assert "forming" in valkey
    assert "not created by the operator yet" in statefulset


def test_a_crd_that_is_never_established_stops_before_the_valkey(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.api.delete_object("customresourcedefinitions", None, "valkeys.hyperspike.io")
    install_valkey_crd(fake_cluster.api, established=False)
    with pytest.raises(WaitTimeoutError, match=r"CustomResourceDefinition valkeys\.hyperspike\.io"):
        fake_cluster.apply(apply_plan_for(), timeout=0.2)
    assert f"PATCH {VALKEY}" not in fake_cluster.mutating()


def test_a_refusal_names_the_verb_and_the_resource(fake_cluster: FakeCluster) -> None:
    fake_cluster.api.forbid("patch", "secrets", namespace="valkey")
    with pytest.raises(ApiRequestError) as refused:
        fake_cluster.apply(apply_plan_for(password_inline="pw"))
    assert str(refused.value) == (
        'cannot patch secrets in namespace "valkey": secrets "valkey-password" is forbidden: '
        'User "fake-user" cannot patch resource "secrets" in API group "" in the namespace "valkey"'
    )
    assert refused.value.status_code == 403


def test_a_refused_list_names_the_resource_and_scope(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for())
    fake_cluster.api.forbid("list", "valkeys")
    with pytest.raises(ApiRequestError) as refused:
        fake_cluster.destroy(apply_plan_for())
    assert str(refused.value).startswith(
        'cannot list valkeys.hyperspike.io in namespace "valkey": valkeys.hyperspike.io is '
        'forbidden: User "fake-user" cannot list resource "valkeys"'
    )
    everywhere = Operation("list", VALKEY_KIND, ALL_NAMESPACES)
    assert everywhere.describe() == "list valkeys.hyperspike.io in all namespaces"


def test_wrong_credentials_are_named(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    bad = write_kubeconfig(tmp_path / "bad", fake_cluster.api.url, token="wrong")
    fake_cluster.kubeconfig = bad
    with pytest.raises(ApiRequestError, match=r"refused our credentials \(401 Unauthorized\)"):
        fake_cluster.plan_changes(apply_plan_for())


def test_no_helm_means_no_write(
    fake_cluster: FakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HelmNotFoundError, match=r"Install Helm 3 or 4 \(https://helm.sh"):
        fake_cluster.apply(apply_plan_for())
    assert fake_cluster.requests() == []
    with pytest.raises(HelmNotFoundError):
        Helm.locate(HelmTarget(), env={"PATH": str(tmp_path)})


def test_plan_needs_no_helm(
    fake_cluster: FakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan only reads, and helm's own record of the release comes through the API."""
    fake_cluster.apply(apply_plan_for())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert fake_cluster.plan_changes(apply_plan_for()).is_empty
    assert fake_cluster.plan_changes(apply_plan_for(chart_version="v0.0.62-chart")).helm.changes
    with fake_cluster.client() as kube:
        assert preview_destroy(apply_plan_for(), kube).operator.action == "uninstall"


def test_plan_without_helm_says_why_it_needed_it(
    fake_cluster: FakeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_cluster.apply(apply_plan_for())
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HELM_DRIVER", "configmap")  # a record the API reader does not read
    with pytest.raises(HelmNotFoundError) as caught:
        fake_cluster.plan_changes(apply_plan_for())
    assert str(caught.value).startswith(
        "the `helm` command was not found on PATH, and helm's record of the operator release "
        "could not be read through the Kubernetes API (HELM_DRIVER is not `secret`"
    )
    assert "so `helm list` must read it. Install Helm 3 or 4" in str(caught.value)
