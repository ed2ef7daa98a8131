"""destroy on the real cluster: only this instance's objects, in reverse order; the operator
release only when no Valkey uses it and wildside-valkey installed it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import VALKEYS, Live
from tests.e2e.support import release_secrets
from wildside_valkey.apply.marker import MARKER_NAME

OPERATOR_LABELS = {
    "app.kubernetes.io/managed-by": "wildside-valkey",
    "wildside-valkey.io/component": "operator",
}


def deletes(live: Live) -> list[str]:
    return [write for write in live.writes() if write.startswith("delete")]


def make_namespaces(live: Live, *names: str, labels: dict[str, str] | None = None) -> None:
    for name in names:
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        if labels:
            body["metadata"]["labels"] = labels  # type: ignore[index]
        live.kube.create("/api/v1/namespaces", body)


def foreign_operator(live: Live, own: dict[str, str], version: str = "v0.0.61-chart") -> None:
    """The operator as Flux installs it from a render-mode tree: same names, not ours."""
    namespace = own["operator_namespace"]
    live.kube.apply(
        f"/api/v1/namespaces/{namespace}",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": OPERATOR_LABELS},
        },
        manager="kustomize-controller",
    )
    helm_install(live, own["helm_release_name"], namespace, version)


def helm_install(live: Live, release: str, namespace: str, version: str) -> None:
    """Real helm, run by someone else (not through the product)."""
    installed = subprocess.run(
        [
            str(Path(sys.executable).parent / "helm"),
            "upgrade",
            "--install",
            release,
            "valkey-operator",
            "--repo",
            live.state.chart_repository,
            "--version",
            version,
            "--namespace",
            namespace,
            "--create-namespace",
            "--kubeconfig",
            str(live.state.kubeconfig),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr


def releases(live: Live, own: dict[str, str]) -> list[str]:
    found = release_secrets(live.kube, own["operator_namespace"], own["helm_release_name"])
    return [s["metadata"]["labels"]["status"] for s in found]


def test_destroy_deletes_ours_in_reverse_order_and_uninstalls_the_operator(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    plan = live.plan(password_inline="pw", pdb_enabled=True, replicas=1, **own)
    live.apply(plan)
    live.mark()

    result = live.destroy(plan)

    assert deletes(live) == [
        f"delete poddisruptionbudgets {ns}/pdb-valkey",
        f"delete valkeys {ns}/valkey",
        f"delete secrets {ns}/valkey-password",
        f"delete namespaces {ns}",
        f"delete configmaps {system}/{MARKER_NAME}",
        f"delete namespaces {system}",
    ]
    assert live.helm_commands() == ["uninstall"]
    assert result.operator.action == "uninstalled"
    assert releases(live, own) == []
    # destroy waited for the namespace controller: both namespaces are gone.
    assert live.get(f"/api/v1/namespaces/{ns}") is None
    assert live.get(f"/api/v1/namespaces/{system}") is None
    assert result.to_dict()["deleted"][0] == {
        "api_version": "policy/v1",
        "kind": "PodDisruptionBudget",
        "namespace": ns,
        "name": "pdb-valkey",
    }


def test_destroy_leaves_foreign_objects_and_existing_namespaces_alone(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    make_namespaces(live, ns, system)
    plan = live.plan(password_inline="pw", **own)
    live.apply(plan)
    labels = {
        "app.kubernetes.io/managed-by": "wildside-valkey",
        "wildside-valkey.io/cluster": "valkey",
        "wildside-valkey.io/cluster-namespace": ns,
    }
    # Someone else's objects, one even carrying our labels (written by another manager).
    foreign: list[tuple[str, dict[str, Any]]] = [
        ("secrets", {"metadata": {"name": "app-config", "labels": labels}}),
        ("configmaps", {"metadata": {"name": "unrelated"}}),
    ]
    for plural, body in foreign:
        live.kube.create(f"/api/v1/namespaces/{ns}/{plural}?fieldManager=kubectl", body)
    live.mark()

    live.destroy(plan)

    assert deletes(live) == [
        f"delete valkeys {ns}/valkey",
        f"delete secrets {ns}/valkey-password",
        # We installed the release: its marker goes with it, the namespace stays.
        f"delete configmaps {system}/{MARKER_NAME}",
    ]
    assert releases(live, own) == []
    assert live.get(f"/api/v1/namespaces/{ns}/secrets/app-config") is not None
    assert live.get(f"/api/v1/namespaces/{ns}/configmaps/unrelated") is not None
    assert live.get(f"/api/v1/namespaces/{ns}") is not None
    assert live.get(f"/api/v1/namespaces/{system}") is not None


def test_the_operator_stays_while_another_valkey_uses_it(live: Live) -> None:
    own = live.own_operator()
    other = live.new_namespace()
    # Namespaces of their own, kept by destroy: only the operator's is waited for.
    make_namespaces(live, live.namespace, other)
    first, second = live.plan(**own), live.plan(cluster_name="cache", namespace=other, **own)
    live.apply(first)
    live.apply(second)
    live.mark()

    kept = live.destroy(first)

    assert kept.operator.action == "kept"
    assert kept.operator.message == (
        f"kept the operator release {own['helm_release_name']} (namespace "
        f"{own['operator_namespace']}): 1 other Valkey resource uses it (Valkey {other}/cache)"
    )
    assert "uninstall" not in live.helm_commands()
    assert live.get(f"/api/v1/namespaces/{own['operator_namespace']}") is not None
    assert live.valkey("cache", other) is not None

    gone = live.destroy(second)
    assert gone.operator.action == "uninstalled"
    assert live.get(f"/api/v1/namespaces/{own['operator_namespace']}") is None


def test_a_shared_namespace_is_kept_while_another_valkey_lives_in_it(live: Live) -> None:
    ns = live.namespace
    first, second = live.plan(), live.plan(cluster_name="cache")
    live.apply(first)
    live.apply(second)
    result = live.destroy(first)
    assert [(str(ref), reason) for ref, reason in result.kept] == [
        (f"Namespace {ns}", f"it still holds Valkey {ns}/cache")
    ]
    assert result.operator.action == "kept"
    assert live.valkey("cache") is not None
    assert live.valkey() is None


def test_destroy_of_nothing_says_so(live: Live) -> None:
    result = live.destroy(live.plan(**live.own_operator()))
    assert result.deleted == ()
    assert result.operator.action == "absent"
    assert deletes(live) == []


def test_destroy_leaves_the_secret_to_external_secrets(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    make_namespaces(live, ns, system)
    plan = live.plan(
        eso_enabled=True, password_vault_path="valkey/prod", create_namespaces=False, **own
    )
    live.apply(plan)
    live.mark()
    live.destroy(plan)
    assert deletes(live) == [
        f"delete valkeys {ns}/valkey",
        f"delete externalsecrets {ns}/valkey-password",
        f"delete configmaps {system}/{MARKER_NAME}",
    ]


# ------------------------------------------------- whose operator release it is


def foreign(own: dict[str, str]) -> str:
    return (
        f"kept the operator release {own['helm_release_name']} (namespace "
        f"{own['operator_namespace']}): not installed by wildside-valkey"
    )


def test_destroy_keeps_an_operator_release_it_did_not_install(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    foreign_operator(live, own)
    plan = live.plan(**own)
    applied = live.apply(plan)
    assert applied.changes.warnings == (
        f"operator release {own['helm_release_name']} (namespace {system}) exists and was not "
        "installed by wildside-valkey: apply upgrades it when its chart version or values "
        "differ, and destroy leaves it in place",
    )
    assert f"patch configmaps {system}/{MARKER_NAME}" not in live.writes()
    assert live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}") is None
    live.mark()
    again = live.apply(plan)
    assert (live.writes(), live.helm_commands()) == ([], [])
    assert again.changes.warnings == applied.changes.warnings
    live.mark()

    result = live.destroy(plan)

    assert (result.operator.action, result.operator.message) == ("kept", foreign(own))
    assert result.operator.to_dict()["used_by"] == []
    assert live.helm_commands() == []
    assert releases(live, own) == ["deployed"]
    assert deletes(live) == [f"delete valkeys {ns}/valkey", f"delete namespaces {ns}"]
    assert live.get(f"/api/v1/namespaces/{system}") is not None


def test_a_foreign_release_is_upgraded_but_never_marked_as_ours(live: Live) -> None:
    own = live.own_operator()
    system = own["operator_namespace"]
    foreign_operator(live, own, version="v0.0.60-chart")
    plan = live.plan(**own)
    applied = live.apply(plan)
    assert applied.changes.helm.reason == (
        "installed chart is valkey-operator-v0.0.60-chart, wanted v0.0.61-chart"
    )
    assert "upgrade" in live.helm_commands()
    assert live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}") is None
    assert live.preview_destroy(plan).operator.message == foreign(own)
    assert releases(live, own) == ["superseded", "deployed"]


def test_a_marker_someone_else_wrote_does_not_make_the_release_ours(live: Live) -> None:
    own = live.own_operator()
    system = own["operator_namespace"]
    foreign_operator(live, own)
    live.kube.create(
        f"/api/v1/namespaces/{system}/configmaps?fieldManager=kubectl",
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": MARKER_NAME, "labels": OPERATOR_LABELS},
            "data": {"release": own["helm_release_name"]},
        },
    )
    result = live.destroy(live.plan(**own))
    assert result.operator.message == foreign(own)
    assert live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}") is not None
    assert releases(live, own) == ["deployed"]


def test_destroy_uninstalls_the_release_it_installed_and_its_marker(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    make_namespaces(live, ns, system)
    plan = live.plan(create_namespaces=False, **own)
    live.apply(plan)
    assert live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}") is not None

    result = live.destroy(plan)

    assert result.operator.message == (
        f"uninstalled the operator release {own['helm_release_name']} (namespace {system}): "
        "no Valkey resource uses it any more"
    )
    assert releases(live, own) == []
    assert live.get(f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}") is None
    assert live.get(f"/api/v1/namespaces/{system}") is not None


def test_a_leftover_marker_without_a_release_is_removed(live: Live) -> None:
    own = live.own_operator()
    system = own["operator_namespace"]
    make_namespaces(live, live.namespace)  # kept: only the operator's namespace is waited for
    plan = live.plan(**own)
    live.apply(plan)
    # Someone ran `helm uninstall` by hand; our marker is still there.
    uninstalled = subprocess.run(
        [
            str(Path(sys.executable).parent / "helm"),
            "uninstall",
            own["helm_release_name"],
            "-n",
            system,
            "--kubeconfig",
            str(live.state.kubeconfig),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert uninstalled.returncode == 0, uninstalled.stderr
    live.mark()

    result = live.destroy(plan)

    assert result.operator.action == "absent"
    assert live.helm_commands() == []
    assert deletes(live)[-2:] == [
        f"delete configmaps {system}/{MARKER_NAME}",
        f"delete namespaces {system}",
    ]
    assert live.get(f"{VALKEYS.format(ns=live.namespace)}/valkey") is None
