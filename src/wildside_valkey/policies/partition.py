"""Splitting a large manifest set into batches the Rego pack can evaluate separately.

rego-cpp's cost grows faster than linearly with the size of the input (its sets and
objects compare whole values on insertion), so a 1,000-environment ``render --each``
tree, evaluated as one input, took minutes. The pack's rules relate objects in a few
known ways only; files related so are kept in one batch, and every batch is
evaluated on its own. The findings of the batches together are the findings of the
whole set (``tests/policies/test_policy_partition.py`` checks this on every policy
test tree).

A *closed* group of files is one that holds, with each of its files, everything the
rules may look at for it:

- files in the same folder (``ordering.operator-and-cluster-same-folder``) and
  namespaced objects in the same namespace, Flux Kustomizations excepted (PDBs and
  Valkeys, Valkeys and the Secrets or ExternalSecrets that create their password);
- for every file with a Valkey: every file with a HelmRelease (the operator's
  release is found among them), and for every file with a Valkey or a
  HelmRelease, the Flux Kustomizations whose ``spec.path`` best matches its folder
  (all of them when tied, as ``ordering.kustomization_for`` decides);
- for every Kustomization: the Kustomizations it ``dependsOn``;
- for every HelmRelease: every Flux source (HelmRepository, OCIRepository,
  GitRepository).

A union of closed groups is closed, so groups are packed into batches of about
:data:`BATCH_OBJECTS` objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from .model import ManifestFile

# Measured (docs/benchmarks.md): batches of this size keep rego-cpp near its linear range.
BATCH_OBJECTS = 60

_FLUX_SOURCES = {"HelmRepository", "OCIRepository", "GitRepository"}


def _objects(file: ManifestFile) -> list[Mapping[str, Any]]:
    return [
        document
        for document in file.documents
        if isinstance(document.get("apiVersion"), str) and isinstance(document.get("kind"), str)
    ]


def _group(api_version: str) -> str:
    parts = api_version.split("/")
    return parts[0] if len(parts) == 2 else ""


def _metadata(document: Mapping[str, Any], field: str) -> str:
    metadata = document.get("metadata")
    value = metadata.get(field, "") if isinstance(metadata, Mapping) else ""
    return value if isinstance(value, str) else ""


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment not in {"", "."}]


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, first: int, second: int) -> None:
        self.parent[self.find(first)] = self.find(second)


def batches(files: Sequence[ManifestFile]) -> list[list[ManifestFile]]:
    """The files in closed batches (each file in at least one; shared files in several)."""
    union = _Union(len(files))
    needs: dict[int, set[int]] = defaultdict(set)
    by_folder: dict[str, int] = {}
    by_namespace: dict[str, int] = {}
    kinds: dict[str, list[int]] = defaultdict(list)
    kustomizations: list[tuple[int, Mapping[str, Any]]] = []
    for index, file in enumerate(files):
        union.join(index, by_folder.setdefault(_folder(file.path), index))
        for document in _objects(file):
            kind, group = document["kind"], _group(document["apiVersion"])
            if kind == "Kustomization" and group == "kustomize.toolkit.fluxcd.io":
                kustomizations.append((index, document))
                continue
            kinds[kind].append(index)
            namespace = _metadata(document, "namespace")
            if namespace:
                union.join(index, by_namespace.setdefault(namespace, index))
    _kustomization_needs(files, kustomizations, kinds, needs)
    releases = set(kinds.get("HelmRelease", []))
    sources = {index for kind in _FLUX_SOURCES for index in kinds.get(kind, [])}
    for index in kinds.get("Valkey", []):
        needs[index] |= releases
    for index in releases:
        needs[index] |= sources
    groups: dict[int, set[int]] = defaultdict(set)
    for index in range(len(files)):
        groups[union.find(index)].add(index)
    closed = [_closure(members, needs) for members in groups.values()]
    # An empty set is still one (empty) batch: the pack has its say on it too.
    return _packed(files, closed) or [[]]


def _kustomization_needs(
    files: Sequence[ManifestFile],
    kustomizations: list[tuple[int, Mapping[str, Any]]],
    kinds: Mapping[str, list[int]],
    needs: dict[int, set[int]],
) -> None:
    by_tail: dict[str, set[int]] = defaultdict(set)
    by_key: dict[str, set[int]] = defaultdict(set)
    for index, document in kustomizations:
        spec = document.get("spec")
        spec = spec if isinstance(spec, Mapping) else {}
        path = spec.get("path", "")
        segments = _segments(path) if isinstance(path, str) else []
        for n in range(1, len(segments) + 1):
            by_tail["/".join(segments[-n:])].add(index)
        namespace = _metadata(document, "namespace")
        by_key[f"{namespace}/{_metadata(document, 'name')}"].add(index)
    for index, document in kustomizations:
        spec = document.get("spec")
        depends = spec.get("dependsOn", []) if isinstance(spec, Mapping) else []
        for entry in depends if isinstance(depends, list) else []:
            if isinstance(entry, Mapping):
                namespace = entry.get("namespace", _metadata(document, "namespace"))
                needs[index] |= by_key.get(f"{namespace}/{entry.get('name')}", set())
    for index in {*kinds.get("Valkey", []), *kinds.get("HelmRelease", [])}:
        folder = _segments(_folder(files[index].path))
        for n in range(len(folder), 0, -1):
            best = by_tail.get("/".join(folder[-n:]))
            if best:
                needs[index] |= best
                break


def _closure(members: set[int], needs: Mapping[int, set[int]]) -> set[int]:
    closed = set(members)
    pending = list(members)
    while pending:
        for needed in needs.get(pending.pop(), ()):
            if needed not in closed:
                closed.add(needed)
                pending.append(needed)
    return closed


def _packed(files: Sequence[ManifestFile], groups: list[set[int]]) -> list[list[ManifestFile]]:
    sizes = [max(1, len(_objects(file))) for file in files]
    packed: list[list[ManifestFile]] = []
    current: set[int] = set()
    # Groups in the order of their first file, so batches (and any error) are deterministic.
    for group in sorted(groups, key=min):
        if current and sum(sizes[i] for i in current | group) > BATCH_OBJECTS:
            packed.append([files[i] for i in sorted(current)])
            current = set()
        current |= group
    if current:
        packed.append([files[i] for i in sorted(current)])
    return packed
