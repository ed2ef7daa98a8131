"""``wildside-valkey validate``."""

from __future__ import annotations

import json

import click

from ..errors import VariablesError
from ..plan import build_plan
from ..variables import load_variables
from .options import output_option, variable_options, warn


@click.command()
@variable_options
@output_option
def validate(var_files: tuple[str, ...], var_options: tuple[str, ...], output: str) -> None:
    """Check the variables only: exit 0 when valid, 2 with every problem listed."""
    try:
        variables = load_variables(var_files, var_options)
    except VariablesError as error:
        if output == "json":
            problems = [{"variable": p.variable, "message": p.message} for p in error.problems]
            click.echo(json.dumps({"valid": False, "problems": problems}, indent=2))
            raise SystemExit(error.exit_code) from error
        raise
    warnings = build_plan(variables).warnings
    if output == "json":
        click.echo(
            json.dumps({"valid": True, "problems": [], "warnings": list(warnings)}, indent=2)
        )
        return
    warn(warnings)
    click.echo(f"variables are valid (mode = {variables.mode})")
