"""The README's workload example runs against a real Valkey cluster, so it cannot rot."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO
from tests.connect.support import PASSWORD, ValkeyServers
from wildside_valkey.contract import build_contract, contract_configmap
from wildside_valkey.variables import variables_from_mapping


def _workload_example() -> str:
    text = (REPO / "README.md").read_text()
    match = re.search(r"^```python workload\n(?P<body>.*?)^```$", text, re.DOTALL | re.MULTILINE)
    assert match, "README.md lost its ```python workload example"
    return match["body"]


def test_readme_workload_example(
    valkey_servers: ValkeyServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    configmap = contract_configmap(build_contract(variables_from_mapping({})).to_dict())
    for name, value in configmap["data"].items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VALKEY_PASSWORD", PASSWORD)
    # What a port-forward from a laptop looks like: the Service is not resolvable here.
    monkeypatch.setenv("VALKEY_HOST", "127.0.0.1")
    monkeypatch.setenv("VALKEY_PORT", str(valkey_servers.seed_port))
    exec(compile(_workload_example(), "README.md", "exec"), {})
