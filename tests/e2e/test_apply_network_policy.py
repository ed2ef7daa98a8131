"""Apply mode and the NetworkPolicy on the real cluster: create, re-apply without change,
switch off, destroy, and someone else's policy left alone."""

from __future__ import annotations

from tests.e2e.conftest import Live

POLICIES = "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"


def test_network_policy_lifecycle_in_apply_mode(live: Live) -> None:
    ns = live.namespace
    policies = POLICIES.format(ns=ns)
    # A namespace of the user's: destroy keeps it, so nothing waits for its deletion.
    live.kube.create("/api/v1/namespaces", {"metadata": {"name": ns}})
    isolated = live.plan(network_policy_enabled=True, anonymous_auth=True)

    live.apply(isolated)

    writes = live.writes()
    # Before the Valkey: its pods never run without the policy.
    assert writes.index(f"patch networkpolicies {ns}/valkey-ingress") < writes.index(
        f"patch valkeys {ns}/valkey"
    )
    [policy] = live.kube.items(policies)
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "valkey"
    assert [p["port"] for r in policy["spec"]["ingress"] for p in r["ports"]] == [
        6379,
        6379,
        16379,
        6379,
    ]

    live.mark()
    again = live.apply(isolated)
    assert live.writes() == []
    assert again.changes.summary()["update"] == 0

    # Switched off: the policy goes, nothing else changes.
    live.mark()
    open_plan = live.plan(anonymous_auth=True)
    assert [str(c.ref) for c in live.plan_changes(open_plan).changes if c.request()] == [
        f"NetworkPolicy {ns}/valkey-ingress"
    ]
    live.apply(open_plan)
    assert live.writes() == [f"delete networkpolicies {ns}/valkey-ingress"]
    assert list(live.kube.items(policies)) == []

    # On again, then destroy: the policy goes after the Valkey (reverse order).
    live.apply(isolated)
    live.mark()
    live.destroy(isolated)
    deletes = [w for w in live.writes() if w.startswith("delete")]
    assert deletes.index(f"delete valkeys {ns}/valkey") < deletes.index(
        f"delete networkpolicies {ns}/valkey-ingress"
    )
    assert list(live.kube.items(policies)) == []


def test_a_foreign_network_policy_is_left_alone(live: Live) -> None:
    ns = live.namespace
    live.apply(live.plan(network_policy_enabled=True))
    live.kube.create(
        f"{POLICIES.format(ns=ns)}?fieldManager=kubectl",
        {
            "metadata": {"name": "default-deny"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
        },
    )
    live.apply(live.plan())
    names = [p["metadata"]["name"] for p in live.kube.items(POLICIES.format(ns=ns))]
    assert names == ["default-deny"]
