"""A stateful fake of the Kubernetes API server, spoken to over real HTTP on loopback.

Apply mode talks to clusters through lightkube; no API server can run here, so
its tests point lightkube (via a real kubeconfig file) at this fake. The fake
aims to answer like kube-apiserver where apply mode can tell the difference:

* real REST paths for core (`/api/v1/...`), grouped, namespaced and
  cluster-scoped resources, the `/status` subresource, lists across namespaces,
  discovery documents and watches (`?watch=true`, used by `Client.wait`);
* create answers 201, server-side apply of a missing object creates it (201),
  conflicts answer 409 `Conflict` with apimachinery's exact wording, errors are
  `Status` objects sent as exactly `application/json` (lightkube only turns
  that content type into `ApiError`);
* metadata (uid, monotonic resourceVersion, generation, creationTimestamp,
  managedFields) is maintained, a no-op write changes nothing, and `status` only
  changes through `/status` or a test helper;
* label and field selectors, pagination, dry runs, finalizers, namespaces that
  must exist, RBAC-style refusals, CRD schemas (prune, default, validate).

Tests steer it directly: `seed`, `get`, `set_status`, `objects`, a request log,
fault injection (status codes, connection resets, slow answers), `forbid`
rules and reactors (`on`) that play the part of controllers.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import json
import re
import secrets
import socket
import struct
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes.kube_fields import (
    SERVER_METADATA,
    ApplyConflictError,
    ManagerEntry,
    PatchError,
    json_patch,
    merge_patch,
    record_update,
    server_side_apply,
)
from tests.fakes.kube_resources import (
    DEFAULT_RESOURCES,
    ResourceRegistry,
    ResourceType,
    resource_types_from_crd,
)
from tests.fakes.kube_schema import Cause, apply_defaults, prune, validate
from tests.fakes.kube_selectors import (
    SelectorError,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"

# Kubernetes' default reasons, used when a test injects a bare status code.
DEFAULT_REASONS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
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

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(
    code: int, reason: str, message: str, details: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A `Status` object as kube-apiserver sends it for a failure."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = dict(details)
    return body


class ApiStatusError(Exception):
    """Raised inside the fake to answer with a failure Status."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason or DEFAULT_REASONS.get(code, "Unknown")
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})

    def response(self) -> Response:
        body = status_body(self.code, self.reason, self.message, self.details)
        return Response(self.code, body, headers=self.headers)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Watches stream newline-delimited JSON events instead of one body.
    stream: Iterator[bytes] | None = None
    # Set by a fault: answer only after this many seconds.
    delay: float = 0.0
    # Set by a fault: drop the connection instead of answering.
    drop: Literal["reset", "close"] | None = None


