"""TLS for the cluster: which CA to trust, and which name to verify.

valkey-py verifies the certificate against the address it dials
(``server_hostname=self.host``). That fails twice with this operator: through a
port-forward the address is 127.0.0.1, and in cluster mode the nodes announce
pod IPs, which the operator's certificate does not list (it lists Service
names only). Every node serves the same certificate, so the identity to check
is the contract's Service name, whatever address carries the bytes. The
connection class below dials the node's address and verifies that one name.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from valkey.connection import Connection

from wildside_valkey.errors import CaFileError, ContractError, SecretReadError
from wildside_valkey.workload.contract_view import ContractView, SecretRef
from wildside_valkey.workload.password import DEFAULT_SECRETS_DIR

DEFAULT_CA_FILE = DEFAULT_SECRETS_DIR / "ca.crt"
_PEM_MARKER = "-----BEGIN CERTIFICATE-----"


class PinnedNameTLSConnection(Connection):
    """A TLS connection that verifies a fixed name instead of the dialed address.

    Subclassed per client by :func:`pinned_connection_class`: valkey-py's cluster
    client drops connection keyword arguments it does not know, so the context
    and the name travel as class attributes.
    """

    ssl_context: ClassVar[ssl.SSLContext]
    server_hostname: ClassVar[str]

    def _connect(self) -> socket.socket:
        sock: socket.socket = super()._connect()  # type: ignore[no-untyped-call]
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.server_hostname)
        except BaseException:
            sock.close()
            raise


def pinned_connection_class(
    context: ssl.SSLContext, server_hostname: str
) -> type[PinnedNameTLSConnection]:
    """A connection class bound to ``context`` that verifies ``server_hostname``."""
    return type(
        "PinnedNameTLSConnection",
        (PinnedNameTLSConnection,),
        {"ssl_context": context, "server_hostname": server_hostname},
    )


def build_ssl_context(ca_pem: str | None) -> ssl.SSLContext:
    """A client context that requires a valid certificate and checks the host name.

    With a CA given, only that CA is trusted (the cluster's own issuer), not the
    system store: a public certificate for the same name must not pass.
    """
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=ca_pem)
    except ssl.SSLError as exc:
        raise CaFileError(f"the CA certificate cannot be loaded: {exc.reason or exc}") from exc
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def load_ca(
    view: ContractView,
    *,
    ca_file: Path | None,
    ca_from_secret: bool,
    read_secret: Callable[[SecretRef], bytes],
) -> tuple[str | None, str]:
    """The CA to trust as PEM text (None: the system store) and where it came from.

    Precedence: ``ca_file``, then the contract's CA Secret when asked, then the
    default mount ``/var/run/secrets/valkey/ca.crt`` when it exists.
    """
    if ca_file is not None:
        return _read_ca_file(ca_file), f"file {ca_file}"
    if ca_from_secret:
        if view.ca_secret is None:
            raise ContractError(
                'the contract names no CA Secret ("tls.ca_secret" is null): pass a CA file instead'
            )
        return _pem_from_secret(read_secret(view.ca_secret), view.ca_secret), str(view.ca_secret)
    if DEFAULT_CA_FILE.is_file():
        return _read_ca_file(DEFAULT_CA_FILE), f"file {DEFAULT_CA_FILE}"
    return None, "the system trust store"


def _read_ca_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not PEM text"
        raise CaFileError(f"cannot read the CA file {path}: {reason}") from exc
    if _PEM_MARKER not in text:
        raise CaFileError(f"the CA file {path} holds no PEM certificate")
    return text


def _pem_from_secret(raw: bytes, ref: SecretRef) -> str:
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise SecretReadError(f"{ref} is not PEM text") from exc
    if _PEM_MARKER not in text:
        raise SecretReadError(f"{ref} holds no PEM certificate")
    return text
