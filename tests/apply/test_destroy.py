"""destroy: only this instance's objects, in reverse order; the operator only when unused."""

from __future__ import annotations

import subprocess
from typing import Any

from tests.fakes.cluster import FakeCluster, apply_plan_for
from tests.fakes.kube_sim import simulate_external_secrets
from wildside_valkey.apply.marker import MARKER_NAME

MARKER = f"/api/v1/namespaces/valkey-system/configmaps/{MARKER_NAME}"
LABELS = {
    "app.kubernetes.io/managed-by": "wildside-valkey",
    "wildside-valkey.io/cluster": "valkey",
    "wildside-valkey.io/cluster-namespace": "valkey",
}


def deletes(cluster: FakeCluster) -> list[str]:
    return [call for call in cluster.mutating() if call.startswith("DELETE")]


def test_destroy_deletes_ours_in_reverse_order_and_uninstalls_the_operator(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for(password_inline="pw", pdb_enabled=True, replicas=1)
    fake_cluster.apply(plan)
    fake_cluster.reset_records()

    result = fake_cluster.destroy(plan)

    assert deletes(fake_cluster) == [
        "DELETE /apis/policy/v1/namespaces/valkey/poddisruptionbudgets/pdb-valkey",
        "DELETE /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "DELETE /api/v1/namespaces/valkey/secrets/valkey-password",
        "DELETE /api/v1/namespaces/valkey",
        f"DELETE {MARKER}",
        "DELETE /api/v1/namespaces/valkey-system",
    ]
    assert fake_cluster.helm_commands() == ["uninstall"]
    assert result.operator.action == "uninstalled"
    assert fake_cluster.helm.releases() == []
    assert fake_cluster.api.objects("namespaces") == []
    assert result.to_dict()["deleted"][0] == {
        "api_version": "policy/v1",
        "kind": "PodDisruptionBudget",
        "namespace": "valkey",
        "name": "pdb-valkey",
    }


def test_destroy_leaves_foreign_objects_and_existing_namespaces_alone(
    fake_cluster: FakeCluster,
) -> None:
    for name in ("valkey", "valkey-system"):
        fake_cluster.api.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    plan = apply_plan_for(password_inline="pw")
    fake_cluster.apply(plan)
    # Someone else's objects, one even carrying our labels (written by another manager).
    foreign: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "app-config", "namespace": "valkey", "labels": LABELS},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "unrelated", "namespace": "valkey"},
        },
    ]
    for obj in foreign:
        fake_cluster.api.seed(obj, manager="kubectl")
    fake_cluster.reset_records()

    fake_cluster.destroy(plan)

    assert deletes(fake_cluster) == [
        "DELETE /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "DELETE /api/v1/namespaces/valkey/secrets/valkey-password",
        # We installed the release: its marker goes with it, the namespace stays.
        f"DELETE {MARKER}",
    ]
    assert fake_cluster.helm.releases() == []
    assert fake_cluster.api.get("secrets", "valkey", "app-config") is not None
    assert fake_cluster.api.get("configmaps", "valkey", "unrelated") is not None
    names = {ns["metadata"]["name"] for ns in fake_cluster.api.objects("namespaces")}
    assert names == {"valkey", "valkey-system"}


def test_the_operator_stays_while_another_valkey_uses_it(fake_cluster: FakeCluster) -> None:
    first, second = apply_plan_for(), apply_plan_for(cluster_name="cache", namespace="team-b")
    fake_cluster.apply(first)
    fake_cluster.apply(second)
    fake_cluster.reset_records()

    kept = fake_cluster.destroy(first)
    assert kept.operator.action == "kept"
    assert kept.operator.message == (
        "kept the operator release valkey-operator (namespace valkey-system): "
        "1 other Valkey resource uses it (Valkey team-b/cache)"
    )
    assert "uninstall" not in fake_cluster.helm_commands()
    assert fake_cluster.api.get("namespaces", None, "valkey-system") is not None
    assert fake_cluster.api.get("valkeys", "team-b", "cache") is not None

    gone = fake_cluster.destroy(second)
    assert gone.operator.action == "uninstalled"
    assert fake_cluster.api.objects("namespaces") == []


def test_a_shared_namespace_is_kept_while_another_valkey_lives_in_it(
    fake_cluster: FakeCluster,
) -> None:
    first, second = apply_plan_for(), apply_plan_for(cluster_name="cache")
    fake_cluster.apply(first)
    fake_cluster.apply(second)
    result = fake_cluster.destroy(first)
    assert [(str(ref), reason) for ref, reason in result.kept] == [
        ("Namespace valkey", "it still holds Valkey valkey/cache")
    ]
    assert fake_cluster.api.get("valkeys", "valkey", "cache") is not None


def test_destroy_of_nothing_says_so(fake_cluster: FakeCluster) -> None:
    result = fake_cluster.destroy(apply_plan_for())
    assert result.deleted == ()
    assert result.operator.action == "absent"
    assert deletes(fake_cluster) == []


def test_destroy_leaves_the_eso_secret_to_external_secrets(fake_cluster: FakeCluster) -> None:
    simulate_external_secrets(fake_cluster.api, {"valkey/prod": {"password": "from-vault"}})
    plan = apply_plan_for(
        eso_enabled=True, password_vault_path="valkey/prod", create_namespaces=False
    )
    for name in ("valkey", "valkey-system"):
        fake_cluster.api.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    fake_cluster.apply(plan)
    fake_cluster.reset_records()
    fake_cluster.destroy(plan)
    assert deletes(fake_cluster) == [
        "DELETE /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "DELETE /apis/external-secrets.io/v1/namespaces/valkey/externalsecrets/valkey-password",
        f"DELETE {MARKER}",
    ]


