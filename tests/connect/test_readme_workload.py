"""The documents' workload example (```python workload) runs against a real Valkey cluster."""

from __future__ import annotations

import pytest

from tests.connect.support import PASSWORD, ValkeyServers
from tests.doc_blocks import Block, blocks
from wildside_valkey.contract import build_contract, contract_configmap
from wildside_valkey.variables import variables_from_mapping


def _workload_example() -> Block:
    found = blocks("python workload")
    assert len(found) == 1, f"expected one ```python workload example, found {len(found)}"
    return found[0]


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
    example = _workload_example()
    exec(compile(example.body, example.document, "exec"), {})
