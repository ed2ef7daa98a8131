"""The pack itself: Rego v1 syntax, stable package names and rule ids, documented rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regopy

from wildside_valkey.policies.pack import (
    LIBRARY_PACKAGE,
    PACKAGES,
    package_of,
    rego_sources,
    write_pack,
)

RULE_IDS = {
    "flux.chart-source-namespace",
    "flux.chart-source-present",
    "flux.helm-repository-oci-type",
    "flux.helmrelease-chart-source",
    "flux.helmrelease-version-pinned",
    "flux.namespace-local-refs",
    "flux.oci-chart-layer-selector",
    "flux.oci-ref-pinned",
    "flux.plain-http-source",
    "flux.values-dotted-key",
    "ordering.cluster-after-operator",
    "ordering.operator-and-cluster-same-folder",
    "ordering.operator-wait",
    "safety.combined-input",
    "safety.duplicate-pdb",
    "safety.external-secret-api-version",
    "safety.external-secret-store",
    "safety.plaintext-secret",
    "valkey.anonymous-isolated",
    "valkey.anonymous-replicas",
    "valkey.external-access-type",
    "valkey.nodes-minimum",
    "valkey.proxy-settings",
    "valkey.replicas-without-tls",
    "valkey.service-password-secret",
    "valkey.storage-required",
    "valkey.storage-size-and-class",
    "valkey.storage-under-spec",
    "valkey.tls-boolean",
    "valkey.tls-cert-issuer",
}

_RULE_ID = re.compile(r'"((?:flux|valkey|safety|ordering)\.[a-z0-9-]+)"')
# v0 rule bodies: a head at column 0 that opens a body without `if` (`name {`, `f(x) {`,
# `deny[msg] {`).
_V0_BODY = re.compile(r"^[A-Za-z_][\w.]*(\([^)]*\)|\[[^\]]*\])?\s*\{\s*$")


def _code_lines(source: str) -> list[str]:
    return [line for line in source.splitlines() if not line.lstrip().startswith("#")]


def test_package_names_are_stable() -> None:
    assert PACKAGES == (
        "wildside_valkey.flux",
        "wildside_valkey.valkey",
        "wildside_valkey.safety",
        "wildside_valkey.ordering",
    )
    assert LIBRARY_PACKAGE == "wildside_valkey.lib"
    assert {name: package_of(text) for name, text in rego_sources().items()} == {
        "flux.rego": "wildside_valkey.flux",
        "lib.rego": "wildside_valkey.lib",
        "ordering.rego": "wildside_valkey.ordering",
        "safety.rego": "wildside_valkey.safety",
        "valkey.rego": "wildside_valkey.valkey",
    }


@pytest.mark.parametrize("name", sorted(rego_sources()))
def test_each_file_is_rego_v1(name: str) -> None:
    source = rego_sources()[name]
    code = _code_lines(source)
    first = next(line for line in code if line.strip())
    assert first.startswith("package wildside_valkey.")
    assert "import rego.v1" in code
    for line in code:
        assert not _V0_BODY.match(line), f"{name}: v0 rule body: {line!r}"
        assert not re.match(r"^(deny|warn|violation)\[", line), f"{name}: v0 partial set: {line!r}"
        if line.lstrip().startswith("} else") and line.rstrip().endswith("{"):
            assert " if {" in line, f"{name}: v0 else body: {line!r}"
    # regopy compiles it together with the library it imports.
    interpreter = regopy.Interpreter()
    interpreter.add_module("lib.rego", rego_sources()["lib.rego"])
    interpreter.add_module(name, source)
    assert interpreter.build(f"x := data.{package_of(source)}").ok()


def test_rules_use_contains_and_if() -> None:
    for name, source in rego_sources().items():
        heads = [line for line in _code_lines(source) if re.match(r"^(deny|warn)\b", line)]
        if name == "lib.rego":
            assert heads == []
            continue
        assert heads, name
        for head in heads:
            assert re.match(r"^(deny|warn) contains \S", head), head
        assert source.count(" if {") >= len(heads)


def test_no_sprintf_in_the_pack() -> None:
    # rego-cpp's sprintf quotes strings made by other built-ins and OPA's does not, so a
    # message built with it would differ between regopy and conftest.
    for name, source in rego_sources().items():
        assert not any("sprintf(" in line for line in _code_lines(source)), name


def test_rule_ids_are_stable_and_each_is_introduced_by_a_comment() -> None:
    found: set[str] = set()
    for name, source in rego_sources().items():
        ids = set(_RULE_ID.findall(source))
        found |= ids
        comments = {line.strip() for line in source.splitlines() if line.startswith("#")}
        for rule in ids:
            assert f"# {rule}" in comments, f"{name}: {rule} has no introducing comment"
            assert rule.split(".")[0] == name.removesuffix(".rego"), f"{rule} in {name}"
    assert found == RULE_IDS


def test_every_rule_says_what_it_protects_against() -> None:
    for name, source in rego_sources().items():
        lines = source.splitlines()
        for index, line in enumerate(lines):
            if _RULE_ID.fullmatch(f'"{line.removeprefix("# ")}"') and line.startswith("# "):
                assert lines[index + 1].startswith("# Protects against"), f"{name}: {line}"
            if re.match(r"^(deny|warn) contains", line):
                # Each clause (head to the closing brace at column 0) reports one rule id.
                end = next(i for i in range(index + 1, len(lines)) if lines[i] == "}")
                body = "\n".join(lines[index : end + 1])
                assert len(set(_RULE_ID.findall(body))) == 1, f"{name}:{index + 1}"


def test_docs_document_every_rule_and_package() -> None:
    document = Path(__file__).resolve().parents[2] / "docs" / "policies.md"
    text = document.read_text(encoding="utf-8")
    for rule in RULE_IDS:
        assert f"`{rule}`" in text, rule
    for package in (*PACKAGES, LIBRARY_PACKAGE):
        assert f"`{package}`" in text, package
    assert "--combine" in text
    assert "--all-namespaces" in text


def test_the_rule_table_lives_once() -> None:
    """docs/policies.md is the one home of the rule table; the other documents link to it."""
    root = Path(__file__).resolve().parents[2]
    assert "(docs/policies.md)" in (root / "README.md").read_text(encoding="utf-8")
    others = [root / "README.md", root / "ARCHITECTURE.md", *sorted((root / "docs").glob("*.md"))]
    for path in others:
        if path.name == "policies.md" or not path.is_file():
            continue
        rows = [r for r in RULE_IDS if f"| `{r}` |" in path.read_text(encoding="utf-8")]
        assert not rows, f"{path.relative_to(root)} repeats rows of the rule table: {rows}"


def test_write_pack_copies_files_that_compile(tmp_path: Path) -> None:
    written = write_pack(tmp_path / "pack")
    assert sorted(p.name for p in written) == sorted(rego_sources())
    interpreter = regopy.Interpreter()
    for path in written:
        interpreter.add_module(path.name, path.read_text(encoding="utf-8"))
    assert interpreter.build("x := data.wildside_valkey.flux.deny").ok()


def test_package_of_rejects_a_module_without_package() -> None:
    with pytest.raises(ValueError, match="no package"):
        package_of("import rego.v1\n")
