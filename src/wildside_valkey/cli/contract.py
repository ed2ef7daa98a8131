"""``wildside-valkey contract``."""

from __future__ import annotations

import click

from ..contract import build_contract, format_contract
from ..contract.formats import ContractFormat
from .options import VariableCommand, command_variables, variable_options


@click.command(cls=VariableCommand)
@variable_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "yaml", "env", "configmap"]),
    default="json",
    show_default=True,
    help="json and yaml print the contract as is; env prints VALKEY_* variables; "
    "configmap prints a ConfigMap <cluster_name>-contract of them, for envFrom.",
)
def contract(
    var_files: tuple[str, ...], var_options: tuple[str, ...], output_format: ContractFormat
) -> None:
    """Print the sync policy contract: what workloads read to connect. Works in both modes."""
    variables = command_variables(var_files, var_options)
    click.echo(format_contract(build_contract(variables).to_dict(), output_format), nl=False)
