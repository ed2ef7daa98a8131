"""``wildside-valkey output``: the OpenTofu module's outputs, as ``tofu output`` prints them."""

from __future__ import annotations

import click

from ..plan import build_plan
from ..render.module_outputs import module_outputs
from ..render.output_formats import (
    format_all_human,
    format_all_json,
    format_one_json,
    format_raw,
)
from .options import VariableCommand, command_variables, variable_options


@click.command(cls=VariableCommand)
@click.argument("name", required=False)
@variable_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="As `tofu output -json`: every output with its sensitive flag, type and value "
    "(or, with NAME, its value alone as compact JSON).",
)
@click.option(
    "--show-sensitive",
    is_flag=True,
    help="Show sensitive values: rendered_manifests in the list, and the inline password "
    "inside it (masked as '(sensitive value)' otherwise).",
)
def output(
    name: str | None,
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    as_json: bool,
    show_sensitive: bool,
) -> None:
    """Print the outputs of the original OpenTofu module for these variables.

    Without NAME: every output as `tofu output` lists them (sensitive ones as
    <sensitive>). With NAME: that value raw, as `tofu output -raw NAME` (strings,
    numbers and bools only). Same variables as `contract`; works in both modes
    (rendered_manifests is {} in apply mode, as in the module).
    """
    outputs = module_outputs(
        build_plan(command_variables(var_files, var_options)), show_sensitive=show_sensitive
    )
    if name is None:
        text = (
            format_all_json(outputs)
            if as_json
            else format_all_human(outputs, show_sensitive=show_sensitive)
        )
    else:
        text = format_one_json(outputs, name) if as_json else format_raw(outputs, name)
    click.echo(text, nl=False)
