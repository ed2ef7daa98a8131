"""``wildside-valkey validate``."""

from __future__ import annotations

import json

import click

from ..errors import BadInputError, VariablesError
from ..plan import build_plan
from .options import VariableCommand, command_variables, output_option, variable_options, warn


@click.command(cls=VariableCommand)
@variable_options
@output_option
def validate(var_files: tuple[str, ...], var_options: tuple[str, ...], output: str) -> None:
    """Check the variables only, for the mode they name: exit 0 when valid, 2 with every
    problem listed (in render mode that includes what render would refuse to put in Git).
    """
    try:
        # One pass: the rules of what render puts into Git come with all the others.
        variables = command_variables(var_files, var_options, validate_for="named")
    except BadInputError as error:
        if output == "json":
            problems = (
                [{"variable": p.variable, "message": p.message} for p in error.problems]
                if isinstance(error, VariablesError)
                else [{"variable": None, "message": str(error)}]
            )
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
