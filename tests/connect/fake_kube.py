"""A minimal Kubernetes API on loopback: GET one Secret, 404 and 403 like the real one.

No API server can run here, and reading a Secret is a single GET, so a small
HTTP server that answers it with real Kubernetes JSON exercises the real
lightkube client, kubeconfig loading and error handling end to end.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

_SECRET_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/secrets/([^/?]+)$")
TOKEN = "test-token"


@dataclass
class FakeKube:
    """Secrets by (namespace, name), and the namespaces the token may not read."""

    secrets: dict[tuple[str, str], dict[str, bytes]] = field(default_factory=dict)
    forbidden_namespaces: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def kubeconfig(self, path: Path, context: str = "fake") -> Path:
        """Write a kubeconfig whose ``context`` points here; another context points nowhere."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "elsewhere",
            "clusters": [
                {"name": "fake", "cluster": {"server": self.url}},
                {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}},
            ],
            "users": [{"name": "tester", "user": {"token": TOKEN}}],
            "contexts": [
                {"name": context, "context": {"cluster": "fake", "user": "tester"}},
                {"name": "elsewhere", "context": {"cluster": "nowhere", "user": "tester"}},
            ],
        }
        path.write_text(yaml.safe_dump(config))
        return path


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def _handler(state: FakeKube) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            match = _SECRET_PATH.match(self.path.split("?", 1)[0])
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, _status(401, "Unauthorized", "Unauthorized"))
            elif match is None:
                self._send(404, _status(404, "NotFound", "the server could not find it"))
            elif match.group(1) in state.forbidden_namespaces:
                namespace, name = match.groups()
                message = (
                    f'secrets "{name}" is forbidden: User "tester" cannot get resource '
                    f'"secrets" in API group "" in the namespace "{namespace}"'
                )
                self._send(403, _status(403, "Forbidden", message))
            else:
                self._secret(*match.groups())

        def _secret(self, namespace: str, name: str) -> None:
            data = state.secrets.get((namespace, name))
            if data is None:
                self._send(404, _status(404, "NotFound", f'secrets "{name}" not found'))
                return
            body = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": namespace},
                "type": "Opaque",
                "data": {key: base64.b64encode(value).decode() for key, value in data.items()},
            }
            self._send(200, body)

        def _send(self, code: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

    return Handler


@contextmanager
def serve_fake_kube() -> Iterator[FakeKube]:
    state = FakeKube()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval keeps shutdown() (and so each test) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
