"""Rules of package wildside_valkey.ordering: each with a triggering and a passing manifest set."""

from __future__ import annotations

from wildside_valkey.policies import Severity

from .builders import evaluate, flux_kustomization, messages, only, render_tree, rules

SAME_FOLDER = (
    "operator/valkey.yaml: Valkey valkey/valkey: is in the same folder (operator) as HelmRelease "
    "flux-system/valkey-operator (operator/helmrelease.yaml), which installs the operator and "
    "the Valkey CRD; a Kustomization applying both fails its dry-run before the CRD exists and "
    "never applies the HelmRelease. Move the Valkey to its own folder, applied by a "
    "Kustomization that dependsOn the operator's"
)

NOT_AFTER = (
    "sync.yaml: Kustomization flux-system/valkey-valkey: applies Valkey valkey/valkey "
    "(cluster/valkey.yaml) but does not depend on Kustomization flux-system/valkey-operator, "
    "which applies the operator's HelmRelease flux-system/valkey-operator "
    "(operator/helmrelease.yaml); add it to spec.dependsOn so the Valkey CRD exists before "
    "this Kustomization's dry-run"
)


# ordering.operator-and-cluster-same-folder


def test_valkey_next_to_the_operator_release_denies() -> None:
    tree = render_tree()
    tree["operator/valkey.yaml"] = tree.pop("cluster/valkey.yaml")
    assert messages(evaluate(tree), "ordering.operator-and-cluster-same-folder", Severity.DENY) == [
        SAME_FOLDER
    ]


def test_valkey_in_the_same_file_as_the_operator_release_denies() -> None:
    tree = render_tree(source_kind="HelmRepository")
    tree["all.yaml"] = tree.pop("operator/helmrelease.yaml") + tree.pop("cluster/valkey.yaml")
    assert messages(evaluate(tree), "ordering.operator-and-cluster-same-folder") == [
        "all.yaml: Valkey valkey/valkey: is in the same folder (.) as HelmRelease "
        "flux-system/valkey-operator (all.yaml), which installs the operator and the Valkey "
        "CRD; a Kustomization applying both fails its dry-run before the CRD exists and never "
        "applies the HelmRelease. Move the Valkey to its own folder, applied by a Kustomization "
        "that dependsOn the operator's"
    ]


def test_split_folders_pass() -> None:
    for source_kind in ("OCIRepository", "HelmRepository"):
        report = evaluate(render_tree(source_kind=source_kind))
        assert [r for r in rules(report) if r[1].startswith("ordering.")] == []


def test_other_helm_releases_may_share_the_folder() -> None:
    tree = render_tree(source_kind="HelmRepository")
    chart = only(tree, "operator/helmrelease.yaml")["spec"]["chart"]["spec"]
    chart["chart"] = "redis-exporter"
    tree["operator/valkey.yaml"] = tree.pop("cluster/valkey.yaml")
    assert messages(evaluate(tree), "ordering.operator-and-cluster-same-folder") == []


# ordering.cluster-after-operator


def test_cluster_kustomization_without_depends_on_denies() -> None:
    tree = render_tree()
    del tree["sync.yaml"][1]["spec"]["dependsOn"]
    assert messages(evaluate(tree), "ordering.cluster-after-operator", Severity.DENY) == [NOT_AFTER]


def test_depends_on_through_another_kustomization_passes() -> None:
    tree = render_tree()
    tree["sync.yaml"][1]["spec"]["dependsOn"] = [{"name": "infrastructure"}]
    tree["sync.yaml"].append(
        flux_kustomization("infrastructure", "./platform/infra", depends_on=["valkey-operator"])
    )
    assert messages(evaluate(tree), "ordering.cluster-after-operator") == []


def test_depends_on_in_another_namespace_does_not_count() -> None:
    tree = render_tree()
    tree["sync.yaml"][1]["spec"]["dependsOn"] = [
        {"name": "valkey-operator", "namespace": "elsewhere"}
    ]
    assert messages(evaluate(tree), "ordering.cluster-after-operator") == [NOT_AFTER]


def test_folders_are_matched_under_a_parent_folder_as_conftest_passes_them() -> None:
    tree = {f"build/{path}": documents for path, documents in render_tree().items()}
    del tree["build/sync.yaml"][1]["spec"]["dependsOn"]
    (message,) = messages(evaluate(tree), "ordering.cluster-after-operator")
    assert message.startswith(
        "build/sync.yaml: Kustomization flux-system/valkey-valkey: applies Valkey"
    )


def test_without_flux_kustomizations_only_folders_are_checked() -> None:
    tree = render_tree()
    del tree["sync.yaml"]
    report = evaluate(tree)
    assert [r for r in rules(report) if r[1].startswith("ordering.")] == []


def test_ambiguous_folder_match_is_not_guessed() -> None:
    tree = render_tree()
    del tree["sync.yaml"][1]["spec"]["dependsOn"]
    # Two Kustomizations whose paths end in "cluster": neither is taken as the Valkey's.
    tree["sync.yaml"].append(flux_kustomization("other", "./apps/cluster"))
    assert messages(evaluate(tree), "ordering.cluster-after-operator") == []


# ordering.operator-wait


def test_operator_kustomization_without_wait_warns() -> None:
    tree = render_tree()
    tree["sync.yaml"][0]["spec"]["wait"] = False
    assert messages(evaluate(tree), "ordering.operator-wait", Severity.WARN) == [
        "sync.yaml: Kustomization flux-system/valkey-operator: applies the operator's "
        "HelmRelease flux-system/valkey-operator (operator/helmrelease.yaml) but sets neither "
        "spec.wait: true nor spec.healthChecks, so Kustomizations that depend on it start "
        "before the operator and its CRD are installed"
    ]


def test_operator_kustomization_with_health_checks_passes() -> None:
    tree = render_tree()
    spec = tree["sync.yaml"][0]["spec"]
    spec["wait"] = False
    spec["healthChecks"] = [
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "name": "valkey-operator",
            "namespace": "flux-system",
        }
    ]
    assert messages(evaluate(tree), "ordering.operator-wait") == []
