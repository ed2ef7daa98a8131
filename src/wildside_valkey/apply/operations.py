"""``plan_changes`` and ``apply_plan``: observe, decide (pure), then send in order and wait.

Apply runs in phases, all from one ``ChangeSet`` computed before any write:

1. namespaces (helm installs the operator into one of them);
2. the marker recording that we install the operator release (``marker.py``),
   before helm runs, so an install that fails half-way is still ours; then the
   operator chart through helm, only when its version, values or status differ;
3. the operator's CRD Established, when a ``Valkey`` is about to be written;
4. every other object by server-side apply in the plan's order, then deletes of
   our objects the plan no longer wants, in reverse order;
5. readiness: the credentials Secret exists and the ``Valkey`` is ready.

A re-run with the same variables finds nothing to change: it sends no
mutating request and runs no helm upgrade. An interrupted run converges when
run again, because each run starts from what the cluster holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..plan import Plan
from .changes import Action, Change, ChangeSet, LiveState, compute_changes
from .client import KubeClient
from .fields import format_path
from .helm import Helm
from .kinds import NAMESPACE, VALKEY, ObjectRef
from .marker import is_our_marker, marker_ref
from .observe import observe
from .progress import NullProgress, Progress
from .readiness import crd_condition, ready_conditions
from .redact import keeps_its_secrets_out
from .release import HelmAction, HelmVerb
from .retry import PollPolicy
from .waiting import wait_for


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """``timeout`` (seconds) bounds helm and each wait; None means the plan's ``helm_timeout``."""

    timeout: float | None = None
    force_conflicts: bool = False
    poll: PollPolicy = field(default_factory=PollPolicy)

    def seconds(self, plan: Plan) -> float:
        return self.timeout if self.timeout is not None else float(plan.operator.timeout_seconds)

    def helm_seconds(self, plan: Plan) -> int:
        """helm takes whole seconds: never less than asked."""
        return max(1, math.ceil(self.seconds(plan)))


@dataclass(frozen=True, slots=True)
class ApplyResult:
    changes: ChangeSet
    contract: dict[str, Any]

    def summary(self) -> str:
        counts = self.changes.summary()
        verb = self.changes.helm.verb
        helm = {
            HelmVerb.INSTALL: "operator release installed",
            HelmVerb.UPGRADE: "operator release upgraded",
            HelmVerb.UNCHANGED: "operator release unchanged",
            HelmVerb.ROLLBACK: "stuck operator release rolled back",
            HelmVerb.REINSTALL: "stuck operator release reinstalled",
        }[verb]
        return (
            f"apply complete: {counts['create']} created, {counts['update']} changed, "
            f"{counts['delete']} deleted, {counts['unchanged']} unchanged; {helm}"
        )


def plan_changes(plan: Plan, kube: KubeClient, helm: Helm | None = None) -> ChangeSet:
    """What ``apply_plan`` would do, read-only (GETs and lists; helm only as a fallback)."""
    helm = helm or Helm.locate(kube.connection.helm, for_reading=True)
    return observe_changes(plan, kube, helm)[1]


@keeps_its_secrets_out
def observe_changes(plan: Plan, kube: KubeClient, helm: Helm) -> tuple[LiveState, ChangeSet]:
    """The live state read and the changes it calls for: what plan shows and apply does."""
    live = observe(kube, plan)
    return live, compute_changes(plan, live, helm_action(plan, kube, helm, live.objects))


def helm_action(
    plan: Plan, kube: KubeClient, helm: Helm, objects: Mapping[ObjectRef, Any]
) -> HelmAction:
    """What helm must do for the operator release (stuck releases: only ours are reinstalled)."""
    marker = objects.get(marker_ref(plan.operator))
    if marker is None and marker_ref(plan.operator) not in objects:
        marker = kube.get(marker_ref(plan.operator))
    return helm.action_for(plan.operator, kube, installed_by_us=is_our_marker(marker))


