"""What the end-to-end tests do to the real cluster besides running the product.

Each helper makes the real control plane do something on demand, the way it
happens on any cluster: refuse a request (a ValidatingAdmissionPolicy, as an
admission controller would), act as a user with less access (a ServiceAccount
bound to a narrower ClusterRole, its token in a kubeconfig), leave no room for
new pods (the node cordoned), or leave helm's release record as a helm process
killed half-way leaves it.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.e2e.harness import cluster
from tests.e2e.harness.kube import JSON, ApiError, Kube, wait_for, write_kubeconfig_for

VAP = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
VAP_BINDINGS = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings"
NODE = f"/api/v1/nodes/{cluster.NODE}"
PROBE_NAMESPACE = "default"


def _cel(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid CEL string literal


@contextmanager
def refused(
    kube: Kube,
    *,
    resource: str,
    operations: Sequence[str] = ("CREATE", "UPDATE"),
    namespace: str | None = None,
    name: str | None = None,
    message: str = "refused by the end-to-end test",
) -> Iterator[None]:
    """The API server refuses these writes with 403 Forbidden while the block runs.

    A ValidatingAdmissionPolicy (built into kube-apiserver) with `reason: Forbidden`,
    as a cluster's policy controller would refuse them. It also refuses a probe
    ConfigMap of its own, so the block starts only once the server enforces it.
    """
    tag = f"e2e-refuse-{secrets.token_hex(3)}"
    probe = f"{tag}-probe"
    # A request may lack a name (a deletecollection, as the namespace controller sends):
    # has() first, or the expression errs, and an error refuses the request.
    conditions = [f"request.resource.resource == {_cel(resource)}"]
    if namespace is not None:
        conditions.append(f"has(request.namespace) && request.namespace == {_cel(namespace)}")
    if name is not None:
        conditions.append(f"has(request.name) && request.name == {_cel(name)}")
    matched = " && ".join(conditions)
    is_probe = (
        'request.resource.resource == "configmaps" && has(request.name) '
        f"&& request.name == {_cel(probe)}"
    )
    policy: JSON = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": tag},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": ["*"],
                        "apiVersions": ["*"],
                        "resources": [resource, "configmaps"],
                        "operations": sorted({*operations, "CREATE"}),
                    }
                ]
            },
            "matchConditions": [{"name": "targeted", "expression": f"({matched}) || ({is_probe})"}],
            "validations": [{"expression": "false", "message": message, "reason": "Forbidden"}],
        },
    }
    binding: JSON = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": tag},
        "spec": {"policyName": tag, "validationActions": ["Deny"]},
    }
    kube.create(VAP, policy)
    kube.create(VAP_BINDINGS, binding)
    try:
        wait_for(
            f"the admission policy {tag} to be enforced",
            lambda: _probe_refused(kube, probe),
            timeout=30,
        )
        yield
    finally:
        kube.delete(f"{VAP_BINDINGS}/{tag}")
        kube.delete(f"{VAP}/{tag}")
        wait_for(
            f"the admission policy {tag} to be lifted",
            lambda: not _probe_refused(kube, probe),
            timeout=30,
        )


def _probe_refused(kube: Kube, probe: str) -> bool:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": probe}}
    try:
        kube.create(f"/api/v1/namespaces/{PROBE_NAMESPACE}/configmaps?dryRun=All", body)
    except ApiError as error:
        return error.status == 403
    return False


@contextmanager
def cordoned(kube: Kube) -> Iterator[None]:
    """No new pod can be scheduled while the block runs (`kubectl cordon` of the one node)."""
    kube.merge_patch(NODE, {"spec": {"unschedulable": True}})
    try:
        yield
    finally:
        kube.merge_patch(NODE, {"spec": {"unschedulable": False}})


def limited_kubeconfig(
    kube: Kube,
    state: cluster.State,
    path: Path,
    rules: Sequence[Mapping[str, Any]],
) -> tuple[Path, str]:
    """A kubeconfig for a new ServiceAccount allowed only `rules` (a ClusterRole's rules),
    and the user name the API server gives it."""
    name = f"e2e-limited-{secrets.token_hex(3)}"
    namespace = PROBE_NAMESPACE
    kube.create(
        f"/api/v1/namespaces/{namespace}/serviceaccounts",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
    )
    kube.create(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name},
            "rules": [dict(rule) for rule in rules],
        },
    )
    kube.create(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": name,
            },
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
    )
    answer = kube.create(
        f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
    )
    user = f"system:serviceaccount:{namespace}:{name}"
    write_token_kubeconfig(path, state, answer["status"]["token"], context=name)
    return path, user


def write_token_kubeconfig(path: Path, state: cluster.State, token: str, *, context: str) -> Path:
    return write_kubeconfig_for(
        path, state.server, state.pki.ca_cert, {"token": token}, context=context
    )


ALL_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")
# The core types apply mode, helm and destroy's look into a namespace touch.
CORE = (
    "namespaces",
    "secrets",
    "configmaps",
    "pods",
    "persistentvolumeclaims",
    "services",
    "serviceaccounts",
    "events",
    "endpoints",
)
GROUPS = (
    "apps",
    "batch",
    "policy",
    "networking.k8s.io",
    "apiextensions.k8s.io",
    "hyperspike.io",
    "external-secrets.io",
    "cert-manager.io",
    "monitoring.coreos.com",
)


def everything_but(verb: str, resource: str, group: str = "") -> list[JSON]:
    """ClusterRole rules allowing every verb on every type, except `verb` on `resource`.

    RBAC only grants, so for `verb` the other types are named one by one (the core types
    in CORE, every type of the groups in GROUPS; `group` must hold `resource` alone).
    """
    others = [r for r in CORE if r != resource] if group == "" else ["*"]
    return [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": [v for v in ALL_VERBS if v != verb]},
        {"nonResourceURLs": ["*"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": others, "verbs": [verb]},
        {"apiGroups": [g for g in GROUPS if g != group], "resources": ["*"], "verbs": [verb]},
    ]


# ----------------------------------------------------------- helm's release record
#
# helm's storage drivers (pkg/storage/driver, v4.1.4 and v3.21.4 alike): one object per
# revision, `sh.helm.release.v1.<name>.v<revision>`, labels owner=helm, name, status and
# version, `data.release` = base64(gzip(json)) (util.go encodeRelease). A Secret's data is
# base64 again on the wire; a ConfigMap's (HELM_DRIVER=configmap) is not.

STORAGE = {
    "secrets": "/api/v1/namespaces/{ns}/secrets",
    "configmaps": "/api/v1/namespaces/{ns}/configmaps",
}


def release_secrets(
    kube: Kube, namespace: str, release: str, driver: str = "secrets"
) -> list[JSON]:
    """helm's record of each revision of `release`, oldest first."""
    path = STORAGE[driver].format(ns=namespace)
    found = list(kube.items(path, labelSelector=f"owner=helm,name={release}"))
    return sorted(found, key=lambda s: int(s["metadata"]["labels"]["version"]))


def decode_release(stored: Mapping[str, Any], driver: str = "secrets") -> JSON:
    """helm's `decodeRelease` of a stored revision."""
    data = stored["data"]["release"]
    payload = base64.b64decode(base64.b64decode(data) if driver == "secrets" else data)
    record: JSON = json.loads(gzip.decompress(payload))
    return record


def encode_release(record: Mapping[str, Any], driver: str = "secrets") -> str:
    """helm's `encodeRelease`, as the stored object's data holds it."""
    packed = base64.b64encode(gzip.compress(json.dumps(record).encode(), compresslevel=9))
    return (base64.b64encode(packed) if driver == "secrets" else packed).decode()


def leave_pending(
    kube: Kube,
    namespace: str,
    release: str,
    status: str,
    *,
    config: Mapping[str, Any] | None = None,
    replace: bool = False,
    driver: str = "secrets",
) -> JSON:
    """What a helm process killed half-way through leaves: the newest revision `status`.

    With `replace`, the newest revision itself is rewritten (a first install killed
    before it deployed); otherwise a new revision copied from it is written as helm
    writes one before it starts to work (an upgrade or rollback killed half-way).
    Returns the record written.
    """
    path = STORAGE[driver].format(ns=namespace)
    newest = release_secrets(kube, namespace, release, driver)[-1]
    record = decode_release(newest, driver)
    record["info"]["status"] = status
    record["info"]["description"] = "Killed half-way (end-to-end test)"
    if config is not None:
        record["config"] = dict(config)
    if not replace:
        record["version"] = int(record["version"]) + 1
    version = str(record["version"])
    stored: JSON = {
        "metadata": {
            "name": f"sh.helm.release.v1.{release}.v{version}",
            "labels": {**newest["metadata"]["labels"], "status": status, "version": version},
        },
        "data": {"release": encode_release(record, driver)},
    }
    if driver == "secrets":
        stored["type"] = newest["type"]
    if replace:
        kube.delete(f"{path}/{newest['metadata']['name']}")
    kube.create(path, stored)
    return record
