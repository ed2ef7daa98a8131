"""The `helm` stand-in: what it records and how it answers, run as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.helm_fake import HELM_DIR, FakeHelm

CHART = "oci://ghcr.io/hyperspike/valkey-operator"


def helm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `helm` found on PATH, as apply mode does."""
    exe = shutil.which("helm", path=(env or os.environ).get("PATH"))
    assert exe is not None
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env=env, check=False, timeout=30
    )


def install(fake_helm: FakeHelm, tmp_path: Path, values: str = "replicas: 2\n") -> Any:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(values, encoding="utf-8")
    return helm(
        "upgrade",
        "--install",
        "valkey-operator",
        CHART,
        "--version",
        "v0.0.61-chart",
        "--namespace",
        "valkey-system",
        "--create-namespace",
        "--values",
        str(values_file),
        "--wait",
        "--timeout",
        "600s",
    )


def test_the_stand_in_is_first_on_path(fake_helm: FakeHelm) -> None:
    assert shutil.which("helm") == str(HELM_DIR / "helm")
    result = helm("version", "--short")
    assert result.returncode == 0
    assert result.stdout.startswith("v3.")


def test_upgrade_install_records_the_release(fake_helm: FakeHelm, tmp_path: Path) -> None:
    result = install(fake_helm, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('Release "valkey-operator" does not exist. Installing it now.')
    assert "STATUS: deployed" in result.stdout
    assert "Pulled: ghcr.io/hyperspike/valkey-operator:v0.0.61-chart" in result.stderr
    (tmp_path / "values.yaml").unlink()  # callers often pass temporary files
    [call] = fake_helm.calls()
    assert call.command == "upgrade"
    assert call.release == "valkey-operator"
    assert call.option("--namespace", "-n") == "valkey-system"
    assert call.option("--timeout") == "600s"
    assert call.has_flag("--wait")
    assert call.values() == [{"replicas": 2}]
    assert call.exit_code == 0
    [rel] = fake_helm.releases()
    assert (rel["name"], rel["namespace"], rel["version"], rel["status"], rel["revision"]) == (
        "valkey-operator",
        "valkey-system",
        "v0.0.61-chart",
        "deployed",
        1,
    )
    assert rel["values"] == {"replicas": 2}
    assert rel["wait"] is True


def test_list_and_get_shapes_match_helm_3(fake_helm: FakeHelm, tmp_path: Path) -> None:
    install(fake_helm, tmp_path)
    listed = json.loads(helm("list", "-n", "valkey-system", "-o", "json").stdout)
    assert len(listed) == 1
    item = listed[0]
    assert set(item) == {
        "name",
        "namespace",
        "revision",
        "updated",
        "status",
        "chart",
        "app_version",
    }
    assert item["chart"] == "valkey-operator-v0.0.61-chart"
    assert item["app_version"] == "v0.0.61"
    assert item["revision"] == "1"
    assert item["updated"].endswith(" +0000 UTC")
    assert json.loads(helm("list", "-A", "-o", "json").stdout) == listed
    assert json.loads(helm("list", "-n", "other", "-o", "json").stdout) == []
    values = helm("get", "values", "valkey-operator", "-n", "valkey-system", "-o", "json")
    assert json.loads(values.stdout) == {"replicas": 2}


def test_upgrade_bumps_revision_and_reuses_values_when_none_given(
    fake_helm: FakeHelm, tmp_path: Path
) -> None:
    install(fake_helm, tmp_path)
    again = helm(
        "upgrade", "valkey-operator", CHART, "--version", "v0.0.62-chart", "-n", "valkey-system"
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith('Release "valkey-operator" has been upgraded.')
    rel = fake_helm.release("valkey-operator", "valkey-system")
    assert rel is not None
    assert (rel["revision"], rel["version"], rel["values"]) == (2, "v0.0.62-chart", {"replicas": 2})
    history = json.loads(
        helm("history", "valkey-operator", "-n", "valkey-system", "-o", "json").stdout
    )
    assert [(h["revision"], h["status"]) for h in history] == [(1, "superseded"), (2, "deployed")]


def test_get_values_without_user_values_is_null(fake_helm: FakeHelm) -> None:
    helm("upgrade", "--install", "r", CHART, "-n", "ns")
    assert helm("get", "values", "r", "-n", "ns", "-o", "json").stdout.strip() == "null"


def test_uninstall_and_missing_releases(fake_helm: FakeHelm, tmp_path: Path) -> None:
    install(fake_helm, tmp_path)
    gone = helm("uninstall", "valkey-operator", "-n", "valkey-system")
    assert gone.returncode == 0
    assert gone.stdout.strip() == 'release "valkey-operator" uninstalled'
    assert fake_helm.releases() == []
    again = helm("uninstall", "valkey-operator", "-n", "valkey-system")
    assert again.returncode == 1
    assert again.stderr.strip() == (
        "Error: uninstall: Release not loaded: valkey-operator: release: not found"
    )
    status = helm("history", "valkey-operator", "-n", "valkey-system")
    assert (status.returncode, status.stderr.strip()) == (1, "Error: release: not found")
    ok = helm("uninstall", "valkey-operator", "-n", "valkey-system", "--ignore-not-found")
    assert ok.returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["upgrade", "r", CHART, "--bogus"], "Error: unknown flag: --bogus"),
        (["upgrade", "r", CHART], 'Error: UPGRADE FAILED: "r" has no deployed releases'),
        (
            ["upgrade", "--install", "r", CHART, "--timeout", "600"],
            'Error: invalid argument "600" for "--timeout" flag: time: '
            'missing unit in duration "600"',
        ),
        (["upgrade", "--install", "r"], 'Error: "helm upgrade" requires 2 arguments'),
        (["upgrade", "--install", "Bad_Name", CHART], "Error: INSTALLATION FAILED: release name"),
    ],
)
def test_usage_errors_fail_like_helm(fake_helm: FakeHelm, args: list[str], message: str) -> None:
    result = helm(*args)
    assert result.returncode == 1
    assert result.stderr.startswith(message)
    assert fake_helm.calls()[-1].exit_code == 1


