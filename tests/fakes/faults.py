"""Faults injected at lightkube's transport seam: what a real API server cannot be made
to do on demand.

`KubeClient.connect(..., transport=...)` (src/wildside_valkey/apply/client.py)
hands lightkube an httpx transport. `FaultTransport` wraps the real one (for
the end-to-end cluster, one that trusts its CA and presents its client
certificate) and, for requests matching a `TransportFault`, answers a
kube-apiserver `Status` (a 5xx, a 429 with `Retry-After`), or fails the way the
network does: `reset` (httpx's ReadError on a connection reset by peer),
`close` (the server closed the connection without answering:
RemoteProtocolError) or `timeout` (the request reaches the server and is
processed, but the answer comes too late: ReadTimeout). Every other request
goes to the real API server as usual.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx2 as httpx

# Kubernetes' reasons and messages for a bare status code (apimachinery
# pkg/api/errors/errors.go and the apiserver's filters).
DEFAULT_REASONS: dict[int, str] = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}
DEFAULT_MESSAGES: dict[int, str] = {
    401: "Unauthorized",
    429: "Too many requests, please try again later.",
    500: "Internal error occurred: injected fault",
    503: "the server is currently unable to handle the request",
    504: "Timeout: request did not complete within requested timeout - context deadline exceeded",
}


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    """A `Status` object as kube-apiserver sends it for a failure."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


@dataclass
class TransportFault:
    """Fail the next `times` requests (None: all) whose method and path match.

    `path` is a regular expression searched in the URL path.
    """

    action: Literal["status", "reset", "close", "timeout"] = "status"
    method: str = "*"
    path: str = ".*"
    code: int = 500
    retry_after: int | None = None
    times: int | None = 1
    hits: list[tuple[str, str]] = field(default_factory=list)

    def take(self, request: httpx.Request) -> bool:
        if len(self.hits) == self.times or self.method not in ("*", request.method):
            return False
        if re.search(self.path, request.url.path) is None:
            return False
        self.hits.append((request.method, request.url.path))
        return True


class FaultTransport(httpx.BaseTransport):
    """The real transport, with `faults` injected in front of it."""

    def __init__(self, *faults: TransportFault, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.faults = list(faults)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = next((f for f in self.faults if f.take(request)), None)
        if fault is None:
            return self.inner.handle_request(request)
        if fault.action == "reset":
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if fault.action == "close":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        if fault.action == "timeout":
            self.inner.handle_request(request).close()
            raise httpx.ReadTimeout("timed out", request=request)
        reason = DEFAULT_REASONS.get(fault.code, "Unknown")
        body = status_body(fault.code, reason, DEFAULT_MESSAGES.get(fault.code, reason))
        headers = {"Content-Type": "application/json"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
            body["details"] = {"retryAfterSeconds": fault.retry_after}
        return httpx.Response(fault.code, headers=headers, content=json.dumps(body).encode())

    def close(self) -> None:
        self.inner.close()
