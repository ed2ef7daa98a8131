"""helm's release record on the real cluster, written by real helm: apply reads it from helm's
storage Secrets, recovers a release a killed helm left pending, and falls back to the helm
CLI when the record is stored elsewhere or in a format it does not know.

A release stuck in pending-install/-upgrade/-rollback is what a helm process killed half-way
leaves: its newest revision written with that status before the work began (helm
pkg/action/upgrade.go v4.1.4 line 242 then refuses every upgrade: "another operation
(install/upgrade/rollback) is in progress"). The tests leave that record as such a helm does
(tests/e2e/support.py `leave_pending`). The way out an operator takes by hand: `helm
rollback` to the last deployed revision, or, for a first install that never deployed,
`helm uninstall` and install again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Live
from tests.e2e.support import decode_release, leave_pending, release_secrets
from tests.e2e.test_destroy import helm_install
from wildside_valkey.apply import ApplyOptions, apply_plan
from wildside_valkey.apply.helm import StuckReleasePolicyError
from wildside_valkey.apply.release import (
    HelmTarget,
    HelmVerb,
    find_release,
    get_values_args,
    list_args,
    parse_values,
)
from wildside_valkey.apply.release_secret import latest_release


class Recorder:
    """A Progress that keeps what apply says."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def waiting(self, message: str) -> None:
        self.lines.append(message)

    def close(self) -> None:
        return


def newest(live: Live, own: dict[str, str], driver: str = "secrets") -> tuple[str, str, object]:
    """(revision, status, values) of the newest revision helm stored."""
    found = release_secrets(live.kube, own["operator_namespace"], own["helm_release_name"], driver)
    record = decode_release(found[-1], driver)
    return str(record["version"]), record["info"]["status"], record.get("config") or {}


def stuck_upgrade(live: Live, own: dict[str, str], driver: str = "secrets") -> None:
    """Revision 1 with other values, revision 2 deployed with the plan's, and revision 3
    left pending by an upgrade killed half-way."""
    live.apply(live.plan(helm_values=["old: true\n"], **own))
    live.apply(live.plan(**own))
    namespace, release = own["operator_namespace"], own["helm_release_name"]
    leave_pending(
        live.kube, namespace, release, "pending-upgrade", config={"half": "applied"}, driver=driver
    )
    live.mark()


def test_plan_reports_a_stuck_release_and_the_rollback_apply_will_do(live: Live) -> None:
    own = live.own_operator()
    stuck_upgrade(live, own)
    for status in ("pending-upgrade", "pending-rollback"):
        leave_pending(
            live.kube, own["operator_namespace"], own["helm_release_name"], status, replace=True
        )
        changes = live.plan_changes(live.plan(**own))
        assert changes.helm.verb is HelmVerb.ROLLBACK
        assert changes.helm.rollback_to == 2
        assert changes.helm.to_dict()["status"] == status
        assert f"stuck in {status} (revision 3)" in changes.helm.describe()
        assert "roll back to revision 2" in changes.helm.describe()
    assert live.helm_commands() == []  # plan changes nothing, runs no helm
    assert live.writes() == []


def test_apply_rolls_a_stuck_upgrade_back_then_needs_no_upgrade(live: Live) -> None:
    own = live.own_operator()
    stuck_upgrade(live, own)
    plan = live.plan(**own)
    progress = Recorder()

    with live.client() as kube:
        result = apply_plan(plan, kube, options=ApplyOptions(timeout=60), progress=progress)

    assert live.helm_commands() == ["rollback"]
    [rollback] = live.helm.calls()
    assert rollback[:3] == ["rollback", own["helm_release_name"], "2"]
    assert newest(live, own) == ("4", "deployed", {})
    assert f"helm: rolled back {own['helm_release_name']} to revision 2" in progress.lines
    assert "stuck operator release rolled back" in result.summary()
    # and the next apply finds nothing to do
    live.mark()
    again = live.apply(plan)
    assert again.changes.helm.verb is HelmVerb.UNCHANGED
    assert live.helm_commands() == []


def test_apply_rolls_back_then_upgrades_when_the_plan_wants_more(live: Live) -> None:
    own = live.own_operator()
    stuck_upgrade(live, own)
    live.apply(live.plan(helm_values=["replicas: 2\n"], **own))
    assert live.helm_commands() == ["rollback", "upgrade"]
    assert newest(live, own) == ("5", "deployed", {"replicas": 2})


def test_a_first_install_killed_half_way_is_reinstalled_on_the_next_apply(live: Live) -> None:
    own = live.own_operator()
    plan = live.plan(**own)
    live.apply(plan)  # our marker first, then helm: the release is ours
    leave_pending(
        live.kube,
        own["operator_namespace"],
        own["helm_release_name"],
        "pending-install",
        replace=True,
    )
    live.mark()

    assert live.plan_changes(plan).helm.verb is HelmVerb.REINSTALL
    result = live.apply(plan)

    assert result.changes.helm.verb is HelmVerb.REINSTALL
    assert live.helm_commands() == ["uninstall", "upgrade"]
    assert newest(live, own)[:2] == ("1", "deployed")


