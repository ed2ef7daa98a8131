"""A stateful fake of the Kubernetes API server, spoken to over real HTTP on loopback.

Apply mode talks to clusters through lightkube; no API server can run here, so
its tests point lightkube (via a real kubeconfig file) at this fake. It serves
exactly the requests measured in a full run of the tests that use it
(issue 13; see tests/apply/test_fake_api.py, which pins the list):

* the product: GET of one object, GET of a list (one namespace or all, with a
  `labelSelector`), server-side apply (`PATCH application/apply-patch+yaml`,
  `fieldManager`, optional `force=true`) and DELETE;
* the helm stand-in, as helm's secrets driver does: POST (create), PUT
  (update), list by label and DELETE of its release Secrets, POST of a namespace;
* real helm (tests/helm_real): list of Secrets by label, and `/version`.

Where apply mode can tell the difference it answers like kube-apiserver:
errors are `Status` objects sent as exactly `application/json` (lightkube only
turns that content type into `ApiError`), apply conflicts answer 409 with
apimachinery's wording (tests/fakes/kube_fields.py), metadata (uid, monotonic
resourceVersion, generation, managedFields) is kept, a no-op write changes
nothing, `status` only changes through a test helper or a controller reactor,
namespaced objects need their namespace, and a CRD's schema prunes and
defaults (and the real CRDs validate) custom resources.

Tests steer it directly: `seed`, `get`, `set_status`, `objects`, a request log,
status faults for the CLI run in a subprocess (`fail`), RBAC refusals
(`forbid`) and reactors (`on`) that play the part of controllers. Transport
faults (resets, timeouts) are injected in-process at lightkube's transport seam
instead: tests/fakes/faults.py.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import yaml

from tests.fakes.faults import DEFAULT_MESSAGES, DEFAULT_REASONS, status_body
from tests.fakes.kube_fields import (
    ApplyConflictError,
    ManagerEntry,
    merge_patch,
    record_update,
    server_side_apply,
)
from tests.fakes.kube_schema import apply_defaults, prune

APPLY_PATCH = "application/apply-patch+yaml"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ResourceType:
    """One REST resource: where it lives and how the fake treats it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    # List items of built-in types carry no apiVersion/kind (the product fills them in).
    builtin: bool = False
    # Only types with a status subresource ignore `status` on the main endpoint.
    status_subresource: bool = True
    # Secrets, ConfigMaps, Namespaces and Services carry no metadata.generation.
    tracks_generation: bool = True
    schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """The name Kubernetes uses in messages: `secrets`, `valkeys.hyperspike.io`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _core(plural: str, kind: str, namespaced: bool = True, **kw: Any) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, builtin=True, **kw)


def _builtin(group: str, plural: str, kind: str, **kw: Any) -> ResourceType:
    return ResourceType(group, "v1", plural, kind, builtin=True, **kw)


# The types apply mode and helm touch (and the tenants destroy looks for), and the operators'
# custom resources; other types answer 404, like a cluster that does not serve them.
DEFAULT_RESOURCES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", False, tracks_generation=False),
    _core("secrets", "Secret", status_subresource=False, tracks_generation=False),
    _core("configmaps", "ConfigMap", status_subresource=False, tracks_generation=False),
    _core("services", "Service", tracks_generation=False),
    _core("serviceaccounts", "ServiceAccount", status_subresource=False, tracks_generation=False),
    _core("pods", "Pod", tracks_generation=False),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", tracks_generation=False),
    _builtin("apps", "statefulsets", "StatefulSet"),
    _builtin("apps", "deployments", "Deployment"),
    _builtin("policy", "poddisruptionbudgets", "PodDisruptionBudget"),
    # networking.k8s.io/v1 NetworkPolicy has no status (its alpha status was removed in 1.28).
    _builtin("networking.k8s.io", "networkpolicies", "NetworkPolicy", status_subresource=False),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        builtin=True,
    ),
    ResourceType("hyperspike.io", "v1", "valkeys", "Valkey"),
    ResourceType("external-secrets.io", "v1", "externalsecrets", "ExternalSecret"),
    ResourceType("external-secrets.io", "v1", "clustersecretstores", "ClusterSecretStore", False),
    ResourceType("cert-manager.io", "v1", "certificates", "Certificate"),
)


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
        self.code, self.message, self.headers = code, message, dict(headers or {})
        self.body = status_body(code, reason or DEFAULT_REASONS.get(code, "Unknown"), message)
        if details:
            self.body["details"] = dict(details)


@dataclass
class RecordedRequest:
    """One request as the fake saw it (the log is in arrival order)."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str | None
    body: Any
    headers: dict[str, str]
    status: int = 0

    @property
    def mutating(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Fault:
    """Answer requests whose method matches and whose path matches the regular
    expression `path` with `code` (and `Retry-After` when set); `times=None` keeps it."""

    method: str = "*"
    path: str = ".*"
    code: int = 500
    reason: str | None = None
    message: str | None = None
    retry_after: int | None = None
    times: int | None = 1

    def take(self, method: str, path: str) -> bool:
        if self.times == 0 or self.method not in ("*", method):
            return False
        if re.search(self.path, path) is None:
            return False
        if self.times is not None:
            self.times -= 1
        return True


@dataclass(frozen=True)
class ForbidRule:
    verb: str
    resource: str  # plural
    namespace: str | None

    def matches(self, verb: str, res: ResourceType, namespace: str | None) -> bool:
        return (
            self.verb in ("*", verb)
            and self.resource in ("*", res.plural)
            and self.namespace in (None, namespace)
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
class StoredObject:
    resource: ResourceType
    obj: dict[str, Any]
    entries: list[ManagerEntry] = field(default_factory=list)
    get_count: int = 0


_Key = tuple[str, str, str, str]  # group, plural, namespace ("" when cluster-scoped), name


@dataclass(frozen=True)
class _Route:
    resource: ResourceType
    namespace: str | None
    name: str | None


class FakeKubeApi:
    """The fake server. Use as a context manager, or `start()`/`stop()`."""

    def __init__(
        self,
        resources: Iterable[ResourceType] = DEFAULT_RESOURCES,
        *,
        tokens: Mapping[str, str] | None = None,
        require_auth: bool = True,
        host: str = "127.0.0.1",
        server_version: str = "v1.33.1",
    ) -> None:
        self._types = {(r.group, r.version, r.plural): r for r in resources}
        # Bearer token -> user name; the kubeconfig writer uses "fake-token".
        self.tokens: dict[str, str] = dict(tokens or {"fake-token": "fake-user"})
        self.require_auth = require_auth
        self.server_version = server_version
        self._host = host
        self._lock = threading.RLock()
        self._store: dict[_Key, StoredObject] = {}
        self._rv = 0
        self._requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.forbid_rules: list[ForbidRule] = []
        self._reactors: list[tuple[frozenset[str], ResourceType, str | None, Reactor]] = []
        # Exceptions raised inside the fake or a reactor: a test bug, not an API
        # answer. The pytest fixture fails the test when any were recorded.
        self.internal_errors: list[str] = []
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeKubeApi:
        if self._server is None:
            self._server = ThreadingHTTPServer((self._host, 0), _Handler)
            self._server.daemon_threads = True
            self._server.api = self  # type: ignore[attr-defined]
            threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            ).start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> FakeKubeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake API server is not running")
        return f"http://{self._host}:{self._server.server_address[1]}"

    # ------------------------------------------------------------- test helpers

    def resource(self, name: str | ResourceType) -> ResourceType:
        if isinstance(name, ResourceType):
            return name
        for res in self._types.values():
            if name in (res.plural, res.kind):
                return res
        raise KeyError(f"no resource type registered for {name!r}")

    def seed(
        self,
        obj: Mapping[str, Any],
        *,
        manager: str | None = "seed",
        operation: Literal["Apply", "Update"] = "Update",
    ) -> dict[str, Any]:
        """Store `obj` as if a client had created it earlier; returns what a GET shows.

        No namespace check, auth, fault or reactor applies. `manager` (with
        `operation`) owns every field, so a later apply that changes one of them
        conflicts exactly as on a cluster; `manager=None` records no owner.
        Replaces an existing object of the same name (same uid), status included.
        """
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        res = next(r for r in self._types.values() if (r.group, r.kind) == (group, obj["kind"]))
        body = copy.deepcopy(dict(obj))
        meta = body.setdefault("metadata", {})
        meta.pop("managedFields", None)
        ns = str(meta.setdefault("namespace", "default")) if res.namespaced else ""
        with self._lock:
            status = body.get("status")
            body = self._normalize(res, body)
            if status is not None:
                body["status"] = status
            entries = []
            if manager is not None:
                entries = self._updated({}, body, [], res, manager)
                for entry in entries:
                    entry.operation = operation
            key = _key(res, ns, meta["name"])
            existing = self._store.get(key)
            if existing is not None:
                so = self._update(key, existing, body, entries)
            else:
                so = self._insert(res, body, entries)
            return _render(so)

    def install_crd(self, crd: Mapping[str, Any] | str | Path) -> None:
        """Seed a CustomResourceDefinition (dict or YAML file) and serve its types."""
        loaded = crd if isinstance(crd, Mapping) else yaml.safe_load(Path(crd).read_text())
        self.seed(loaded)

    def get(
        self, resource: str | ResourceType, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        res = self.resource(resource)
        with self._lock:
            so = self._store.get(_key(res, namespace or "", name))
            return _render(so) if so is not None else None

    def objects(
        self, resource: str | ResourceType | None = None, namespace: str | None = None
    ) -> list[dict[str, Any]]:
        """Copies of the stored objects, optionally of one type and/or namespace."""
        res = self.resource(resource) if resource is not None else None
        with self._lock:
            return [
                _render(so)
                for (group, plural, ns, _), so in sorted(self._store.items())
                if (res is None or (group, plural) == (res.group, res.plural))
                and namespace in (None, ns)
            ]

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
            key = _key(res, namespace or "", name)
            so = self._store[key]
            new = copy.deepcopy(so.obj)
            new["status"] = merge_patch(new.get("status") or {}, dict(status)) if merge else status
            entries = self._updated(so.obj, new, so.entries, res, manager, sub="status")
            old = _render(so)
            so = self._update(key, so, new, entries)
            self._fire("update", so, old, "status")
            return _render(so)

    def delete_object(self, resource: str | ResourceType, namespace: str | None, name: str) -> bool:
        """Remove an object at once; False when it was absent."""
        res = self.resource(resource)
        with self._lock:
            so = self._store.get(_key(res, namespace or "", name))
            if so is not None:
                self._remove(so)
            return so is not None

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def mutating_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests() if r.mutating]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def fail(self, code: int, **match: Any) -> Fault:
        """Answer matching requests with `code` (see `Fault` for the options)."""
        return self.add_fault(Fault(code=code, **match))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def forbid(self, verb: str = "*", resource: str = "*", *, namespace: str | None = None) -> None:
        """Refuse `verb` on `resource` (plural) with RBAC's 403."""
        with self._lock:
            self.forbid_rules.append(ForbidRule(verb, resource, namespace))

    def on(
        self,
        verbs: str | Iterable[str],
        resource: str | ResourceType,
        fn: Reactor,
        *,
        name: str | None = None,
    ) -> None:
        """Run `fn(api, event)` on `create`/`update`/`delete` (after the write) or `get`
        (before the answer is built, so a status set there is what the GET returns).

        Reactors run in the request thread while the fake is locked, so they may
        call `seed`, `set_status`, `get`, ... but must not make HTTP calls to it.
        """
        verb_set = frozenset([verbs] if isinstance(verbs, str) else verbs)
        with self._lock:
            self._reactors.append((verb_set, self.resource(resource), name, fn))

    # ---------------------------------------------------------- request handling

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Any:
        """Answer one request: (status, body, headers). The HTTP layer only moves bytes."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        lower = {k.lower(): v for k, v in headers.items()}
        ctype = lower.get("content-type")
        text = body.decode("utf-8", errors="replace") or "null"
        logged = yaml.safe_load(text) if ctype == APPLY_PATCH else json.loads(text)
        record = RecordedRequest(method, path, query, ctype, logged, lower)
        with self._lock:
            self._requests.append(record)
            fault = next((f for f in self.faults if f.take(method, path)), None)
            try:
                if fault is not None:
                    message = fault.message or DEFAULT_MESSAGES.get(fault.code, "injected fault")
                    retry = (
                        {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                    )
                    details = {"retryAfterSeconds": fault.retry_after} if retry else None
                    raise ApiStatusError(fault.code, message, fault.reason, details, retry)
                status, answer = self._handle(method, path, query, lower, body)
                headers_out: dict[str, str] = {}
            except ApiStatusError as failure:
                status, answer, headers_out = failure.code, failure.body, failure.headers
            except Exception:
                self.internal_errors.append(traceback.format_exc())
                status, answer, headers_out = 500, status_body(500, "InternalError", "fake"), {}
            record.status = status
            return status, answer, headers_out

    def _handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, Any]:
        user = self._authenticate(headers)
        if path == "/version":  # real helm's reachability check (client-go ServerVersion)
            return 200, {"major": "1", "minor": "33", "gitVersion": self.server_version}
        route = self._route(path)
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(
            method, "get" if route.name else "list"
        )
        self._authorize(verb, route, user)
        if verb == "get":
            return self._get(route)
        if verb == "list":
            return self._list(route, query.get("labelSelector", ""))
        if verb == "create" and route.name is None:
            return self._write(route, json.loads(body), "create", _manager(query, headers))
        if verb == "update" and route.name is not None:
            return self._write(route, json.loads(body), "update", _manager(query, headers))
        if verb == "patch" and route.name is not None:
            if headers.get("content-type") != APPLY_PATCH:
                raise ApiStatusError(415, "the fake serves apply patches only")
            return self._apply(route, query, body)
        if verb == "delete" and route.name is not None:
            return self._delete(route)
        raise ApiStatusError(405, "the server does not allow this method on the requested resource")

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        auth = headers.get("authorization", "")
        if auth.startswith("Bearer ") and auth[7:].strip() in self.tokens:
            return self.tokens[auth[7:].strip()]
        if auth or self.require_auth:
            raise ApiStatusError(401, "Unauthorized")
        return "system:anonymous"

    def _route(self, path: str) -> _Route:
        segments = [s for s in path.split("/") if s] + ["", ""]
        if segments[0] == "api":  # /api/v1/... or /apis/<group>/<version>/...
            group, version, rest = "", segments[1], segments[2:-2]
        else:
            group, version, rest = segments[1], segments[2], segments[3:-2]
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        res = self._types.get((group, version, rest[0])) if rest else None
        if res is None or len(rest) > 2 or (namespace is not None and not res.namespaced):
            raise ApiStatusError(404, "the server could not find the requested resource")
        return _Route(res, namespace, rest[1] if len(rest) == 2 else None)

    def _authorize(self, verb: str, route: _Route, user: str) -> None:
        res = route.resource
        if not any(rule.matches(verb, res, route.namespace) for rule in self.forbid_rules):
            return
        who = f'{res.qualified} "{route.name}"' if route.name else res.qualified
        scope = (
            f'in the namespace "{route.namespace}"' if route.namespace else "at the cluster scope"
        )
        details = {"kind": res.plural, **({"name": route.name} if route.name else {})}
        raise ApiStatusError(
            403,
            f'{who} is forbidden: User "{user}" cannot {verb} resource "{res.plural}" '
            f'in API group "{res.group}" {scope}',
            details=details,
        )

    # ------------------------------------------------------------------- reads

    def _get(self, route: _Route) -> tuple[int, Any]:
        key, _ = self._existing(route)
        so = self._store[key]
        so.get_count += 1
        self._fire("get", so, None, "")
        _, so = self._existing(route)
        return 200, _render(so)

    def _list(self, route: _Route, selector: str) -> tuple[int, Any]:
        res = route.resource
        wanted = _parse_selector(selector)
        items = [
            _render(so, for_list=res.builtin)
            for (group, plural, ns, _), so in sorted(self._store.items())
            if (group, plural) == (res.group, res.plural)
            and route.namespace in (None, ns)
            and all(test(so.obj["metadata"].get("labels") or {}) for test in wanted)
        ]
        meta = {"resourceVersion": str(self._rv)}
        return 200, {
            "kind": f"{res.kind}List",
            "apiVersion": res.api_version,
            "metadata": meta,
            "items": items,
        }

    # ------------------------------------------------------------------ writes

    def _write(self, route: _Route, body: Any, verb: str, manager: str) -> tuple[int, Any]:
        """POST (create) or PUT (update), as helm's secrets driver sends them."""
        res = route.resource
        obj = copy.deepcopy(dict(body))
        meta = obj.setdefault("metadata", {})
        name = str(route.name or meta.get("name", ""))
        ns = route.namespace or ""
        meta.update(name=name, **({"namespace": ns} if res.namespaced else {}))
        key = _key(res, ns, name)
        found = self._store.get(key)
        if verb == "create" and found is not None:
            details = {"name": name, "kind": res.plural}
            raise ApiStatusError(
                409, f'{res.qualified} "{name}" already exists', "AlreadyExists", details
            )
        if verb == "update" and found is None:
            raise _not_found(res, name)
        if res.namespaced:
            self._require_namespace(ns)
        obj = self._normalize(res, obj)
        if found is None:
            so = self._insert(res, obj, self._updated({}, obj, [], res, manager))
            self._fire("create", so, None, "")
            return 201, _render(so)
        if res.status_subresource:
            obj["status"] = found.obj.get("status")
        old = _render(found)
        so = self._update(
            key, found, obj, self._updated(found.obj, obj, found.entries, res, manager)
        )
        self._fire("update", so, old, "")
        return 200, _render(so)

    def _apply(self, route: _Route, query: Mapping[str, str], body: bytes) -> tuple[int, Any]:
        res = route.resource
        name = str(route.name)
        manager = query.get("fieldManager")
        if not manager:
            raise ApiStatusError(
                400, "PATCH requests must specify a fieldManager for apply requests"
            )
        cfg = yaml.safe_load(body.decode("utf-8"))
        cfg.setdefault("metadata", {}).update(name=name)
        if res.namespaced:
            cfg["metadata"]["namespace"] = route.namespace
        if res.schema is not None:
            cfg = dict(prune(cfg, res.schema, root=True))
        key = _key(res, route.namespace or "", name)
        so = self._store.get(key)
        if so is None and res.namespaced:
            self._require_namespace(route.namespace or "")
        try:
            result = server_side_apply(
                so.obj if so else {},
                self._string_data(res, cfg),
                so.entries if so else [],
                manager=manager,
                force=query.get("force") == "true",
                api_version=res.api_version,
                now=now_rfc3339(),
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
        placed = {k: v for k, v in cfg["metadata"].items() if k in ("name", "namespace")}
        result.obj.setdefault("metadata", {}).update(placed)
        new = self._normalize(res, result.obj)
        if so is None:
            created = self._insert(res, new, result.entries)
            self._fire("create", created, None, "")
            return 201, _render(created)
        old = _render(so)
        so = self._update(key, so, new, result.entries)
        if _render(so) != old:
            self._fire("update", so, old, "")
        return 200, _render(so)

    def _delete(self, route: _Route) -> tuple[int, Any]:
        _, so = self._existing(route)
        rendered = _render(so)
        self._remove(so)
        return 200, rendered

    # ------------------------------------------------------------ write support

    def _existing(self, route: _Route) -> tuple[_Key, StoredObject]:
        key = _key(route.resource, route.namespace or "", str(route.name))
        so = self._store.get(key)
        if so is None:
            raise _not_found(route.resource, str(route.name))
        return key, so

    def _require_namespace(self, ns: str) -> None:
        if ("", "namespaces", "", ns) not in self._store:
            details = {"name": ns, "kind": "namespaces"}
            raise ApiStatusError(404, f'namespaces "{ns}" not found', "NotFound", details)

    @staticmethod
    def _string_data(res: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        # The API server folds Secret.stringData into data (base64) on write.
        if res.plural == "secrets" and obj.get("stringData"):
            encoded = {
                k: base64.b64encode(str(v).encode()).decode()
                for k, v in obj.pop("stringData").items()
            }
            obj["data"] = {**(obj.get("data") or {}), **encoded}
        return obj

    def _normalize(self, res: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Server-side defaulting common to every write (and the CRD's schema)."""
        obj = self._string_data(res, obj)
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        meta = obj.setdefault("metadata", {})
        if res.plural == "namespaces":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
        if res.plural == "secrets":
            obj.setdefault("type", "Opaque")
        if res.schema is not None:
            obj = dict(apply_defaults(prune(obj, res.schema, root=True), res.schema))
            # The real CRDs' schemas and CEL rules, as tests/test_crd_validation.py checks them.
            from tests.cases.kube_schemas import validation_errors

            written = ("name", "namespace", "labels", "annotations")  # server fields aside
            meta_in = {k: v for k, v in meta.items() if k in written}
            spec = {k: v for k, v in obj.items() if k != "status"}
            causes = validation_errors({**spec, "metadata": meta_in})
            if causes:
                message = f'{res.kind}.{res.group} "{meta["name"]}" is invalid: {"; ".join(causes)}'
                raise ApiStatusError(422, message, "Invalid")
        return obj

    def _updated(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        entries: list[ManagerEntry],
        res: ResourceType,
        manager: str,
        *,
        sub: str = "",
    ) -> list[ManagerEntry]:
        return record_update(
            old,
            new,
            entries,
            manager=manager,
            api_version=res.api_version,
            now=now_rfc3339(),
            subresource=sub,
            status_subresource=res.status_subresource,
        )

    # ----------------------------------------------------------------- storage

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _insert(
        self, res: ResourceType, obj: dict[str, Any], entries: list[ManagerEntry]
    ) -> StoredObject:
        meta = obj["metadata"]
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now_rfc3339())
        meta["resourceVersion"] = self._next_rv()
        if res.tracks_generation:
            meta["generation"] = 1
        so = StoredObject(res, obj, entries)
        self._store[_key(res, meta.get("namespace", ""), meta["name"])] = so
        self._on_crd(so)
        return so

    def _update(
        self, key: _Key, so: StoredObject, new: dict[str, Any], entries: list[ManagerEntry]
    ) -> StoredObject:
        """Commit `new` unless nothing changed (then the resourceVersion stays)."""
        new = copy.deepcopy(new)
        old_meta, new_meta = so.obj["metadata"], new.setdefault("metadata", {})
        for k in ("uid", "creationTimestamp", "resourceVersion", "generation"):
            if k in old_meta:
                new_meta[k] = old_meta[k]
        if new == so.obj and _fields(entries) == _fields(so.entries):
            return so
        if so.resource.tracks_generation and _spec_part(new) != _spec_part(so.obj):
            new_meta["generation"] = int(old_meta.get("generation", 0)) + 1
        new_meta["resourceVersion"] = self._next_rv()
        updated = StoredObject(so.resource, new, entries, so.get_count)
        self._store[key] = updated
        self._on_crd(updated)
        return updated

    def _remove(self, so: StoredObject) -> None:
        meta = so.obj["metadata"]
        if so.resource.plural == "namespaces":
            # Namespace deletion is immediate here (no Terminating phase): its
            # content goes first, as the namespace controller would do.
            for other in [o for k, o in self._store.items() if k[2] == meta["name"]]:
                self._remove(other)
        self._store.pop(_key(so.resource, meta.get("namespace", ""), meta["name"]), None)
        self._fire("delete", so, None, "")

    def _on_crd(self, so: StoredObject) -> None:
        """A CRD serves its types, with its schema (prune, default, validate)."""
        if so.resource.plural != "customresourcedefinitions":
            return
        spec = so.obj.get("spec") or {}
        names = spec.get("names") or {}
        for ver in spec.get("versions") or []:
            schema = (ver.get("schema") or {}).get("openAPIV3Schema")
            res = ResourceType(
                spec["group"],
                ver["name"],
                names["plural"],
                names["kind"],
                spec.get("scope", "Namespaced") == "Namespaced",
                status_subresource="status" in (ver.get("subresources") or {}),
                schema=schema,
            )
            self._types[(res.group, res.version, res.plural)] = res

    def _fire(self, verb: str, so: StoredObject, old: dict[str, Any] | None, sub: str) -> None:
        meta = so.obj["metadata"]
        res = so.resource
        for verbs, rule_res, name, fn in list(self._reactors):
            if verb not in verbs or (rule_res.group, rule_res.plural) != (res.group, res.plural):
                continue
            if name not in (None, meta["name"]):
                continue
            event = Event(
                verb, res, meta.get("namespace"), meta["name"], _render(so), old, sub, so.get_count
            )
            try:
                fn(self, event)
            except Exception:
                # Recorded, not raised: the write already happened, and the
                # fixture fails the test on any recorded internal error.
                self.internal_errors.append(traceback.format_exc())


# ---------------------------------------------------------------- module helpers


def _key(res: ResourceType, namespace: str, name: str) -> _Key:
    return (res.group, res.plural, namespace if res.namespaced else "", name)


def _render(so: StoredObject, *, for_list: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(so.obj)
    if for_list:
        del out["apiVersion"], out["kind"]
    if so.entries:
        out["metadata"]["managedFields"] = [e.to_json() for e in so.entries]
    return out


def _manager(query: Mapping[str, str], headers: Mapping[str, str]) -> str:
    # kube-apiserver names an unnamed non-apply writer after its user agent.
    return query.get("fieldManager") or headers.get("user-agent", "?").split("/", maxsplit=1)[0]


def _not_found(res: ResourceType, name: str) -> ApiStatusError:
    details = {"name": name, "kind": res.plural, **({"group": res.group} if res.group else {})}
    return ApiStatusError(404, f'{res.qualified} "{name}" not found', "NotFound", details)


def _spec_part(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _fields(entries: list[ManagerEntry]) -> list[tuple[Any, ...]]:
    return sorted((e.key, sorted(e.fields)) for e in entries)


Selector = Callable[[Mapping[str, str]], bool]


def _parse_selector(text: str) -> list[Selector]:
    """Equality selectors (`a=b`, `a==b`, `a!=b`) and existence (`a`, `!a`): what is sent."""
    return [_term(term.strip()) for term in text.split(",") if term.strip()]


def _term(term: str) -> Selector:
    key, op, value = re.fullmatch(r"(!?[^=!]+)(==|!=|=)?(.*)", term).groups()  # type: ignore[union-attr]

    def test(labels: Mapping[str, str]) -> bool:
        if op:
            return (labels.get(key) == value) is (op != "!=")
        return (key.lstrip("!") in labels) is not key.startswith("!")

    return test


# ------------------------------------------------------------------ HTTP layer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections are closed after this; clients reconnect

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY,
        # Nagle plus the client's delayed ACK adds ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        api: FakeKubeApi = self.server.api  # type: ignore[attr-defined]
        status, answer, headers = api.handle(self.command, self.path, dict(self.headers), body)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        # Exactly "application/json": lightkube compares the header verbatim
        # before turning an error response into ApiError.
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in headers.items():
            self.send_header(key, str(value))
        self.end_headers()
        self.wfile.write(payload)

    # BaseHTTPRequestHandler dispatches on these exact names.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815
