"""Reading what the cluster holds before deciding anything: GETs, then label-selector lists.

Each desired object is read by name, and so is the marker saying we installed
the operator release (``marker.py``); then each namespaced kind apply mode
manages is listed with this instance's labels, which finds our objects that the
plan no longer wants. A namespace the plan creates and that does not exist yet
cannot hold anything, so nothing inside it is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..plan import Plan, instance_labels
from ..plan.kinds import PLANNED_KINDS
from .changes import LiveState
from .kinds import NAMESPACE, Kind, ObjectRef
from .marker import marker_ref


class Observer(Protocol):
    def get(self, ref: ObjectRef) -> dict[str, Any] | None: ...

    def list(
        self, kind: Kind, namespace: str | None, labels: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]: ...


def managed_kinds() -> tuple[Kind, ...]:
    """The kinds apply mode writes, in the plan's one order."""
    return PLANNED_KINDS


def labelled_kinds() -> tuple[Kind, ...]:
    """The namespaced kinds to list by label: where this instance's objects can be."""
    return tuple(kind for kind in managed_kinds() if kind.namespaced)


def observe(kube: Observer, plan: Plan) -> LiveState:
    objects: dict[ObjectRef, Mapping[str, Any] | None] = {}
    missing_namespaces: set[str] = set()
    for resource in plan.resources:
        ref = ObjectRef.of(resource)
        if ref.namespace in missing_namespaces:
            objects[ref] = None
            continue
        objects[ref] = kube.get(ref)
        if ref.kind == NAMESPACE and objects[ref] is None:
            missing_namespaces.add(ref.name)
    marker = marker_ref(plan.operator)
    objects[marker] = None if marker.namespace in missing_namespaces else kube.get(marker)
    namespace = plan.variables.namespace
    if namespace not in missing_namespaces:
        labels = instance_labels(plan.variables)
        for kind in labelled_kinds():
            for obj in kube.list(kind, namespace, labels):
                objects.setdefault(ObjectRef.from_object(kind, obj), obj)
    return LiveState(objects)
