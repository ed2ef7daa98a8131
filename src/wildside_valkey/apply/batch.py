"""Many previews in one run: ``apply --each``, ``destroy --each`` and ``destroy --expired``.

Previews run in parallel, at most ``concurrency`` at a time, each with its own
API connection, through the same ``apply_plan`` and ``destroy`` as a single
preview, so each inherits every guarantee those make. They share one operator
release:

* apply converges it once, before any preview (namespace, release marker,
  ``helm upgrade --install`` when needed, the CRD Established); the previews
  then see it converged and never run helm themselves. When that step fails,
  no preview is touched.
* destroy leaves it alone while the previews go (two previews deciding at once
  that they are the last would both uninstall it), then settles it once:
  uninstalled when no ``Valkey`` is left and apply installed it, kept otherwise.

One failing preview does not stop the others; the result names every failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from contextvars import copy_context
from dataclasses import dataclass
from typing import Any

import msgspec

from ..errors import WildsideError
from ..plan import Component, Plan
from .changes import LiveState, compute_changes
from .client import KubeClient
from .destroy import DestroyResult, OperatorOutcome, destroy
from .helm import Helm
from .kinds import ObjectRef
from .marker import marker_ref
from .operations import (
    ApplyOptions,
    ApplyResult,
    apply_plan,
    converge_release,
    helm_action,
    send_change,
    wait_for_crd,
)
from .progress import Progress
from .redact import foreign, keeps_its_secrets_out
from .release import HelmAction, HelmVerb

_DONE = {
    HelmVerb.INSTALL: "installed",
    HelmVerb.UPGRADE: "upgraded",
    HelmVerb.UNCHANGED: "unchanged",
    HelmVerb.ROLLBACK: "rolled back",
    HelmVerb.REINSTALL: "reinstalled",
}

OpenClient = Callable[[], AbstractContextManager[KubeClient]]
ProgressFor = Callable[[str], Progress]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One preview's result: ``error`` is None when it succeeded."""

    preview: str  # "<namespace>/<cluster_name>"
    error: str | None = None
    result: ApplyResult | DestroyResult | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"preview": self.preview, "ok": self.ok}
        if self.error is not None:
            data["error"] = self.error
        elif isinstance(self.result, ApplyResult):
            data["contract"] = self.result.contract
            data["changes"] = self.result.changes.summary()
        elif isinstance(self.result, DestroyResult):
            data.update(self.result.to_dict())
            data.pop("operator", None)
        return data


@dataclass(frozen=True, slots=True)
class BatchResult:
    verb: str  # how the run was asked for: "apply --each", "destroy --expired"...
    outcomes: tuple[Outcome, ...]
    operator: str  # what happened to the shared operator release

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        done = len(self.outcomes) - len(self.failures)
        text = f"{self.verb}: {done} of {len(self.outcomes)} previews succeeded"
        if self.failures:
            names = ", ".join(f.preview for f in self.failures)
            text += f"; {len(self.failures)} failed: {names}"
        return f"{text}; {self.operator}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "operator": self.operator,
            "failed": [f.preview for f in self.failures],
            "previews": [outcome.to_dict() for outcome in self.outcomes],
        }


def preview_name(plan: Plan) -> str:
    return f"{plan.variables.namespace}/{plan.variables.cluster_name}"


class _ConvergedHelm(Helm):
    """helm after the batch's operator step: the release is known to be converged."""

    def __init__(self, helm: Helm, action: HelmAction) -> None:
        super().__init__(helm.executable, helm.target, env=helm.env)
        self._action = action

    def action_for(
        self, chart: Any, kube: Any = None, *, installed_by_us: bool = False
    ) -> HelmAction:
        if chart == self._action.chart:
            return self._action
        return super().action_for(chart, kube, installed_by_us=installed_by_us)