@keeps_its_secrets_out
def apply_plan(
    plan: Plan,
    kube: KubeClient,
    helm: Helm | None = None,
    options: ApplyOptions | None = None,
    progress: Progress | None = None,
    *,
    prepared: tuple[LiveState, ChangeSet] | None = None,
) -> ApplyResult:
    """Converge the cluster; ``prepared`` (the live state read and the changes shown to
    the user, see ``cli/approval.py`` and ``saved_plan.py``) is applied as it is."""
    options = options or ApplyOptions()
    progress = progress or NullProgress()
    # Before any write: a missing helm must not leave a half-applied cluster.
    helm = helm or Helm.locate(kube.connection.helm)
    live, changes = prepared if prepared is not None else observe_changes(plan, kube, helm)
    known: dict[ObjectRef, Mapping[str, Any] | None] = dict(live.objects)
    report_decisions(changes, progress)
    before_helm, others = split_at_helm(plan, changes)
    for change in before_helm:
        send_change(kube, change, options.force_conflicts, progress, known)
    if changes.helm.changes:
        converge_release(plan, kube, helm, changes.helm, options=options, progress=progress)
    if any(c.ref.kind == VALKEY and c.request() is not None for c in others):
        wait_for_crd(plan, kube, options, progress)
    for change in others:
        send_change(kube, change, options.force_conflicts, progress, known)
    wait_for(
        kube,
        ready_conditions(plan),
        timeout=options.seconds(plan),
        poll=options.poll,
        reporter=progress,
        known=known,
    )
    return ApplyResult(changes, plan.contract.to_dict())


def report_decisions(changes: ChangeSet, progress: Progress) -> None:
    """Say, before any write, the warnings and what is left alone (and why)."""
    for warning in changes.warnings:
        progress.info(f"warning: {warning}")
    for change in changes.changes:
        if change.action is Action.LEFT_ALONE:
            progress.info(f"= {change.ref}: left alone ({change.note})")


def split_at_helm(plan: Plan, changes: ChangeSet) -> tuple[list[Change], list[Change]]:
    """Namespaces and the release marker, sent before helm runs; the rest, sent after it."""
    marker = marker_ref(plan.operator)
    before: list[Change] = []
    after: list[Change] = []
    for change in changes.changes:
        (before if change.ref.kind == NAMESPACE or change.ref == marker else after).append(change)
    return before, after


def wait_for_crd(plan: Plan, kube: KubeClient, options: ApplyOptions, progress: Progress) -> None:
    """The operator's CRD Established: before then the API server does not serve ``Valkey``."""
    wait_for(
        kube, [crd_condition()], timeout=options.seconds(plan), poll=options.poll, reporter=progress
    )


def converge_release(
    plan: Plan,
    kube: KubeClient,
    helm: Helm,
    action: HelmAction,
    *,
    options: ApplyOptions,
    progress: Progress,
) -> None:
    chart = plan.operator
    seconds = options.helm_seconds(plan)
    if action.verb is HelmVerb.ROLLBACK:
        progress.waiting(
            f"helm: rolling back {chart.release_name} to revision {action.rollback_to} "
            f"({action.reason}) ..."
        )
        assert action.rollback_to is not None  # set for every ROLLBACK (release.decide)
        helm.rollback(chart, action.rollback_to, timeout=seconds)
        progress.info(f"helm: rolled back {chart.release_name} to revision {action.rollback_to}")
        # The rolled-back revision may already be what the plan wants.
        action = helm.action_for(chart, kube, installed_by_us=False)
        if not action.changes:
            return
    elif action.verb is HelmVerb.REINSTALL:
        progress.waiting(f"helm: uninstalling {chart.release_name} ({action.reason}) ...")
        helm.uninstall(chart, timeout=seconds)
        progress.info(f"helm: uninstalled the stuck release {chart.release_name}")
    installing = action.verb in (HelmVerb.INSTALL, HelmVerb.REINSTALL)
    doing = "installing" if installing else "upgrading"
    progress.waiting(
        f"helm: {doing} {chart.release_name} {chart.version} in namespace {chart.namespace} "
        f"({action.reason}) ..."
    )
    helm.upgrade(chart, create_namespace=plan.variables.create_namespaces, timeout=seconds)
    done = "installed" if installing else "upgraded"
    progress.info(f"helm: {done} {chart.release_name} {chart.version}")


def send_change(
    kube: KubeClient,
    change: Change,
    force: bool,
    progress: Progress,
    known: dict[ObjectRef, Mapping[str, Any] | None],
) -> None:
    """Send one change's request (if any), report it, and forget what was known of it."""
    request = change.request()
    if request is None:
        return
    # What we write is no longer known: the next look must ask the server.
    known.pop(change.ref, None)
    if request.method == "DELETE":
        kube.delete(change.ref)
        progress.info(f"- deleted {change.ref}")
        return
    kube.apply(change.ref, request.manifest(), force=force)
    if change.action is Action.CREATE:
        progress.info(f"+ created {change.ref}")
    else:
        fields = ", ".join(format_path(f.path) for f in change.fields)
        progress.info(f"~ updated {change.ref} ({fields})")
