"""The resource types the fake API server serves, as data.

A real API server learns its resources from compiled-in types and from
CustomResourceDefinitions; the fake keeps one registry that tests can extend
(`ResourceRegistry.register`) and that grows when a CRD is created through the
API, so a test can also start without the custom types and watch the client
fail the way it would on a cluster where the operator's chart is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResourceType:
    """One REST resource: where it lives and how the fake treats it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    # Built-in types answer strategic-merge patches and list their items without
    # apiVersion/kind; custom resources refuse strategic merge (415) like a real
    # server does, which catches clients relying on lightkube's default patch type.
    builtin: bool = False
    # Only types with a status subresource ignore `status` on the main endpoint.
    status_subresource: bool = True
    # Secrets, ConfigMaps and Namespaces carry no metadata.generation on a real
    # cluster; most other types (and every custom resource) do.
    tracks_generation: bool = True
    singular: str = ""
    short_names: tuple[str, ...] = ()
    # A CRD's openAPIV3Schema for this version, when one was installed: used to
    # prune unknown fields, apply defaults and validate like the real server.
    schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return self.version if not self.group else f"{self.group}/{self.version}"

    @property
    def qualified(self) -> str:
        """The name Kubernetes uses in messages: `secrets`, `valkeys.hyperspike.io`."""
        return self.plural if not self.group else f"{self.plural}.{self.group}"

    @property
    def qualified_kind(self) -> str:
        """The name used in `Invalid` messages: `Secret`, `Valkey.hyperspike.io`."""
        return self.kind if not self.group else f"{self.kind}.{self.group}"

    def collection_path(self, namespace: str | None = None) -> str:
        base = f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None) -> str:
        return f"{self.collection_path(namespace)}/{name}"


def _core(plural: str, kind: str, namespaced: bool = True, **kw: Any) -> ResourceType:
    return ResourceType("", "v1", plural, kind, namespaced, builtin=True, **kw)


# The types apply mode touches, plus a few neighbours it may read.
CORE_RESOURCES: tuple[ResourceType, ...] = (
    _core("namespaces", "Namespace", False, tracks_generation=False, short_names=("ns",)),
    _core("secrets", "Secret", status_subresource=False, tracks_generation=False),
    _core("configmaps", "ConfigMap", status_subresource=False, tracks_generation=False),
    _core("services", "Service", tracks_generation=False, short_names=("svc",)),
    _core("serviceaccounts", "ServiceAccount", status_subresource=False, tracks_generation=False),
    _core("pods", "Pod", tracks_generation=False),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", tracks_generation=False),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, builtin=True),
    ResourceType("apps", "v1", "deployments", "Deployment", True, builtin=True),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, builtin=True),
    # networking.k8s.io/v1 NetworkPolicy has no status (its alpha status was removed in 1.28).
    ResourceType(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        True,
        builtin=True,
        status_subresource=False,
        short_names=("netpol",),
    ),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        builtin=True,
        short_names=("crd", "crds"),
    ),
)

# The custom resources of the operators apply mode works with. A test that wants
# "CRD not installed" behaviour builds the server with CORE_RESOURCES only.
CUSTOM_RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("hyperspike.io", "v1", "valkeys", "Valkey", True),
    ResourceType("external-secrets.io", "v1", "externalsecrets", "ExternalSecret", True),
    ResourceType("external-secrets.io", "v1", "clustersecretstores", "ClusterSecretStore", False),
    ResourceType("external-secrets.io", "v1", "secretstores", "SecretStore", True),
    ResourceType("cert-manager.io", "v1", "certificates", "Certificate", True),
)

DEFAULT_RESOURCES: tuple[ResourceType, ...] = CORE_RESOURCES + CUSTOM_RESOURCES


class ResourceRegistry:
    """Thread-safe lookup of resource types by path segments, plural or kind."""

    def __init__(self, resources: Iterable[ResourceType] = DEFAULT_RESOURCES) -> None:
        self._lock = threading.Lock()
        self._by_path: dict[tuple[str, str, str], ResourceType] = {}
        for res in resources:
            self.register(res)

    def register(self, res: ResourceType) -> None:
        """Add or replace the type served at /{group}/{version}/{plural}."""
        with self._lock:
            self._by_path[(res.group, res.version, res.plural)] = res

    def unregister(self, group: str, version: str, plural: str) -> None:
        with self._lock:
            self._by_path.pop((group, version, plural), None)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._by_path.get((group, version, plural))

    def find(self, name: str) -> ResourceType:
        """Resolve `valkeys`, `Valkey`, `valkeys.hyperspike.io`, `ns` or `hyperspike.io/v1/valkeys`.

        Test helpers take whichever spelling reads best; the first registered
        match wins when two groups share a plural.
        """
        with self._lock:
            candidates = list(self._by_path.values())
        if name.count("/") == 2 or (name.count("/") == 1 and name.startswith("v")):
            *gv, plural = name.split("/")
            group, version = (gv[0], gv[1]) if len(gv) == 2 else ("", gv[0])
            for res in candidates:
                if (res.group, res.version, res.plural) == (group, version, plural):
                    return res
        for res in candidates:
            if name in (res.plural, res.kind, res.qualified, res.qualified_kind, res.singular):
                return res
            if name in res.short_names or name.lower() == res.kind.lower():
                return res
        raise KeyError(f"no resource type registered for {name!r}")

    def __iter__(self) -> Iterator[ResourceType]:
        with self._lock:
            return iter(list(self._by_path.values()))

    def groups(self) -> dict[str, list[str]]:
        """Group name -> served versions, for discovery."""
        out: dict[str, list[str]] = {}
        for res in self:
            versions = out.setdefault(res.group, [])
            if res.version not in versions:
                versions.append(res.version)
        return out


def resource_types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The served versions a CustomResourceDefinition declares, with their schemas."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = str(spec.get("group", ""))
    plural = str(names.get("plural", ""))
    kind = str(names.get("kind", ""))
    if not (group and plural and kind):
        return []
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    out: list[ResourceType] = []
    for ver in spec.get("versions") or []:
        if not ver.get("served", True):
            continue
        schema = ((ver.get("schema") or {}).get("openAPIV3Schema")) or None
        out.append(
            ResourceType(
                group=group,
                version=str(ver.get("name")),
                plural=plural,
                kind=kind,
                namespaced=namespaced,
                status_subresource="status" in (ver.get("subresources") or {}),
                singular=str(names.get("singular", "")),
                short_names=tuple(names.get("shortNames") or ()),
                schema=schema,
            )
        )
    return out
