"""Controllers played by reactors: the valkey-operator and External Secrets.

On a cluster, apply mode creates objects and then other controllers act on
them. These helpers install reactors on a `FakeKubeApi` that do the parts apply
mode observes, as the real controllers do them (docs/design.md;
each behaviour of the operator below cites hyperspike/valkey-operator v0.0.61,
internal/controller/valkey_controller.go, and is pinned by
tests/apply/test_operator_sim.py):

* the operator creates Secret `<name>` (key `password`) when the Valkey has no
  `servicePassword` and `anonymousAuth` is false, its own PodDisruptionBudget
  `<name>`, and the StatefulSet `<name>` with nodes × (replicas + 1) pods;
  with a `servicePassword` it goes no further until that Secret exists;
* the StatefulSet rolls out over several reads (one pod per read, after the
  generation is observed), as the StatefulSet controller would;
* the Valkey has no `status` at all until every pod has joined, then
  `status: {ready: true}` and nothing else: no conditions, no
  `observedGeneration`, never false again (later spec changes only change the
  StatefulSet, which rolls out again);
* External Secrets creates the target Secret of an ExternalSecret from a
  dictionary of vault values and marks the ExternalSecret Ready.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.kube_api import Event, FakeKubeApi, now_rfc3339

OPERATOR_MANAGER = "manager"  # controller-runtime's default field manager name
ESO_MANAGER = "external-secrets"
# v0.0.61 cfg default image when the Valkey names none (the value only has to be stable here).
DEFAULT_IMAGE = "ghcr.io/hyperspike/valkey:8.0.2"


def _condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": now_rfc3339(),
    }


def pods_of(spec: Mapping[str, Any]) -> int:
    """v0.0.61 line 2278: StatefulSet replicas = Shards * (Replicas + 1) (CRD default 3 shards)."""
    return int(spec.get("nodes", 3)) * (int(spec.get("replicas", 0)) + 1)


DEFAULT_VOLUME_SIZE = "8Gi"  # v0.0.61 line 65


def claim_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The StatefulSet's claim template spec: the Valkey's `storage.spec`, else the default."""
    storage = (spec.get("storage") or {}).get("spec")
    if storage:
        return dict(storage)
    return {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": DEFAULT_VOLUME_SIZE}},
    }


