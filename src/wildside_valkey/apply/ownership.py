"""Which live objects are ours: labelled for this instance *and* written by our field manager.

Labels alone are not enough: the operator copies the ``Valkey``'s labels onto
what it creates (its Secret, its PodDisruptionBudget), and External Secrets
copies them onto the Secret it writes. Those carry our labels but belong to
their controllers, so apply never deletes them and destroy leaves them to their
owners. ``managedFields`` says who wrote an object; only an object that our
field manager applied is ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD_MANAGER = "wildside-valkey"


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    metadata = obj.get("metadata") or {}
    return dict(metadata.get("labels") or {})


def has_labels(obj: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    live = labels_of(obj)
    return all(live.get(key) == value for key, value in labels.items())


def applied_by_us(obj: Mapping[str, Any]) -> bool:
    entries = (obj.get("metadata") or {}).get("managedFields") or ()
    return any(
        entry.get("manager") == FIELD_MANAGER and entry.get("operation") == "Apply"
        for entry in entries
    )


def is_ours(obj: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    return has_labels(obj, labels) and applied_by_us(obj)
