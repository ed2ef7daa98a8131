"""`make cluster` / `make cluster-down`: the real control plane on loopback.

Starts, in order and each only once the one before it answers: etcd,
kube-apiserver, kube-controller-manager, kube-scheduler, kwok (the kubelet's
stand-in), the chart server and the operator stand-in. Then installs the CRDs,
a StorageClass and a kwok Node, and writes `.e2e/kubeconfig`,
`.e2e/cluster.tfvars` and `.e2e/env`. Everything lives under `.e2e/`; nothing
outside it (no ~/.kube/config) is read or written. `down` stops exactly the
processes recorded in `.e2e/state.json` and removes `.e2e/`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import httpx2 as httpx

from . import build, chart, flux
from .kube import Identity, Kube, answers, wait_started, write_kubeconfig
from .objects import install_crds, install_node, install_storage_class
from .pki import Pki, make_pki
from .processes import HarnessError, Started, free_port, start, stop

REPO = Path(__file__).resolve().parents[3]
STATE_DIR = REPO / ".e2e"
STATE_FILE = STATE_DIR / "state.json"
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STORAGE_CLASS = "e2e-local"
NODE = "kwok-node-0"
# Pod IPs kwok hands out: loopback, so nothing ever dials a private or public range.
POD_CIDR = "127.0.100.0/24"
SERVICE_CIDR = "10.96.0.0/16"  # only allocated from, never dialled


@dataclass
class State:
    """What `up` started and where: the only thing `down` and the tests read."""

    root: str
    server: str
    chart_repository: str
    chart_version: str
    processes: list[Started] = field(default_factory=list)
    git_url: str = ""  # the Git repository Flux reads rendered trees from
    registry: str = ""  # host:port of the OCI registry holding the operator chart
    flux_locked: bool = False  # kustomize- and helm-controller under the lockdown flags

    @property
    def gitops_tfvars(self) -> Path:
        return Path(self.root) / "gitops.tfvars"

    @property
    def pki(self) -> Pki:
        return Pki(Path(self.root) / "pki")

    @property
    def kubeconfig(self) -> Path:
        return Path(self.root) / "kubeconfig"

    @property
    def tfvars(self) -> Path:
        return Path(self.root) / "cluster.tfvars"

    @property
    def audit_log(self) -> Path:
        return Path(self.root) / "logs" / "audit.log"

    def identity(self, who: str = "admin") -> Identity:
        return Identity(self.server, self.pki.ca_cert, self.pki.cert(who), self.pki.key(who))

    def save(self) -> None:
        STATE_FILE.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls) -> State | None:
        try:
            data = json.loads(STATE_FILE.read_text())
        except (OSError, ValueError):
            return None
        data["processes"] = [Started(**p) for p in data.get("processes", [])]
        return cls(**data)

    def healthy(self) -> bool:
        if not self.processes or not all(p.alive() for p in self.processes):
            return False
        try:
            with Kube(self.identity(), timeout=3) as kube:
                return bool(kube.raw("GET", "/readyz").status_code == 200)
        except (httpx.HTTPError, OSError, HarnessError):
            return False


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def up() -> State:
    """Start the cluster, or return the one already running."""
    existing = State.load()
    if existing is not None and existing.healthy():
        _say(f"the cluster is already running ({existing.server})")
        return existing
    if existing is not None:
        _say("a previous cluster is not healthy: stopping what it started")
        down(quiet=True)
    for built in build.build_all():
        if built.rebuilt:
            _say(f"built e2e/{built.module} in {built.seconds:.0f}s")
    root = STATE_DIR
    root.mkdir(parents=True, exist_ok=True)
    pki = make_pki(root / "pki", system_bundle=SYSTEM_CA_BUNDLE)
    logs = root / "logs"
    api_port = free_port()
    state = State(
        root=str(root),
        server=f"https://127.0.0.1:{api_port}",
        chart_repository="",
        chart_version=chart.VERSION,
    )
    try:
        _start_all(state, pki, logs, api_port)
    except BaseException:
        state.save()
        down(quiet=True)
        raise
    state.save()
    write_tfvars(state)
    return state


def _start_all(state: State, pki: Pki, logs: Path, api_port: int) -> None:
    root = Path(state.root)
    began = time.monotonic()
    etcd_port, peer_port = free_port(), free_port()
    etcd = start(
        "etcd",
        [
            str(build.binary("etcd")),
            f"--data-dir={root / 'etcd'}",
            f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
            f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
            f"--listen-peer-urls=http://127.0.0.1:{peer_port}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
            f"--initial-cluster=default=http://127.0.0.1:{peer_port}",
            "--listen-metrics-urls=",
            # A throw-away cluster: durability buys nothing and fsync costs seconds.
            "--unsafe-no-fsync",
        ],
        logs=logs,
    )
    state.processes.append(etcd)
    wait_started(etcd, "etcd", lambda: answers(f"http://127.0.0.1:{etcd_port}/health"))

    audit_policy = root / "audit-policy.yaml"
    # Metadata for every request, from ResponseComplete only: one line per request,
    # enough to count who wrote what (the tests' write counts come from here).
    audit_policy.write_text(
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\n"
        "rules:\n- level: Metadata\n"
    )
    apiserver = start(
        "kube-apiserver",
        [
            str(build.binary("kube-apiserver")),
            f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--tls-cert-file={pki.cert('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--client-ca-file={pki.ca_cert}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            f"--audit-policy-file={audit_policy}",
            f"--audit-log-path={state.audit_log}",
            "--audit-log-format=json",
            "--audit-log-mode=blocking",
            "--audit-log-maxbackup=0",
        ],
        logs=logs,
    )
    state.processes.append(apiserver)
    admin = state.identity()
    write_kubeconfig(state.kubeconfig, admin)
    with Kube(admin) as kube:
        wait_started(
            apiserver,
            "kube-apiserver /readyz",
            lambda: kube.raw("GET", "/readyz").status_code == 200,
        )
        _say(f"kube-apiserver ready at {state.server} ({time.monotonic() - began:.1f}s)")

        for who, binary, extra in (
            (
                "controller-manager",
                "kube-controller-manager",
                [
                    f"--service-account-private-key-file={pki.sa_key}",
                    f"--root-ca-file={pki.ca_cert}",
                    # Each controller as its own service account, with its bootstrap role
                    # (as kubeadm runs it): the GC and namespace controller are what destroy meets.
                    "--use-service-account-credentials=true",
                    "--controllers=*",
                    # kwok renews the node's lease (below); under a loaded machine, give it
                    # room before the node is called NotReady: the node lifecycle controller
                    # then marks every pod NotReady, and kwok never marks them Ready again.
                    "--node-monitor-grace-period=2m",
                ],
            ),
            (
                "scheduler",
                "kube-scheduler",
                [
                    # A StatefulSet's pod can be tried before the volume binder has bound its
                    # claim; when preemption then errs ("not found", schedule_one.go), the pod
                    # waits for the periodic flush of unschedulable pods, 5 min by default
                    # (cmd/kube-scheduler/app/options/deprecated.go): an apply of 20 previews
                    # then sat 5 min on one pod. The flag only shortens that wait.
                    "--pod-max-in-unschedulable-pods-duration=15s",
                ],
            ),
        ):
            config = write_kubeconfig(
                root / "kubeconfigs" / f"{who}.kubeconfig", state.identity(who)
            )
            port = free_port()
            process = start(
                binary,
                [
                    str(build.binary(binary)),
                    f"--kubeconfig={config}",
                    f"--authentication-kubeconfig={config}",
                    f"--authorization-kubeconfig={config}",
                    "--bind-address=127.0.0.1",
                    f"--secure-port={port}",
                    "--leader-elect=false",
                    *extra,
                ],
                logs=logs,
            )
            state.processes.append(process)
            wait_started(
                process,
                f"{binary} /healthz",
                partial(answers, f"https://127.0.0.1:{port}/healthz"),
            )
        # The controller-manager works once its service-account controller has run.
        wait_started(
            state.processes[2],
            "the default ServiceAccount",
            lambda: kube.get("/api/v1/namespaces/default/serviceaccounts/default") is not None,
        )

        install_crds(kube)
        install_storage_class(kube, STORAGE_CLASS)
        install_node(kube, NODE, POD_CIDR)
        kwok_config = write_kubeconfig(
            root / "kubeconfigs" / "kwok.kubeconfig", state.identity("kwok")
        )
        kwok = start(
            "kwok",
            [
                str(build.binary("kwok")),
                f"--kubeconfig={kwok_config}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                f"--cidr={POD_CIDR}",
                "--node-ip=127.0.100.254",
                # Heartbeats through the node's Lease, as a kubelet sends them (renewed every
                # quarter of it). Without, kwok's status updates came every ~55s, past the
                # controller manager's default 50s grace: the node flapped NotReady.
                "--node-lease-duration-seconds=40",
            ],
            logs=logs,
            # kwok reads ~/.kwok/kwok.yaml when it exists: the user's settings stay out.
            env={"HOME": str(root / "kwok-home")},
        )
        state.processes.append(kwok)
        wait_started(kwok, f"kwok to report Node {NODE} Ready", lambda: _node_ready(kube))

        charts = chart.publish(root / "charts")
        port = free_port()
        server = start(
            "chart-server",
            chart.serve_argv(charts, port, pki.cert("chart-server"), pki.key("chart-server")),
            logs=logs,
            cwd=REPO,
        )
        state.processes.append(server)
        state.chart_repository = f"https://127.0.0.1:{port}"
        wait_started(
            server,
            "the chart server",
            lambda: answers(f"{state.chart_repository}/index.yaml", verify=pki.trust()),
        )

        operator_config = write_kubeconfig(
            root / "kubeconfigs" / "operator.kubeconfig", state.identity("operator")
        )
        operator = start(
            "operator-sim",
            [
                sys.executable,
                "-m",
                "tests.e2e.harness.operator_sim",
                str(operator_config),
                STORAGE_CLASS,
            ],
            logs=logs,
            cwd=REPO,
        )
        state.processes.append(operator)
        heartbeat = root / "operator-sim.heartbeat"
        wait_started(operator, "the operator stand-in", heartbeat.exists)

        flux.start_sources(state, root, logs)
        flux.install_objects(kube, state)
        flux.start_controllers(state, root, logs)
    _say(f"cluster ready in {time.monotonic() - began:.1f}s")


@contextmanager
def operator_paused(state: State) -> Iterator[None]:
    """The operator stand-in stopped (SIGSTOP) for the block, then resumed: an operator that
    reports nothing for a while, as the real one does while it rolls out or restarts."""
    [operator] = [p for p in state.processes if p.name == "operator-sim"]
    if not operator.alive():
        raise HarnessError("the operator stand-in is not running")
    os.kill(operator.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(operator.pid, signal.SIGCONT)


def _node_ready(kube: Kube) -> bool:
    node = kube.get(f"/api/v1/nodes/{NODE}") or {}
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def write_tfvars(state: State) -> None:
    """The variables that point the product at what this cluster serves."""
    state.tfvars.write_text(
        "# Written by `make cluster`: the product's variables for the end-to-end cluster.\n"
        'mode             = "apply"\n'
        f'chart_repository = "{state.chart_repository}"\n'
        f'chart_version    = "{state.chart_version}"\n'
        f'storage_class    = "{STORAGE_CLASS}"\n'
        "# An https chart repository (the chart server above) is a HelmRepository to Flux.\n"
        'flux_source_kind = "HelmRepository"\n'
    )
    state.gitops_tfvars.write_text(
        "# Written by `make cluster`: render variables for the tree Flux on this cluster reads.\n"
        'mode             = "render"\n'
        f'chart_repository = "oci://{state.registry}/{flux.CHART_PROJECT}"\n'
        f'chart_version    = "{state.chart_version}"\n'
        f'storage_class    = "{STORAGE_CLASS}"\n'
        "# Apart from the release apply mode installs with the helm CLI in valkey-system.\n"
        f'operator_namespace = "{flux.OPERATOR_NAMESPACE}"\n'
    )
    (Path(state.root) / "env").write_text(
        f"export KUBECONFIG={state.kubeconfig}\nexport SSL_CERT_FILE={state.pki.trust_bundle}\n"
    )


def usage(state: State) -> Iterator[str]:
    yield f"The cluster is up: {state.server}"
    yield ""
    yield "Use it (the kubeconfig is the cluster's own; ~/.kube/config is untouched):"
    yield f"  . {Path(state.root) / 'env'}   # KUBECONFIG, SSL_CERT_FILE (trust the chart server)"
    yield f"  wildside-valkey apply --var-file {state.tfvars}"
    yield f"  wildside-valkey destroy --var-file {state.tfvars}"
    yield ""
    yield "Stop it: make cluster-down"


def down(*, quiet: bool = False) -> None:
    """Stop exactly what `up` started, then remove `.e2e/`."""
    state = State.load()
    if state is not None:
        killed = stop(state.processes)
        if killed and not quiet:
            _say(f"killed after the grace period: {', '.join(killed)}")
    elif not quiet and not STATE_DIR.exists():
        _say("no cluster is running")
    shutil.rmtree(STATE_DIR, ignore_errors=True)
