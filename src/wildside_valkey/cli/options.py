"""Options shared by the commands: where variables come from, and how to report."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

# Loaded with the command's module, so the console script loads it with the garbage
# collector paused (cli/entry.py): as a lazy import it cost a cold render ~6%.
from ..inputs import load_variables

if TYPE_CHECKING:
    from ..variables import Variables

F = TypeVar("F", bound=Callable[..., Any])
# A path to one file, not a folder (click shows it as FILE).
FILE_PATH = click.Path(dir_okay=False, path_type=Path)
_ORDER_KEY = "wildside_valkey.variable_order"
_KINDS: dict[str | None, Literal["var", "var_file"]] = {
    "var_options": "var",
    "var_files": "var_file",
}


def file_option(*decls: str, help: str) -> Callable[[F], F]:
    """An option that names one file to read or write."""
    return click.option(*decls, type=FILE_PATH, help=help)


class VariableCommand(click.Command):
    """A command that remembers the order of its ``--var`` and ``--var-file`` options.

    tofu applies ``-var`` and ``-var-file`` in the order they are given
    (opentofu/opentofu ``internal/command/meta_vars.go``: one loop over
    ``m.variableArgs``); click hands each option's values over separately, so
    the order is read from the parser's record of the options it met.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            _, _, met = self.make_parser(ctx).parse_args(args=list(args))
        except click.ClickException:
            met = []  # the real parse below reports the problem
        ctx.meta[_ORDER_KEY] = [_KINDS[p.name] for p in met if p.name in _KINDS]
        return super().parse_args(ctx, args)


def command_variables(
    var_files: Sequence[str],
    var_options: Sequence[str],
    *,
    expect_mode: Literal["render", "apply"] | None = None,
    validate_for: Literal["named"] | None = None,
    warnings: list[str] | None = None,
    command: str | None = None,
) -> Variables:
    """The variables of every source a tofu user expects (see ``inputs.precedence``).

    A warning about the inputs goes to stderr, or into ``warnings`` when given.
    ``command`` names the running command in a mode mismatch (default: its own name).
    """
    sources = tofu_sources()
    if warnings is not None:
        sources["warn"] = warnings.append
    return load_variables(
        var_files,
        var_options,
        expect_mode=expect_mode,
        validate_for=validate_for,
        command=command or command_name(),
        **sources,
    )


def command_name() -> str | None:
    """The running subcommand's name (``plan``), for messages worded after it."""
    context = click.get_current_context(silent=True)
    return context.info_name if context is not None else None


def tofu_sources() -> dict[str, Any]:
    """Command-line order, ``TF_VAR_`` variables, auto-loaded var files, standard input,
    and where a warning about the inputs goes (stderr)."""
    context = click.get_current_context(silent=True)
    order = context.meta.get(_ORDER_KEY, ()) if context is not None else ()
    return {
        "order": order,
        "environ": os.environ,
        "folder": Path(),  # the working folder; relative, so messages name files as typed
        "stdin": sys.stdin,
        "warn": lambda message: warn([message]),
    }


def variable_options(function: F) -> F:
    """``--var-file`` (repeatable, in order) and ``--var NAME=VALUE`` (repeatable, wins)."""
    function = click.option(
        "--var",
        "var_options",
        multiple=True,
        metavar="NAME=VALUE",
        help="Set one variable (repeatable; later wins). VALUE is a string, or an "
        "HCL/JSON literal for numbers, bools, lists and objects. Below --var and "
        "--var-file: auto-loaded terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json), "
        "then TF_VAR_<name> variables.",
    )(function)
    function = click.option(
        "--var-file",
        "var_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Read variables from a .tfvars, .tfvars.json, .json, .yaml or .yml file; "
        "'-' reads standard input (JSON if it starts with '{', else HCL). Repeatable; "
        "--var and --var-file apply in the order given, later wins.",
    )(function)
    return function


# How many previews `apply --each`/`destroy --each`/`destroy --expired` work on at once:
# most of a preview's time is spent waiting for the operator, not computing.
DEFAULT_CONCURRENCY = 8


def concurrency_option(batch_options: str) -> Callable[[F], F]:
    """``--concurrency``, its help naming the command's own batch options (``--each``)."""
    return click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=DEFAULT_CONCURRENCY,
        show_default=True,
        metavar="N",
        help=f"With {batch_options}: how many previews to work on at once.",
    )


def output_option(function: F) -> F:
    return click.option(
        "--output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="How to report results.",
    )(function)


def warn(messages: Any) -> None:
    for message in messages:
        click.echo(f"warning: {message}", err=True)