@dataclass
class ValkeyOperatorSim:
    """State of the simulated operator, for assertions (`created`, `ready`).

    `stalled` stops every rollout (pods never become ready: no capacity, say).
    `ready_after_seconds` finishes a rollout on a timer, for clients that only watch.
    """

    stalled: bool = False
    ready_after_seconds: float | None = None
    password: str = "generated-pass16"
    create_pdb: bool = True
    created: list[str] = field(default_factory=list)
    ready: set[tuple[str, str]] = field(default_factory=set)

    def install(self, api: FakeKubeApi) -> ValkeyOperatorSim:
        api.on(["create", "update"], "valkeys", self._on_write)
        api.on("get", "valkeys", self._on_read)
        api.on("get", "statefulsets", self._on_read)
        return self

    # ---------------------------------------------------------------- reconcile

    def _on_write(self, api: FakeKubeApi, event: Event) -> None:
        if event.subresource == "status" or event.obj is None:
            return
        self._reconcile(api, event.namespace or "default", event.name)
        if self.ready_after_seconds is not None:
            timer = threading.Timer(
                self.ready_after_seconds,
                self._finish_later,
                args=(api, event.namespace, event.name),
            )
            timer.daemon = True
            timer.start()

    def _reconcile(self, api: FakeKubeApi, ns: str, name: str) -> bool:
        """One pass of Reconcile (v0.0.61 lines ~150-235); False when it stopped with an error."""
        obj = api.get("valkeys", ns, name)
        if obj is None:
            return False
        spec = obj.get("spec") or {}
        labels = {
            **((obj.get("metadata") or {}).get("labels") or {}),
            "app.kubernetes.io/name": "valkey",
            "app.kubernetes.io/instance": name,
            "app.kubernetes.io/component": "valkey",
        }
        owner = [
            {
                "apiVersion": "hyperspike.io/v1",
                "kind": "Valkey",
                "name": name,
                "uid": obj["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        ref = spec.get("servicePassword") or {}
        if ref.get("name") and api.get("secrets", ns, str(ref["name"])) is None:
            # upsertSecret returns the error before the StatefulSet (line ~205); no status.
            return False
        wants_password = not spec.get("anonymousAuth") and not ref
        if wants_password and api.get("secrets", ns, name) is None:
            api.seed(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {
                        "name": name,
                        "namespace": ns,
                        "labels": labels,
                        "ownerReferences": owner,
                    },
                    "data": {"password": base64.b64encode(self.password.encode()).decode()},
                },
                manager=OPERATOR_MANAGER,
            )
            self.created.append(f"secrets/{ns}/{name}")
        if self.create_pdb and api.get("poddisruptionbudgets", ns, name) is None:
            api.seed(
                {
                    "apiVersion": "policy/v1",
                    "kind": "PodDisruptionBudget",
                    "metadata": {
                        "name": name,
                        "namespace": ns,
                        "labels": labels,
                        "ownerReferences": owner,
                    },
                    "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}},
                },
                manager=OPERATOR_MANAGER,
            )
            self.created.append(f"poddisruptionbudgets/{ns}/{name}")
        self._upsert_statefulset(api, ns, name, spec, labels=labels, owner=owner)
        return True

    def _upsert_statefulset(
        self,
        api: FakeKubeApi,
        ns: str,
        name: str,
        spec: Mapping[str, Any],
        *,
        labels: Mapping[str, str],
        owner: list[dict[str, Any]],
    ) -> None:
        """upsertStatefulSet (line 2257): created once; replicas (2623) and image (2633)
        are updated in place. Resources are not compared in v0.0.61, so a resources-only
        change leaves the StatefulSet as it is."""
        pods = pods_of(spec)
        image = str(spec.get("image") or DEFAULT_IMAGE)
        existing = api.get("statefulsets", ns, name)
        if existing is not None:
            current = existing["spec"]
            container = current["template"]["spec"]["containers"][0]
            if current["replicas"] == pods and container["image"] == image:
                return
        body = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": dict(labels),
                "ownerReferences": owner,
            },
            "spec": {
                "replicas": pods,
                "serviceName": f"{name}-headless",
                "selector": {"matchLabels": dict(labels)},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [{"name": "valkey", "image": image}]},
                },
                # Lines 2170-2205: the claim template is always there, from spec.storage
                # (a whole PVC spec) or the 8Gi default (line 65). The real API server refuses
                # a template without access modes and a size.
                "volumeClaimTemplates": [
                    {"metadata": {"name": "valkey-data"}, "spec": claim_spec(spec)}
                ],
            },
        }
        if existing is None:
            # The StatefulSet controller observes a new object at once; its pods take longer.
            body["status"] = {"observedGeneration": 1, "replicas": pods, "updatedReplicas": 0}
            self.created.append(f"statefulsets/{ns}/{name}")
        else:
            body["status"] = existing.get("status") or {}
        api.seed(body, manager=OPERATOR_MANAGER)

    # ------------------------------------------------------------------ rollout

    def _on_read(self, api: FakeKubeApi, event: Event) -> None:
        if self.stalled:
            return
        self._step(api, event.namespace or "default", event.name)

    def _step(self, api: FakeKubeApi, ns: str, name: str) -> None:
        """One step of the world between two reads: the controller requeues, the
        StatefulSet controller observes the generation, then one more pod is ready."""
        if not self._reconcile(api, ns, name):
            return
        sts = api.get("statefulsets", ns, name)
        if sts is None:
            return
        generation = sts["metadata"].get("generation", 1)
        want = sts["spec"]["replicas"]
        status = dict(sts.get("status") or {})
        if status.get("observedGeneration") != generation:
            # A new revision: its pods are replaced one by one from here.
            status.update(observedGeneration=generation, replicas=want, updatedReplicas=0)
            status["readyReplicas"] = min(int(status.get("readyReplicas", 0)), want)
        elif int(status.get("updatedReplicas", 0)) < want:
            status["updatedReplicas"] = int(status.get("updatedReplicas", 0)) + 1
            status["readyReplicas"] = status["updatedReplicas"]
        else:
            self._formed(api, ns, name)
            return
        status["availableReplicas"] = status.get("readyReplicas", 0)
        api.set_status(
            "statefulsets", ns, name, status, merge=False, manager="kube-controller-manager"
        )

    def _formed(self, api: FakeKubeApi, ns: str, name: str) -> None:
        """checkState (lines 310-327): once the cluster answers, `ready: true` and nothing else;
        no code path writes it back to false."""
        key = (ns, name)
        valkey = api.get("valkeys", ns, name) or {}
        if key in self.ready and (valkey.get("status") or {}).get("ready"):
            return
        api.set_status("valkeys", ns, name, {"ready": True}, merge=False, manager=OPERATOR_MANAGER)
        self.ready.add(key)

    def _finish_later(self, api: FakeKubeApi, ns: str | None, name: str) -> None:
        # The Valkey may be gone by then; that is not an error of the test.
        with contextlib.suppress(KeyError):
            for _ in range(2 * pods_of((api.get("valkeys", ns, name) or {}).get("spec") or {}) + 3):
                self._step(api, ns or "default", name)


def simulate_valkey_operator(
    api: FakeKubeApi,
    *,
    stalled: bool = False,
    ready_after_seconds: float | None = None,
    create_pdb: bool = True,
) -> ValkeyOperatorSim:
    """Install the operator's reactors: each read of the Valkey or its StatefulSet moves
    the rollout one step, and/or a timer finishes it (None disables the timer)."""
    return ValkeyOperatorSim(
        stalled=stalled,
        ready_after_seconds=ready_after_seconds,
        create_pdb=create_pdb,
    ).install(api)


