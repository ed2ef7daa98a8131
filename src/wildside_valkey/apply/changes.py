"""From the plan and the live objects to the changes and the ordered write requests.

Pure: the live state is read first (``observe.py``), this module decides, and
only then are requests sent. Reading what would be sent never needs a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from ..plan import Component, Plan, Resource, delete_order, instance_labels
from ..plan.frozen import FrozenMapping, thaw
from .fields import FieldDiff, diff, owned_paths
from .kinds import NAMESPACE, ObjectRef
from .marker import foreign_release_warning, is_our_marker, marker_resource
from .ownership import FIELD_MANAGER, has_labels, is_ours
from .release import HelmAction, HelmVerb


class Action(Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    LEFT_ALONE = "left alone"


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """One mutating request: a server-side apply (PATCH) or a DELETE."""

    method: Literal["PATCH", "DELETE"]
    ref: ObjectRef
    body: FrozenMapping | None = None

    @property
    def path(self) -> str:
        return self.ref.path

    def manifest(self) -> dict[str, Any]:
        result: dict[str, Any] = thaw(self.body or {})
        return result

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Change:
    """What happens to one object, with the fields that differ."""

    action: Action
    ref: ObjectRef
    desired: FrozenMapping | None = None
    fields: tuple[FieldDiff, ...] = ()
    note: str = ""

    def request(self) -> WriteRequest | None:
        if self.action in (Action.CREATE, Action.UPDATE):
            return WriteRequest("PATCH", self.ref, self.desired)
        if self.action is Action.DELETE:
            return WriteRequest("DELETE", self.ref)
        return None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": self.action.value,
            "api_version": self.ref.kind.api_version,
            "kind": self.ref.kind.kind,
            "namespace": self.ref.namespace,
            "name": self.ref.name,
            "fields": [field_diff.to_dict() for field_diff in self.fields],
        }
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the cluster holds: each object read (None when absent), keyed by reference.

    Holds the desired objects and the objects found by this instance's label
    selector, so orphans (ours, no longer desired) can be told apart.
    """

    objects: Mapping[ObjectRef, Mapping[str, Any] | None] = field(default_factory=dict)

    def get(self, ref: ObjectRef) -> Mapping[str, Any] | None:
        return self.objects.get(ref)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """Every change in the order apply makes it, the operator chart's action, and warnings."""

    changes: tuple[Change, ...]
    helm: HelmAction
    warnings: tuple[str, ...] = ()

    @property
    def requests(self) -> tuple[WriteRequest, ...]:
        """The mutating requests, in order: applies (apply order), then deletes (reverse)."""
        return tuple(r for change in self.changes if (r := change.request()) is not None)

    @property
    def is_empty(self) -> bool:
        return not self.requests and not self.helm.changes

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)

    def summary(self) -> dict[str, int]:
        return {action.value.replace(" ", "_"): self.count(action) for action in Action}


def compute_changes(plan: Plan, live: LiveState, helm: HelmAction) -> ChangeSet:
    labels = instance_labels(plan.variables)
    desired_refs: set[ObjectRef] = set()
    changes: list[Change] = []
    for resource in plan.resources:
        _check_labelled(resource, labels)
        ref = ObjectRef.of(resource)
        desired_refs.add(ref)
        changes.append(_change_for(resource, ref, live.get(ref)))
    marker, warnings = _release_marker(plan, live, helm)
    if marker is not None:
        # Right after the namespaces: apply writes it before running helm.
        changes.insert(sum(1 for c in changes if c.ref.kind == NAMESPACE), marker)
    changes.extend(_orphans(live, desired_refs, labels))
    return ChangeSet(tuple(changes), helm, warnings)


def _release_marker(
    plan: Plan, live: LiveState, helm: HelmAction
) -> tuple[Change | None, tuple[str, ...]]:
    """The marker saying we installed the operator release (``marker.py``).

    Written when apply installs the release, kept up to date while it is ours,
    and never created for a release someone else installed: that one is only
    warned about.
    """
    resource = marker_resource(plan.operator)
    ref = ObjectRef.of(resource)
    current = live.get(ref)
    if helm.verb is HelmVerb.INSTALL or is_our_marker(current):
        return _change_for(resource, ref, current), ()
    return None, (foreign_release_warning(plan.operator),)


def _change_for(resource: Resource, ref: ObjectRef, current: Mapping[str, Any] | None) -> Change:
    desired = resource.manifest()
    if current is None:
        return Change(Action.CREATE, ref, resource.body, diff(ref.kind.kind, desired, None))
    if ref.kind == NAMESPACE and not is_ours(current, desired["metadata"].get("labels") or {}):
        # Never adopt: destroy would then delete a namespace it did not create.
        return Change(Action.LEFT_ALONE, ref, note="exists and was not created by wildside-valkey")
    owned = owned_paths((current.get("metadata") or {}).get("managedFields"), FIELD_MANAGER)
    fields = diff(ref.kind.kind, desired, current, owned)
    action = Action.UPDATE if fields else Action.UNCHANGED
    return Change(action, ref, resource.body, fields)


def _orphans(
    live: LiveState, desired: set[ObjectRef], labels: Mapping[str, str]
) -> Iterable[Change]:
    """Our objects that the plan no longer wants, in delete order.

    Namespaces are never orphans: turning ``create_namespaces`` off must not
    delete the namespace the cluster runs in (only destroy removes it).
    """
    stale = [
        Resource.of(
            Component.CLUSTER,
            {**obj, "apiVersion": ref.kind.api_version, "kind": ref.kind.kind},
        )
        for ref, obj in live.objects.items()
        if obj is not None and ref not in desired and ref.kind != NAMESPACE and is_ours(obj, labels)
    ]
    for resource in delete_order(sorted(stale, key=lambda r: r.key)):
        ref = ObjectRef.of(resource)
        current = live.get(ref) or {}
        # The plan shows what goes away: the fields we applied.
        owned = owned_paths((current.get("metadata") or {}).get("managedFields"), FIELD_MANAGER)
        yield Change(Action.DELETE, ref, fields=diff(ref.kind.kind, {}, current, owned))


def _check_labelled(resource: Resource, labels: Mapping[str, str]) -> None:
    # An invariant of the plan that destroy relies on: every object of the
    # cluster's component carries this instance's labels.
    if resource.component is Component.CLUSTER and not has_labels(resource.body, labels):
        raise ValueError(f"{resource} lacks the instance labels {dict(labels)}")
