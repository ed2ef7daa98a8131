"""Rules of package wildside_valkey.valkey: each with a triggering and a passing manifest set."""

from __future__ import annotations

from typing import Any

import pytest

from wildside_valkey.policies import Severity

from .builders import evaluate, external_secret, messages, only, render_tree, rules, secret

VK = "cluster/valkey.yaml: Valkey valkey/valkey: "


def spec_of(tree: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    spec: dict[str, Any] = only(tree, "cluster/valkey.yaml")["spec"]
    return spec


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"tls": True},
        {"tls": True, "replicas": 1},
        {"credentials": "eso"},
        {"credentials": "inline-allowed"},
    ],
)
def test_render_variants_raise_no_valkey_findings(options: dict[str, Any]) -> None:
    report = evaluate(render_tree(**options))
    assert [r for r in rules(report) if r[1].startswith("valkey.")] == []


# valkey.nodes-minimum


@pytest.mark.parametrize(("nodes", "shown"), [(0, "0"), (-1, "-1"), (1.5, "1.5"), ("3", '"3"')])
def test_nodes_below_one_or_not_whole_denies(nodes: object, shown: str) -> None:
    tree = render_tree()
    spec_of(tree)["nodes"] = nodes
    assert messages(evaluate(tree), "valkey.nodes-minimum", Severity.DENY) == [
        f"{VK}spec.nodes must be a whole number of at least 1 (each node is a shard primary), "
        f"got {shown}"
    ]


@pytest.mark.parametrize("nodes", [1, 3, None])
def test_nodes_at_least_one_or_absent_pass(nodes: int | None) -> None:
    tree = render_tree()
    if nodes is None:
        del spec_of(tree)["nodes"]
    else:
        spec_of(tree)["nodes"] = nodes
    assert messages(evaluate(tree), "valkey.nodes-minimum") == []


# valkey.tls-boolean and valkey.tls-cert-issuer


def test_tls_string_denies() -> None:
    tree = render_tree()
    spec_of(tree)["tls"] = "true"
    report = evaluate(tree)
    assert messages(report, "valkey.tls-boolean", Severity.DENY) == [
        f'{VK}spec.tls must be a boolean (true or false, unquoted), got the string "true"'
    ]
    assert messages(report, "valkey.tls-cert-issuer") == []


def test_tls_without_cert_issuer_denies() -> None:
    tree = render_tree(tls=True)
    del spec_of(tree)["certIssuer"]
    assert messages(evaluate(tree), "valkey.tls-cert-issuer", Severity.DENY) == [
        f"{VK}spec.tls is true but spec.certIssuer is not set; the operator needs a "
        "cert-manager issuer to request the server certificate"
    ]


def test_tls_with_blank_cert_issuer_denies() -> None:
    tree = render_tree(tls=True)
    spec_of(tree)["certIssuer"] = "  "
    assert len(messages(evaluate(tree), "valkey.tls-cert-issuer", Severity.DENY)) == 1


def test_tls_with_cert_issuer_passes() -> None:
    report = evaluate(render_tree(tls=True))
    assert messages(report, "valkey.tls-cert-issuer") == []
    assert messages(report, "valkey.tls-boolean") == []


# valkey.storage-required


def test_a_valkey_without_storage_denies() -> None:
    tree = render_tree()
    del spec_of(tree)["storage"]
    assert messages(evaluate(tree), "valkey.storage-required", Severity.DENY) == [
        f"{VK}spec.storage is not set: the operator then refuses to reconcile the cluster "
        '("storage has been removed but cannot be updated") and it never becomes ready; set '
        "spec.storage.spec (size, class, access modes)"
    ]


def test_every_render_carries_storage_even_with_persistence_off() -> None:
    from wildside_valkey.inputs import load_variables
    from wildside_valkey.plan import build_plan

    plan = build_plan(load_variables(var_options=["persistence_enabled=false"]))
    [valkey] = [r for r in plan.resources if r.kind == "Valkey"]
    assert valkey.manifest()["spec"]["storage"] == {
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "do-block-storage",
        }
    }


# valkey.proxy-settings

PROXY_HINT = (
    "spec.externalAccess.type is Proxy with tls: true but spec.externalAccess.proxy is not set: "
    "the operator crashes on every reconcile reading proxy.hostname; set "
    "spec.externalAccess.proxy (replicas, and hostname for the certificate)"
)


@pytest.mark.parametrize(
    ("tls", "access", "denied"),
    [
        (True, {"enabled": True, "type": "Proxy"}, True),
        (True, {"enabled": True, "type": "Proxy", "proxy": {"replicas": 1}}, False),
        (False, {"enabled": True, "type": "Proxy"}, False),
        (True, {"enabled": True, "type": "LoadBalancer"}, False),
        (True, {"enabled": False, "type": "Proxy"}, False),
    ],
)
def test_proxy_with_tls_needs_the_proxy_object(
    tls: bool, access: dict[str, Any], denied: bool
) -> None:
    tree = render_tree(tls=tls)
    spec_of(tree)["externalAccess"] = access
    expected = [f"{VK}{PROXY_HINT}"] if denied else []
    assert messages(evaluate(tree), "valkey.proxy-settings", Severity.DENY) == expected


