"""Rules of package wildside_valkey.safety: each with a triggering and a passing manifest set."""

from __future__ import annotations

from typing import Any

import pytest

from wildside_valkey.policies import Finding, Severity, evaluate_files
from wildside_valkey.policies.engine import evaluate_input

from .builders import (
    ALLOW_PLAINTEXT,
    evaluate,
    messages,
    only,
    pod_disruption_budget,
    render_tree,
)

SECRET = "cluster/secret.yaml: Secret valkey/valkey-password: "
PDB = "cluster/poddisruptionbudget.yaml: PodDisruptionBudget valkey/pdb-valkey: "
ES = "cluster/externalsecret.yaml: ExternalSecret valkey/valkey-password: "

PDB_WARNING = (
    f"{PDB}selects the pods of Valkey valkey/valkey, which the operator already covers with its "
    'own PodDisruptionBudget "valkey"; with more than one PodDisruptionBudget per pod the '
    "eviction API refuses evictions, which blocks kubectl drain and node upgrades "
    "(set pdb_enabled = false)"
)


# safety.plaintext-secret


def test_plaintext_secret_without_opt_in_denies() -> None:
    report = evaluate(render_tree(credentials="inline"))
    assert messages(report, "safety.plaintext-secret", Severity.DENY) == [
        f"{SECRET}holds literal data (keys: password) in a GitOps tree, where anyone who can "
        "read the repository can read it; use an ExternalSecret (eso_enabled = true) or SOPS, "
        "or accept the risk: set allow_plaintext_secrets = true (render then annotates the "
        f'Secret {ALLOW_PLAINTEXT}: "true"; annotate a Secret of your own so)'
    ]
    assert messages(report, "safety.plaintext-secret", Severity.WARN) == []


def test_plaintext_secret_with_opt_in_warns_loudly() -> None:
    report = evaluate(render_tree(credentials="inline-allowed"))
    assert messages(report, "safety.plaintext-secret", Severity.DENY) == []
    assert messages(report, "safety.plaintext-secret", Severity.WARN) == [
        f"{SECRET}PLAINTEXT SECRET IN GIT: holds literal data (keys: password) that anyone who "
        f"can read the repository can read; allowed only because of the {ALLOW_PLAINTEXT} "
        "annotation"
    ]


def test_plaintext_secret_lists_keys_of_data_and_string_data_never_values() -> None:
    tree = render_tree(credentials="inline")
    only(tree, "cluster/secret.yaml")["stringData"] = {"user": "hunter2-value"}
    (message,) = messages(evaluate(tree), "safety.plaintext-secret")
    assert "(keys: password, user)" in message
    assert "hunter2-value" not in message
    assert "c2VjcmV0" not in message


@pytest.mark.parametrize("annotation", ["false", "yes", "True"])
def test_opt_in_annotation_must_be_exactly_true(annotation: str) -> None:
    tree = render_tree(credentials="inline")
    only(tree, "cluster/secret.yaml")["metadata"]["annotations"] = {ALLOW_PLAINTEXT: annotation}
    assert len(messages(evaluate(tree), "safety.plaintext-secret", Severity.DENY)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"data": {}},
        {"data": None},
        {"sops": {"mac": "ENC[...]", "version": "3.9.0"}},
    ],
)
def test_empty_or_sops_encrypted_secrets_pass(change: dict[str, Any]) -> None:
    tree = render_tree(credentials="inline")
    only(tree, "cluster/secret.yaml").update(change)
    assert messages(evaluate(tree), "safety.plaintext-secret") == []


# safety.duplicate-pdb


def test_pdb_over_the_operators_pods_warns() -> None:
    report = evaluate(render_tree(pdb=True))
    assert messages(report, "safety.duplicate-pdb", Severity.WARN) == [PDB_WARNING]


@pytest.mark.parametrize(
    "selector",
    [
        {"matchLabels": {"app.kubernetes.io/instance": "valkey"}},
        {"matchLabels": {"wildside-valkey.io/cluster": "valkey"}},
        {},
        {
            "matchExpressions": [
                {"key": "app.kubernetes.io/instance", "operator": "In", "values": ["valkey"]},
                {"key": "app.kubernetes.io/name", "operator": "Exists"},
                {"key": "tier", "operator": "DoesNotExist"},
                {"key": "app.kubernetes.io/component", "operator": "NotIn", "values": ["x"]},
            ]
        },
    ],
)
def test_any_selector_matching_the_pods_warns(selector: dict[str, Any]) -> None:
    tree = render_tree(pdb=True)
    only(tree, "cluster/poddisruptionbudget.yaml")["spec"]["selector"] = selector
    assert messages(evaluate(tree), "safety.duplicate-pdb") == [PDB_WARNING]


