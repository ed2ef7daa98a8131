"""Apply mode and the NetworkPolicy: create, re-apply without change, switch off, destroy."""

from __future__ import annotations

from tests.fakes.cluster import FakeCluster, apply_plan_for

POLICY = "/apis/networking.k8s.io/v1/namespaces/valkey/networkpolicies/valkey-ingress"
VALKEY = "/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey"


def test_network_policy_lifecycle_in_apply_mode(fake_cluster: FakeCluster) -> None:
    isolated = apply_plan_for(network_policy_enabled=True, anonymous_auth=True)

    fake_cluster.apply(isolated)
    writes = fake_cluster.mutating()
    # Before the Valkey: its pods never run without the policy.
    assert writes.index(f"PATCH {POLICY}") < writes.index(f"PATCH {VALKEY}")
    (policy,) = fake_cluster.objects("networkpolicies", "valkey")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "valkey"
    assert [p["port"] for r in policy["spec"]["ingress"] for p in r["ports"]] == [
        6379,
        6379,
        16379,
        6379,
    ]

    fake_cluster.reset_records()
    again = fake_cluster.apply(isolated)
    assert fake_cluster.mutating() == []
    assert again.changes.summary()["update"] == 0

    # Switched off: the policy goes, nothing else changes.
    fake_cluster.reset_records()
    open_plan = apply_plan_for(anonymous_auth=True)
    assert [str(c.ref) for c in fake_cluster.plan_changes(open_plan).changes if c.request()] == [
        "NetworkPolicy valkey/valkey-ingress"
    ]
    fake_cluster.apply(open_plan)
    assert fake_cluster.mutating() == [f"DELETE {POLICY}"]
    assert list(fake_cluster.objects("networkpolicies", "valkey")) == []

    # On again, then destroy: the policy goes after the Valkey (reverse order).
    fake_cluster.apply(isolated)
    fake_cluster.reset_records()
    fake_cluster.destroy(isolated)
    deletes = [c for c in fake_cluster.mutating() if c.startswith("DELETE")]
    assert deletes.index(f"DELETE {VALKEY}") < deletes.index(f"DELETE {POLICY}")
    assert list(fake_cluster.objects("networkpolicies", "valkey")) == []


def test_a_foreign_network_policy_is_left_alone(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for(network_policy_enabled=True)
    fake_cluster.apply(plan)
    fake_cluster.api.seed(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", "namespace": "valkey"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
        manager="kubectl",
    )
    fake_cluster.apply(apply_plan_for())
    names = [p["metadata"]["name"] for p in fake_cluster.objects("networkpolicies", "valkey")]
    assert names == ["default-deny"]
