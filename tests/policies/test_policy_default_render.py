"""The pack over realistic render output: no denials, exactly the expected warnings."""

from __future__ import annotations

from typing import Any

import pytest

from wildside_valkey.policies import Severity

from .builders import evaluate, render_tree, rules

CONTRACT: dict[str, Any] = {
    "cluster_name": "valkey",
    "cluster_namespace": "valkey",
    "endpoints": {"primary_host": "valkey.valkey.svc.cluster.local", "primary_port": 6379},
    "tls": {"enabled": False, "cert_issuer": None},
}


def test_default_render_has_no_findings() -> None:
    report = evaluate(render_tree())
    assert report.findings == ()
    assert not report.denied
    assert len(report.files) == 9  # the YAML files of the real render


def test_non_kubernetes_documents_are_ignored() -> None:
    tree = render_tree()
    tree["contract.json"] = [CONTRACT]
    assert evaluate(tree).findings == ()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"source_kind": "HelmRepository"}, []),
        ({"tls": True, "replicas": 1}, []),
        ({"credentials": "eso"}, []),
        ({"credentials": "inline-allowed"}, [("warn", "safety.plaintext-secret")]),
        ({"credentials": "inline"}, [("deny", "safety.plaintext-secret")]),
        ({"pdb": True}, [("warn", "safety.duplicate-pdb")]),
        ({"replicas": 1}, [("warn", "valkey.replicas-without-tls")]),
    ],
)
def test_render_variants(options: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert rules(evaluate(render_tree(**options))) == expected


def test_pdb_variant_warning_names_the_pdb() -> None:
    report = evaluate(render_tree(pdb=True))
    (finding,) = report.findings
    assert finding.severity is Severity.WARN
    assert (finding.package, finding.file) == (
        "wildside_valkey.safety",
        "cluster/poddisruptionbudget.yaml",
    )
    assert (finding.kind, finding.namespace, finding.name) == (
        "PodDisruptionBudget",
        "valkey",
        "pdb-valkey",
    )
    assert "more than one PodDisruptionBudget" in finding.message