@pytest.mark.parametrize(
    "selector",
    [
        {"matchLabels": {"app.kubernetes.io/instance": "other"}},
        {"matchLabels": {"app.kubernetes.io/instance": "valkey", "tier": "x"}},
        {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "DoesNotExist"}]},
        {
            "matchExpressions": [
                {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["valkey"]}
            ]
        },
    ],
)
def test_selector_missing_the_pods_does_not_warn(selector: dict[str, Any]) -> None:
    tree = render_tree(pdb=True)
    only(tree, "cluster/poddisruptionbudget.yaml")["spec"]["selector"] = selector
    assert messages(evaluate(tree), "safety.duplicate-pdb") == []


def test_pdb_in_another_namespace_does_not_warn() -> None:
    tree = render_tree()
    other = pod_disruption_budget()
    other["metadata"]["namespace"] = "default"
    tree["cluster/poddisruptionbudget.yaml"] = [other]
    assert messages(evaluate(tree), "safety.duplicate-pdb") == []


def test_pdb_without_selector_does_not_warn() -> None:
    tree = render_tree(pdb=True)
    del only(tree, "cluster/poddisruptionbudget.yaml")["spec"]["selector"]
    assert messages(evaluate(tree), "safety.duplicate-pdb") == []


# safety.external-secret-api-version


def test_external_secret_v1beta1_denies() -> None:
    tree = render_tree(credentials="eso")
    only(tree, "cluster/externalsecret.yaml")["apiVersion"] = "external-secrets.io/v1beta1"
    report = evaluate(tree)
    assert messages(report, "safety.external-secret-api-version", Severity.DENY) == [
        f'{ES}uses apiVersion "external-secrets.io/v1beta1", which External Secrets Operator '
        "no longer serves; use external-secrets.io/v1"
    ]
    # It still names the Secret, so the Valkey's password is not reported missing as well.
    assert messages(report, "valkey.service-password-secret") == []


def test_external_secret_v1_passes() -> None:
    report = evaluate(render_tree(credentials="eso"))
    assert messages(report, "safety.external-secret-api-version") == []
    assert messages(report, "safety.external-secret-store") == []


# safety.external-secret-store


@pytest.mark.parametrize(("store_kind", "denied"), [("Vault", True), ("SecretStore", False)])
def test_secret_store_kind(store_kind: str, denied: bool) -> None:
    tree = render_tree(credentials="eso")
    only(tree, "cluster/externalsecret.yaml")["spec"]["secretStoreRef"]["kind"] = store_kind
    expected = (
        [f'{ES}spec.secretStoreRef.kind must be ClusterSecretStore or SecretStore, got "Vault"']
        if denied
        else []
    )
    assert messages(evaluate(tree), "safety.external-secret-store") == expected


def test_secret_store_kind_may_be_left_to_its_default() -> None:
    tree = render_tree(credentials="eso")
    del only(tree, "cluster/externalsecret.yaml")["spec"]["secretStoreRef"]["kind"]
    assert messages(evaluate(tree), "safety.external-secret-store") == []


def test_missing_secret_store_ref_denies() -> None:
    tree = render_tree(credentials="eso")
    del only(tree, "cluster/externalsecret.yaml")["spec"]["secretStoreRef"]
    assert messages(evaluate(tree), "safety.external-secret-store", Severity.DENY) == [
        f"{ES}spec.secretStoreRef is not set, so the ExternalSecret names no store to read from"
    ]


def test_secret_store_ref_without_name_denies() -> None:
    tree = render_tree(credentials="eso")
    del only(tree, "cluster/externalsecret.yaml")["spec"]["secretStoreRef"]["name"]
    assert messages(evaluate(tree), "safety.external-secret-store", Severity.DENY) == [
        f"{ES}spec.secretStoreRef.name is not set, so the ExternalSecret names no store to read "
        "from"
    ]


# safety.combined-input


@pytest.mark.parametrize(
    "document",
    [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}},
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}],
        None,
    ],
)
def test_input_not_in_combined_shape_denies(document: Any) -> None:
    # What conftest hands the rules without --combine: one file's contents.
    assert evaluate_input(document) == (
        Finding(
            severity=Severity.DENY,
            package="wildside_valkey.safety",
            rule="safety.combined-input",
            message="the input is not a list of {path, contents} entries: run conftest with "
            "--combine",
            file="",
            kind="",
            namespace="",
            name="",
        ),
    )


def test_combined_input_passes() -> None:
    assert messages(evaluate_files([]), "safety.combined-input") == []
