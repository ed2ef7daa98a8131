"""``wildside-valkey render``."""

from __future__ import annotations

from pathlib import Path

import click

from ..contract.formats import to_json
from ..plan import build_plan
from ..render import render_to
from ..variables import load_variables
from .options import variable_options, warn


@click.command()
@variable_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder to write the tree into (replaced whole; must be new, empty, or a "
    "previous render).",
)
def render(var_files: tuple[str, ...], var_options: tuple[str, ...], out: Path) -> None:
    """Write the Flux GitOps tree and contract.json into OUT, and print the contract JSON.

    Nothing is written unless every variable is valid; a failed write leaves the
    previous tree in place.
    """
    variables = load_variables(var_files, var_options, expect_mode="render")
    plan = build_plan(variables)
    warn(plan.warnings)
    tree = render_to(plan, out)
    click.echo(to_json(plan.contract.to_dict()), nl=False)
    click.echo(f"wrote {len(tree)} files to {out}", err=True)
