"""Build the cluster's Go programs from the modules pinned under e2e/.

Each folder under e2e/ with a go.mod is a module of the project's own whose
`tool` lines name the programs to build (k8s.io/kubernetes for the control
plane, sigs.k8s.io/kwok for the kubelet's stand-in, Flux's three controllers
and CNCF distribution's registry for the GitOps tests): exact versions, fixed by
go.sum, and no source of those projects in the repository. The binaries go to
`e2e/bin/` (ignored). A stamp beside them records what they were built from
(go.mod, go.sum and the Go version), so a rebuild with nothing changed is only
that comparison, and Go's own build cache makes a changed one incremental.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import HarnessError

E2E = Path(__file__).resolve().parents[3] / "e2e"
BIN = E2E / "bin"
# Module folder -> the programs its `tool` lines build.
MODULES = {
    "cluster": ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"),
    "kwok": ("kwok",),
    "registry": ("registry",),
    # One module per controller: each pins its own helm and go-digest.
    "flux-source": ("source-controller",),
    "flux-kustomize": ("kustomize-controller",),
    "flux-helm": ("helm-controller",),
}
# Go names a binary after its package path's last element; etcd's main package is the
# root of go.etcd.io/etcd/server/v3.
RENAMED = {"server": "etcd"}


@dataclass(frozen=True)
class Built:
    module: str
    seconds: float
    rebuilt: bool


def go_command() -> str:
    go = shutil.which("go")
    if go is None:
        raise HarnessError(
            "the end-to-end cluster is built from Go modules, and `go` is not on PATH: "
            "install Go 1.26 or newer (the modules under e2e/ pin every other version)"
        )
    return go


def _fingerprint(module: Path, go: str) -> str:
    version = subprocess.run(
        [go, "version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = hashlib.sha256(version.encode())
    for name in ("go.mod", "go.sum"):
        digest.update((module / name).read_bytes())
    return digest.hexdigest()


def module_dir(folder: str, module: str) -> Path:
    """Where Go's module cache holds `module` at the version e2e/`folder`/go.mod pins;
    `go mod download` checks it against go.sum first."""
    result = subprocess.run(
        [go_command(), "mod", "download", "-json", module],
        cwd=E2E / folder,
        capture_output=True,
        text=True,
        check=False,
    )
    info = json.loads(result.stdout or "{}")
    if result.returncode != 0 or "Dir" not in info:
        raise HarnessError(f"go mod download {module} failed: {info.get('Error') or result.stderr}")
    return Path(info["Dir"])


def binary(name: str) -> Path:
    return BIN / name


def build(module_name: str) -> Built:
    """Build one module's tools unless the stamp says they are current."""
    go = go_command()
    module = E2E / module_name
    stamp = BIN / f".{module_name}.stamp"
    wanted = _fingerprint(module, go)
    present = all(binary(name).exists() for name in MODULES[module_name])
    if present and stamp.exists() and stamp.read_text() == wanted:
        return Built(module_name, 0.0, rebuilt=False)
    BIN.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    result = subprocess.run(
        [go, "build", "-o", str(BIN) + os.sep, "tool"],
        cwd=module,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise HarnessError(
            f"building e2e/{module_name} failed (go build tool):\n{result.stderr[-4000:]}"
        )
    for built_as, name in RENAMED.items():
        if (BIN / built_as).exists():
            (BIN / built_as).replace(binary(name))
    missing = [name for name in MODULES[module_name] if not binary(name).exists()]
    if missing:
        raise HarnessError(f"building e2e/{module_name} made no {', '.join(missing)}")
    stamp.write_text(wanted)
    return Built(module_name, time.monotonic() - began, rebuilt=True)


def build_all() -> list[Built]:
    return [build(name) for name in MODULES]