# valkey.storage-under-spec and valkey.storage-size-and-class


def test_fields_directly_under_storage_deny() -> None:
    tree = render_tree()
    spec_of(tree)["storage"] = {"size": "1Gi", "storageClassName": "fast"}
    report = evaluate(tree)
    hint = (
        " is not a PersistentVolumeClaim field, so the API server prunes it; put the size "
        "under spec.storage.spec.resources.requests.storage and the class under "
        "spec.storage.spec.storageClassName"
    )
    assert messages(report, "valkey.storage-under-spec", Severity.DENY) == [
        f"{VK}spec.storage.size{hint}",
        f"{VK}spec.storage.storageClassName{hint}",
    ]
    # Nothing is under storage.spec either, so both settings are reported missing too.
    assert messages(report, "valkey.storage-size-and-class", Severity.DENY) == [
        f"{VK}spec.storage.spec.resources.requests.storage is not set, so the volume claim asks "
        "for no size",
        f"{VK}spec.storage.spec.storageClassName is not set, so the volume claim lands on the "
        "cluster's default StorageClass",
    ]


def test_claim_metadata_under_storage_passes() -> None:
    tree = render_tree()
    spec_of(tree)["storage"]["metadata"] = {"labels": {"tier": "cache"}}
    report = evaluate(tree)
    assert messages(report, "valkey.storage-under-spec") == []
    assert messages(report, "valkey.storage-size-and-class") == []


def test_missing_storage_class_denies() -> None:
    tree = render_tree()
    del spec_of(tree)["storage"]["spec"]["storageClassName"]
    assert messages(evaluate(tree), "valkey.storage-size-and-class", Severity.DENY) == [
        f"{VK}spec.storage.spec.storageClassName is not set, so the volume claim lands on the "
        "cluster's default StorageClass"
    ]


def test_missing_storage_size_denies() -> None:
    tree = render_tree()
    del spec_of(tree)["storage"]["spec"]["resources"]
    assert messages(evaluate(tree), "valkey.storage-size-and-class", Severity.DENY) == [
        f"{VK}spec.storage.spec.resources.requests.storage is not set, so the volume claim asks "
        "for no size"
    ]


def test_no_storage_block_is_not_checked() -> None:
    tree = render_tree()
    del spec_of(tree)["storage"]
    report = evaluate(tree)
    assert messages(report, "valkey.storage-size-and-class") == []
    assert messages(report, "valkey.storage-under-spec") == []


# valkey.external-access-type


@pytest.mark.parametrize(
    ("access", "shown"),
    [
        ({"enabled": True, "type": "loadbalancer"}, '"loadbalancer"'),
        ({"enabled": True, "type": "NodePort"}, '"NodePort"'),
        ({"enabled": True}, "null"),
    ],
)
def test_bad_external_access_type_denies(access: dict[str, Any], shown: str) -> None:
    tree = render_tree()
    spec_of(tree)["externalAccess"] = access
    assert messages(evaluate(tree), "valkey.external-access-type", Severity.DENY) == [
        f"{VK}spec.externalAccess.type must be LoadBalancer or Proxy (capitalised exactly so), "
        f"got {shown}"
    ]


@pytest.mark.parametrize("access_type", ["LoadBalancer", "Proxy"])
def test_valid_external_access_type_passes(access_type: str) -> None:
    tree = render_tree()
    spec_of(tree)["externalAccess"] = {"enabled": True, "type": access_type}
    assert messages(evaluate(tree), "valkey.external-access-type") == []


# valkey.service-password-secret

PASSWORD_MISSING = (
    f'{VK}spec.servicePassword names Secret "valkey-password", but no Secret or ExternalSecret '
    'in these manifests creates it in namespace "valkey"; the operator reports errors until '
    "it exists"
)


def test_service_password_without_producer_denies() -> None:
    tree = render_tree(credentials="eso")
    del tree["cluster/externalsecret.yaml"]
    assert messages(evaluate(tree), "valkey.service-password-secret", Severity.DENY) == [
        PASSWORD_MISSING
    ]


def test_service_password_secret_in_other_namespace_denies() -> None:
    tree = render_tree(credentials="inline-allowed")
    only(tree, "cluster/secret.yaml")["metadata"]["namespace"] = "default"
    assert messages(evaluate(tree), "valkey.service-password-secret") == [PASSWORD_MISSING]


def test_external_secret_that_creates_nothing_denies() -> None:
    tree = render_tree(credentials="eso")
    only(tree, "cluster/externalsecret.yaml")["spec"]["target"]["creationPolicy"] = "Merge"
    assert messages(evaluate(tree), "valkey.service-password-secret") == [PASSWORD_MISSING]


def test_service_password_without_name_denies() -> None:
    tree = render_tree(credentials="eso")
    spec_of(tree)["servicePassword"] = {"key": "password"}
    assert messages(evaluate(tree), "valkey.service-password-secret", Severity.DENY) == [
        f"{VK}spec.servicePassword names no Secret; set spec.servicePassword.name, or remove "
        "servicePassword to let the operator generate a password"
    ]


