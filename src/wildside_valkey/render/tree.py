"""The plan laid out as a Flux GitOps tree: a mapping of relative paths to file contents.

Layout (every folder with a kustomization.yaml builds with plain ``kubectl kustomize``)::

    kustomization.yaml      -> sync.yaml
    sync.yaml               two Flux Kustomizations: operator, then cluster (dependsOn)
    operator/               namespace, chart source, HelmRelease
    cluster/                namespace, credentials, NetworkPolicy, Valkey, PodDisruptionBudget
    contract.json           the sync policy contract
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from ..contract.formats import to_json
from ..plan import Component, Plan
from ..plan.kinds import planned_kind
from ..variables.yaml_writer import dump_document, dump_documents
from . import flux

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
CONTRACT_FILE = "contract.json"
KUSTOMIZATION_FILE = "kustomization.yaml"

RenderedTree = Mapping[str, str]


ManifestTree = dict[str, list[dict[str, Any]]]


def render_manifests(
    plan: Plan,
    *,
    operator: bool = True,
    cluster: bool = True,
    kustomizations: bool = False,
    include: Sequence[str] = (),
) -> ManifestTree:
    """The tree's YAML files as their documents, keyed by file path.

    ``operator``/``cluster`` choose the parts: a batch of environments renders
    the operator once and each environment's cluster part on its own. The
    kustomization.yaml files (which hold no Kubernetes object) come only with
    ``kustomizations``; ``include`` adds folders to the top one (a batch's environments).
    """
    v = plan.variables
    manifests: ManifestTree = {}
    sync: list[dict[str, Any]] = []
    if operator:
        operator_files = _component_files(plan, Component.OPERATOR)
        operator_files["source.yaml"] = [flux.chart_source(v, plan.operator)]
        operator_files["helmrelease.yaml"] = [flux.helm_release(v, plan.operator)]
        manifests.update(_in_folder("operator", operator_files))
        sync.append(flux.operator_kustomization(v))
    if cluster:
        manifests.update(_in_folder("cluster", _component_files(plan, Component.CLUSTER)))
        sync.append(flux.cluster_kustomization(v))
    manifests["sync.yaml"] = sync
    if kustomizations:
        for folder in ("operator", "cluster"):
            names = [path.partition("/")[2] for path in manifests if path.startswith(f"{folder}/")]
            if names:
                manifests[f"{folder}/{KUSTOMIZATION_FILE}"] = [_kustomization(names)]
        manifests[KUSTOMIZATION_FILE] = [_kustomization(["sync.yaml", *include])]
    return manifests


def render_tree(
    plan: Plan, *, operator: bool = True, cluster: bool = True, include: Sequence[str] = ()
) -> RenderedTree:
    """Every file of the tree, keyed by its path relative to the output folder.

    ``include`` adds folders to the top kustomization.yaml (a batch's environments).
    """
    manifests = render_manifests(
        plan, operator=operator, cluster=cluster, kustomizations=True, include=include
    )
    files = {path: _dumped(path, documents) for path, documents in manifests.items()}
    if cluster:
        files[CONTRACT_FILE] = to_json(plan.contract.to_dict())
    return MappingProxyType(dict(sorted(files.items())))


def _in_folder(folder: str, files: ManifestTree) -> ManifestTree:
    return {f"{folder}/{name}": documents for name, documents in files.items()}


def _component_files(plan: Plan, component: Component) -> dict[str, list[dict[str, Any]]]:
    files: dict[str, list[dict[str, Any]]] = {}
    for resource in plan.in_component(component):
        kind = planned_kind(resource.api_version, resource.kind)
        files.setdefault(kind.file_name, []).append(resource.manifest())
    return files


def _kustomization(resources: list[str]) -> dict[str, Any]:
    return {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization", "resources": resources}


def _dumped(path: str, documents: list[dict[str, Any]]) -> str:
    # A kustomization.yaml is one document, written without a marker as kustomize writes it.
    if path.endswith(KUSTOMIZATION_FILE):
        (document,) = documents
        return dump_document(document)
    return dump_documents(documents)
