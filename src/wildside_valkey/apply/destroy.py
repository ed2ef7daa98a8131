"""``destroy``: remove what apply created for this instance, and nothing else.

Only objects that carry this instance's labels *and* were applied by our field
manager are deleted (``ownership.py``), in the reverse of the apply order, and
each deletion is waited for. A namespace we created is kept while another
``Valkey`` or anything else that is neither ours nor the operator's for our
``Valkey`` lives in it (``namespace_contents.py``). The operator release is uninstalled only when
apply installed it (its marker, ``marker.py``, is ours) and no ``Valkey`` is
left anywhere on the cluster; either way destroy says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..plan import (
    Component,
    Plan,
    Resource,
    delete_order,
    instance_labels,
    operator_namespace_labels,
)
from .client import ALL_NAMESPACES, KubeClient
from .helm import Helm
from .kinds import NAMESPACE, VALKEY, Kind, ObjectRef
from .marker import is_our_marker, marker_ref
from .namespace_contents import foreign_objects
from .observe import managed_kinds
from .operations import ApplyOptions
from .ownership import is_ours
from .progress import NullProgress, Progress
from .redact import keeps_its_secrets_out
from .waiting import Condition, gone, wait_for


@dataclass(frozen=True, slots=True)
class OperatorOutcome:
    action: str  # "uninstalled", "kept" or "absent"
    message: str
    users: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "message": self.message, "used_by": list(self.users)}


@dataclass(frozen=True, slots=True)
class DestroyResult:
    deleted: tuple[ObjectRef, ...]
    kept: tuple[tuple[ObjectRef, str], ...]
    operator: OperatorOutcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "deleted": [_ref_dict(ref) for ref in self.deleted],
            "kept": [{**_ref_dict(ref), "reason": reason} for ref, reason in self.kept],
            "operator": self.operator.to_dict(),
        }


def _ref_dict(ref: ObjectRef) -> dict[str, Any]:
    return {
        "api_version": ref.kind.api_version,
        "kind": ref.kind.kind,
        "namespace": ref.namespace,
        "name": ref.name,
    }


class _Deleter:
    """Deletes objects, waits until they are gone, and remembers what went."""

    def __init__(
        self, kube: KubeClient, timeout: float, options: ApplyOptions, progress: Progress
    ) -> None:
        self.kube = kube
        self.timeout = timeout
        self.options = options
        self.progress = progress
        self.deleted: list[ObjectRef] = []

    def delete(self, refs: Sequence[ObjectRef]) -> None:
        for ref in refs:
            self.kube.delete(ref)
        wait_for(
            self.kube,
            [Condition(ref, "to be deleted", gone) for ref in refs],
            timeout=self.timeout,
            poll=self.options.poll,
            reporter=self.progress,
        )
        for ref in refs:
            self.progress.info(f"- deleted {ref}")
        self.deleted.extend(refs)


@keeps_its_secrets_out
def destroy(
    plan: Plan,
    kube: KubeClient,
    helm: Helm | None = None,
    options: ApplyOptions | None = None,
    progress: Progress | None = None,
    *,
    settle_operator: bool = True,
) -> DestroyResult:
    """Delete this instance's objects; then, unless ``settle_operator`` is false (a batch
    settles the shared operator once, after all its previews), the operator release."""
    options = options or ApplyOptions()
    progress = progress or NullProgress()
    deleter = _Deleter(kube, options.seconds(plan), options, progress)
    ours = _find_ours(plan, kube)
    refs = [ObjectRef.of(resource) for resource in delete_order(ours)]
    deleter.delete([ref for ref in refs if ref.kind != NAMESPACE])

    # Who still needs the operator (and our namespaces), now that ours are gone.
    remaining = _other_valkeys(kube, ())
    kept = _kept_namespaces(plan, kube, refs, remaining, _uids(ours))
    for ref, reason in kept:
        progress.info(f"= kept {ref}: {reason}")
    held = {ref for ref, _ in kept}
    deleter.delete([ref for ref in refs if ref.kind == NAMESPACE and ref not in held])

    if not settle_operator:
        deferred = OperatorOutcome("deferred", "the operator release is settled after the batch")
        return DestroyResult(tuple(deleter.deleted), tuple(kept), deferred)
    outcome = _operator(plan, helm, remaining, deleter, options.helm_seconds(plan))
    progress.info(outcome.message)
    return DestroyResult(tuple(deleter.deleted), tuple(kept), outcome)


@keeps_its_secrets_out
def preview_destroy(plan: Plan, kube: KubeClient, helm: Helm | None = None) -> DestroyResult:
    """What ``destroy`` would do, read-only (``plan --destroy``): the objects it would
    delete, the namespaces it would keep and why, and the operator release's fate.

    The same decisions as :func:`destroy`, taken before any delete: our own objects
    still exist then, and are set aside by the same uid and ownership rules.
    """
    ours = _find_ours(plan, kube)
    refs = [ObjectRef.of(resource) for resource in delete_order(ours)]
    remaining = _other_valkeys(kube, refs)
    kept = _kept_namespaces(plan, kube, refs, remaining, _uids(ours))
    held = {ref for ref, _ in kept}
    deleted = [ref for ref in refs if ref not in held]
    operator = _operator_preview(plan, helm, kube, remaining)
    if operator.action != "kept":
        deleted += _operator_leftovers(plan, kube, operator)
    return DestroyResult(tuple(deleted), tuple(kept), operator)


def _uids(resources: Sequence[Resource]) -> set[str]:
    # Remembered before the deletes: the operator's objects point at our Valkey's uid.
    return {str(r.body["metadata"].get("uid", "")) for r in resources}


def _other_valkeys(kube: KubeClient, ours: Sequence[ObjectRef]) -> list[ObjectRef]:
    found = [ObjectRef.from_object(VALKEY, obj) for obj in kube.list(VALKEY, ALL_NAMESPACES)]
    return [ref for ref in found if ref not in ours]


def _kept_namespaces(
    plan: Plan,
    kube: KubeClient,
    refs: Sequence[ObjectRef],
    remaining: Sequence[ObjectRef],
    our_uids: set[str],
) -> list[tuple[ObjectRef, str]]:
    """Our namespaces that still hold another Valkey or anything not ours, with why."""
    kept: list[tuple[ObjectRef, str]] = []
    for ref in (r for r in refs if r.kind == NAMESPACE):
        inside = [str(v) for v in remaining if v.namespace == ref.name]
        if not inside:
            inside = foreign_objects(kube, ref.name, our_uids, plan.variables.cluster_name)
        if inside:
            kept.append((ref, f"it still holds {_some(inside)}"))
    return kept


def _some(names: Sequence[str], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _find_ours(plan: Plan, kube: KubeClient) -> list[Resource]:
    labels = instance_labels(plan.variables)
    found: list[Resource] = []
    for kind in managed_kinds():
        namespace = plan.variables.namespace if kind.namespaced else None
        for obj in kube.list(kind, namespace, labels):
            if is_ours(obj, labels):
                found.append(Resource.of(Component.CLUSTER, _typed(kind, obj)))
    return found


def _typed(kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "apiVersion": kind.api_version, "kind": kind.kind}


def _operator_leftovers(plan: Plan, kube: KubeClient, outcome: OperatorOutcome) -> list[ObjectRef]:
    """Once the release is gone (or was never there): our marker, then the operator's
    namespace when we created it, in the order destroy deletes them."""
    chart = plan.operator
    # Uninstalling was decided on our marker: no need to read it again.
    ours = outcome.action in {"uninstalled", "uninstall"}
    ours = ours or is_our_marker(kube.get(marker_ref(chart)))
    leftovers = [marker_ref(chart)] if ours else []
    ref = ObjectRef(NAMESPACE, None, chart.namespace)
    live = kube.get(ref)
    if live is not None and is_ours(live, operator_namespace_labels()):
        leftovers.append(ref)
    return leftovers


def _operator_preview(
    plan: Plan, helm: Helm | None, kube: KubeClient, remaining: Sequence[ObjectRef]
) -> OperatorOutcome:
    # Reading the release needs no helm binary unless helm's record is unreadable.
    helm = helm or Helm.locate(kube.connection.helm, for_reading=True)
    decided = _operator_decision(plan, helm, kube, remaining)
    if decided.action != "uninstalled":
        return decided
    chart = plan.operator
    return OperatorOutcome(
        "uninstall",
        f"would uninstall the operator release {chart.release_name} (namespace "
        f"{chart.namespace}): no other Valkey resource uses it",
    )


def _operator_decision(
    plan: Plan, helm: Helm | None, kube: KubeClient, remaining: Sequence[ObjectRef]
) -> OperatorOutcome:
    """Keep, leave absent, or uninstall the operator release: decided, not yet done."""
    chart = plan.operator
    release = f"the operator release {chart.release_name} (namespace {chart.namespace})"
    users = tuple(str(ref) for ref in remaining)
    if users:
        noun = "Valkey resource uses" if len(users) == 1 else "Valkey resources use"
        return OperatorOutcome(
            "kept",
            f"kept {release}: {len(users)} other {noun} it ({', '.join(users)})",
            users,
        )
    # Only now is helm needed: destroying next to other clusters works without it.
    helm = helm or Helm.locate(kube.connection.helm)
    if helm.release(chart, kube) is None:
        return OperatorOutcome("absent", f"{release} is not installed: nothing to uninstall")
    if not is_our_marker(kube.get(marker_ref(chart))):
        # Installed by hand or by Flux: theirs to remove, and so is its namespace.
        return OperatorOutcome("kept", f"kept {release}: not installed by wildside-valkey")
    return OperatorOutcome(
        "uninstalled", f"uninstalled {release}: no Valkey resource uses it any more"
    )


def _operator(
    plan: Plan,
    helm: Helm | None,
    remaining: Sequence[ObjectRef],
    deleter: _Deleter,
    helm_timeout: int,
) -> OperatorOutcome:
    kube = deleter.kube
    helm = helm or (None if remaining else Helm.locate(kube.connection.helm))
    outcome = _operator_decision(plan, helm, kube, remaining)
    if outcome.action == "kept":
        return outcome
    chart = plan.operator
    assert helm is not None  # located above whenever no other Valkey uses the release
    if outcome.action == "uninstalled":
        deleter.progress.waiting(f"helm: uninstalling {chart.release_name} ...")
        helm.uninstall(chart, timeout=helm_timeout)
    # After the release, never before: an interrupted destroy must not leave our
    # release looking as if someone else had installed it.
    for ref in _operator_leftovers(plan, kube, outcome):
        deleter.delete([ref])
    return outcome
