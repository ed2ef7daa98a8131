"""The Kubernetes types apply mode touches, and references to single objects.

A static table instead of API discovery: apply mode only ever writes the kinds
the plan produces, so knowing their REST names up front saves a round trip per
group and keeps request building pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan import Resource


@dataclass(frozen=True, slots=True)
class Kind:
    """One REST resource type: where it lives on the API server."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """The name RBAC rules and API messages use: ``secrets``, ``valkeys.hyperspike.io``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def collection_path(self, namespace: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"


NAMESPACE = Kind("", "v1", "Namespace", "namespaces", namespaced=False)
SECRET = Kind("", "v1", "Secret", "secrets", namespaced=True)
CONFIG_MAP = Kind("", "v1", "ConfigMap", "configmaps", namespaced=True)
EXTERNAL_SECRET = Kind("external-secrets.io", "v1", "ExternalSecret", "externalsecrets", True)
VALKEY = Kind("hyperspike.io", "v1", "Valkey", "valkeys", namespaced=True)
NETWORK_POLICY = Kind("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True)
POD_DISRUPTION_BUDGET = Kind("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True)
# Not written by apply: the operator's, read to see a change of the Valkey rolled out.
STATEFUL_SET = Kind("apps", "v1", "StatefulSet", "statefulsets", namespaced=True)
CRD = Kind(
    "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False
)

KINDS: tuple[Kind, ...] = (
    NAMESPACE,
    SECRET,
    EXTERNAL_SECRET,
    NETWORK_POLICY,
    VALKEY,
    POD_DISRUPTION_BUDGET,
    CONFIG_MAP,
    CRD,
)
_BY_TYPE = {(kind.api_version, kind.kind): kind for kind in KINDS}

# The name of the operator's CRD: applying a Valkey waits until it is Established.
VALKEY_CRD_NAME = f"{VALKEY.plural}.{VALKEY.group}"


def kind_of(api_version: str, kind: str) -> Kind:
    try:
        return _BY_TYPE[(api_version, kind)]
    except KeyError:
        # A programming error: the plan produced a type this table does not know.
        message = f"apply mode does not know the REST name of {api_version} {kind}"
        raise ValueError(message) from None


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """One object's identity: its type, namespace (None when cluster-scoped) and name."""

    kind: Kind
    namespace: str | None
    name: str

    @classmethod
    def of(cls, resource: Resource) -> ObjectRef:
        kind = kind_of(resource.api_version, resource.kind)
        return cls(kind, resource.namespace if kind.namespaced else None, resource.name)

    @classmethod
    def from_object(cls, kind: Kind, obj: dict[str, Any]) -> ObjectRef:
        metadata = obj.get("metadata") or {}
        namespace = metadata.get("namespace") if kind.namespaced else None
        return cls(kind, namespace, str(metadata.get("name", "")))

    @property
    def path(self) -> str:
        return f"{self.kind.collection_path(self.namespace)}/{self.name}"

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind.kind} {where}{self.name}"
