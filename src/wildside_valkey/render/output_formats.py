"""``tofu output``'s three formats, byte for byte (pure).

From opentofu/opentofu ``internal/command/views/output.go`` (OutputJSON,
OutputRaw, OutputHuman) and ``internal/repl/format.go`` (FormatValue):

* ``-json`` without a name: one object keyed by output name (sorted), each
  ``{"sensitive", "type", "value"}``, indented by two spaces
  (``json.MarshalIndent``); sensitive values are printed;
* ``-json NAME``: the value alone, compact (``ctyjson.Marshal``), then a newline;
* ``-raw NAME``: a string, number or bool as is, no newline; null or a complex
  value is an error;
* human, without a name: ``name = value`` lines, sorted, sensitive values shown
  as ``<sensitive>``, values in OpenTofu language syntax.

Go's encoder escapes ``<``, ``>`` and ``&`` (and U+2028/U+2029) in strings and
writes other non-ASCII text as is; so does this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import BadInputError
from .module_outputs import Output, outputs_as_json

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class OutputError(BadInputError):
    """An output that does not exist, or that cannot be printed in the asked format."""


def _go_json(value: Any, *, indent: int | None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(
        value, sort_keys=True, indent=indent, separators=separators, ensure_ascii=False
    )
    for char, escape in _GO_ESCAPES.items():
        text = text.replace(char, escape)  # these characters occur only inside strings
    return text


def format_all_json(outputs: Mapping[str, Output]) -> str:
    return _go_json(outputs_as_json(outputs), indent=2) + "\n"


def format_one_json(outputs: Mapping[str, Output], name: str) -> str:
    return _go_json(_find(outputs, name).value, indent=None) + "\n"


def format_raw(outputs: Mapping[str, Output], name: str) -> str:
    output = _find(outputs, name)
    value = output.value
    if isinstance(value, Mapping | list):
        raise OutputError(
            f"Unsupported value for raw output: the raw form only supports strings, numbers "
            f"and boolean values, but output value {name!r} is {_friendly(output.type)}; "
            "use --json for machine-readable representations of output values that have "
            "complex types"
        )
    if value is None:
        raise OutputError(
            f"Unsupported value for raw output: the value for output value {name!r} is null, "
            "so the raw form cannot print it"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_all_human(outputs: Mapping[str, Output], *, show_sensitive: bool = False) -> str:
    lines = []
    for name, output in outputs.items():
        if output.sensitive and not show_sensitive:
            lines.append(f"{name} = <sensitive>")
        else:
            lines.append(f"{name} = {format_value(output.value, output.type, 0)}")
    return "\n".join(lines).strip() + "\n"


def format_value(value: Any, type_: Any, indent: int) -> str:
    """``repl.FormatValue``: a value in OpenTofu language syntax."""
    if value is None:
        return _null(type_)
    kind = type_[0] if isinstance(type_, list) else type_
    if kind == "string":
        return _multiline(value, indent) or json.dumps(value, ensure_ascii=False)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "number":
        return str(value)
    if kind == "object":
        attributes = type_[1]
        return _mapping({k: (value[k], attributes[k]) for k in sorted(attributes)}, indent)
    if kind == "map":
        items = {k: (value[k], type_[1]) for k in sorted(value)}
        return f"tomap({_mapping(items, indent)})"
    raise ValueError(f"no format for type {type_!r}")


def _mapping(items: Mapping[str, tuple[Any, Any]], indent: int) -> str:
    inner = indent + 2
    parts = ["{"]
    for key, (item, item_type) in items.items():
        parts.append(
            "\n"
            + " " * inner
            + json.dumps(key, ensure_ascii=False)
            + " = "
            + format_value(item, item_type, inner)
        )
    if items:
        parts.append("\n" + " " * indent)
    parts.append("}")
    return "".join(parts)


def _multiline(text: str, indent: int) -> str:
    lines = text.split("\n")
    if len(lines) < 2:
        return ""
    operator = "<<-" if indent > 0 else "<<"
    delimiter = "EOT"
    while any(line.strip() == delimiter for line in lines):
        delimiter += "_"
    pad = " " * indent
    body = "".join(f"\n{pad}{line}" for line in lines)
    return f"{operator}{delimiter}{body}\n{pad}{delimiter}"


def _null(type_: Any) -> str:
    simple = {"string": "tostring(null)", "number": "tonumber(null)", "bool": "tobool(null)"}
    if isinstance(type_, str):
        return simple.get(type_, "null")
    if type_[0] == "map":
        return f"tomap(null) /* of {type_[1]} */"
    return f"null /* {_friendly(type_)} */"


def _friendly(type_: Any) -> str:
    """go-cty's ``Type.FriendlyName``."""
    if isinstance(type_, str):
        return type_
    if type_[0] == "map":
        return f"map of {_friendly(type_[1])}"
    return str(type_[0])


def _find(outputs: Mapping[str, Output], name: str) -> Output:
    if name not in outputs:
        import difflib  # noqa: PLC0415 - only a misspelt name needs it

        close = difflib.get_close_matches(name, list(outputs), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise OutputError(
            f"Output {name!r} not found: the module's outputs are {', '.join(outputs)}{hint}"
        )
    return outputs[name]
