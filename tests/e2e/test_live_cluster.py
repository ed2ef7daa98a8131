"""End to end against a real cluster (kind or k3d): apply, ready, no changes, destroy.

Opt-in: set WILDSIDE_VALKEY_E2E_KUBECONFIG to the cluster's kubeconfig (and
optionally WILDSIDE_VALKEY_E2E_CONTEXT). The cluster must be able to pull the
valkey-operator chart (oci://ghcr.io/hyperspike/valkey-operator) and its
images, and `helm` must be on PATH. The Valkey gets a namespace of its own,
removed at the end; WILDSIDE_VALKEY_E2E_STORAGE_CLASS names the StorageClass
(default "standard", kind's; k3d's is "local-path").

    WILDSIDE_VALKEY_E2E_KUBECONFIG=~/.kube/config pytest -m e2e tests/e2e
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import RunCli
from wildside_valkey.apply import connect_cluster
from wildside_valkey.apply.kinds import NAMESPACE, VALKEY, ObjectRef

KUBECONFIG = os.environ.get("WILDSIDE_VALKEY_E2E_KUBECONFIG", "")
CONTEXT = os.environ.get("WILDSIDE_VALKEY_E2E_CONTEXT", "")
STORAGE_CLASS = os.environ.get("WILDSIDE_VALKEY_E2E_STORAGE_CLASS", "standard")
TIMEOUT = os.environ.get("WILDSIDE_VALKEY_E2E_TIMEOUT", "900")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not KUBECONFIG,
        reason="end-to-end apply needs a real cluster: set WILDSIDE_VALKEY_E2E_KUBECONFIG "
        "to a kind or k3d kubeconfig (optionally WILDSIDE_VALKEY_E2E_CONTEXT)",
    ),
    pytest.mark.skipif(
        shutil.which("helm") is None, reason="end-to-end apply needs `helm` on PATH"
    ),
    pytest.mark.timeout(int(TIMEOUT) * 3),
]


class Instance(NamedTuple):
    namespace: str
    args: list[str]


@pytest.fixture
def instance() -> Instance:
    """Variables and cluster options for a cluster in a namespace of its own."""
    namespace = f"wsv-e2e-{secrets.token_hex(3)}"
    args = [
        "--var",
        "mode=apply",
        "--var",
        f"namespace={namespace}",
        "--var",
        "cluster_name=e2e",
        "--var",
        f"storage_class={STORAGE_CLASS}",
        "--kubeconfig",
        str(Path(KUBECONFIG).expanduser()),
    ]
    return Instance(namespace, [*args, "--context", CONTEXT] if CONTEXT else args)


@pytest.fixture
def cleanup(run_cli: RunCli, instance: Instance) -> Iterator[None]:
    yield
    run_cli(["destroy", *instance.args, "--timeout", TIMEOUT])  # best effort after a failure


@pytest.mark.usefixtures("cleanup")
def test_apply_ready_no_changes_destroy(run_cli: RunCli, instance: Instance) -> None:
    namespace = instance.namespace
    applied = run_cli(["apply", *instance.args, "--timeout", TIMEOUT])
    assert applied.returncode == 0, applied.stderr
    contract = json.loads(applied.stdout)
    assert contract["endpoints"]["primary_host"] == f"e2e.{namespace}.svc.cluster.local"

    with connect_cluster(Path(KUBECONFIG).expanduser(), CONTEXT or None) as kube:
        valkey = kube.get(ObjectRef(VALKEY, namespace, "e2e"))
        assert valkey is not None
        assert valkey["status"]["ready"] is True

    planned = run_cli(["plan", *instance.args])
    assert planned.returncode == 0, planned.stderr
    assert "No changes." in planned.stdout

    destroyed = run_cli(["destroy", *instance.args, "--timeout", TIMEOUT, "--output", "json"])
    assert destroyed.returncode == 0, destroyed.stderr
    deleted = {(d["kind"], d["name"]) for d in json.loads(destroyed.stdout)["deleted"]}
    assert {("Valkey", "e2e"), ("Namespace", namespace)} <= deleted
    with connect_cluster(Path(KUBECONFIG).expanduser(), CONTEXT or None) as kube:
        assert kube.get(ObjectRef(NAMESPACE, None, namespace)) is None
