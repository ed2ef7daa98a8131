"""The variables table of docs/variables.md, generated from the declarations (no drift)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import msgspec

from .schema import Sensitive, variable_specs


def _tofu_literal(value: Any) -> str:
    if isinstance(value, Sensitive):
        return '""'
    if isinstance(value, msgspec.Struct):
        inner = ", ".join(f'{k}="{v}"' for k, v in msgspec.structs.asdict(value).items())
        return "{" + inner + "}"
    if isinstance(value, tuple):
        return "[]" if not value else json.dumps(list(value))
    if isinstance(value, Mapping):
        return json.dumps(dict(value))
    return json.dumps(value)


def variables_table(*, new_only: bool = False) -> str:
    """Every variable (docs/variables.md), or those the OpenTofu module did not have
    (``new_only``: docs/migrating.md)."""
    lines = ["| variable | type | default | rule |", "| --- | --- | --- | --- |"]
    for spec in variable_specs():
        if new_only and not spec.new:
            continue
        rule = f" {spec.rule} " if spec.rule else " "
        lines.append(f"| {spec.name} | {spec.tofu_type} | {_tofu_literal(spec.default)} |{rule}|")
    return "\n".join(lines) + "\n"
