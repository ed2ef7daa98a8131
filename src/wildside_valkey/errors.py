"""The project's own error hierarchy.

Every error a user can cause or meet derives from :class:`WildsideError` and
carries the exit status the CLI returns for it, so the CLI never has to guess
(0 success, 1 policy denial or operation failure, 2 bad input). Library errors
are wrapped with ``raise ... from`` so the cause stays inspectable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def _listed(heading: str, items: Iterable[object]) -> str:
    return "\n".join([heading, *(f"  - {item}" for item in items)])


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
        super().__init__(_listed(f"{count} {noun} with the variables:", self.problems))


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


# A workload connecting to the cluster a contract describes. Each error says what
# failed and what to do about it, and none ever holds the password: messages name
# the *source* of a password, never its value.


class CaFileError(BadInputError):
    """The CA certificate file given cannot be read or holds no PEM certificate (exit 2)."""


class ConnectOptionError(BadInputError):
    """An option given to ``connect``/``check`` is malformed, e.g. an address map entry (exit 2)."""


class ConnectError(OperationError):
    """Base of every failure to reach and use the Valkey cluster (exit 1)."""


class PasswordMissingError(ConnectError):
    """The contract asks for a password and none of the sources tried had one."""

    def __init__(self, tried: Sequence[str]) -> None:
        self.tried: tuple[str, ...] = tuple(tried)
        super().__init__(_listed("no Valkey password found; sources tried, in order:", self.tried))


class PasswordSourceError(ConnectError):
    """A password source exists but cannot be read (unreadable file, Secret without the key)."""


class SecretReadError(ConnectError):
    """A Kubernetes Secret named by the contract cannot be read through the API."""


class AuthenticationFailedError(ConnectError):
    """The server refused the password (WRONGPASS) or wants one that was not sent (NOAUTH)."""


class CertificateError(ConnectError):
    """The server's TLS certificate cannot be accepted."""


class CertificateMismatchError(CertificateError):
    """The certificate is trusted but does not name the host the contract says to verify."""


class CertificateUntrustedError(CertificateError):
    """The certificate is not signed by the CA given (or by the system's CAs when none is)."""


class TlsHandshakeError(ConnectError):
    """The TLS handshake failed for another reason (plain-text server, protocol mismatch)."""


class ServerUnreachableError(ConnectError):
    """Nothing answers at the address (connection refused, unknown host, no route)."""


class ServerTimeoutError(ServerUnreachableError):
    """The server did not answer within the timeout."""


class ClusterModeError(ConnectError):
    """The server's mode disagrees with the client's (cluster client on a standalone server)."""


class CheckFailedError(OperationError):
    """A step of ``check`` got an answer other than the one it expects (exit 1)."""
