"""Write kubeconfig files that point at the fake API server.

Tests go through lightkube's real `KubeConfig.from_file`, so the file has the
shape kubectl writes: clusters, users and contexts lists plus current-context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class KubeconfigFile:
    path: Path
    server: str
    context: str
    token: str
    namespace: str | None = None
    # Other context names written to the same file -> their server URL.
    extra_contexts: Mapping[str, str] = field(default_factory=dict)


def write_kubeconfig(
    path: Path,
    server: str,
    *,
    token: str = "fake-token",
    context: str = "fake",
    namespace: str | None = None,
    extra_contexts: Mapping[str, str] | None = None,
    current_context: str | None = None,
) -> KubeconfigFile:
    """Write a kubeconfig with `context` (current unless `current_context` says
    otherwise) using bearer `token` against `server`.

    `extra_contexts` adds more contexts (name -> server URL), each with its own
    cluster and the same user, to test `--context` selection: point one at a
    closed port to prove the right context was used.
    """
    extra = dict(extra_contexts or {})
    clusters = [{"name": f"{context}-cluster", "cluster": {"server": server}}]
    contexts: list[dict[str, object]] = []
    ctx: dict[str, object] = {"cluster": f"{context}-cluster", "user": "fake-user"}
    if namespace:
        ctx["namespace"] = namespace
    contexts.append({"name": context, "context": ctx})
    for name, url in extra.items():
        clusters.append({"name": f"{name}-cluster", "cluster": {"server": url}})
        contexts.append(
            {"name": name, "context": {"cluster": f"{name}-cluster", "user": "fake-user"}}
        )
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": [{"name": "fake-user", "user": {"token": token}}],
        "contexts": contexts,
        "current-context": current_context or context,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return KubeconfigFile(path, server, context, token, namespace, extra)
