"""Turn valkey-py and socket errors into the project's connect errors.

valkey-py wraps the real cause: the cluster client raises
``ValkeyClusterException(...) from AuthenticationError``, a failed TLS
handshake becomes ``ConnectionError`` raised while handling
``SSLCertVerificationError``. So the whole ``__cause__``/``__context__`` chain
is searched, most specific cause first.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from valkey import exceptions as vx

from wildside_valkey.errors import (
    AuthenticationFailedError,
    CertificateMismatchError,
    CertificateUntrustedError,
    ClusterModeError,
    ConnectError,
    ServerTimeoutError,
    ServerUnreachableError,
    TlsHandshakeError,
)
from wildside_valkey.workload.wording import LIBRARY, Wording

# What valkey-py raises while talking to a server: its own errors, the cluster
# client's (which do not derive from ValkeyError), and socket/ssl errors.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    vx.ValkeyError,
    vx.ValkeyClusterException,
    OSError,
)

# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH.
_NAME_MISMATCH_CODES = frozenset({62, 64})
_NO_AUTH_MARKERS = ("authentication required", "noauth")
_NO_PASSWORD_SET_MARKERS = ("without any password configured", "no password is set")
_DROPPED_MARKERS = ("closed by server", "reset by peer")
_NOT_CLUSTER_MARKERS = ("cluster support disabled", "cluster mode is not enabled")


@dataclass(frozen=True, slots=True)
class Attempt:
    """What was being tried, for the message: never holds the password itself."""

    address: str
    tls_server_name: str | None
    password_source: str | None
    cluster: bool
    wording: Wording = LIBRARY  # how a hint names the caller's options


def translate(exc: BaseException, attempt: Attempt) -> ConnectError:
    """The ConnectError that explains ``exc``; raise it ``from exc``."""
    chain = list(_chain(exc))
    # The first rule that any error of the chain matches wins: most specific first.
    for matches, explain in _RULES:
        for err in chain:
            if matches(err):
                return explain(err, attempt)
    return ConnectError(f"talking to {attempt.address} failed: {exc}")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        err = pending.pop(0)
        if id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        pending.extend(e for e in (err.__cause__, err.__context__) if e is not None)


def _mentions(err: BaseException, markers: tuple[str, ...]) -> bool:
    text = str(err).lower()
    return any(marker in text for marker in markers)


def _certificate_error(err: ssl.SSLCertVerificationError, attempt: Attempt) -> ConnectError:
    detail = err.verify_message or str(err)
    if err.verify_code in _NAME_MISMATCH_CODES:
        return CertificateMismatchError(
            f"the certificate served at {attempt.address} does not name "
            f"{attempt.tls_server_name!r} ({detail}): the contract's host must be one of the "
            "certificate's DNS names"
        )
    return CertificateUntrustedError(
        f"the certificate served at {attempt.address} is not trusted ({detail}): give the "
        f"cluster's CA ({attempt.wording.ca})"
    )


def _authentication_error(err: BaseException, attempt: Attempt) -> ConnectError:
    if _mentions(err, _NO_AUTH_MARKERS):
        if attempt.password_source is None:
            return AuthenticationFailedError(
                f"{attempt.address} requires a password (NOAUTH) but none was sent: the "
                f"contract says anonymous auth; {attempt.wording.give_password}"
            )
        return AuthenticationFailedError(f"{attempt.address} requires a password (NOAUTH)")
    if _mentions(err, _NO_PASSWORD_SET_MARKERS):
        return AuthenticationFailedError(
            f"{attempt.address} has no password configured but the password from "
            f"{attempt.password_source} was sent: the server allows anonymous access"
        )
    return AuthenticationFailedError(
        f"{attempt.address} refused the password from {attempt.password_source} (WRONGPASS): "
        "it does not match the server's"
    )


def _cluster_mode_error(attempt: Attempt) -> ConnectError:
    if attempt.cluster:
        return ClusterModeError(
            f"{attempt.address} does not run in cluster mode: connect with "
            f"{attempt.wording.standalone}"
        )
    return ClusterModeError(f"{attempt.address} refused a command because of its cluster mode")


def _timeout_message(err: BaseException, attempt: Attempt) -> str:
    message = f"{attempt.address} did not answer in time ({err})"
    if attempt.cluster and _names_another_node(err, attempt):
        # The seed answered; a node it announced did not (a pod IP seen from
        # outside the cluster drops the connection attempt rather than refusing it).
        return (
            f"the cluster reached through {attempt.address} announces a node that did not "
            f"answer in time: {err} ({_remap_hint(attempt)})"
        )
    if attempt.tls_server_name is not None and "connecting" in str(err).lower():
        # A plain-text server reads a TLS hello as the start of a command and
        # waits for the rest: the handshake hangs rather than fails.
        message += " (if the server does not serve TLS, the contract's tls.enabled must be false)"
    return message


_TRAILING_ADDRESS = re.compile(r"((?:\[[^\]]+\]|[^\s\[\]]+):[0-9]+)\.?$")


def _remap_hint(attempt: Attempt) -> str:
    return f"map announced addresses with {attempt.wording.address_map}"


def _names_another_node(err: BaseException, attempt: Attempt) -> bool:
    """True when the error names an address, and it is not the one dialled."""
    match = _TRAILING_ADDRESS.search(str(err))
    return match is not None and match.group(1) != attempt.address


def _unreachable_message(err: BaseException, attempt: Attempt) -> str:
    message = f"cannot reach {attempt.address}: {err}"
    if attempt.cluster and attempt.address not in str(err):
        # The seed answered but another node did not: it announced an address
        # this machine cannot reach (a pod IP seen through a port-forward).
        message = (
            f"the cluster reached through {attempt.address} announces a node this client "
            f"cannot reach: {err} ({_remap_hint(attempt)})"
        )
    if attempt.tls_server_name is None and _mentions(err, _DROPPED_MARKERS):
        # A TLS-only server drops a plain-text client without a word.
        message += " (if the server uses TLS, the contract's tls.enabled must be true)"
    return message


def _handshake_error(err: BaseException, attempt: Attempt) -> ConnectError:
    reason = getattr(err, "reason", None) or err
    return TlsHandshakeError(
        f"TLS handshake with {attempt.address} failed ({reason}): "
        "is the server really serving TLS on this port?"
    )


def _resolve_error(err: BaseException, attempt: Attempt) -> ConnectError:
    return ServerUnreachableError(
        f"cannot resolve the host of {attempt.address} ({getattr(err, 'strerror', err)}): "
        "Service names resolve only inside the cluster; from outside, port-forward and pass "
        f"{attempt.wording.host_port}"
    )


Explain = Callable[[BaseException, Attempt], ConnectError]
_RULES: tuple[tuple[Callable[[BaseException], bool], Explain], ...] = (
    (
        lambda err: isinstance(err, ssl.SSLCertVerificationError),
        lambda err, attempt: _certificate_error(cast(ssl.SSLCertVerificationError, err), attempt),
    ),
    (
        lambda err: isinstance(
            err, vx.AuthenticationError | vx.AuthenticationWrongNumberOfArgsError
        ),
        _authentication_error,
    ),
    (
        lambda err: _mentions(err, _NOT_CLUSTER_MARKERS),
        lambda _err, attempt: _cluster_mode_error(attempt),
    ),
    (lambda err: isinstance(err, ssl.SSLError), _handshake_error),
    (
        lambda err: isinstance(err, vx.TimeoutError | socket.timeout),
        lambda err, attempt: ServerTimeoutError(_timeout_message(err, attempt)),
    ),
    (lambda err: isinstance(err, socket.gaierror), _resolve_error),
    (
        lambda err: isinstance(err, vx.ConnectionError | OSError),
        lambda err, attempt: ServerUnreachableError(_unreachable_message(err, attempt)),
    ),
)
