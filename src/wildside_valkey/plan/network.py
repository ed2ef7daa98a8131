"""The opt-in NetworkPolicy: admit exactly the traffic a working cluster needs.

Ports and peers come from the operator (v0.0.61, ``internal/controller/valkey_controller.go``):
the Valkey container listens on 6379 (``tcp-valkey``, clients; TLS when on) and
16379 (``tcp-valkey-bus``, the cluster bus), the exporter sidecar on 9121 (with
``prometheus``), and the operator itself dials every pod on 6379 to form and
resize the cluster. External access adds peers outside the cluster's pods: the
Envoy proxy Deployment (pods labelled like the cluster's, with
``app.kubernetes.io/component=valkey-proxy``, ``upsertExternalAccessProxyDeployment``)
dials the pods on 6379; a LoadBalancer exposes each pod's 6379 and 16379
(``upsertExternalAccessLBSvc``) and the operator announces the balancers' IPs
(``setClusterAnnounceIp``), so clients and the bus arrive from outside.

Only ingress is restricted: the pods still resolve names and reach each other
and the API server as before. Namespaces are matched by the
``kubernetes.io/metadata.name`` label, which the API server sets on every
namespace (Kubernetes 1.21+) and which cannot be forged.
"""

from __future__ import annotations

from typing import Any

from ..variables import Variables
from ..variables.derived_names import network_policy_name
from .kinds import NETWORK_POLICY
from .labels import OPERATOR_POD_COMPONENT, instance_labels, operator_pod_labels

CLIENT_PORT = 6379
BUS_PORT = 16379
METRICS_PORT = 9121
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
PROXY_COMPONENT = "valkey-proxy"


def client_namespaces(v: Variables) -> tuple[str, ...]:
    return v.network_policy_client_namespaces or (v.namespace,)


def network_policy_manifest(v: Variables) -> dict[str, Any]:
    pods = operator_pod_labels(v.cluster_name)
    rules: list[dict[str, Any]] = [
        _rule([CLIENT_PORT], [_clients(v)]),
        _rule([CLIENT_PORT, BUS_PORT], [{"podSelector": {"matchLabels": pods}}]),
        _rule([CLIENT_PORT], [_namespace(v.operator_namespace)]),
    ]
    if v.prometheus_enabled:
        rules.append(_rule([METRICS_PORT], [_namespace(v.network_policy_monitoring_namespace)]))
    if v.uses_proxy:
        proxy = {**pods, OPERATOR_POD_COMPONENT[0]: PROXY_COMPONENT}
        rules.append(_rule([CLIENT_PORT], [{"podSelector": {"matchLabels": proxy}}]))
    elif v.external_access_enabled:
        # Through a LoadBalancer the source is any address outside the cluster.
        rules.append(_rule([CLIENT_PORT, BUS_PORT], None))
    return {
        **NETWORK_POLICY.header(),
        "metadata": {
            "name": network_policy_name(v.cluster_name),
            "namespace": v.namespace,
            "labels": instance_labels(v),
        },
        "spec": {
            "podSelector": {"matchLabels": pods},
            "policyTypes": ["Ingress"],
            "ingress": rules,
        },
    }


def _rule(ports: list[int], peers: list[dict[str, Any]] | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": port} for port in ports]}
    if peers is not None:
        rule["from"] = peers
    return rule


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: name}}}


def _clients(v: Variables) -> dict[str, Any]:
    namespaces = client_namespaces(v)
    peer: dict[str, Any] = {
        "namespaceSelector": {
            "matchExpressions": [
                {"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": list(namespaces)}
            ]
        }
    }
    # Both selectors in one peer: pods with these labels *in* those namespaces. Without
    # labels, every pod there: `{}`, as the API server stores it (it drops an empty
    # matchLabels, so sending one made every re-apply a change).
    labels = dict(v.network_policy_client_pod_labels)
    peer["podSelector"] = {"matchLabels": labels} if labels else {}
    return peer
