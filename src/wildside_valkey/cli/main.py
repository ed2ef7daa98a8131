"""The ``wildside-valkey`` command: a thin shell over the library.

Subcommands are imported only when they run, so ``--help`` and the render path
never pay for the Kubernetes client, the Rego engine or the HCL parser.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import NoReturn

import click

from ..errors import EXIT_BAD_INPUT, EXIT_FAILURE, WildsideError

# name -> (module:attribute, one-line help shown by --help without importing it)
COMMANDS: dict[str, tuple[str, str]] = {
    "render": (
        "wildside_valkey.cli.render:render",
        "Write the Flux GitOps tree and contract.json; print the contract.",
    ),
    "contract": ("wildside_valkey.cli.contract:contract", "Print the sync policy contract."),
    "validate": ("wildside_valkey.cli.validate:validate", "Check the variables only."),
    "output": (
        "wildside_valkey.cli.output:output",
        "Print the OpenTofu module's outputs, as `tofu output` does.",
    ),
    "policy": (
        "wildside_valkey.cli.policy:policy",
        "Evaluate the Rego policies on manifests (default: a fresh render).",
    ),
    "plan": (
        "wildside_valkey.cli.live:plan",
        "Show what apply would create, change or delete (secrets masked).",
    ),
    "apply": (
        "wildside_valkey.cli.live:apply",
        "Converge a live cluster, wait for readiness, print the contract.",
    ),
    "destroy": (
        "wildside_valkey.cli.live:destroy",
        "Remove what apply created for this cluster_name, nothing else.",
    ),
    "list": (
        "wildside_valkey.cli.previews:list_command",
        "List the clusters this tool manages: age, readiness, labels, expiry.",
    ),
    "check": (
        "wildside_valkey.cli.check:check",
        "Connect through the contract: PING, SET/GET/DEL, latency, version.",
    ),
}


# tofu's options take one dash (its flag package reads -name and --name alike); these
# are the ones with a two-dash option here, accepted with = or a space before the value.
TOFU_SPELLINGS = (
    "-var",
    "-var-file",
    "-auto-approve",
    "-out",
    "-detailed-exitcode",
    "-destroy",
)


def tofu_argv(argv: Sequence[str]) -> list[str]:
    """``argv`` with tofu's single-dash options spelt as this CLI's (``-var`` -> ``--var``).

    Only those exact names, and only before a ``--`` (after it, words are arguments).
    """
    normal: list[str] = []
    for index, word in enumerate(argv):
        if word == "--":
            return [*normal, *argv[index:]]
        normal.append(f"-{word}" if word.partition("=")[0] in TOFU_SPELLINGS else word)
    return normal


def _tofu_note(command: click.Command) -> str:
    """The help line naming the tofu spellings a command accepts."""
    names = {option for param in command.params for option in getattr(param, "opts", ())}
    accepted = [spelling for spelling in TOFU_SPELLINGS if f"-{spelling}" in names]
    if not accepted:
        return ""
    return f"tofu's spellings work too: {', '.join(accepted)} (with = or a space)."


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module_name, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command = getattr(import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        command.epilog = _tofu_note(command) or None
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _available(name: str) -> bool:
    # A command whose module is not part of this build is left out of --help.
    from importlib.util import find_spec  # noqa: PLC0415

    return find_spec(COMMANDS[name][0].partition(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wildside-valkey", prog_name="wildside-valkey")
def cli() -> None:
    """Redis-compatible storage on Kubernetes: a Valkey cluster through the Hyperspike
    valkey-operator, rendered as a Flux GitOps tree or applied to a live cluster,
    with a stable connection contract for the workloads that use it.

    Variables are the OpenTofu module's, from tofu's sources in tofu's order:
    defaults < TF_VAR_<name> < terraform.tfvars < terraform.tfvars.json <
    *.auto.tfvars(.json) < each --var-file/--var in command-line order. tofu's
    single-dash options work too (-var, -var-file, -auto-approve, -out,
    -detailed-exitcode, -destroy). Exit status: 0 success, 1 policy denial or
    operation failure, 2 bad input.
    """


def main(argv: list[str] | None = None) -> NoReturn:
    _check_working_folder()
    args = tofu_argv(sys.argv[1:] if argv is None else argv)
    try:
        status = cli.main(args=args, prog_name="wildside-valkey", standalone_mode=False)
    except click.ClickException as error:
        _usage_exit(error, args)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(EXIT_FAILURE)
    except WildsideError as error:
        # Printed as it is: the tool's messages never hold the inline password, and a
        # parser's words were scrubbed of it where they were read (variables/redaction.py).
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except MemoryError:
        # A memory limit (ulimit -v, a cgroup) reached: say so rather than "internal error".
        click.echo(
            "error: out of memory: the input needs more memory than this process may use "
            "(see ulimit -v / the container's memory limit); give smaller inputs or raise "
            "the limit",
            err=True,
        )
        sys.exit(EXIT_FAILURE)
    except Exception as error:  # a bug: say so plainly, keep the traceback opt-in
        if os.environ.get("WILDSIDE_VALKEY_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(error).__name__}; set WILDSIDE_VALKEY_DEBUG=1 for details",
            err=True,
        )
        sys.exit(EXIT_FAILURE)
    sys.exit(status if isinstance(status, int) else 0)


def _check_working_folder() -> None:
    """Before a command: refuse a deleted working folder."""
    try:
        os.getcwd()
    except FileNotFoundError:
        click.echo(
            "error: the current folder no longer exists (it was deleted or moved); "
            "cd to an existing folder and run again",
            err=True,
        )
        sys.exit(EXIT_BAD_INPUT)


def _usage_exit(error: click.ClickException, argv: list[str]) -> NoReturn:
    """Show a usage error (never a stray value, which may be a secret) and exit."""
    if isinstance(error, click.UsageError) and error.message.startswith(
        "Got unexpected extra argument"
    ):
        # Most often `--var NAME VALUE` without "=": the stray word may be a password.
        error = click.UsageError(
            "got unexpected extra arguments (not shown: a misplaced value may be a "
            "secret); variables are set with --var NAME=VALUE",
            ctx=error.ctx,
        )
    error.show()
    # plan --detailed-exitcode: 2 means "changes present", so a usage error exits 1 (tofu).
    detailed = "--detailed-exitcode" in argv
    sys.exit(EXIT_FAILURE if detailed and error.exit_code == 2 else error.exit_code)
