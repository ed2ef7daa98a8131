"""Where variable values come from: ``--var-file`` files and ``--var NAME=VALUE``.

Precedence, lowest first: defaults < each var file in order < each ``--var``.
The HCL parser is imported only when a ``.tfvars`` file or an HCL literal needs
it, because it is the slowest import on the render path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem, VarFileError, VariablesError
from ..variables.yaml_text import error_position, load_yaml

RawValues = dict[str, Any]

# tofu parses a --var value according to the variable's declared type: strings
# are taken literally, everything else is an HCL (JSON-compatible) literal.
_LITERAL_TYPES = frozenset({"bool", "number"})


def read_var_file(path: Path) -> RawValues:
    """The variables in one file, keyed by name, with their raw values."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise VarFileError(f"cannot read var file {str(path)!r}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise VarFileError(f"var file {str(path)!r} is not UTF-8 text") from error
    name = path.name.lower()
    if name.endswith(".tfvars.json") or name.endswith(".json"):
        loaded = _parse_json(path, text)
    elif name.endswith(".tfvars"):
        loaded = _parse_hcl(path, text)
    elif name.endswith((".yaml", ".yml")):
        loaded = _parse_yaml(path, text)
    else:
        raise VarFileError(
            f"var file {str(path)!r}: unknown format; use .tfvars, .tfvars.json, .json, "
            ".yaml or .yml"
        )
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise VarFileError(
            f"var file {str(path)!r} must hold a mapping of variable names to values "
            f"(got a {type(loaded).__name__})"
        )
    return loaded


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise VarFileError(
            f"var file {str(path)!r} is not valid JSON: {error.msg} "
            f"at line {error.lineno}, column {error.colno}"
        ) from error


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "syntax error"
        where = error_position(error)
        raise VarFileError(f"var file {str(path)!r} is not valid YAML: {problem}{where}") from error


def _hcl_loads(text: str) -> Any:
    import hcl2  # noqa: PLC0415 - lazy: slow import, needed only for HCL input
    from hcl2.utils import SerializationOptions  # noqa: PLC0415

    options = SerializationOptions(
        strip_string_quotes=True,
        preserve_heredocs=False,
        with_comments=False,
        explicit_blocks=False,
    )
    return hcl2.loads(text, serialization_options=options)


def _parse_hcl(path: Path, text: str) -> Any:
    try:
        return _hcl_loads(text)
    except Exception as error:  # python-hcl2 raises lark's many exception types
        # Only the position: lark's messages quote the offending token, which may
        # be (part of) a password.
        line, column = getattr(error, "line", None), getattr(error, "column", None)
        where = f" at line {line}, column {column}" if line is not None else ""
        raise VarFileError(f"var file {str(path)!r} is not valid HCL{where}") from None


def parse_var_option(
    option: str, tofu_types: Mapping[str, str], position: int = 1
) -> tuple[str, Any]:
    """``NAME=VALUE`` parsed as tofu does: strings literally, other types as literals.

    ``tofu_types`` maps known names to their module type; an unknown name is
    returned as is so the loader can report it with a suggestion.
    """
    name, sep, raw = option.partition("=")
    name = name.strip()
    if not sep or not name:
        # Without "=" the text may be a value typed in the wrong place (a password,
        # say), so it is named only when it is exactly a variable's name.
        where = name if name in tofu_types else f"--var #{position}"
        raise VariablesError([Problem(where, "--var takes NAME=VALUE (no '=' found)")])
    tofu_type = tofu_types.get(name, "string")
    if tofu_type.startswith("string"):
        return name, raw
    return name, _parse_literal(name, raw.strip(), tofu_type)


def _parse_literal(name: str, raw: str, tofu_type: str) -> Any:
    if tofu_type in _LITERAL_TYPES and raw in {"true", "false"}:
        return raw == "true"
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        pass
    if tofu_type in _LITERAL_TYPES:
        # Leave the text for the model, which says what it expected.
        return raw
    try:
        return _hcl_loads(f"value = {raw}\n")["value"]
    except Exception as error:
        raise VariablesError(
            [Problem(name, f"--var value is not a valid {tofu_type} literal")]
        ) from error


def merge_sources(layers: Iterable[Mapping[str, Any]]) -> RawValues:
    """Later layers win, variable by variable (objects are replaced whole, as in tofu)."""
    merged: RawValues = {}
    for layer in layers:
        merged.update(layer)
    return merged
