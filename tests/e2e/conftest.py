"""The end-to-end suite's fixtures: the real control plane, and the product run against it.

Every test here is marked `e2e` (run by `make e2e`, left out of `make test`). The
cluster is the one `make cluster` started, when one is up; otherwise the session
starts it and stops exactly what it started at the end. Without Go the cluster
cannot be built and every test errors with that reason: the suite never skips.

Tests share the session's cluster, each in namespaces of its own. The shared
operator release (`valkey-operator` in `valkey-system`, the product's defaults)
is installed by the first apply and stays: a test's own Valkeys and namespaces
are removed when it ends, without waiting for the namespace controller, so no
test pays for another's helm run or namespace deletion. A test that needs the
operator release to itself takes one of its own (`Live.own_operator`).
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.conftest import command_path
from tests.e2e.harness import cluster
from tests.e2e.harness.kube import JSON, USER_AGENT, Kube, wait_for
from tests.e2e.harness.pki import ADMIN_USER
from tests.fakes.faults import FaultTransport, TransportFault
from wildside_valkey.apply import (
    ApplyOptions,
    ApplyResult,
    ChangeSet,
    DestroyResult,
    KubeClient,
    PollPolicy,
    RetryPolicy,
    apply_plan,
    connect_cluster,
    destroy,
    plan_changes,
    preview_destroy,
)
from wildside_valkey.plan import Plan, build_plan
from wildside_valkey.variables import variables_from_mapping

E2E_DIR = Path(__file__).parent
MUTATING = frozenset({"create", "update", "patch", "delete", "deletecollection"})
VALKEYS = "/apis/hyperspike.io/v1/namespaces/{ns}/valkeys"
CONFIG_MAPS = "/api/v1/namespaces/{ns}/configmaps"
MANAGED = "app.kubernetes.io/managed-by=wildside-valkey"
# Quick retries and polls: the real server answers in milliseconds on loopback.
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.05, factor=2.0, max_delay=0.5)
FAST_POLL = PollPolicy(first=0.05, factor=2.0, max_interval=0.25)
WAIT = 60.0  # what apply may wait for the operator and the StatefulSet controller


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.timeout(600))


@pytest.fixture(scope="session")
def e2e_cluster() -> Iterator[cluster.State]:
    running = cluster.State.load()
    if running is not None and running.healthy():
        with Kube(running.identity()) as kube:
            # What an earlier session cut short left behind, its Valkeys above all: each
            # would count as a user of the operator release.
            namespaces = [n["metadata"]["name"] for n in kube.items("/api/v1/namespaces")]
            clean_up(kube, [n for n in namespaces if n.startswith(TEST_PREFIXES)])
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


TEST_PREFIXES = ("e2e-", "preview-")  # the namespaces tests make (docs' sessions: preview-N)


def new_namespace(prefix: str = "e2e") -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


def clean_up(kube: Kube, namespaces: list[str]) -> None:
    """Remove a test's Valkeys and preview records at once, then its namespaces in the
    background.

    Neither has a finalizer: deleting them is immediate, so no later test counts a Valkey
    as a user of the shared operator release, or lists a preview. The namespace
    controller and the garbage collector take the rest while the next tests run.
    """
    for namespace in namespaces:
        for collection, selector in (
            (VALKEYS.format(ns=namespace), ""),  # every one: a test's own are its to remove
            (CONFIG_MAPS.format(ns=namespace), MANAGED),  # the lifecycle records
        ):
            for obj in kube.items(collection, labelSelector=selector):
                kube.delete(f"{collection}/{obj['metadata']['name']}")
        kube.delete(f"/api/v1/namespaces/{namespace}")


# ------------------------------------------------------------------- the command


@dataclass
class Product:
    """The `wildside-valkey` command, run as a user would against the e2e cluster."""

    state: cluster.State
    cwd: Path
    env: dict[str, str]

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command_path(), *args],
            cwd=self.cwd,
            env={**self.env, **(env or {})},
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


class HelmRecorder:
    """`helm` first on PATH: notes each command line, then runs the real helm binary."""

    def __init__(self, directory: Path, real: str = "helm") -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.log = directory / "calls.log"
        binary = Path(sys.executable).parent / real
        script = directory / "helm"
        script.write_text(
            "#!/bin/sh\n"
            f"{{ for a in \"$@\"; do printf '%s\\037' \"$a\"; done; echo; }} >> '{self.log}'\n"
            f"exec '{binary}' \"$@\"\n"
        )
        script.chmod(0o755)

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split("\x1f")[:-1] for line in self.log.read_text().splitlines()]

    def commands(self) -> list[str]:
        """The first word of each run: `upgrade`, `list`, `rollback`, ..."""
        return [call[0] for call in self.calls()]

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


def _environment(state: cluster.State, helm: HelmRecorder, home: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)  # helm and helm3 live here (make helm)
    return {
        "PATH": os.pathsep.join([str(helm.directory), venv_bin, os.environ.get("PATH", "")]),
        "KUBECONFIG": str(state.kubeconfig),
        "SSL_CERT_FILE": str(state.pki.trust_bundle),  # helm trusts the chart server
        "HOME": str(home),  # helm's caches and config: nothing of the user's
        "PYTHONFAULTHANDLER": "1",  # a crash names its line instead of an empty exit -11
    }


@pytest.fixture
def product(e2e_cluster: cluster.State, tmp_path: Path) -> Product:
    helm = HelmRecorder(tmp_path / "product-helm")
    env = {**os.environ, **_environment(e2e_cluster, helm, tmp_path / "home")}
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
def instance(e2e_cluster: cluster.State, kube: Kube) -> Iterator[Instance]:
    namespace = new_namespace()
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
    clean_up(kube, [namespace])


# ------------------------------------------------------------------ the audit log


class AuditLog:
    """The API server's own record of who sent what (its audit log, one JSON line a request)."""

    def __init__(self, path: Path, kube: Kube) -> None:
        self.path = path
        self.kube = kube
        self.offset = 0

    def mark(self) -> None:
        """From now on: `events()` returns only what comes after this call."""
        self.offset = self.path.stat().st_size

    def events(self) -> list[JSON]:
        """Every request since `mark()`, once the server has written them all down.

        An event is written when its request completes, a moment after its answer
        went out: a request of our own, once logged, means all before it are.
        """
        token = secrets.token_hex(4)
        self.kube.raw("GET", f"/version?e2e-audit-sync={token}")
        found: list[JSON] = []

        def synced() -> bool:
            found[:] = self._read()
            return any(token in event.get("requestURI", "") for event in found)

        wait_for("the audit log to catch up", synced, timeout=10, interval=0.02)
        return [e for e in found if "e2e-audit-sync=" not in e.get("requestURI", "")]

    def _read(self) -> list[JSON]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode()
        # The API server may be half-way through writing the last line: complete lines only.
        complete = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in complete.splitlines() if line.strip()]

    def requests(self, *, user: str = ADMIN_USER, helm: bool = False) -> list[JSON]:
        """The product's requests (or helm's, with `helm`): the harness's own left out."""
        return [
            event
            for event in self.events()
            if event.get("user", {}).get("username") == user
            and event.get("userAgent", "") != USER_AGENT
            and event.get("userAgent", "").startswith("Helm/") is helm
        ]

    def writes(self, *, user: str = ADMIN_USER, helm: bool = False) -> list[str]:
        """`VERB resource[/subresource] namespace/name` of every accepted write."""
        return [
            describe(event)
            for event in self.requests(user=user, helm=helm)
            if event["verb"] in MUTATING and event.get("responseStatus", {}).get("code", 0) < 400
        ]

    def calls(self, *, helm: bool = False) -> list[str]:
        """`VERB resource namespace/name` of every request, reads too, in order."""
        return [describe(event) for event in self.requests(helm=helm)]