def test_env_knob_fails_a_command(fake_helm: FakeHelm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_HELM_FAIL", "list")
    monkeypatch.setenv("FAKE_HELM_FAIL_MESSAGE", "Kubernetes cluster unreachable")
    result = helm("list", "-A", "-o", "json")
    assert (result.returncode, result.stderr.strip()) == (
        1,
        "Error: Kubernetes cluster unreachable",
    )
    monkeypatch.setenv("FAKE_HELM_FAIL", "upgrade")
    result = helm("upgrade", "--install", "r", CHART, "-n", "ns")
    assert result.stderr.splitlines()[-1] == (
        "Error: INSTALLATION FAILED: Kubernetes cluster unreachable"
    )


def test_scripted_failure_leaves_a_failed_release_then_recovers(
    fake_helm: FakeHelm, tmp_path: Path
) -> None:
    fake_helm.fail("upgrade", times=1)
    first = install(fake_helm, tmp_path)
    assert first.returncode == 1
    assert first.stderr.splitlines()[-1] == "Error: INSTALLATION FAILED: context deadline exceeded"
    rel = fake_helm.release("valkey-operator", "valkey-system")
    assert rel is not None
    assert rel["status"] == "failed"
    listed = json.loads(helm("list", "-n", "valkey-system", "-o", "json").stdout)
    assert [i["status"] for i in listed] == ["failed"], "helm list shows failed releases"
    second = install(fake_helm, tmp_path)
    assert second.returncode == 0, second.stderr
    rel = fake_helm.release("valkey-operator", "valkey-system")
    assert rel is not None
    assert (rel["status"], rel["revision"]) == ("deployed", 2)


def test_atomic_install_failure_removes_the_release(fake_helm: FakeHelm) -> None:
    fake_helm.fail("upgrade", message="timed out waiting for the condition")
    result = helm("upgrade", "--install", "r", CHART, "-n", "ns", "--atomic")
    assert result.returncode == 1
    assert "has been uninstalled due to atomic being set" in result.stderr
    assert fake_helm.releases() == []


def test_unreachable_cluster_failure_leaves_no_release(fake_helm: FakeHelm) -> None:
    fake_helm.fail("upgrade", message="Kubernetes cluster unreachable", release_status=None)
    assert helm("upgrade", "--install", "r", CHART, "-n", "ns").returncode == 1
    assert fake_helm.releases() == []


def test_pending_release_blocks_upgrades_and_is_hidden_from_default_list(
    fake_helm: FakeHelm,
) -> None:
    fake_helm.seed_release("valkey-operator", "valkey-system", status="pending-upgrade")
    result = helm("upgrade", "--install", "valkey-operator", CHART, "-n", "valkey-system")
    assert result.stderr.splitlines()[-1] == (
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"
    )
    assert json.loads(helm("list", "-n", "valkey-system", "-o", "json").stdout) == []
    every = json.loads(helm("list", "-n", "valkey-system", "-a", "-o", "json").stdout)
    assert [i["status"] for i in every] == ["pending-upgrade"]


def test_runs_under_plain_python3_without_the_fixture_interpreter(
    fake_helm: FakeHelm, tmp_path: Path
) -> None:
    env = fake_helm.env()
    env.pop("FAKE_HELM_PYTHON")
    result = helm("upgrade", "--install", "r", CHART, "-n", "ns", env=env)
    assert result.returncode == 0, result.stderr
    assert [r["name"] for r in fake_helm.releases()] == ["r"]


def test_calls_filter_by_command(fake_helm: FakeHelm) -> None:
    helm("version")
    helm("upgrade", "--install", "r", CHART, "-n", "ns")
    helm("list", "-A", "-o", "json")
    assert [c.command for c in fake_helm.calls()] == ["version", "upgrade", "list"]
    assert [c.argv for c in fake_helm.calls("list")] == [["list", "-A", "-o", "json"]]


def test_in_helm_4_mode_list_has_no_all_and_shows_every_status(
    fake_helm: FakeHelm, monkeypatch: pytest.MonkeyPatch
) -> None:
    # helm pkg/cmd/list.go v4.1.4 has no --all; pkg/action/list.go SetStateMask
    # defaults to ListAll (v4.1.4 line 330) where v3.21.4 defaulted to deployed|failed.
    fake_helm.seed_release("valkey-operator", "valkey-system", status="pending-upgrade")
    monkeypatch.setenv("FAKE_HELM_VERSION", "v4.1.4")
    assert helm("list", "-n", "valkey-system", "--all").stderr.strip() == (
        "Error: unknown flag: --all"
    )
    listed = json.loads(helm("list", "-n", "valkey-system", "-o", "json").stdout)
    assert [i["status"] for i in listed] == ["pending-upgrade"]
