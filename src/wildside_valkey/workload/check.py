"""``check``: prove a workload can use the cluster the contract describes.

Connects exactly as ``connect`` does, then PINGs every primary and writes,
reads and deletes a key of its own (unique name, short TTL so a check killed
half-way leaves nothing behind for long), timing each step, and reads the
server version. Success returns a :class:`CheckResult`; failure raises the
same errors as ``connect``, or :class:`CheckFailedError` naming the step.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, TypeVar

from valkey import exceptions as vx
from valkey.cluster import ValkeyCluster

from wildside_valkey.errors import CheckFailedError, ConnectOptionError
from wildside_valkey.workload.client import Connected, ConnectOptions, ValkeyClient, open_client
from wildside_valkey.workload.contract_view import ContractSource
from wildside_valkey.workload.translate import LIBRARY_ERRORS, translate

KEY_PREFIX = "wildside-valkey:check:"
DEFAULT_TTL_SECONDS = 60
OutputFormat = Literal["text", "json"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Step:
    """One timed step of the check."""

    name: str
    milliseconds: float
    detail: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a successful check saw. Names password and CA *sources*, never their values."""

    cluster_name: str
    address: str
    cluster: bool
    primaries: tuple[str, ...]
    tls_server_name: str | None
    ca_source: str | None
    password_source: str | None
    server_name: str
    server_version: str
    key: str
    steps: tuple[Step, ...]

    @property
    def total_milliseconds(self) -> float:
        return round(sum(step.milliseconds for step in self.steps), 3)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["primaries"] = list(self.primaries)
        data["steps"] = [asdict(step) for step in self.steps]
        return {"ok": True, **data, "total_milliseconds": self.total_milliseconds}


class _Timer:
    """Runs steps, records their latency, and turns library errors into ours."""

    def __init__(self, connected: Connected) -> None:
        self.connected = connected
        self.steps: list[Step] = []

    def run(self, name: str, action: Callable[[], _T], detail: Callable[[_T], str]) -> _T:
        start = time.perf_counter()
        try:
            value = action()
        except vx.ResponseError as exc:
            # The server answered, with an error (OOM, READONLY, CLUSTERDOWN...).
            raise CheckFailedError(f"check step {name!r} failed: {exc}") from exc
        except LIBRARY_ERRORS as exc:
            raise translate(exc, self.connected.attempt) from exc
        elapsed = (time.perf_counter() - start) * 1000
        self.steps.append(Step(name, round(elapsed, 3), detail(value)))
        return value


def run_check(
    contract: ContractSource,
    options: ConnectOptions | None = None,
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
) -> CheckResult:
    """Connect with ``options`` and run PING, SET/GET/DEL and INFO; raise on any failure."""
    if ttl_seconds < 1:
        raise ConnectOptionError(
            f"the check key's TTL must be at least 1 second, not {ttl_seconds}"
        )
    start = time.perf_counter()
    connected = open_client(contract, options or ConnectOptions())
    connect_ms = round((time.perf_counter() - start) * 1000, 3)
    client = connected.client
    timer = _Timer(connected)
    key = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    try:
        primaries = _primaries(connected)
        timer.steps.append(Step("connect", connect_ms, _connect_detail(connected, primaries)))
        timer.run("ping", lambda: _ping(client), lambda _: f"{len(primaries)} answered PONG")
        _round_trip(timer, client, key, ttl_seconds)
        info = timer.run("info", lambda: _server_info(client), _info_detail)
    finally:
        client.close()  # type: ignore[no-untyped-call]
    name, version = _server_identity(info)
    return CheckResult(
        cluster_name=connected.view.cluster_name,
        address=connected.address,
        cluster=connected.cluster,
        primaries=primaries,
        tls_server_name=connected.tls_server_name,
        ca_source=connected.ca_source,
        password_source=connected.password_source,
        server_name=name,
        server_version=version,
        key=key,
        steps=tuple(timer.steps),
    )


