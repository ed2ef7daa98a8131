"""``wildside-valkey check`` as a user runs it, against the real servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.connect.support import PASSWORD, Pki, RedisTls, ValkeyServers


def test_check_succeeds_and_reports_version_and_latency(
    run_cli: RunCli, valkey_servers: ValkeyServers, valkey_version: str
) -> None:
    result = run_cli(
        [
            "check",
            "--host",
            "127.0.0.1",
            "--port",
            str(valkey_servers.seed_port),
            "--password-env",
            "MY_VALKEY_PASSWORD",
            "--output",
            "json",
        ],
        env={"MY_VALKEY_PASSWORD": PASSWORD},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["server_version"] == valkey_version
    assert PASSWORD not in result.stdout + result.stderr
    text = run_cli(
        ["check", "--host", "127.0.0.1", "--port", str(valkey_servers.seed_port)],
        env={"VALKEY_PASSWORD": PASSWORD},
    )
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("OK: ")
    assert "ms" in text.stdout


def test_check_with_a_wrong_password_exits_1_with_the_reason(
    run_cli: RunCli, valkey_servers: ValkeyServers
) -> None:
    result = run_cli(
        ["check", "--host", "127.0.0.1", "--port", str(valkey_servers.seed_port)],
        env={"VALKEY_PASSWORD": "not-the-password"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "not-the-password" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_check_without_a_password_names_the_clis_own_sources(
    run_cli: RunCli, valkey_servers: ValkeyServers, tmp_path: Path
) -> None:
    absent = tmp_path / "absent"
    port = str(valkey_servers.seed_port)
    result = run_cli(
        ["check", "--host", "127.0.0.1", "--port", port, "--password-file", str(absent)],
        env={"VALKEY_PASSWORD": ""},
    )
    assert result.returncode == 1
    assert result.stderr == (
        "error: no Valkey password found; sources tried, in order:\n"
        "  - $VALKEY_PASSWORD: empty\n"
        f"  - --password-file {absent}: does not exist\n"
        "  - Secret valkey/valkey key 'password': not read (--from-secret reads it)\n"
    )


def test_an_unresolvable_host_points_at_host_and_port(run_cli: RunCli) -> None:
    # .invalid never resolves (RFC 2606), as a Service name does not outside the cluster.
    anonymous = ["--var", "anonymous_auth=true"]
    result = run_cli(["check", *anonymous, "--var", "cluster_domain=invalid", "--timeout", "2"])
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot resolve the host of valkey.valkey.svc.invalid")
    assert result.stderr.endswith("from outside, port-forward and pass --host/--port\n")


def test_check_reads_a_rendered_contract_and_verifies_tls(
    run_cli: RunCli, redis_tls: RedisTls, pki: Pki, tmp_path: Path
) -> None:
    contract = run_cli(
        ["contract", "--var", "tls_enabled=true", "--var", "cert_issuer_name=ca"]
    ).stdout
    (tmp_path / "contract.json").write_text(contract)
    args = [
        "check",
        "--contract",
        "contract.json",
        "--host",
        "127.0.0.1",
        "--port",
        str(redis_tls.port),
    ]
    ok = run_cli([*args, "--ca-file", str(pki.ca.pem_file)], env={"VALKEY_PASSWORD": PASSWORD})
    assert ok.returncode == 0, ok.stderr
    refused = run_cli(
        [*args, "--ca-file", str(pki.other_ca.pem_file)], env={"VALKEY_PASSWORD": PASSWORD}
    )
    assert refused.returncode == 1
    assert "certificate" in refused.stderr.lower()
    assert "(--ca-file, or --ca-from-secret to read the contract's CA Secret)" in refused.stderr


@pytest.mark.parametrize("port", ["0", "70000", "x"])
def test_check_rejects_a_bad_port(run_cli: RunCli, port: str) -> None:
    assert run_cli(["check", "--port", port]).returncode == 2
