"""``helm_values``: YAML mappings merged deeply, in order, later documents winning."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from .yaml_text import NotAMappingError, error_position, error_problem, load_yaml_mapping


def parse_values_document(index: int, document: str) -> dict[str, Any]:
    """One ``helm_values`` item as a mapping, or ``ValueError`` naming its index."""
    try:
        return load_yaml_mapping(document)
    except yaml.YAMLError as error:
        where = error_position(error)
        raise ValueError(
            f"item {index} is not valid YAML: {error_problem(error)}{where}"
        ) from error
    except NotAMappingError as error:
        raise ValueError(
            f"item {index} must be a YAML mapping such as 'key: value' (got {error.kind})"
        ) from None


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
