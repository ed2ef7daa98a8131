"""Server-side apply and field ownership, on plain dicts.

This is a deliberately small model of Kubernetes' structured-merge-diff:

* A field is a path of map keys (`("spec", "nodes")`). Maps are walked into;
  every other value, lists included, is a leaf owned as a whole (real servers
  merge some lists by key; apply mode's objects do not depend on that).
* An apply makes its manager own exactly the leaves of its configuration.
  Leaves it owned before and no longer sends are removed from the object unless
  another manager still owns them.
* An apply conflicts when it would change the value of a field that another
  manager owns (overlapping paths count), unless `force` takes ownership away.
* Any other write (create, replace, a controller's status) makes its manager own the
  leaves it changed and takes them away from everyone else, which is how
  `kubectl scale` causes the next apply to conflict on `.spec.replicas`.
* An explicit `null` in an applied configuration is treated as absent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

Path = tuple[str, ...]


class _Missing:
    """Sentinel for 'no value at this path' (distinct from a JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

# Metadata the server owns: never part of a manager's field set, never merged
# from a client's body.
SERVER_METADATA: Final = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generateName",
    }
)


def tracked_view(
    obj: Mapping[str, Any], subresource: str, status_subresource: bool
) -> dict[str, Any]:
    """The part of `obj` whose fields managers can own through this endpoint.

    The main endpoint of a type with a status subresource ignores `status`
    (that is what makes an apply unable to reset what the operator reports);
    the `/status` endpoint only sees `status`.
    """
    if subresource == "status":
        status = obj.get("status")
        return {"status": copy.deepcopy(status)} if status is not None else {}
    view: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "status" and status_subresource:
            continue
        if key == "metadata" and isinstance(value, Mapping):
            meta = {k: copy.deepcopy(v) for k, v in value.items() if k not in SERVER_METADATA}
            if meta:
                view["metadata"] = meta
            continue
        view[key] = copy.deepcopy(value)
    return view


def drop_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    return value


