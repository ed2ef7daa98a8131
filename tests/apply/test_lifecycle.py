"""The preview lifecycle against the fake API server: list, ttl and expiry, many previews
at once (`apply --each`/`destroy --each`, one injected failure), and `destroy --expired`."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from subprocess import CompletedProcess

import pytest
import yaml

from tests.conftest import RunCli
from tests.fakes.cluster import FakeCluster, apply_plan_for
from wildside_valkey.apply.previews import list_previews

APPLY = ["--var", "mode=apply"]


def run(run_cli: RunCli, cluster: FakeCluster, *args: str) -> CompletedProcess[str]:
    return run_cli([*args, *APPLY, *cluster.cli_args()])


def previews_file(tmp_path: Path, entries: list[dict[str, object]]) -> str:
    path = tmp_path / "previews.yaml"
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def pr(number: int, **extra: object) -> dict[str, object]:
    return {"cluster_name": f"pr-{number}", "namespace": f"preview-{number}", **extra}


def valkeys(cluster: FakeCluster) -> list[str]:
    return sorted(
        f"{v['metadata']['namespace']}/{v['metadata']['name']}" for v in cluster.objects("valkeys")
    )


def helm_verbs(cluster: FakeCluster) -> list[str]:
    return [command.split()[0] for command in cluster.helm_commands()]


# ----------------------------------------------------------------------- ttl record


def test_ttl_is_recorded_beside_the_cluster_and_changing_it_touches_nothing_else(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.apply(apply_plan_for(ttl="72h"))
    (record,) = [
        c
        for c in fake_cluster.objects("configmaps", "valkey")
        if c["metadata"]["name"] == "valkey-lifecycle"
    ]
    assert record["metadata"]["annotations"] == {"wildside-valkey.io/ttl": "72h"}
    (valkey,) = fake_cluster.objects("valkeys", "valkey")
    # Not on the Valkey: the operator copies its annotations into the pod template.
    assert "annotations" not in valkey["metadata"]

    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for(ttl="96h"))
    assert fake_cluster.mutating() == [
        "PATCH /api/v1/namespaces/valkey/configmaps/valkey-lifecycle"
    ]
    fake_cluster.reset_records()
    fake_cluster.apply(apply_plan_for())  # ttl removed: the record goes
    assert fake_cluster.mutating() == [
        "DELETE /api/v1/namespaces/valkey/configmaps/valkey-lifecycle"
    ]


def test_expiry_is_the_creation_time_plus_the_ttl(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for(ttl="1h30m"))
    fake_cluster.apply(apply_plan_for(cluster_name="keep", namespace="stays"))
    with fake_cluster.client() as kube:
        previews = {p.key: p for p in list_previews(kube)}
    assert set(previews) == {"stays/keep", "valkey/valkey"}
    timed = previews["valkey/valkey"]
    assert timed.created is not None
    assert timed.expires == timed.created + timedelta(minutes=90)
    assert not timed.expired(timed.created + timedelta(minutes=89))
    assert timed.expired(timed.created + timedelta(minutes=90))
    assert previews["stays/keep"].expires is None
    assert not previews["stays/keep"].expired(timed.created + timedelta(days=3650))


def test_clusters_not_applied_by_us_are_not_listed(fake_cluster: FakeCluster) -> None:
    fake_cluster.apply(apply_plan_for())
    foreign = {
        "apiVersion": "hyperspike.io/v1",
        "kind": "Valkey",
        "metadata": {
            "name": "theirs",
            "namespace": "valkey",
            "labels": {"app.kubernetes.io/managed-by": "wildside-valkey"},
        },
        "spec": {"nodes": 1},
    }
    fake_cluster.api.seed(foreign, manager="kubectl")
    with fake_cluster.client() as kube:
        assert [p.key for p in list_previews(kube)] == ["valkey/valkey"]


# ------------------------------------------------------------------ many previews


def test_apply_each_runs_in_parallel_and_one_failure_does_not_stop_the_others(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    each = previews_file(tmp_path, [pr(1, ttl="72h"), pr(2), pr(3)])
    # The API server refuses preview-2's Valkey (not a transient error: no retry helps).
    fake_cluster.api.fail(
        403,
        method="PATCH",
        path="/namespaces/preview-2/valkeys/",
        times=None,
        reason="Forbidden",
        message="valkeys.hyperspike.io is forbidden",
    )
    result = run(run_cli, fake_cluster, "apply", "--each", each, "--concurrency", "3")

    assert result.returncode == 1, result.stderr
    contracts = json.loads(result.stdout)
    assert sorted(contracts) == ["preview-1/pr-1", "preview-3/pr-3"]
    assert contracts["preview-1/pr-1"]["endpoints"]["primary_host"] == (
        "pr-1.preview-1.svc.cluster.local"
    )
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("failed: preview-2/pr-2: ") and "forbidden" in line for line in lines
    )
    assert lines[-1] == (
        "apply --each: 2 of 3 previews succeeded; 1 failed: preview-2/pr-2; "
        "operator release installed once"
    )
    assert "Traceback" not in result.stderr
    assert valkeys(fake_cluster) == ["preview-1/pr-1", "preview-3/pr-3"]
    # One shared release, installed once, before any cluster; no preview ran helm.
    assert helm_verbs(fake_cluster).count("upgrade") == 1
    # The release state is read from its storage Secret: helm runs only to install.
    assert helm_verbs(fake_cluster) == ["upgrade"]

    listed = run_cli(["list", "--output", "json", *fake_cluster.cli_args()])
    assert listed.returncode == 0, listed.stderr
    rows = {row["namespace"] + "/" + row["name"]: row for row in json.loads(listed.stdout)}
    assert sorted(rows) == ["preview-1/pr-1", "preview-3/pr-3"]
    assert rows["preview-1/pr-1"]["ttl"] == "72h"
    assert rows["preview-1/pr-1"]["ready"] is True
    assert rows["preview-1/pr-1"]["expired"] is False
    assert rows["preview-1/pr-1"]["labels"]["wildside-valkey.io/cluster"] == "pr-1"
    assert rows["preview-3/pr-3"]["ttl"] is None
    assert rows["preview-3/pr-3"]["expires"] is None

    text = run_cli(["list", *fake_cluster.cli_args()])
    assert text.stdout.splitlines()[0].split() == [
        "NAMESPACE",
        "NAME",
        "AGE",
        "READY",
        "TTL",
        "EXPIRES",
        "LABELS",
    ]
    row = text.stdout.splitlines()[1].split()
    assert row[:2] == ["preview-1", "pr-1"]
    assert row[2].endswith("s")  # its age, in seconds
    assert row[3:5] == ["true", "72h"]
    assert row[5] == rows["preview-1/pr-1"]["expires"]

    # The failure fixed, the same run converges the rest and changes nothing else.
    fake_cluster.api.faults.clear()
    fake_cluster.reset_records()
    again = run(run_cli, fake_cluster, "apply", "--each", each)
    assert again.returncode == 0, again.stderr
    assert sorted(json.loads(again.stdout)) == [
        "preview-1/pr-1",
        "preview-2/pr-2",
        "preview-3/pr-3",
    ]
    assert helm_verbs(fake_cluster) == []  # unchanged release: no helm process at all
    assert not [c for c in fake_cluster.mutating() if "preview-1" in c or "preview-3" in c]


def test_a_failed_operator_step_touches_no_preview(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    each = previews_file(tmp_path, [pr(1), pr(2)])
    fake_cluster.api.fail(403, method="PATCH", path="/namespaces/valkey-system$", times=None)
    result = run(run_cli, fake_cluster, "apply", "--each", each)
    assert result.returncode == 1
    assert "operator release failed" in result.stderr.splitlines()[-1]
    assert valkeys(fake_cluster) == []
    assert "upgrade" not in helm_verbs(fake_cluster)


def test_apply_each_refuses_bad_entries_before_touching_the_cluster(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    each = previews_file(tmp_path, [pr(1), pr(2, nodes=0), pr(3, chart_version="v0.0.60-chart")])
    result = run(run_cli, fake_cluster, "apply", "--each", each)
    assert result.returncode == 2
    assert 'variable "each[1].nodes"' in result.stderr
    assert 'variable "each[2].chart_version"' in result.stderr  # one shared operator
    assert fake_cluster.requests() == []


def test_destroy_each_removes_every_preview_and_settles_the_operator_once(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    each = previews_file(tmp_path, [pr(1), pr(2), pr(3)])
    assert run(run_cli, fake_cluster, "apply", "--each", each).returncode == 0
    fake_cluster.reset_records()

    result = run(run_cli, fake_cluster, "destroy", "--each", each, "--output", "json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["failed"] == []
    assert report["operator"].startswith("uninstalled the operator release valkey-operator")
    assert valkeys(fake_cluster) == []
    assert helm_verbs(fake_cluster).count("uninstall") == 1
    assert fake_cluster.api.objects("namespaces") == []


# ---------------------------------------------------------------------- expired


def _apply_previews_with_ttls(run_cli: RunCli, cluster: FakeCluster, tmp_path: Path) -> None:
    each = previews_file(tmp_path, [pr(1, ttl="1s"), pr(2, ttl="1s"), pr(3, ttl="72h"), pr(4)])
    applied = run(run_cli, cluster, "apply", "--each", each)
    assert applied.returncode == 0, applied.stderr
    time.sleep(2.1)  # creationTimestamp has whole seconds: 1s has surely passed after 2


def test_destroy_expired_dry_run_then_for_real(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    _apply_previews_with_ttls(run_cli, fake_cluster, tmp_path)
    fake_cluster.reset_records()

    dry = run(run_cli, fake_cluster, "destroy", "--expired", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert fake_cluster.mutating() == []
    assert "would destroy preview-1/pr-1 (ttl 1s, expired at " in dry.stdout
    assert "  - Valkey preview-2/pr-2" in dry.stdout
    assert "preview-3" not in dry.stdout
    assert "preview-4" not in dry.stdout
    assert dry.stdout.endswith("2 expired previews; nothing deleted (dry run)\n")

    gone = run(run_cli, fake_cluster, "destroy", "--expired", "--output", "json")
    assert gone.returncode == 0, gone.stderr
    report = json.loads(gone.stdout)
    assert [p["preview"] for p in report["previews"]] == ["preview-1/pr-1", "preview-2/pr-2"]
    assert valkeys(fake_cluster) == ["preview-3/pr-3", "preview-4/pr-4"]
    # Reverse order within each preview, and the operator kept for the others.
    deletes = [c for c in fake_cluster.mutating() if c.startswith("DELETE") and "preview-1" in c]
    assert deletes[0].endswith("/valkeys/pr-1")
    # The lifecycle record goes last (before its namespace): an interrupted destroy
    # leaves a preview that still expires.
    assert deletes[-2:] == [
        "DELETE /api/v1/namespaces/preview-1/configmaps/pr-1-lifecycle",
        "DELETE /api/v1/namespaces/preview-1",
    ]
    assert report["operator"].startswith("kept the operator release valkey-operator")
    assert "uninstall" not in helm_verbs(fake_cluster)

    nothing = run(run_cli, fake_cluster, "destroy", "--expired")
    assert nothing.returncode == 0
    assert nothing.stdout == "No expired previews.\n"


def test_destroy_expired_keeps_a_namespace_that_holds_a_foreign_object(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    _apply_previews_with_ttls(run_cli, fake_cluster, tmp_path)
    fake_cluster.api.seed(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "team-notes", "namespace": "preview-1"},
            "data": {"owner": "someone else"},
        },
        manager="kubectl",
    )
    result = run(run_cli, fake_cluster, "destroy", "--expired")
    assert result.returncode == 0, result.stderr
    assert valkeys(fake_cluster) == ["preview-3/pr-3", "preview-4/pr-4"]
    names = [n["metadata"]["name"] for n in fake_cluster.api.objects("namespaces")]
    assert "preview-1" in names  # kept: something else lives there
    assert "preview-2" not in names
    assert [c["metadata"]["name"] for c in fake_cluster.objects("configmaps", "preview-1")] == [
        "team-notes"
    ]


def test_a_preview_whose_destroy_was_cut_short_still_expires(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for(ttl="1s", cluster_name="pr-9", namespace="preview-9")
    fake_cluster.apply(plan)
    # destroy interrupted right after the Valkey went: the record and namespace remain.
    fake_cluster.api.delete_object("valkeys", "preview-9", "pr-9")
    with fake_cluster.client() as kube:
        (left,) = list_previews(kube)
    assert (left.key, left.ready, left.ttl) == ("preview-9/pr-9", False, "1s")
    assert left.ttl_since is not None
    assert left.expired(left.ttl_since + timedelta(seconds=1))


def test_destroy_each_with_one_failure_keeps_the_operator_and_names_it(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    each = previews_file(tmp_path, [pr(1, password_inline="Sekr1t-pw-42"), pr(2)])
    assert run(run_cli, fake_cluster, "apply", "--each", each).returncode == 0
    fake_cluster.api.fail(
        403, method="DELETE", path="/namespaces/preview-2/valkeys/pr-2$", times=None
    )
    result = run(run_cli, fake_cluster, "destroy", "--each", each)
    assert result.returncode == 1
    assert "Sekr1t-pw-42" not in result.stdout + result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("destroy --each: 1 of 2 previews succeeded; 1 failed: preview-2/pr-2; ")
    assert "kept the operator release valkey-operator" in last
    assert "Valkey preview-2/pr-2" in last
    assert valkeys(fake_cluster) == ["preview-2/pr-2"]
    assert "uninstall" not in helm_verbs(fake_cluster)


def test_list_on_a_cluster_without_previews(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    text = run_cli(["list", *fake_cluster.cli_args()])
    assert (text.returncode, text.stdout) == (0, "No clusters managed by wildside-valkey.\n")
    listed = run_cli(["list", "--output", "json", *fake_cluster.cli_args()])
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["destroy", "--dry-run"], "--dry-run goes with --expired"),
        (["destroy", "--expired", "--each", "x.yaml"], "cannot be used together"),
        (["apply", "--each", "missing.yaml"], "cannot read --each file"),
        (["apply", "--each", "x.yaml", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_batch_options_bad_input_exits_2(
    run_cli: RunCli, fake_cluster: FakeCluster, args: list[str], message: str
) -> None:
    result = run(run_cli, fake_cluster, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert fake_cluster.requests() == []