@keeps_its_secrets_out
def converge_operator(
    plan: Plan, kube: KubeClient, helm: Helm, options: ApplyOptions, progress: Progress
) -> HelmAction:
    """The operator part of ``apply_plan``, alone: its namespace, marker, release and CRD."""
    operator_plan = msgspec.structs.replace(
        plan, resources=tuple(plan.in_component(Component.OPERATOR))
    )
    refs = [ObjectRef.of(resource) for resource in operator_plan.resources]
    refs.append(marker_ref(plan.operator))
    # Only these objects are read, so nothing else can look like an orphan to delete.
    live = LiveState({ref: kube.get(ref) for ref in refs})
    action = helm_action(plan, kube, helm, live.objects)
    changes = compute_changes(operator_plan, live, action)
    for warning in changes.warnings:
        progress.info(f"warning: {warning}")
    known: dict[ObjectRef, Any] = dict(live.objects)
    for change in changes.changes:
        send_change(kube, change, options.force_conflicts, progress, known)
    if action.changes:
        converge_release(plan, kube, helm, action, options=options, progress=progress)
    wait_for_crd(plan, kube, options, progress)
    return action


def apply_each(
    plans: Sequence[Plan],
    open_client: OpenClient,
    *,
    helm: Helm | None = None,
    options: ApplyOptions | None = None,
    progress_for: ProgressFor,
    concurrency: int,
) -> BatchResult:
    """Converge the shared operator once, then every preview in parallel."""
    options = options or ApplyOptions()
    shared = progress_for("operator")
    with open_client() as kube:
        helm = helm or Helm.locate(kube.connection.helm)
        try:
            action = converge_operator(plans[0], kube, helm, options, shared)
        except WildsideError as error:
            # Without the operator no preview can become ready: touch none of them.
            failed = tuple(
                Outcome(preview_name(p), "not applied: the shared operator step failed")
                for p in plans
            )
            return BatchResult("apply --each", failed, f"operator release failed: {error}")
    operator = f"operator release {_DONE[action.verb]}" + (" once" if action.changes else "")
    settled = _ConvergedHelm(
        helm, HelmAction(HelmVerb.UNCHANGED, plans[0].operator, "converged by this batch")
    )

    def one(plan: Plan) -> Outcome:
        with open_client() as kube:
            progress = progress_for(preview_name(plan))
            result = apply_plan(plan, kube, settled, options, progress)
            progress.info(result.summary())
            return Outcome(preview_name(plan), result=result)

    return BatchResult("apply --each", _run_all(plans, one, concurrency), operator)


def destroy_each(
    plans: Sequence[Plan],
    open_client: OpenClient,
    *,
    helm: Helm | None = None,
    options: ApplyOptions | None = None,
    progress_for: ProgressFor,
    concurrency: int,
    verb: str = "destroy --each",
) -> BatchResult:
    """Destroy every preview in parallel, then settle the shared operator once."""
    options = options or ApplyOptions()

    def one(plan: Plan) -> Outcome:
        with open_client() as kube:
            progress = progress_for(preview_name(plan))
            result = destroy(plan, kube, helm, options, progress, settle_operator=False)
            return Outcome(preview_name(plan), result=result)

    outcomes = _run_all(plans, one, concurrency)
    done = [plan for plan, outcome in zip(plans, outcomes, strict=True) if outcome.ok]
    if not done:
        return BatchResult(verb, outcomes, "operator release left as it was: no preview went")
    shared = progress_for("operator")
    try:
        with open_client() as kube:
            # A preview that went has nothing left: destroying it again deletes
            # nothing and only decides on the operator (a failed one might).
            settled: OperatorOutcome = destroy(done[0], kube, helm, options, shared).operator
        operator = settled.message
    except WildsideError as error:
        operator = f"operator release not settled: {error}"
    return BatchResult(verb, outcomes, operator)


def _run_all(
    plans: Sequence[Plan], one: Callable[[Plan], Outcome], concurrency: int
) -> tuple[Outcome, ...]:
    def guarded(plan: Plan) -> Outcome:
        try:
            return one(plan)
        except WildsideError as error:
            return Outcome(preview_name(plan), str(error))
        except Exception as error:  # one preview's bug must not stop the others
            internal = f"internal error: {type(error).__name__}: {foreign(str(error))}"
            return Outcome(preview_name(plan), internal)

    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="preview") as pool:
        # Each preview runs in the caller's context (the secrets it keeps out, redact.py).
        futures = [pool.submit(copy_context().run, guarded, plan) for plan in plans]
        return tuple(future.result() for future in futures)


class LockedWriter:
    """Whole lines from many threads, never interleaved."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self._write(line)
