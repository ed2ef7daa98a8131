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
    # In JSON the warnings about the inputs join the report; as text they go to stderr.
    warnings: list[str] | None = [] if output == "json" else None
    try:
        # One pass: the rules of what render puts into Git come with all the others.
        variables = command_variables(
            var_files, var_options, validate_for="named", warnings=warnings
        )
    except BadInputError as error:
        if output == "json":
            problems = (
                [{"variable": p.variable, "message": p.message} for p in error.problems]
                if isinstance(error, VariablesError)
                else [{"variable": None, "message": str(error)}]
            )
            report = {"valid": False, "problems": problems, "warnings": warnings}
            click.echo(json.dumps(report, indent=2))
            raise SystemExit(error.exit_code) from error
        raise
    plan_warnings = build_plan(variables).warnings
    if warnings is not None:
        report = {"valid": True, "problems": [], "warnings": [*warnings, *plan_warnings]}
        click.echo(json.dumps(report, indent=2))
        return
    warn(plan_warnings)
    click.echo(f"variables are valid (mode = {variables.mode})")
