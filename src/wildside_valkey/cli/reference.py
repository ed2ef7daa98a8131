"""The commands' reference in docs/commands.md, generated from the commands themselves.

Each command's help, usage and options are what ``--help`` prints, read through
click, so the document cannot miss an option or keep one that is gone
(``make docs`` writes it; the test suite fails when it is stale).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import click

from .main import COMMANDS, cli

# The variable options, shared by most commands: described once, then named per command.
_VARIABLE_OPTIONS = ("var_files", "var_options")


def commands_reference() -> str:
    """Markdown: the variable options, then per command its help, usage and options."""
    root = click.Context(cli, info_name="wildside-valkey", **cli.context_settings)
    contexts = []
    for name in COMMANDS:
        command = cli.get_command(root, name)
        if command is not None:
            contexts.append(click.Context(command, info_name=name, parent=root))
    shared = [p for p in contexts[0].command.params if p.name in _VARIABLE_OPTIONS]
    lines = [
        "`[vars]`, the variable options: every command but `list` reads the variables from "
        "them, on top of `TF_VAR_` variables and auto-loaded var files "
        "([variables.md](variables.md)):",
        "",
        *_table(contexts[0], shared),
    ]
    for ctx in contexts:
        lines += _section(ctx)
    return "\n".join(lines)


def _section(ctx: click.Context) -> list[str]:
    command = ctx.command
    usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
    lines = [f"### `{ctx.info_name}`", "", *_paragraphs(command.help or ""), f"`{usage}`", ""]
    help_option = command.get_help_option(ctx)
    options = [
        p
        for p in command.get_params(ctx)
        if isinstance(p, click.Option) and p is not help_option and p.name not in _VARIABLE_OPTIONS
    ]
    takes_vars = any(p.name in _VARIABLE_OPTIONS for p in command.params)
    if options or takes_vars:
        lines += _table(ctx, options, with_vars=takes_vars)
    if command.epilog:
        lines += _paragraphs(command.epilog)
    return lines


def _table(
    ctx: click.Context, options: Sequence[click.Parameter], *, with_vars: bool = False
) -> list[str]:
    rows = ["| option | meaning |", "| --- | --- |"]
    if with_vars:
        rows.append("| `[vars]` | the variable options above |")
    for option in options:
        record = option.get_help_record(ctx)
        if record is not None:
            rows.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
    return [*rows, ""]


def _paragraphs(text: str) -> list[str]:
    """Each paragraph of a help text on one line, followed by a blank line."""
    lines: list[str] = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        lines += [" ".join(paragraph.split()), ""]
    return lines


def _cell(text: str) -> str:
    # A table cell ends at "|": click's choices ([text|json]) are escaped.
    return " ".join(text.split()).replace("|", "\\|")
