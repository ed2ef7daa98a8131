"""Heavy libraries load only in the commands that need them (start-up time is a feature)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ["lightkube", "kubernetes", "regopy", "hcl2", "valkey", "rich", "httpx", "httpx2"]

_PROBE = """
import json, sys
from wildside_valkey.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)), file=sys.stderr)
"""


def _heavy_modules_loaded(args: list[str], cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    loaded: list[str] = json.loads(result.stderr.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["render", "--out", "build"],
        ["contract"],
        ["contract", "--format", "env"],
        ["validate"],
        ["render", "--help"],
        ["output"],
        ["output", "--json"],
        ["output", "port"],
    ],
)
def test_fast_paths_import_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    assert _heavy_modules_loaded(args, tmp_path) == []


def test_tfvars_loads_the_hcl_parser_only_when_needed(tmp_path: Path) -> None:
    (tmp_path / "v.tfvars").write_text("nodes = 2\n")
    (tmp_path / "v.yaml").write_text("nodes: 2\n")
    assert "hcl2" in _heavy_modules_loaded(["contract", "--var-file", "v.tfvars"], tmp_path)
    assert _heavy_modules_loaded(["contract", "--var-file", "v.yaml"], tmp_path) == []
