"""The README's variables table, generated from the model so the two cannot drift."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr

from .schema import Variables


def _tofu_literal(value: Any) -> str:
    if isinstance(value, SecretStr):
        return '""'
    if isinstance(value, BaseModel):
        inner = ", ".join(f'{k}="{v}"' for k, v in value.model_dump().items())
        return "{" + inner + "}"
    if isinstance(value, tuple):
        return "[]" if not value else json.dumps(list(value))
    return json.dumps(value)


def variables_table() -> str:
    lines = ["| variable | type | default | rule |", "| --- | --- | --- | --- |"]
    for name, field in Variables.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        default = _tofu_literal(field.default)
        rule = f" {field.description} " if field.description else " "
        lines.append(f"| {name} | {extra.get('tofu_type', 'string')} | {default} |{rule}|")
    return "\n".join(lines) + "\n"
