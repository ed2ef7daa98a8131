"""Where variable values come from: files, options, the environment, read and merged.

The I/O at the edge of the pure core: this layer reads ``--var-file`` files
(``.tfvars`` HCL, ``.tfvars.json``/``.json``, ``.yaml``/``.yml``), parses
``--var NAME=VALUE`` options and, when asked (the CLI asks), ``TF_VAR_<name>``
environment variables and the var files tofu loads by itself, layered as
:mod:`.precedence` describes, then hands plain values to
:func:`wildside_valkey.variables.variables_from_mapping`, which validates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from ..variables import Variables, check_mode
from .precedence import (
    Layer,
    OptionKind,
    Warn,
    command_line,
    gather_layers,
    merge_layers,
    variables_from_layers,
)

Mode = Literal["render", "apply"]


def load_variables(
    var_files: Sequence[str | Path] = (),
    var_options: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
    expect_mode: Mode | None = None,
    order: Sequence[OptionKind] = (),
    environ: Mapping[str, str] | None = None,
    folder: Path | None = None,
    stdin: TextIO | None = None,
    validate_for: Literal["named"] | None = None,
    warn: Warn | None = None,
    command: str | None = None,
) -> Variables:
    """Variables from every source, in OpenTofu's precedence (see :mod:`.precedence`).

    ``values`` (for library callers) sits between the defaults and the other
    sources. ``order`` interleaves ``var_files`` and ``var_options`` as they were
    given on the command line (default: the files, then the options).
    ``environ`` adds ``TF_VAR_<name>`` variables and ``folder`` the var files
    tofu loads by itself from it; ``stdin`` is read for a var file named ``-``.
    ``expect_mode`` is the mode the calling command needs (a disagreement is bad
    input, worded after ``command`` when given: ``plan`` reads, ``destroy`` deletes);
    ``validate_for="named"`` checks the rules of the variables' own mode.
    ``warn`` is told, once, of values var files set for undeclared variables, which
    are ignored as tofu ignores them (default: an ``UndeclaredValuesWarning``).
    """
    sources = _Sources(values, environ, folder, stdin, warn)
    layers = sources.layers(var_files, var_options, order)
    variables = variables_from_layers(layers, for_mode=expect_mode or validate_for)
    if expect_mode is not None:
        check_mode(variables, expect_mode, command=command)
    return variables


def load_raw_values(
    var_files: Sequence[str | Path] = (),
    var_options: Sequence[str] = (),
    *,
    values: Mapping[str, Any] | None = None,
    order: Sequence[OptionKind] = (),
    environ: Mapping[str, str] | None = None,
    folder: Path | None = None,
    stdin: TextIO | None = None,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """The merged, not yet validated values of every source (see :func:`load_variables`)."""
    sources = _Sources(values, environ, folder, stdin, warn)
    layers = sources.layers(var_files, var_options, order)
    return merge_layers(layers)[0]


class _Sources(NamedTuple):
    """Where values come from besides the command line (see :func:`load_variables`)."""

    values: Mapping[str, Any] | None
    environ: Mapping[str, str] | None
    folder: Path | None
    stdin: TextIO | None
    warn: Warn | None

    def layers(
        self,
        var_files: Sequence[str | Path],
        var_options: Sequence[str],
        order: Sequence[OptionKind],
    ) -> list[Layer]:
        return gather_layers(
            command_line(var_files, var_options, order),
            values=self.values,
            environ=self.environ,
            folder=self.folder,
            stdin=self.stdin,
            warn=self.warn,
        )
