"""Deeply immutable JSON-like data, so a built plan cannot be changed by its users."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

FrozenMapping = Mapping[str, Any]


def freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """A fresh, mutable copy: dicts and lists all the way down."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(item) for item in value]
    return value
