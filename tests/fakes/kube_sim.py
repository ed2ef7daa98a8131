"""Controllers played by reactors: the valkey-operator and External Secrets.

On a cluster, apply mode creates objects and then other controllers act on
them. These helpers install reactors on a `FakeKubeApi` that do the parts apply
mode observes (see shared/docs/operator-facts.md):

* the operator creates Secret `<name>` (key `password`) when the Valkey has no
  `servicePassword` and `anonymousAuth` is false, creates its own
  PodDisruptionBudget `<name>`, and reports `status.ready` only after a number
  of reads of the Valkey (so a client has to poll or watch), and keeps it false
  while a referenced `servicePassword` Secret does not exist;
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

OPERATOR_MANAGER = "valkey-operator"
ESO_MANAGER = "external-secrets"


def _condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True" if ok else "False",
        "reason": reason,
        "message": message,
        "lastTransitionTime": now_rfc3339(),
    }


@dataclass
class ValkeyOperatorSim:
    """State of the simulated operator, for assertions (`created`, `ready`)."""

    ready_after_gets: int | None = 2
    # Alternatively (or also) turn ready on a timer, for clients that only
    # watch (lightkube's Client.wait) and never GET the Valkey.
    ready_after_seconds: float | None = None
    password: str = "generated-pass16"
    create_pdb: bool = True
    created: list[str] = field(default_factory=list)
    ready: set[tuple[str, str]] = field(default_factory=set)

    def install(self, api: FakeKubeApi) -> ValkeyOperatorSim:
        api.on("create", "valkeys", self._on_create)
        api.on("get", "valkeys", self._on_get)
        return self

    def _on_create(self, api: FakeKubeApi, event: Event) -> None:
        obj = event.obj or {}
        ns = event.namespace or "default"
        name = event.name
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
        wants_password = not spec.get("anonymousAuth") and not spec.get("servicePassword")
        if wants_password and api.get("secrets", ns, name) is None:
            api.seed(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": name, "namespace": ns, "labels": labels},
                    "data": {"password": base64.b64encode(self.password.encode()).decode()},
                },
                manager=OPERATOR_MANAGER,
            )
            self.created.append(f"secrets/{ns}/{name}")
        if self.create_pdb:
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
        api.set_status(
            "valkeys",
            ns,
            name,
            {
                "ready": False,
                "conditions": [_condition("Ready", False, "Initializing", "Creating cluster")],
            },
            manager=OPERATOR_MANAGER,
        )
        if self.ready_after_seconds is not None:
            timer = threading.Timer(
                self.ready_after_seconds, self._ready_later, args=(api, ns, name)
            )
            timer.daemon = True
            timer.start()

    def _on_get(self, api: FakeKubeApi, event: Event) -> None:
        if self.ready_after_gets is None or event.get_count < self.ready_after_gets:
            return
        self._become_ready(api, event.namespace or "default", event.name)

    def _ready_later(self, api: FakeKubeApi, ns: str, name: str) -> None:
        # The Valkey may be gone by then; that is not an error of the test.
        with contextlib.suppress(KeyError):
            self._become_ready(api, ns, name)

    def _become_ready(self, api: FakeKubeApi, ns: str, name: str) -> None:
        key = (ns, name)
        obj = api.get("valkeys", ns, name)
        if key in self.ready or obj is None:
            return
        spec = obj.get("spec") or {}
        ref = spec.get("servicePassword") or {}
        if ref.get("name") and api.get("secrets", ns, str(ref["name"])) is None:
            message = f'secret "{ref["name"]}" not found'
            api.set_status(
                "valkeys",
                ns,
                name,
                {"ready": False, "conditions": [_condition("Ready", False, "Error", message)]},
                manager=OPERATOR_MANAGER,
            )
            return
        api.set_status(
            "valkeys",
            ns,
            name,
            {
                "ready": True,
                "conditions": [_condition("Ready", True, "Ready", "Cluster is ready")],
            },
            manager=OPERATOR_MANAGER,
        )
        self.ready.add(key)


def simulate_valkey_operator(
    api: FakeKubeApi,
    *,
    ready_after_gets: int | None = 2,
    ready_after_seconds: float | None = None,
    create_pdb: bool = True,
) -> ValkeyOperatorSim:
    """Install the operator's reactors: a Valkey turns ready on its Nth GET
    and/or that many seconds after it was created (None disables either)."""
    return ValkeyOperatorSim(
        ready_after_gets=ready_after_gets,
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
