"""Every source of variable values, layered in OpenTofu's precedence, each one named.

Lowest precedence first (OpenTofu docs, "Variable Definition Precedence";
opentofu/opentofu ``internal/command/meta_vars.go``, ``collectVariableValues``):

1. the defaults;
2. values given by a library caller (``values=``);
3. ``TF_VAR_<name>`` environment variables (:mod:`.environment`);
4. ``terraform.tfvars``, ``terraform.tfvars.json``, then ``*.auto.tfvars`` and
   ``*.auto.tfvars.json`` in lexical order, from the working folder (:mod:`.autoload`);
5. every ``--var`` and ``--var-file`` in the order they appear on the command line
   (``--var-file -`` reads standard input, :mod:`.stdin`).

A later layer replaces a variable whole (objects are not merged, as in tofu).
The source each variable's value came from is kept, so that a problem names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from ..errors import Problem, VarFileError, VariablesError
from ..variables import Variables, tofu_types, variables_from_mapping
from .autoload import autoload_files
from .environment import environment_values
from .sources import parse_var_option, read_var_file
from .stdin import STDIN, STDIN_NAME, read_stdin_values

OptionKind = Literal["var", "var_file"]
ForMode = Literal["render", "apply", "named"]
_BASE_NAME = re.compile(r"^[A-Za-z0-9_-]+")


class Layer(NamedTuple):
    """The values of one source, and how a message names that source."""

    source: str
    values: Mapping[str, Any]


def command_line(
    var_files: Sequence[str | Path], var_options: Sequence[str], order: Sequence[OptionKind] = ()
) -> list[tuple[OptionKind, str]]:
    """The ``--var``/``--var-file`` options interleaved in ``order`` (files first without it)."""
    files, options = [str(f) for f in var_files], list(var_options)
    var_file: OptionKind = "var_file"
    var: OptionKind = "var"
    default = [var_file] * len(files) + [var] * len(options)
    if sorted(order) != sorted(default):
        order = default
    items: list[tuple[OptionKind, str]] = []
    for kind in order:
        items.append((kind, files.pop(0) if kind == "var_file" else options.pop(0)))
    return items


def gather_layers(
    options: Sequence[tuple[OptionKind, str]] = (),
    *,
    values: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    folder: Path | None = None,
    stdin: TextIO | None = None,
) -> list[Layer]:
    """Every layer, lowest precedence first; ``environ``/``folder`` None leave those out."""
    types = tofu_types()
    layers: list[Layer] = []
    if values:
        layers.append(Layer("values", values))
    if environ is not None:
        found = environment_values(environ, types)
        layers.extend(Layer(source, {name: value}) for name, (source, value) in found.items())
    if folder is not None:
        layers.extend(Layer(str(path), read_var_file(path)) for path in autoload_files(folder))
    stdin_read = False
    position = 0
    for kind, text in options:
        if kind == "var":
            position += 1
            name, value = parse_var_option(text, types, position)
            layers.append(Layer("--var", {name: value}))
        elif text == STDIN:
            if stdin is None or stdin_read:
                raise VarFileError(f"--var-file -: {STDIN_NAME} can be read only once")
            stdin_read = True
            layers.append(Layer(STDIN_NAME, read_stdin_values(stdin)))
        else:
            layers.append(Layer(text, read_var_file(Path(text))))
    return layers


def merge_layers(layers: Sequence[Layer]) -> tuple[dict[str, Any], dict[str, str]]:
    """The winning value of each variable, and the source it came from."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for layer in layers:
        for name, value in layer.values.items():
            merged[name] = value
            origin[name] = layer.source
    return merged, origin


def variables_from_layers(layers: Sequence[Layer], *, for_mode: ForMode | None = None) -> Variables:
    """Validated variables; each problem names the source of the value it is about."""
    merged, origin = merge_layers(layers)
    try:
        return variables_from_mapping(merged, for_mode=for_mode)
    except VariablesError as error:
        named = [_with_source(problem, origin) for problem in error.problems]
        raise type(error)(named) from error


def _with_source(problem: Problem, origin: Mapping[str, str]) -> Problem:
    match = _BASE_NAME.match(problem.variable)
    source = origin.get(match.group(0)) if match else None
    if source is None:
        return problem
    return Problem(problem.variable, f"{problem.message} (from {source})")
