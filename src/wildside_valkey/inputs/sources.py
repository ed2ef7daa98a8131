"""Where variable values come from: ``--var-file`` files and ``--var NAME=VALUE``.

Precedence, lowest first: defaults < each var file in order < each ``--var``.
The HCL parser is imported only when a ``.tfvars`` file or an HCL literal needs
it, because it is the slowest import on the render path.

Every source is read through :mod:`wildside_valkey.reading` (bounded, never
blocking) and parsed by :func:`parse_var_text`, which names the source in its
messages and scrubs a parser's words of the password (``variables/redaction.py``);
standard input or an environment variable can be handed to it as text. The tool's
own words never hold a value read for ``password_inline``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import Problem, VarFileError, VariablesError
from ..reading import MAX_INPUT_BYTES, read_text
from ..variables.loading import literal_example
from ..variables.plain_data import plain_data_problem
from ..variables.redaction import SECRET_VARIABLE, holds_a_password_setting, scrub
from ..variables.yaml_text import error_position, error_problem, load_yaml

RawValues = dict[str, Any]
VarFileKind = Literal["hcl", "json", "yaml"]

# The largest var file read, by format. The HCL parser (lark, in Python) needs about
# 10 s and 170 MB per MiB of text, JSON and YAML (C parsers) well under a second: a
# var file is a few kB, so these bounds only ever stop a mistake or an attack.
VAR_FILE_LIMITS: dict[VarFileKind, int] = {
    "hcl": 256 * 1024,
    "json": MAX_INPUT_BYTES,
    "yaml": MAX_INPUT_BYTES,
}

# tofu parses a --var value according to the variable's declared type: strings
# are taken literally, everything else is an HCL (JSON-compatible) literal.
_LITERAL_TYPES = frozenset({"bool", "number"})


# A var file's format follows its name's ending, as tofu (and this tool, for YAML) decide it.
_EXTENSIONS: tuple[tuple[str, VarFileKind], ...] = (
    (".tfvars.json", "json"),
    (".json", "json"),
    (".tfvars", "hcl"),
    (".yaml", "yaml"),
    (".yml", "yaml"),
)
# Each format as a message names it, how a variable is set in it, and an extension for it.
_FORMATS: dict[VarFileKind, tuple[str, str, str]] = {
    "hcl": ("HCL", "NAME = VALUE", ".tfvars"),
    "json": ("JSON", '{"NAME": VALUE}', ".tfvars.json"),
    "yaml": ("YAML", "NAME: VALUE", ".yaml"),
}
# The first line that sets something, as each format would write it.
_LOOKS: tuple[tuple[re.Pattern[str], VarFileKind], ...] = (
    (re.compile(r"\A\s*\{"), "json"),
    (re.compile(r"^[ \t]*[A-Za-z_][\w-]*[ \t]*=(?!=)", re.MULTILINE), "hcl"),
    (re.compile(r"^[ \t]*[A-Za-z_][\w-]*:(?:[ \t]|$)", re.MULTILINE), "yaml"),
)


def read_var_file(path: Path) -> RawValues:
    """The variables in one file, keyed by name, with their raw values."""
    kind = var_file_kind(path.name)
    text = read_text(path, what="var file", limit=VAR_FILE_LIMITS[kind])
    extension = next(end for end, _ in _EXTENSIONS if path.name.lower().endswith(end))
    return parse_var_text(text, source=f"var file {str(path)!r}", kind=kind, extension=extension)


def var_file_kind(name: str) -> VarFileKind:
    """The format of a var file from its name, as tofu (and this tool, for YAML) decide it."""
    for end, kind in _EXTENSIONS:
        if name.lower().endswith(end):
            return kind
    raise VarFileError(
        f"var file {name!r}: unknown format; use .tfvars, .tfvars.json, .json, .yaml or .yml"
    )


def parse_var_text(
    text: str, *, source: str, kind: VarFileKind, extension: str | None = None
) -> RawValues:
    """The variables in the text of one source (a file, standard input, ...).

    ``source`` names it in every message ("var file 'a.tfvars'"). Whatever a parser
    says is scrubbed of the value of ``password_inline`` as written in ``text``. A file
    whose ``extension`` promised another format than its text looks like is told so.
    """
    try:
        loaded = _PARSERS[kind](text)
    except _ParseError as error:
        hint = _format_hint(text, kind, extension)
        raise VarFileError(f"{source} {error.shown(text)}{hint}") from None
    except RecursionError:
        raise VarFileError(f"{source} nests values too deeply") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        kind_word = _KIND_WORDS.get(type(loaded).__name__, "something else")
        hint = _format_hint(text, kind, extension)
        raise VarFileError(
            f"{source} must hold a mapping of variable names to values (got {kind_word}){hint}"
        )
    problem = plain_data_problem(loaded)
    if problem:
        raise VarFileError(f"{source}: {problem}")
    for name, value in loaded.items():
        if name != SECRET_VARIABLE and holds_a_password_setting(value):
            raise VarFileError(
                f'{source}: the value of variable "{name}" holds the text of a line that sets '
                f"{SECRET_VARIABLE} (is a quote left open above it?); it is not shown"
            )
    return loaded


def _format_hint(text: str, kind: VarFileKind, extension: str | None) -> str:
    """``: a .yml file is read as YAML ..., and this looks like HCL ...`` when it does."""
    looks = next((other for pattern, other in _LOOKS if pattern.search(text)), kind)
    if extension is None or looks == kind:
        return ""
    promised, promised_form, _ = _FORMATS[kind]
    seen, seen_form, seen_extension = _FORMATS[looks]
    return (
        f"; a {extension} file is read as {promised} ({promised_form}), and this looks like "
        f"{seen} ({seen_form}): name it {seen_extension}, or write {promised}"
    )


class _ParseError(Exception):
    """A complaint, phrased to follow the source's name: this tool's words, then the
    parser's own (``quoted``), which may quote the text and so are scrubbed."""

    def __init__(self, words: str, quoted: str = "", after: str = "") -> None:
        super().__init__(words + quoted + after)
        self.words, self.quoted, self.after = words, quoted, after

    def shown(self, text: str) -> str:
        return self.words + scrub(self.quoted, text) + self.after


