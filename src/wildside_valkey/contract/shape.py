"""The contract's shape, read off the model, and the check of a contract read back.

:mod:`.model` declares the contract once; this walks those classes (through
``msgspec.inspect``) so that the ``VALKEY_*`` flattening and the check of a
contract that comes back as JSON, YAML or variables follow it without a second
list of fields. Adding a field to the model adds its variable and its check.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, NamedTuple

import msgspec
import msgspec.inspect as mi

from ..errors import ContractError
from .model import Contract


class Kind(Enum):
    """What a scalar is, as text can carry it (the words are the error's)."""

    STRING = "a non-empty string"
    OPTIONAL_STRING = "a string or null"
    INTEGER = "a whole number"
    BOOLEAN = "true or false"


class Field(NamedTuple):
    """A scalar at ``path``; ``optional`` fields may be absent from older contracts."""

    path: tuple[str, ...]
    kind: Kind
    optional: bool = False


class NullableObject(NamedTuple):
    """An object at ``path`` that may be null; its members are strings."""

    path: tuple[str, ...]
    members: tuple[str, ...]
    optional: bool = False


Entry = Field | NullableObject


def _unwrap(info: mi.Type) -> tuple[mi.Type, str | None]:
    if isinstance(info, mi.Metadata):
        description = (info.extra_json_schema or {}).get("description")
        return info.type, description
    return info, None


def _scalar_kind(info: mi.Type) -> Kind | None:
    info, _ = _unwrap(info)
    if isinstance(info, mi.BoolType):
        return Kind.BOOLEAN
    if isinstance(info, mi.IntType):
        return Kind.INTEGER
    if isinstance(info, mi.StrType | mi.LiteralType):
        return Kind.STRING
    if isinstance(info, mi.UnionType) and _nullable(info) is not None:
        inner = _nullable(info)
        if inner is not None and _scalar_kind(inner) is Kind.STRING:
            return Kind.OPTIONAL_STRING
    return None


def _nullable(info: mi.UnionType) -> mi.Type | None:
    """The one other type of ``X | None``, or None for any other union."""
    others = [member for member in info.types if not isinstance(member, mi.NoneType)]
    return others[0] if len(others) == 1 and len(info.types) == 2 else None


def _entries(struct: mi.StructType, prefix: tuple[str, ...]) -> list[Entry]:
    # An object's own values come before its nested objects: the variables read like
    # sections (VALKEY_MODE next to VALKEY_CLUSTER_NAME, then VALKEY_ENDPOINTS_*).
    scalars: list[Entry] = []
    nested: list[Entry] = []
    for field in struct.fields:
        path = (*prefix, field.encode_name)
        info, _ = _unwrap(field.type)
        kind = _scalar_kind(info)
        if kind is not None:
            scalars.append(Field(path, kind, optional=not field.required))
        elif isinstance(info, mi.StructType):
            nested.extend(_entries(info, path))
        elif isinstance(info, mi.UnionType) and isinstance(_nullable(info), mi.StructType):
            inner = _nullable(info)
            assert isinstance(inner, mi.StructType)
            members = tuple(member.encode_name for member in inner.fields)
            if any(_scalar_kind(member.type) is not Kind.STRING for member in inner.fields):
                raise TypeError(f"{'.'.join(path)}: a nullable object holds strings only")
            nested.append(NullableObject(path, members, optional=not field.required))
        else:
            raise TypeError(f"{'.'.join(path)}: no VALKEY_ form for {info!r}")
    return scalars + nested


@cache
def _model() -> mi.StructType:
    model = mi.type_info(Contract)
    assert isinstance(model, mi.StructType)
    return model


@cache
def schema() -> tuple[Entry, ...]:
    """Every leaf of the contract, in ``VALKEY_*`` order, derived from the model.

    Computed on first use: ``render`` writes the contract as JSON and never needs it.
    """
    return tuple(_entries(_model(), ()))


def _describe(info: mi.Type) -> str:
    info, description = _unwrap(info)
    if description:
        return description
    if isinstance(info, mi.StructType):
        return "an object"
    if isinstance(info, mi.LiteralType):
        return "one of " + ", ".join(str(value) for value in info.values)
    if isinstance(info, mi.UnionType):
        inner = _nullable(info)
        if isinstance(inner, mi.StructType):
            return "an object or null"
        if inner is not None:
            return f"{_describe(inner)} or null"
    kind = _scalar_kind(info)
    return kind.value if kind is not None else "valid"


def _field_type(path: tuple[str, ...]) -> mi.Type | None:
    info: mi.Type = _model()
    for key in path:
        info, _ = _unwrap(info)
        if isinstance(info, mi.UnionType):
            info = _nullable(info) or info
        if not isinstance(info, mi.StructType):
            return None
        found = [field for field in info.fields if field.encode_name == key]
        if not found:
            return None
        info = found[0].type
    return info


def _error_path(message: str) -> tuple[str, ...]:
    """The field a msgspec error is about: ``... - at `$.a.b``` and ``... field `c```."""
    where, _, at = message.rpartition(" - at `$")
    if not where:
        where, at = message, "`"
    path = tuple(part for part in at.rstrip("`").split(".") if part)
    if where.startswith("Object missing required field `"):
        path = (*path, where.split("`")[1])
    return path


def parse_contract(data: Mapping[str, Any]) -> Contract:
    """Check a contract read back (JSON, YAML, ``VALKEY_*``) against the model.

    Keys the model does not know are ignored: a newer contract may add some. A
    ContractError names the first field that breaks the model and what it must be.
    """
    try:
        return msgspec.convert(dict(data), Contract)
    except msgspec.ValidationError as exc:
        path = _error_path(str(exc))
        if not path:
            raise ContractError("the contract must be a JSON object") from exc
        info = _field_type(path)
        what = _describe(info) if info is not None else "valid"
        raise ContractError(f'contract field "{".".join(path)}" must be {what}') from exc