def describe(event: JSON) -> str:
    ref: dict[str, Any] = event.get("objectRef") or {}
    resource = ref.get("resource", "")
    if ref.get("subresource"):
        resource += "/" + ref["subresource"]
    # The audit log files a Namespace under its own name as its namespace too.
    namespace = None if resource == "namespaces" else ref.get("namespace")
    where = "/".join(p for p in (namespace, ref.get("name")) if p)
    return f"{event['verb']} {resource} {where}".rstrip()


@pytest.fixture
def audit(e2e_cluster: cluster.State, kube: Kube) -> AuditLog:
    log = AuditLog(e2e_cluster.audit_log, kube)
    log.mark()
    return log


# --------------------------------------------------- the product, in this process


def _tls(state: cluster.State) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(state.pki.ca_cert))
    context.load_cert_chain(str(state.pki.cert("admin")), str(state.pki.key("admin")))
    return context


@dataclass
class Live:
    """The product's library against the e2e cluster, in this process: plans from
    variables, then plan, apply and destroy through the real client code, with quick
    retries and polls, and faults injectable at lightkube's transport (`inject`)."""

    state: cluster.State
    kube: Kube
    audit: AuditLog
    helm: HelmRecorder
    product: Product
    namespace: str
    namespaces: list[str] = field(default_factory=list)
    faults: list[TransportFault] = field(default_factory=list)
    retry: RetryPolicy = FAST_RETRY
    request_timeout: float = 10.0

    # ------------------------------------------------------------- variables

    def new_namespace(self, prefix: str = "e2e") -> str:
        made = new_namespace(prefix)
        self.namespaces.append(made)
        return made

    def own_operator(self) -> dict[str, str]:
        """Variables for an operator release of this test's own, in a namespace of its own."""
        namespace = self.new_namespace("e2e-operator")
        return {"operator_namespace": namespace, "helm_release_name": f"vo-{namespace[-6:]}"}

    def variables(self, **overrides: Any) -> dict[str, Any]:
        return {
            "mode": "apply",
            "namespace": self.namespace,
            "chart_repository": self.state.chart_repository,
            "chart_version": self.state.chart_version,
            "storage_class": cluster.STORAGE_CLASS,
            "flux_source_kind": "HelmRepository",
            **overrides,
        }

    def plan(self, **variables: Any) -> Plan:
        return build_plan(variables_from_mapping(self.variables(**variables)))

    def args(self, **variables: str) -> list[str]:
        """The command's arguments for this test's instance (and `variables`)."""
        pairs = {"namespace": self.namespace, **variables}
        extra = [arg for key, value in pairs.items() for arg in ("--var", f"{key}={value}")]
        return ["--var-file", str(self.state.tfvars), *extra]

    # -------------------------------------------------------------- the library

    def inject(self, *faults: TransportFault) -> None:
        """Fail in-process requests at the transport seam (tests/fakes/faults.py)."""
        self.faults.extend(faults)

    def client(self, **kwargs: Any) -> KubeClient:
        kwargs.setdefault("retry", self.retry)
        kwargs.setdefault("request_timeout", self.request_timeout)
        inner = httpx.HTTPTransport(verify=_tls(self.state))
        kwargs.setdefault("transport", FaultTransport(*self.faults, inner=inner))
        return connect_cluster(self.state.kubeconfig, **kwargs)

    def plan_changes(self, plan: Plan) -> ChangeSet:
        with self.client() as kube:
            return plan_changes(plan, kube)

    def apply(self, plan: Plan, **options: Any) -> ApplyResult:
        options.setdefault("timeout", WAIT)
        options.setdefault("poll", FAST_POLL)
        with self.client() as kube:
            return apply_plan(plan, kube, options=ApplyOptions(**options))

    def preview_destroy(self, plan: Plan) -> DestroyResult:
        with self.client() as kube:
            return preview_destroy(plan, kube)

    def destroy(self, plan: Plan, **options: Any) -> DestroyResult:
        options.setdefault("timeout", WAIT)
        options.setdefault("poll", FAST_POLL)
        with self.client() as kube:
            return destroy(plan, kube, options=ApplyOptions(**options))

    # -------------------------------------------------------------- the command

    def run(
        self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.product.run(*args, stdin=stdin, env=env)

    # ------------------------------------------------------------------ records

    def mark(self) -> None:
        """Forget the requests and helm runs so far."""
        self.audit.mark()
        self.helm.clear()

    def writes(self) -> list[str]:
        """The product's accepted writes since `mark()` (helm's and the harness's left out)."""
        return self.audit.writes()

    def helm_commands(self) -> list[str]:
        return self.helm.commands()

    def valkey(self, name: str = "valkey", namespace: str | None = None) -> JSON | None:
        return self.kube.get(f"{VALKEYS.format(ns=namespace or self.namespace)}/{name}")

    def get(self, path: str) -> JSON | None:
        return self.kube.get(path)


@pytest.fixture
def live(
    e2e_cluster: cluster.State,
    kube: Kube,
    audit: AuditLog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Live]:
    helm = HelmRecorder(tmp_path / "helm")
    environment = _environment(e2e_cluster, helm, tmp_path / "home")
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    product = Product(e2e_cluster, tmp_path, dict(os.environ))
    namespace = new_namespace()
    made = Live(e2e_cluster, kube, audit, helm, product, namespace, [namespace])
    yield made
    clean_up(kube, made.namespaces)
