"""README's "Try apply mode on your laptop" runs as written, against the session's cluster.

`make cluster` finds the cluster already up and reuses it (running it twice gives one
cluster); the block's last line, `make cluster-down`, is checked but not run here: it
would stop the cluster the rest of the session uses.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.e2e.harness import cluster, gitops
from tests.e2e.harness.kube import Kube

MARKER = "<!-- run by tests/e2e/test_readme_cluster.py -->"
GITOPS_MARKER = "<!-- run by tests/e2e/test_readme_cluster.py: gitops -->"


def readme_commands(marker: str = MARKER) -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(re.escape(marker) + r"\n```sh\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert block is not None, f"README.md lost its block {marker}"
    return [line.split("  #")[0].strip() for line in block[1].splitlines() if line.strip()]


def _run(commands: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """The block's commands but its last (`make cluster-down`), as a user's shell runs them."""
    assert commands[0] == "make cluster"
    assert commands[-1] == "make cluster-down"
    script = "\n".join(["set -euo pipefail", *commands[:-1]])
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),  # helm's caches; and proof ~/.kube/config plays no part
    }
    env.pop("KUBECONFIG", None)
    return subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )


def test_the_readme_cluster_session_runs_as_written(
    e2e_cluster: cluster.State, kube: Kube, tmp_path: Path
) -> None:
    result = _run(readme_commands(), tmp_path)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "the cluster is already running" in result.stderr  # one cluster, not two
    assert f"The cluster is up: {e2e_cluster.server}" in result.stdout
    contract = json.loads(result.stdout[result.stdout.index("{") : result.stdout.rindex("}") + 1])
    assert contract["endpoints"]["primary_host"] == "valkey.valkey.svc.cluster.local"
    assert re.search(r"^valkey +valkey +\S+ +true ", result.stdout, re.MULTILINE)  # list: ready
    assert "- deleted Valkey valkey/valkey" in result.stderr
    assert not (tmp_path / ".kube" / "config").exists()  # (helm keeps a discovery cache there)
    assert kube.get("/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey") is None


def test_the_readme_gitops_session_runs_as_written(
    e2e_cluster: cluster.State, kube: Kube, tmp_path: Path
) -> None:
    tree = Path(e2e_cluster.root) / "tree"
    result = _run(readme_commands(GITOPS_MARKER), tmp_path)
    try:
        assert result.returncode == 0, result.stderr + result.stdout
        assert re.search(
            r"^Ready in [0-9.]+s: wildside-e2e, valkey-operator, valkey-valkey$",
            result.stdout,
            re.MULTILINE,
        ), result.stdout
        valkey = kube.get("/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey")
        assert valkey is not None
        assert valkey["status"]["ready"] is True
    finally:
        if tree.exists():
            gitops.remove(kube, gitops.published_tree(tree))
