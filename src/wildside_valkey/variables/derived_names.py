"""The names Kubernetes objects get from the variables, and the limits they must meet.

The operator derives several objects from ``cluster_name`` (hyperspike
valkey-operator v0.0.61, ``internal/controller/valkey_controller.go``; summarised
in docs/design.md, Service names): Services ``N``, ``N-headless``, ``N-metrics``
(with prometheus), ``N-proxy`` or ``N-external-<i>`` (one per shard, with external
access), Secrets ``N-tls``/``N-proxy-tls``, and the StatefulSet ``N``; this tool
adds the contract ConfigMap ``N-contract``, the NetworkPolicy ``N-ingress`` and
the lifecycle record ``N-lifecycle``. Each such name is spelled once, below, and
the plan, the contract and apply mode take it from here. A name Kubernetes refuses is found
only when the operator tries to create it, long after apply "succeeded", so they
are all checked here, from the variables.

- A Service name is a DNS-1035 label: at most 63 characters, starting with a
  letter (k8s.io/apimachinery validation ``IsDNS1035Label``; Services are
  validated with ``ValidateServiceName`` = ``NameIsDNS1035Label``).
- A StatefulSet's pods carry the label ``controller-revision-hash: N-<hash>``
  (about 11 characters after ``N``), whose value is limited to 63 characters,
  so a StatefulSet name over 52 characters creates no pod (kubernetes/kubernetes
  issue #64023).
- The client host names ``N.NS.svc.<domain>`` and ``*.N-headless.NS.svc.<domain>``
  (in the TLS certificate) are DNS names of at most 253 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .schema import Variables

SERVICE_NAME_LIMIT = 63
STATEFULSET_NAME_LIMIT = 52
HOST_NAME_LIMIT = 253
_DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def headless_service_name(cluster_name: str) -> str:
    return f"{cluster_name}-headless"


def proxy_service_name(cluster_name: str) -> str:
    """The proxy's Service, and the name on the certificate the operator makes for it."""
    return f"{cluster_name}-proxy"


def contract_configmap_name(cluster_name: str) -> str:
    return f"{cluster_name}-contract"


def network_policy_name(cluster_name: str) -> str:
    return f"{cluster_name}-ingress"


def lifecycle_record_name(cluster_name: str) -> str:
    return f"{cluster_name}-lifecycle"


def operator_kustomization_name(v: Variables) -> str:
    """The Flux Kustomization that installs the operator (render mode)."""
    return v.helm_release_name


def cluster_kustomization_name(v: Variables) -> str:
    """The Flux Kustomization of this cluster (render mode); kustomize-controller puts
    the name in a label on everything it applies, so it is a label value (63)."""
    return f"{v.cluster_name}-{v.namespace}"


class DerivedName(NamedTuple):
    name: str
    what: str
    limit: int


def derived_names(v: Variables) -> Iterator[DerivedName]:
    """Every object name the operator (and this tool) derive from ``cluster_name``."""
    n = v.cluster_name
    yield DerivedName(n, "Service and StatefulSet", STATEFULSET_NAME_LIMIT)
    yield DerivedName(headless_service_name(n), "headless Service", SERVICE_NAME_LIMIT)
    if v.prometheus_enabled:
        yield DerivedName(f"{n}-metrics", "metrics Service", SERVICE_NAME_LIMIT)
    if v.uses_proxy:
        proxy = proxy_service_name(n)
        yield DerivedName(proxy, "proxy Service", SERVICE_NAME_LIMIT)
        yield DerivedName(f"{proxy}-tls", "proxy certificate Secret", HOST_NAME_LIMIT)
    elif v.external_access_enabled:
        last = max(v.nodes - 1, 0)
        yield DerivedName(f"{n}-external-{last}", "per-shard Service", SERVICE_NAME_LIMIT)
    if v.contract_configmap_enabled:
        yield DerivedName(contract_configmap_name(n), "contract ConfigMap", HOST_NAME_LIMIT)


def host_names(v: Variables) -> Iterator[str]:
    domain = f"{v.namespace}.svc.{v.cluster_domain}"
    yield f"{v.cluster_name}.{domain}"
    yield f"*.{headless_service_name(v.cluster_name)}.{domain}"


def service_name_problem(cluster_name: str) -> str | None:
    """Why the Service ``cluster_name`` would be refused (DNS-1035), or ``None``."""
    if _DNS_1035.fullmatch(cluster_name):
        return None
    return (
        "must start with a letter: the operator creates a Service of this name, and Service "
        "names are DNS-1035 labels (lower-case letters, digits and '-', starting with a letter)"
    )
