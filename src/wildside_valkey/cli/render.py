"""``wildside-valkey render``."""

from __future__ import annotations

from pathlib import Path

import click

from ..contract.formats import to_json
from ..plan import build_plan
from ..render import render_to
from ..render.writer import MARKER
from .options import (
    VariableCommand,
    command_variables,
    file_option,
    tofu_sources,
    variable_options,
    warn,
)


@click.command(cls=VariableCommand)
@variable_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder to write the tree into (replaced whole; must be new, empty, or a "
    "previous render).",
)
@file_option(
    "--each",
    "each_file",
    help="Render many environments: FILE is a YAML or JSON list of variable overrides, "
    "one per environment, applied on top of --var-file/--var. Each lands in "
    "OUT/<namespace>/<cluster_name>/, and OUT/contracts.json maps each to its contract.",
)
def render(
    var_files: tuple[str, ...], var_options: tuple[str, ...], out: Path, each_file: Path | None
) -> None:
    """Write the Flux GitOps tree and contract.json into OUT, and print the contract JSON.

    Nothing is written unless every variable is valid; a failed write leaves the
    previous tree in place.
    """
    if each_file is not None:
        _render_each(var_files, var_options, out, each_file)
        return
    variables = command_variables(var_files, var_options, expect_mode="render")
    plan = build_plan(variables)
    warn(plan.warnings)
    tree = render_to(plan, out)
    click.echo(to_json(plan.contract.to_dict()), nl=False)
    click.echo(f"wrote {_files(len(tree), out)}", err=True)


def _files(count: int, out: Path) -> str:
    # The record is a file on disk too (hidden): say so, or `find OUT` counts one more.
    return f"{count} files to {out}, and {MARKER}, its record of them"


def _render_each(
    var_files: tuple[str, ...], var_options: tuple[str, ...], out: Path, each_file: Path
) -> None:
    # Only --each needs the batch machinery: a plain render does not import it.
    from ..inputs import load_raw_values  # noqa: PLC0415
    from ..inputs.each_file import read_each_file  # noqa: PLC0415
    from ..render import write_tree  # noqa: PLC0415
    from ..render.batch import environment_variables, render_batch  # noqa: PLC0415

    base = load_raw_values(var_files, var_options, **tofu_sources())
    environments = environment_variables(base, read_each_file(each_file), command="render")
    batch = render_batch(environments)
    write_tree(batch.tree, out)
    # The same warning for a thousand environments is said once, with its count.
    warn(
        f"{message} ({count} environment{'' if count == 1 else 's'})"
        for message, count in batch.warnings.items()
    )
    click.echo(to_json(batch.contracts), nl=False)
    click.echo(
        f"wrote {len(environments.each)} environment{'' if len(environments.each) == 1 else 's'} "
        "and their shared operator: "
        f"{_files(len(batch.tree), out)}",
        err=True,
    )
