"""The one place apply mode talks to the Kubernetes API: a thin layer over lightkube.

Four verbs (get, list, server-side apply, delete) on plain dicts, each retried
on transient failures and translated into the project's errors. Objects travel
as lightkube generic resources built from the static kind table, never
registered globally, so this layer neither needs discovery nor clashes with
other lightkube users in the same process.

The transport is the swappable seam: pass an ``httpx2`` transport (or a whole
lightkube ``Client``) to run the same code against anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar

import httpx2 as httpx
from lightkube import ALL_NS, ApiError, Client, ConfigError
from lightkube.core.resource import ApiInfo, ResourceDef
from lightkube.generic_resource import GenericGlobalResource, GenericNamespacedResource

from ..kubeconfig import KubeconfigError
from .api_errors import Operation, classify, status_code, translate
from .connection import Connection
from .kinds import Kind, ObjectRef
from .ownership import FIELD_MANAGER
from .retry import RetryHook, RetryPolicy, Transient, call_with_retry

T = TypeVar("T")
# An answer with an error status. For a path nothing serves (the group of a CRD that is not
# installed) the real API server's mux answers a plain-text "404 page not found", not a
# Status object, and lightkube raises httpx's HTTPStatusError for it instead of ApiError.
_ANSWERED = (ApiError, httpx.HTTPStatusError)
ALL_NAMESPACES = ALL_NS
DEFAULT_REQUEST_TIMEOUT = 30.0
# Building a client loads its CA and client certificate into a new SSLContext, in OpenSSL
# with the GIL released. Done from several threads at once (``apply --each``) this crashes
# the interpreter (SIGSEGV) on the CPython versions this project supports: CPython
# gh-134698 (load_cert_chain from threads, fixed in 3.13 and later only) and
# python-build-standalone #207 (OpenSSL setup from threads). One client is built at a time.
_SSL_SETUP = threading.Lock()


@cache
def resource_class(kind: Kind) -> Any:
    """A lightkube generic resource class for ``kind`` (cached, not registered)."""
    base: type = GenericNamespacedResource if kind.namespaced else GenericGlobalResource
    info = ApiInfo(
        resource=ResourceDef(kind.group, kind.version, kind.kind),
        plural=kind.plural,
        verbs=["delete", "get", "global_list", "list", "patch"],
    )
    return type(kind.kind, (base,), {"_api_info": info, "__module__": __name__})


class KubeClient:
    """get / list / apply / delete against one cluster, with retries."""

    def __init__(
        self,
        client: Client,
        connection: Connection,
        *,
        retry: RetryPolicy | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        self._client = client
        self.connection = connection
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry

    @classmethod
    def connect(
        cls,
        connection: Connection,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> KubeClient:
        try:
            with _SSL_SETUP:
                client = Client(
                    config=connection.config,
                    field_manager=FIELD_MANAGER,
                    timeout=httpx.Timeout(request_timeout),
                    transport=transport,
                )
        except (ConfigError, OSError, ValueError) as error:
            raise KubeconfigError(
                f"cannot use the credentials of {connection.describe()}: {error}"
            ) from error
        return cls(client, connection, retry=retry)

    @property
    def server(self) -> str:
        return self.connection.server

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ verbs

    def get(self, ref: ObjectRef) -> dict[str, Any] | None:
        """The live object, or None when it (or its type) does not exist."""
        operation = Operation("get", ref.kind, ref.namespace, ref.name)

        def get() -> dict[str, Any] | None:
            try:
                found = self._client.get(
                    resource_class(ref.kind), ref.name, namespace=_namespace(ref)
                )
            except _ANSWERED as error:
                if status_code(error) == 404:
                    return None
                raise
            return dict(found)

        return self._call(operation, get)

    def list(
        self, kind: Kind, namespace: str | None, labels: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Objects of ``kind`` (in ``namespace``, or ``ALL_NAMESPACES``) matching ``labels``.

        A type the cluster does not serve has no objects: an empty list.
        """
        operation = Operation("list", kind, namespace if kind.namespaced else None)

        def list_() -> list[dict[str, Any]]:
            try:
                items = self._client.list(
                    resource_class(kind),
                    namespace=namespace if kind.namespaced else None,
                    labels=dict(labels) if labels else None,
                )
                return [_with_type(kind, dict(item)) for item in items]
            except _ANSWERED as error:
                if status_code(error) == 404:
                    return []
                raise

        return self._call(operation, list_)

    def apply(self, ref: ObjectRef, body: Mapping[str, Any], *, force: bool = False) -> None:
        """Server-side apply of ``body`` with our one field manager."""
        operation = Operation("patch", ref.kind, ref.namespace, ref.name)
        obj = resource_class(ref.kind)(dict(body))

        def apply() -> None:
            self._client.apply(obj, field_manager=FIELD_MANAGER, force=force)

        self._call(operation, apply)

    def delete(self, ref: ObjectRef) -> bool:
        """Ask for deletion; False when the object was already gone."""
        operation = Operation("delete", ref.kind, ref.namespace, ref.name)

        def delete() -> bool:
            try:
                self._client.delete(resource_class(ref.kind), ref.name, namespace=_namespace(ref))
            except _ANSWERED as error:
                if status_code(error) == 404:
                    return False
                raise
            return True

        return self._call(operation, delete)

    # --------------------------------------------------------------- plumbing

    def _call(self, operation: Operation, function: Callable[[], T]) -> T:
        attempts = 0

        def attempt() -> T:
            nonlocal attempts
            attempts += 1
            return function()

        def hook(number: int, transient: Transient, wait: float) -> None:
            # Read at call time: the CLI attaches its reporter after connecting.
            if self.on_retry is not None:
                self.on_retry(number, transient, wait)

        try:
            return call_with_retry(attempt, self.retry, classify, hook)
        except httpx.HTTPError as error:
            raise translate(error, operation, self.server, attempts) from error
        except ConfigError as error:  # an exec credential plugin or token file failed
            raise KubeconfigError(
                f"cannot authenticate to {self.connection.describe()}: {error}"
            ) from error
        except OSError as error:
            # lightkube runs the kubeconfig's exec credential plugin (or reads its token
            # file) while sending: a plugin that is not installed surfaces here.
            missing = f" ({error.filename})" if error.filename else ""
            raise KubeconfigError(
                f"cannot authenticate to {self.connection.describe()}: the credential "
                f"plugin or token file its user names cannot be used{missing}: "
                f"{error.strerror or error}; install the plugin (or fix the path) and "
                "try again"
            ) from error


def _namespace(ref: ObjectRef) -> str | None:
    # lightkube falls back to the kubeconfig's namespace when given None: never
    # what we mean for a namespaced object, so its namespace is always explicit.
    return ref.namespace if ref.kind.namespaced else None


def _with_type(kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    # List items of built-in types carry no apiVersion/kind; the list's type is theirs.
    obj.setdefault("apiVersion", kind.api_version)
    obj.setdefault("kind", kind.kind)
    return obj
