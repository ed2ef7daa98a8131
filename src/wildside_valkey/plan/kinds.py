"""Every Kubernetes kind this project writes or reads, each described once.

As lightkube attaches its API information to each resource class, one
descriptor per kind carries its API group and version, its REST plural and
scope, the file it is rendered into and (by its place in ``PLANNED_KINDS``)
its apply order. The manifests (``plan``), the apply order (``ordering``), the
REST paths (``apply.kinds``) and the rendered file names (``render.tree``) are
all derived from here, so adding a kind means adding one line below.

Pure data: no client library, no I/O (the plan layer's rule).
"""

from __future__ import annotations

from typing import Any

import msgspec


# A msgspec Struct, as the plan's other records: frozen (hashable), and no
# dataclasses/inspect import on the render path.
class Kind(msgspec.Struct, frozen=True):
    """One REST resource type: where it lives on the API server, and where it is rendered."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """The name RBAC rules and API messages use: ``secrets``, ``valkeys.hyperspike.io``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def collection_path(self, namespace: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    @property
    def file_name(self) -> str:
        """The file of a rendered folder that holds the objects of this kind."""
        return f"{self.kind.lower()}.yaml"

    def header(self) -> dict[str, Any]:
        """The first two fields of a manifest of this kind."""
        return {"apiVersion": self.api_version, "kind": self.kind}


NAMESPACE = Kind("", "v1", "Namespace", "namespaces", namespaced=False)
SECRET = Kind("", "v1", "Secret", "secrets", namespaced=True)
CONFIG_MAP = Kind("", "v1", "ConfigMap", "configmaps", namespaced=True)
EXTERNAL_SECRET = Kind("external-secrets.io", "v1", "ExternalSecret", "externalsecrets", True)
VALKEY = Kind("hyperspike.io", "v1", "Valkey", "valkeys", namespaced=True)
NETWORK_POLICY = Kind("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True)
POD_DISRUPTION_BUDGET = Kind("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True)
# Not planned: the operator's, read to see a change of the Valkey rolled out (apply)
# and named in the cluster Kustomization's health checks (render).
STATEFUL_SET = Kind("apps", "v1", "StatefulSet", "statefulsets", namespaced=True)

# What the plan produces, in apply order (reversed for delete). A namespace must
# exist before what lives in it; the credentials before the ``Valkey`` that reads
# them (the operator reports errors until the Secret exists); the NetworkPolicy
# before the ``Valkey``, so its pods never run unisolated (and, reversed, it goes
# only after them); the PodDisruptionBudget last, once there are pods to protect.
PLANNED_KINDS: tuple[Kind, ...] = (
    NAMESPACE,
    SECRET,
    EXTERNAL_SECRET,
    NETWORK_POLICY,
    VALKEY,
    POD_DISRUPTION_BUDGET,
    CONFIG_MAP,
)
_PLANNED = {(kind.api_version, kind.kind): kind for kind in PLANNED_KINDS}


def planned_kind(api_version: str, kind: str) -> Kind:
    """The descriptor of a kind the plan produces; a KeyError names a kind it does not."""
    return _PLANNED[(api_version, kind)]
