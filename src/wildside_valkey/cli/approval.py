"""Asking before changing a cluster, as ``tofu apply``/``tofu destroy`` do.

On a terminal the command shows what it will do and goes ahead only on the
answer ``yes``, in the words of ``tofu apply``'s question ("Do you want to
perform these actions?" ... "Only 'yes' will be accepted to approve." and
"Enter a value:"; a cancel ends with "Apply cancelled." and exit status 1). ``--auto-approve``
skips the question. When standard input is not a terminal nobody can answer:
the command goes ahead and says so, so a pipeline that moved over from
``tofu apply -auto-approve`` keeps working either way.
"""

from __future__ import annotations

import sys
from typing import TextIO

import click

from ..errors import WildsideError


class Cancelled(WildsideError):  # noqa: N818 - reads as the outcome
    """The user did not answer ``yes`` (exit 1, as tofu)."""


_QUESTIONS = {
    "apply": (
        "Do you want to perform these actions?\n"
        "  wildside-valkey will perform the actions described above.\n"
        "  Only 'yes' will be accepted to approve."
    ),
    "destroy": (
        "Do you really want to destroy this Valkey cluster?\n"
        "  wildside-valkey will delete what is listed above. There is no undo.\n"
        "  Only 'yes' will be accepted to confirm."
    ),
}


def needs_question(auto_approve: bool, stdin: TextIO | None = None) -> bool:
    """True when the user must be asked: no --auto-approve and a terminal to answer on."""
    stream = stdin or sys.stdin
    return not auto_approve and stream is not None and stream.isatty()


def unattended_note(command: str, auto_approve: bool) -> str | None:
    """What to say when nobody was asked: nothing after --auto-approve."""
    if auto_approve:
        return None
    return (
        f"{command}: standard input is not a terminal, so no confirmation is asked; "
        "going ahead (--auto-approve says so explicitly)"
    )


def ask(command: str) -> None:
    """Ask on the terminal; anything but ``yes`` cancels (exit 1)."""
    click.echo("\n" + _QUESTIONS[command] + "\n", err=True)
    answer = click.prompt("  Enter a value", default="", show_default=False, err=True)
    click.echo("", err=True)
    if answer.strip() != "yes":
        raise Cancelled(f"{command.capitalize()} cancelled.")
