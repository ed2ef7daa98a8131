"""Options shared by the commands: where variables come from, and how to report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def variable_options(function: F) -> F:
    """``--var-file`` (repeatable, in order) and ``--var NAME=VALUE`` (repeatable, wins)."""
    function = click.option(
        "--var",
        "var_options",
        multiple=True,
        metavar="NAME=VALUE",
        help="Set one variable (repeatable; later wins). VALUE is a string, or an "
        "HCL/JSON literal for numbers, bools, lists and objects.",
    )(function)
    function = click.option(
        "--var-file",
        "var_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Read variables from a .tfvars, .tfvars.json, .json, .yaml or .yml file "
        "(repeatable; later files win).",
    )(function)
    return function


# How many previews `apply --each`/`destroy --each`/`destroy --expired` work on at once:
# most of a preview's time is spent waiting for the operator, not computing.
DEFAULT_CONCURRENCY = 8


def concurrency_option(function: F) -> F:
    return click.option(
        "--concurrency",
        type=click.IntRange(min=1),
        default=DEFAULT_CONCURRENCY,
        show_default=True,
        metavar="N",
        help="With --each or --expired: how many previews to work on at once.",
    )(function)


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
