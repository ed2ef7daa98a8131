"""The project's own error hierarchy.

Every error a user can cause or meet derives from :class:`WildsideError` and
carries the exit status the CLI returns for it, so the CLI never has to guess
(0 success, 1 policy denial or operation failure, 2 bad input). Library errors
are wrapped with ``raise ... from`` so the cause stays inspectable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2


class WildsideError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code: int = EXIT_FAILURE


class BadInputError(WildsideError):
    """The user's input cannot be used as given (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class Problem(NamedTuple):
    """One broken rule: the variable (dotted path for nested values) and what is wrong."""

    variable: str
    message: str

    def __str__(self) -> str:
        return f'variable "{self.variable}": {self.message}'


class VariablesError(BadInputError):
    """One or more variables break their rules; all of them are reported at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{count} {noun} with the variables:"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class VarFileError(BadInputError):
    """A --var-file cannot be read or parsed."""


class ModeMismatchError(VariablesError):
    """The ``mode`` variable disagrees with the command that was run."""


class ContractError(BadInputError):
    """A contract (JSON, YAML, VALKEY_* variables) is missing a field or is malformed (exit 2)."""


class OutputDirectoryError(WildsideError):
    """The render output folder could not be written (exit 1)."""


class UnsafeOutputError(OutputDirectoryError, BadInputError):
    """The render output folder is not one render may replace (exit 2: choose another)."""

    exit_code = EXIT_BAD_INPUT


class PolicyDenied(WildsideError):  # noqa: N818 - reads as a verdict
    """At least one policy rule denied the manifests (exit 1)."""


class OperationError(WildsideError):
    """A live operation (apply, destroy, connect, check) failed (exit 1)."""
