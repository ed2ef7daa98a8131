"""A first apply against the real cluster: the requests it sends (from the API server's audit
log), what helm is asked, and each variant of what the plan holds."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import VALKEYS, Live
from tests.e2e.harness import chart
from tests.e2e.harness.kube import JSON
from tests.e2e.support import release_secrets
from wildside_valkey.apply import ApiRequestError
from wildside_valkey.apply.marker import MARKER_NAME
from wildside_valkey.apply.ownership import FIELD_MANAGER


def labels(namespace: str, cluster_name: str = "valkey") -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": "wildside-valkey",
        "wildside-valkey.io/cluster": cluster_name,
        "wildside-valkey.io/cluster-namespace": namespace,
    }


def stored(live: Live, path: str) -> JSON:
    found = live.get(path)
    assert found is not None, f"{path} was not created"
    return found


def chart_values(live: Live, operator_namespace: str) -> Any:
    """The values the chart received: its ConfigMap holds them."""
    settings = stored(live, f"/api/v1/namespaces/{operator_namespace}/configmaps/{chart.SETTINGS}")
    return json.loads(settings["data"]["values.json"])


def query(event: JSON) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(event["requestURI"]).query).items()}


def test_a_fresh_apply_sends_exactly_these_requests_and_runs_helm_once(live: Live) -> None:
    own = live.own_operator()
    system, release, ns = own["operator_namespace"], own["helm_release_name"], live.namespace
    plan = live.plan(**own)

    result = live.apply(plan)

    requests = live.audit.requests()
    calls = [
        f"{e['verb']} {e['objectRef'].get('resource')} {e['objectRef'].get('name', '')}"
        for e in requests
    ]
    valkey_patch = calls.index("patch valkeys valkey")
    assert calls[: valkey_patch + 2] == [
        f"get namespaces {system}",
        f"get namespaces {ns}",
        # helm's own record of the release: one list instead of `helm list` + `get values`
        "list secrets ",
        f"patch namespaces {system}",
        f"patch namespaces {ns}",
        f"patch configmaps {MARKER_NAME}",
        "get customresourcedefinitions valkeys.hyperspike.io",
        "patch valkeys valkey",
        "get secrets valkey",
    ]
    # Then only reads, until the operator's Secret is there and the Valkey and its
    # StatefulSet say the rollout is done (the real operator takes its time: polled).
    assert {c.split()[0] for c in calls[valkey_patch + 2 :]} == {"get"}
    assert {c.split()[1] for c in calls[valkey_patch + 2 :]} <= {
        "secrets",
        "valkeys",
        "statefulsets",
    }
    patches = [e for e in requests if e["verb"] == "patch"]
    assert {query(e)["fieldManager"] for e in patches} == {FIELD_MANAGER}
    assert all("force" not in query(e) for e in patches)
    [release_list] = [e for e in requests if e["verb"] == "list"]
    assert query(release_list)["labelSelector"] == f"owner=helm,name={release}"

    [upgrade] = live.helm.calls()
    values_file = upgrade[upgrade.index("--values") + 1]
    assert upgrade == [
        "upgrade",
        "--install",
        release,
        "valkey-operator",
        "--version",
        "v0.0.61-chart",
        "--namespace",
        system,
        "--create-namespace",
        "--values",
        values_file,
        "--reset-values",
        "--wait",
        "--timeout",
        "60s",
        "--repo",
        live.state.chart_repository,
        "--kubeconfig",
        str(live.state.kubeconfig),
        "--kube-context",
        "wildside-e2e",
    ]
    assert chart_values(live, system) == {}
    assert not Path(values_file).exists(), "the values file is removed afterwards"

    assert result.contract["credentials"] == {
        "secret_name": "valkey",
        "secret_key": "password",
        "namespace": ns,
    }
    valkey = stored(live, f"{VALKEYS.format(ns=ns)}/valkey")
    assert valkey["metadata"]["labels"] == labels(ns)
    assert valkey["status"] == {"ready": True}
    owners = {(m["manager"], m["operation"]) for m in valkey["metadata"]["managedFields"]}
    assert owners == {(FIELD_MANAGER, "Apply"), ("manager", "Update")}  # the operator: status
    operator_ns = stored(live, f"/api/v1/namespaces/{system}")
    assert operator_ns["metadata"]["labels"]["wildside-valkey.io/component"] == "operator"
    [record] = release_secrets(live.kube, system, release)
    assert record["metadata"]["labels"]["status"] == "deployed"
    marker = stored(live, f"/api/v1/namespaces/{system}/configmaps/{MARKER_NAME}")
    assert marker["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "wildside-valkey",
        "wildside-valkey.io/component": "operator",
    }
    assert marker["data"] == {
        "release": release,
        "chart": "valkey-operator",
        "version": "v0.0.61-chart",
    }
    assert [m["manager"] for m in marker["metadata"]["managedFields"]] == [FIELD_MANAGER]


def test_helm_values_reach_the_chart_as_one_nested_document_and_never_the_marker(
    live: Live,
) -> None:
    canary = "marker-canary-3b1f"
    own = live.own_operator()
    plan = live.plan(
        password_inline=canary,
        helm_values=[
            "controllerManager:\n  manager:\n    resources:\n      limits:\n        cpu: 200m\n",
            "controllerManager:\n  replicas: 2\n'dotted.key': kept\n",
            f"webhook:\n  token: {canary}\n",
        ],
        **own,
    )
    live.apply(plan)

    assert chart_values(live, own["operator_namespace"]) == {
        "controllerManager": {
            "manager": {"resources": {"limits": {"cpu": "200m"}}},
            "replicas": 2,
        },
        "dotted.key": "kept",
        "webhook": {"token": canary},
    }
    [upgrade] = live.helm.calls()
    assert not any(arg.startswith("--set") for arg in upgrade)
    marker = stored(
        live, f"/api/v1/namespaces/{own['operator_namespace']}/configmaps/{MARKER_NAME}"
    )
    assert marker["data"] == {
        "release": own["helm_release_name"],
        "chart": "valkey-operator",
        "version": "v0.0.61-chart",
    }
    assert "binaryData" not in marker
    text = json.dumps(marker)
    assert canary not in text
    assert base64.b64encode(canary.encode()).decode() not in text


def test_an_inline_password_becomes_our_secret_before_the_valkey(live: Live) -> None:
    ns = live.namespace
    live.apply(live.plan(password_inline="inline-canary"))

    secret = stored(live, f"/api/v1/namespaces/{ns}/secrets/valkey-password")
    assert secret["data"] == {"password": base64.b64encode(b"inline-canary").decode()}
    assert secret["metadata"]["labels"] == labels(ns)
    valkey = stored(live, f"{VALKEYS.format(ns=ns)}/valkey")
    assert valkey["spec"]["servicePassword"] == {"name": "valkey-password", "key": "password"}
    writes = live.writes()
    assert writes.index(f"patch secrets {ns}/valkey-password") < writes.index(
        f"patch valkeys {ns}/valkey"
    )
    # The operator made its budget and StatefulSet, and no password of its own.
    assert live.get(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/valkey") is not None
    assert live.get(f"/apis/apps/v1/namespaces/{ns}/statefulsets/valkey") is not None
    assert live.get(f"/api/v1/namespaces/{ns}/secrets/valkey") is None


def test_external_secrets_create_the_secret_that_apply_waits_for(live: Live) -> None:
    ns = live.namespace
    # The harness's External Secrets stand-in holds valkey/prod in its vault.
    result = live.apply(live.plan(eso_enabled=True, password_vault_path="valkey/prod"))

    external = stored(
        live, f"/apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets/valkey-password"
    )
    assert external["spec"]["secretStoreRef"] == {
        "kind": "ClusterSecretStore",
        "name": "vault-backend",
    }
    assert f"get secrets {ns}/valkey-password" in live.audit.calls()
    assert result.contract["credentials"]["secret_name"] == "valkey-password"
    # ESO's Secret is its own: never in our field manager's hands.
    secret = stored(live, f"/api/v1/namespaces/{ns}/secrets/valkey-password")
    assert secret["data"]["password"] == base64.b64encode(b"vault-pw").decode()
    assert FIELD_MANAGER not in [m["manager"] for m in secret["metadata"]["managedFields"]]


def test_anonymous_auth_has_no_credentials_to_wait_for(live: Live) -> None:
    ns = live.namespace
    result = live.apply(live.plan(anonymous_auth=True))
    assert result.contract["credentials"] is None
    assert stored(live, f"{VALKEYS.format(ns=ns)}/valkey")["spec"]["anonymousAuth"] is True
    assert not [call for call in live.audit.calls() if call.startswith(f"get secrets {ns}/")]
    assert live.get(f"/apis/apps/v1/namespaces/{ns}/statefulsets/valkey") is not None
    assert live.get(f"/api/v1/namespaces/{ns}/secrets/valkey") is None


def test_tls_settings_reach_the_valkey_and_the_real_crd_defaults_are_no_change(
    live: Live,
) -> None:
    plan = live.plan(
        tls_enabled=True,
        cert_issuer_name="ca",
        cert_issuer_type="Issuer",
        external_access_enabled=True,
    )
    live.apply(plan)
    spec = stored(live, f"{VALKEYS.format(ns=live.namespace)}/valkey")["spec"]
    assert (spec["tls"], spec["certIssuer"], spec["certIssuerType"]) == (True, "ca", "Issuer")
    assert spec["clusterPreferredEndpointType"] == "ip", "the CRD's default was applied"
    assert spec["externalAccess"]["type"] == "LoadBalancer"
    assert live.plan_changes(plan).is_empty


@pytest.mark.parametrize(("enabled", "replicas"), [(True, 1), (True, 0), (False, 1)])
def test_our_pod_disruption_budget_only_when_enabled_with_replicas(
    live: Live, enabled: bool, replicas: int
) -> None:
    ns = live.namespace
    live.apply(live.plan(pdb_enabled=enabled, replicas=replicas))
    ours = live.get(f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/pdb-valkey")
    if enabled and replicas:
        assert ours is not None
        assert ours["spec"]["minAvailable"] == 1
        assert live.writes()[-1] == f"patch poddisruptionbudgets {ns}/pdb-valkey"
    else:
        assert ours is None


def test_existing_namespaces_are_used_when_not_created(live: Live) -> None:
    own = live.own_operator()
    system, ns = own["operator_namespace"], live.namespace
    for name in (ns, system):
        live.kube.create(
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )
    live.mark()

    live.apply(live.plan(create_namespaces=False, **own))

    assert live.writes() == [
        f"patch configmaps {system}/{MARKER_NAME}",
        f"patch valkeys {ns}/valkey",
    ]
    [upgrade] = live.helm.calls()
    assert "--create-namespace" not in upgrade
    namespace = stored(live, f"/api/v1/namespaces/{ns}")
    assert "wildside-valkey.io/cluster" not in namespace["metadata"]["labels"]


def test_a_missing_namespace_that_we_may_not_create_is_a_clear_error(live: Live) -> None:
    own = live.own_operator()
    # The release marker is the first write, into the operator's namespace: the
    # error comes before helm runs, so nothing is left half-installed.
    with pytest.raises(
        ApiRequestError, match=f'namespace "{own["operator_namespace"]}" does not exist'
    ):
        live.apply(live.plan(create_namespaces=False, **own))
    assert live.helm_commands() == []
    assert live.writes() == []
