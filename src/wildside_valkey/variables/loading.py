"""Turning raw values into :class:`Variables`, reporting every broken rule at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import ModeMismatchError, Problem, VariablesError
from .rules import cross_variable_problems
from .schema import SENSITIVE_VARIABLES, VARIABLE_NAMES, Variables
from .sources import merge_sources, parse_var_option, read_var_file

Mode = Literal["render", "apply"]

_MAX_SHOWN_INPUT = 80


def tofu_types() -> dict[str, str]:
    """Each variable's type as the OpenTofu module declares it."""
    types: dict[str, str] = {}
    for name, field in Variables.model_fields.items():
        extra = field.json_schema_extra
        types[name] = str(extra.get("tofu_type", "string")) if isinstance(extra, dict) else "string"
    return types


def load_variables(
    var_files: Sequence[str | Path] = (),
    var_options: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
    expect_mode: Mode | None = None,
) -> Variables:
    """Variables from files and ``NAME=VALUE`` options, in the interface's precedence.

    ``values`` (for library callers) sits between the defaults and the files.
    ``expect_mode`` is the mode the calling command needs; a disagreement is bad input.
    """
    variables = variables_from_mapping(load_raw_values(var_files, var_options, values=values))
    if expect_mode is not None:
        check_mode(variables, expect_mode)
    return variables


def load_raw_values(
    var_files: Sequence[str | Path] = (),
    var_options: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The merged, not yet validated values of every source (see :func:`load_variables`)."""
    types = tofu_types()
    layers: list[Mapping[str, Any]] = []
    if values:
        layers.append(values)
    layers.extend(read_var_file(Path(path)) for path in var_files)
    layers.append(dict(parse_var_option(option, types) for option in var_options))
    return merge_sources(layers)


def variables_from_mapping(raw: Mapping[str, Any]) -> Variables:
    """Validate raw values; raise :class:`VariablesError` listing every problem."""
    problems = [_unknown(str(name)) for name in raw if name not in VARIABLE_NAMES]
    known = {name: value for name, value in raw.items() if name in VARIABLE_NAMES}
    try:
        variables = Variables.model_validate(known)
    except ValidationError as error:
        field_problems = [_problem_from(item) for item in error.errors()]
        problems.extend(field_problems)
        broken = frozenset(str(item["loc"][0]) for item in error.errors() if item["loc"])
        # Validate again without the broken values so that rules between the
        # remaining ones are still reported in the same run.
        variables = Variables.model_validate(
            {name: value for name, value in known.items() if name not in broken}
        )
        problems.extend(cross_variable_problems(variables, broken))
    else:
        problems.extend(cross_variable_problems(variables))
    if problems:
        raise VariablesError(problems)
    return variables


def check_mode(variables: Variables, command_mode: Mode) -> None:
    if variables.mode == command_mode:
        return
    if command_mode == "render":
        message = (
            f'is "{variables.mode}", but this command renders a GitOps tree; set mode = "render" '
            "(or --var mode=render), or use `wildside-valkey plan`/`apply` for a live cluster"
        )
    else:
        message = (
            f'is "{variables.mode}" (the default), but this command changes a live cluster; '
            'set mode = "apply" (or --var mode=apply), or use `wildside-valkey render` for GitOps'
        )
    raise ModeMismatchError([Problem("mode", message)])


def _unknown(name: str) -> Problem:
    close = difflib.get_close_matches(name, VARIABLE_NAMES, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return Problem(name, f"is not a variable of this module{hint}")


def _dotted(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _problem_from(error: Any) -> Problem:
    loc = tuple(error.get("loc", ()))
    name = _dotted(loc) or "(variables)"
    kind = error.get("type", "")
    if kind == "value_error":
        message = str(error["ctx"]["error"])
    elif kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden":
        parent = _dotted(loc[:-1])
        return Problem(parent, f"has no attribute {loc[-1]!r}")
    else:
        message = _lower_first(error.get("msg", "is invalid"))
        if loc and str(loc[0]) not in SENSITIVE_VARIABLES:
            shown = repr(error.get("input"))
            if len(shown) <= _MAX_SHOWN_INPUT:
                message += f" (got {shown})"
    return Problem(name, message)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
