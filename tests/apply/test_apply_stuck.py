"""A release stuck in pending-install/-upgrade/-rollback: plan reports it, apply recovers.

helm refuses every upgrade of a pending release ("another operation
(install/upgrade/rollback) is in progress", helm pkg/action/upgrade.go v4.1.4
line 242); the stand-in does the same (pinned against real helm in
tests/helm_real). The way out an operator takes by hand: `helm rollback` to the
last deployed revision, or, for a first install that never deployed, `helm
uninstall` and install again.
"""

from __future__ import annotations

import pytest

from tests.fakes.cluster import FAST_POLL, FakeCluster, apply_plan_for
from wildside_valkey.apply import ApplyOptions, HelmError, apply_plan
from wildside_valkey.apply.helm import StuckReleasePolicyError
from wildside_valkey.apply.release import HelmVerb

RELEASE = ("valkey-operator", "valkey-system")


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


def seed_stuck_upgrade(cluster: FakeCluster, status: str = "pending-upgrade") -> None:
    cluster.helm.seed_release(
        *RELEASE,
        status=status,
        revision=3,
        values={"half": "applied"},
        history=[
            {"revision": 1, "status": "superseded", "values": {"old": True}},
            {"revision": 2, "status": "deployed", "values": {}},
        ],
    )


@pytest.mark.parametrize("status", ["pending-upgrade", "pending-rollback"])
def test_plan_reports_a_stuck_release_and_the_rollback_apply_will_do(
    fake_cluster: FakeCluster, status: str
) -> None:
    seed_stuck_upgrade(fake_cluster, status)
    changes = fake_cluster.plan_changes(apply_plan_for())
    assert changes.helm.verb is HelmVerb.ROLLBACK
    assert changes.helm.rollback_to == 2
    assert changes.helm.to_dict()["status"] == status
    assert f"stuck in {status} (revision 3)" in changes.helm.describe()
    assert "roll back to revision 2" in changes.helm.describe()
    assert fake_cluster.helm_commands() == []  # plan changes nothing, runs no helm


def test_apply_rolls_a_stuck_upgrade_back_then_needs_no_upgrade(
    fake_cluster: FakeCluster,
) -> None:
    seed_stuck_upgrade(fake_cluster)
    plan = apply_plan_for()
    progress = Recorder()
    with fake_cluster.client() as kube:
        options = ApplyOptions(timeout=5, poll=FAST_POLL)
        result = apply_plan(plan, kube, options=options, progress=progress)
    assert fake_cluster.helm_commands() == ["rollback"]
    [rollback] = fake_cluster.helm.calls("rollback")
    assert rollback.argv[:3] == ["rollback", "valkey-operator", "2"]
    release = fake_cluster.helm.release(*RELEASE)
    assert release is not None
    assert (release["status"], release["revision"], release["values"]) == ("deployed", 4, {})
    assert "helm: rolled back valkey-operator to revision 2" in progress.lines
    assert "stuck operator release rolled back" in result.summary()
    # and the next apply finds nothing to do
    fake_cluster.reset_records()
    again = fake_cluster.apply(plan)
    assert again.changes.helm.verb is HelmVerb.UNCHANGED
    assert fake_cluster.helm_commands() == []


def test_apply_rolls_back_then_upgrades_when_the_plan_wants_more(
    fake_cluster: FakeCluster,
) -> None:
    seed_stuck_upgrade(fake_cluster)
    fake_cluster.apply(apply_plan_for(helm_values=["replicas: 2\n"]))
    assert fake_cluster.helm_commands() == ["rollback", "upgrade"]
    release = fake_cluster.helm.release(*RELEASE)
    assert release is not None
    assert (release["status"], release["values"]) == ("deployed", {"replicas": 2})


def test_a_first_install_killed_half_way_is_reinstalled_on_the_next_apply(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for()
    fake_cluster.helm.fail(
        "upgrade", message="signal: killed", exit_code=137, release_status="pending-install"
    )
    with pytest.raises(HelmError, match="signal: killed"):
        fake_cluster.apply(plan)
    stuck = fake_cluster.helm.release(*RELEASE)
    assert stuck is not None
    assert stuck["status"] == "pending-install"
    fake_cluster.reset_records()

    assert fake_cluster.plan_changes(plan).helm.verb is HelmVerb.REINSTALL
    result = fake_cluster.apply(plan)

    assert result.changes.helm.verb is HelmVerb.REINSTALL
    assert fake_cluster.helm_commands() == ["uninstall", "upgrade"]
    release = fake_cluster.helm.release(*RELEASE)
    assert release is not None
    assert (release["status"], release["revision"]) == ("deployed", 1)


def test_a_stuck_first_install_someone_else_made_is_left_alone_with_the_way_out(
    fake_cluster: FakeCluster,
) -> None:
    fake_cluster.helm.seed_release(*RELEASE, status="pending-install")
    with pytest.raises(StuckReleasePolicyError) as caught:
        fake_cluster.apply(apply_plan_for())
    message = str(caught.value)
    assert "stuck in pending-install (revision 1)" in message
    assert "wildside-valkey did not install it" in message
    assert "helm uninstall valkey-operator --namespace valkey-system" in message
    assert fake_cluster.helm_commands() == []
    assert fake_cluster.mutating() == []


def test_without_helms_secret_storage_the_cli_reads_the_release_and_its_history(
    fake_cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HELM_DRIVER=configmap: no release Secrets to read; helm answers instead.
    seed_stuck_upgrade(fake_cluster)
    monkeypatch.setenv("HELM_DRIVER", "configmap")
    changes = fake_cluster.plan_changes(apply_plan_for())
    assert (changes.helm.verb, changes.helm.rollback_to) == (HelmVerb.ROLLBACK, 2)
    assert fake_cluster.helm_commands() == ["list", "history"]
