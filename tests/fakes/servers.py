"""Servers on loopback for what a real API server cannot be made to do on demand, when the
product runs as its own process (where tests/fakes/faults.py cannot reach its transport):

* `closed_port_url()`: nothing listens there, connections are refused;
* `silent_server()`: accepts connections and never answers;
* `status_server(code)`: answers every request with a kube-apiserver `Status` of that code
  (a 500, a 503, a 429 with Retry-After), as an apiserver in trouble or an overloaded
  proxy in front of it does.

Everything a working API server does is the real one's: tests/e2e.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.faults import DEFAULT_MESSAGES, DEFAULT_REASONS, status_body


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


@contextmanager
def status_server(code: int, *, retry_after: int | None = None) -> Iterator[str]:
    """A loopback server answering every request with a `Status` of `code`."""
    reason = DEFAULT_REASONS.get(code, "Unknown")
    body = status_body(code, reason, DEFAULT_MESSAGES.get(code, reason))
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
        body["details"] = {"retryAfterSeconds": retry_after}
    payload = json.dumps(body).encode()

    class Failing(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(code)
            for key, value in {**headers, "Content-Length": str(len(payload))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer  # noqa: N815

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