def _round_trip(timer: _Timer, client: ValkeyClient, key: str, ttl_seconds: int) -> None:
    """SET a random token under ``key`` (only if new), GET it back, DEL it."""
    token = secrets.token_hex(16)
    # NX: a key that already exists is not ours, so it is neither used nor deleted.
    timer.run("set", lambda: client.set(key, token, ex=ttl_seconds, nx=True), _set_detail)
    removed = False
    try:
        got = timer.run("get", lambda: client.get(key), lambda _: "value read back")
        if _text(got) != token:
            raise CheckFailedError(f"check step 'get' read back a different value for {key}")
        deleted = timer.run("del", lambda: client.delete(key), lambda n: f"{n} key deleted")
        removed = deleted == 1
        if not removed:
            raise CheckFailedError(f"check step 'del' deleted {deleted} keys, expected 1")
    finally:
        if not removed:
            _best_effort_delete(client, key)


def _ping(client: ValkeyClient) -> object:
    if isinstance(client, ValkeyCluster):
        return client.ping(target_nodes=ValkeyCluster.PRIMARIES)
    return client.ping()


def _primaries(connected: Connected) -> tuple[str, ...]:
    client = connected.client
    if isinstance(client, ValkeyCluster):
        return tuple(sorted(node.name for node in client.get_primaries()))  # type: ignore[no-untyped-call]
    return (connected.address,)


def _server_info(client: ValkeyClient) -> Mapping[str, Any]:
    if isinstance(client, ValkeyCluster):
        info = client.info("server", target_nodes=client.get_default_node())  # type: ignore[no-untyped-call]
    else:
        info = client.info("server")
    if not isinstance(info, Mapping):
        raise CheckFailedError("check step 'info' got no INFO server section")
    return info


def _server_identity(info: Mapping[str, Any]) -> tuple[str, str]:
    # Valkey reports valkey_version (and a redis_version kept at 7.2.4 for
    # clients); Redis reports only redis_version.
    if "valkey_version" in info:
        return str(info.get("server_name", "valkey")), str(info["valkey_version"])
    return str(info.get("server_name", "redis")), str(info.get("redis_version", "unknown"))


def _info_detail(info: Mapping[str, Any]) -> str:
    return "INFO server: {} {}".format(*_server_identity(info))


def _set_detail(answer: object) -> str:
    if not answer:
        raise CheckFailedError("check step 'set' was refused: the key already exists")
    return "key written"


def _best_effort_delete(client: ValkeyClient, key: str) -> None:
    # Cleanup after a failed step must not hide that step's error; the TTL
    # removes the key anyway.
    with contextlib.suppress(*LIBRARY_ERRORS):
        client.delete(key)


def _connect_detail(connected: Connected, primaries: tuple[str, ...]) -> str:
    count = len(primaries)
    mode = f"cluster, {count} {'primary' if count == 1 else 'primaries'}"
    mode = mode if connected.cluster else "standalone"
    tls = f"TLS verified as {connected.tls_server_name}" if connected.tls_server_name else "no TLS"
    return f"{connected.address} ({mode}, {tls})"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def format_check(result: CheckResult, output: OutputFormat = "text") -> str:
    """The result as human text or as JSON (``--output json``)."""
    if output == "json":
        return json.dumps(result.to_dict(), indent=2)
    if output != "text":
        raise ConnectOptionError(f"output must be text or json, not {output!r}")
    lines = [
        f"OK: {result.server_name} {result.server_version} at {result.address} "
        f"(cluster {result.cluster_name})",
        f"  mode:      {'cluster' if result.cluster else 'standalone'}"
        + (f", primaries {', '.join(result.primaries)}" if result.cluster else ""),
        "  tls:       "
        + (
            f"verified as {result.tls_server_name}, CA from {result.ca_source}"
            if result.tls_server_name
            else "off"
        ),
        f"  password:  {f'from {result.password_source}' if result.password_source else 'none'}",
        f"  test key:  {result.key} (deleted)",
        "  steps:",
    ]
    width = max(len(step.name) for step in result.steps)
    lines.extend(
        f"    {step.name:<{width}}  {step.milliseconds:9.3f} ms  {step.detail}"
        for step in result.steps
    )
    lines.append(f"    {'total':<{width}}  {result.total_milliseconds:9.3f} ms")
    return "\n".join(lines)
