"""What the API server does with a CRD's structural schema on write: prune, then default.

Only used for types whose CRD was installed into the fake with a schema.
Validation is not repeated here: the fake asks tests/cases/kube_schemas.py,
which checks the real CRDs' schemas and CEL rules for tests/test_crd_validation.py.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Schema = Mapping[str, Any]


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
