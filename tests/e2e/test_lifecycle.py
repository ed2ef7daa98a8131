"""The preview lifecycle on the real cluster: ttl and expiry, `list`, many previews at once
(`apply --each`/`destroy --each`, one refused by the cluster), and `destroy --expired`."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import yaml

from tests.e2e.conftest import VALKEYS, Live
from tests.e2e.support import refused
from wildside_valkey.apply.previews import list_previews


def previews_file(tmp_path: Path, entries: list[dict[str, Any]]) -> str:
    path = tmp_path / "previews.yaml"
    path.write_text(yaml.safe_dump(entries))
    return str(path)


def pr(live: Live, number: int, **extra: Any) -> dict[str, Any]:
    return {"cluster_name": f"pr-{number}", "namespace": live.new_namespace(), **extra}


def run(live: Live, *args: str, own: dict[str, str] | None = None) -> CompletedProcess[str]:
    pairs = [arg for k, v in (own or {}).items() for arg in ("--var", f"{k}={v}")]
    return live.run(*args, "--var-file", str(live.state.tfvars), *pairs)


def valkeys(live: Live, entries: list[dict[str, Any]]) -> list[str]:
    found = []
    for entry in entries:
        for valkey in live.kube.items(VALKEYS.format(ns=entry["namespace"])):
            found.append(f"{entry['namespace']}/{valkey['metadata']['name']}")
    return sorted(found)


def key(entry: dict[str, Any]) -> str:
    return f"{entry['namespace']}/{entry['cluster_name']}"


def ours(live: Live, namespaces: list[str]) -> dict[str, Any]:
    with live.client() as kube:
        return {p.key: p for p in list_previews(kube) if p.key.split("/")[0] in namespaces}


# ----------------------------------------------------------------------- ttl record


def test_ttl_is_recorded_beside_the_cluster_and_changing_it_touches_nothing_else(
    live: Live,
) -> None:
    ns = live.namespace
    live.apply(live.plan(ttl="72h"))
    record = live.get(f"/api/v1/namespaces/{ns}/configmaps/valkey-lifecycle")
    assert record is not None
    assert record["metadata"]["annotations"] == {"wildside-valkey.io/ttl": "72h"}
    valkey = live.valkey()
    assert valkey is not None
    # Not on the Valkey: the operator copies its annotations into the pod template.
    assert "annotations" not in valkey["metadata"]

    live.mark()
    live.apply(live.plan(ttl="96h"))
    assert live.writes() == [f"patch configmaps {ns}/valkey-lifecycle"]
    live.mark()
    live.apply(live.plan())  # ttl removed: the record goes
    assert live.writes() == [f"delete configmaps {ns}/valkey-lifecycle"]


def test_expiry_is_the_creation_time_plus_the_ttl_and_only_ours_are_listed(live: Live) -> None:
    ns, stays = live.namespace, live.new_namespace()
    live.apply(live.plan(ttl="1h30m"))
    live.apply(live.plan(cluster_name="keep", namespace=stays))
    live.kube.create(
        f"{VALKEYS.format(ns=ns)}?fieldManager=kubectl",
        {
            "apiVersion": "hyperspike.io/v1",
            "kind": "Valkey",
            "metadata": {
                "name": "theirs",
                "labels": {"app.kubernetes.io/managed-by": "wildside-valkey"},
            },
            "spec": {"nodes": 1},
        },
    )

    previews = ours(live, [ns, stays])

    assert set(previews) == {f"{stays}/keep", f"{ns}/valkey"}, "not applied by us: not listed"
    timed = previews[f"{ns}/valkey"]
    # From the ttl record's creation (apply writes it just before the Valkey: the two
    # creation times can fall in different seconds).
    assert timed.ttl_since is not None
    assert timed.expires == timed.ttl_since + timedelta(minutes=90)
    assert not timed.expired(timed.ttl_since + timedelta(minutes=89))
    assert timed.expired(timed.ttl_since + timedelta(minutes=90))
    assert previews[f"{stays}/keep"].expires is None
    assert not previews[f"{stays}/keep"].expired(timed.created + timedelta(days=3650))


def test_a_preview_whose_destroy_was_cut_short_still_expires(live: Live) -> None:
    ns = live.namespace
    live.apply(live.plan(ttl="1s", cluster_name="pr-9"))
    # destroy interrupted right after the Valkey went: the record and namespace remain.
    live.kube.delete(f"{VALKEYS.format(ns=ns)}/pr-9")
    [left] = ours(live, [ns]).values()
    assert (left.key, left.ready, left.ttl) == (f"{ns}/pr-9", False, "1s")
    assert left.ttl_since is not None
    assert left.expired(left.ttl_since + timedelta(seconds=1))


# ------------------------------------------------------------------ many previews


def test_apply_each_runs_in_parallel_and_one_refusal_does_not_stop_the_others(
    live: Live, tmp_path: Path
) -> None:
    own = live.own_operator()
    entries = [pr(live, 1, ttl="72h"), pr(live, 2), pr(live, 3)]
    first, second, third = entries
    each = previews_file(tmp_path, entries)
    # The cluster refuses preview 2's Valkey (not a transient error: no retry helps).
    with refused(live.kube, resource="valkeys", namespace=second["namespace"]):
        result = run(live, "apply", "--each", each, "--concurrency", "3", own=own)

    assert result.returncode == 1, result.stderr
    contracts = json.loads(result.stdout)
    assert sorted(contracts) == sorted([key(first), key(third)])
    assert contracts[key(first)]["endpoints"]["primary_host"] == (
        f"pr-1.{first['namespace']}.svc.cluster.local"
    )
    lines = result.stderr.splitlines()
    assert any(
        line.startswith(f"failed: {key(second)}: ") and "forbidden" in line for line in lines
    )
    assert lines[-1] == (
        f"apply --each: 2 of 3 previews succeeded; 1 failed: {key(second)}; "
        "operator release installed once"
    )
    assert "Traceback" not in result.stderr
    assert valkeys(live, entries) == sorted([key(first), key(third)])
    # One release, installed once, before any cluster; the previews read its state
    # from helm's storage Secret and ran no helm.
    assert live.helm_commands() == ["upgrade"]

    listed = live.run("list", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    rows = {
        f"{row['namespace']}/{row['name']}": row
        for row in json.loads(listed.stdout)
        if row["namespace"] in live.namespaces
    }
    assert sorted(rows) == sorted([key(first), key(third)])
    assert rows[key(first)]["ttl"] == "72h"
    assert rows[key(first)]["ready"] is True
    assert rows[key(first)]["expired"] is False
    assert rows[key(first)]["labels"]["wildside-valkey.io/cluster"] == "pr-1"
    assert rows[key(third)]["ttl"] is None
    assert rows[key(third)]["expires"] is None

    text = live.run("list").stdout.splitlines()
    assert text[0].split() == ["NAMESPACE", "NAME", "AGE", "READY", "TTL", "EXPIRES", "LABELS"]
    [row] = [line.split() for line in text if line.startswith(first["namespace"] + " ")]
    assert row[:2] == [first["namespace"], "pr-1"]
    assert row[2].endswith("s")  # its age, in seconds
    assert row[3:5] == ["true", "72h"]
    assert row[5] == rows[key(first)]["expires"]

    # The refusal lifted, the same run converges the rest and changes nothing else.
    live.mark()
    again = run(live, "apply", "--each", each, own=own)
    assert again.returncode == 0, again.stderr
    assert sorted(json.loads(again.stdout)) == sorted(key(e) for e in entries)
    assert live.helm_commands() == []  # unchanged release: no helm process at all
    written = live.writes()
    assert not [w for w in written if first["namespace"] in w or third["namespace"] in w]


def test_a_failed_operator_step_touches_no_preview(live: Live, tmp_path: Path) -> None:
    own = live.own_operator()
    entries = [pr(live, 1), pr(live, 2)]
    each = previews_file(tmp_path, entries)
    with refused(live.kube, resource="namespaces", name=own["operator_namespace"]):
        result = run(live, "apply", "--each", each, own=own)
    assert result.returncode == 1
    assert "operator release failed" in result.stderr.splitlines()[-1]
    assert valkeys(live, entries) == []
    assert "upgrade" not in live.helm_commands()


def test_destroy_each_removes_every_preview_and_settles_the_operator_once(
    live: Live, tmp_path: Path
) -> None:
    own = live.own_operator()
    entries = [pr(live, 1), pr(live, 2), pr(live, 3)]
    each = previews_file(tmp_path, entries)
    assert run(live, "apply", "--each", each, own=own).returncode == 0
    live.mark()

    result = run(live, "destroy", "--each", each, "--output", "json", own=own)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["failed"] == []
    assert report["operator"].startswith(
        f"uninstalled the operator release {own['helm_release_name']}"
    )
    assert valkeys(live, entries) == []
    assert live.helm_commands().count("uninstall") == 1
    for namespace in [*(e["namespace"] for e in entries), own["operator_namespace"]]:
        assert live.get(f"/api/v1/namespaces/{namespace}") is None


def test_destroy_each_with_one_refusal_keeps_the_operator_and_names_it(
    live: Live, tmp_path: Path
) -> None:
    own = live.own_operator()
    entries = [pr(live, 1, password_inline="Sekr1t-pw-42"), pr(live, 2)]
    second = entries[1]
    each = previews_file(tmp_path, entries)
    assert run(live, "apply", "--each", each, own=own).returncode == 0
    live.mark()
    with refused(
        live.kube,
        resource="valkeys",
        operations=["DELETE"],
        namespace=second["namespace"],
        name="pr-2",
    ):
        result = run(live, "destroy", "--each", each, own=own)
    assert result.returncode == 1
    assert "Sekr1t-pw-42" not in result.stdout + result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"destroy --each: 1 of 2 previews succeeded; 1 failed: {key(second)}; ")
    assert f"kept the operator release {own['helm_release_name']}" in last
    assert f"Valkey {key(second)}" in last
    assert valkeys(live, entries) == [key(second)]
    assert "uninstall" not in live.helm_commands()


# ---------------------------------------------------------------------- expired


def test_destroy_expired_dry_run_then_for_real(live: Live, tmp_path: Path) -> None:
    entries = [pr(live, 1, ttl="1s"), pr(live, 2, ttl="1s"), pr(live, 3, ttl="72h"), pr(live, 4)]
    first, second, third, fourth = entries
    applied = run(live, "apply", "--each", previews_file(tmp_path, entries))
    assert applied.returncode == 0, applied.stderr
    time.sleep(2.1)  # creationTimestamp has whole seconds: 1s has surely passed after 2
    # Someone else's notes in preview 1's namespace: the namespace must stay.
    live.kube.create(
        f"/api/v1/namespaces/{first['namespace']}/configmaps?fieldManager=kubectl",
        {"metadata": {"name": "team-notes"}, "data": {"owner": "someone else"}},
    )
    live.mark()

    dry = run(live, "destroy", "--expired", "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert live.writes() == []
    assert f"would destroy {key(first)} (ttl 1s, expired at " in dry.stdout
    assert f"  - Valkey {key(second)}" in dry.stdout
    assert third["namespace"] not in dry.stdout
    assert fourth["namespace"] not in dry.stdout
    assert dry.stdout.endswith("2 expired previews; nothing deleted (dry run)\n")

    gone = run(live, "destroy", "--expired", "--output", "json")

    assert gone.returncode == 0, gone.stderr
    report = json.loads(gone.stdout)
    assert [p["preview"] for p in report["previews"]] == sorted([key(first), key(second)])
    assert valkeys(live, entries) == sorted([key(third), key(fourth)])
    # Reverse order within each preview, and the operator kept for the others.
    ns = second["namespace"]
    deletes = [w for w in live.writes() if w.startswith("delete") and ns in w]
    assert deletes[0] == f"delete valkeys {ns}/pr-2"
    # The lifecycle record goes last (before its namespace): an interrupted destroy
    # leaves a preview that still expires.
    assert deletes[-2:] == [f"delete configmaps {ns}/pr-2-lifecycle", f"delete namespaces {ns}"]
    assert report["operator"].startswith("kept the operator release valkey-operator")
    assert "uninstall" not in live.helm_commands()
    kept = first["namespace"]
    assert live.get(f"/api/v1/namespaces/{kept}") is not None
    notes = [
        c["metadata"]["name"] for c in live.kube.items(f"/api/v1/namespaces/{kept}/configmaps")
    ]
    assert "team-notes" in notes
    assert f"{kept}-lifecycle" not in notes

    nothing = run(live, "destroy", "--expired")
    assert nothing.returncode == 0
    assert nothing.stdout == "No expired previews.\n"


def test_list_on_a_cluster_without_previews(live: Live) -> None:
    text = live.run("list")
    assert (text.returncode, text.stdout) == (0, "No clusters managed by wildside-valkey.\n")
    listed = live.run("list", "--output", "json")
    assert json.loads(listed.stdout) == []
