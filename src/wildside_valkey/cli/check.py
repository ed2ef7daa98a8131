"""``wildside-valkey check``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import click

from ..contract import build_contract
from ..errors import ConnectOptionError
from ..workload import ConnectOptions, format_check, run_check
from ..workload.password import DEFAULT_PASSWORD_ENV
from ..workload.wording import Wording
from .options import (
    FILE_PATH,
    VariableCommand,
    command_variables,
    output_option,
    variable_options,
)

# check's own options, named in its errors' hints (the library names its keywords).
CHECK_WORDING = Wording(
    password=None,
    env="${}",
    file="--password-file {}",
    from_secret="--from-secret",
    give_password="give one in $VALKEY_PASSWORD (or --password-env NAME) or --password-file FILE",
    host_port="--host/--port",
    ca="--ca-file, or --ca-from-secret to read the contract's CA Secret",
    address_map="--address-map",
    standalone="--standalone",
)


@click.command(cls=VariableCommand)
@variable_options
@click.option(
    "--contract",
    "contract_file",
    type=FILE_PATH,
    help="Read the contract from this JSON or YAML file (e.g. build/contract.json) "
    "instead of building it from the variables.",
)
@click.option(
    "--host",
    metavar="HOST",
    help="Connect here instead of the contract's host (e.g. a port-forward).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), metavar="PORT", help="Connect to this port instead."
)
@click.option(
    "--address-map",
    "address_map",
    multiple=True,
    metavar="ANNOUNCED=REACHABLE",
    help="Reach the node announced as ANNOUNCED (host:port, e.g. a pod IP) at REACHABLE "
    "(host:port, e.g. a port-forward); repeatable, one per node. The same mapping as "
    "connect(address_map=...).",
)
@click.option(
    "--password-env",
    default=DEFAULT_PASSWORD_ENV,
    show_default=True,
    metavar="NAME",
    help="Environment variable holding the password.",
)
@click.option("--password-file", type=FILE_PATH, help="File holding the password.")
@click.option(
    "--from-secret",
    is_flag=True,
    help="Read the password from the Kubernetes Secret the contract names.",
)
@click.option("--kubeconfig", type=FILE_PATH, help="kubeconfig for --from-secret/--ca-from-secret.")
@click.option(
    "--context", metavar="NAME", help="kubeconfig context for --from-secret/--ca-from-secret."
)
@click.option("--ca-file", type=FILE_PATH, help="CA certificate (PEM) that signed the server's.")
@click.option(
    "--ca-from-secret",
    is_flag=True,
    help="Read the CA from the Secret the contract's tls.ca_secret names.",
)
@click.option(
    "--tls-server-name",
    metavar="NAME",
    help="Verify the server certificate for this name instead of the contract's host.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Seconds to wait for each connection and reply.",
)
@click.option("--standalone", is_flag=True, help="The server is not in cluster mode.")
@output_option
def check(
    var_files: tuple[str, ...],
    var_options: tuple[str, ...],
    contract_file: Path | None,
    output: Literal["text", "json"],
    standalone: bool,
    **options: Any,
) -> None:
    """Connect through the contract: PING, a SET/GET/DEL round trip on a key of
    its own, then report latency and the server version. Exits 1 with the reason
    when anything fails. The password is never printed.
    """
    contract: Any = contract_file or build_contract(command_variables(var_files, var_options))
    options["address_map"] = _address_map(options.pop("address_map"))
    # Options left unset keep ConnectOptions' defaults (such as the mounted password file).
    given = {name: value for name, value in options.items() if value not in (None, False)}
    connect_options = ConnectOptions(
        cluster=False if standalone else None, wording=CHECK_WORDING, **given
    )
    click.echo(format_check(run_check(contract, connect_options), output))


def _address_map(entries: tuple[str, ...]) -> dict[str, str]:
    """``ANNOUNCED=REACHABLE`` entries as connect's ``address_map`` (checked there)."""
    table: dict[str, str] = {}
    for entry in entries:
        announced, sep, reachable = entry.partition("=")
        if not sep:
            raise ConnectOptionError(
                f"--address-map {entry!r} is not ANNOUNCED=REACHABLE "
                "(for example 10.244.0.7:6379=127.0.0.1:16380)"
            )
        table[announced.strip()] = reachable.strip()
    return table
