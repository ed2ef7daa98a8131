"""API and transport failures, classified (transient or not) and said in plain words.

The request each error belongs to travels with it (``Operation``), so a refusal
names the verb and the resource (``cannot patch secrets in namespace "valkey"``)
and a conflict names the field manager that owns each field. What the server (or the
transport) says is its own words: each piece goes through ``redact.foreign`` as it enters
a message, so a server quoting the password does not show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from lightkube import ApiError

from ..errors import OperationError, WildsideError
from .kinds import Kind
from .ownership import FIELD_MANAGER
from .redact import foreign
from .retry import Transient

TRANSIENT_CODES = frozenset({429, 500, 502, 503, 504})
_MANAGER = re.compile(r'conflict with "([^"]+)"')


@dataclass(frozen=True, slots=True)
class Operation:
    """One request, as RBAC sees it: a verb on a resource (in a namespace, of a name)."""

    verb: str  # get, list, patch, delete
    kind: Kind
    namespace: str | None = None
    name: str | None = None

    @property
    def scope(self) -> str:
        if self.namespace == "*":
            return "in all namespaces"
        if self.namespace is not None:
            return f'in namespace "{self.namespace}"'
        return "at the cluster scope"

    def describe(self) -> str:
        if self.name is None:
            return f"{self.verb} {self.kind.resource} {self.scope}"
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.verb} {self.kind.kind} {where}{self.name}"


class ApiRequestError(OperationError):
    """An API request failed for good; ``status_code`` is the HTTP code when there was one."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class FieldConflict:
    field: str
    manager: str


class ConflictError(ApiRequestError):
    """Server-side apply refused to change fields another field manager owns."""

    def __init__(self, message: str, conflicts: tuple[FieldConflict, ...]) -> None:
        super().__init__(message, 409)
        self.conflicts = conflicts


def status_code(error: BaseException) -> int | None:
    if isinstance(error, ApiError):
        code = getattr(error.status, "code", None)
        return int(code) if code else error.response.status_code
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.status_code
    return None


def classify(error: Exception) -> Transient | None:
    """Transient: 429, 5xx gateways and overload, resets, refused connections, timeouts."""
    code = status_code(error)
    if code is not None:
        if code not in TRANSIENT_CODES:
            return None
        return Transient(f"{code} {foreign(_reason(error))}".strip(), _retry_after(error))
    if isinstance(error, httpx.TimeoutException):
        # A connect timeout is a network that drops packets; any other is a server
        # that accepted the request and kept silent.
        silent = not isinstance(error, httpx.ConnectTimeout)
        return Transient(f"timeout ({type(error).__name__})", silent=silent)
    if isinstance(error, httpx.TransportError):
        return Transient(f"connection failed ({type(error).__name__})")
    return None


def _reason(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return str(getattr(error.status, "reason", "") or "")
    if isinstance(error, httpx.HTTPStatusError):
        return error.response.reason_phrase
    return ""


def _retry_after(error: BaseException) -> float | None:
    response = getattr(error, "response", None)
    header = response.headers.get("Retry-After") if response is not None else None
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None  # an HTTP date: fall back to our own backoff
    if isinstance(error, ApiError):
        details = getattr(error.status, "details", None)
        seconds = getattr(details, "retryAfterSeconds", None)
        if seconds:
            return float(seconds)
    return None


def _message(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return str(getattr(error.status, "message", "") or error)
    if isinstance(error, httpx.HTTPStatusError):
        text = error.response.text.strip().splitlines()
        return f"HTTP {error.response.status_code}" + (f": {text[0][:200]}" if text else "")
    return str(error) or type(error).__name__


def translate(error: Exception, operation: Operation, server: str, attempts: int) -> WildsideError:
    """The project error for a request that failed for good (retries included)."""
    if isinstance(error, WildsideError):
        return error
    code = status_code(error)
    message = foreign(_message(error))
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    if code is None:
        return _transport_failure(error, operation, server, tried)
    if code == 401:
        return ApiRequestError(
            f"the API server at {server} refused our credentials (401 Unauthorized) "
            f"while trying to {operation.describe()}: check the user of the kubeconfig context",
            code,
        )
    if code == 403:
        return ApiRequestError(
            f"cannot {operation.verb} {operation.kind.resource} {operation.scope}: {message}",
            code,
        )
    if code == 409 and operation.verb == "patch" and isinstance(error, ApiError):
        conflict = _conflict(error, operation)
        if conflict is not None:
            return conflict
    if code == 404 and operation.verb == "patch":
        return ApiRequestError(_missing_on_apply(operation, message), code)
    if code == 422:
        return ApiRequestError(
            f"the API server rejected {operation.describe().partition(' ')[2]}: {message}", code
        )
    return ApiRequestError(f"cannot {operation.describe()}: {code} {message}{tried}", code)


def _transport_failure(
    error: Exception, operation: Operation, server: str, tried: str
) -> WildsideError:
    if isinstance(error, httpx.TimeoutException):
        return ApiRequestError(
            f"the Kubernetes API server at {server} did not answer within the request "
            f"timeout (--request-timeout) while trying to {operation.describe()}{tried}"
        )
    if isinstance(error, httpx.ConnectError):
        return ApiRequestError(
            f"cannot reach the Kubernetes API server at {server}{tried}: {foreign(str(error))}"
        )
    return ApiRequestError(
        f"the connection to the Kubernetes API server at {server} failed while trying to "
        f"{operation.describe()}{tried}: {type(error).__name__}: {foreign(str(error))}"
    )


def _missing_on_apply(operation: Operation, message: str) -> str:
    if operation.namespace and f'namespaces "{operation.namespace}" not found' in message:
        return (
            f'namespace "{operation.namespace}" does not exist: create it, '
            "or set create_namespaces = true"
        )
    return (
        f"the cluster does not serve {operation.kind.api_version} {operation.kind.kind} "
        f"({message}): is its CustomResourceDefinition installed?"
    )


def _conflict(error: ApiError, operation: Operation) -> ConflictError | None:
    details = getattr(error.status, "details", None)
    causes: list[Any] = list(getattr(details, "causes", None) or [])
    conflicts: list[FieldConflict] = []
    for cause in causes:
        if getattr(cause, "reason", None) != "FieldManagerConflict":
            continue
        found = _MANAGER.search(str(getattr(cause, "message", "")))
        manager = foreign(found.group(1)) if found else "another field manager"
        conflicts.append(FieldConflict(foreign(str(getattr(cause, "field", ""))), manager))
    if not conflicts:
        return None  # a stale-write conflict, not an ownership one
    lines = [f"{c.field} is managed by {c.manager!r}" for c in conflicts]
    managers = sorted({c.manager for c in conflicts})
    text = (
        f"conflict applying {operation.describe().partition(' ')[2]}: "
        f"{len(conflicts)} field(s) are owned by another field manager:\n"
        + "\n".join(f"  - {line}" for line in lines)
        + f"\nEither change them back through {', '.join(map(repr, managers))} (or stop it "
        f"from managing them), or re-run with --force-conflicts to make {FIELD_MANAGER!r} "
        "take them over."
    )
    return ConflictError(text, tuple(conflicts))