@dataclass
class ExternalSecretsSim:
    """`values[remoteRef.key][remoteRef.property]` is what the vault holds."""

    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    synced: list[str] = field(default_factory=list)

    def install(self, api: FakeKubeApi) -> ExternalSecretsSim:
        api.on(["create", "update"], "externalsecrets", self._sync)
        return self

    def _sync(self, api: FakeKubeApi, event: Event) -> None:
        if event.subresource == "status" or event.obj is None:
            return
        obj = event.obj
        ns = event.namespace or "default"
        spec = obj.get("spec") or {}
        target = spec.get("target") or {}
        secret_name = str(target.get("name") or event.name)
        data: dict[str, str] = {}
        missing: list[str] = []
        for item in spec.get("data") or []:
            ref = item.get("remoteRef") or {}
            key, prop = str(ref.get("key", "")), str(ref.get("property", ""))
            value = (self.values.get(key) or {}).get(prop)
            if value is None:
                missing.append(f"{key}#{prop}")
                continue
            data[str(item.get("secretKey"))] = base64.b64encode(value.encode()).decode()
        if missing:
            api.set_status(
                "externalsecrets",
                ns,
                event.name,
                {
                    "conditions": [
                        _condition(
                            "Ready",
                            False,
                            "SecretSyncedError",
                            f"could not get secret data from provider: {', '.join(missing)}",
                        )
                    ]
                },
                manager=ESO_MANAGER,
            )
            return
        api.seed(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": secret_name,
                    "namespace": ns,
                    "labels": {"reconcile.external-secrets.io/managed": "true"},
                    "ownerReferences": [
                        {
                            "apiVersion": "external-secrets.io/v1",
                            "kind": "ExternalSecret",
                            "name": event.name,
                            "uid": obj["metadata"]["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "type": "Opaque",
                "data": data,
            },
            manager=ESO_MANAGER,
        )
        api.set_status(
            "externalsecrets",
            ns,
            event.name,
            {
                "refreshTime": now_rfc3339(),
                "binding": {"name": secret_name},
                "conditions": [
                    _condition("Ready", True, "SecretSynced", "secret synced"),
                ],
            },
            manager=ESO_MANAGER,
        )
        self.synced.append(f"{ns}/{secret_name}")


def simulate_external_secrets(
    api: FakeKubeApi, values: Mapping[str, Mapping[str, str]]
) -> ExternalSecretsSim:
    """Install ESO's reactor with vault content `{path: {property: value}}`."""
    return ExternalSecretsSim(values=values).install(api)


VALKEY_CRD_NAME = "valkeys.hyperspike.io"


def valkey_crd(
    *, established: bool = True, schema: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The operator chart's CustomResourceDefinition, as the API server reports it.

    Without `schema` the fake stores Valkey objects as sent (no pruning or
    defaulting); pass the real CRD's openAPIV3Schema to get both.
    """
    version: dict[str, Any] = {
        "name": "v1",
        "served": True,
        "storage": True,
        "subresources": {"status": {}},
    }
    if schema is not None:
        version["schema"] = {"openAPIV3Schema": dict(schema)}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": VALKEY_CRD_NAME},
        "spec": {
            "group": "hyperspike.io",
            "names": {"kind": "Valkey", "plural": "valkeys", "singular": "valkey"},
            "scope": "Namespaced",
            "versions": [version],
        },
        "status": {
            "conditions": [
                _condition("NamesAccepted", True, "NoConflicts", "no conflicts found"),
                _condition(
                    "Established",
                    established,
                    "InitialNamesAccepted" if established else "Installing",
                    "the initial names have been accepted" if established else "not yet",
                ),
            ]
        },
    }


def install_valkey_crd(
    api: FakeKubeApi,
    *,
    established: bool = True,
    established_after_gets: int | None = None,
    schema: Mapping[str, Any] | None = None,
) -> None:
    """Seed the Valkey CRD as the operator's chart would install it.

    With `established_after_gets=N` it starts not Established and becomes so on
    its Nth read, so a client has to wait for it.
    """
    start = established and established_after_gets is None
    api.seed(valkey_crd(established=start, schema=schema), manager="helm")
    if established_after_gets is None:
        return

    def establish(fake: FakeKubeApi, event: Event) -> None:
        if event.get_count < established_after_gets:
            return
        obj = fake.get("customresourcedefinitions", None, VALKEY_CRD_NAME)
        if obj is None or _is_established(obj):
            return
        fake.set_status(
            "customresourcedefinitions",
            None,
            VALKEY_CRD_NAME,
            valkey_crd(established=True)["status"],
            merge=False,
            manager="kube-apiserver",
        )

    api.on("get", "customresourcedefinitions", establish, name=VALKEY_CRD_NAME)


def _is_established(crd: Mapping[str, Any]) -> bool:
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )
