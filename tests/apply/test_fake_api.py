"""The fake Kubernetes API server, exercised through lightkube as apply mode uses it."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import pytest
from lightkube import ApiError, Client, KubeConfig, operators
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace, Secret
from lightkube.types import CascadeType

from tests.cases.harness import crds_dir
from tests.fakes.cluster import FakeCluster, apply_plan_for
from tests.fakes.faults import FaultTransport, TransportFault
from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.kube_sim import simulate_external_secrets
from tests.fakes.kubeconfig import KubeconfigFile

MakeFakeKube = Callable[..., FakeKubeApi]

# Generic resources are classes made at run time; mypy cannot see their fields.
Valkey: Any = create_namespaced_resource("hyperspike.io", "v1", "Valkey", "valkeys")
ExternalSecret: Any = create_namespaced_resource(
    "external-secrets.io", "v1", "ExternalSecret", "externalsecrets"
)


@pytest.fixture
def client(fake_kubeconfig: KubeconfigFile) -> Iterator[Client]:
    config = KubeConfig.from_file(fake_kubeconfig.path)
    with Client(config=config, field_manager="wildside-valkey") as c:
        yield c


def raw(api: FakeKubeApi, method: str, path: str, **kw: Any) -> httpx.Response:
    """A request lightkube would not make (bad token, odd content type, ...)."""
    headers = {"Authorization": "Bearer fake-token", **kw.pop("headers", {})}
    with httpx.Client(base_url=api.url, timeout=5) as http:
        return http.request(method, path, headers=headers, **kw)


def ns(name: str, **labels: str) -> Namespace:
    return Namespace(metadata=ObjectMeta(name=name, labels=labels or None))


def valkey(name: str = "valkey", namespace: str = "valkey", **spec: Any) -> Any:
    return Valkey(
        metadata=ObjectMeta(name=name, namespace=namespace),
        spec=spec or {"nodes": 1},
    )


def name_of(obj: Namespace | Secret) -> str:
    assert obj.metadata is not None
    assert obj.metadata.name is not None
    return obj.metadata.name


def api_error(excinfo: pytest.ExceptionInfo[ApiError]) -> Any:
    return excinfo.value.status


# ----------------------------------------------------------------- kubeconfig


def test_kubeconfig_contexts_select_the_server(fake_kubeconfig: KubeconfigFile) -> None:
    config = KubeConfig.from_file(fake_kubeconfig.path)
    assert config.current_context == "fake"
    with Client(config=config) as c:
        assert list(c.list(Namespace)) == []
    with (
        Client(config=KubeConfig.from_file(fake_kubeconfig.path).get("unreachable")) as c,
        pytest.raises(httpx.ConnectError),
    ):
        list(c.list(Namespace))


def test_wrong_token_is_401(fake_kube: FakeKubeApi) -> None:
    resp = raw(fake_kube, "GET", "/api/v1/namespaces", headers={"Authorization": "Bearer bad"})
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["reason"] == "Unauthorized"


# ----------------------------------------------------------- create / get / list


def test_create_returns_201_with_server_metadata(client: Client, fake_kube: FakeKubeApi) -> None:
    created = client.create(ns("valkey", team="data"))
    assert created.metadata is not None
    assert created.metadata.uid
    assert created.metadata.creationTimestamp is not None
    assert created.metadata.labels == {"team": "data", "kubernetes.io/metadata.name": "valkey"}
    assert created.status is not None
    assert created.status.phase == "Active"
    assert fake_kube.requests()[-1].status == 201
    with pytest.raises(ApiError) as excinfo:
        client.create(ns("valkey"))
    status = api_error(excinfo)
    assert (status.code, status.reason) == (409, "AlreadyExists")
    assert status.message == 'namespaces "valkey" already exists'


def test_namespaced_objects_need_their_namespace(client: Client) -> None:
    secret = Secret(metadata=ObjectMeta(name="pw", namespace="missing"), stringData={"k": "v"})
    with pytest.raises(ApiError) as excinfo:
        client.create(secret)
    assert api_error(excinfo).code == 404
    assert api_error(excinfo).message == 'namespaces "missing" not found'
    with pytest.raises(ApiError) as excinfo:
        client.apply(secret)
    assert api_error(excinfo).message == 'namespaces "missing" not found'


def test_get_missing_object_is_a_not_found_status(client: Client) -> None:
    client.create(ns("valkey"))
    with pytest.raises(ApiError) as excinfo:
        client.get(Valkey, "nope", namespace="valkey")
    status = api_error(excinfo)
    assert (status.code, status.reason) == (404, "NotFound")
    assert status.message == 'valkeys.hyperspike.io "nope" not found'
    assert status.details is not None
    assert (status.details.name, status.details.group, status.details.kind) == (
        "nope",
        "hyperspike.io",
        "valkeys",
    )


def test_error_bodies_are_exactly_application_json(fake_kube: FakeKubeApi) -> None:
    resp = raw(fake_kube, "GET", "/api/v1/namespaces/x/secrets/y")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body["kind"] == "Status"
    assert body["status"] == "Failure"


def test_secret_string_data_is_stored_as_base64_data(client: Client) -> None:
    client.create(ns("valkey"))
    secret = Secret(
        metadata=ObjectMeta(name="pw", namespace="valkey"), stringData={"password": "s3"}
    )
    client.create(secret)
    got = client.get(Secret, "pw", namespace="valkey")
    assert got.data == {"password": base64.b64encode(b"s3").decode()}
    assert got.stringData is None
    assert got.type == "Opaque"


@pytest.fixture
def labelled(client: Client, fake_kube: FakeKubeApi) -> None:
    for name in ("a", "b", "c", "d"):
        client.create(ns(name))
    labels = {
        "a": {"app": "valkey", "tier": "cache"},
        "b": {"app": "valkey", "tier": "store"},
        "c": {"app": "other"},
        "d": {},
    }
    for name, lab in labels.items():
        fake_kube.seed(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"s-{name}", "namespace": name, "labels": lab},
            }
        )


@pytest.mark.usefixtures("labelled")
@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"app": "valkey"}, ["s-a", "s-b"]),
        ({"app": operators.not_equal("valkey")}, ["s-c", "s-d"]),
        ({"tier": None}, ["s-a", "s-b"]),
        ({"tier": operators.not_exists()}, ["s-c", "s-d"]),
        ({"app": "valkey", "tier": "store"}, ["s-b"]),
    ],
)
def test_list_label_selectors(client: Client, labels: dict[str, Any], expected: list[str]) -> None:
    found = [name_of(s) for s in client.list(Secret, namespace="*", labels=labels)]
    assert sorted(found) == expected


def test_built_in_list_items_carry_no_kind(fake_kube: FakeKubeApi, client: Client) -> None:
    client.create(ns("valkey"))
    client.apply(valkey())
    items = raw(fake_kube, "GET", "/api/v1/namespaces").json()["items"]
    assert "kind" not in items[0]
    crs = raw(fake_kube, "GET", "/apis/hyperspike.io/v1/valkeys").json()
    assert crs["kind"] == "ValkeyList"
    assert crs["items"][0]["kind"] == "Valkey"


def test_all_namespaces_list_of_custom_resources(client: Client) -> None:
    for name in ("one", "two"):
        client.create(ns(name))
        client.apply(valkey(namespace=name))
    found = [(v.metadata.namespace, v.metadata.name) for v in client.list(Valkey, namespace="*")]
    assert found == [("one", "valkey"), ("two", "valkey")]


# ----------------------------------------------------------- server-side apply


def test_apply_creates_then_updates_and_tracks_generation(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    client.apply(ns("valkey"))
    first = client.apply(valkey(nodes=1))
    assert fake_kube.requests()[-1].status == 201
    assert first.metadata.generation == 1
    rv = first.metadata.resourceVersion
    same = client.apply(valkey(nodes=1))
    assert fake_kube.requests()[-1].status == 200
    assert same.metadata.resourceVersion == rv, "a no-op apply must not write"
    fake_kube.set_status("valkeys", "valkey", "valkey", {"ready": True})
    after_status = client.get(Valkey, "valkey", namespace="valkey")
    assert after_status.metadata.generation == 1, "status changes do not bump generation"
    assert int(after_status.metadata.resourceVersion) > int(rv)
    changed = client.apply(valkey(nodes=3))
    assert changed.metadata.generation == 2
    assert changed.status == {"ready": True}, "apply leaves status alone"
    entries = {m.manager: m for m in changed.metadata.managedFields}
    assert entries["wildside-valkey"].operation == "Apply"
    assert entries["wildside-valkey"].fieldsV1 == {"f:spec": {"f:nodes": {}}}
    assert entries["fake-controller"].subresource == "status"


def test_apply_ignores_status_in_the_applied_object(client: Client) -> None:
    client.apply(ns("valkey"))
    obj = valkey()
    obj["status"] = {"ready": True}
    created = client.apply(obj)
    assert created.status is None


def test_apply_conflict_names_the_other_manager(client: Client) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey(nodes=1), field_manager="other-manager")
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(nodes=3))
    status = api_error(excinfo)
    assert (status.code, status.reason) == (409, "Conflict")
    assert status.message == (
        'Apply failed with 1 conflict: conflict with "other-manager": .spec.nodes'
    )
    assert status.details is not None
    cause = status.details.causes[0]
    assert (cause.reason, cause.message, cause.field) == (
        "FieldManagerConflict",
        'conflict with "other-manager"',
        ".spec.nodes",
    )
    # The same value is shared ownership, not a conflict.
    shared = client.apply(valkey(nodes=1))
    assert sorted(m.manager for m in shared.metadata.managedFields) == [
        "other-manager",
        "wildside-valkey",
    ]
    forced = client.apply(valkey(nodes=3), force=True)
    assert forced.spec == {"nodes": 3}
    assert [m.manager for m in forced.metadata.managedFields] == ["wildside-valkey"]


def test_several_conflicts_are_listed_per_manager(client: Client) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey(nodes=1, replicas=0), field_manager="zeta")
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(nodes=2, replicas=1))
    assert api_error(excinfo).message == (
        'Apply failed with 2 conflicts: conflicts with "zeta":\n- .spec.nodes\n- .spec.replicas'
    )


def test_update_managers_take_fields_so_the_next_apply_conflicts(client: Client) -> None:
    client.apply(ns("valkey"))
    current = client.apply(valkey(nodes=1))
    # Like `kubectl scale`: a non-apply write by another manager.
    current.spec["nodes"] = 5
    client.replace(current, field_manager="kubectl")
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(nodes=1))
    message = api_error(excinfo).message
    assert message.startswith(
        'Apply failed with 1 conflict: conflict with "kubectl" using hyperspike.io/v1 at '
    )
    assert message.endswith(": .spec.nodes")


def test_seeded_owner_conflicts_like_an_earlier_client(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    client.apply(ns("valkey"))
    fake_kube.seed(
        {
            "apiVersion": "hyperspike.io/v1",
            "kind": "Valkey",
            "metadata": {"name": "valkey", "namespace": "valkey"},
            "spec": {"nodes": 1},
        },
        manager="helm",
        operation="Apply",
    )
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(nodes=2))
    assert api_error(excinfo).message.endswith('conflict with "helm": .spec.nodes')


def test_apply_removes_fields_its_manager_no_longer_sends(client: Client) -> None:
    client.apply(ns("valkey"))
    first = valkey(nodes=1, prometheus=True)
    first["metadata"].labels = {"keep": "1", "drop": "1"}
    client.apply(first)
    second = valkey(nodes=1)
    second["metadata"].labels = {"keep": "1"}
    after = client.apply(second)
    assert after.spec == {"nodes": 1}
    assert after.metadata.labels == {"keep": "1"}


def test_fields_owned_by_another_manager_survive_removal(client: Client) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey(nodes=1, prometheus=True))
    client.apply(valkey(prometheus=True), field_manager="other")
    after = client.apply(valkey(nodes=1))
    assert after.spec == {"nodes": 1, "prometheus": True}


# --------------------------------------------------------------------- delete


def test_delete_then_not_found(client: Client, fake_kube: FakeKubeApi) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey())
    client.delete(Valkey, "valkey", namespace="valkey", cascade=CascadeType.FOREGROUND)
    assert fake_kube.requests()[-1].query["propagationPolicy"] == "Foreground"
    assert fake_kube.get("valkeys", "valkey", "valkey") is None
    with pytest.raises(ApiError) as excinfo:
        client.delete(Valkey, "valkey", namespace="valkey")
    assert api_error(excinfo).code == 404


def test_deleting_a_namespace_deletes_its_content(client: Client, fake_kube: FakeKubeApi) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey())
    client.apply(ns("other"))
    client.apply(valkey(namespace="other"))
    client.delete(Namespace, "valkey")
    assert [o["metadata"]["namespace"] for o in fake_kube.objects("valkeys")] == ["other"]


def test_seeding_a_namespace_again_keeps_its_content(fake_kube: FakeKubeApi) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "valkey"}}
    first = fake_kube.seed(namespace)
    fake_kube.seed(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "valkey"}}
    )
    again = fake_kube.seed({**namespace, "metadata": {"name": "valkey", "labels": {"x": "1"}}})
    assert again["metadata"]["uid"] == first["metadata"]["uid"]
    assert again["metadata"]["labels"]["x"] == "1"
    assert fake_kube.get("secrets", "valkey", "s") is not None


# ------------------------------------------------------ RBAC and fault injection


def test_forbidden_uses_the_rbac_message(client: Client, fake_kube: FakeKubeApi) -> None:
    client.apply(ns("valkey"))
    fake_kube.forbid("create", "secrets", namespace="valkey")
    fake_kube.forbid("patch", "secrets", namespace="valkey")
    with pytest.raises(ApiError) as excinfo:
        client.create(Secret(metadata=ObjectMeta(name="pw", namespace="valkey")))
    status = api_error(excinfo)
    assert (status.code, status.reason) == (403, "Forbidden")
    assert status.message == (
        'secrets is forbidden: User "fake-user" cannot create resource "secrets" in API group "" '
        'in the namespace "valkey"'
    )
    with pytest.raises(ApiError) as excinfo:
        client.apply(Secret(metadata=ObjectMeta(name="pw", namespace="valkey")))
    assert api_error(excinfo).message == (
        'secrets "pw" is forbidden: User "fake-user" cannot patch resource "secrets" in API '
        'group "" in the namespace "valkey"'
    )
    fake_kube.forbid("list", "valkeys")
    with pytest.raises(ApiError) as excinfo:
        list(client.list(Valkey, namespace="*"))
    assert api_error(excinfo).message == (
        'valkeys.hyperspike.io is forbidden: User "fake-user" cannot list resource "valkeys" in '
        'API group "hyperspike.io" at the cluster scope'
    )


def test_429_carries_retry_after_then_clears(client: Client, fake_kube: FakeKubeApi) -> None:
    fake_kube.fail(429, method="POST", path="/namespaces$", retry_after=3)
    with pytest.raises(ApiError) as excinfo:
        client.create(ns("valkey"))
    assert excinfo.value.response.headers["Retry-After"] == "3"
    status = api_error(excinfo)
    assert (status.code, status.reason) == (429, "TooManyRequests")
    assert status.details is not None
    assert status.details.retryAfterSeconds == 3
    assert name_of(client.create(ns("valkey"))) == "valkey"
    assert [r.status for r in fake_kube.requests()] == [429, 201]


@pytest.mark.parametrize(("code", "reason"), [(500, "InternalError"), (503, "ServiceUnavailable")])
def test_server_errors_are_status_objects(
    client: Client, fake_kube: FakeKubeApi, code: int, reason: str
) -> None:
    fake_kube.fail(code, times=2)
    for _ in range(2):
        with pytest.raises(ApiError) as excinfo:
            client.get(Namespace, "x")
        assert (api_error(excinfo).code, api_error(excinfo).reason) == (code, reason)
    with pytest.raises(ApiError) as excinfo:
        client.get(Namespace, "x")
    assert api_error(excinfo).code == 404


# ---------------------------------------------------- reactors and simulators


def test_concurrent_clients_get_unique_monotonic_versions(
    fake_kubeconfig: KubeconfigFile, fake_kube: FakeKubeApi
) -> None:
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with Client(config=KubeConfig.from_file(fake_kubeconfig.path)) as c:
                for j in range(5):
                    c.create(ns(f"ns-{i}-{j}"))
        except BaseException as err:  # surfaced below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    versions = [int(o["metadata"]["resourceVersion"]) for o in fake_kube.objects("namespaces")]
    assert len(versions) == 40
    assert len(set(versions)) == 40


def test_external_secrets_simulation_creates_the_target(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    simulate_external_secrets(fake_kube, {"valkey/prod": {"password": "from-vault"}})
    client.apply(ns("valkey"))
    es = ExternalSecret(
        metadata=ObjectMeta(name="valkey-password", namespace="valkey"),
        spec={
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault-backend"},
            "target": {"name": "valkey-password", "creationPolicy": "Owner"},
            "data": [
                {
                    "secretKey": "password",
                    "remoteRef": {"key": "valkey/prod", "property": "password"},
                }
            ],
        },
    )
    client.apply(es)
    secret = client.get(Secret, "valkey-password", namespace="valkey")
    assert secret.data == {"password": base64.b64encode(b"from-vault").decode()}
    got = client.get(ExternalSecret, "valkey-password", namespace="valkey")
    assert got.status["conditions"][0]["reason"] == "SecretSynced"


def test_reactor_errors_are_reported(fake_kube: FakeKubeApi, client: Client) -> None:
    def broken(api: FakeKubeApi, event: Any) -> None:
        raise RuntimeError("boom")

    fake_kube.on("create", "namespaces", broken)
    client.create(ns("valkey"))
    assert "RuntimeError: boom" in fake_kube.internal_errors[0]
    fake_kube.internal_errors.clear()  # so the fixture does not fail this test


# ---------------------------------------------------------- CRDs and discovery


def test_installed_crd_schema_prunes_defaults_and_validates(
    client: Client, fake_kube: FakeKubeApi
) -> None:
    fake_kube.install_crd(crds_dir() / "hyperspike.io_valkeys.yaml")
    client.apply(ns("valkey"))
    base: dict[str, Any] = {
        "anonymousAuth": False,
        "clusterDomain": "cluster.local",
        "prometheus": False,
        "serviceMonitor": False,
        "volumePermissions": False,
    }
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(**base, tls="true"))
    status = api_error(excinfo)
    assert status.code == 422
    assert "spec.tls: 'true' is not of type 'boolean'" in status.message
    with pytest.raises(ApiError) as excinfo:
        client.apply(valkey(**base, externalAccess={"enabled": True, "type": "loadbalancer"}))
    assert (
        "spec.externalAccess.type: 'loadbalancer' is not one of ['LoadBalancer', 'Proxy']"
        in api_error(excinfo).message
    )
    created = client.apply(valkey(**base, storage={"size": "1Gi"}))
    assert "size" not in (created.spec.get("storage") or {}), "unknown fields are pruned"
    assert created.spec["nodes"] == 3, "the CRD default applies"


def test_installed_crd_rules_are_enforced_with_cel(client: Client, fake_kube: FakeKubeApi) -> None:
    # helm-controller v1.6.3's rule on HelmRelease.spec: exactly one of chart and chartRef.
    fake_kube.install_crd(crds_dir() / "helm.toolkit.fluxcd.io_helmreleases.yaml")
    client.apply(ns("flux-system"))
    release: dict[str, Any] = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "r", "namespace": "flux-system"},
        "spec": {"interval": "1h", "chartRef": {"kind": "OCIRepository", "name": "r"}},
    }
    path = "/apis/helm.toolkit.fluxcd.io/v2/namespaces/flux-system/helmreleases/r"

    def send(body: dict[str, Any]) -> httpx.Response:
        return raw(
            fake_kube,
            "PATCH",
            path,
            params={"fieldManager": "x"},
            headers={"Content-Type": "application/apply-patch+yaml"},
            content=json.dumps(body).encode(),
        )

    ok = send(release)
    assert ok.status_code == 201, ok.text
    chart = {"spec": {"chart": "c", "sourceRef": {"kind": "HelmRepository", "name": "r"}}}
    refused = send(dict(release, spec={**release["spec"], "chart": chart}))
    assert refused.status_code == 422
    assert "either chart or chartRef must be set" in refused.json()["message"]


# ------------------------------------------------------------------ the log


def test_request_log_records_what_the_client_sent(client: Client, fake_kube: FakeKubeApi) -> None:
    client.apply(ns("valkey"))
    client.apply(valkey(nodes=2), force=True)
    client.get(Valkey, "valkey", namespace="valkey")
    mutating = fake_kube.mutating_requests()
    assert [(r.method, r.status) for r in mutating] == [("PATCH", 201), ("PATCH", 201)]
    last = mutating[-1]
    assert last.content_type == "application/apply-patch+yaml"
    assert last.query == {"force": "true", "fieldManager": "wildside-valkey"}
    assert last.body["spec"] == {"nodes": 2}
    assert fake_kube.requests()[-1].method == "GET"
    fake_kube.clear_requests()
    assert fake_kube.requests() == []


# ------------------------------------------------- what is sent, and nothing else


# Measured (issue 13) by logging (method, content type, query keys) of every request
# during a full run of the tests that use the fake: the product's lightkube client,
# the helm stand-in (as helm's secrets driver) and real helm (tests/helm_real).
SERVED = {
    ("GET", None, ()),  # one object; real helm's /version
    ("GET", None, ("labelSelector",)),  # a list, in one namespace or all
    ("PATCH", "application/apply-patch+yaml", ("fieldManager",)),
    ("PATCH", "application/apply-patch+yaml", ("fieldManager", "force")),
    ("DELETE", None, ()),
    ("POST", "application/json", ()),  # the helm stand-in: release Secret, namespace
    ("PUT", "application/json", ()),  # the helm stand-in: release Secret status
}


def test_apply_and_destroy_send_only_the_request_shapes_the_fake_serves(
    fake_cluster: FakeCluster,
) -> None:
    plan = apply_plan_for(password_inline="pw", network_policy_enabled=True)
    fake_cluster.apply(plan)
    fake_cluster.apply(plan, force_conflicts=True)
    fake_cluster.destroy(plan)
    sent = {(r.method, r.content_type, tuple(sorted(r.query))) for r in fake_cluster.api.requests()}
    assert sent <= SERVED, "the product sends a request the fake does not serve: see SERVED"
    assert {(m, c) for m, c, _ in sent} >= {
        ("GET", None),
        ("PATCH", "application/apply-patch+yaml"),
        ("DELETE", None),
        ("POST", "application/json"),
    }


def test_what_the_fake_does_not_serve_is_refused_not_faked(fake_kube: FakeKubeApi) -> None:
    path = "/api/v1/namespaces/x"
    merge = {"Content-Type": "application/merge-patch+json"}
    assert raw(fake_kube, "PATCH", path, headers=merge, content=b"{}").status_code == 415
    assert raw(fake_kube, "DELETE", "/api/v1/namespaces").status_code == 405
    assert raw(fake_kube, "GET", "/apis/example.com/v1/widgets").status_code == 404


# ------------------------------------------------------------ transport faults


def test_transport_faults_fail_like_the_network(
    fake_kube: FakeKubeApi, fake_kubeconfig: KubeconfigFile
) -> None:
    config = KubeConfig.from_file(fake_kubeconfig.path)
    faults = [
        TransportFault("reset", method="GET"),
        TransportFault("close", method="GET"),
        TransportFault("timeout", method="PATCH"),
        TransportFault(method="GET", code=429, retry_after=2),
    ]
    with Client(config=config, field_manager="t", transport=FaultTransport(*faults)) as c:
        with pytest.raises(httpx.ReadError):
            c.get(Namespace, "x")
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(Namespace, "x")
        with pytest.raises(httpx.ReadTimeout):
            c.apply(ns("valkey"))
        assert fake_kube.get("namespaces", None, "valkey") is not None, "the server did write"
        with pytest.raises(ApiError) as excinfo:
            c.get(Namespace, "valkey")
        assert excinfo.value.response.headers["Retry-After"] == "2"
        assert (api_error(excinfo).code, api_error(excinfo).reason) == (429, "TooManyRequests")
        assert name_of(c.get(Namespace, "valkey")) == "valkey"
    assert [f.hits for f in faults] == [
        [("GET", "/api/v1/namespaces/x")],
        [("GET", "/api/v1/namespaces/x")],
        [("PATCH", "/api/v1/namespaces/valkey")],
        [("GET", "/api/v1/namespaces/valkey")],
    ]
