"""After apply changes a running Valkey, it waits for the change to roll out, not for the
operator's stale ``ready: true`` (valkey-operator v0.0.61 writes it once and never again)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.cluster import FakeCluster, apply_plan_for
from wildside_valkey.apply import WaitTimeoutError


def _statefulset(fake_cluster: FakeCluster) -> dict[str, Any]:
    sts = fake_cluster.api.get("statefulsets", "valkey", "valkey")
    assert sts is not None
    return sts


def _reads(fake_cluster: FakeCluster, plural: str) -> int:
    return sum(1 for call in fake_cluster.calls() if call.startswith("GET") and plural in call)


def test_a_resize_returns_only_once_every_new_pod_is_updated_and_ready(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(apply_plan_for(nodes=1))
    valkey = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert valkey is not None
    assert valkey["status"] == {"ready": True}
    fake_cluster.reset_records()

    fake_cluster.apply(apply_plan_for(nodes=3, replicas=1))

    sts = _statefulset(fake_cluster)
    assert sts["spec"]["replicas"] == 6
    assert sts["status"]["observedGeneration"] == sts["metadata"]["generation"] == 2
    assert sts["status"]["updatedReplicas"] == sts["status"]["readyReplicas"] == 6
    # The Valkey said ready all along; the StatefulSet was read until the rollout ended.
    assert _reads(fake_cluster, "/statefulsets/valkey") >= 6


def test_a_stuck_rollout_times_out_naming_what_is_missing(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for(nodes=1))
    fake_cluster.operator.stalled = True
    with pytest.raises(WaitTimeoutError) as timed_out:
        fake_cluster.apply(apply_plan_for(nodes=2), timeout=0.3)
    assert timed_out.value.missing == (
        "StatefulSet valkey/valkey to roll out 2 pod(s), all updated and ready "
        "(last seen: generation 2 not yet observed)",
    )


def test_an_unchanged_reapply_finds_the_rollout_done_at_once(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for(nodes=2)
    fake_cluster.apply(plan)
    fake_cluster.reset_records()
    fake_cluster.operator.stalled = True  # nothing moves: apply must not need it to
    fake_cluster.apply(plan, timeout=0.3)
    assert fake_cluster.mutating() == []
