"""Bad input through the real CLI: exit 2, every problem named, no traceback, nothing written.

Most sets run in-process (``wildside_valkey.cli.main.main`` with ``SystemExit``
captured) for speed; a few run the installed ``wildside-valkey`` executable end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.cases.harness import Outcome, get_case, render_case, run_cli
from wildside_valkey.render import write_tree
from wildside_valkey.render.writer import MARKER

PASSWORD = "s3cret-Bad-Input-pw"


class _NotCreated:
    """A var file that is passed on the command line but does not exist."""


class _Directory:
    """A var file path that is a folder."""


NOT_CREATED = _NotCreated()
DIRECTORY = _Directory()
FileContent = str | bytes | _NotCreated | _Directory


@dataclass(frozen=True)
class Bad:
    id: str
    expect: tuple[str, ...]
    files: dict[str, FileContent] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    # False where only `render` refuses the set (contract and validate accept it).
    every_command: bool = True
    # A known bug in src/ (see the reason); the test flips to a failure once it is fixed.
    bug: str = ""


def _var(name: str) -> str:
    return f'variable "{name}"'


LONG = "a" * 54
BAD: tuple[Bad, ...] = (
    # --- one variable's own rule -------------------------------------------------
    Bad("namespace-not-dns-label", (_var("namespace"), "DNS-1123 label"),
        {"v.yaml": "namespace: Valkey_NS\n"}),
    Bad("ttl-not-a-go-duration", (_var("ttl"), "Go duration"), options=("ttl=3 days",)),
    Bad("ttl-below-a-second", (_var("ttl"), "at least one second"), options=("ttl=500ms",)),
    Bad("endpoint-type-unknown", (_var("cluster_preferred_endpoint_type"), "'hostname'"),
        options=("cluster_preferred_endpoint_type=dns",)),
    Bad("prometheus-label-value-invalid", (_var("prometheus_labels"), "label value"),
        {"v.yaml": "prometheus_labels:\n  release: kube prometheus\n"}),
    Bad("prometheus-label-key-invalid", (_var("prometheus_labels"), "label key"),
        options=('prometheus_labels={"-team"="shop"}',)),
    Bad("client-namespace-invalid", (_var("network_policy_client_namespaces"), "DNS-1123"),
        options=('network_policy_client_namespaces=["web","Shop_API"]',)),
    Bad("client-namespace-twice", (_var("network_policy_client_namespaces"), "more than once"),
        options=('network_policy_client_namespaces=["web","web"]',)),
    Bad("client-pod-label-invalid", (_var("network_policy_client_pod_labels"), "label key"),
        {"v.json": json.dumps({"network_policy_client_pod_labels": {"app/": "x"}})}),
    Bad("monitoring-namespace-invalid", (_var("network_policy_monitoring_namespace"), "DNS-1123"),
        options=("network_policy_monitoring_namespace=Monitoring",)),
    Bad("operator-namespace-leading-dash", (_var("operator_namespace"), "DNS-1123 label"),
        {"v.tfvars": 'operator_namespace = "-ops"\n'}),
    Bad("flux-namespace-too-long", (_var("flux_namespace"), "at most 63"),
        {"v.json": json.dumps({"flux_namespace": "f" * 64})}),
    Bad("cluster-name-upper-case", (_var("cluster_name"), "DNS-1123 label"),
        options=("cluster_name=Valkey",)),
    Bad("helm-release-name-54-chars", (_var("helm_release_name"), "at most 53"),
        options=(f"helm_release_name={LONG}",)),
    Bad("chart-repository-http", (_var("chart_repository"), "https:// or oci://"),
        {"v.tfvars": 'chart_repository = "http://charts.example.com"\n'
                     'flux_source_kind = "HelmRepository"\n'}),
    Bad("chart-repository-no-scheme", (_var("chart_repository"), "https:// or oci://"),
        options=("chart_repository=ghcr.io/hyperspike",)),
    Bad("chart-version-latest", (_var("chart_version"), "semantic version"),
        options=("chart_version=latest",)),
    Bad("chart-version-range", (_var("chart_version"), "semantic version"),
        {"v.yaml": 'chart_version: ">=0.0.61"\n'}),
    Bad("repository-interval-words", (_var("flux_helm_repository_interval"), "Go duration"),
        {"v.yaml": "flux_helm_repository_interval: 1 day\n"}),
    Bad("release-interval-days", (_var("flux_helm_release_interval"), "Go duration"),
        options=("flux_helm_release_interval=1d",)),
    Bad("eso-refresh-interval", (_var("eso_refresh_interval"), "Go duration"),
        {"v.json": '{"eso_refresh_interval": "soon"}'}),
    Bad("storage-size-not-quantity", (_var("storage_size"), "Kubernetes quantity"),
        options=("storage_size=lots",)),
    Bad("storage-size-zero", (_var("storage_size"), "greater than zero"),
        options=("storage_size=0",)),
    Bad("request-cpu-not-quantity", (_var("resource_requests.cpu"), "Kubernetes quantity"),
        {"v.yaml": 'resource_requests: {cpu: "1 core", memory: 128Mi}\n'}),
    Bad("limits-without-memory", (_var("resource_limits.memory"), "is required"),
        {"v.tfvars": 'resource_limits = { cpu = "1" }\n'}),
    Bad("limits-extra-attribute", (_var("resource_limits"), "has no attribute 'gpu'"),
        {"v.tfvars": 'resource_limits = { cpu = "1", memory = "1Gi", gpu = "1" }\n'}),
    Bad("nodes-fraction", (_var("nodes"), "whole number"), {"v.json": '{"nodes": 1.5}'}),
    Bad("nodes-zero", (_var("nodes"), "greater than or equal to 1"),
        {"v.tfvars": "nodes = 0\n"}),
    Bad("replicas-negative", (_var("replicas"), "greater than or equal to 0"),
        options=("replicas=-1",)),
    Bad("helm-timeout-zero", (_var("helm_timeout"), "greater than or equal to 1"),
        options=("helm_timeout=0",)),
    Bad("nodes-not-a-number", (_var("nodes"), '(got "abc")'), options=("nodes=abc",)),
    Bad("bool-not-a-bool", (_var("create_namespaces"), "true or false"),
        {"v.yaml": "create_namespaces: maybe\n"}),
    Bad("mode-unknown", (_var("mode"), "'render' or 'apply'"), {"v.yaml": "mode: dry-run\n"}),
    Bad("source-kind-unknown", (_var("flux_source_kind"), "'OCIRepository' or 'HelmRepository'"),
        options=("flux_source_kind=GitRepository",)),
    Bad("issuer-type-unknown", (_var("cert_issuer_type"), "'ClusterIssuer' or 'Issuer'"),
        {"v.tfvars": 'tls_enabled = true\ncert_issuer_name = "ca"\ncert_issuer_type = "CA"\n'}),
    Bad("external-access-type-unknown", (_var("external_access_type"), "'loadbalancer'"),
        {"v.tfvars": 'external_access_enabled = true\nexternal_access_type = "nodeport"\n'}),
    Bad("toleration-operator", (_var("tolerations[0].operator"), "'Equal' or 'Exists'"),
        {"v.yaml": "tolerations: [{key: a, operator: In, value: b, effect: NoSchedule}]\n"}),
    Bad("toleration-equal-without-key", (_var("tolerations[0].key"), "unless operator is Exists"),
        {"v.yaml": "tolerations: [{operator: Equal, value: b}]\n"}),
    Bad("toleration-effect-unknown", (_var("tolerations[1].effect"), "NoSchedule"),
        {"v.yaml": "tolerations: [{operator: Exists, effect: NoSchedule},"
                   " {operator: Exists, effect: Never}]\n"}),
    Bad("toleration-exists-with-value", (_var("tolerations[0].value"), "must be empty"),
        {"v.yaml": "tolerations: [{key: a, operator: Exists, value: b, effect: NoSchedule}]\n"}),
    Bad("node-selector-key", (_var("node_selector"), "label key 'bad key!'"),
        {"v.json": '{"node_selector": {"bad key!": "x"}}'}),
    Bad("node-selector-value", (_var("node_selector"), "label value"),
        {"v.yaml": "node_selector: {pool: 'not valid!'}\n"}),
    Bad("password-secret-name", (_var("password_secret_name"), "DNS-1123 subdomain"),
        options=("password_secret_name=Bad_Name",)),
    Bad("password-secret-key", (_var("password_secret_key"), "valid Secret data key"),
        options=("password_secret_key=pass word",)),
    Bad("vault-path-characters", (_var("password_vault_path"), "letters, digits"),
        {"v.yaml": "eso_enabled: true\npassword_vault_path: secret/valkey!\n"}),
    Bad("cluster-domain", (_var("cluster_domain"), "DNS name"),
        options=("cluster_domain=cluster..local",)),
    Bad("chart-name-blank", (_var("chart_name"), "must not be blank"),
        {"v.tfvars": 'chart_name = "   "\n'}),
    Bad("storage-class-blank", (_var("storage_class"), "must not be blank"),
        options=("storage_class=",)),
    Bad("store-name", (_var("eso_cluster_secret_store_name"), "DNS-1123 subdomain"),
        options=("eso_cluster_secret_store_name=Vault Backend",)),
    Bad("helm-values-list-document", (_var("helm_values"), "item 0 must be a YAML mapping"),
        {"v.yaml": 'helm_values: ["- a\\n- b"]\n'}),
    Bad("helm-values-single-string", (_var("helm_values"), "must be a list"),
        {"v.yaml": 'helm_values: "key: value"\n'}),
    Bad("helm-values-bad-yaml", (_var("helm_values"), "item 1 is not valid YAML"),
        {"v.json": json.dumps({"helm_values": ["ok: 1", "key: [unclosed"]})}),
    # --- rules between variables -------------------------------------------------
    Bad("tls-without-issuer", (_var("cert_issuer_name"), "required when tls_enabled"),
        {"v.tfvars": "tls_enabled = true\n"}),
    Bad("eso-without-vault-path", (_var("password_vault_path"), "required when eso_enabled"),
        {"v.json": '{"eso_enabled": true}'}),
    Bad("service-monitor-without-prometheus",
        (_var("service_monitor_enabled"), "needs prometheus_enabled"),
        options=("service_monitor_enabled=true",)),
    Bad("pdb-min-available-not-below-pods",
        (_var("pdb_min_available"), "nodes × (replicas + 1) = 2"),
        {"v.tfvars": "pdb_enabled = true\nnodes = 1\nreplicas = 1\npdb_min_available = 2\n"}),
    Bad("requests-over-limits", (_var("resource_requests.memory"), "must not exceed"),
        {"v.yaml": "resource_requests: {cpu: 100m, memory: 2Gi}\n"}),
    Bad("oci-source-with-https-repository", (_var("chart_repository"), "oci:// URL when"),
        {"v.tfvars": 'chart_repository = "https://charts.example.com"\n'}),
    Bad("external-hostname-without-proxy",
        (_var("external_access_hostname"), "external_access_type = proxy"),
        options=("external_access_hostname=valkey.example.com",)),
    Bad("external-hostname-not-dns", (_var("external_access_hostname"), "must be a DNS name"),
        {"v.yaml": "external_access_enabled: true\nexternal_access_type: proxy\n"
                   "external_access_hostname: 'not a host'\n"}),
    Bad("external-annotation-key", (_var("external_access_annotations"), "label key"),
        {"v.yaml": "external_access_annotations: {'bad key!': x}\n"}),
    Bad("external-proxy-replicas-zero",
        (_var("external_access_proxy_replicas"), "greater than or equal to 1"),
        options=("external_access_proxy_replicas=0",)),
    Bad("mode-apply-for-render", (_var("mode"), 'mode = "render"', "plan`/`apply"),
        options=("mode=apply",), every_command=False),
    Bad("inline-password-without-opt-in", (_var("password_inline"), "allow_plaintext_secrets"),
        {"v.tfvars": f'password_inline = "{PASSWORD}"\n'}, every_command=False),
    # --- names, files and options ------------------------------------------------
    Bad("unknown-variable-option", (_var("replica"), "did you mean 'replicas'?"),
        options=("replica=2",)),
    Bad("malformed-tfvars", ("v.tfvars", "not valid HCL", "line 2"),
        {"v.tfvars": "nodes = 3\nreplicas = = 1\n"}),
    # --- errors that show the right form ----------------------------------------
    Bad("list-without-brackets",
        (_var("network_policy_client_namespaces"),
         "--var value is not a valid list(string) literal: write it as '[\"shop-web\"]'"),
        options=("network_policy_client_namespaces=shop-web",)),
    Bad("map-without-braces",
        (_var("node_selector"), "not a valid map(string) literal: write it as '{\"zone\": \"a\"}'"),
        options=("node_selector=zone=a",)),
    Bad("string-for-a-list-in-a-file",
        (_var("flux_depends_on"),
         'must be a list (list(string)) (got "cert-manager"): write it as ["cert-manager"]'),
        {"v.yaml": "flux_depends_on: cert-manager\n"}),
    Bad("unquoted-string-in-tfvars",
        ("v.tfvars' is not a valid var file at line 1, column 16: Variables not allowed: "
         'Variables may not be used here. (strings are quoted: cluster_name = "cache")',),
        {"v.tfvars": "cluster_name = cache\n"}),
    Bad("unquoted-string-in-a-tfvars-list",
        ('(strings are quoted: "shop")',),
        {"v.tfvars": "network_policy_client_namespaces = [shop]\n"}),
    Bad("hcl-in-a-yml-file",
        ("v.yml' must hold a mapping of variable names to values (got a string); a .yml file "
         "is read as YAML (NAME: VALUE), and this looks like HCL (NAME = VALUE): name it "
         ".tfvars, or write YAML",),
        {"v.yml": 'cluster_name = "cache"\n'}),
    Bad("yaml-in-a-tfvars-file",
        ("a .tfvars file is read as HCL (NAME = VALUE), and this looks like YAML (NAME: VALUE)",),
        {"v.tfvars": "cluster_name: cache\n"}),
    Bad("hcl-in-a-json-file",
        ("a .json file is read as JSON ({\"NAME\": VALUE}), and this looks like HCL",),
        {"v.json": "nodes = 3\n"}),
    Bad("malformed-json", ("v.json", "not valid JSON", "line 1"), {"v.json": '{"nodes": 3,}'}),
    Bad("malformed-yaml", ("v.yaml", "not valid YAML"), {"v.yaml": "nodes: [3\nreplicas: 1\n"}),
    Bad("var-file-not-a-mapping", ("v.yaml", "must hold a mapping"), {"v.yaml": "- nodes\n"}),
    Bad("var-file-unknown-format", ("v.txt", "unknown format"), {"v.txt": "nodes = 3\n"}),
    Bad("var-file-missing", ("missing.tfvars", "cannot read var file"),
        {"missing.tfvars": NOT_CREATED}),
    Bad("var-file-not-utf8", ("v.yaml", "not UTF-8"), {"v.yaml": b"namespace: \xff\xfe\n"}),
    Bad("var-file-is-a-folder", ("folder.tfvars", "is a directory"),
        {"folder.tfvars": DIRECTORY}),
    Bad("var-option-without-value", ("nodes", "NAME=VALUE"), options=("nodes",)),
    Bad("var-file-non-string-name", ("a mapping key must be a string", "line 1, column 1"),
        {"v.yaml": "1: 2\n"}),
    Bad("several-problems-at-once",
        ("4 problems", _var("namespace"), _var("nodes"), _var("cert_issuer_name"),
         _var("replica")),
        {"v.yaml": "namespace: Bad_NS\nnodes: 0\ntls_enabled: true\n"},
        options=("replica=1",)),
)  # fmt: skip


def executable() -> Path:
    beside = Path(sys.executable).parent / "wildside-valkey"
    if beside.is_file():
        return beside
    found = shutil.which("wildside-valkey")
    if found is None:
        pytest.skip("the wildside-valkey executable is not installed")
    return Path(found)


def run_executable(args: list[str], cwd: Path) -> Outcome:
    env = {k: v for k, v in os.environ.items() if k != "WILDSIDE_VALKEY_DEBUG"}
    result = subprocess.run(
        [str(executable()), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
        check=False,
    )
    return Outcome(result.returncode, result.stdout, result.stderr)


def _arguments(bad: Bad, folder: Path) -> list[str]:
    args: list[str] = []
    for name, content in bad.files.items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, _Directory):
            path.mkdir()
        args += ["--var-file", str(path)]
    for option in bad.options:
        args += ["--var", option]
    return args


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _assert_refused(bad: Bad, outcome: Outcome, command: str) -> None:
    where = f"{command} with {bad.id}: stderr was\n{outcome.stderr}"
    assert outcome.code == 2, where
    for expected in bad.expect:
        assert expected in outcome.stderr, f"{where}\n(missing {expected!r})"
    assert "Traceback" not in outcome.stdout + outcome.stderr, where
    assert "internal error" not in outcome.stderr, where
    assert PASSWORD not in outcome.stdout + outcome.stderr, where


@pytest.fixture(scope="module")
def previous_tree() -> dict[str, str]:
    return dict(render_case(get_case("ha")).tree)


def _params(bads: Iterable[Bad]) -> list[Any]:
    return [
        pytest.param(bad, id=bad.id, marks=[pytest.mark.xfail(strict=True, reason=bad.bug)])
        if bad.bug
        else pytest.param(bad, id=bad.id)
        for bad in bads
    ]


@pytest.mark.parametrize("bad", _params(BAD))
def test_render_refuses_and_writes_nothing(
    bad: Bad, tmp_path: Path, previous_tree: dict[str, str]
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args = _arguments(bad, inputs)

    fresh = tmp_path / "fresh"
    outcome = run_cli(["render", *args, "--out", str(fresh)])
    _assert_refused(bad, outcome, "render")
    assert outcome.stdout == ""
    assert not fresh.exists()

    existing = tmp_path / "existing"
    write_tree(previous_tree, existing)
    before = _snapshot(existing)
    siblings = sorted(path.name for path in tmp_path.iterdir())
    outcome = run_cli(["render", *args, "--out", str(existing)])
    _assert_refused(bad, outcome, "render")
    assert _snapshot(existing) == before, "a failed render changed the previous tree"
    assert sorted(path.name for path in tmp_path.iterdir()) == siblings, "staging left behind"


@pytest.mark.parametrize("command", ["validate", "contract"])
@pytest.mark.parametrize("bad", _params(bad for bad in BAD if bad.every_command))
def test_validate_and_contract_refuse(bad: Bad, command: str, tmp_path: Path) -> None:
    outcome = run_cli([command, *_arguments(bad, tmp_path)])
    _assert_refused(bad, outcome, command)
    assert outcome.stdout == ""


def test_mode_is_only_refused_by_render(tmp_path: Path) -> None:
    for command in (["validate"], ["contract"]):
        outcome = run_cli([*command, "--var", "mode=apply"])
        assert outcome.code == 0, outcome.stderr
    outcome = run_cli(["render", "--var", "mode=apply", "--out", str(tmp_path / "o")])
    assert outcome.code == 2


def test_plaintext_password_is_refused_only_where_it_would_reach_git(tmp_path: Path) -> None:
    bad = next(bad for bad in BAD if bad.id == "inline-password-without-opt-in")
    refused = run_cli(["validate", *_arguments(bad, tmp_path)])
    _assert_refused(bad, refused, "validate")
    # contract writes nothing to Git: it works, and never shows the password.
    contract = run_cli(["contract", *_arguments(bad, tmp_path)])
    assert contract.code == 0, contract.stderr
    assert PASSWORD not in contract.stdout + contract.stderr
    applied = run_cli(["validate", "--var", "mode=apply", *_arguments(bad, tmp_path)])
    assert applied.code == 0, applied.stderr


def test_validate_json_lists_every_problem(tmp_path: Path) -> None:
    bad = next(bad for bad in BAD if bad.id == "several-problems-at-once")
    outcome = run_cli(["validate", "--output", "json", *_arguments(bad, tmp_path)])
    assert outcome.code == 2
    report = json.loads(outcome.stdout)
    assert report["valid"] is False
    assert {problem["variable"] for problem in report["problems"]} == {
        "namespace",
        "nodes",
        "cert_issuer_name",
        "replica",
    }


def test_a_valid_set_passes_the_same_runner(tmp_path: Path) -> None:
    # The positive control: the runner and the checks above can see success.
    out = tmp_path / "out"
    outcome = run_cli(["render", "--var", "nodes=3", "--out", str(out)])
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["replication"]["nodes"] == 3
    assert (out / MARKER).is_file()


END_TO_END = (
    "several-problems-at-once",
    "malformed-tfvars",
    "nodes-not-a-number",
    "var-file-is-a-folder",
    "mode-apply-for-render",
)


@pytest.mark.parametrize("bad_id", END_TO_END)
def test_executable_end_to_end(bad_id: str, tmp_path: Path, previous_tree: dict[str, str]) -> None:
    bad = next(bad for bad in BAD if bad.id == bad_id)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    args = _arguments(bad, inputs)
    existing = tmp_path / "existing"
    write_tree(previous_tree, existing)
    before = _snapshot(existing)
    outcome = run_executable(["render", *args, "--out", "existing"], cwd=tmp_path)
    _assert_refused(bad, outcome, "wildside-valkey render")
    assert outcome.stdout == ""
    assert _snapshot(existing) == before
    outcome = run_executable(["render", *args, "--out", "fresh"], cwd=tmp_path)
    _assert_refused(bad, outcome, "wildside-valkey render")
    assert not (tmp_path / "fresh").exists()