@pytest.mark.parametrize("credentials", ["eso", "inline-allowed", "generated"])
def test_service_password_with_producer_or_absent_passes(credentials: Any) -> None:
    assert (
        messages(evaluate(render_tree(credentials=credentials)), "valkey.service-password-secret")
        == []
    )


def test_external_secret_target_defaults_to_its_own_name() -> None:
    tree = render_tree(credentials="eso")
    del only(tree, "cluster/externalsecret.yaml")["spec"]["target"]
    assert messages(evaluate(tree), "valkey.service-password-secret") == []


def test_external_secret_with_other_target_name_does_not_count() -> None:
    tree = render_tree(credentials="eso")
    tree["cluster/externalsecret.yaml"] = [external_secret()]
    only(tree, "cluster/externalsecret.yaml")["spec"]["target"]["name"] = "other"
    assert messages(evaluate(tree), "valkey.service-password-secret") == [PASSWORD_MISSING]


def test_secret_in_a_multi_document_file_counts() -> None:
    tree = render_tree(credentials="inline-allowed")
    tree["cluster/valkey.yaml"] = tree.pop("cluster/secret.yaml") + tree["cluster/valkey.yaml"]
    assert messages(evaluate(tree), "valkey.service-password-secret") == []
    assert secret(allowed=True) in tree["cluster/valkey.yaml"]


# valkey.anonymous-replicas and valkey.replicas-without-tls


def test_anonymous_auth_with_replicas_warns() -> None:
    tree = render_tree(tls=True, replicas=2)
    spec_of(tree)["anonymousAuth"] = True
    assert messages(evaluate(tree), "valkey.anonymous-replicas", Severity.WARN) == [
        f"{VK}spec.anonymousAuth is true with 2 replicas per shard: anyone who can reach the "
        "pods can read and write every copy of the data; set anonymousAuth: false"
    ]


def test_anonymous_auth_without_replicas_does_not_warn() -> None:
    tree = render_tree()
    spec_of(tree)["anonymousAuth"] = True
    assert messages(evaluate(tree), "valkey.anonymous-replicas") == []


def test_replicas_without_tls_warn() -> None:
    report = evaluate(render_tree(replicas=1))
    assert messages(report, "valkey.replicas-without-tls", Severity.WARN) == [
        f"{VK}spec.replicas is 1 but spec.tls is not true, so replication copies every write "
        "between pods unencrypted; enable TLS (tls_enabled) or accept the risk"
    ]


def test_replicas_with_tls_do_not_warn() -> None:
    assert (
        messages(evaluate(render_tree(replicas=1, tls=True)), "valkey.replicas-without-tls") == []
    )


# valkey.anonymous-isolated


def _isolation(tree: dict[str, list[dict[str, Any]]], **spec: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "valkey-ingress", "namespace": "valkey"},
        "spec": {
            "podSelector": {
                "matchLabels": {
                    "app.kubernetes.io/instance": "valkey",
                    "app.kubernetes.io/name": "valkey",
                }
            },
            "policyTypes": ["Ingress"],
            "ingress": [{"ports": [{"protocol": "TCP", "port": 6379}]}],
            **spec,
        },
    }
    tree["cluster/networkpolicy.yaml"] = [policy]
    return policy


def test_anonymous_auth_without_network_isolation_warns() -> None:
    tree = render_tree()
    spec_of(tree)["anonymousAuth"] = True
    assert messages(evaluate(tree), "valkey.anonymous-isolated", Severity.WARN) == [
        f'{VK}spec.anonymousAuth is true and no NetworkPolicy in namespace "valkey" restricts '
        "ingress to its pods: every pod on the cluster can read and write; set "
        "network_policy_enabled = true (or anonymous_auth = false)"
    ]


def test_anonymous_auth_with_a_policy_selecting_its_pods_does_not_warn() -> None:
    tree = render_tree()
    spec_of(tree)["anonymousAuth"] = True
    _isolation(tree)
    assert messages(evaluate(tree), "valkey.anonymous-isolated") == []


@pytest.mark.parametrize(
    "change",
    [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "other"}}},
        {"policyTypes": ["Egress"]},
        {"ingress": [{}]},  # an empty rule admits every source on every port
    ],
    ids=["other-pods", "egress-only", "allow-all-rule"],
)
def test_a_policy_that_does_not_isolate_the_pods_still_warns(change: dict[str, Any]) -> None:
    tree = render_tree()
    spec_of(tree)["anonymousAuth"] = True
    _isolation(tree, **change)
    assert len(messages(evaluate(tree), "valkey.anonymous-isolated")) == 1


def test_a_policy_in_another_namespace_still_warns() -> None:
    tree = render_tree()
    spec_of(tree)["anonymousAuth"] = True
    _isolation(tree)["metadata"]["namespace"] = "elsewhere"
    assert len(messages(evaluate(tree), "valkey.anonymous-isolated")) == 1


def test_password_auth_without_isolation_does_not_warn() -> None:
    assert messages(evaluate(render_tree()), "valkey.anonymous-isolated") == []
