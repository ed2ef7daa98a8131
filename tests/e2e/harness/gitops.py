"""`make gitops TREE=DIR`: publish a rendered tree to the cluster's Git server, and wait for Flux.

The tree goes to the folder of the repository its own Kustomizations name (their
`spec.path`, from `flux_path_prefix`), as a user commits `render`'s output to
their fleet repository. A root Kustomization, the one `flux bootstrap` would
have made, then applies the tree's top `kustomization.yaml`. `wait_ready` waits
until the root and every Kustomization in the tree report Ready at the
published commit, or fails naming the first one that does not, with its message.
"""

from __future__ import annotations

import datetime
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import flux
from .flux import GIT_REPOSITORIES, KUSTOMIZATIONS, git
from .kube import JSON, Kube, wait_for
from .processes import HarnessError

if TYPE_CHECKING:
    from .cluster import State

ROOT = "wildside-e2e"  # the root Kustomization's default name
MANAGER = "wildside-e2e-gitops"
READY_TIMEOUT = 300.0


@dataclass(frozen=True)
class Published:
    """A tree pushed to the repository: its commit and the Kustomizations Flux should run."""

    revision: str  # as Flux reports it: "main@sha1:<commit>"
    root: str
    path: str  # the tree's folder in the repository
    kustomizations: tuple[tuple[str, str], ...]  # (namespace, name), the root's first
    namespaces: tuple[str, ...] = ()  # the Namespaces the tree makes


def tree_path(tree: Path) -> str:
    """The tree's folder in the repository: the parent of its operator Kustomization's path."""
    for document in _documents(tree / "sync.yaml"):
        path = str((document.get("spec") or {}).get("path") or "")
        if document.get("kind") == "Kustomization" and path.rstrip("/").endswith("/operator"):
            return path.rstrip("/").removesuffix("/operator").removeprefix("./")
    raise HarnessError(f"{tree} is not a rendered tree: its sync.yaml names no operator folder")


def tree_objects(tree: Path) -> list[JSON]:
    """Every object the tree's YAML files hold (read once per tree)."""
    return [document for path in sorted(tree.rglob("*.yaml")) for document in _documents(path)]


def namespaces_in(objects: list[JSON]) -> tuple[str, ...]:
    return tuple(
        o["metadata"]["name"]
        for o in objects
        if o.get("kind") == "Namespace" and o.get("apiVersion") == "v1"
    )


def kustomizations_in(objects: list[JSON]) -> list[tuple[str, str]]:
    """Every Flux Kustomization among them, as (namespace, name)."""
    return [
        (o["metadata"].get("namespace", flux.NAMESPACE), o["metadata"]["name"])
        for o in objects
        if o.get("kind") == "Kustomization"
        and str(o.get("apiVersion", "")).startswith("kustomize.toolkit.fluxcd.io/")
    ]


def _documents(path: Path) -> Iterator[JSON]:
    if path.exists():
        yield from (d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict))


def publish(
    state: State,
    kube: Kube,
    tree: Path,
    *,
    root: str = ROOT,
    service_account: str | None = None,
    message: str = "publish a rendered tree",
) -> Published:
    """Commit `tree` to the repository (replacing what its folder held), point a root
    Kustomization at it, and ask Flux to reconcile now rather than at its interval."""
    path = tree_path(tree)
    work = _work_tree(state)
    target = work / path
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(tree, target)
    revision = _commit(work, message)
    # The source first, as `flux reconcile kustomization --with-source` does: a root that
    # reconciled the artifact of the previous commit would apply the previous tree's
    # Kustomizations again, and they would then read this tree's folders.
    fetched(kube, revision)
    spec: JSON = {
        "interval": "10m",
        "path": f"./{path}",
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": flux.GIT_REPOSITORY},
        "timeout": "5m",
    }
    if service_account:
        spec["serviceAccountName"] = service_account
    kube.apply(
        f"{KUSTOMIZATIONS.format(ns=flux.NAMESPACE)}/{root}",
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": root, "namespace": flux.NAMESPACE},
            "spec": spec,
        },
        manager=MANAGER,
    )
    request_reconcile(kube, f"{KUSTOMIZATIONS.format(ns=flux.NAMESPACE)}/{root}")
    return published_tree(tree, revision, root=root)


def published_tree(tree: Path, revision: str = "", *, root: str = ROOT) -> Published:
    """What publishing `tree` under `root` makes Flux run (to wait for it, or remove it)."""
    objects = tree_objects(tree)
    return Published(
        revision,
        root,
        tree_path(tree),
        ((flux.NAMESPACE, root), *kustomizations_in(objects)),
        namespaces_in(objects),
    )


def _work_tree(state: State) -> Path:
    work = Path(state.root) / "git-work"
    if not work.exists():
        git("clone", "--quiet", str(Path(state.root) / "git" / flux.REPOSITORY), str(work))
    return work


