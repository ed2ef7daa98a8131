"""What a new end-to-end cluster holds before any test: CRDs, a StorageClass, a Node."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import yaml

from .build import module_dir
from .kube import JSON, Kube, wait_for

REPO = Path(__file__).resolve().parents[3]
# The structural schemas of the real CRDs the product uses, each naming its upstream
# repository, tag and commit (scripts/extract_crd_schemas.py).
CRD_DIR = REPO / "tests" / "data" / "crds"
HARNESS = "wildside-e2e-harness"
# The StorageClass's provisioner: the operator stand-in's volume binder answers for it.
PROVISIONER = "e2e.wildside-valkey.dev/volumes"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


# CRDs of controllers the operator creates objects for (a ServiceMonitor with
# service_monitor_enabled, Certificates with TLS: valkey-operator v0.0.61
# internal/controller/valkey_controller.go lines 159-165, 198-201, 1429-1540), read whole
# from the modules pinned in e2e/crds/go.mod: module path -> the CRD file in it.
OPERATOR_CRDS = {
    "github.com/cert-manager/cert-manager": "deploy/crds/cert-manager.io_certificates.yaml",
    "github.com/prometheus-operator/prometheus-operator": (
        "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
    ),
}


# Flux's CRDs, whole, from the controllers' own modules (e2e/flux-*/go.mod): e2e folder ->
# the controller module whose config/crd/bases the cluster installs.
FLUX_MODULES = {
    "flux-source": "github.com/fluxcd/source-controller",
    "flux-kustomize": "github.com/fluxcd/kustomize-controller",
    "flux-helm": "github.com/fluxcd/helm-controller",
}


def flux_crd_files() -> list[Path]:
    return [
        path
        for folder, module in FLUX_MODULES.items()
        for path in sorted((module_dir(folder, module) / "config" / "crd" / "bases").glob("*.yaml"))
    ]


def crd_documents() -> list[JSON]:
    documents: list[JSON] = []
    # The schemas in CRD_DIR of Flux's kinds are these files with descriptions dropped: the
    # running controllers get their own CRDs whole.
    own = [path for path in sorted(CRD_DIR.glob("*.yaml")) if "fluxcd.io" not in path.name]
    paths = [*own, *operator_crd_files(), *flux_crd_files()]
    for path in paths:
        documents.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return documents


def operator_crd_files() -> list[Path]:
    """The CRD files, from Go's module cache."""
    return [module_dir("crds", module) / file for module, file in OPERATOR_CRDS.items()]


def install_crds(kube: Kube) -> list[str]:
    names = []
    for crd in crd_documents():
        name = crd["metadata"]["name"]
        kube.apply(f"{CRDS}/{name}", crd, manager=HARNESS)
        names.append(name)
    for name in names:
        wait_for(f"CRD {name} to be Established", partial(_established, kube, name), timeout=30)
    return names


def _established(kube: Kube, name: str) -> bool:
    crd = kube.get(f"{CRDS}/{name}") or {}
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )


def install_storage_class(kube: Kube, name: str) -> None:
    body: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        # The cluster's default, as every kind or k3d cluster has one: a claim that names
        # no class (the operator's default template) gets it.
        "metadata": {
            "name": name,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": PROVISIONER,
        # Immediate: claims are bound before scheduling, so no scheduler-provisioner handshake.
        "volumeBindingMode": "Immediate",
        "reclaimPolicy": "Delete",
    }
    kube.apply(f"/apis/storage.k8s.io/v1/storageclasses/{name}", body, manager=HARNESS)


def install_node(kube: Kube, name: str, pod_cidr: str) -> None:
    """A Node kwok manages (kwok selects its annotation), made as kwok's docs make one."""
    capacity = {"cpu": "64", "memory": "256Gi", "pods": "110"}
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]},
        "status": {"allocatable": capacity, "capacity": capacity},
    }
    if kube.get(f"/api/v1/nodes/{name}") is None:
        kube.create("/api/v1/nodes", node)
