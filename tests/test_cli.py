"""The command as a user runs it: help, outputs, exit codes, what lands on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import RunCli

COMMANDS = ["render", "contract", "validate"]


def test_help_lists_the_commands(run_cli: RunCli) -> None:
    result = run_cli(["--help"])
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(run_cli: RunCli, name: str) -> None:
    result = run_cli([name, "--help"])
    assert result.returncode == 0, result.stderr
    assert "--var-file" in result.stdout
    assert "--var NAME=VALUE" in result.stdout


def test_tofus_single_dash_options_are_the_double_dash_ones(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "dev.tfvars").write_text("nodes = 0\n")
    tofu = run_cli(["validate", "-var-file=dev.tfvars", "-var", "replicas=-1"])
    ours = run_cli(["validate", "--var-file", "dev.tfvars", "--var=replicas=-1"])
    assert tofu.returncode == ours.returncode == 2
    assert tofu.stderr == ours.stderr
    assert "(from dev.tfvars)" in tofu.stderr
    rendered = run_cli(["render", "-out", "tree", "-var", "cluster_name=cache"])
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "tree" / "cluster" / "valkey.yaml").is_file()


def test_after_a_double_dash_nothing_is_translated(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "-var").mkdir()  # a folder really named -var, for `policy -- PATH`
    (tmp_path / "-var" / "empty.yaml").write_text("{}\n")
    result = run_cli(["policy", "--", "-var"])
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 file checked: no findings\n"


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("validate", "-var, -var-file (with = or a space)"),
        ("plan", "-var, -var-file, -out, -detailed-exitcode, -destroy (with = or a space)"),
        ("apply", "-var, -var-file, -auto-approve (with = or a space)"),
    ],
)
def test_help_names_the_tofu_spellings(run_cli: RunCli, name: str, note: str) -> None:
    help_text = " ".join(run_cli([name, "--help"]).stdout.split())
    assert f"tofu's spellings work too: {note}." in help_text


def test_version(run_cli: RunCli) -> None:
    result = run_cli(["--version"])
    assert result.returncode == 0
    assert result.stdout.startswith("wildside-valkey, version ")


def test_render_writes_tree_and_prints_contract(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["render"])
    assert result.returncode == 0, result.stderr
    out = tmp_path / "build"
    contract = json.loads(result.stdout)
    assert json.loads((out / "contract.json").read_text()) == contract
    assert contract["endpoints"]["primary_host"] == "valkey.valkey.svc.cluster.local"
    valkey = yaml.safe_load((out / "cluster" / "valkey.yaml").read_text())
    assert valkey["kind"] == "Valkey"
    assert result.stderr == "wrote 10 files to build, and .wildside-valkey, its record of them\n"
    on_disk = [path for path in out.rglob("*") if path.is_file()]
    assert len(on_disk) == 11  # the ten, and the record


def test_render_out_option_and_var_file_precedence(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "a.tfvars").write_text('nodes = 3\ncluster_name = "from-tfvars"\n')
    (tmp_path / "b.yaml").write_text("cluster_name: from-yaml\n")
    result = run_cli(
        [
            "render",
            "--var-file",
            "a.tfvars",
            "--var-file",
            "b.yaml",
            "--var",
            "replicas=2",
            "--out",
            "tree",
        ]
    )
    assert result.returncode == 0, result.stderr
    contract = json.loads((tmp_path / "tree" / "contract.json").read_text())
    assert contract["cluster_name"] == "from-yaml"
    assert contract["replication"] == {"nodes": 3, "replicas": 2}


def test_render_warnings_go_to_stderr(run_cli: RunCli) -> None:
    result = run_cli(["render", "--var", "persistence_enabled=false"])
    assert result.returncode == 0
    assert "warning: persistence_enabled = false" in result.stderr
    assert result.stderr.count("persistence_enabled") == 1, "said once"
    # What runs: the operator cannot run a Valkey without storage, so it is rendered anyway.
    assert json.loads(result.stdout)["persistence"] == {
        "enabled": True,
        "storage_class": "do-block-storage",
        "size": "1Gi",
    }


@pytest.mark.parametrize("fmt", ["json", "yaml", "env"])
def test_contract_formats_agree(run_cli: RunCli, fmt: str) -> None:
    result = run_cli(
        ["contract", "--format", fmt, "--var", "tls_enabled=true", "--var", "cert_issuer_name=ca"]
    )
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        assert json.loads(result.stdout)["tls"]["cert_issuer"] == "ca"
    elif fmt == "yaml":
        assert yaml.safe_load(result.stdout)["tls"]["ca_secret"] == {
            "name": "valkey-tls",
            "key": "ca.crt",
        }
    else:
        assert "VALKEY_TLS_CERT_ISSUER=ca\n" in result.stdout


def test_contract_works_in_apply_mode(run_cli: RunCli) -> None:
    result = run_cli(["contract", "--var", "mode=apply"])
    assert result.returncode == 0


def test_validate_json_output(run_cli: RunCli) -> None:
    ok = run_cli(["validate", "--output", "json"])
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"valid": True, "problems": [], "warnings": []}
    bad = run_cli(["validate", "--output", "json", "--var", "nodes=0"])
    assert bad.returncode == 2
    report = json.loads(bad.stdout)
    assert report["valid"] is False
    assert [p["variable"] for p in report["problems"]] == ["nodes"]


def test_mode_mismatch_says_what_to_change(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["render", "--var", "mode=apply"])
    assert result.returncode == 2
    assert (
        'variable "mode": is "apply", but render writes a GitOps tree; set mode = "render"'
        in result.stderr
    )
    assert not (tmp_path / "build").exists()


def test_render_refuses_a_foreign_folder(run_cli: RunCli, tmp_path: Path) -> None:
    precious = tmp_path / "repo"
    precious.mkdir()
    (precious / "main.go").write_text("package main\n")
    result = run_cli(["render", "--out", "repo"])
    assert result.returncode == 2
    assert "was not written by wildside-valkey" in result.stderr
    assert (precious / "main.go").read_text() == "package main\n"
    assert "Traceback" not in result.stderr


def test_render_replaces_its_own_previous_tree(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["render", "--var", "pdb_enabled=true", "--var", "replicas=1"]).returncode == 0
    assert (tmp_path / "build" / "cluster" / "poddisruptionbudget.yaml").exists()
    assert run_cli(["render"]).returncode == 0
    assert not (tmp_path / "build" / "cluster" / "poddisruptionbudget.yaml").exists()


def test_unknown_command_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli(["rendr"])
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_a_value_typed_without_equals_is_never_echoed(run_cli: RunCli) -> None:
    for args in (
        ["render", "--var", "password_inline", "CANARY-s3cret"],
        ["validate", "--var", "password_inline:CANARY-s3cret"],
    ):
        result = run_cli(args)
        assert result.returncode == 2
        assert "CANARY-s3cret" not in result.stdout + result.stderr
        assert "NAME=VALUE" in result.stderr


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("=3", "--var takes NAME=VALUE (the name before '=' is empty)"),
        (" =s3cret", "--var takes NAME=VALUE (the name before '=' is empty)"),
        ("nodes", "--var takes NAME=VALUE (no '=' found)"),
    ],
)
def test_a_var_option_says_what_is_missing(run_cli: RunCli, option: str, expected: str) -> None:
    result = run_cli(["validate", "--var", option])
    assert result.returncode == 2
    assert expected in result.stderr
    assert "s3cret" not in result.stderr


def test_validate_json_reports_an_unreadable_var_file(run_cli: RunCli) -> None:
    result = run_cli(["validate", "--output", "json", "--var-file", "missing.tfvars"])
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert "cannot read var file" in report["problems"][0]["message"]


def test_policy_in_apply_mode_accepts_the_inline_secret(run_cli: RunCli) -> None:
    # Apply mode sends the Secret to the cluster, not to Git.
    args = ["policy", "--var", "password_inline=pw-123456"]
    assert run_cli(args).returncode == 1
    assert run_cli([*args, "--var", "mode=apply"]).returncode == 0


def test_policy_over_a_folder_with_a_symlink_loop_names_the_loop(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "tree" / "b.yaml").symlink_to("a.yaml")
    result = run_cli(["policy", "tree"])
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "error: cannot read policy input 'tree/a.yaml': its symbolic links go round in a loop "
        "(tree/a.yaml -> b.yaml -> a.yaml)\n"
    )


def test_the_plaintext_denial_names_the_variable_that_allows_it(run_cli: RunCli) -> None:
    args = ["policy", "--var", "password_inline=pw-123456"]
    denied = run_cli(args)
    assert denied.returncode == 1
    assert "set allow_plaintext_secrets = true" in denied.stdout
    allowed = run_cli([*args, "--var", "allow_plaintext_secrets=true"])
    assert allowed.returncode == 0, allowed.stdout
    assert "WARN [safety.plaintext-secret]" in allowed.stdout


def test_policy_counts_the_files_render_writes(run_cli: RunCli) -> None:
    """`policy` on a fresh render and `policy OUT` after a render check the same files."""
    assert run_cli(["render", "--out", "build"]).returncode == 0
    fresh = run_cli(["policy", "--output", "json"])
    written = run_cli(["policy", "build", "--output", "json"])
    fresh_files = json.loads(fresh.stdout)["files"]
    assert sorted(f"build/{path}" for path in fresh_files) == sorted(
        json.loads(written.stdout)["files"]
    )
    assert "cluster/kustomization.yaml" in fresh_files
    assert run_cli(["policy"]).stdout == run_cli(["policy", "build"]).stdout


def test_apply_help_names_only_its_own_batch_option(run_cli: RunCli) -> None:
    apply_help = " ".join(run_cli(["apply", "--help"]).stdout.split())
    assert "With --each: how many previews to work on at once." in apply_help
    assert "--expired" not in apply_help  # destroy's option, not apply's
    destroy_help = " ".join(run_cli(["destroy", "--help"]).stdout.split())
    assert "With --each or --expired: how many previews" in destroy_help
