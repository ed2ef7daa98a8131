"""Multi-tenant Flux: `flux_service_account_name` and `flux_depends_on`.

Under Flux's lockdown (`--default-service-account`, `--no-cross-namespace-refs`:
fluxcd/flux2-multi-tenancy) an object without `serviceAccountName` runs as an
account without permissions, and references must stay in the object's namespace.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases.harness import run_cli
from wildside_valkey.errors import BadInputError
from wildside_valkey.plan import build_plan
from wildside_valkey.render.flux import cluster_kustomization, helm_release, operator_kustomization
from wildside_valkey.variables import variables_from_mapping


def flux_objects(**variables: Any) -> list[dict[str, Any]]:
    plan = build_plan(variables_from_mapping(variables))
    v = plan.variables
    return [operator_kustomization(v), cluster_kustomization(v), helm_release(v, plan.operator)]


def test_no_service_account_unless_asked() -> None:
    assert all("serviceAccountName" not in o["spec"] for o in flux_objects())


def test_the_service_account_is_set_on_both_kustomizations_and_the_helmrelease() -> None:
    objects = flux_objects(flux_service_account_name="flux-tenant")
    assert [o["spec"]["serviceAccountName"] for o in objects] == ["flux-tenant"] * 3


def test_the_cluster_waits_for_the_named_kustomizations_in_its_own_namespace() -> None:
    _, cluster, _ = flux_objects(flux_depends_on=["cert-manager", "external-secrets"])
    assert cluster["spec"]["dependsOn"] == [
        {"name": "valkey-operator"},
        {"name": "cert-manager"},
        {"name": "external-secrets"},
    ]


def test_failed_helm_actions_are_retried_as_fluxs_own_example_does() -> None:
    _, _, release = flux_objects()
    for action in ("install", "upgrade"):
        assert release["spec"][action]["strategy"] == {
            "name": "RetryOnFailure",
            "retryInterval": "2m",
        }
        assert "remediation" not in release["spec"][action]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"flux_service_account_name": "Flux_Tenant"}, "must be a DNS-1123 subdomain"),
        (
            {"flux_depends_on": ["cert-manager", "cert-manager"]},
            "item 1 ('cert-manager') is listed twice",
        ),
        ({"flux_depends_on": ["infra/cert-manager"]}, "item 0 must be a DNS-1123 subdomain"),
    ],
)
def test_bad_values_name_the_variable(variables: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInputError) as caught:
        variables_from_mapping(variables)
    text = str(caught.value)
    assert next(iter(variables)) in text
    assert message in text


def test_the_cli_refuses_a_bad_service_account_with_exit_2(tmp_path: Any) -> None:
    result = run_cli(
        ["render", "--out", str(tmp_path / "out"), "--var", "flux_service_account_name=-x"]
    )
    assert result.code == 2
    assert "flux_service_account_name" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_cluster_kustomization_cannot_depend_on_itself(tmp_path: Any) -> None:
    # Flux would wait for it forever: refused before anything is written.
    own = "cache-previews"
    args = ["--var", "cluster_name=cache", "--var", "namespace=previews"]
    result = run_cli(
        ["render", "--out", str(tmp_path / "out"), *args, "--var", f'flux_depends_on=["{own}"]']
    )
    assert result.code == 2
    assert f"variable \"flux_depends_on\": names '{own}', the cluster's own Flux Kustomization" in (
        result.stderr
    )
    assert not (tmp_path / "out").exists()
    # The operator's Kustomization is already a dependency: naming it is harmless.
    fine = run_cli(
        [
            "render",
            "--out",
            str(tmp_path / "ok"),
            *args,
            "--var",
            'flux_depends_on=["valkey-operator"]',
        ]
    )
    assert fine.code == 0, fine.stderr