_KIND_WORDS = {
    "list": "a list",
    "str": "a string",
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
}


def _parse_json(text: str) -> Any:
    import json  # noqa: PLC0415 - loaded when JSON is read: a cold start does without

    try:
        return json.loads(text, object_pairs_hook=_json_object, parse_constant=_json_constant)
    except json.JSONDecodeError as error:
        raise _ParseError(
            "is not valid JSON: ", error.msg, f" at line {error.lineno}, column {error.colno}"
        ) from None


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # tofu's JSON var files (hcl/json) report "Duplicate argument"; Python's json
            # would silently keep the last.
            shown = repr(key) if len(key) <= 40 and key.isprintable() else "(not shown)"
            raise _ParseError(f"is not valid: the key {shown} is set twice in one object")
        result[key] = value
    return result


def _json_constant(name: str) -> Any:
    raise _ParseError(f"is not valid JSON: {name} is not a JSON number")


def _parse_yaml(text: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        raise _ParseError(
            "is not valid YAML: ", error_problem(error), error_position(error)
        ) from None


def _parse_hcl(text: str) -> Any:
    from .hcl import HclValueError, parse_tfvars  # noqa: PLC0415 - lazy: slow import

    try:
        return parse_tfvars(text)
    except HclValueError as error:
        where = f" at line {error.line}, column {error.column}" if error.line else ""
        raise _ParseError(f"is not a valid var file{where}: {error.message}") from None
    except RecursionError:
        raise
    except Exception as error:  # python-hcl2 raises lark's many exception types
        # Only the position: lark's messages quote the offending token.
        line, column = getattr(error, "line", None), getattr(error, "column", None)
        where = f" at line {line}, column {column}" if line is not None else ""
        raise _ParseError(f"is not valid HCL{where}") from None


_PARSERS = {"json": _parse_json, "yaml": _parse_yaml, "hcl": _parse_hcl}


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
        what = "the name before '=' is empty" if sep else "no '=' found"
        raise VariablesError([Problem(where, f"--var takes NAME=VALUE ({what})")])
    tofu_type = tofu_types.get(name, "string")
    if tofu_type.startswith("string"):
        return name, raw
    return name, _parse_literal(name, raw.strip(), tofu_type)


def _parse_literal(name: str, raw: str, tofu_type: str) -> Any:
    if tofu_type in _LITERAL_TYPES and raw in {"true", "false"}:
        return raw == "true"
    import json  # noqa: PLC0415 - loaded when a literal is read: a cold start does without

    try:
        value = json.loads(raw, parse_constant=_json_constant)
    except (json.JSONDecodeError, _ParseError, RecursionError):
        pass
    else:
        return _plain(name, value)
    if tofu_type in _LITERAL_TYPES:
        # Leave the text for the model, which says what it expected.
        return raw
    from .hcl import parse_hcl_value  # noqa: PLC0415 - lazy: slow import

    try:
        value = parse_hcl_value(raw)
    except Exception as error:  # lark's exception types, HclValueError, RecursionError
        example = literal_example(raw, tofu_type)
        right_form = f": write it as '{example}'" if example else ""
        raise VariablesError(
            [Problem(name, f"--var value is not a valid {tofu_type} literal{right_form}")]
        ) from error
    return _plain(name, value)


def _plain(name: str, value: Any) -> Any:
    problem = plain_data_problem(value)
    if problem:
        raise VariablesError([Problem(name, f"--var value {problem}")])
    return value
