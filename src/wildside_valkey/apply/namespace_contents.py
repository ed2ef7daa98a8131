"""What else lives in a namespace destroy would delete: anything that is neither ours nor
made by the operator for our ``Valkey`` keeps the namespace (deleting a namespace deletes
all it holds: another app's workload, claim or settings).

"Made for our Valkey" follows what the real controllers leave behind (valkey-operator
v0.0.61, internal/controller/valkey_controller.go): every object it creates carries a
controller reference to the ``Valkey`` (``SetControllerReference``: Secret line 1605, PDB
line 2030, StatefulSet, Services, Certificates, the proxy Deployment), and their own
children point at them in turn (Pods, ReplicaSets, CertificateRequests), so ownership is
followed from our objects' uids. Two kinds of leftovers carry no owner reference:
the StatefulSet's PersistentVolumeClaims (``valkey-data-<name>-<ordinal>``, labelled
from the claim template with the Valkey's pod labels, line ~2170) and cert-manager's
certificate Secrets (annotation ``cert-manager.io/certificate-name``: ``<name>`` or
``<name>-proxy``). Kubernetes itself puts ConfigMap ``kube-root-ca.crt`` and
ServiceAccount ``default`` into every namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..variables.derived_names import proxy_service_name
from .api_errors import ApiRequestError
from .client import KubeClient
from .kinds import (
    CONFIG_MAP,
    EXTERNAL_SECRET,
    POD_DISRUPTION_BUDGET,
    SECRET,
    STATEFUL_SET,
    VALKEY,
    Kind,
)

# The kinds a namespace's tenants commonly hold; a type the cluster does not serve is skipped.
INSPECTED: tuple[Kind, ...] = (
    Kind("", "v1", "Pod", "pods", namespaced=True),
    Kind("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", namespaced=True),
    CONFIG_MAP,
    SECRET,
    Kind("", "v1", "Service", "services", namespaced=True),
    Kind("", "v1", "ServiceAccount", "serviceaccounts", namespaced=True),
    Kind("apps", "v1", "Deployment", "deployments", namespaced=True),
    Kind("apps", "v1", "ReplicaSet", "replicasets", namespaced=True),
    STATEFUL_SET,
    Kind("apps", "v1", "DaemonSet", "daemonsets", namespaced=True),
    Kind("batch", "v1", "Job", "jobs", namespaced=True),
    Kind("batch", "v1", "CronJob", "cronjobs", namespaced=True),
    POD_DISRUPTION_BUDGET,
    VALKEY,
    EXTERNAL_SECRET,
    Kind("cert-manager.io", "v1", "Certificate", "certificates", namespaced=True),
    Kind("cert-manager.io", "v1", "CertificateRequest", "certificaterequests", namespaced=True),
)
_PLATFORM_MADE = {("ConfigMap", "kube-root-ca.crt"), ("ServiceAccount", "default")}
_CERT_ANNOTATION = "cert-manager.io/certificate-name"


def foreign_objects(
    kube: KubeClient, namespace: str, our_uids: Iterable[str], cluster_name: str
) -> list[str]:
    """``Kind namespace/name`` of every object there that is not ours nor the operator's
    for our Valkey; an inspection the API refuses is named too (keeping is the safe side)."""
    listed: list[dict[str, Any]] = []
    refused: list[str] = []
    for kind in INSPECTED:
        try:
            listed.extend(kube.list(kind, namespace))
        except ApiRequestError as error:
            if error.status_code != 403:
                raise
            refused.append(f"{kind.kind} (listing is forbidden, so they could not be checked)")
    derived = _derived_uids(listed, set(our_uids))
    foreign = [
        f"{obj.get('kind')} {namespace}/{_name(obj)}"
        for obj in listed
        if _uid(obj) not in derived and not _leftover(obj, cluster_name)
    ]
    return sorted(foreign) + refused


def _derived_uids(objects: Sequence[Mapping[str, Any]], uids: set[str]) -> set[str]:
    """Our uids, and those of every object owned, at any depth, by one of them or only by
    owners that are gone.

    The garbage collector removes the operator's objects after the Valkey, in the
    background and level by level (kube-controller-manager's garbage collector, as seen
    against the real one): right after our Valkey is deleted, or after a destroy that
    stopped half-way, a Pod can still name a StatefulSet that is already gone. An object
    whose owners are all gone is being collected, so it is not a tenant. An owner counts
    as gone only when it is of a kind listed here and absent from the listing; an owner of
    any other kind might exist, so its objects stay foreign (keeping is the safe side).
    """
    present = {_uid(obj) for obj in objects}
    listed_kinds = {kind.kind for kind in INSPECTED}
    known = set(uids)

    def collected(owner: Mapping[str, Any]) -> bool:
        return owner.get("kind") in listed_kinds and owner.get("uid") not in present

    changed = True
    while changed:
        changed = False
        for obj in objects:
            uid = _uid(obj)
            if uid in known:
                continue
            owners = [
                o
                for o in (obj.get("metadata") or {}).get("ownerReferences") or []
                if isinstance(o, Mapping)
            ]
            if any(o.get("uid") in known for o in owners) or (
                owners and all(collected(o) for o in owners)
            ):
                known.add(uid)
                changed = True
    return known


def _leftover(obj: Mapping[str, Any], cluster_name: str) -> bool:
    kind = str(obj.get("kind"))
    name = _name(obj)
    metadata = obj.get("metadata") or {}
    if (kind, name) in _PLATFORM_MADE:
        return True
    if kind == "PersistentVolumeClaim":
        labels = metadata.get("labels") or {}
        return (
            name.startswith(f"valkey-data-{cluster_name}-")
            and labels.get("app.kubernetes.io/instance") == cluster_name
            and labels.get("app.kubernetes.io/name") == "valkey"
        )
    if kind == SECRET.kind:
        certificate = (metadata.get("annotations") or {}).get(_CERT_ANNOTATION)
        return certificate in (cluster_name, proxy_service_name(cluster_name))
    return False


def _uid(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))
