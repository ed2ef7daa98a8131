"""The plan: everything to create, as data, before any I/O."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

import msgspec

from ..contract import Contract
from ..variables import Variables
from .frozen import FrozenMapping, freeze, thaw


class Component(Enum):
    """Which phase an object belongs to: the operator's or the cluster's."""

    OPERATOR = "operator"
    CLUSTER = "cluster"


class Resource(msgspec.Struct, frozen=True):
    """One Kubernetes object to create, with its identity pulled out for ordering and diffs."""

    component: Component
    body: FrozenMapping

    @classmethod
    def of(cls, component: Component, manifest: Mapping[str, Any]) -> Resource:
        return cls(component, freeze(manifest))

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def name(self) -> str:
        return str(self.body["metadata"]["name"])

    @property
    def namespace(self) -> str | None:
        namespace = self.body["metadata"].get("namespace")
        return str(namespace) if namespace is not None else None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.api_version, self.kind, self.namespace or "", self.name)

    def manifest(self) -> dict[str, Any]:
        """A fresh mutable copy of the object."""
        result: dict[str, Any] = thaw(self.body)
        return result

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


class OperatorChart(msgspec.Struct, frozen=True):
    """The operator's Helm release: Flux objects in render mode, the Helm CLI in apply mode."""

    release_name: str
    namespace: str
    repository: str
    chart: str
    version: str
    values: FrozenMapping
    wait: bool
    timeout_seconds: int

    @property
    def is_oci(self) -> bool:
        return self.repository.startswith("oci://")

    @property
    def chart_reference(self) -> str:
        """What ``helm upgrade --install`` takes: the OCI artifact, or the chart's name."""
        return f"{self.repository}/{self.chart}" if self.is_oci else self.chart

    def values_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = thaw(self.values)
        return result


class Plan(msgspec.Struct, frozen=True):
    """Variables turned into resources in apply order, the operator chart and the contract."""

    variables: Variables
    operator: OperatorChart
    resources: tuple[Resource, ...]
    contract: Contract
    warnings: tuple[str, ...] = ()

    def in_component(self, component: Component) -> Iterator[Resource]:
        return (resource for resource in self.resources if resource.component is component)

    def find(self, kind: str) -> Resource | None:
        return next((resource for resource in self.resources if resource.kind == kind), None)
