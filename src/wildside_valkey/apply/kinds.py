"""The Kubernetes types apply mode touches, and references to single objects.

A static table instead of API discovery: apply mode only ever writes the kinds
the plan produces, so knowing their REST names up front saves a round trip per
group and keeps request building pure. The descriptors themselves live in
``plan.kinds`` (one per kind); this module adds the lookup and object references.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..plan import Resource
from ..plan.kinds import (
    CONFIG_MAP,
    EXTERNAL_SECRET,
    NAMESPACE,
    NETWORK_POLICY,
    PLANNED_KINDS,
    POD_DISRUPTION_BUDGET,
    SECRET,
    STATEFUL_SET,
    VALKEY,
    Kind,
)

__all__ = [
    "CONFIG_MAP",
    "CRD",
    "EXTERNAL_SECRET",
    "KINDS",
    "NAMESPACE",
    "NETWORK_POLICY",
    "POD_DISRUPTION_BUDGET",
    "SECRET",
    "STATEFUL_SET",
    "VALKEY",
    "VALKEY_CRD_NAME",
    "Kind",
    "ObjectRef",
    "kind_of",
]


# Not written by apply and not planned: waited for before a Valkey is written.
CRD = Kind(
    "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False
)

# The planned kinds in apply order, and the CRD; found by (apiVersion, kind).
KINDS: tuple[Kind, ...] = (*PLANNED_KINDS, CRD)
_BY_TYPE = {(kind.api_version, kind.kind): kind for kind in KINDS}

# The name of the operator's CRD: applying a Valkey waits until it is Established.
VALKEY_CRD_NAME = VALKEY.resource


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
