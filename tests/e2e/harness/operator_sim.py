"""The operator stand-in, run as a controller against the real API server.

Until the real valkey-operator can be built here, the project's simulation
(simulation.py, each behaviour citing valkey-operator v0.0.61 and pinned by
tests/e2e/test_operator_sim.py) reconciles every Valkey through this adapter:
it creates the password Secret, the PodDisruptionBudget and the StatefulSet as
the operator does. The rest is real: the StatefulSet controller
(kube-controller-manager) makes the pods, the scheduler places them, kwok runs
them, and the Valkey gets `status.ready` once the real StatefulSet reports
every pod ready and updated. External Secrets is played the same way: each
ExternalSecret gets its target Secret from the harness's vault.

It also binds volumes for the harness's StorageClass, as an external
provisioner does (kubernetes-sigs/sig-storage-lib-external-provisioner,
controller/controller.go: a PersistentVolume per pending claim with `claimRef`
set and the `pv.kubernetes.io/provisioned-by` annotation; a Released volume of
a Delete class is deleted), since no kubelet can mount anything here.

    python -m tests.e2e.harness.operator_sim KUBECONFIG STORAGE_CLASS
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .kube import JSON, ApiError, Identity, Kube
from .objects import PROVISIONER
from .simulation import OPERATOR_MANAGER, ExternalSecretsSim, ValkeyOperatorSim

# resource -> (collection path, apiVersion, kind) of what the simulations read and write.
TYPES = {
    "secrets": ("/api/v1/namespaces/{ns}/secrets", "v1", "Secret"),
    "poddisruptionbudgets": (
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
        "policy/v1",
        "PodDisruptionBudget",
    ),
    "statefulsets": ("/apis/apps/v1/namespaces/{ns}/statefulsets", "apps/v1", "StatefulSet"),
    "valkeys": ("/apis/hyperspike.io/v1/namespaces/{ns}/valkeys", "hyperspike.io/v1", "Valkey"),
    "externalsecrets": (
        "/apis/external-secrets.io/v1/namespaces/{ns}/externalsecrets",
        "external-secrets.io/v1",
        "ExternalSecret",
    ),
    "servicemonitors": (
        "/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors",
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
    ),
    "certificates": (
        "/apis/cert-manager.io/v1/namespaces/{ns}/certificates",
        "cert-manager.io/v1",
        "Certificate",
    ),
}
INTERVAL = 0.25


class LiveApi:
    """The three calls the simulations make, against the real API server.

    The real operator uses controller-runtime's client: Create, then Update
    (operation "Update" in managedFields, manager "manager"), never apply.
    """

    def __init__(self, kube: Kube) -> None:
        self.kube = kube

    def get(self, resource: str, ns: str | None, name: str) -> JSON | None:
        return self.kube.get(f"{TYPES[resource][0].format(ns=ns)}/{name}")

    def seed(self, obj: Mapping[str, Any], *, manager: str = OPERATOR_MANAGER) -> JSON:
        body = {k: v for k, v in obj.items() if k != "status"}  # status goes through /status
        meta = body["metadata"]
        resource = next(r for r, t in TYPES.items() if t[1:] == (obj["apiVersion"], obj["kind"]))
        collection = TYPES[resource][0].format(ns=meta["namespace"])
        query = f"?fieldManager={manager}"
        if self.get(resource, meta["namespace"], meta["name"]) is None:
            return self.kube.create(collection + query, body)
        return self.kube.merge_patch(f"{collection}/{meta['name']}{query}", body)

    def set_status(
        self,
        resource: str,
        ns: str | None,
        name: str,
        status: Mapping[str, Any],
        *,
        manager: str = OPERATOR_MANAGER,
    ) -> JSON:
        path = f"{TYPES[resource][0].format(ns=ns)}/{name}/status?fieldManager={manager}"
        return self.kube.merge_patch(path, {"status": dict(status)})


def rolled_out(sts: Mapping[str, Any]) -> bool:
    """The StatefulSet controller's own report: current generation, every pod updated and ready."""
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    want = int(spec.get("replicas", 1))
    return (
        status.get("observedGeneration") == (sts.get("metadata") or {}).get("generation")
        and int(status.get("readyReplicas", 0)) == want
        and int(status.get("updatedReplicas", 0)) == want
        and int(status.get("replicas", 0)) == want
        and status.get("currentRevision") == status.get("updateRevision")
    )


def reconcile_valkeys(kube: Kube, sim: ValkeyOperatorSim) -> None:
    api = LiveApi(kube)
    for valkey in kube.items("/apis/hyperspike.io/v1/valkeys"):
        meta = valkey["metadata"]
        ns, name = meta["namespace"], meta["name"]
        if meta.get("deletionTimestamp"):
            continue
        if not sim.reconcile(api, ns, name):
            continue
        sts = api.get("statefulsets", ns, name)
        if sts is not None and rolled_out(sts):
            sim.formed(api, ns, name)


def sync_external_secrets(kube: Kube, eso: ExternalSecretsSim) -> None:
    api = LiveApi(kube)
    for external in kube.items("/apis/external-secrets.io/v1/externalsecrets"):
        if not external["metadata"].get("deletionTimestamp"):
            eso.sync(api, external)


def bind_volumes(kube: Kube, storage_class: str) -> None:
    for claim in kube.items("/api/v1/persistentvolumeclaims"):
        spec, meta = claim.get("spec") or {}, claim["metadata"]
        if spec.get("storageClassName") != storage_class or spec.get("volumeName"):
            continue
        if meta.get("deletionTimestamp"):
            continue
        name = f"pvc-{meta['uid']}"
        if kube.get(f"/api/v1/persistentvolumes/{name}") is not None:
            continue
        volume: JSON = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": name,
                "annotations": {"pv.kubernetes.io/provisioned-by": PROVISIONER},
            },
            "spec": {
                "capacity": {"storage": spec["resources"]["requests"]["storage"]},
                "accessModes": spec.get("accessModes") or ["ReadWriteOnce"],
                "storageClassName": storage_class,
                "persistentVolumeReclaimPolicy": "Delete",
                "hostPath": {"path": f"/e2e-volumes/{name}"},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": meta["namespace"],
                    "name": meta["name"],
                    "uid": meta["uid"],
                },
            },
        }
        kube.create("/api/v1/persistentvolumes?fieldManager=e2e-provisioner", volume)
    for volume in kube.items("/api/v1/persistentvolumes"):
        annotations = volume["metadata"].get("annotations") or {}
        phase = (volume.get("status") or {}).get("phase")
        if annotations.get("pv.kubernetes.io/provisioned-by") == PROVISIONER and phase in (
            "Released",
            "Failed",
        ):
            kube.delete(f"/api/v1/persistentvolumes/{volume['metadata']['name']}")


def identity_from(kubeconfig: Path) -> Identity:
    config = yaml.safe_load(kubeconfig.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    return Identity(
        cluster["server"],
        Path(cluster["certificate-authority"]),
        Path(user["client-certificate"]),
        Path(user["client-key"]),
    )


def run(kubeconfig: Path, storage_class: str) -> None:
    heartbeat = kubeconfig.parents[1] / "operator-sim.heartbeat"
    sim, eso = ValkeyOperatorSim(), ExternalSecretsSim()
    with Kube(identity_from(kubeconfig)) as kube:
        while True:
            try:
                reconcile_valkeys(kube, sim)
                sync_external_secrets(kube, eso)
                bind_volumes(kube, storage_class)
                heartbeat.touch()
            except ApiError as error:
                # Conflicts and objects deleted under us: the next pass sees the new state.
                print(f"requeue: {error}", flush=True)
            except Exception:  # a controller keeps running, and says what went wrong
                traceback.print_exc()
                sys.stdout.flush()
            time.sleep(INTERVAL)


if __name__ == "__main__":
    run(Path(sys.argv[1]), sys.argv[2])
