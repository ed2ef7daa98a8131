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
from tests.e2e.harness import cluster
from tests.e2e.harness.kube import Kube

MARKER = "<!-- run by tests/e2e/test_readme_cluster.py -->"


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(re.escape(MARKER) + r"\n```sh\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert block is not None, "README.md lost its cluster block"
    return [line.split("  #")[0].strip() for line in block[1].splitlines() if line.strip()]


def test_the_readme_cluster_session_runs_as_written(
    e2e_cluster: cluster.State, kube: Kube, tmp_path: Path
) -> None:
    commands = readme_commands()
    assert commands[0] == "make cluster"
    assert commands[-1] == "make cluster-down"
    script = "\n".join(["set -euo pipefail", *commands[:-1]])
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),  # helm's caches; and proof ~/.kube/config plays no part
    }
    env.pop("KUBECONFIG", None)

    result = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "the cluster is already running" in result.stderr  # one cluster, not two
    assert f"The cluster is up: {e2e_cluster.server}" in result.stdout
    contract = json.loads(result.stdout[result.stdout.index("{") : result.stdout.rindex("}") + 1])
    assert contract["endpoints"]["primary_host"] == "valkey.valkey.svc.cluster.local"
    assert re.search(r"^valkey +valkey +\S+ +true ", result.stdout, re.MULTILINE)  # list: ready
    assert "- deleted Valkey valkey/valkey" in result.stderr
    assert not (tmp_path / ".kube" / "config").exists()  # (helm keeps a discovery cache there)
    assert kube.get("/apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey") is None
