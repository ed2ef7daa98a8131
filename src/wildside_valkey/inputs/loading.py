"""Where variable values come from: files and ``--var`` options, read and merged.

The I/O at the edge of the pure core: this layer reads ``--var-file`` files
(``.tfvars`` HCL, ``.tfvars.json``/``.json``, ``.yaml``/``.yml``) and parses
``--var NAME=VALUE`` options, then hands plain values to
:func:`wildside_valkey.variables.variables_from_mapping`, which validates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..variables import Variables, check_mode, tofu_types, variables_from_mapping
from .sources import merge_sources, parse_var_option, read_var_file

Mode = Literal["render", "apply"]


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
    layers.append(
        dict(
            parse_var_option(option, types, position)
            for position, option in enumerate(var_options, start=1)
        )
    )
    return merge_sources(layers)