@dataclass
class RecordedRequest:
    """One request as the fake saw it (the log is in arrival order)."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str | None
    body: Any
    headers: dict[str, str]
    user: str | None = None
    verb: str | None = None
    status: int = 0  # 0 when the connection was dropped by a fault
    fault: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def mutating(self) -> bool:
        return (
            self.method in ("POST", "PUT", "PATCH", "DELETE") and self.query.get("dryRun") != "All"
        )


@dataclass
class Fault:
    """An injected failure for requests whose method and path match.

    `path` is a regular expression searched in the URL path (no query string).
    `times=None` keeps the fault forever. `action`:
    `status` answers `code` with a Status body (and `Retry-After` when set),
    `reset` aborts the TCP connection (RST) without answering,
    `close` closes it cleanly without answering, and
    `delay` processes the request normally but answers `seconds` late, which is
    what a client timeout on a slow server looks like.
    """

    action: Literal["status", "reset", "close", "delay"] = "status"
    method: str = "*"
    path: str = ".*"
    code: int = 500
    reason: str | None = None
    message: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    times: int | None = 1
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in ("*", method.upper()):
            return False
        return re.search(self.path, path) is not None


@dataclass(frozen=True)
class ForbidRule:
    verb: str = "*"
    resource: str = "*"  # plural, or "plural/status"
    group: str | None = None
    namespace: str | None = None
    name: str | None = None
    user: str | None = None

    def matches(
        self,
        *,
        verb: str,
        resource: str,
        group: str,
        namespace: str | None,
        name: str | None,
        user: str,
    ) -> bool:
        return (
            self.verb in ("*", verb)
            and self.resource in ("*", resource)
            and (self.group is None or self.group == group)
            and (self.namespace is None or self.namespace == namespace)
            and (self.name is None or self.name == name)
            and (self.user is None or self.user == user)
        )


@dataclass(frozen=True)
class Event:
    """What a reactor sees. `obj`/`old` are copies as a client would read them."""

    verb: str  # "create", "update", "delete" or "get"
    resource: ResourceType
    namespace: str | None
    name: str
    obj: dict[str, Any] | None
    old: dict[str, Any] | None = None
    subresource: str = ""
    get_count: int = 0


Reactor = Callable[["FakeKubeApi", Event], None]


@dataclass
class _ReactorRule:
    verbs: frozenset[str]
    resource: ResourceType
    namespace: str | None
    name: str | None
    fn: Reactor


@dataclass
class StoredObject:
    resource: ResourceType
    obj: dict[str, Any]
    entries: list[ManagerEntry] = field(default_factory=list)
    get_count: int = 0


@dataclass(frozen=True)
class _WatchEvent:
    rv: int
    type: str
    group: str
    plural: str
    namespace: str
    obj: dict[str, Any]


_Key = tuple[str, str, str, str]  # group, plural, namespace ("" when cluster-scoped), name


@dataclass(frozen=True)
class _Route:
    resource: ResourceType
    namespace: str | None
    name: str | None
    subresource: str


class FakeKubeApi:
    """The fake server. Use as a context manager, or `start()`/`stop()`."""

    def __init__(
        self,
        resources: Iterable[ResourceType] = DEFAULT_RESOURCES,
        *,
        tokens: Mapping[str, str] | None = None,
        require_auth: bool = True,
        host: str = "127.0.0.1",
        watch_max_seconds: float = 30.0,
        server_version: str = "v1.33.1",
    ) -> None:
        self.registry = ResourceRegistry(resources)
        # Bearer token -> user name; the kubeconfig writer uses "fake-token".
        self.tokens: dict[str, str] = dict(tokens or {"fake-token": "fake-user"})
        self.require_auth = require_auth
        self.watch_max_seconds = watch_max_seconds
        self.server_version = server_version
        self._host = host
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._store: dict[_Key, StoredObject] = {}
        self._rv = 0
        self._history: list[_WatchEvent] = []
        self._requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.forbid_rules: list[ForbidRule] = []
        self._reactors: list[_ReactorRule] = []
        # Exceptions raised inside the fake or a reactor: a test bug, not an API
        # answer. The pytest fixture fails the test when any were recorded.
        self.internal_errors: list[str] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeKubeApi:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self._host, 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits up to one interval
            name="fake-kube-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        server.shutdown()
        server.close_all_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeKubeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake API server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    # ------------------------------------------------------------- test helpers

    def resource(self, name: str | ResourceType) -> ResourceType:
        return name if isinstance(name, ResourceType) else self.registry.find(name)

    def seed(
        self,
        obj: Mapping[str, Any],
        *,
        manager: str | None = "seed",
        operation: Literal["Apply", "Update"] = "Update",
        keep_status: bool = True,
    ) -> dict[str, Any]:
        """Store `obj` as if a client had created it earlier; returns what a GET shows.

        No namespace check, auth, fault or reactor applies. `manager` (with
        `operation`) owns every field, so a later apply that changes one of them
        conflicts exactly as on a cluster; `manager=None` records no owner, or
        pass `metadata.managedFields` in `obj` to set ownership precisely.
        Replaces an existing object of the same name.
        """
        api_version = str(obj.get("apiVersion", ""))
        group = api_version.rpartition("/")[0]
        res = next(
            (r for r in self.registry if r.group == group and r.kind == obj.get("kind")), None
        )
        if res is None:
            raise KeyError(f"no resource type registered for {api_version} {obj.get('kind')}")
        body = copy.deepcopy(dict(obj))
        meta = body.setdefault("metadata", {})
        name = str(meta.get("name", ""))
        ns = str(meta.get("namespace", "default")) if res.namespaced else ""
        if res.namespaced:
            meta["namespace"] = ns
        raw_entries = meta.pop("managedFields", None)
        with self._lock:
            status = body.get("status")
            body = self._normalize(res, body, creating=True)
            if keep_status and status is not None:
                body["status"] = status
            if raw_entries:
                entries = [ManagerEntry.from_json(e) for e in raw_entries]
            elif manager is not None:
                entries = record_update(
                    {},
                    body,
                    [],
                    manager=manager,
                    api_version=res.api_version,
                    now=now_rfc3339(),
                    status_subresource=res.status_subresource,
                )
                for e in entries:
                    e.operation = operation
            else:
                entries = []
            key = self._key(res, ns, name)
            existing = self._store.get(key)
            if existing is not None:
                # Updated in place (same uid): replacing a Namespace must not
                # delete what it contains.
                so = self._update(key, existing, body, entries, dry_run=False)
            else:
                so = self._insert(res, ns, name, body, entries)
            return self._render(so, res)

    def install_crd(self, crd: Mapping[str, Any] | str | Path) -> list[ResourceType]:
        """Seed a CustomResourceDefinition (dict or YAML file) and serve its types.

        With a CRD installed, writes to its kind are pruned, defaulted and
        validated against the CRD's schema like on a real cluster.
        """
        if not isinstance(crd, Mapping):
            crd = yaml.safe_load(Path(crd).read_text(encoding="utf-8"))
            assert isinstance(crd, Mapping)
        self.seed(crd)
        return resource_types_from_crd(dict(crd))

    def get(
        self, resource: str | ResourceType, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        res = self.resource(resource)
        with self._lock:
            so = self._store.get(self._key(res, namespace or "", name))
            return self._render(so, res) if so is not None else None

    def objects(
        self, resource: str | ResourceType | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        """Copies of the stored objects, optionally of one type and/or namespace."""
        res = self.resource(resource) if resource is not None else None
        with self._lock:
            out = []
            for (group, plural, ns, _), so in sorted(self._store.items()):
                if res is not None and (group, plural) != (res.group, res.plural):
                    continue
                if namespace is not None and ns != namespace:
                    continue
                out.append(self._render(so, so.resource))
            return out

    def set_status(
        self,
        resource: str | ResourceType,
        namespace: str | None,
        name: str,
        status: Mapping[str, Any],
        *,
        merge: bool = True,
        manager: str = "fake-controller",
    ) -> dict[str, Any]:
        """Change `status` as a controller would (through the status subresource)."""
        res = self.resource(resource)
        with self._lock:
            key = self._key(res, namespace or "", name)
            so = self._store.get(key)
            if so is None:
                raise KeyError(f"{res.qualified} {namespace}/{name} not found")
            new = copy.deepcopy(so.obj)
            if merge:
                new["status"] = merge_patch(new.get("status") or {}, dict(status))
            else:
                new["status"] = copy.deepcopy(dict(status))
            entries = record_update(
                so.obj,
                new,
                so.entries,
                manager=manager,
                api_version=res.api_version,
                now=now_rfc3339(),
                subresource="status",
                status_subresource=True,
            )
            old = self._render(so, res)
            so = self._update(key, so, new, entries, dry_run=False)
            self._fire("update", res, so, old, "status")
            return self._render(so, res)

    def delete_object(self, resource: str | ResourceType, namespace: str | None, name: str) -> bool:
        """Remove an object at once (finalizers ignored); False when it was absent."""
        res = self.resource(resource)
        with self._lock:
            key = self._key(res, namespace or "", name)
            so = self._store.get(key)
            if so is None:
                return False
            self._remove(so, key)
            return True

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def mutating_requests(self) -> list[RecordedRequest]:
        """Requests that could change state: POST/PUT/PATCH/DELETE, dry runs excluded."""
        return [r for r in self.requests() if r.mutating]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def fail(
        self,
        code: int,
        *,
        method: str = "*",
        path: str = ".*",
        times: int | None = 1,
        retry_after: int | None = None,
        message: str | None = None,
        reason: str | None = None,
    ) -> Fault:
        """Answer matching requests with `code` (and `Retry-After` when given)."""
        return self.add_fault(
            Fault(
                "status",
                method=method,
                path=path,
                code=code,
                reason=reason,
                message=message,
                retry_after=retry_after,
                times=times,
            )
        )

    def reset_connection(
        self, *, method: str = "*", path: str = ".*", times: int | None = 1
    ) -> Fault:
        return self.add_fault(Fault("reset", method=method, path=path, times=times))

    def close_connection(
        self, *, method: str = "*", path: str = ".*", times: int | None = 1
    ) -> Fault:
        return self.add_fault(Fault("close", method=method, path=path, times=times))

    def delay(
        self, seconds: float, *, method: str = "*", path: str = ".*", times: int | None = 1
    ) -> Fault:
        return self.add_fault(
            Fault("delay", method=method, path=path, seconds=seconds, times=times)
        )

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def forbid(
        self,
        verb: str = "*",
        resource: str = "*",
        *,
        group: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        user: str | None = None,
    ) -> ForbidRule:
        """Refuse `verb` on `resource` (plural, or `plural/status`) with RBAC's 403."""
        rule = ForbidRule(verb, resource, group, namespace, name, user)
        with self._lock:
            self.forbid_rules.append(rule)
        return rule

    def on(
        self,
        verbs: str | Iterable[str],
        resource: str | ResourceType,
        fn: Reactor,
        *,
        namespace: str | None = None,
        name: str | None = None,
    ) -> None:
        """Run `fn(api, event)` on `create`/`update`/`delete` (after the write) or `get`
        (before the answer is built, so a status set there is what the GET returns).

        Reactors run in the request thread while the fake is locked, so they may
        call `seed`, `set_status`, `get`, ... but must not make HTTP calls to it.
        """
        verb_set = frozenset([verbs] if isinstance(verbs, str) else verbs)
        unknown = verb_set - {"create", "update", "delete", "get"}
        if unknown:
            raise ValueError(f"unknown reactor verbs {sorted(unknown)}")
        with self._lock:
            self._reactors.append(
                _ReactorRule(verb_set, self.resource(resource), namespace, name, fn)
            )

    # ---------------------------------------------------------- request handling

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one request (the HTTP layer only moves bytes)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        content_type = lower.get("content-type")
        record = RecordedRequest(
            method=method,
            path=path,
            query=query,
            content_type=content_type,
            body=_parse_for_log(body, content_type),
            headers=dict(lower),
        )
        with self._lock:
            self._requests.append(record)
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault is not None:
                fault.hits += 1
        if fault is not None and fault.action in ("reset", "close"):
            record.fault = fault.action
            return Response(0, drop=fault.action)
        if fault is not None and fault.action == "status":
            record.fault = "status"
            headers_out = {}
            details: dict[str, Any] = {}
            if fault.retry_after is not None:
                headers_out["Retry-After"] = str(fault.retry_after)
                details["retryAfterSeconds"] = fault.retry_after
            failure = ApiStatusError(
                fault.code,
                fault.message or DEFAULT_MESSAGES.get(fault.code, f"injected fault ({fault.code})"),
                fault.reason,
                details,
                headers_out,
            )
            resp = failure.response()
            record.status = resp.status
            return resp
        try:
            resp = self._handle(
                method=method, path=path, query=query, headers=lower, body=body, record=record
            )
        except ApiStatusError as failure:
            resp = failure.response()
        except Exception:
            self.internal_errors.append(traceback.format_exc())
            resp = ApiStatusError(
                500, "Internal error occurred: the fake API server failed"
            ).response()
        if fault is not None and fault.action == "delay":
            record.fault = "delay"
            resp.delay = fault.seconds
        if record.warnings:
            resp.headers["Warning"] = ", ".join(
                '299 - "' + w.replace('"', '\\"') + '"' for w in record.warnings
            )
        record.status = resp.status
        return resp

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        auth = headers.get("authorization", "")
        if auth.startswith("Bearer "):
            user = self.tokens.get(auth[len("Bearer ") :].strip())
            if user is not None:
                return user
            raise ApiStatusError(401, "Unauthorized")
        if self.require_auth:
            raise ApiStatusError(401, "Unauthorized")
        return "system:anonymous"

    def _handle(
        self,
        *,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
        record: RecordedRequest,
    ) -> Response:
        user = self._authenticate(headers)
        record.user = user
        segments = [s for s in path.split("/") if s]
        if not segments or segments[0] in ("version", "healthz", "livez", "readyz"):
            return self._misc(segments)
        if segments[0] == "api" and len(segments) <= 2:
            return self._discovery_core(segments)
        if segments[0] == "apis" and len(segments) <= 3:
            return self._discovery_groups(segments)
        route = self._route(segments)
        verb = _verb(method, route, query)
        record.verb = verb
        self._authorize(verb, route, user)
        dry_run = query.get("dryRun")
        if dry_run not in (None, "All"):
            raise ApiStatusError(400, f"Invalid dry run value: {dry_run!r}")
        is_dry = dry_run == "All"
        manager = query.get("fieldManager") or _manager_from_agent(headers.get("user-agent", ""))
        with self._lock:
            if verb == "get":
                return self._get(route)
            if verb == "list":
                return self._list(route, query)
            if verb == "watch":
                return self._watch(route, query)
            if verb == "create":
                return self._create(route, _json_body(body), manager, is_dry)
            if verb == "update":
                return self._replace(route, _json_body(body), manager, is_dry)
            if verb == "patch":
                return self._patch(
                    route=route,
                    query=query,
                    headers=headers,
                    body=body,
                    manager=manager,
                    dry_run=is_dry,
                    record=record,
                )
            if verb == "delete":
                return self._delete(route, query, is_dry)
            if verb == "deletecollection":
                return self._delete_collection(route, query, is_dry)
        raise ApiStatusError(405, "the server does not allow this method on the requested resource")

    # ----------------------------------------------------------------- routing

    def _route(self, segments: list[str]) -> _Route:
        not_found = ApiStatusError(404, "the server could not find the requested resource")
        if segments[0] == "api":
            group, version, rest = "", segments[1], segments[2:]
        else:
            group, version, rest = segments[1], segments[2], segments[3:]
        namespace: str | None = None
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and (res := self.registry.lookup(group, version, rest[2])) is not None
            and res.namespaced
        ):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise not_found
        res = self.registry.lookup(group, version, rest[0])
        if res is None:
            raise not_found
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else ""
        if sub and (sub != "status" or not res.status_subresource):
            raise not_found
        if res.namespaced and namespace is None and name is not None:
            raise not_found
        return _Route(res, namespace, name, sub)

    def _authorize(self, verb: str, route: _Route, user: str) -> None:
        res = route.resource
        resource = f"{res.plural}/{route.subresource}" if route.subresource else res.plural
        for rule in self.forbid_rules:
            if rule.matches(
                verb=verb,
                resource=resource,
                group=res.group,
                namespace=route.namespace,
                name=route.name,
                user=user,
            ):
                who = f'{res.qualified} "{route.name}"' if route.name else res.qualified
                scope = (
                    f'in the namespace "{route.namespace}"'
                    if route.namespace is not None
                    else "at the cluster scope"
                )
                details: dict[str, Any] = {"kind": res.plural}
                if route.name:
                    details["name"] = route.name
                if res.group:
                    details["group"] = res.group
                raise ApiStatusError(
                    403,
                    f'{who} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
                    f'in API group "{res.group}" {scope}',
                    details=details,
                )

    # --------------------------------------------------------------- discovery

    def _misc(self, segments: list[str]) -> Response:
        if segments and segments[0] == "version":
            major, minor = self.server_version.lstrip("v").split(".")[:2]
            return Response(
                200,
                {
                    "major": major,
                    "minor": minor,
                    "gitVersion": self.server_version,
                    "platform": "linux/amd64",
                    "goVersion": "go1.24.0",
                    "compiler": "gc",
                },
            )
        if segments:
            return Response(200, "ok", headers={"Content-Type": "text/plain; charset=utf-8"})
        paths = sorted({"/api", "/apis", "/version", "/healthz"})
        return Response(200, {"paths": paths})

    def _api_resources(self, group: str, version: str) -> dict[str, Any]:
        resources: list[dict[str, Any]] = []
        for res in sorted(self.registry, key=lambda r: r.plural):
            if (res.group, res.version) != (group, version):
                continue
            entry: dict[str, Any] = {
                "name": res.plural,
                "singularName": res.singular or res.kind.lower(),
                "namespaced": res.namespaced,
                "kind": res.kind,
                "verbs": [
                    "create",
                    "delete",
                    "deletecollection",
                    "get",
                    "list",
                    "patch",
                    "update",
                    "watch",
                ],
            }
            if res.short_names:
                entry["shortNames"] = list(res.short_names)
            resources.append(entry)
            if res.status_subresource:
                resources.append(
                    {
                        "name": f"{res.plural}/status",
                        "singularName": "",
                        "namespaced": res.namespaced,
                        "kind": res.kind,
                        "verbs": ["get", "patch", "update"],
                    }
                )
        gv = version if not group else f"{group}/{version}"
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": gv,
            "resources": resources,
        }

    def _discovery_core(self, segments: list[str]) -> Response:
        if len(segments) == 1:
            return Response(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{self._host}:{self.port}"}
                    ],
                },
            )
        if segments[1] not in self.registry.groups().get("", []):
            raise ApiStatusError(404, "the server could not find the requested resource")
        return Response(200, self._api_resources("", segments[1]))

    def _group_doc(self, group: str, versions: list[str]) -> dict[str, Any]:
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    def _discovery_groups(self, segments: list[str]) -> Response:
        groups = {g: v for g, v in self.registry.groups().items() if g}
        if len(segments) == 1:
            return Response(
                200,
                {
                    "kind": "APIGroupList",
                    "apiVersion": "v1",
                    "groups": [self._group_doc(g, v) for g, v in sorted(groups.items())],
                },
            )
        group = segments[1]
        if group not in groups:
            raise ApiStatusError(404, "the server could not find the requested resource")
        if len(segments) == 2:
            doc = {"kind": "APIGroup", "apiVersion": "v1", **self._group_doc(group, groups[group])}
            return Response(200, doc)
        if segments[2] not in groups[group]:
            raise ApiStatusError(404, "the server could not find the requested resource")
        return Response(200, self._api_resources(group, segments[2]))

    # ------------------------------------------------------------------- reads

    def _get(self, route: _Route) -> Response:
        res = route.resource
        assert route.name is not None
        key = self._key(res, route.namespace or "", route.name)
        so = self._store.get(key)
        if so is None:
            raise _not_found(res, route.name)
        so.get_count += 1
        self._fire("get", res, so, None, route.subresource)
        so = self._store.get(key)
        if so is None:
            raise _not_found(res, route.name)
        return Response(200, self._render(so, res))

    def _select(self, route: _Route, query: Mapping[str, str]) -> list[StoredObject]:
        try:
            label_reqs = parse_label_selector(query.get("labelSelector", ""))
            field_reqs = parse_field_selector(query.get("fieldSelector", ""))
        except SelectorError as err:
            raise ApiStatusError(400, str(err)) from err
        res = route.resource
        out = []
        for (group, plural, ns, _), so in sorted(self._store.items()):
            if (group, plural) != (res.group, res.plural):
                continue
            if route.namespace is not None and ns != route.namespace:
                continue
            labels = (so.obj.get("metadata") or {}).get("labels")
            if labels_match(label_reqs, labels) and fields_match(field_reqs, so.obj):
                out.append(so)
        return out

    def _list(self, route: _Route, query: Mapping[str, str]) -> Response:
        res = route.resource
        selected = self._select(route, query)
        token = query.get("continue")
        if token:
            try:
                after = tuple(json.loads(base64.urlsafe_b64decode(token.encode())))
            except (ValueError, binascii.Error) as err:
                raise ApiStatusError(400, "continue key is not valid: illegal base64 data") from err
            selected = [so for so in selected if _sort_key(so) > tuple(after)]
        limit = int(query.get("limit") or 0)
        meta: dict[str, Any] = {"resourceVersion": str(self._rv)}
        if limit and len(selected) > limit:
            selected = selected[:limit]
            last = _sort_key(selected[-1])
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(list(last)).encode()).decode()
            meta["remainingItemCount"] = len(self._select(route, query)) - limit
        items = [self._render(so, res, for_list=True) for so in selected]
        return Response(
            200,
            {
                "kind": f"{res.kind}List",
                "apiVersion": res.api_version,
                "metadata": meta,
                "items": items,
            },
        )

    def _watch(self, route: _Route, query: Mapping[str, str]) -> Response:
        res = route.resource
        try:
            label_reqs = parse_label_selector(query.get("labelSelector", ""))
            field_reqs = parse_field_selector(query.get("fieldSelector", ""))
        except SelectorError as err:
            raise ApiStatusError(400, str(err)) from err
        timeout = min(
            float(query.get("timeoutSeconds") or self.watch_max_seconds), self.watch_max_seconds
        )
        rv_param = query.get("resourceVersion")
        initial: list[dict[str, Any]] = []
        if rv_param in (None, "", "0"):
            # No version: the current state first, as synthetic ADDED events.
            start = self._rv
            initial = [
                {"type": "ADDED", "object": self._render(so, res)}
                for so in self._select(route, query)
            ]
        else:
            try:
                start = int(rv_param)
            except ValueError as err:
                raise ApiStatusError(400, f"invalid resource version {rv_param!r}") from err
        namespace = route.namespace

        def matches(ev: _WatchEvent) -> bool:
            if (ev.group, ev.plural) != (res.group, res.plural):
                return False
            if namespace is not None and ev.namespace != namespace:
                return False
            labels = (ev.obj.get("metadata") or {}).get("labels")
            return labels_match(label_reqs, labels) and fields_match(field_reqs, ev.obj)

        def stream() -> Iterator[bytes]:
            for item in initial:
                yield json.dumps(item).encode() + b"\n"
            deadline = time.monotonic() + timeout
            seen = start
            while not self._stopping.is_set():
                with self._cond:
                    pending = [ev for ev in self._history if ev.rv > seen]
                    if not pending:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return
                        self._cond.wait(min(remaining, 0.5))
                        continue
                    seen = pending[-1].rv
                    lines = []
                    for ev in pending:
                        if matches(ev):
                            obj = copy.deepcopy(ev.obj)
                            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
                            lines.append(
                                json.dumps({"type": ev.type, "object": obj}).encode() + b"\n"
                            )
                yield from lines

        return Response(200, stream=stream())

    # ------------------------------------------------------------------ writes

    def _create(self, route: _Route, body: Any, manager: str, dry_run: bool) -> Response:
        res = route.resource
        if route.name is not None or route.subresource:
            raise ApiStatusError(
                405, "the server does not allow this method on the requested resource"
            )
        obj = self._check_body(res, body, route.namespace, None)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            suffix = "".join(secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
            meta["name"] = f"{meta['generateName']}{suffix}"
        name = str(meta.get("name") or "")
        if not name:
            raise _invalid(
                res,
                "",
                [
                    Cause(
                        "FieldValueRequired",
                        "metadata.name",
                        "Required value: name or generateName is required",
                    )
                ],
            )
        ns = route.namespace or ""
        key = self._key(res, ns, name)
        if key in self._store:
            raise ApiStatusError(
                409,
                f'{res.qualified} "{name}" already exists',
                "AlreadyExists",
                _details(res, name),
            )
        if res.namespaced:
            self._require_namespace(ns)
        if res.status_subresource:
            obj.pop("status", None)
        obj = self._normalize(res, obj, creating=True)
        entries = record_update(
            {},
            obj,
            [],
            manager=manager,
            api_version=res.api_version,
            now=now_rfc3339(),
            status_subresource=res.status_subresource,
        )
        if dry_run:
            preview = StoredObject(res, self._finish_new(res, obj), entries)
            return Response(201, self._render(preview, res))
        so = self._insert(res, ns, name, obj, entries)
        self._fire("create", res, so, None, "")
        return Response(201, self._render(so, res))

    def _replace(self, route: _Route, body: Any, manager: str, dry_run: bool) -> Response:
        res, so, key = self._existing(route)
        obj = self._check_body(res, body, route.namespace, route.name)
        incoming_rv = obj["metadata"].get("resourceVersion")
        if incoming_rv and incoming_rv != so.obj["metadata"]["resourceVersion"]:
            raise _stale(res, route.name or "")
        return self._write_back(route, (res, so, key), obj, manager=manager, dry_run=dry_run)

    def _write_back(
        self,
        route: _Route,
        found: tuple[ResourceType, StoredObject, _Key],
        incoming: dict[str, Any],
        *,
        manager: str,
        dry_run: bool,
    ) -> Response:
        """Store ``incoming`` over the found object, keeping the fields the server owns."""
        res, so, key = found
        new = self._merge_server_fields(res, so.obj, incoming, route.subresource)
        return self._finish_write(
            res=res,
            key=key,
            so=so,
            new=new,
            manager=manager,
            sub=route.subresource,
            dry_run=dry_run,
        )

    def _patch(
        self,
        *,
        route: _Route,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        manager: str,
        dry_run: bool,
        record: RecordedRequest,
    ) -> Response:
        res = route.resource
        ctype = (headers.get("content-type") or "").split(";")[0].strip().lower()
        force = query.get("force")
        if ctype == APPLY_PATCH:
            return self._apply(route, query, body, dry_run, record)
        if force is not None:
            raise ApiStatusError(
                422,
                f'force: Invalid value: "{force}": may not be specified for non-apply patch',
                "Invalid",
            )
        accepted = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
        if res.builtin:
            accepted.insert(2, STRATEGIC_PATCH)
        if ctype not in accepted:
            raise ApiStatusError(
                415,
                "the body of the request was in an unknown format - accepted media types include: "
                + ", ".join(accepted),
            )
        res, so, key = self._existing(route)
        patch = _json_body(body)
        try:
            if ctype == JSON_PATCH:
                patched = json_patch(so.obj, patch)
            else:
                if not isinstance(patch, Mapping):
                    raise ApiStatusError(400, "a merge patch must be a JSON object")
                patched = merge_patch(so.obj, patch)
        except PatchError as err:
            raise ApiStatusError(422, str(err), "Invalid") from err
        if not isinstance(patched, dict):
            raise ApiStatusError(422, "the patch did not produce an object", "Invalid")
        patched.setdefault("metadata", {})
        return self._write_back(route, (res, so, key), patched, manager=manager, dry_run=dry_run)

    def _apply(
        self,
        route: _Route,
        query: Mapping[str, str],
        body: bytes,
        dry_run: bool,
        record: RecordedRequest,
    ) -> Response:
        res = route.resource
        assert route.name is not None
        manager = query.get("fieldManager")
        if not manager:
            raise ApiStatusError(
                400, "PATCH requests must specify a fieldManager for apply requests"
            )
        force = query.get("force", "false").lower() in ("true", "1")
        try:
            cfg = yaml.safe_load(body.decode("utf-8")) if body else None
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise ApiStatusError(400, f"error decoding YAML: {err}") from err
        if not isinstance(cfg, Mapping):
            raise ApiStatusError(400, "the apply configuration must be a YAML or JSON object")
        if not cfg.get("apiVersion") or not cfg.get("kind"):
            raise ApiStatusError(
                400,
                f"invalid object type: {cfg.get('apiVersion', '')}, Kind={cfg.get('kind', '')}",
            )
        cfg = self._check_body(res, cfg, route.namespace, route.name)
        cfg = self._convert_string_data(res, cfg)
        if res.schema is not None:
            cfg = self._prune_with_warnings(res, cfg, record)
        ns = route.namespace or ""
        key = self._key(res, ns, route.name)
        so = self._store.get(key)
        now = now_rfc3339()
        if so is None:
            if route.subresource:
                raise _not_found(res, route.name)
            if res.namespaced:
                self._require_namespace(ns)
            result = server_side_apply(
                {},
                cfg,
                [],
                manager=manager,
                force=force,
                api_version=res.api_version,
                now=now,
                status_subresource=res.status_subresource,
            )
            obj = result.obj
            obj["metadata"] = {**obj.get("metadata", {}), "name": route.name}
            if res.namespaced:
                obj["metadata"]["namespace"] = ns
            obj["apiVersion"], obj["kind"] = res.api_version, res.kind
            obj = self._normalize(res, obj, creating=True)
            if dry_run:
                preview = StoredObject(res, self._finish_new(res, obj), result.entries)
                return Response(201, self._render(preview, res))
            new_so = self._insert(res, ns, route.name, obj, result.entries)
            self._fire("create", res, new_so, None, "")
            return Response(201, self._render(new_so, res))
        incoming_rv = cfg["metadata"].get("resourceVersion")
        if incoming_rv and incoming_rv != so.obj["metadata"]["resourceVersion"]:
            raise _stale(res, route.name)
        try:
            result = server_side_apply(
                so.obj,
                cfg,
                so.entries,
                manager=manager,
                force=force,
                api_version=res.api_version,
                now=now,
                subresource=route.subresource,
                status_subresource=res.status_subresource,
            )
        except ApplyConflictError as conflict:
            causes = [
                {
                    "reason": "FieldManagerConflict",
                    "message": f"conflict with {c.entry.describe()}",
                    "field": "".join(f".{k}" for k in c.path),
                }
                for c in conflict.conflicts
            ]
            raise ApiStatusError(409, str(conflict), "Conflict", {"causes": causes}) from conflict
        new = self._normalize(res, result.obj, creating=False)
        old = self._render(so, res)
        so = self._update(key, so, new, result.entries, dry_run)
        if not dry_run and so.obj != _strip_render(old):
            self._fire("update", res, so, old, route.subresource)
        return Response(200, self._render(so, res))

    def _delete(self, route: _Route, query: Mapping[str, str], dry_run: bool) -> Response:
        res, so, key = self._existing(route)
        if route.subresource:
            raise ApiStatusError(
                405, "the server does not allow this method on the requested resource"
            )
        policy = query.get("propagationPolicy")
        if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
            raise ApiStatusError(
                422,
                f'propagationPolicy: Unsupported value: "{policy}": supported values: '
                '"Foreground", "Background", "Orphan"',
                "Invalid",
            )
        if dry_run:
            return Response(200, self._render(so, res))
        if (so.obj.get("metadata") or {}).get("finalizers"):
            if not so.obj["metadata"].get("deletionTimestamp"):
                new = copy.deepcopy(so.obj)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                old = self._render(so, res)
                so = self._update(key, so, new, so.entries, dry_run=False)
                self._fire("update", res, so, old, "")
            return Response(200, self._render(so, res))
        rendered = self._render(so, res)
        self._remove(so, key)
        return Response(200, rendered)

    def _delete_collection(
        self, route: _Route, query: Mapping[str, str], dry_run: bool
    ) -> Response:
        res = route.resource
        selected = self._select(route, query)
        items = [self._render(so, res, for_list=True) for so in selected]
        if not dry_run:
            for so in selected:
                meta = so.obj["metadata"]
                self._delete(
                    _Route(res, meta.get("namespace"), meta["name"], ""), query, dry_run=False
                )
        return Response(
            200,
            {
                "kind": f"{res.kind}List",
                "apiVersion": res.api_version,
                "metadata": {},
                "items": items,
            },
        )

    # ------------------------------------------------------------ write support

    def _existing(self, route: _Route) -> tuple[ResourceType, StoredObject, _Key]:
        res = route.resource
        if route.name is None:
            raise ApiStatusError(
                405, "the server does not allow this method on the requested resource"
            )
        key = self._key(res, route.namespace or "", route.name)
        so = self._store.get(key)
        if so is None:
            raise _not_found(res, route.name)
        return res, so, key

    def _check_body(
        self, res: ResourceType, body: Any, namespace: str | None, url_name: str | None
    ) -> dict[str, Any]:
        """The checks kube-apiserver makes before looking at an object's content."""
        if not isinstance(body, Mapping):
            raise ApiStatusError(400, "the request body must be a JSON object")
        obj = copy.deepcopy(dict(body))
        kind = obj.get("kind")
        api_version = obj.get("apiVersion")
        if not kind:
            raise ApiStatusError(400, f"Object 'Kind' is missing in '{json.dumps(body)[:200]}'")
        if kind != res.kind:
            raise ApiStatusError(
                400,
                f"the kind in the data ({kind}) does not match the expected kind ({res.kind})",
            )
        if api_version and api_version != res.api_version:
            raise ApiStatusError(
                400,
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({res.api_version})",
            )
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiStatusError(400, "metadata must be an object")
        if url_name is not None and meta.get("name") not in (None, url_name):
            raise ApiStatusError(
                400,
                f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                f"({url_name})",
            )
        if res.namespaced:
            if meta.get("namespace") not in (None, "", namespace):
                raise ApiStatusError(
                    400,
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request",
                )
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if url_name is not None:
            meta["name"] = url_name
        for field_name in ("labels", "annotations"):
            values = meta.get(field_name)
            if values is None:
                continue
            if not isinstance(values, Mapping) or not all(
                isinstance(v, str) for v in values.values()
            ):
                raise ApiStatusError(
                    400,
                    f'{res.kind} in version "{res.version}" cannot be handled as a {res.kind}: '
                    f"json: cannot unmarshal into Go struct field ObjectMeta.metadata.{field_name} "
                    "of type string",
                )
        return obj

    def _merge_server_fields(
        self, res: ResourceType, live: Mapping[str, Any], incoming: dict[str, Any], sub: str
    ) -> dict[str, Any]:
        """What a PUT/patch may change: not server metadata, and only the part its
        endpoint covers (status on /status, everything but status elsewhere)."""
        if sub == "status":
            new = copy.deepcopy(dict(live))
            if incoming.get("status") is None:
                new.pop("status", None)
            else:
                new["status"] = copy.deepcopy(incoming["status"])
            return new
        new = copy.deepcopy(incoming)
        meta = {k: v for k, v in (new.get("metadata") or {}).items() if k not in SERVER_METADATA}
        live_meta = live.get("metadata") or {}
        for key in SERVER_METADATA - {"managedFields"}:
            if key in live_meta:
                meta[key] = copy.deepcopy(live_meta[key])
        new["metadata"] = meta
        new["apiVersion"], new["kind"] = res.api_version, res.kind
        if res.status_subresource:
            if "status" in live:
                new["status"] = copy.deepcopy(live["status"])
            else:
                new.pop("status", None)
        return new

    def _finish_write(
        self,
        *,
        res: ResourceType,
        key: _Key,
        so: StoredObject,
        new: dict[str, Any],
        manager: str,
        sub: str,
        dry_run: bool,
    ) -> Response:
        new = self._normalize(res, new, creating=False)
        entries = record_update(
            so.obj,
            new,
            so.entries,
            manager=manager,
            api_version=res.api_version,
            now=now_rfc3339(),
            subresource=sub,
            status_subresource=res.status_subresource,
        )
        old = self._render(so, res)
        so = self._update(key, so, new, entries, dry_run)
        if not dry_run and so.obj != _strip_render(old):
            self._fire("update", res, so, old, sub)
        return Response(200, self._render(so, res))

    def _require_namespace(self, ns: str) -> None:
        ns_res = self.registry.find("namespaces")
        if self._key(ns_res, "", ns) not in self._store:
            raise ApiStatusError(
                404, f'namespaces "{ns}" not found', "NotFound", {"name": ns, "kind": "namespaces"}
            )

    @staticmethod
    def _convert_string_data(res: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        # The API server folds Secret.stringData into data (base64) on write.
        if (res.group, res.plural) != ("", "secrets") or not obj.get("stringData"):
            return obj
        data = dict(obj.get("data") or {})
        for key, value in obj.pop("stringData").items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data
        return obj

    def _prune_with_warnings(
        self, res: ResourceType, obj: dict[str, Any], record: RecordedRequest | None
    ) -> dict[str, Any]:
        assert res.schema is not None
        pruned = prune(obj, res.schema, root=True)
        unknown = sorted(_unknown_fields(obj, pruned))
        if unknown and record is not None:
            if record.query.get("fieldValidation") == "Strict":
                raise ApiStatusError(
                    400,
                    f'{res.kind} in version "{res.version}" cannot be handled as a {res.kind}: '
                    + ", ".join(f'strict decoding error: unknown field "{u}"' for u in unknown),
                )
            if record.query.get("fieldValidation") != "Ignore":
                record.warnings.extend(f'unknown field "{u}"' for u in unknown)
        return dict(pruned)

    def _normalize(
        self, res: ResourceType, obj: dict[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        """Server-side defaulting and validation common to every write."""
        obj = self._convert_string_data(res, obj)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        meta = obj.setdefault("metadata", {})
        name = str(meta.get("name", ""))
        causes: list[Cause] = []
        is_namespace = (res.group, res.plural) == ("", "namespaces")
        if is_namespace:
            if not _DNS1123_LABEL.match(name) or len(name) > 63:
                causes.append(
                    Cause(
                        "FieldValueInvalid",
                        "metadata.name",
                        f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of '
                        "lower case alphanumeric characters or '-', and must start and end with an "
                        "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                    )
                )
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
        elif not _DNS1123_SUBDOMAIN.match(name) or len(name) > 253:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "metadata.name",
                    f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of '
                    "lower case alphanumeric characters, '-' or '.', and must start and end "
                    "with an alphanumeric character (e.g. 'example.com', regex used for "
                    "validation is "
                    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                )
            )
        causes += _label_causes(meta.get("labels") or {})
        causes += _annotation_causes(meta.get("annotations") or {})
        if (res.group, res.plural) in (("", "secrets"), ("", "configmaps")):
            causes += self._data_causes(res, obj)
        if res.schema is not None:
            obj = dict(prune(obj, res.schema, root=True))
            obj = dict(apply_defaults(obj, res.schema))
            causes += validate({k: v for k, v in obj.items() if k != "metadata"}, res.schema)
        if causes:
            raise _invalid(res, name, causes)
        if (res.group, res.plural) == ("", "secrets"):
            obj.setdefault("type", "Opaque")
        return obj

    @staticmethod
    def _data_causes(res: ResourceType, obj: Mapping[str, Any]) -> list[Cause]:
        causes: list[Cause] = []
        for section in ("data", "binaryData"):
            values = obj.get(section) or {}
            if not isinstance(values, Mapping):
                raise ApiStatusError(400, f"{section} must be an object")
            for key, value in values.items():
                if not _CONFIG_KEY.match(str(key)):
                    causes.append(
                        Cause(
                            "FieldValueInvalid",
                            f"{section}[{key}]",
                            f'Invalid value: "{key}": a valid config key must consist of '
                            "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                            "'KEY_NAME',  or 'key-name', regex used for validation is "
                            "'[-._a-zA-Z0-9]+')",
                        )
                    )
                if res.plural == "secrets" or section == "binaryData":
                    try:
                        base64.b64decode(str(value), validate=True)
                    except (binascii.Error, ValueError) as err:
                        raise ApiStatusError(
                            400,
                            f'{res.kind} in version "v1" cannot be handled as a {res.kind}: '
                            f"illegal base64 data at input byte 0 ({err})",
                        ) from err
        return causes

    # ----------------------------------------------------------------- storage

    @staticmethod
    def _key(res: ResourceType, namespace: str, name: str) -> _Key:
        return (res.group, res.plural, namespace if res.namespaced else "", name)

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def _finish_new(self, res: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj.setdefault("metadata", {})
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        if res.tracks_generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        return obj

    def _insert(
        self,
        res: ResourceType,
        ns: str,
        name: str,
        obj: dict[str, Any],
        entries: list[ManagerEntry],
    ) -> StoredObject:
        obj = self._finish_new(res, obj)
        obj["metadata"]["resourceVersion"] = str(self._next_rv())
        so = StoredObject(res, obj, entries)
        self._store[self._key(res, ns, name)] = so
        self._record_event("ADDED", so)
        self._on_crd_change(so, deleted=False)
        return so

    def _update(
        self,
        key: _Key,
        so: StoredObject,
        new: dict[str, Any],
        entries: list[ManagerEntry],
        dry_run: bool,
    ) -> StoredObject:
        """Commit `new` unless nothing changed (then the resourceVersion stays)."""
        res = so.resource
        new = copy.deepcopy(new)
        old_meta = so.obj.get("metadata") or {}
        new_meta = new.setdefault("metadata", {})
        for k in ("uid", "creationTimestamp", "resourceVersion", "generation"):
            if k in old_meta:
                new_meta[k] = old_meta[k]
        if new == so.obj and _entries_equal(entries, so.entries):
            return so
        if res.tracks_generation and _spec_part(new) != _spec_part(so.obj):
            new_meta["generation"] = int(old_meta.get("generation", 0)) + 1
        new_meta["resourceVersion"] = str(self._rv + 1)
        updated = StoredObject(res, new, entries, so.get_count)
        if dry_run:
            return updated
        self._next_rv()
        self._store[key] = updated
        if new_meta.get("deletionTimestamp") and not new_meta.get("finalizers"):
            # The last finalizer is gone: deletion completes now.
            self._remove(updated, key)
            return updated
        self._record_event("MODIFIED", updated)
        self._on_crd_change(updated, deleted=False)
        return updated

    def _remove(self, so: StoredObject, key: _Key) -> None:
        res = so.resource
        if (res.group, res.plural) == ("", "namespaces"):
            # Namespace deletion is immediate here (no Terminating phase): its
            # content goes first, as the namespace controller would do.
            name = key[3]
            for other_key, other in list(self._store.items()):
                if other.resource.namespaced and other_key[2] == name:
                    self._remove(other, other_key)
        self._store.pop(key, None)
        final = copy.deepcopy(so.obj)
        final["metadata"]["resourceVersion"] = str(self._next_rv())
        so.obj = final
        self._record_event("DELETED", so)
        self._on_crd_change(so, deleted=True)
        self._fire("delete", res, so, None, "")

    def _record_event(self, kind: str, so: StoredObject) -> None:
        meta = so.obj["metadata"]
        self._history.append(
            _WatchEvent(
                int(meta["resourceVersion"]),
                kind,
                so.resource.group,
                so.resource.plural,
                str(meta.get("namespace", "")),
                self._render(so, so.resource),
            )
        )
        # Bounded so long tests do not grow memory; watches only need recent events.
        if len(self._history) > 5000:
            del self._history[:1000]
        self._cond.notify_all()

    def _on_crd_change(self, so: StoredObject, *, deleted: bool) -> None:
        if (so.resource.group, so.resource.plural) != (
            "apiextensions.k8s.io",
            "customresourcedefinitions",
        ):
            return
        types = resource_types_from_crd(so.obj)
        for res in types:
            if deleted:
                self.registry.unregister(res.group, res.version, res.plural)
            else:
                self.registry.register(res)
        if deleted and types:
            group, plural = types[0].group, types[0].plural
            for key in [k for k in self._store if (k[0], k[1]) == (group, plural)]:
                self._store.pop(key, None)

    def _render(
        self, so: StoredObject, res: ResourceType, *, for_list: bool = False
    ) -> dict[str, Any]:
        obj = copy.deepcopy(so.obj)
        out: dict[str, Any] = {}
        if not (for_list and res.builtin):
            out["apiVersion"], out["kind"] = res.api_version, res.kind
        out.update({k: v for k, v in obj.items() if k not in ("apiVersion", "kind")})
        if so.entries:
            out["metadata"]["managedFields"] = [e.to_json() for e in so.entries]
        return out

    def _fire(
        self,
        verb: str,
        res: ResourceType,
        so: StoredObject,
        old: dict[str, Any] | None,
        sub: str,
    ) -> None:
        meta = so.obj.get("metadata") or {}
        ns = meta.get("namespace")
        name = str(meta.get("name", ""))
        for rule in list(self._reactors):
            if verb not in rule.verbs:
                continue
            if (rule.resource.group, rule.resource.plural) != (res.group, res.plural):
                continue
            if rule.namespace is not None and rule.namespace != ns:
                continue
            if rule.name is not None and rule.name != name:
                continue
            event = Event(verb, res, ns, name, self._render(so, res), old, sub, so.get_count)
            try:
                rule.fn(self, event)
            except Exception:
                # Recorded, not raised: the write already happened, and the
                # fixture fails the test on any recorded internal error.
                self.internal_errors.append(traceback.format_exc())


# ---------------------------------------------------------------- module helpers


def _verb(method: str, route: _Route, query: Mapping[str, str]) -> str:
    if method == "GET":
        if route.name is not None:
            return "get"
        return "watch" if query.get("watch") in ("true", "1") else "list"
    mapping = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
    verb = mapping.get(method)
    if verb is None:
        raise ApiStatusError(405, "the server does not allow this method on the requested resource")
    if route.name is None and verb == "delete":
        return "deletecollection"
    if route.name is None and verb in ("update", "patch"):
        raise ApiStatusError(405, "the server does not allow this method on the requested resource")
    return verb


def _manager_from_agent(agent: str) -> str:
    # kube-apiserver names an unnamed non-apply writer after its user agent.
    return agent.split("/", maxsplit=1)[0] if agent else "unknown"


def _json_body(body: bytes) -> Any:
    if not body:
        raise ApiStatusError(400, "the request body is empty")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise ApiStatusError(400, f"couldn't get version/kind; json parse error: {err}") from err


def _parse_for_log(body: bytes, content_type: str | None) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    try:
        if content_type and "yaml" in content_type:
            return yaml.safe_load(text)
        return json.loads(text)
    except (ValueError, yaml.YAMLError):
        return text


def _details(res: ResourceType, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": res.plural}
    if res.group:
        details["group"] = res.group
    return details


def _not_found(res: ResourceType, name: str) -> ApiStatusError:
    return ApiStatusError(
        404, f'{res.qualified} "{name}" not found', "NotFound", _details(res, name)
    )


def _stale(res: ResourceType, name: str) -> ApiStatusError:
    return ApiStatusError(
        409,
        f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        "Conflict",
        _details(res, name),
    )


def _invalid(res: ResourceType, name: str, causes: list[Cause]) -> ApiStatusError:
    texts = [f"{c.field}: {c.message}" for c in causes]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    details: dict[str, Any] = {
        "name": name,
        "kind": res.kind,
        "causes": [{"reason": c.reason, "message": c.message, "field": c.field} for c in causes],
    }
    if res.group:
        details["group"] = res.group
    return ApiStatusError(
        422, f'{res.qualified_kind} "{name}" is invalid: {summary}', "Invalid", details
    )


def _label_causes(labels: Mapping[str, Any]) -> list[Cause]:
    causes = _key_causes(labels, "metadata.labels")
    for key, value in labels.items():
        if len(str(value)) > 63 or not _LABEL_VALUE.match(str(value)):
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    "metadata.labels",
                    f'Invalid value: "{value}": a valid label must be an empty string or consist '
                    "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
                    "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                    + (" (must be no more than 63 characters)" if len(str(value)) > 63 else ""),
                )
            )
        del key
    return causes


def _annotation_causes(annotations: Mapping[str, Any]) -> list[Cause]:
    return _key_causes(annotations, "metadata.annotations")


def _key_causes(values: Mapping[str, Any], where: str) -> list[Cause]:
    causes: list[Cause] = []
    for key in values:
        prefix, _, name = str(key).rpartition("/")
        ok = bool(_QUALIFIED_NAME.match(name)) and len(name) <= 63
        if prefix:
            ok = ok and bool(_DNS1123_SUBDOMAIN.match(prefix)) and len(prefix) <= 253
        if not ok:
            causes.append(
                Cause(
                    "FieldValueInvalid",
                    where,
                    f'Invalid value: "{key}": name part must consist of alphanumeric characters, '
                    "'-', '_' or '.', and must start and end with an alphanumeric character",
                )
            )
    return causes


def _unknown_fields(before: Any, after: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(before, Mapping):
        after_map = after if isinstance(after, Mapping) else {}
        for key, value in before.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in after_map:
                if value is not None:
                    out.add(path)
            else:
                out |= _unknown_fields(value, after_map[key], path)
    elif isinstance(before, list) and isinstance(after, list):
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            out |= _unknown_fields(b, a, f"{prefix}[{i}]")
    return out


def _spec_part(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _sort_key(so: StoredObject) -> tuple[str, str]:
    meta = so.obj.get("metadata") or {}
    return (str(meta.get("namespace", "")), str(meta.get("name", "")))


def _strip_render(rendered: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(rendered))
    out.get("metadata", {}).pop("managedFields", None)
    return out


def _entries_equal(a: list[ManagerEntry], b: list[ManagerEntry]) -> bool:
    def norm(
        entries: list[ManagerEntry],
    ) -> list[tuple[tuple[str, str, str], frozenset[tuple[str, ...]]]]:
        return sorted((e.key, frozenset(e.fields)) for e in entries)

    return norm(a) == norm(b)


# ------------------------------------------------------------------ HTTP layer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], api: FakeKubeApi
    ) -> None:
        self.api = api
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, conn: socket.socket, add: bool) -> None:
        with self._conns_lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def close_all_connections(self) -> None:
        # Keep-alive connections would otherwise hold handler threads after stop.
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or go away are expected in fault tests.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # Idle keep-alive connections are closed after this; clients reconnect.
    timeout = 30

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY,
        # Nagle plus the client's delayed ACK adds ~40 ms to every answer.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()
        self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        api = self.server.api
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        resp = api.handle(self.command, self.path, dict(self.headers.items()), body)
        if resp.drop is not None:
            self._drop(resp.drop)
            return
        if resp.delay and api._stopping.wait(resp.delay):
            self._drop("close")
            return
        if resp.stream is not None:
            self._send_stream(resp)
            return
        if isinstance(resp.body, str):
            payload = resp.body.encode()
            content_type = resp.headers.pop("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = json.dumps(resp.body).encode()
            # Exactly "application/json": lightkube compares the header verbatim
            # before turning an error response into ApiError.
            content_type = "application/json"
        self.send_response(resp.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_stream(self, resp: Response) -> None:
        assert resp.stream is not None
        self.send_response(resp.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in resp.stream:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self, how: str) -> None:
        self.close_connection = True
        if how == "reset":
            # SO_LINGER with a zero timeout makes close() send RST.
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        with contextlib.suppress(OSError):
            self.connection.close()

    # BaseHTTPRequestHandler dispatches on these exact names.
    do_GET = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
