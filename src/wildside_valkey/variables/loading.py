"""Turning raw values into :class:`Variables`, reporting every broken rule at once.

Each variable is converted and checked on its own, so one bad value does not
hide the next; rules between variables then run over the values that passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec

from ..errors import ModeMismatchError, Problem, VariablesError
from .rules import cross_variable_problems, render_problems
from .schema import SPECS, VARIABLE_NAMES, Sensitive, Variables, VariableSpec

Mode = Literal["render", "apply"]

_MAX_SHOWN_INPUT = 80
_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_EXPECTED = re.compile(r"^Expected `(?P<expected>[^`]+)`(?:, got `(?P<got>[^`]+)`)?")
_ATTRIBUTE_MESSAGE = re.compile(r"^(?P<name>[a-z_]+): (?P<message>.+)$", re.DOTALL)
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "a string",
    "bool": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


def tofu_types() -> dict[str, str]:
    """Each variable's type as the OpenTofu module declares it."""
    return {name: spec.tofu_type for name, spec in SPECS.items()}


class _InvalidValueError(Exception):
    def __init__(self, *problems: Problem) -> None:
        self.problems = problems


def variables_from_mapping(
    raw: Mapping[str, Any], *, for_mode: Mode | Literal["named"] | None = None
) -> Variables:
    """Validate raw values; raise :class:`VariablesError` listing every problem.

    ``for_mode`` adds, in the same pass, the rules of what render writes into Git
    when the command renders (``"render"``) or when the variables' own mode is
    render (``"named"``, for validate), so one run reports every problem.
    """
    given = {str(name): value for name, value in raw.items()}
    problems = [_unknown(name) for name in given if name not in SPECS]
    values: dict[str, Any] = {}
    broken: set[str] = set()
    for name, spec in SPECS.items():
        if name not in given:
            continue
        try:
            values[name] = _convert(spec, given[name])
        except _InvalidValueError as invalid:
            problems.extend(invalid.problems)
            broken.add(name)
    variables = Variables(**values)
    problems.extend(cross_variable_problems(variables, frozenset(broken)))
    target = variables.mode if for_mode == "named" else for_mode
    if target == "render" and variables.mode == "render" and "mode" not in broken:
        problems.extend(render_problems(variables, frozenset(broken)))
    if problems:
        raise VariablesError(problems)
    return variables


# What each command does, for the message when the variables' mode disagrees with it.
_COMMAND_DOES = {
    "render": "render writes a GitOps tree",
    "plan": "plan reads a live cluster",
    "apply": "apply changes a live cluster",
    "destroy": "destroy deletes from a live cluster",
}


def check_mode(variables: Variables, command_mode: Mode, *, command: str | None = None) -> None:
    """The variables suit a command of ``command_mode`` (render also checks what goes to Git).

    ``command`` (``plan``, ``destroy``, ...) words the refusal after what it does.
    """
    if variables.mode == command_mode:
        problems = render_problems(variables) if command_mode == "render" else []
        if problems:
            raise VariablesError(problems)
        return
    if command_mode == "render":
        does = _COMMAND_DOES.get(command or "", "this command writes a GitOps tree")
        message = (
            f'is "{variables.mode}", but {does}; set mode = "render" '
            "(or --var mode=render), or use `wildside-valkey plan`/`apply` for a live cluster"
        )
    else:
        does = _COMMAND_DOES.get(command or "", "this command works on a live cluster")
        message = (
            f'is "{variables.mode}" (the default), but {does} (apply mode); set mode = "apply" '
            "(or --var mode=apply), or use `wildside-valkey render` for GitOps"
        )
    raise ModeMismatchError([Problem("mode", message)])


def _convert(spec: VariableSpec, raw: Any) -> Any:
    value = _trimmed(raw) if spec.trim else raw
    if spec.normalize is not None:
        value = spec.normalize(value)
    if spec.sensitive:
        return _sensitive(spec, value)
    if get_origin(spec.type) is tuple and isinstance(value, list | tuple):
        # Item by item, so that every bad item of a list is reported, not only the first.
        converted = _convert_items(spec, value)
    else:
        converted = _convert_item(spec, None, value)
    for check in spec.checks:
        try:
            converted = check(converted)
        except ValueError as error:
            raise _InvalidValueError(Problem(spec.name, str(error))) from None
    if isinstance(converted, dict):
        # Variables are immutable all the way down: maps are handed out read-only.
        converted = MappingProxyType(converted)
    if isinstance(converted, msgspec.Struct):
        member_problems = list(_member_problems(spec.name, converted))
        if member_problems:
            raise _InvalidValueError(*member_problems)
    return converted


