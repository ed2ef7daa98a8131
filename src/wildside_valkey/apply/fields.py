"""Field-level comparison of a desired object with the live one.

Only the fields we send are compared: the API server adds metadata, status and
defaults, so "unchanged" means *desired is contained in live*. Fields that our
field manager owned on the last apply and that are no longer desired are
reported as removals, because server-side apply removes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

FieldPath = tuple[str | int, ...]


class _Absent:
    """A field that is not there (distinct from a JSON null)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
SENSITIVE_TEXT: Final = "(sensitive value)"
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_IDENTITY: Final = frozenset(
    {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
)


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs: its value before (live) and after (desired)."""

    path: FieldPath
    before: Any
    after: Any
    sensitive: bool = False

    @property
    def dotted(self) -> str:
        return format_path(self.path)

    def shown(self, value: Any) -> str:
        """A value as printed in a plan; secret values never are."""
        if value is ABSENT:
            return "(absent)"
        if self.sensitive:
            return SENSITIVE_TEXT
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: an absent side is left out; secret values are masked."""
        data: dict[str, Any] = {"path": self.dotted, "sensitive": self.sensitive}
        for side, value in (("before", self.before), ("after", self.after)):
            if value is not ABSENT:
                data[side] = SENSITIVE_TEXT if self.sensitive else value
        return data


def format_path(path: FieldPath) -> str:
    """``spec.nodes``, ``spec.tolerations[0]``, ``metadata.labels["app.kubernetes.io/name"]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


def leaves(obj: Mapping[str, Any], prefix: FieldPath = ()) -> Iterator[tuple[FieldPath, Any]]:
    """Every leaf of a configuration. Maps are walked into; lists are leaves, as in
    server-side apply for the atomic lists this project sends."""
    for key, value in obj.items():
        path = (*prefix, key)
        if isinstance(value, Mapping) and value:
            yield from leaves(value, path)
        else:
            yield path, value


def get_in(obj: Any, path: FieldPath) -> Any:
    current = obj
    for part in path:
        if isinstance(part, int):
            if not isinstance(current, list) or part >= len(current):
                return ABSENT
        elif not isinstance(current, Mapping) or part not in current:
            return ABSENT
        current = current[part]
    return current


def covers(desired: Any, live: Any) -> bool:
    """True when the live value holds everything desired (extra live keys are defaults)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(
            key in live and covers(value, live[key]) for key, value in desired.items()
        )
    if isinstance(desired, list | tuple):
        return (
            isinstance(live, list | tuple)
            and len(desired) == len(live)
            and all(covers(d, v) for d, v in zip(desired, live, strict=True))
        )
    # bool is an int in Python, but the API tells them apart: `true` never equals `1`.
    if type(desired) is type(live):
        return bool(desired == live)
    return _same_number(desired, live)


def _same_number(desired: Any, live: Any) -> bool:
    numbers = (int, float)
    return (
        isinstance(desired, numbers)
        and isinstance(live, numbers)
        and not isinstance(desired, bool)
        and not isinstance(live, bool)
        and desired == live
    )


def owned_paths(managed_fields: Sequence[Mapping[str, Any]] | None, manager: str) -> set[FieldPath]:
    """Leaves that ``manager`` owns through apply on the main resource (not ``/status``).

    ``fieldsV1`` keys are ``f:<name>`` for map fields; ``k:``/``v:``/``i:`` keys
    address list items, and such a list counts as one leaf here.
    """
    owned: set[FieldPath] = set()
    for entry in managed_fields or ():
        if entry.get("manager") != manager or entry.get("operation") != "Apply":
            continue
        if entry.get("subresource"):
            continue
        fields = entry.get("fieldsV1")
        if isinstance(fields, Mapping):
            owned |= _field_set(fields, ())
    return owned


def _field_set(node: Mapping[str, Any], prefix: FieldPath) -> set[FieldPath]:
    children = {key: value for key, value in node.items() if key != "."}
    if not children:
        return {prefix} if prefix else set()
    if any(not key.startswith("f:") for key in children):
        return {prefix}  # list items: the list is the leaf
    out: set[FieldPath] = set()
    for key, value in children.items():
        child = value if isinstance(value, Mapping) else {}
        out |= _field_set(child, (*prefix, key[2:]))
    return out


def is_sensitive(kind: str, path: FieldPath) -> bool:
    return kind == "Secret" and bool(path) and path[0] in ("data", "stringData")


def diff(
    kind: str,
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    owned: set[FieldPath] | None = None,
) -> tuple[FieldDiff, ...]:
    """What applying ``desired`` would change in ``live`` (every field when live is None)."""
    changes: list[FieldDiff] = []
    desired_paths: list[FieldPath] = []
    for path, value in leaves(desired):
        desired_paths.append(path)
        if path[:1] in _IDENTITY or path[:2] in _IDENTITY:
            continue  # the object's identity: it is in the plan's heading, never a change
        current = ABSENT if live is None else get_in(live, path)
        if current is ABSENT or not covers(value, current):
            changes.append(FieldDiff(path, current, value, is_sensitive(kind, path)))
    if live is not None:
        for path in sorted(owned or (), key=format_path):
            if _related(path, desired_paths):
                continue
            current = get_in(live, path)
            if current is not ABSENT:
                changes.append(FieldDiff(path, current, ABSENT, is_sensitive(kind, path)))
    return tuple(changes)


def _related(path: FieldPath, others: Sequence[FieldPath]) -> bool:
    """True when ``path`` is one of ``others``, inside one, or holds one."""
    for other in others:
        shorter = min(len(path), len(other))
        if path[:shorter] == other[:shorter]:
            return True
    return False