# ------------------------------------------------- whose operator release it is

OPERATOR_LABELS = {
    "app.kubernetes.io/managed-by": "wildside-valkey",
    "wildside-valkey.io/component": "operator",
}
FOREIGN = (
    "kept the operator release valkey-operator (namespace valkey-system): "
    "not installed by wildside-valkey"
)


def seed_flux_operator(cluster: FakeCluster, version: str = "v0.0.61-chart") -> None:
    """The operator as Flux installs it from a render-mode tree: same names, not ours."""
    cluster.api.seed(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "valkey-system", "labels": OPERATOR_LABELS},
        },
        manager="kustomize-controller",
        operation="Apply",
    )
    cluster.helm.seed_release("valkey-operator", "valkey-system", version=version)


def test_destroy_keeps_an_operator_release_it_did_not_install(fake_cluster: FakeCluster) -> None:
    seed_flux_operator(fake_cluster)
    plan = apply_plan_for()
    applied = fake_cluster.apply(plan)
    assert applied.changes.warnings == (
        "operator release valkey-operator (namespace valkey-system) exists and was not "
        "installed by wildside-valkey: apply upgrades it when its chart version or values "
        "differ, and destroy leaves it in place",
    )
    assert f"PATCH {MARKER}" not in fake_cluster.mutating()
    assert fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME) is None
    fake_cluster.reset_records()
    again = fake_cluster.apply(plan)
    assert (fake_cluster.mutating(), fake_cluster.helm_commands()) == ([], [])
    assert again.changes.warnings == applied.changes.warnings
    fake_cluster.reset_records()

    result = fake_cluster.destroy(plan)

    assert (result.operator.action, result.operator.message) == ("kept", FOREIGN)
    assert result.operator.to_dict()["used_by"] == []
    assert fake_cluster.helm_commands() == []
    assert fake_cluster.helm.release("valkey-operator", "valkey-system") is not None
    assert deletes(fake_cluster) == [
        "DELETE /apis/hyperspike.io/v1/namespaces/valkey/valkeys/valkey",
        "DELETE /api/v1/namespaces/valkey",
    ]
    assert fake_cluster.api.get("namespaces", None, "valkey-system") is not None


def test_a_foreign_release_is_upgraded_but_never_marked_as_ours(
    fake_cluster: FakeCluster,
) -> None:
    seed_flux_operator(fake_cluster, version="v0.0.60-chart")
    plan = apply_plan_for()
    applied = fake_cluster.apply(plan)
    assert (
        applied.changes.helm.reason
        == "installed chart is valkey-operator-v0.0.60-chart, wanted v0.0.61-chart"
    )
    assert "upgrade" in fake_cluster.helm_commands()
    assert fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME) is None
    assert fake_cluster.destroy(plan).operator.message == FOREIGN
    assert fake_cluster.helm.release("valkey-operator", "valkey-system") is not None


def test_a_marker_someone_else_wrote_does_not_make_the_release_ours(
    fake_cluster: FakeCluster,
) -> None:
    seed_flux_operator(fake_cluster)
    fake_cluster.api.seed(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": MARKER_NAME,
                "namespace": "valkey-system",
                "labels": OPERATOR_LABELS,
            },
            "data": {"release": "valkey-operator"},
        },
        manager="kubectl",
    )
    result = fake_cluster.destroy(apply_plan_for())
    assert result.operator.message == FOREIGN
    assert fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME) is not None
    assert fake_cluster.helm.release("valkey-operator", "valkey-system") is not None


def test_destroy_uninstalls_the_release_it_installed_and_its_marker(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for(create_namespaces=False)
    for name in ("valkey", "valkey-system"):
        fake_cluster.api.seed({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    fake_cluster.apply(plan)
    assert fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME) is not None

    result = fake_cluster.destroy(plan)

    assert result.operator.message == (
        "uninstalled the operator release valkey-operator (namespace valkey-system): "
        "no Valkey resource uses it any more"
    )
    assert fake_cluster.helm.releases() == []
    assert fake_cluster.api.get("configmaps", "valkey-system", MARKER_NAME) is None
    assert fake_cluster.api.get("namespaces", None, "valkey-system") is not None


def test_a_leftover_marker_without_a_release_is_removed(fake_cluster: FakeCluster) -> None:
    plan = apply_plan_for()
    fake_cluster.apply(plan)
    # Someone ran `helm uninstall` by hand; our marker is still there.
    subprocess.run(
        [
            str(fake_cluster.helm.executable),
            "uninstall",
            "valkey-operator",
            "-n",
            "valkey-system",
            "--kubeconfig",
            str(fake_cluster.kubeconfig.path),
        ],
        env=fake_cluster.helm.env(),
        capture_output=True,
        check=True,
    )
    fake_cluster.reset_records()
    result = fake_cluster.destroy(plan)
    assert result.operator.action == "absent"
    assert fake_cluster.helm_commands() == []
    assert deletes(fake_cluster)[-2:] == [
        f"DELETE {MARKER}",
        "DELETE /api/v1/namespaces/valkey-system",
    ]