def test_a_stuck_first_install_someone_else_made_is_left_alone_with_the_way_out(
    live: Live,
) -> None:
    own = live.own_operator()
    namespace, release = own["operator_namespace"], own["helm_release_name"]
    helm_install(live, release, namespace, "v0.0.61-chart")
    leave_pending(live.kube, namespace, release, "pending-install", replace=True)
    live.mark()

    with pytest.raises(StuckReleasePolicyError) as caught:
        live.apply(live.plan(**own))

    message = str(caught.value)
    assert "stuck in pending-install (revision 1)" in message
    assert "wildside-valkey did not install it" in message
    assert f"helm uninstall {release} --namespace {namespace}" in message
    assert live.helm_commands() == []
    assert live.writes() == []


def test_without_helms_secret_storage_the_release_and_its_history_come_from_the_cli(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HELM_DRIVER=configmap: helm keeps its record in ConfigMaps; no Secret to read.
    monkeypatch.setenv("HELM_DRIVER", "configmap")
    own = live.own_operator()
    stuck_upgrade(live, own, driver="configmaps")
    assert release_secrets(live.kube, own["operator_namespace"], own["helm_release_name"]) == []

    changes = live.plan_changes(live.plan(**own))

    assert (changes.helm.verb, changes.helm.rollback_to) == (HelmVerb.ROLLBACK, 2)
    assert live.helm_commands() == ["list", "history"]


def test_a_record_in_an_unknown_format_makes_apply_ask_the_helm_cli(live: Live) -> None:
    own = live.own_operator()
    namespace = own["operator_namespace"]
    plan = live.plan(**own)
    live.apply(plan)
    [record] = release_secrets(live.kube, namespace, own["helm_release_name"])
    # A storage format from some future helm: a Secret's type cannot change, so remade.
    path = f"/api/v1/namespaces/{namespace}/secrets/{record['metadata']['name']}"
    live.kube.delete(path)
    live.kube.create(
        f"/api/v1/namespaces/{namespace}/secrets",
        {
            "metadata": {
                "name": record["metadata"]["name"],
                "labels": record["metadata"]["labels"],
            },
            "type": "helm.sh/release.v2",
            "data": record["data"],
        },
    )
    live.mark()

    result = live.apply(plan)

    assert result.changes.helm.verb is HelmVerb.UNCHANGED
    assert live.helm_commands() == ["list", "get"]


# ------------------------------------------------- what the product relies on in helm


def real_helm(live: Live, binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / binary), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(live.state.kubeconfig)},
        check=False,
    )


@pytest.mark.parametrize("binary", ["helm", "helm3"])
def test_real_helm_and_the_product_read_the_same_release(live: Live, binary: str) -> None:
    own = live.own_operator()
    namespace, release = own["operator_namespace"], own["helm_release_name"]
    live.apply(live.plan(**own))
    live.apply(live.plan(helm_values=['flag: "y"\n', "nested: {list: [yes, 1]}\n"], **own))
    chart = live.plan(**own).operator
    target = HelmTarget(str(live.state.kubeconfig))

    # The product's reader, on the Secrets real helm wrote, says what `helm list` says.
    stored = latest_release(release_secrets(live.kube, namespace, release), release)
    listed = find_release(real_helm(live, binary, *list_args(chart, target)).stdout, release)
    assert stored is not None
    assert listed is not None
    assert (
        (stored.state.status, stored.state.chart, stored.state.revision)
        == (
            listed.status,
            listed.chart,
            listed.revision,
        )
        == ("deployed", "valkey-operator-v0.0.61-chart", "2")
    )
    values = parse_values(real_helm(live, binary, *get_values_args(chart, target)).stdout)
    assert stored.values == values == {"flag": "y", "nested": {"list": [True, 1]}}

    # Left pending by a killed helm: real helm refuses to upgrade it.
    leave_pending(live.kube, namespace, release, "pending-upgrade")
    upgrade = real_helm(
        live,
        binary,
        *["upgrade", "--install", release, "valkey-operator", "--namespace", namespace],
        *["--repo", live.state.chart_repository, "--version", "v0.0.61-chart"],
    )
    assert upgrade.stderr.strip().splitlines()[-1] == (
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"
    )
    # helm 4 lists a pending release without any status flag, helm 3 only deployed and
    # failed ones (pkg/action/list.go SetStateMask: v4.1.4 line 330, v3 line 320); the
    # product's own flags list it with both.
    plain = real_helm(live, binary, "list", "--namespace", namespace, "--output", "json")
    by_default = ["pending-upgrade"] if binary == "helm" else []
    assert [i["status"] for i in json.loads(plain.stdout)] == by_default
    product = real_helm(live, binary, *list_args(chart, target))
    assert [i["status"] for i in json.loads(product.stdout)] == ["pending-upgrade"]
