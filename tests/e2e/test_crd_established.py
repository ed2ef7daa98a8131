"""The Valkey is written only once the real API server says its CRD is Established.

A CRD is not Established while its names are not accepted: here, while another CRD
of the group already claims `valkeys` (as a short name), as when two charts install
clashing CRDs. The test takes the real CRD away (and every Valkey with it), puts it
back behind such a claim, and lifts the claim while apply waits; the CRD is put back
established whatever happens. The operator release is installed before, so apply runs
no helm (helm 4 waits for the CRDs it installs itself).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Live
from tests.e2e.harness.kube import JSON, Kube, wait_for
from tests.e2e.harness.objects import CRDS, HARNESS, _established, crd_documents
from wildside_valkey.apply import ApplyResult, WaitTimeoutError

VALKEY_CRD = "valkeys.hyperspike.io"
CLAIM = "valkeyclaims.hyperspike.io"


def _claim() -> JSON:
    """A CRD of the same group whose short name is `valkeys`."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": CLAIM},
        "spec": {
            "group": "hyperspike.io",
            "scope": "Namespaced",
            "names": {
                "plural": "valkeyclaims",
                "singular": "valkeyclaim",
                "kind": "ValkeyClaim",
                "shortNames": ["valkeys"],
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                }
            ],
        },
    }


def _names_accepted(kube: Kube, name: str) -> bool:
    crd = kube.get(f"{CRDS}/{name}") or {}
    return any(
        c.get("type") == "NamesAccepted" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )


@pytest.fixture
def blocked_crd(live: Live) -> Iterator[None]:
    """The Valkey CRD back, but not Established: `valkeys` is claimed by another CRD."""
    kube = live.kube
    [valkey_crd] = [d for d in crd_documents() if d["metadata"]["name"] == VALKEY_CRD]
    # The operator release installed first, so apply runs no helm below: helm 4's own
    # --wait would wait for the CRD it installs, and fail on the clash ("valkeys" is
    # already in use). What is left to apply is a CRD someone else installed.
    live.apply(live.plan(namespace=live.new_namespace(), anonymous_auth=True))
    try:
        kube.delete(f"{CRDS}/{VALKEY_CRD}")
        wait_for("the Valkey CRD to go", lambda: kube.absent(f"{CRDS}/{VALKEY_CRD}"), timeout=60)
        kube.create(CRDS, _claim())
        wait_for("the claim's names", lambda: _names_accepted(kube, CLAIM), timeout=30)
        kube.apply(f"{CRDS}/{VALKEY_CRD}", valkey_crd, manager=HARNESS)
        yield
    finally:
        kube.delete(f"{CRDS}/{CLAIM}")
        wait_for("the claim to go", lambda: kube.absent(f"{CRDS}/{CLAIM}"), timeout=60)
        kube.apply(f"{CRDS}/{VALKEY_CRD}", valkey_crd, manager=HARNESS)
        wait_for(
            "the Valkey CRD to be Established", lambda: _established(kube, VALKEY_CRD), timeout=60
        )


@pytest.mark.usefixtures("blocked_crd")
def test_the_valkey_waits_for_its_crd_to_be_established(live: Live) -> None:
    ns = live.namespace
    crd = live.get(f"{CRDS}/{VALKEY_CRD}")
    assert crd is not None
    assert not _established(live.kube, VALKEY_CRD)

    # Never established: apply stops before the Valkey, naming what it waited for.
    with pytest.raises(WaitTimeoutError, match=r"CustomResourceDefinition valkeys\.hyperspike\.io"):
        live.apply(live.plan(), timeout=2)
    assert f"patch valkeys {ns}/valkey" not in live.writes()
    live.mark()

    # Established while apply waits: it goes on and converges.
    done: list[ApplyResult] = []
    waiting = threading.Thread(target=lambda: done.append(live.apply(live.plan())))
    waiting.start()
    wait_for(
        "apply to look at the CRD again",
        lambda: live.audit.calls().count(f"get customresourcedefinitions {VALKEY_CRD}") >= 2,
        timeout=30,
    )
    live.kube.delete(f"{CRDS}/{CLAIM}")
    waiting.join(timeout=120)

    assert done, "apply did not finish"
    calls = live.audit.calls()
    before_valkey = calls[: calls.index(f"patch valkeys {ns}/valkey")]
    assert before_valkey.count(f"get customresourcedefinitions {VALKEY_CRD}") >= 2
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["status"] == {"ready": True}
