"""The plan: ordering, immutability, the credential strategies and the optional PDB."""

from __future__ import annotations

import pytest

from wildside_valkey.contract import CredentialStrategy, credential_strategy
from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import Plan, build_plan, delete_order
from wildside_valkey.plan.ordering import apply_order


def _plan(*options: str) -> Plan:
    return build_plan(load_variables(var_options=list(options)))


def _kinds(plan: Plan) -> list[str]:
    return [str(resource) for resource in plan.resources]


def test_apply_order_is_namespaces_credentials_valkey_pdb() -> None:
    plan = _plan(
        "password_inline=s3cret-pw",
        "allow_plaintext_secrets=true",
        "pdb_enabled=true",
        "replicas=1",
    )
    assert _kinds(plan) == [
        "Namespace valkey-system",
        "Namespace valkey",
        "Secret valkey/valkey-password",
        "Valkey valkey/valkey",
        "PodDisruptionBudget valkey/pdb-valkey",
    ]
    assert [str(r) for r in delete_order(plan.resources)] == list(reversed(_kinds(plan)))
    reordered = apply_order(reversed(plan.resources))
    assert [r.kind for r in reordered] == [r.kind for r in plan.resources]


def test_plan_is_immutable() -> None:
    plan = _plan()
    with pytest.raises(AttributeError, match="immutable"):
        plan.resources = ()  # type: ignore[misc]
    valkey = plan.find("Valkey")
    assert valkey is not None
    with pytest.raises(TypeError):
        valkey.body["spec"]["nodes"] = 9
    copy = valkey.manifest()
    copy["spec"]["nodes"] = 9
    assert valkey.body["spec"]["nodes"] == 1


@pytest.mark.parametrize(
    ("options", "strategy", "kind", "secret"),
    [
        (("anonymous_auth=true", "eso_enabled=true"), CredentialStrategy.ANONYMOUS, None, None),
        (
            ("eso_enabled=true", "password_vault_path=kv/valkey", "password_inline=pw-123456"),
            CredentialStrategy.EXTERNAL_SECRET,
            "ExternalSecret",
            ("valkey-password", "password"),
        ),
        (
            ("password_inline=pw-123456", "allow_plaintext_secrets=true"),
            CredentialStrategy.INLINE,
            "Secret",
            ("valkey-password", "password"),
        ),
        ((), CredentialStrategy.OPERATOR_GENERATED, None, ("valkey", "password")),
    ],
)
def test_credential_strategies(
    options: tuple[str, ...],
    strategy: CredentialStrategy,
    kind: str | None,
    secret: tuple[str, str] | None,
) -> None:
    plan = _plan(*options)
    assert credential_strategy(plan.variables) is strategy
    kinds = {resource.kind for resource in plan.resources}
    assert kinds & {"Secret", "ExternalSecret"} == ({kind} if kind else set())
    credentials = plan.contract.to_dict()["credentials"]
    if secret is None:
        assert credentials is None
    else:
        assert (credentials["secret_name"], credentials["secret_key"]) == secret
    valkey = plan.find("Valkey")
    assert valkey is not None
    has_ref = "servicePassword" in valkey.body["spec"]
    assert has_ref == (strategy in {CredentialStrategy.INLINE, CredentialStrategy.EXTERNAL_SECRET})


def test_pdb_only_with_replicas_and_warns() -> None:
    without = _plan("pdb_enabled=true")
    assert without.find("PodDisruptionBudget") is None
    assert any("replicas = 0" in w for w in without.warnings)
    with_replicas = _plan("pdb_enabled=true", "replicas=1")
    pdb = with_replicas.find("PodDisruptionBudget")
    assert pdb is not None
    assert pdb.body["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/instance": "valkey",
        "app.kubernetes.io/name": "valkey",
        "app.kubernetes.io/component": "valkey",
    }
    assert any("eviction API refuses" in w for w in with_replicas.warnings)


def test_no_namespaces_when_not_asked_and_one_when_shared() -> None:
    assert "Namespace" not in {r.kind for r in _plan("create_namespaces=false").resources}
    shared = _plan("namespace=valkey-system")
    assert [str(r) for r in shared.resources if r.kind == "Namespace"] == [
        "Namespace valkey-system"
    ]


def test_labels_depend_only_on_identity() -> None:
    a = _plan().find("Valkey")
    b = _plan(
        "nodes=3", "chart_version=v0.0.62-chart", "tls_enabled=true", "cert_issuer_name=x"
    ).find("Valkey")
    assert a is not None
    assert b is not None
    assert a.body["metadata"]["labels"] == b.body["metadata"]["labels"]


def test_operator_chart_merges_values_deeply() -> None:
    plan = _plan('helm_values=["a:\\n  b: 1\\n  c: [1]", "a:\\n  c: [2]\\n  d.e: 3"]')
    assert plan.operator.values_dict() == {"a": {"b": 1, "c": [2], "d.e": 3}}
    assert plan.operator.chart_reference == "oci://ghcr.io/hyperspike/valkey-operator"
