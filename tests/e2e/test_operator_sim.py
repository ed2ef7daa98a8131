"""The simulated valkey-operator behaves like v0.0.61 on the real cluster, so apply cannot
be tuned to a fiction.

Each test pins one behaviour of tests/e2e/harness/simulation.py to what
shared/docs/operator-facts.md ("Readiness, as the operator really reports it")
and the operator's source say (hyperspike/valkey-operator v0.0.61,
internal/controller/valkey_controller.go), with the real StatefulSet controller,
scheduler and kwok doing the rest:

* line 323: ``valkey.Status.Ready = true`` in ``checkState``, the only status
  write; nothing sets conditions, observedGeneration or ``ready = false``;
* line 2278: the StatefulSet has ``Shards * (Replicas + 1)`` replicas; lines
  2623-2638 update replicas and image in place (resources are not compared);
* line 1585: with ``servicePassword`` the Secret is read first, and a missing
  one stops the reconcile before the StatefulSet.
"""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import VALKEYS, Live
from tests.e2e.harness.kube import JSON, wait_for
from tests.e2e.harness.operator_sim import INTERVAL


def _valkey(live: Live, **spec: Any) -> None:
    ns = live.namespace
    if live.get(f"/api/v1/namespaces/{ns}") is None:
        live.kube.create("/api/v1/namespaces", {"metadata": {"name": ns}})
    live.kube.apply(
        f"{VALKEYS.format(ns=ns)}/vk",
        {
            "apiVersion": "hyperspike.io/v1",
            "kind": "Valkey",
            "metadata": {"name": "vk", "namespace": ns},
            "spec": spec,
        },
        manager="test",
    )


def _read(live: Live) -> JSON:
    found = live.valkey("vk")
    assert found is not None
    return found


def _statefulset(live: Live) -> JSON | None:
    return live.get(f"/apis/apps/v1/namespaces/{live.namespace}/statefulsets/vk")


def _ready(live: Live) -> bool:
    return _read(live).get("status") == {"ready": True}


def test_no_status_until_every_pod_has_joined_then_ready_and_nothing_else(live: Live) -> None:
    _valkey(live, nodes=3, replicas=1)
    seen: list[tuple[Any, int]] = []

    def formed() -> bool:
        sts = _statefulset(live) or {}
        seen.append((_read(live).get("status"), (sts.get("status") or {}).get("readyReplicas", 0)))
        return seen[-1][0] is not None

    wait_for("the Valkey to report ready", formed, timeout=60, interval=0.05)
    assert seen[0][0] is None
    assert {str(status) for status, _ in seen[:-1]} == {"None"}
    # Ready once all 3 shards x (1 replica + 1) pods ran; the status holds nothing else.
    sts = _statefulset(live)
    assert sts is not None
    assert (sts["spec"]["replicas"], sts["status"]["readyReplicas"]) == (6, 6)
    assert _read(live)["status"] == {"ready": True}


def test_ready_is_never_taken_back_while_a_resize_rolls_out_again(live: Live) -> None:
    _valkey(live, nodes=1)
    wait_for("the Valkey to report ready", lambda: _ready(live), timeout=60)

    _valkey(live, nodes=3)

    after = _read(live)
    assert after["metadata"]["generation"] == 2
    assert after["status"] == {"ready": True}
    wait_for(
        "the operator to resize the StatefulSet",
        lambda: (_statefulset(live) or {})["spec"]["replicas"] == 3,
        timeout=30,
    )
    sts = _statefulset(live)
    assert sts is not None
    assert sts["metadata"]["generation"] == 2
    assert _read(live)["status"] == {"ready": True}


def test_a_resources_only_change_leaves_the_statefulset_alone(live: Live) -> None:
    _valkey(live, nodes=1, resources={"limits": {"cpu": "1"}})
    wait_for("the StatefulSet", lambda: _statefulset(live) is not None, timeout=30)
    _valkey(live, nodes=1, resources={"limits": {"cpu": "2"}})
    time.sleep(6 * INTERVAL)  # several passes of the operator
    sts = _statefulset(live)
    assert sts is not None
    assert sts["metadata"]["generation"] == 1


def test_a_missing_service_password_secret_stops_it_before_the_statefulset(live: Live) -> None:
    ns = live.namespace
    _valkey(live, nodes=1, servicePassword={"name": "pw", "key": "password"})
    time.sleep(6 * INTERVAL)  # several passes of the operator
    assert "status" not in _read(live)
    assert _statefulset(live) is None
    # upsertSecret fails before the PodDisruptionBudget (lines 204-210).
    assert live.get(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/vk") is None
