"""After apply changes a running Valkey, it waits for the change to roll out (the real
StatefulSet controller's report), not for the operator's stale ``ready: true``
(valkey-operator v0.0.61 writes it once and never again)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live
from tests.e2e.harness.kube import JSON
from tests.e2e.support import cordoned
from wildside_valkey.apply import WaitTimeoutError


def statefulset(live: Live) -> JSON:
    sts = live.get(f"/apis/apps/v1/namespaces/{live.namespace}/statefulsets/valkey")
    assert sts is not None
    return sts


def test_a_resize_returns_only_once_every_new_pod_is_updated_and_ready(live: Live) -> None:
    live.apply(live.plan(nodes=1))
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["status"] == {"ready": True}
    live.mark()

    live.apply(live.plan(nodes=3, replicas=1))

    sts = statefulset(live)
    assert sts["spec"]["replicas"] == 6
    assert sts["status"]["observedGeneration"] == sts["metadata"]["generation"] == 2
    assert sts["status"]["updatedReplicas"] == sts["status"]["readyReplicas"] == 6
    # The Valkey said ready all along; the StatefulSet was read until the rollout ended.
    reads = [c for c in live.audit.calls() if c == f"get statefulsets {live.namespace}/valkey"]
    assert len(reads) >= 2


def test_a_stuck_rollout_times_out_naming_what_is_missing(live: Live) -> None:
    ns = live.namespace
    live.apply(live.plan(nodes=1))
    with cordoned(live.kube), pytest.raises(WaitTimeoutError) as timed_out:
        live.apply(live.plan(nodes=2), timeout=3)
    assert timed_out.value.missing == (
        f"StatefulSet {ns}/valkey to roll out 2 pod(s), all updated and ready "
        "(last seen: 2/2 pods updated, 1/2 ready)",
    )


def test_an_unchanged_reapply_finds_the_rollout_done_at_once(live: Live) -> None:
    plan = live.plan(nodes=2)
    live.apply(plan)
    live.mark()
    with cordoned(live.kube):  # nothing new can run: apply must not need it to
        live.apply(plan, timeout=1)
    assert live.writes() == []
