"""Failures on the real cluster: transient ones are retried, lasting ones end with a clear error.

What the real API server cannot be made to do on demand (a dropped connection, a 5xx, a
429 with Retry-After, an answer that comes too late) is injected at lightkube's
transport (tests/fakes/faults.py); refusals, conflicts, a workload that never gets
ready and wrong credentials are the real server's own.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Live
from tests.e2e.support import (
    cordoned,
    everything_but,
    limited_kubeconfig,
    refused,
    write_token_kubeconfig,
)
from tests.fakes.faults import TransportFault
from wildside_valkey.apply import (
    ApiRequestError,
    ConflictError,
    Helm,
    HelmNotFoundError,
    RetryPolicy,
    WaitTimeoutError,
    connect_cluster,
    destroy,
    plan_changes,
)
from wildside_valkey.apply.api_errors import Operation
from wildside_valkey.apply.client import ALL_NAMESPACES
from wildside_valkey.apply.kinds import VALKEY as VALKEY_KIND
from wildside_valkey.apply.release import HelmTarget


@pytest.mark.parametrize(
    "fault",
    [
        TransportFault("status", method="PATCH", path="/valkeys/", code=429, retry_after=1),
        TransportFault("status", method="PATCH", path="/valkeys/", code=500),
        TransportFault("status", method="GET", path="/namespaces/e2e-[^/]*$", code=503, times=2),
        TransportFault("status", method="GET", path="/customresourcedefinitions/", code=504),
        TransportFault("reset", method="PATCH", path="/valkeys/"),
        TransportFault("close", method="GET", path="/namespaces/valkey-system$"),
        TransportFault("timeout", method="PATCH", path="/valkeys/"),
    ],
    ids=["429", "500", "503x2", "504", "reset", "closed", "slow"],
)
def test_transient_faults_are_retried_and_the_apply_converges(
    live: Live, fault: TransportFault
) -> None:
    live.inject(fault)
    live.apply(live.plan())
    assert len(fault.hits) == fault.times
    _, path = fault.hits[0]
    sent = [
        e
        for e in live.audit.requests()
        if e["verb"] in ("get", "patch") and urlsplit(e["requestURI"]).path == path
    ]
    if fault.action in ("status", "reset", "close"):
        assert sent, "the failed request was sent again"
    else:  # the slow answer: the server did the work, and then the request was repeated
        assert len(sent) >= 2
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["status"] == {"ready": True}
    live.mark()
    live.faults.clear()
    live.apply(live.plan())
    assert live.writes() == []


def test_retry_after_is_honoured_within_the_policy_bounds(live: Live) -> None:
    waits: list[float] = []
    live.retry = RetryPolicy(attempts=3, base_delay=0.01, max_delay=10, sleep=waits.append)
    live.inject(TransportFault(method="PATCH", path="/valkeys/", code=429, retry_after=3))
    live.apply(live.plan())
    assert waits == [3.0]


def test_a_lasting_fault_is_a_clear_error(live: Live) -> None:
    live.inject(
        TransportFault(method="GET", path="/namespaces/valkey-system$", code=503, times=None)
    )
    with pytest.raises(ApiRequestError) as failed:
        live.apply(live.plan())
    assert str(failed.value) == (
        "cannot get Namespace valkey-system: 503 the server is currently unable to handle "
        "the request (after 4 attempts)"
    )
    assert failed.value.exit_code == 1
    assert live.writes() == []


def test_a_conflict_names_the_other_field_manager_and_force_takes_over(live: Live) -> None:
    ns = live.namespace
    plan = live.plan()
    live.apply(plan)
    # As `kubectl edit` leaves it: an update by another manager, which takes the field.
    live.kube.merge_patch(
        f"/apis/hyperspike.io/v1/namespaces/{ns}/valkeys/valkey?fieldManager=kubectl-edit",
        {"spec": {"nodes": 5}},
    )
    with pytest.raises(ConflictError) as conflict:
        live.apply(plan)
    assert [(c.field, c.manager) for c in conflict.value.conflicts] == [
        (".spec.nodes", "kubectl-edit")
    ]
    message = str(conflict.value)
    assert message.startswith(f"conflict applying Valkey {ns}/valkey: 1 field(s) are owned")
    assert "  - .spec.nodes is managed by 'kubectl-edit'" in message
    assert "--force-conflicts" in message
    live.mark()

    live.apply(plan, force_conflicts=True)

    [forced] = [e for e in live.audit.requests() if e["verb"] == "patch"]
    query = parse_qs(urlsplit(forced["requestURI"]).query)
    assert (query["fieldManager"], query["force"]) == (["wildside-valkey"], ["true"])
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["spec"]["nodes"] == 1


def test_a_valkey_that_never_gets_ready_times_out_naming_it(live: Live) -> None:
    ns = live.namespace
    with cordoned(live.kube), pytest.raises(WaitTimeoutError) as timed_out:
        live.apply(live.plan(), timeout=3)
    assert str(timed_out.value) == (
        "timed out after 3s waiting for:\n"
        f"  - Valkey {ns}/valkey to report status.ready = true "
        "(last seen: forming: the operator reports ready once every pod has joined the cluster)\n"
        f"  - StatefulSet {ns}/valkey to roll out 1 pod(s), all updated and ready "
        "(last seen: 1/1 pods updated, 0/1 ready)"
    )


def test_a_secret_external_secrets_never_writes_is_explained(live: Live) -> None:
    ns = live.namespace
    # The vault of the harness's External Secrets holds no valkey/missing.
    plan = live.plan(eso_enabled=True, password_vault_path="valkey/missing")
    with pytest.raises(WaitTimeoutError) as timed_out:
        live.apply(plan, timeout=3)
    [secret, valkey, statefulset] = timed_out.value.missing
    assert secret.startswith(
        f"Secret {ns}/valkey-password to be created by External Secrets (last seen: not found "
        f"yet); ExternalSecret {ns}/valkey-password: Ready=False SecretSyncedError: could not "
        "get secret data from provider: valkey/missing#password"
    )
    # The operator writes no status while the Secret is missing, and stops before the
    # StatefulSet (valkey-operator v0.0.61 valkey_controller.go:1585, upsertSecret).
    assert "forming" in valkey
    assert "not created by the operator yet" in statefulset


def test_a_refusal_names_the_verb_and_the_resource(live: Live) -> None:
    ns = live.namespace
    with (
        refused(live.kube, resource="secrets", namespace=ns, message="no secrets here"),
        pytest.raises(ApiRequestError) as refusal,
    ):
        live.apply(live.plan(password_inline="pw"))
    assert str(refusal.value).startswith(
        f'cannot patch secrets in namespace "{ns}": secrets "valkey-password" is forbidden: '
    )
    assert str(refusal.value).endswith("denied request: no secrets here")
    assert refusal.value.status_code == 403


def test_a_refused_list_names_the_resource_and_scope(live: Live, tmp_path: Path) -> None:
    ns = live.namespace
    plan = live.plan()
    live.apply(plan)
    kubeconfig, user = limited_kubeconfig(
        live.kube,
        live.state,
        tmp_path / "limited",
        everything_but("list", "valkeys", "hyperspike.io"),
    )
    with (
        connect_cluster(kubeconfig, retry=live.retry) as kube,
        pytest.raises(ApiRequestError) as refusal,
    ):
        destroy(plan, kube)
    assert str(refusal.value).startswith(
        f'cannot list valkeys.hyperspike.io in namespace "{ns}": valkeys.hyperspike.io is '
        f'forbidden: User "{user}" cannot list resource "valkeys"'
    )
    assert refusal.value.status_code == 403
    everywhere = Operation("list", VALKEY_KIND, ALL_NAMESPACES)
    assert everywhere.describe() == "list valkeys.hyperspike.io in all namespaces"


def test_wrong_credentials_are_named(live: Live, tmp_path: Path) -> None:
    kubeconfig = write_token_kubeconfig(
        tmp_path / "wrong", live.state, "not-a-token", context="wrong"
    )
    with (
        connect_cluster(kubeconfig, retry=live.retry) as kube,
        pytest.raises(ApiRequestError, match=r"refused our credentials \(401 Unauthorized\)"),
    ):
        plan_changes(live.plan(), kube)


def test_no_helm_means_no_request(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HelmNotFoundError, match=r"Install Helm 3 or 4 \(https://helm.sh"):
        live.apply(live.plan())
    assert live.audit.requests() == []
    with pytest.raises(HelmNotFoundError):
        Helm.locate(HelmTarget(), env={"PATH": str(tmp_path)})
