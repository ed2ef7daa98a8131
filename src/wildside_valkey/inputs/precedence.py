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

A var file (auto-loaded, ``--var-file`` or standard input) that sets a variable
this module does not declare is warned about and the value ignored, as tofu does:
``terraform.tfvars`` in a root module's folder usually holds that module's other
variables (opentofu/opentofu ``internal/backend/unparsed_value.go``,
``ParseUndeclaredVariableValues``: a warning for ``ValueFromAutoFile`` and
``ValueFromNamedFile``, an error for ``ValueFromCLIArg``). An undeclared
``--var`` stays an error, and undeclared ``TF_VAR_`` names are ignored silently
(:mod:`.environment`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from ..errors import Problem, VarFileError, VariablesError
from ..variables import Variables, did_you_mean, tofu_types, variables_from_mapping
from .autoload import autoload_files
from .environment import environment_values
from .sources import parse_var_option, read_var_file
from .stdin import STDIN, STDIN_NAME, read_stdin_values

OptionKind = Literal["var", "var_file"]
ForMode = Literal["render", "apply", "named"]
_BASE_NAME = re.compile(r"^[A-Za-z0-9_-]+")
Warn = Callable[[str], None]


class UndeclaredValuesWarning(UserWarning):
    """A var file set variables this module does not declare; their values were ignored."""


class Layer(NamedTuple):
    """The values of one source, how a message names that source, and whether it is a file."""

    source: str
    values: Mapping[str, Any]
    var_file: bool = False


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
    warn: Warn | None = None,
) -> list[Layer]:
    """Every layer, lowest precedence first; ``environ``/``folder`` None leave those out.

    Values a var file sets for undeclared variables are left out and named once,
    to ``warn`` (default: a Python :class:`UndeclaredValuesWarning`).
    """
    types = tofu_types()
    layers: list[Layer] = []
    if values:
        layers.append(Layer("values", values))
    if environ is not None:
        found = environment_values(environ, types)
        layers.extend(Layer(source, {name: value}) for name, (source, value) in found.items())
    if folder is not None:
        layers.extend(
            Layer(str(path), read_var_file(path), var_file=True) for path in autoload_files(folder)
        )
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
            layers.append(Layer(STDIN_NAME, read_stdin_values(stdin), var_file=True))
        else:
            layers.append(Layer(text, read_var_file(Path(text)), var_file=True))
    return _without_undeclared(layers, frozenset(types), warn)


def _without_undeclared(
    layers: Sequence[Layer], declared: frozenset[str], warn: Warn | None
) -> list[Layer]:
    """The layers without what var files set for undeclared variables, said once."""
    ignored: dict[str, list[str]] = {}
    kept: list[Layer] = []
    for layer in layers:
        undeclared = [name for name in layer.values if name not in declared]
        if not layer.var_file or not undeclared:
            kept.append(layer)
            continue
        for name in undeclared:
            ignored.setdefault(name, []).append(layer.source)
        values = {name: value for name, value in layer.values.items() if name in declared}
        kept.append(layer._replace(values=values))
    if ignored:
        message = undeclared_message(ignored)
        if warn is None:
            warnings.warn(message, UndeclaredValuesWarning, stacklevel=2)
        else:
            warn(message)
    return kept


def undeclared_message(ignored: Mapping[str, Sequence[str]]) -> str:
    """One line naming every undeclared variable, where it was set, and a close name."""
    named = []
    for name, sources in ignored.items():
        hint = did_you_mean(name)
        named.append(f'"{name}" (from {", ".join(sources)}{"; " + hint if hint else ""})')
    noun = "variable" if len(named) == 1 else "variables"
    return (
        f"ignored the values of {len(named)} undeclared {noun}, as tofu ignores them in var "
        f"files: {', '.join(named)}"
    )


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
