"""Issue 11, point 1: inputs the OpenTofu module accepted are accepted here.

The module: leynos/wildside, ``infra/modules/valkey`` at d7c3e6f (the parent of
c0ef0b10, which removed it).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import RunCli
from tests.policies.builders import messages
from wildside_valkey.errors import VariablesError
from wildside_valkey.inputs import load_variables
from wildside_valkey.plan import build_plan
from wildside_valkey.policies import evaluate_manifests
from wildside_valkey.render import render_manifests

# ------------------------------------------------------------------ tolerations


def test_exists_without_key_tolerates_everything() -> None:
    v = load_variables(var_options=['tolerations=[{operator = "Exists"}]'])
    spec = build_plan(v).find("Valkey")
    assert spec is not None
    assert spec.manifest()["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_a_toleration_without_effect_matches_every_effect() -> None:
    v = load_variables(var_options=['tolerations=[{key = "dedicated", value = "cache"}]'])
    assert [t.to_manifest() for t in v.tolerations] == [{"key": "dedicated", "value": "cache"}]


def test_null_attributes_are_unset_as_in_tofu_optional() -> None:
    v = load_variables(
        var_options=['tolerations=[{key = "a", operator = null, value = "b", effect = null}]']
    )
    assert [t.to_manifest() for t in v.tolerations] == [{"key": "a", "value": "b"}]


def test_every_bad_attribute_of_a_toleration_is_reported() -> None:
    with pytest.raises(VariablesError) as caught:
        load_variables(var_options=['tolerations=[{operator = "In", effect = "Never"}]'])
    problems = {p.variable: p.message for p in caught.value.problems}
    assert set(problems) == {
        "tolerations[0].operator",
        "tolerations[0].effect",
        "tolerations[0].key",
    }
    assert "(got 'In')" in problems["tolerations[0].operator"]
    assert "(got 'Never')" in problems["tolerations[0].effect"]


# ------------------------------------------------------- an existing Secret


EXISTING = ["password_existing_secret=true", "password_secret_name=made-by-sops"]


def test_existing_secret_is_referenced_and_never_created() -> None:
    plan = build_plan(load_variables(var_options=EXISTING))
    kinds = [resource.kind for resource in plan.resources]
    assert "Secret" not in kinds
    assert "ExternalSecret" not in kinds
    valkey = plan.find("Valkey")
    assert valkey is not None
    assert valkey.manifest()["spec"]["servicePassword"] == {
        "name": "made-by-sops",
        "key": "password",
    }
    assert plan.contract.to_dict()["credentials"] == {
        "secret_name": "made-by-sops",
        "secret_key": "password",
        "namespace": "valkey",
    }


def test_the_default_stays_the_operator_generated_password() -> None:
    plan = build_plan(load_variables())
    valkey = plan.find("Valkey")
    assert valkey is not None
    assert "servicePassword" not in valkey.manifest()["spec"]
    assert plan.contract.to_dict()["credentials"]["secret_name"] == "valkey"


def test_policy_pack_accepts_a_declared_existing_secret() -> None:
    tree = render_manifests(build_plan(load_variables(var_options=EXISTING)))
    report = evaluate_manifests(tree)
    assert messages(report, "valkey.service-password-secret") == []
    assert report.denials == ()


def test_policy_pack_still_denies_an_undeclared_missing_secret() -> None:
    tree = render_manifests(build_plan(load_variables(var_options=EXISTING)))
    (valkey,) = tree["cluster/valkey.yaml"]
    annotations = valkey["metadata"]["annotations"]
    assert annotations == {"wildside-valkey.io/existing-password-secret": "made-by-sops"}
    annotations["wildside-valkey.io/existing-password-secret"] = "another"
    found = messages(evaluate_manifests(tree), "valkey.service-password-secret")
    assert len(found) == 1
    assert '"made-by-sops"' in found[0]


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ("eso_enabled=true", "External Secrets creates that Secret"),
        ("password_inline=hunter2-canary", "this tool would create that Secret"),
        ("anonymous_auth=true", "no password is used"),
    ],
)
def test_existing_secret_refuses_another_password_source(other: str, why: str) -> None:
    options = [*EXISTING, other, "password_vault_path=kv/valkey"]
    with pytest.raises(VariablesError) as caught:
        load_variables(var_options=options)
    text = str(caught.value)
    assert 'variable "password_existing_secret": cannot be combined with' in text
    assert why in text
    assert "hunter2-canary" not in text


# -------------------------------------------------- validate: one pass


def test_validate_reports_the_plaintext_refusal_with_everything_else(run_cli: RunCli) -> None:
    result = run_cli(
        [
            "validate",
            "--var",
            "password_inline=s3cret-canary",
            "--var",
            "nodes=0",
            "--var",
            "tls_enabled=true",
        ]
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: 3 problems with the variables:\n")
    for variable in ("nodes", "cert_issuer_name", "password_inline"):
        assert f'variable "{variable}"' in result.stderr
    assert "s3cret-canary" not in result.stderr + result.stdout


def test_validate_json_lists_every_problem_in_one_pass(run_cli: RunCli) -> None:
    result = run_cli(
        ["validate", "--output", "json", "--var", "password_inline=x", "--var", "nodes=0"]
    )
    assert result.returncode == 2
    problems = json.loads(result.stdout)["problems"]
    assert [p["variable"] for p in problems] == ["nodes", "password_inline"]


def test_apply_mode_validate_does_not_apply_the_git_rule(run_cli: RunCli) -> None:
    result = run_cli(["validate", "--var", "mode=apply", "--var", "password_inline=x"])
    assert result.returncode == 0, result.stderr
