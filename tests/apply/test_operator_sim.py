"""The simulated valkey-operator behaves like v0.0.61, so apply cannot be tuned to a fiction.

Each test pins one behaviour of ``tests/fakes/kube_sim.py`` to what
docs/design.md ("Readiness as the operator reports it")
and the operator's source say (hyperspike/valkey-operator v0.0.61,
internal/controller/valkey_controller.go):

* line 323: ``valkey.Status.Ready = true`` in ``checkState``, the only status
  write; nothing sets conditions, observedGeneration or ``ready = false``;
* line 2278: the StatefulSet has ``Shards * (Replicas + 1)`` replicas; lines
  2623-2638 update replicas and image in place (resources are not compared);
* line 1585: with ``servicePassword`` the Secret is read first, and a missing
  one stops the reconcile before the StatefulSet.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from lightkube import Client, KubeConfig
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apps_v1 import StatefulSet
from lightkube.resources.core_v1 import Namespace

from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.kube_sim import simulate_valkey_operator
from tests.fakes.kubeconfig import KubeconfigFile

Valkey = create_namespaced_resource("hyperspike.io", "v1", "Valkey", "valkeys")


@pytest.fixture
def client(fake_kubeconfig: KubeconfigFile) -> Iterator[Client]:
    with Client(config=KubeConfig.from_file(fake_kubeconfig.path)) as c:
        yield c


def _valkey(**spec: Any) -> Any:
    return Valkey(metadata=ObjectMeta(name="vk", namespace="db"), spec=spec)


def _create(client: Client, **spec: Any) -> None:
    client.apply(Namespace(metadata=ObjectMeta(name="db")), field_manager="test")
    _change(client, **spec)


def _change(client: Client, **spec: Any) -> None:
    client.apply(_valkey(**spec), field_manager="test")


def _read(client: Client) -> dict[str, Any]:
    obj: dict[str, Any] = client.get(Valkey, "vk", namespace="db").to_dict()  # type: ignore[no-untyped-call]
    return obj


def _statefulset(client: Client) -> StatefulSet:
    return client.get(StatefulSet, "vk", namespace="db")


def test_no_status_at_all_until_the_cluster_has_formed(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube)
    _create(client, nodes=3, replicas=1)
    seen = [_read(client).get("status") for _ in range(12)]
    assert seen[0] is None
    forming = seen[: seen.index({"ready": True})]
    assert len(forming) >= 6, "six pods roll out over several reads before ready"
    assert set(map(str, forming)) == {"None"}


def test_ready_true_is_the_whole_status_and_is_never_taken_back(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube)
    _create(client, nodes=1)
    for _ in range(6):
        _read(client)
    assert _read(client)["status"] == {"ready": True}
    # A spec change after that: the status stays exactly as it was (no conditions,
    # no observedGeneration, not false), while the generation moves on.
    _change(client, nodes=2)
    after = _read(client)
    assert after["metadata"]["generation"] == 2
    assert after["status"] == {"ready": True}


def test_the_statefulset_has_nodes_times_replicas_plus_one_and_rolls_out_over_reads(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube)
    _create(client, nodes=2, replicas=1)
    ready_counts = []
    for _ in range(8):
        sts = _statefulset(client)
        assert sts.spec is not None
        assert sts.spec.replicas == 4
        assert sts.status is not None
        ready_counts.append(sts.status.readyReplicas or 0)
    assert ready_counts[0] < 4
    assert ready_counts == sorted(ready_counts), "pods become ready one after another"
    assert ready_counts[-1] == 4


def test_a_resize_changes_the_statefulset_which_rolls_out_again(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube)
    _create(client, nodes=1)
    for _ in range(6):
        _read(client)
    _change(client, nodes=3)
    sts = fake_kube.get("statefulsets", "db", "vk")
    assert sts is not None
    assert sts["spec"]["replicas"] == 3
    assert sts["metadata"]["generation"] == 2
    assert sts["status"]["observedGeneration"] == 1, "not yet observed right after the change"


def test_a_resources_only_change_leaves_the_statefulset_alone(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube)
    _create(client, nodes=1, resources={"limits": {"cpu": "1"}})
    _change(client, nodes=1, resources={"limits": {"cpu": "2"}})
    sts = fake_kube.get("statefulsets", "db", "vk")
    assert sts is not None
    assert sts["metadata"]["generation"] == 1


def test_a_missing_service_password_secret_stops_it_before_the_statefulset(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    sim = simulate_valkey_operator(fake_kube)
    _create(client, nodes=1, servicePassword={"name": "pw", "key": "password"})
    for _ in range(5):
        assert "status" not in _read(client)
    assert fake_kube.get("statefulsets", "db", "vk") is None
    assert sim.created == [], "upsertSecret fails before the PodDisruptionBudget (line 204-210)"


def test_a_timer_finishes_the_rollout_for_clients_that_only_watch(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_valkey_operator(fake_kube, stalled=True, ready_after_seconds=0.1)
    _create(client, nodes=1)
    time.sleep(0.5)
    obj = fake_kube.get("valkeys", "db", "vk")
    assert obj is not None
    assert obj["status"] == {"ready": True}
