"""A small typed client for the harness itself: JSON over HTTPS with a client certificate.

The harness (and the operator stand-in) must not depend on the product's own
client code, which is what the end-to-end tests exercise; httpx is already a
dependency of lightkube.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import yaml

from .processes import HarnessError, Started, tail

START_TIMEOUT = 90.0  # a program just started, to answer

JSON = dict[str, Any]
APPLY = "application/apply-patch+yaml"
# The harness's own requests, told apart from the product's in the audit log.
USER_AGENT = "wildside-e2e-harness"
MERGE = "application/merge-patch+json"


@dataclass(frozen=True)
class Identity:
    server: str
    ca: Path
    cert: Path
    key: Path


def write_kubeconfig(path: Path, identity: Identity, *, context: str = "wildside-e2e") -> Path:
    """A kubeconfig for a client-certificate identity, with file references (client-go
    resolves them)."""
    user = {"client-certificate": str(identity.cert), "client-key": str(identity.key)}
    return write_kubeconfig_for(path, identity.server, identity.ca, user, context=context)


def write_kubeconfig_for(
    path: Path, server: str, ca: Path, user: Mapping[str, str], *, context: str
) -> Path:
    """A kubeconfig in kubectl's shape: one cluster, one user (`user`'s credentials), one
    context, current; readable by its owner only."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": context, "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [{"name": context, "user": dict(user)}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
        "current-context": context,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


class Kube:
    """GET/apply/patch/delete by API path; 404 on GET is None."""

    def __init__(self, identity: Identity, *, timeout: float = 10.0) -> None:
        context = ssl.create_default_context(cafile=str(identity.ca))
        context.load_cert_chain(str(identity.cert), str(identity.key))
        self._http = httpx.Client(
            base_url=identity.server,
            verify=context,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Kube:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, path: str, **params: str) -> JSON | None:
        response = self._http.get(path, params=params)
        if response.status_code == 404:
            return None
        _raise_for(response)
        body: JSON = response.json()
        return body

    def absent(self, path: str) -> bool:
        return self.get(path) is None

    def items(self, path: str, **params: str) -> Iterator[JSON]:
        body = self.get(path, **params)
        yield from (body or {}).get("items") or []

    def apply(self, path: str, obj: JSON, *, manager: str, dry_run: bool = False) -> JSON:
        """Server-side apply of `obj` at its own path `path` (…/NAME), forcing ownership."""
        params = {"fieldManager": manager, "force": "true"}
        if dry_run:
            params["dryRun"] = "All"
        response = self._http.patch(
            path, params=params, content=yaml.safe_dump(obj), headers={"Content-Type": APPLY}
        )
        _raise_for(response)
        body: JSON = response.json()
        return body

    def merge_patch(self, path: str, patch: JSON) -> JSON:
        response = self._http.patch(path, json=patch, headers={"Content-Type": MERGE})
        _raise_for(response)
        body: JSON = response.json()
        return body

    def create(self, path: str, obj: JSON) -> JSON:
        response = self._http.post(path, json=obj)
        _raise_for(response)
        body: JSON = response.json()
        return body

    def delete(self, path: str) -> None:
        response = self._http.delete(path)
        if response.status_code != 404:
            _raise_for(response)

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self._http.request(method, path, **kwargs)


class ApiError(HarnessError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:2000]}")
        self.status = status


def _raise_for(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise ApiError(response.status_code, response.text)


def wait_for(
    what: str, check: Callable[[], bool], *, timeout: float, interval: float = 0.2
) -> None:
    """Poll `check` until it is true; exceptions count as not yet."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, HarnessError, OSError) as error:
            last = error
        time.sleep(interval)
    raise HarnessError(
        f"timed out after {timeout:.0f}s waiting for {what}"
        + (f" (last error: {last})" if last else "")
    )


def answers(url: str, *, verify: ssl.SSLContext | bool = False) -> bool:
    """Whether `url` answers 200 now (a program's health endpoint, for `wait_started`)."""
    return bool(httpx.get(url, verify=verify, timeout=2).status_code == 200)


def wait_started(process: Started, what: str, check: Callable[[], object]) -> None:
    """`wait_for` a process just started; when it exits instead, say so with its log's end."""

    def ready() -> bool:
        if not process.alive():
            raise _ExitedError(process)
        return bool(check())

    try:
        wait_for(what, ready, timeout=START_TIMEOUT)
    except _ExitedError as exited:
        raise HarnessError(
            f"{process.name} exited while starting; the end of {process.log}:\n"
            + tail(Path(process.log))
        ) from exited
    except HarnessError as error:
        raise HarnessError(
            f"{error}; the end of {process.log}:\n{tail(Path(process.log))}"
        ) from None


class _ExitedError(Exception):
    def __init__(self, process: Started) -> None:
        self.process = process
