"""The end-to-end suite's fixtures: the real control plane, and the product run against it.

Every test here is marked `e2e` (run by `make e2e`, left out of `make test`). The
cluster is the one `make cluster` started, when one is up; otherwise the session
starts it and stops exactly what it started at the end. Without Go the cluster
cannot be built and every test errors with that reason: the suite never skips.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import command_path
from tests.e2e.harness import cluster
from tests.e2e.harness.kube import JSON, Kube
from tests.e2e.harness.pki import ADMIN_USER

E2E_DIR = Path(__file__).parent
MUTATING = frozenset({"create", "update", "patch", "delete", "deletecollection"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def e2e_cluster() -> Iterator[cluster.State]:
    running = cluster.State.load()
    if running is not None and running.healthy():
        yield running
        return
    state = cluster.up()
    try:
        yield state
    finally:
        cluster.down(quiet=True)


@pytest.fixture
def kube(e2e_cluster: cluster.State) -> Iterator[Kube]:
    with Kube(e2e_cluster.identity()) as client:
        yield client


@dataclass
class Product:
    """The `wildside-valkey` command, run as a user would against the e2e cluster."""

    state: cluster.State
    cwd: Path
    env: dict[str, str]

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command_path(), *args],
            cwd=self.cwd,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = self.run(*args)
        assert result.returncode == 0, (
            f"wildside-valkey {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stderr}\n{result.stdout}"
        )
        return result


@pytest.fixture
def product(e2e_cluster: cluster.State, tmp_path: Path) -> Product:
    venv_bin = str(Path(sys.executable).parent)  # helm and helm3 live here (make helm)
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "KUBECONFIG": str(e2e_cluster.kubeconfig),
        "SSL_CERT_FILE": str(e2e_cluster.pki.trust_bundle),
        "HOME": str(tmp_path / "home"),  # helm's caches and config: nothing of the user's
    }
    return Product(e2e_cluster, tmp_path, env)


@dataclass(frozen=True)
class Instance:
    """One Valkey of a test's own: its namespace and the variables that select it."""

    namespace: str
    cluster_name: str
    args: tuple[str, ...]

    def with_vars(self, *pairs: str) -> list[str]:
        extra = [arg for pair in pairs for arg in ("--var", pair)]
        return [*self.args, *extra]


@pytest.fixture
def instance(e2e_cluster: cluster.State, product: Product) -> Iterator[Instance]:
    namespace = f"e2e-{secrets.token_hex(3)}"
    made = Instance(
        namespace,
        "cache",
        (
            "--var-file",
            str(e2e_cluster.tfvars),
            "--var",
            f"namespace={namespace}",
            "--var",
            "cluster_name=cache",
        ),
    )
    yield made
    product.run("destroy", *made.args, "--auto-approve")  # after a failure: best effort


class AuditLog:
    """The API server's own record of who sent what (its audit log, one JSON line a request)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        """From now on: `events()` returns only what comes after this call."""
        self.offset = self.path.stat().st_size

    def events(self) -> list[JSON]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            lines = log.read().decode().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def writes(self, *, user: str = ADMIN_USER) -> list[str]:
        """`VERB resource[/subresource] namespace/name` of every write by `user`."""
        return [
            _describe(event)
            for event in self.events()
            if event["verb"] in MUTATING
            and event.get("user", {}).get("username") == user
            and event.get("responseStatus", {}).get("code", 0) < 400
        ]


def _describe(event: JSON) -> str:
    ref: dict[str, Any] = event.get("objectRef") or {}
    resource = ref.get("resource", "")
    if ref.get("subresource"):
        resource += "/" + ref["subresource"]
    where = "/".join(p for p in (ref.get("namespace"), ref.get("name")) if p)
    return f"{event['verb']} {resource} {where}".rstrip()


@pytest.fixture
def audit(e2e_cluster: cluster.State) -> AuditLog:
    log = AuditLog(e2e_cluster.audit_log)
    log.mark()
    return log
