"""Saved plans: ``plan --out FILE``, then ``apply --plan FILE`` applies exactly what was shown.

A saved plan holds no secret. OpenTofu's plan files carry sensitive values in
clear and must be guarded like the state; here the file records instead:

* the variables, except the sensitive ones (``password_inline``), which
  ``apply --plan`` reads again from the usual sources (``TF_VAR_password_inline``
  in a pipeline);
* what the cluster looked like: the ``resourceVersion`` of every object the plan
  read (or that it was absent), and the operator release's revision and status;
* a salted scrypt digest of every write the plan would make (bodies included,
  so also of the Secret built from the password): the password cannot be read
  back from it, and guessing it costs one scrypt per guess;
* the plan as it was shown, secrets masked, to show again before applying.

``apply --plan`` rebuilds the plan from those variables, reads the cluster, and
refuses when an object or the release moved since, or when the writes differ
from the digest (another password, another tool version).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInputError, OperationError
from ..plan.frozen import thaw
from ..variables import SENSITIVE_VARIABLES, Variables, variables_from_mapping
from .changes import ChangeSet, LiveState
from .release import ReleaseState

FORMAT = "wildside-valkey-plan/1"
# scrypt's cost: about 16 MiB and a few tens of milliseconds per digest.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class SavedPlanError(BadInputError):
    """The file is not a saved plan this version can apply (exit 2)."""


class StalePlanError(OperationError):
    """The cluster, or what the plan would write, changed since the plan was saved (exit 1)."""


@dataclass(frozen=True, slots=True)
class SavedPlan:
    variables: dict[str, Any]
    sensitive_set: tuple[str, ...]
    cluster: str
    state: dict[str, Any]
    digest: dict[str, Any]
    shown: str

    def base_variables(self) -> Variables:
        """The saved variables (sensitive ones still unset)."""
        return variables_from_mapping(self.variables)


def state_of(live: LiveState, release: ReleaseState | None) -> dict[str, Any]:
    """What the plan was made against: object versions and the release's revision."""
    objects: dict[str, str | None] = {}
    for ref, obj in sorted(live.objects.items(), key=lambda item: str(item[0])):
        version = (obj or {}).get("metadata", {}).get("resourceVersion") if obj else None
        objects[str(ref)] = str(version) if version is not None else None
    release_state = (
        None
        if release is None
        else {"revision": release.revision, "status": release.status, "chart": release.chart}
    )
    return {"objects": objects, "release": release_state}


def _canonical_writes(changes: ChangeSet) -> bytes:
    writes = [
        {"method": request.method, "ref": str(request.ref), "body": thaw(request.body or {})}
        for request in changes.requests
    ]
    helm = {**changes.helm.to_dict(), "values": changes.helm.chart.values_dict()}
    return json.dumps(
        {"writes": writes, "helm": helm}, sort_keys=True, separators=(",", ":"), default=str
    ).encode("utf-8")


def _digest(changes: ChangeSet, salt: bytes) -> str:
    return hashlib.scrypt(_canonical_writes(changes), salt=salt, dklen=32, **_SCRYPT).hex()


def save_plan(
    path: Path,
    *,
    variables: Variables,
    changes: ChangeSet,
    live: LiveState,
    release: ReleaseState | None,
    cluster: str,
    shown: str,
) -> None:
    """Write the plan file (mode 0600, replaced atomically)."""
    salt = secrets.token_bytes(16)
    data = variables.to_dict()
    document = {
        "format": FORMAT,
        "cluster": cluster,
        "variables": {k: v for k, v in data.items() if k not in SENSITIVE_VARIABLES},
        "sensitive_set": sorted(n for n in SENSITIVE_VARIABLES if getattr(variables, n)),
        "state": state_of(live, release),
        "digest": {
            "algorithm": "scrypt",
            **_SCRYPT,
            "salt": salt.hex(),
            "value": _digest(changes, salt),
        },
        "shown": shown,
    }
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    folder = path.parent if str(path.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise OperationError(
            f"cannot write the plan file {str(path)!r}: {error.strerror}"
        ) from error


def load_plan(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SavedPlanError(
            f"cannot read the plan file {str(path)!r}: {error.strerror}"
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SavedPlanError(f"{str(path)!r} is not a plan file written by `plan --out`") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SavedPlanError(
            f"{str(path)!r} is not a plan file of this version ({FORMAT}); run `plan --out` again"
        )
    try:
        return SavedPlan(
            variables=dict(document["variables"]),
            sensitive_set=tuple(document["sensitive_set"]),
            cluster=str(document["cluster"]),
            state=dict(document["state"]),
            digest=dict(document["digest"]),
            shown=str(document["shown"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SavedPlanError(f"the plan file {str(path)!r} is incomplete") from error


def check_plan(
    saved: SavedPlan,
    cluster: str,
    live: LiveState,
    release: ReleaseState | None,
    changes: ChangeSet,
) -> None:
    """Refuse when the cluster moved or the writes differ from the saved plan's."""
    if cluster != saved.cluster:
        raise StalePlanError(
            f"the plan was made for {saved.cluster}, not {cluster}; run plan again"
        )
    moved = _moved(saved.state, state_of(live, release))
    if moved:
        raise StalePlanError(
            "the cluster changed since the plan was saved, so it is no longer what was shown:\n"
            + "\n".join(f"  - {line}" for line in moved)
            + "\nrun plan again"
        )
    salt = bytes.fromhex(str(saved.digest.get("salt", "")))
    if not secrets.compare_digest(_digest(changes, salt), str(saved.digest.get("value", ""))):
        raise StalePlanError(
            "what apply would write differs from the saved plan although the cluster did not "
            "change: the sensitive variables (password_inline) given now are not those the plan "
            "was made with, or another version of wildside-valkey made it; run plan again"
        )


def _moved(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    old_objects, new_objects = before.get("objects", {}), after.get("objects", {})
    for ref in sorted(set(old_objects) | set(new_objects)):
        old, new = old_objects.get(ref, "(not read)"), new_objects.get(ref, "(not read)")
        if old != new:
            lines.append(f"{ref}: resourceVersion {_version(old)} -> {_version(new)}")
    old_release, new_release = before.get("release"), after.get("release")
    if old_release != new_release:
        lines.append(f"operator release: {_release(old_release)} -> {_release(new_release)}")
    return lines


def _version(value: Any) -> str:
    return "absent" if value is None else str(value)


def _release(value: Any) -> str:
    if not value:
        return "not installed"
    return f"revision {value.get('revision')} ({value.get('status')}, {value.get('chart')})"
