"""The engine and report: compile once, typed findings, input encoding, output formats."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from wildside_valkey.errors import BadInputError, PolicyDenied
from wildside_valkey.policies import (
    Finding,
    Severity,
    compiled_pack,
    evaluate_manifests,
    evaluate_paths,
    format_report,
)
from wildside_valkey.policies.engine import evaluate_input, policy_input, rule_sets
from wildside_valkey.policies.loader import parse_documents

from .builders import evaluate, only, render_tree


def test_the_pack_is_compiled_once_per_process() -> None:
    assert compiled_pack() is compiled_pack()


def test_findings_are_typed_and_denials_come_first() -> None:
    tree = render_tree(replicas=1)
    only(tree, "cluster/valkey.yaml")["spec"]["nodes"] = 0
    report = evaluate(tree)
    assert [f.severity for f in report.findings] == [Severity.DENY, Severity.WARN]
    denial = report.denials[0]
    assert denial == Finding(
        severity=Severity.DENY,
        package="wildside_valkey.valkey",
        rule="valkey.nodes-minimum",
        message="cluster/valkey.yaml: Valkey valkey/valkey: spec.nodes must be a whole number "
        "of at least 1 (each node is a shard primary), got 0",
        file="cluster/valkey.yaml",
        kind="Valkey",
        namespace="valkey",
        name="valkey",
    )
    assert report.denied
    assert [f.rule for f in report.warnings] == ["valkey.replicas-without-tls"]


def test_quotes_backslashes_and_unicode_survive_the_round_trip() -> None:
    tree = render_tree()
    only(tree, "cluster/valkey.yaml")["spec"]["tls"] = 'tr"ue\\ é'
    (message,) = [f.message for f in evaluate(tree).findings]
    # The value comes back verbatim, as OPA would print it.
    assert message.endswith('got the string "tr"ue\\ é"')


def test_the_input_is_the_conftest_combined_shape() -> None:
    file = parse_documents("a.yaml", "kind: A\n---\nkind: B\n")
    assert policy_input([file]) == [{"path": "a.yaml", "contents": [{"kind": "A"}, {"kind": "B"}]}]


def test_a_single_document_as_contents_is_read_like_conftest_gives_it() -> None:
    # conftest --combine passes a one-document file as the document itself, not a list.
    document = render_tree()["cluster/valkey.yaml"][0]
    document["spec"]["nodes"] = 0
    findings = evaluate_input([{"path": "v.yaml", "contents": document}])
    assert [(f.rule, f.file) for f in findings] == [("valkey.nodes-minimum", "v.yaml")]


def test_a_raw_input_that_is_not_json_is_refused() -> None:
    with pytest.raises(BadInputError, match="the policy input is not plain JSON data"):
        evaluate_input([{"path": "a.yaml", "contents": {"x": math.inf}}])


def test_rule_sets_follow_the_sources() -> None:
    assert rule_sets(
        {"a.rego": "package wildside_valkey.flux\ndeny contains x if { x := 1 }\n"}
    ) == (("wildside_valkey.flux", Severity.DENY),)
    assert len(compiled_pack().rule_sets) == 8


@pytest.mark.parametrize("value", [b"bytes", math.nan])
def test_values_that_are_not_json_are_refused_naming_the_file(value: object) -> None:
    tree = render_tree()
    only(tree, "cluster/valkey.yaml")["spec"]["odd"] = value
    with pytest.raises(BadInputError, match=r"^cluster/valkey.yaml: holds a value that is not"):
        evaluate(tree)


def test_concurrent_evaluations_do_not_mix_inputs() -> None:
    bad = render_tree()
    only(bad, "cluster/valkey.yaml")["spec"]["nodes"] = 0
    trees = [render_tree(), bad] * 10
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(evaluate_manifests, trees))
    assert [r.denied for r in reports] == [False, True] * 10


def test_evaluate_paths_reads_a_rendered_folder(tmp_path: Path) -> None:
    for relative, documents in render_tree(pdb=True).items():
        target = tmp_path / "build" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    (tmp_path / "build" / "contract.json").write_text("{}", encoding="utf-8")
    report = evaluate_paths([tmp_path / "build"])
    assert len(report.files) == 10
    (finding,) = report.findings
    assert finding.rule == "safety.duplicate-pdb"
    assert finding.file == (tmp_path / "build" / "cluster" / "poddisruptionbudget.yaml").as_posix()


def test_text_report() -> None:
    tree = render_tree(replicas=1, credentials="inline")
    text = format_report(evaluate(tree))
    lines = text.splitlines()
    assert lines[0].startswith(
        "DENY [safety.plaintext-secret] cluster/secret.yaml: Secret valkey/valkey-password: "
    )
    assert lines[1].startswith("WARN [valkey.replicas-without-tls] cluster/valkey.yaml: ")
    assert lines[2] == "10 files checked: 1 denial, 1 warning"


def test_text_report_without_findings() -> None:
    assert format_report(evaluate(render_tree())) == "9 files checked: no findings"


def test_json_report() -> None:
    report = evaluate(render_tree(pdb=True))
    document = json.loads(format_report(report, output="json"))
    assert document["summary"] == {"denials": 0, "warnings": 1}
    assert document["files"] == list(report.files)
    (finding,) = document["findings"]
    assert finding["severity"] == "warn"
    assert finding["rule"] == "safety.duplicate-pdb"
    assert set(finding) == {
        "severity",
        "package",
        "rule",
        "message",
        "file",
        "kind",
        "namespace",
        "name",
    }


def test_unknown_output_format_is_bad_input() -> None:
    with pytest.raises(BadInputError, match='unknown output format "xml"'):
        format_report(evaluate(render_tree()), output="xml")


def test_raise_for_denials() -> None:
    evaluate(render_tree(pdb=True)).raise_for_denials()
    with pytest.raises(PolicyDenied) as caught:
        evaluate(render_tree(credentials="inline")).raise_for_denials()
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith(
        "1 policy denial:\n  - [safety.plaintext-secret] cluster/secret.yaml: Secret"
    )


def test_importing_the_package_does_not_load_the_engine_and_exit_is_quiet() -> None:
    probe = (
        "import sys\n"
        "import wildside_valkey.policies as p\n"
        "assert 'regopy' not in sys.modules\n"
        "p.evaluate_manifests({})\n"
        "assert 'regopy' in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stderr) == (0, "")
