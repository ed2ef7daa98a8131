"""One ordering of kinds for apply and, reversed, for delete (as lightkube does).

A namespace must exist before what lives in it; the credentials before the
``Valkey`` resource that reads them (the operator reports errors until the
Secret exists); the NetworkPolicy before the ``Valkey``, so its pods never run
unisolated (and, reversed, it goes only after them); the PodDisruptionBudget
last, once there are pods to protect. The lifecycle record (``lifecycle.py``)
goes right after the namespaces: a preview whose apply fails half-way still
expires, and one whose destroy is interrupted keeps its expiry until the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from .lifecycle import is_lifecycle_record
from .model import Resource

APPLY_ORDER: tuple[str, ...] = (
    "Namespace",
    "Secret",
    "ExternalSecret",
    "NetworkPolicy",
    "Valkey",
    "PodDisruptionBudget",
    "ConfigMap",
)


def _rank(resource: Resource) -> float:
    if is_lifecycle_record(resource.body):
        return APPLY_ORDER.index("Namespace") + 0.5
    try:
        return APPLY_ORDER.index(resource.kind)
    except ValueError:
        return len(APPLY_ORDER)


def apply_order(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    """Stable: resources of one kind keep the order they were planned in."""
    return tuple(sorted(resources, key=_rank))


def delete_order(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    return tuple(reversed(apply_order(resources)))