def _convert_items(spec: VariableSpec, value: list[Any] | tuple[Any, ...]) -> tuple[Any, ...]:
    items: list[Any] = []
    problems: list[Problem] = []
    for index, item in enumerate(value):
        try:
            converted = _convert_item(spec, index, item)
        except _InvalidValueError as invalid:
            problems.extend(invalid.problems)
            continue
        items.append(converted)
        if isinstance(converted, msgspec.Struct):
            problems.extend(_object_problems(f"{spec.name}[{index}]", converted))
    if problems:
        raise _InvalidValueError(*problems)
    return tuple(items)


def _convert_item(spec: VariableSpec, index: int | None, value: Any) -> Any:
    target = spec.type if index is None else get_args(spec.type)[0]
    try:
        return msgspec.convert(_numbers_as_text(target, value), target, strict=False)
    except msgspec.ValidationError as error:
        where = "" if index is None else f"[{index}]"
        raise _InvalidValueError(_problem_from(spec, value, str(error), where)) from None


def _member_problems(name: str, value: msgspec.Struct) -> list[Problem]:
    """Every failing check declared on the attributes of an object variable."""
    problems: list[Problem] = []
    for info in msgspec.structs.fields(value):
        if get_origin(info.type) is not Annotated:
            continue
        for meta in get_args(info.type)[1:]:
            for check in (getattr(meta, "extra", None) or {}).get("checks", ()):
                try:
                    check(getattr(value, info.name))
                except ValueError as error:
                    problems.append(Problem(f"{name}.{info.name}", str(error)))
    return problems


def _object_problems(where: str, value: msgspec.Struct) -> list[Problem]:
    """Every broken rule of one object: its attributes' checks, then its own ``problems()``."""
    problems = _member_problems(where, value)
    own = getattr(value, "problems", None)
    if callable(own):
        problems.extend(Problem(f"{where}.{attribute}", message) for attribute, message in own())
    return problems


def _sensitive(spec: VariableSpec, value: Any) -> Sensitive:
    # tofu turns a number given for a string variable into its text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        # The value itself is never shown: it is meant to be a secret.
        raise _InvalidValueError(Problem(spec.name, f"must be a string (got {_kind_of(value)})"))
    return Sensitive(value)


