"""``helm_values``: YAML mappings merged deeply, in order, later documents winning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from .yaml_text import error_position, load_yaml

_YAML_KINDS = {
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "list": "a list",
    "bool": "a boolean",
}


def parse_values_document(index: int, document: str) -> dict[str, Any]:
    """One ``helm_values`` item as a mapping, or ``ValueError`` naming its index."""
    try:
        loaded = load_yaml(document)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "syntax error"
        raise ValueError(
            f"item {index} is not valid YAML: {problem}{error_position(error)}"
        ) from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind = _YAML_KINDS.get(type(loaded).__name__, type(loaded).__name__)
        raise ValueError(f"item {index} must be a YAML mapping such as 'key: value' (got {kind})")
    return loaded


def check_values_documents(documents: tuple[str, ...]) -> tuple[str, ...]:
    for index, document in enumerate(documents):
        parse_values_document(index, document)
    return documents


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) is replaced, as Helm does."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def merge_values(documents: Iterable[str]) -> dict[str, Any]:
    """The merged values, every mapping's keys in sorted order.

    One canonical order: the same values give the same bytes however they were
    written (YAML or a --var literal, keys in any order), as Helm itself reads them
    into Go maps and has no order to keep.
    """
    merged: dict[str, Any] = {}
    for index, document in enumerate(documents):
        merged = deep_merge(merged, parse_values_document(index, document))
    return {key: _canonical(merged[key]) for key in sorted(merged)}


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value
