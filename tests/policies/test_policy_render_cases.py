"""Every render case of the core suite passes the pack, with exactly the expected warnings."""

from __future__ import annotations

import pytest

from tests.cases.harness import case_names, get_case, render_case
from wildside_valkey.policies import evaluate_manifests
from wildside_valkey.render import render_manifests

# Cases not listed get no warning at all.
EXPECTED_WARNINGS: dict[str, list[str]] = {
    # pdb_enabled with replicas, to render pdb_name: the same warnings as "ha".
    "ambiguous-strings": ["safety.duplicate-pdb", "valkey.replicas-without-tls"],
    "anonymous-auth": ["valkey.anonymous-isolated"],
    "eso-anonymous": ["valkey.anonymous-isolated"],
    "ha": ["safety.duplicate-pdb", "valkey.replicas-without-tls"],
    "helm-values": ["flux.values-dotted-key"],
    "inline-password": ["safety.plaintext-secret"],
}


def test_the_expected_cases_exist() -> None:
    assert set(EXPECTED_WARNINGS) <= set(case_names())
    assert len(case_names()) >= 12


@pytest.mark.parametrize("name", case_names())
def test_render_case_passes_the_policies(name: str) -> None:
    report = evaluate_manifests(render_manifests(render_case(get_case(name)).plan))
    assert [f"{d.rule}: {d.message}" for d in report.denials] == []
    assert sorted(w.rule for w in report.warnings) == EXPECTED_WARNINGS.get(name, [])