def _commit(work: Path, message: str) -> str:
    """Commit everything in the work tree and push it; the revision as Flux reports it."""
    git("add", "--all", ".", cwd=work)
    identity = ("-c", "user.name=wildside-e2e", "-c", "user.email=e2e@wildside-valkey.invalid")
    git(*identity, "commit", "--quiet", "--allow-empty", "-m", message, cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", cwd=work)
    return "main@sha1:" + git("rev-parse", "HEAD", cwd=work).strip()


def commit_files(state: State, files: dict[str, str], message: str) -> str:
    """Commit `files` (path in the repository -> text) beside the published trees, as a
    platform team's own folders sit in the same fleet repository; returns the revision."""
    work = _work_tree(state)
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    return _commit(work, message)


def fetched(kube: Kube, revision: str, *, timeout: float = 60.0) -> None:
    """Ask source-controller to fetch now; wait until its artifact is `revision`."""
    path = f"{GIT_REPOSITORIES.format(ns=flux.NAMESPACE)}/{flux.GIT_REPOSITORY}"
    request_reconcile(kube, path)

    def current() -> bool:
        found = kube.get(path) or {}
        return ((found.get("status") or {}).get("artifact") or {}).get("revision") == revision

    wait_for(f"source-controller to fetch {revision}", current, timeout=timeout)


def request_reconcile(kube: Kube, path: str) -> None:
    """What `flux reconcile` does: the requestedAt annotation every Flux controller watches."""
    now = datetime.datetime.now(datetime.UTC).isoformat()
    kube.merge_patch(path, {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": now}}})


@dataclass(frozen=True)
class Condition:
    status: str  # "True", "False", "Unknown", or "" when Flux has not reported yet
    reason: str
    message: str
    revision: str  # lastAppliedRevision
    since: str = ""  # lastTransitionTime
    current: bool = True  # reported for the Kustomization's newest generation

    @property
    def ready(self) -> bool:
        return self.status == "True" and self.current


def ready_condition(kube: Kube, namespace: str, name: str) -> Condition | None:
    """The Kustomization's Ready condition, or None when the Kustomization does not exist."""
    found = kube.get(f"{KUSTOMIZATIONS.format(ns=namespace)}/{name}")
    if found is None:
        return None
    status = found.get("status") or {}
    # observedGeneration is written when a reconciliation ends: while one runs (its health
    # checks waiting), the conditions already speak of the new generation.
    current = status.get("observedGeneration") == found["metadata"].get("generation")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return Condition(
                str(condition.get("status", "")),
                str(condition.get("reason", "")),
                str(condition.get("message", "")),
                str(status.get("lastAppliedRevision", "")),
                str(condition.get("lastTransitionTime", "")),
                current,
            )
    return Condition("", "", "no Ready condition yet", "", current=current)


def wait_ready(
    kube: Kube,
    published: Published,
    *,
    timeout: float = READY_TIMEOUT,
    seen: dict[str, list[Condition]] | None = None,
) -> float:
    """Seconds until every Kustomization of `published` is Ready at its revision; a
    HarnessError naming the first that is not, with Flux's message, after `timeout`.

    `seen`, when given, collects each Kustomization's Ready conditions as they change."""
    began = time.monotonic()
    while True:
        pending = [
            (ns, name, ready_condition(kube, ns, name)) for ns, name in published.kustomizations
        ]
        if seen is not None:
            for _, name, condition in pending:
                history = seen.setdefault(name, [])
                if condition is not None and (not history or history[-1] != condition):
                    history.append(condition)
        late = [
            (ns, name, c)
            for ns, name, c in pending
            if c is None or not c.ready or c.revision != published.revision
        ]
        if not late:
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            ns, name, condition = late[0]
            said = "does not exist" if condition is None else _describe(condition)
            raise HarnessError(
                f"Kustomization {ns}/{name} is not Ready at {published.revision} after "
                f"{timeout:.0f}s: {said}"
            )
        time.sleep(0.5)


def _describe(condition: Condition) -> str:
    where = f" (applied: {condition.revision})" if condition.revision else ""
    return f"Ready={condition.status or '?'} {condition.reason}: {condition.message}{where}"


def remove(kube: Kube, published: Published, *, timeout: float = READY_TIMEOUT) -> None:
    """Delete the root Kustomization; Flux prunes what it applied (the tree's Kustomizations,
    and through them the release, the Valkeys and the namespaces). Waits until they are gone,
    so the next tree can make the same namespaces again.

    A reconciliation of the root that was running when it was deleted can apply a child
    again after its pruning: what is left with the root's label is deleted in turn."""
    kustomizations = KUSTOMIZATIONS.format(ns=flux.NAMESPACE)
    began = time.monotonic()
    root = f"{kustomizations}/{published.root}"
    kube.delete(root)
    wait_for(f"{root} to be gone", partial(kube.absent, root), timeout=timeout)
    label = f"kustomize.toolkit.fluxcd.io/name={published.root}"
    left = {name for ns, name in published.kustomizations[1:] if ns == flux.NAMESPACE}
    left |= {k["metadata"]["name"] for k in kube.items(kustomizations, labelSelector=label)}
    for name in sorted(left):
        kube.delete(f"{kustomizations}/{name}")
    paths = [f"{kustomizations}/{name}" for name in sorted(left)]
    paths += [f"/api/v1/namespaces/{namespace}" for namespace in published.namespaces]
    wait_for(
        f"{', '.join(paths)} to be gone",
        lambda: all(kube.absent(path) for path in paths),
        timeout=max(0.0, timeout - (time.monotonic() - began)),
    )
