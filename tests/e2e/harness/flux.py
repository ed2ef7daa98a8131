"""Flux on the end-to-end cluster, and what it reads: a Git server and an OCI registry.

Started by `cluster.up` after the control plane and the operator stand-in:

* the Git server (`gitserver.py`, git's own http-backend) holding one bare
  repository, `fleet.git`, that `gitops.publish` pushes rendered trees to;
* CNCF distribution's registry over HTTPS, to which the stand-in operator chart
  is pushed with `helm push`, as the operator's release job pushes the real one
  to ghcr.io; the rendered OCIRepository points at it;
* source-controller, kustomize-controller and helm-controller, built from their
  modules, run out of cluster as Flux's own docs run them for development
  (`make run`: KUBECONFIG, RUNTIME_NAMESPACE, a local storage path), on free
  loopback ports.

The multi-tenancy lockdown is a restart of kustomize- and helm-controller with
fluxcd/flux2-multi-tenancy's flags (`lockdown`), and `lockdown(False)` undoes it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import build, chart, gitserver
from .kube import Kube, answers, wait_started, write_kubeconfig
from .objects import HARNESS
from .processes import HarnessError, free_port, start, stop

if TYPE_CHECKING:
    from .cluster import State

NAMESPACE = "flux-system"
REPOSITORY = "fleet.git"
# The product's default flux_git_repository_name: the GitRepository a bootstrapped Flux
# keeps its own tree in, which the rendered Kustomizations read from.
GIT_REPOSITORY = "flux-system"
# The operator's namespace in the GitOps tests: helm-controller's release is then apart from
# the one apply mode's tests install in valkey-system (one release name, two owners otherwise).
OPERATOR_NAMESPACE = "valkey-flux-system"
CHART_PROJECT = "hyperspike"  # oci://<registry>/hyperspike/valkey-operator, as on ghcr.io
CONTROLLERS = ("source-controller", "kustomize-controller", "helm-controller")
# fluxcd/flux2-multi-tenancy's patches for kustomize- and helm-controller.
LOCKDOWN_FLAGS = ("--no-cross-namespace-refs=true", "--default-service-account=default")
# The service account of the platform team's own Kustomizations under the lockdown, as
# flux2-multi-tenancy binds it: cluster-admin.
PLATFORM_ACCOUNT = "flux-platform"
# API paths, by namespace.
KUSTOMIZATIONS = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{ns}/kustomizations"
GIT_REPOSITORIES = "/apis/source.toolkit.fluxcd.io/v1/namespaces/{ns}/gitrepositories"


def start_sources(state: State, root: Path, logs: Path) -> None:
    """The Git server and the registry, with the operator chart pushed to it."""
    repos = root / "git"
    repos.mkdir(parents=True, exist_ok=True)
    bare = repos / REPOSITORY
    if not bare.exists():
        git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    port = free_port()
    server = start("git-server", gitserver.serve_argv(repos, port), logs=logs, cwd=build.E2E.parent)
    state.processes.append(server)
    state.git_url = f"http://127.0.0.1:{port}/{REPOSITORY}"
    wait_started(
        server,
        "the Git server",
        lambda: answers(f"{state.git_url}/info/refs?service=git-upload-pack"),
    )

    port = free_port()
    config = root / "registry.yml"
    settings = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(root / "registry")}},
        "http": {
            "addr": f"127.0.0.1:{port}",
            "tls": {
                "certificate": str(state.pki.cert("chart-server")),
                "key": str(state.pki.key("chart-server")),
            },
        },
    }
    config.write_text(yaml.safe_dump(settings))
    registry = start("registry", [str(build.binary("registry")), "serve", str(config)], logs=logs)
    state.processes.append(registry)
    state.registry = f"127.0.0.1:{port}"
    wait_started(
        registry,
        "the OCI registry",
        lambda: answers(
            f"https://{state.registry}/v2/",
            verify=state.pki.trust(),
        ),
    )
    for package in sorted((root / "charts").glob(f"{chart.NAME}-*.tgz")):
        _helm_push(state, root, package)


def _helm_push(state: State, root: Path, package: Path) -> None:
    env = {
        **os.environ,
        "SSL_CERT_FILE": str(state.pki.trust_bundle),
        "HOME": str(root / "helm-home"),  # helm's registry config: nothing of the user's
    }
    result = subprocess.run(
        [chart.helm_command(), "push", str(package), f"oci://{state.registry}/{CHART_PROJECT}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(f"helm push {package.name} failed:\n{result.stderr}")


def start_controllers(state: State, root: Path, logs: Path, *, locked: bool = False) -> None:
    """source-, kustomize- and helm-controller (or only the two the lockdown restarts)."""
    config = write_kubeconfig(root / "kubeconfigs" / "flux.kubeconfig", state.identity("flux"))
    wanted = [name for name in CONTROLLERS if name not in _running(state)]
    for name in wanted:
        health = free_port()
        argv = [
            str(build.binary(name)),
            f"--metrics-addr=127.0.0.1:{free_port()}",
            f"--health-addr=127.0.0.1:{health}",
            "--enable-leader-election=false",
            "--log-level=info",
            *_own_flags(name, root),
            *(LOCKDOWN_FLAGS if locked and name != "source-controller" else ()),
        ]
        env = {
            "KUBECONFIG": str(config),
            "RUNTIME_NAMESPACE": NAMESPACE,
            # The registry's certificate is signed by the harness's CA: Go reads SSL_CERT_FILE
            # for its system roots, as a company's private registry would be trusted.
            "SSL_CERT_FILE": str(state.pki.trust_bundle),
            "HOME": str(root / "flux-home"),
        }
        process = start(name, argv, logs=logs, env=env)
        state.processes.append(process)
        wait_started(
            process, f"{name} /readyz", partial(answers, f"http://127.0.0.1:{health}/readyz")
        )
    state.flux_locked = locked


def _own_flags(name: str, root: Path) -> Sequence[str]:
    if name == "kustomize-controller":
        # A Kustomization whose dependsOn is not Ready yet is looked at again after this
        # (30s by default): the cluster Kustomization waits on the operator's.
        return ("--requeue-dependency=5s",)
    if name != "source-controller":
        return ()
    storage = root / "flux-storage"
    storage.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # Artifacts are served to the other controllers over HTTP from this address.
    return (
        f"--storage-path={storage}",
        f"--storage-addr=127.0.0.1:{port}",
        f"--storage-adv-addr=127.0.0.1:{port}",
    )


def _running(state: State) -> set[str]:
    return {p.name for p in state.processes if p.name in CONTROLLERS and p.alive()}


def lockdown(state: State, locked: bool) -> None:
    """Restart kustomize- and helm-controller with (or without) the multi-tenancy flags."""
    if state.flux_locked == locked:
        return
    restarting = [p for p in state.processes if p.name in CONTROLLERS[1:]]
    stop(restarting)
    state.processes = [p for p in state.processes if p not in restarting]
    root = Path(state.root)
    start_controllers(state, root, root / "logs", locked=locked)
    state.save()


def install_objects(kube: Kube, state: State) -> None:
    """flux-system, its GitRepository, and the platform account the lockdown tests use."""
    kube.apply(
        f"/api/v1/namespaces/{NAMESPACE}",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        manager=HARNESS,
    )
    kube.apply(
        f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{PLATFORM_ACCOUNT}",
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": PLATFORM_ACCOUNT, "namespace": NAMESPACE},
        },
        manager=HARNESS,
    )
    binding = f"{PLATFORM_ACCOUNT}-cluster-admin"
    kube.apply(
        f"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{binding}",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": binding},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "cluster-admin",
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": PLATFORM_ACCOUNT, "namespace": NAMESPACE}
            ],
        },
        manager=HARNESS,
    )
    kube.apply(
        f"{GIT_REPOSITORIES.format(ns=NAMESPACE)}/{GIT_REPOSITORY}",
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": GIT_REPOSITORY, "namespace": NAMESPACE},
            "spec": {"url": state.git_url, "ref": {"branch": "main"}, "interval": "1m"},
        },
        manager=HARNESS,
    )


def git(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HarnessError(f"git {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout
