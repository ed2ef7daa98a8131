"""What the API server does with a CRD's structural schema: prune, default, validate.

Only used for types whose CRD was installed into the fake (created through the
API or with `FakeKubeApi.install_crd`). It covers the subset of OpenAPI v3 that
CRDs use (type, properties, additionalProperties, items, required, enum,
bounds, lengths, pattern, nullable, default, anyOf/oneOf/allOf,
x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields,
x-kubernetes-embedded-resource) and CEL rules (x-kubernetes-validations, through
the real CEL runtime of tests.fakes.cel_runtime); formats are not checked. The
point is to fail where a real cluster would silently drop a misplaced field
(`storage.size` instead of `storage.spec.resources.requests.storage`) or refuse
a mistyped one (`tls: "true"`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.cel_runtime import CelEvaluationError, rule_holds

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Cause:
    """One entry of an Invalid Status' details.causes."""

    reason: str  # FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ...
    field: str
    message: str


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "null"


def _type_ok(value: Any, expected: str) -> bool:
    actual = _type_name(value)
    if expected == "number":
        return actual in ("number", "integer")
    if expected == "integer" and isinstance(value, float) and value.is_integer():
        return True
    return actual == expected


def _quote(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else json.dumps(value, default=str)


def prune(value: Any, schema: Schema, *, root: bool = False) -> Any:
    """Drop fields the schema does not know, as the API server does on write."""
    if value is None:
        return None
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return copy.deepcopy(value)
    if isinstance(value, Mapping):
        props: Mapping[str, Any] = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        keep_unknown = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        # apiVersion, kind and metadata are never pruned at the root or in an
        # embedded resource.
        embedded = root or bool(schema.get("x-kubernetes-embedded-resource"))
        out: dict[str, Any] = {}
        for key, child in value.items():
            if embedded and key in ("apiVersion", "kind", "metadata"):
                out[key] = copy.deepcopy(child)
            elif key in props:
                pruned = _prune_null(child, props[key])
                if pruned is not _DROP:
                    out[key] = pruned
            elif isinstance(additional, Mapping):
                pruned = _prune_null(child, additional)
                if pruned is not _DROP:
                    out[key] = pruned
            elif additional is True or keep_unknown:
                out[key] = copy.deepcopy(child)
        return out
    if isinstance(value, list):
        items = schema.get("items")
        if isinstance(items, Mapping):
            return [prune(v, items) for v in value]
        return copy.deepcopy(value)
    return value


_DROP = object()


def _prune_null(value: Any, schema: Schema) -> Any:
    # "null values for fields that either don't specify nullable or set it to
    # false will be pruned" (Kubernetes docs, CRD defaulting and nullable).
    if value is None and not schema.get("nullable"):
        return _DROP
    return prune(value, schema)


def apply_defaults(value: Any, schema: Schema) -> Any:
    if isinstance(value, Mapping):
        out = dict(value)
        for key, sub in (schema.get("properties") or {}).items():
            if key not in out and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
            if key in out:
                out[key] = apply_defaults(out[key], sub)
        additional = schema.get("additionalProperties")
        if isinstance(additional, Mapping):
            props = schema.get("properties") or {}
            for key, child in list(out.items()):
                if key not in props:
                    out[key] = apply_defaults(child, additional)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [apply_defaults(v, schema["items"]) for v in value]
    return value


def validate(value: Any, schema: Schema, path: str = "") -> list[Cause]:
    """Errors in Kubernetes' wording (`spec.tls in body must be of type boolean: "string"`)."""
    causes: list[Cause] = []
    where = path or "<root>"
    if value is None:
        if not schema.get("nullable") and "type" in schema:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f'Invalid value: "null": {where} in body must be of type '
                    f'{schema["type"]}: "null"',
                )
            )
        return causes
    int_or_string = bool(schema.get("x-kubernetes-int-or-string"))
    expected = schema.get("type")
    if int_or_string:
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f'Invalid value: "{_type_name(value)}": {where} in body must be of type '
                    f'integer,string: "{_type_name(value)}"',
                )
            )
            return causes
    elif isinstance(expected, str) and not _type_ok(value, expected):
        causes.append(
            Cause(
                "FieldValueInvalid",
                where,
                f'Invalid value: "{_type_name(value)}": {where} in body must be of type '
                f'{expected}: "{_type_name(value)}"',
            )
        )
        return causes

    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(_quote(v) for v in schema["enum"])
        causes.append(
            Cause(
                "FieldValueNotSupported",
                where,
                f"Unsupported value: {_quote(value)}: supported values: {supported}",
            )
        )
    if isinstance(value, str):
        causes += _string_checks(value, schema, where)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        causes += _number_checks(value, schema, where)
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f"Invalid value: {len(value)}: {where} in body should have at least "
                    f"{schema['minItems']} items",
                )
            )
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            causes.append(
                Cause(
                    "TooMany",
                    where,
                    f"Too many: {len(value)}: must have at most {schema['maxItems']} items",
                )
            )
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                causes += validate(item, items, f"{path}[{i}]")
    if isinstance(value, Mapping):
        for key in schema.get("required") or []:
            if key not in value:
                sub = f"{path}.{key}" if path else key
                causes.append(Cause("FieldValueRequired", sub, "Required value"))
        props: Mapping[str, Any] = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        for key, child in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in props:
                causes += validate(child, props[key], sub)
            elif isinstance(additional, Mapping):
                causes += validate(child, additional, sub)
    for combinator in ("allOf", "anyOf", "oneOf"):
        branches = schema.get(combinator)
        if not isinstance(branches, list):
            continue
        results = [validate(value, b, path) for b in branches]
        passing = sum(1 for r in results if not r)
        if combinator == "allOf":
            for r in results:
                causes += r
        elif (combinator == "anyOf" and passing == 0) or (combinator == "oneOf" and passing != 1):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f"Invalid value: {_quote(value)}: {where} in body must match "
                    f"{'at least one' if combinator == 'anyOf' else 'exactly one'} schema",
                )
            )
    if not causes:
        causes += _rule_checks(value, schema, where)
    return causes


def _rule_checks(value: Any, schema: Schema, where: str) -> list[Cause]:
    """``x-kubernetes-validations``, evaluated by a real CEL runtime with ``self`` bound to
    the value, as the API server does once the value has the schema's shape."""
    causes: list[Cause] = []
    for validation in schema.get("x-kubernetes-validations") or ():
        rule = str(validation["rule"])
        try:
            holds = rule_holds(rule, value)
            detail = str(validation.get("message") or f"failed rule: {rule}")
        except CelEvaluationError as error:
            holds, detail = False, str(error)
        if not holds:
            shown = _type_name(value)
            causes.append(Cause("FieldValueInvalid", where, f'Invalid value: "{shown}": {detail}'))
    return causes


def _string_checks(value: str, schema: Schema, where: str) -> list[Cause]:
    causes: list[Cause] = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append(
            Cause(
                "FieldValueTooLong",
                where,
                f"Too long: may not be more than {schema['maxLength']} bytes",
            )
        )
    if "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(
            Cause(
                "FieldValueInvalid",
                where,
                f"Invalid value: {_quote(value)}: {where} in body should be at least "
                f"{schema['minLength']} chars long",
            )
        )
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and re.search(pattern, value) is None:
        causes.append(
            Cause(
                "FieldValueInvalid",
                where,
                f"Invalid value: {_quote(value)}: {where} in body should match '{pattern}'",
            )
        )
    return causes


def _number_checks(value: float, schema: Schema, where: str) -> list[Cause]:
    causes: list[Cause] = []
    if "minimum" in schema:
        low = schema["minimum"]
        if value < low or (schema.get("exclusiveMinimum") is True and value == low):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f"Invalid value: {value}: {where} in body should be greater than or "
                    f"equal to {low}",
                )
            )
    if "maximum" in schema:
        high = schema["maximum"]
        if value > high or (schema.get("exclusiveMaximum") is True and value == high):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f"Invalid value: {value}: {where} in body should be less than or "
                    f"equal to {high}",
                )
            )
    return causes
