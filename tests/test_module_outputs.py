"""Issue 11, point 3: `wildside-valkey output`, the module's outputs as `tofu output` prints them.

The module's outputs: leynos/wildside infra/modules/valkey/outputs.tf at d7c3e6f (the
parent of c0ef0b10). The formats: opentofu/opentofu internal/command/views/output.go
and internal/repl/format.go.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.conftest import RunCli

# Every output of the module, in the order outputs.tf declares them.
MODULE_OUTPUTS = [
    "operator_namespace",
    "namespace",
    "cluster_name",
    "helm_release_name",
    "primary_service_name",
    "replica_service_name",
    "primary_endpoint",
    "replica_endpoint",
    "port",
    "credentials_secret_name",
    "credentials_secret_key",
    "tls_enabled",
    "sync_policy_contract",
    "rendered_manifests",
]


def outputs(run_cli: RunCli, *args: str) -> dict[str, Any]:
    result = run_cli(["output", "--json", *args])
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_every_module_output_with_type_and_sensitivity(run_cli: RunCli) -> None:
    got = outputs(run_cli, "--var", "cluster_name=cache", "--var", "namespace=apps")
    assert list(got) == sorted(MODULE_OUTPUTS)  # tofu sorts them
    for meta in got.values():
        assert list(meta) == ["sensitive", "type", "value"]
    assert [n for n, m in got.items() if m["sensitive"]] == ["rendered_manifests"]
    assert got["primary_endpoint"] == {
        "sensitive": False,
        "type": "string",
        "value": "cache.apps.svc.cluster.local",
    }
    assert got["port"] == {"sensitive": False, "type": "number", "value": 6379}
    assert got["tls_enabled"]["type"] == "bool"
    assert got["primary_service_name"]["value"] == "cache"
    assert got["replica_service_name"]["value"] == "cache-headless"
    assert got["credentials_secret_name"]["value"] == "cache"  # the operator's own Secret
    assert got["rendered_manifests"]["type"] == ["map", "string"]


def test_sync_policy_contract_has_the_modules_nested_shape(run_cli: RunCli) -> None:
    got = outputs(run_cli, "--var", "tls_enabled=true", "--var", "cert_issuer_name=ca")
    contract = got["sync_policy_contract"]
    assert contract["type"][0] == "object"
    assert sorted(contract["type"][1]) == [
        "cluster",
        "credentials",
        "endpoints",
        "persistence",
        "replication",
        "tls",
    ]
    assert contract["type"][1]["endpoints"] == [
        "object",
        {
            "primary": ["object", {"host": "string", "port": "number"}],
            "replica": ["object", {"host": "string", "port": "number"}],
        },
    ]
    assert contract["value"] == {
        "cluster": {"name": "valkey", "namespace": "valkey"},
        "endpoints": {
            "primary": {"host": "valkey.valkey.svc.cluster.local", "port": 6379},
            "replica": {"host": "valkey-headless.valkey.svc.cluster.local", "port": 6379},
        },
        "credentials": {"secret_name": "valkey", "secret_key": "password", "namespace": "valkey"},
        "tls": {"enabled": True, "cert_issuer": "ca"},
        "persistence": {"enabled": True, "storage_class": "do-block-storage", "size": "1Gi"},
        "replication": {"nodes": 1, "replicas": 0},
    }


def test_anonymous_auth_gives_typed_nulls(run_cli: RunCli) -> None:
    got = outputs(run_cli, "--var", "anonymous_auth=true")
    assert got["credentials_secret_name"] == {"sensitive": False, "type": "string", "value": None}
    assert got["sync_policy_contract"]["value"]["credentials"] is None
    assert got["sync_policy_contract"]["type"][1]["credentials"][0] == "object"


def test_rendered_manifests_are_the_render_tree_keyed_by_gitops_path(
    run_cli: RunCli, tmp_path: Path
) -> None:
    args = ["--var", "flux_path_prefix=./clusters/dev/valkey", "--var", "pdb_enabled=true"]
    manifests = outputs(run_cli, *args)["rendered_manifests"]["value"]
    rendered = run_cli(["render", "--out", "tree", *args])
    assert rendered.returncode == 0, rendered.stderr
    files = {
        f"clusters/dev/valkey/{p.relative_to(tmp_path / 'tree')}": p.read_text()
        for p in sorted((tmp_path / "tree").rglob("*"))
        if p.is_file() and p.name != ".wildside-valkey"
    }
    assert manifests == files


def test_rendered_manifests_are_empty_in_apply_mode(run_cli: RunCli) -> None:
    assert outputs(run_cli, "--var", "mode=apply")["rendered_manifests"]["value"] == {}


def test_the_inline_password_is_masked_unless_asked_for(run_cli: RunCli) -> None:
    password = "out-canary-93"
    encoded = base64.b64encode(password.encode()).decode()
    args = ["--var", f"password_inline={password}", "--var", "allow_plaintext_secrets=true"]
    for form in (["--json"], [], ["rendered_manifests", "--json"]):
        result = run_cli(["output", *form, *args])
        assert result.returncode == 0, result.stderr
        assert password not in result.stdout
        assert encoded not in result.stdout
    masked = outputs(run_cli, *args)["rendered_manifests"]["value"]
    assert "password: (sensitive value)" in masked["platform/valkey/cluster/secret.yaml"]
    shown = outputs(run_cli, "--show-sensitive", *args)["rendered_manifests"]["value"]
    assert f"password: {encoded}" in shown["platform/valkey/cluster/secret.yaml"]


def test_one_output_by_name_is_printed_raw(run_cli: RunCli) -> None:
    result = run_cli(["output", "primary_endpoint"])
    assert (result.returncode, result.stdout) == (0, "valkey.valkey.svc.cluster.local")
    assert run_cli(["output", "port"]).stdout == "6379"
    assert run_cli(["output", "tls_enabled"]).stdout == "false"


def test_one_output_as_compact_json(run_cli: RunCli) -> None:
    assert run_cli(["output", "cluster_name", "--json"]).stdout == '"valkey"\n'
    result = run_cli(["output", "sync_policy_contract", "--json"])
    assert result.stdout.startswith('{"cluster":{"name":"valkey","namespace":"valkey"},')
    assert result.stdout.endswith("\n")
    assert "\n" not in result.stdout[:-1]


def test_raw_refuses_null_and_complex_values(run_cli: RunCli) -> None:
    result = run_cli(["output", "credentials_secret_key", "--var", "anonymous_auth=true"])
    assert result.returncode == 2
    assert "is null, so the raw form cannot print it" in result.stderr
    result = run_cli(["output", "sync_policy_contract"])
    assert result.returncode == 2
    assert "is object; use --json" in result.stderr
    result = run_cli(["output", "primary_endpoints"])
    assert result.returncode == 2
    assert "did you mean 'primary_endpoint'?" in result.stderr


def test_human_list_hides_sensitive_values(run_cli: RunCli) -> None:
    result = run_cli(["output"])
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "rendered_manifests = <sensitive>" in lines
    assert 'primary_endpoint = "valkey.valkey.svc.cluster.local"' in lines
    assert "port = 6379" in lines
    assert '    "cert_issuer" = tostring(null)' in lines


def test_json_escapes_html_characters_as_go_does(run_cli: RunCli) -> None:
    result = run_cli(["output", "--json", "--var", 'helm_values=["note: a<b & c>d"]'])
    assert result.returncode == 0, result.stderr
    assert "a\\u003cb \\u0026 c\\u003ed" in result.stdout
    value = json.loads(result.stdout)["rendered_manifests"]["value"]
    assert "a<b & c>d" in value["platform/valkey/operator/helmrelease.yaml"]
