"""Errors a workload meets while connecting to the cluster a contract describes.

Each one says what failed and what to do about it, and none of them ever holds
the password: messages name the *source* of a password, never its value. The
library error that caused one stays reachable as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Sequence

from wildside_valkey.errors import BadInputError, ContractError, OperationError

__all__ = ["ContractError"]  # re-exported: it belongs to the contract, workloads meet it here


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
        lines = ["no Valkey password found; sources tried, in order:"]
        lines.extend(f"  - {source}" for source in self.tried)
        super().__init__("\n".join(lines))


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
