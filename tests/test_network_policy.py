"""The rendered NetworkPolicy admits what a working cluster needs, and nothing else.

Each render case under tests/cases/network-policy* is evaluated with the
NetworkPolicy semantics of the Kubernetes API reference (networking.k8s.io/v1:
a pod selected by a policy with policyTypes Ingress accepts a connection only
when one rule matches both its port and one of its peers; within one peer,
namespaceSelector and podSelector must both match; a rule without `from`
admits every source). Peers are tried port by port, case by case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.cases.harness import get_case, render_case, tree_objects

VALKEY_POD = {
    "app.kubernetes.io/name": "valkey",
    "app.kubernetes.io/component": "valkey",
}


@dataclass(frozen=True)
class Source:
    """Who dials: a pod (namespace and labels) or, with namespace None, an outside address."""

    namespace: str | None
    labels: Mapping[str, str] = field(default_factory=dict)


OUTSIDE = Source(None)


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or ():
        value = labels.get(expression["key"])
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and value in expression["values"]:
            return False
    return True


def _peer_admits(peer: Mapping[str, Any], source: Source, policy_namespace: str) -> bool:
    if source.namespace is None:
        return False  # no ipBlock peers are rendered: outside traffic needs a rule without `from`
    namespace_labels = {"kubernetes.io/metadata.name": source.namespace}
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif source.namespace != policy_namespace:
        return False  # a podSelector alone means the policy's own namespace
    return "podSelector" not in peer or _selects(peer["podSelector"], source.labels)


def admits(policy: Mapping[str, Any], source: Source, port: int) -> bool:
    namespace = policy["metadata"]["namespace"]
    for rule in policy["spec"].get("ingress") or ():
        if not any(p["port"] == port and p["protocol"] == "TCP" for p in rule["ports"]):
            continue
        if "from" not in rule or any(_peer_admits(p, source, namespace) for p in rule["from"]):
            return True
    return False


def rendered_policy(case: str) -> dict[str, Any]:
    objects = tree_objects(render_case(get_case(case)).tree)
    policies = [o for key, o in objects.items() if key.startswith("cluster/networkpolicy.yaml:")]
    assert len(policies) == 1, sorted(objects)
    policy: dict[str, Any] = policies[0]
    return policy


def pod(cluster: str, namespace: str, component: str = "valkey") -> Source:
    labels = {**VALKEY_POD, "app.kubernetes.io/instance": cluster}
    return Source(namespace, {**labels, "app.kubernetes.io/component": component})


def test_the_policy_selects_exactly_the_operators_valkey_pods() -> None:
    policy = rendered_policy("network-policy")
    selector = policy["spec"]["podSelector"]
    assert _selects(selector, pod("valkey", "valkey").labels)
    assert not _selects(selector, pod("other", "valkey").labels)  # another cluster's pods
    assert not _selects(selector, pod("valkey", "valkey", "valkey-proxy").labels)
    assert policy["spec"]["policyTypes"] == ["Ingress"]


# (source, port, admitted) for the default isolation: namespace "valkey", cluster "valkey".
DEFAULT_CASES = [
    (Source("valkey", {"app": "web"}), 6379, True),  # any pod in the cluster's own namespace
    (Source("valkey", {"app": "web"}), 16379, False),  # ...but never on the bus port
    (Source("valkey", {"app": "web"}), 9121, False),  # no metrics without prometheus_enabled
    (Source("other-team", {"app": "web"}), 6379, False),
    (pod("valkey", "valkey"), 6379, True),
    (pod("valkey", "valkey"), 16379, True),  # pod to pod: the cluster bus
    (pod("valkey", "other-team"), 16379, False),  # same labels, other namespace
    (Source("valkey-system", {"control-plane": "controller-manager"}), 6379, True),
    (Source("valkey-system"), 16379, False),
    (Source("monitoring"), 9121, False),
    (OUTSIDE, 6379, False),
]


@pytest.mark.parametrize(("source", "port", "admitted"), DEFAULT_CASES)
def test_default_isolation(source: Source, port: int, admitted: bool) -> None:
    assert admits(rendered_policy("network-policy"), source, port) is admitted


CLIENT_CASES = [
    (Source("shop-web", {"app.kubernetes.io/part-of": "shop"}), 6379, True),
    (Source("shop-api", {"app.kubernetes.io/part-of": "shop", "tier": "x"}), 6379, True),
    (Source("shop-web", {"app.kubernetes.io/part-of": "other"}), 6379, False),  # wrong labels
    (Source("shop-web"), 6379, False),
    (Source("shop-data", {"app.kubernetes.io/part-of": "shop"}), 6379, False),  # not listed
    (Source("elsewhere", {"app.kubernetes.io/part-of": "shop"}), 6379, False),
    (Source("shop-web", {"app.kubernetes.io/part-of": "shop"}), 16379, False),
    (pod("shop-cache", "shop-data"), 16379, True),
    (Source("observability", {"app": "prometheus"}), 9121, True),  # metrics from monitoring
    (Source("observability", {"app": "prometheus"}), 6379, False),
    (Source("monitoring"), 9121, False),  # only the configured monitoring namespace
    (Source("shop-web", {"app.kubernetes.io/part-of": "shop"}), 9121, False),
    (Source("valkey-system"), 6379, True),
    (OUTSIDE, 6379, False),
]


@pytest.mark.parametrize(("source", "port", "admitted"), CLIENT_CASES)
def test_client_namespaces_pod_labels_and_monitoring(
    source: Source, port: int, admitted: bool
) -> None:
    assert admits(rendered_policy("network-policy-clients"), source, port) is admitted


PROXY_CASES = [
    (pod("valkey", "valkey", "valkey-proxy"), 6379, True),  # the operator's Envoy proxy
    (pod("valkey", "valkey", "valkey-proxy"), 16379, False),
    (pod("other", "valkey", "valkey-proxy"), 6379, True),  # in-namespace: a client anyway
    (pod("valkey", "elsewhere", "valkey-proxy"), 6379, False),
    (OUTSIDE, 6379, False),  # outside traffic reaches the proxy, not the pods
]


@pytest.mark.parametrize(("source", "port", "admitted"), PROXY_CASES)
def test_proxy_external_access(source: Source, port: int, admitted: bool) -> None:
    assert admits(rendered_policy("network-policy-proxy"), source, port) is admitted


LOADBALANCER_CASES = [
    (OUTSIDE, 6379, True),  # clients through the per-pod LoadBalancer Services
    (OUTSIDE, 16379, True),  # the bus, through the announced LoadBalancer IPs
    (OUTSIDE, 9121, False),
    (Source("elsewhere"), 6379, True),  # a rule without `from` admits every source
]


@pytest.mark.parametrize(("source", "port", "admitted"), LOADBALANCER_CASES)
def test_loadbalancer_external_access(source: Source, port: int, admitted: bool) -> None:
    assert admits(rendered_policy("network-policy-loadbalancer"), source, port) is admitted


def test_without_the_opt_in_no_policy_is_rendered() -> None:
    objects = tree_objects(render_case(get_case("defaults")).tree)
    assert not [key for key in objects if "NetworkPolicy" in key]


def test_the_evaluator_refuses_what_the_policy_does_not_name() -> None:
    # The evaluator itself: a rule for one port admits nothing on another.
    policy = {
        "metadata": {"namespace": "a"},
        "spec": {"ingress": [{"ports": [{"port": 1, "protocol": "TCP"}], "from": [{}]}]},
    }
    assert admits(policy, Source("a"), 1)
    assert not admits(policy, Source("a"), 2)
    assert not admits(policy, Source("b"), 1)