def _trimmed(value: Any) -> Any:
    """Strings trimmed of surrounding white space, at any depth (the interface's rule)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        return {key: _trimmed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_trimmed(item) for item in value]
    return value


def _numbers_as_text(target: Any, value: Any) -> Any:
    """tofu converts a number given where a string is declared to its text, at any depth."""
    if get_origin(target) is Annotated:
        target = get_args(target)[0]
    if target is str and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    origin = get_origin(target)
    if origin in (dict, Mapping) and isinstance(value, Mapping):
        return {key: _numbers_as_text(get_args(target)[1], item) for key, item in value.items()}
    if origin is tuple and isinstance(value, list | tuple):
        return [_numbers_as_text(get_args(target)[0], item) for item in value]
    is_object = isinstance(target, type) and issubclass(target, msgspec.Struct)
    if is_object and isinstance(value, Mapping):
        types = {info.name: info.type for info in msgspec.structs.fields(target)}
        return {key: _numbers_as_text(types.get(key), item) for key, item in value.items()}
    return value


def _problem_from(spec: VariableSpec, value: Any, text: str, item: str = "") -> Problem:
    match = _AT_PATH.match(text)
    message, path = (match["message"], match["path"] or "") if match else (text, "")
    expected = _EXPECTED.match(message)
    if path == "[...]" and isinstance(value, Mapping) and expected and expected["got"]:
        # A map's bad entry: msgspec says only "[...]"; name the entry by its key.
        for key, entry in value.items():
            if _MSGSPEC_KINDS.get(type(entry).__name__) == expected["got"]:
                wanted = _TYPE_WORDS.get(expected["expected"], expected["expected"])
                return Problem(
                    f"{spec.name}{item}[{_shown(key)}]", f"must be {wanted} (got {_shown(entry)})"
                )
    path = item + path.replace("[...]", "")
    where = f"{spec.name}{path}"
    if message.startswith("Object missing required field `"):
        return Problem(f"{where}.{message.split('`')[1]}", "is required")
    if message.startswith("Object contains unknown field `"):
        return Problem(where, f"has no attribute {message.split('`')[1]!r}")
    if message.startswith("Invalid enum value"):
        choices = _choices(spec.type, path)
        got = message.removeprefix("Invalid enum value ").strip()
        allowed = choices or "one of the allowed values"
        return Problem(where, f"must be {allowed} (got {got})")
    attribute = _ATTRIBUTE_MESSAGE.match(message)
    if attribute:  # "<attribute>: <problem>", raised by an object's own consistency check
        return Problem(f"{where}.{attribute['name']}", attribute["message"])
    if expected:
        wanted = _TYPE_WORDS.get(expected["expected"], expected["expected"])
        if spec.tofu_type.startswith("list") and expected["expected"] == "array":
            wanted = f"a list ({spec.tofu_type})"
        shown = _shown(value) if not path else None
        got = shown if shown and len(shown) <= _MAX_SHOWN_INPUT else expected["got"]
        example = literal_example(value, spec.tofu_type) if isinstance(value, str) else None
        right_form = f": write it as {example}" if example and not path else ""
        return Problem(where, f"must be {wanted} (got {got}){right_form}")
    return Problem(where, message)


_KINDS = {
    "NoneType": "null",
    "bool": "true or false",
    "int": "a number",
    "float": "a number",
    "str": "a string",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
}


_MSGSPEC_KINDS = {
    "NoneType": "null",
    "bool": "bool",
    "int": "int",
    "float": "float",
    "str": "str",
    "list": "array",
    "dict": "object",
}


def _kind_of(value: Any) -> str:
    return _KINDS.get(type(value).__name__, "a value of another kind")


def _shown(value: Any) -> str:
    """A value as the user wrote it (JSON), never as a Python repr (``None``, ``{'a': 1}``)."""
    import json  # noqa: PLC0415 - only for a message: a cold start does without json

    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return _kind_of(value)


def _choices(target: Any, path: str) -> str:
    """The allowed values of the Literal at ``path`` inside ``target``, for the message."""
    for part in re.findall(r"\.(\w+)|\[\d+\]", path):
        origin = get_origin(target)
        if origin is tuple or origin is list:
            target = get_args(target)[0]
        if part and isinstance(target, type) and issubclass(target, msgspec.Struct):
            fields = {info.name: info.type for info in msgspec.structs.fields(target)}
            target = fields.get(part, target)
    if get_origin(target) is Annotated:
        target = get_args(target)[0]
    if get_origin(target) is Literal:
        *first, last = (repr(choice) for choice in get_args(target))
        return f"{', '.join(first)} or {last}" if first else last
    return ""


def _unknown(name: str) -> Problem:
    hint = did_you_mean(name)
    return Problem(name, f"is not a variable of this module{'; ' + hint if hint else ''}")


def did_you_mean(name: str) -> str:
    """``did you mean 'nodes'?`` for a misspelt variable name, or "" when none is close."""
    import difflib  # noqa: PLC0415 - only a misspelt name needs it

    close = difflib.get_close_matches(name, VARIABLE_NAMES, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def literal_example(raw: str, tofu_type: str) -> str | None:
    """The right form of a list or map of strings typed without its brackets or quotes.

    ``shop-web`` for a list(string) is ``["shop-web"]``; ``zone=a`` for a map(string) is
    ``{"zone": "a"}``, a form HCL, JSON and YAML all read. None for other types (a guess
    would mislead more than help) and for long values (the message would only echo them).
    """
    if len(raw) > _MAX_SHOWN_INPUT:
        return None
    import json  # noqa: PLC0415 - only for a message: a cold start does without json

    words = [_unquoted(w) for w in raw.strip().strip("[]{}").split(",") if w.strip()]
    if tofu_type == "list(string)":
        return json.dumps(words or ["value"])
    if tofu_type == "map(string)":
        pairs = [re.split(r"\s*[=:]\s*", word, maxsplit=1) for word in words]
        if not pairs or any(len(pair) != 2 for pair in pairs):
            pairs = [["key", "value"]]
        entries = (f"{json.dumps(_unquoted(k))}: {json.dumps(_unquoted(v))}" for k, v in pairs)
        return "{" + ", ".join(entries) + "}"
    return None


def _unquoted(word: str) -> str:
    return word.strip().strip("'\"")
