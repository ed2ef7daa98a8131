"""Connections whose connect timeouts name the node that did not answer.

valkey-py says only "Timeout connecting to server" when a connection times out
(``valkey/connection.py``, ``AbstractConnection.connect``), while a refused
connection names the address ("Error 111 connecting to host:port"). In cluster
mode the client dials nodes the seed announced, so without the address a
timeout could only be blamed on the seed, which did answer.
"""

from __future__ import annotations

from valkey import exceptions as vx
from valkey.connection import Connection

_UNNAMED_TIMEOUT = "Timeout connecting to server"


class NamedTimeoutMixin:
    """Re-raises valkey-py's anonymous connect timeout with ``host:port`` in it."""

    host: str
    port: int

    def connect(self) -> None:
        try:
            super().connect()  # type: ignore[misc]
        except vx.TimeoutError as exc:
            if str(exc) != _UNNAMED_TIMEOUT:
                raise
            host = f"[{self.host}]" if ":" in self.host else self.host
            raise vx.TimeoutError(f"Timeout connecting to {host}:{self.port}") from exc


def with_named_timeouts(connection_class: type[Connection]) -> type[Connection]:
    """``connection_class`` whose connect timeouts name the address dialled."""
    named: type[Connection] = type(
        connection_class.__name__, (NamedTimeoutMixin, connection_class), {}
    )
    return named