def leaf_paths(obj: Mapping[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for key, value in obj.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            out |= leaf_paths(value, path)
        else:
            out.add(path)
    return out


def get_path(obj: Any, path: Path) -> Any:
    cur = obj
    for key in path:
        if not isinstance(cur, Mapping) or key not in cur:
            return MISSING
        cur = cur[key]
    return cur


def delete_path(obj: dict[str, Any], path: Path, keep: set[Path] | None = None) -> None:
    """Remove `path`, then any parent map left empty that nobody owns as such."""
    parents: list[tuple[dict[str, Any], str]] = []
    cur: Any = obj
    for key in path[:-1]:
        if not isinstance(cur, dict) or key not in cur:
            return
        parents.append((cur, key))
        cur = cur[key]
    if isinstance(cur, dict):
        cur.pop(path[-1], None)
    keep = keep or set()
    for depth in range(len(parents) - 1, -1, -1):
        parent, key = parents[depth]
        child = parent.get(key)
        if isinstance(child, dict) and not child and path[: depth + 1] not in keep:
            del parent[key]
        else:
            break


def overlaps(a: Path, b: Path) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return long_[: len(short)] == short


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Apply's merge: maps merge key by key, anything else is replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (how a controller updates part of a status)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out: dict[str, Any] = copy.deepcopy(dict(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def format_path(path: Path) -> str:
    """Kubernetes' field path text: `.spec.nodes`, `.metadata.labels.app`."""
    return "".join(f".{key}" for key in path)


@dataclass
class ManagerEntry:
    manager: str
    operation: str  # "Apply" or "Update"
    api_version: str
    time: str
    subresource: str = ""
    fields: set[Path] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def describe(self) -> str:
        """How conflict messages name a manager (see apimachinery's printManager)."""
        name = f'"{self.manager}"'
        if self.subresource:
            name = f'{name} with subresource "{self.subresource}"'
        if self.operation == "Update":
            return f"{name} using {self.api_version} at {self.time}"
        return name

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManagerEntry:
        return cls(
            manager=str(data.get("manager", "")),
            operation=str(data.get("operation", "Update")),
            api_version=str(data.get("apiVersion", "")),
            time=str(data.get("time", "")),
            subresource=str(data.get("subresource", "")),
            fields=from_fields_v1(data.get("fieldsV1") or {}),
        )


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(paths):
        node = tree
        for key in path:
            node = node.setdefault(f"f:{key}", {})
    # A path that is also a prefix of another is owned as a node itself: mark it
    # with "." the way Kubernetes does.
    owned = set(paths)

    def mark(node: dict[str, Any], prefix: Path) -> None:
        for key, child in node.items():
            path = (*prefix, key[2:])
            if child and path in owned:
                child["."] = {}
            if isinstance(child, dict):
                mark(child, path)

    mark(tree, ())
    return tree


def from_fields_v1(tree: Mapping[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for key, child in tree.items():
        if key == ".":
            if prefix:
                out.add(prefix)
        elif key.startswith("f:"):
            path = (*prefix, key[2:])
            if isinstance(child, Mapping) and child:
                out |= from_fields_v1(child, path)
            else:
                out.add(path)
        elif key[:2] in ("k:", "v:", "i:") and prefix:
            # Keyed list items: this model owns lists as a whole.
            out.add(prefix)
    return out


@dataclass(frozen=True)
class Conflict:
    entry: ManagerEntry
    path: Path


class ApplyConflictError(Exception):
    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(conflict_message(conflicts))
        self.conflicts = conflicts


def conflict_message(conflicts: list[Conflict]) -> str:
    """The exact wording of apimachinery's getConflictMessage."""
    if len(conflicts) == 1:
        c = conflicts[0]
        who = c.entry.describe()
        return f"Apply failed with 1 conflict: conflict with {who}: {format_path(c.path)}"
    by_manager: dict[str, list[Path]] = {}
    for c in conflicts:
        by_manager.setdefault(c.entry.describe(), []).append(c.path)
    lines: list[str] = []
    for manager in sorted(by_manager):
        lines.append(f"conflicts with {manager}:")
        lines.extend(f"- {format_path(p)}" for p in by_manager[manager])
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


def _cleanup(entries: list[ManagerEntry], obj: Mapping[str, Any]) -> list[ManagerEntry]:
    """Forget ownership of fields that no longer exist and drop empty entries."""
    out: list[ManagerEntry] = []
    for entry in entries:
        entry.fields = {p for p in entry.fields if get_path(obj, p) is not MISSING}
        if entry.fields:
            out.append(entry)
    return out


@dataclass
class ApplyResult:
    obj: dict[str, Any]
    entries: list[ManagerEntry]


def server_side_apply(
    live: Mapping[str, Any],
    config: Mapping[str, Any],
    entries: list[ManagerEntry],
    *,
    manager: str,
    force: bool,
    api_version: str,
    now: str,
    subresource: str = "",
    status_subresource: bool = True,
) -> ApplyResult:
    """Apply `config` as `manager` onto `live` (an empty dict for a new object).

    Raises ApplyConflictError unless `force`. Returns the new object (server metadata
    untouched) and the new manager entries.
    """
    entries = [copy.deepcopy(e) for e in entries]
    cfg_view = drop_nulls(tracked_view(config, subresource, status_subresource))
    new_fields = leaf_paths(cfg_view)
    mine = next(
        (e for e in entries if e.key == (manager, "Apply", subresource)),
        None,
    )
    others = [e for e in entries if e is not mine]

    base = copy.deepcopy(dict(live))
    if mine is not None:
        held_by_others = {q for e in others for q in e.fields}
        for dropped in sorted(mine.fields - new_fields, key=len, reverse=True):
            if not any(overlaps(dropped, q) for q in held_by_others):
                delete_path(base, dropped, keep=held_by_others)
    merged = deep_merge(base, cfg_view)

    conflicts = [
        Conflict(e, q)
        for e in others
        for q in sorted(e.fields)
        if any(overlaps(p, q) for p in new_fields) and get_path(merged, q) != get_path(live, q)
    ]
    if conflicts and not force:
        raise ApplyConflictError(conflicts)
    for c in conflicts:
        c.entry.fields.discard(c.path)

    if mine is None:
        mine = ManagerEntry(manager, "Apply", api_version, now, subresource)
        entries.append(mine)
    if mine.fields != new_fields or merged != dict(live):
        mine.time = now
        mine.api_version = api_version
    mine.fields = new_fields
    return ApplyResult(merged, _cleanup(entries, merged))


def record_update(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    entries: list[ManagerEntry],
    *,
    manager: str,
    api_version: str,
    now: str,
    subresource: str = "",
    status_subresource: bool = True,
) -> list[ManagerEntry]:
    """Ownership after a non-apply write changed `old` into `new`."""
    entries = [copy.deepcopy(e) for e in entries]
    old_view = tracked_view(old, subresource, status_subresource)
    new_view = tracked_view(new, subresource, status_subresource)
    changed = {
        p
        for p in leaf_paths(old_view) | leaf_paths(new_view)
        if get_path(old_view, p) != get_path(new_view, p)
    }
    if not changed:
        return _cleanup(entries, new)
    mine = next((e for e in entries if e.key == (manager, "Update", subresource)), None)
    for entry in entries:
        if entry is not mine:
            entry.fields = {q for q in entry.fields if not any(overlaps(q, c) for c in changed)}
    if mine is None:
        mine = ManagerEntry(manager, "Update", api_version, now, subresource)
        entries.append(mine)
    mine.time = now
    mine.api_version = api_version
    mine.fields |= {p for p in changed if get_path(new_view, p) is not MISSING}
    return _cleanup(entries, new)
