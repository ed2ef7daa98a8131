"""Validate rendered objects as the API server would, without one.

Custom resources are checked against the structural schemas of the real CRDs
(``crds_dir()``: tests/data/crds, extracted from upstream by
scripts/extract_crd_schemas.py): each served version's ``openAPIV3Schema`` is
turned into a JSON Schema in which unknown fields are *rejected* (the API server would silently
prune them, so a field the CRD does not know is a field that does nothing), and
the CRD's ``x-kubernetes-validations`` rules are evaluated by a real CEL
runtime (``tests.cel_runtime``). Built-in kinds go to ``kubernetes_validate``
in strict mode.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tests.cel_runtime import rule_holds

from .harness import crds_dir

KUBERNETES_VERSION = "1.32"

_DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
# Keywords that mean the same in a structural schema and in JSON Schema.
_COPIED = (
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
)


def object_metadata(*, top_level: bool) -> dict[str, Any]:
    """ObjectMeta, loosely: the fields a rendered manifest may carry, and their shapes."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": _DNS_SUBDOMAIN},
            "generateName": {"type": "string"},
            "namespace": {"type": "string", "maxLength": 63, "pattern": _DNS_LABEL},
            "labels": {
                "type": "object",
                "additionalProperties": {
                    "type": "string",
                    "maxLength": 63,
                    "pattern": _LABEL_VALUE,
                },
            },
            "annotations": _STRING_MAP,
        },
        "additionalProperties": False,
    }
    if top_level:
        schema["required"] = ["name"]
    return schema


def structural_to_json_schema(node: Mapping[str, Any], *, root: bool = False) -> dict[str, Any]:
    """One node of a CRD's structural schema as strict JSON Schema.

    Objects that neither preserve unknown fields nor declare ``additionalProperties``
    get ``additionalProperties: false``.
    """
    out: dict[str, Any] = {}
    nullable = bool(node.get("nullable"))
    if node.get("x-kubernetes-int-or-string"):
        choices: list[dict[str, Any]] = [{"type": "integer"}, {"type": "string"}]
        if nullable:
            choices.append({"type": "null"})
        out["anyOf"] = choices
    elif "type" in node:
        out["type"] = [node["type"], "null"] if nullable else node["type"]
    for keyword in _COPIED:
        if keyword in node:
            out[keyword] = node[keyword]
    if nullable and "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if node.get("type") == "integer" and node.get("format") in _INT_RANGES:
        # The operators decode these into Go integers of that size.
        low, high = _INT_RANGES[node["format"]]
        out.setdefault("minimum", low)
        out.setdefault("maximum", high)
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in node and not node.get("x-kubernetes-int-or-string"):
            # In a structural schema these are value validations only.
            out[combinator] = [_value_validation(item) for item in node[combinator]]
    if "not" in node:
        out["not"] = _value_validation(node["not"])

    properties = {
        name: structural_to_json_schema(child) for name, child in node.get("properties", {}).items()
    }
    if node.get("x-kubernetes-embedded-resource"):
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties["metadata"] = object_metadata(top_level=False)
    if root:
        properties["metadata"] = object_metadata(top_level=True)
    if properties:
        out["properties"] = properties
    if "items" in node:
        out["items"] = structural_to_json_schema(node["items"])

    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        out["additionalProperties"] = structural_to_json_schema(additional)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    elif node.get("type") == "object" and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def _value_validation(node: Mapping[str, Any]) -> dict[str, Any]:
    """Combinator branches constrain values only; they add no fields and forbid none."""
    out: dict[str, Any] = {k: v for k, v in node.items() if k in (*_COPIED, "type")}
    if "properties" in node:
        out["properties"] = {k: _value_validation(v) for k, v in node["properties"].items()}
    if "items" in node:
        out["items"] = _value_validation(node["items"])
    return out


# ------------------------------------------------------------------------ the CRDs


@dataclass(frozen=True, slots=True)
class CrdVersion:
    source: Path
    kind: str
    api_version: str
    structural: Mapping[str, Any]
    json_schema: Mapping[str, Any]


@cache
def served_crds(folder: Path | None = None) -> dict[tuple[str, str], CrdVersion]:
    """(apiVersion, kind) -> schema, for every served version of every CRD in the folder."""
    folder = folder or crds_dir()
    found: dict[tuple[str, str], CrdVersion] = {}
    for path in sorted(folder.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group = crd["spec"]["group"]
            kind = crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if not version.get("served"):
                    continue
                structural = version["schema"]["openAPIV3Schema"]
                api_version = f"{group}/{version['name']}"
                json_schema = structural_to_json_schema(structural, root=True)
                json_schema["required"] = sorted(
                    {*json_schema.get("required", []), "apiVersion", "kind", "metadata"}
                )
                jsonschema.Draft7Validator.check_schema(json_schema)
                found[(api_version, kind)] = CrdVersion(
                    path, kind, api_version, structural, json_schema
                )
    return found


# ------------------------------------------------------------------ the CRD rules


def _cel_failures(schema: Mapping[str, Any], value: Any, path: str) -> Iterator[str]:
    for validation in schema.get("x-kubernetes-validations", ()):
        if not rule_holds(validation["rule"], value):
            yield f"{path or '(root)'}: {validation.get('message', validation['rule'])}"
    if isinstance(value, Mapping):
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key, additional if isinstance(additional, Mapping) else None)
            if child is not None:
                yield from _cel_failures(child, item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _cel_failures(schema["items"], item, f"{path}[{index}]")


# ----------------------------------------------------------------------- validating


@cache
def _validator(api_version: str, kind: str) -> Any:
    return jsonschema.Draft7Validator(served_crds()[(api_version, kind)].json_schema)


def _where(error: Any) -> str:
    parts = [f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
    return "".join(parts).lstrip(".") or "(root)"


def validation_errors(obj: Mapping[str, Any]) -> list[str]:
    """Why the API server would refuse (or silently change) this object; [] when it is fine."""
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    crd = served_crds().get((api_version, kind))
    if crd is not None:
        validator = _validator(api_version, kind)
        errors = [
            f"{_where(error)}: {error.message}"
            for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
        ]
        if not errors:
            errors.extend(_cel_failures(crd.structural, obj, ""))
        return errors
    group = api_version.rpartition("/")[0]
    # A dotted API group is a CRD's, except Kubernetes' own (networking.k8s.io, ...).
    if "." in group and not group.endswith(".k8s.io"):
        return [f"no served CRD for {api_version} {kind} in {crds_dir()}"]
    try:
        kubernetes_validate.validate(dict(obj), KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path) or "(root)"
        return [f"{path}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"no schema for {api_version} {kind}: {error.message}"]
    return []
