"""Waiting for the cluster: what "ready" means (pure checks) and one bounded polling loop.

Polling, not watching: a GET per look is what every API server, proxy and RBAC
setup allows, each look is retried like any request, and the intervals start
short so a quick controller costs little time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import OperationError
from .kinds import ObjectRef
from .redact import foreign
from .retry import PollPolicy

Check = Callable[[Mapping[str, Any] | None], tuple[bool, str]]


class Reader(Protocol):
    def get(self, ref: ObjectRef) -> Mapping[str, Any] | None: ...


class Reporter(Protocol):
    def waiting(self, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Condition:
    """``ref`` must satisfy ``check``; ``what`` completes "waiting for <ref> <what>"."""

    ref: ObjectRef
    what: str
    check: Check
    # Read once more on timeout to explain it (e.g. the ExternalSecret behind a Secret).
    explain: tuple[ObjectRef, Check] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.ref} {self.what}"


class WaitTimeoutError(OperationError):
    """Something was still missing when the time ran out (exit 1)."""

    def __init__(self, message: str, missing: Sequence[str]) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


# ------------------------------------------------------------------ the checks


def exists(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    return (obj is not None, "exists" if obj is not None else "not found yet")


def gone(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    if obj is None:
        return True, "deleted"
    metadata = obj.get("metadata") or {}
    finalizers = metadata.get("finalizers") or []
    if metadata.get("deletionTimestamp") and finalizers:
        return False, f"being deleted, held by finalizers {', '.join(map(str, finalizers))}"
    return False, "still present"


def established(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    if obj is None:
        return False, "not found (the operator's chart installs it)"
    condition = _condition(obj, "Established")
    if condition is not None and condition.get("status") == "True":
        return True, "Established"
    return False, _describe(condition, "Established")


def valkey_ready(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    """The operator's only signal (v0.0.61): no ``status`` until the cluster has formed,
    then ``status.ready: true``, never false again, no conditions, no observedGeneration."""
    if obj is None:
        return False, "not found"
    status = obj.get("status") or {}
    if status.get("ready") is True:
        return True, "ready"
    return False, "forming: the operator reports ready once every pod has joined the cluster"


def rolled_out(pods: int, image: str | None = None) -> Check:
    """The operator's StatefulSet shows the Valkey's current spec running: ``pods`` replicas
    (nodes × (replicas + 1)), its generation observed, every replica updated and ready."""

    def check(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
        if obj is None:
            return False, "not created by the operator yet"
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        generation = (obj.get("metadata") or {}).get("generation")
        wanted = spec.get("replicas")
        if wanted != pods:
            return False, f"the operator has not yet resized it to {pods} pods (spec has {wanted})"
        if image is not None and _first_image(spec) != image:
            return False, f"the operator has not yet set image {image}"
        if status.get("observedGeneration") != generation:
            return False, f"generation {generation} not yet observed"
        updated = int(status.get("updatedReplicas") or 0)
        ready = int(status.get("readyReplicas") or 0)
        if updated == ready == pods:
            return True, f"{pods}/{pods} pods updated and ready"
        return False, f"{updated}/{pods} pods updated, {ready}/{pods} ready"

    return check


def _first_image(spec: Mapping[str, Any]) -> object:
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    return containers[0].get("image") if isinstance(containers[0], Mapping) else None


def synced(obj: Mapping[str, Any] | None) -> tuple[bool, str]:
    """An ExternalSecret's Ready condition, to explain a Secret that does not come."""
    if obj is None:
        return False, "the ExternalSecret does not exist"
    condition = _condition(obj, "Ready")
    return (condition or {}).get("status") == "True", _describe(condition, "Ready")


def _condition(obj: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(condition, Mapping) and condition.get("type") == kind:
            return condition
    return None


def _describe(condition: Mapping[str, Any] | None, kind: str) -> str:
    if condition is None:
        return f"no {kind} condition yet"
    parts = [f"{kind}={condition.get('status')}"]
    if condition.get("reason"):
        parts.append(foreign(str(condition["reason"])))
    text = " ".join(parts)
    return f"{text}: {foreign(str(condition['message']))}" if condition.get("message") else text


# -------------------------------------------------------------------- the loop


def wait_for(
    reader: Reader,
    conditions: Sequence[Condition],
    *,
    timeout: float,
    poll: PollPolicy,
    reporter: Reporter,
    known: Mapping[ObjectRef, Mapping[str, Any] | None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Look until every condition holds, or raise ``WaitTimeoutError`` naming what is missing.

    ``known`` holds objects read moments ago and not written since: the first
    look uses them instead of asking again.
    """
    deadline = clock() + timeout
    fresh = dict(known or {})
    pending = list(conditions)
    details: dict[Condition, str] = {}
    intervals = poll.intervals()
    while True:
        still: list[Condition] = []
        for condition in pending:
            obj = fresh[condition.ref] if condition.ref in fresh else reader.get(condition.ref)
            done, details[condition] = condition.check(obj)
            if not done:
                still.append(condition)
        fresh.clear()
        pending = still
        if not pending:
            return
        reporter.waiting("waiting for " + "; ".join(f"{c} ({details[c]})" for c in pending))
        remaining = deadline - clock()
        if remaining <= 0:
            raise _timeout(reader, pending, details, timeout)
        sleep(min(next(intervals), remaining))


def _timeout(
    reader: Reader, pending: Sequence[Condition], details: Mapping[Condition, str], timeout: float
) -> WaitTimeoutError:
    missing: list[str] = []
    for condition in pending:
        line = f"{condition} (last seen: {details[condition]})"
        if condition.explain is not None:
            ref, check = condition.explain
            line += f"; {ref}: {check(reader.get(ref))[1]}"
        missing.append(line)
    message = f"timed out after {timeout:g}s waiting for:\n" + "\n".join(
        f"  - {line}" for line in missing
    )
    return WaitTimeoutError(message, missing)
