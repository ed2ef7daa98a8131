"""One ordering of kinds for apply and, reversed, for delete (as lightkube does).

The order of kinds is ``kinds.PLANNED_KINDS`` (the reasons are given there). The
lifecycle record (``lifecycle.py``) goes right after the namespaces: a preview
whose apply fails half-way still expires, and one whose destroy is interrupted
keeps its expiry until the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from .kinds import NAMESPACE, PLANNED_KINDS
from .lifecycle import is_lifecycle_record
from .model import Resource

APPLY_ORDER: tuple[str, ...] = tuple(kind.kind for kind in PLANNED_KINDS)


def _rank(resource: Resource) -> float:
    if is_lifecycle_record(resource.body):
        return APPLY_ORDER.index(NAMESPACE.kind) + 0.5
    try:
        return APPLY_ORDER.index(resource.kind)
    except ValueError:
        return len(APPLY_ORDER)


def apply_order(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    """Stable: resources of one kind keep the order they were planned in."""
    return tuple(sorted(resources, key=_rank))


def delete_order(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    return tuple(reversed(apply_order(resources)))
