"""Reading the contract's Secrets where no working cluster is needed: a kubeconfig that
cannot be used, or an API server that cannot be reached.

Reading them from a real API server (the values, a missing key, a refusal, and connecting
with them): tests/e2e/test_workload_secrets.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.kubeconfig import write_kubeconfig
from tests.fakes.servers import closed_port_url
from wildside_valkey.errors import SecretReadError
from wildside_valkey.workload.contract_view import SecretRef
from wildside_valkey.workload.secrets import read_secret_key

from .support import CLUSTER_NAME, NAMESPACE

PASSWORD_REF = SecretRef(NAMESPACE, CLUSTER_NAME, "password")


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Path:
    """Contexts ``fake`` and ``unreachable`` (the current one), each on a closed port."""
    return write_kubeconfig(
        tmp_path / "kubeconfig",
        closed_port_url(),
        context="fake",
        extra_contexts={"unreachable": closed_port_url()},
        current_context="unreachable",
    ).path


def test_unknown_context(kubeconfig: Path) -> None:
    with pytest.raises(
        SecretReadError,
        match=r'context "nope" is not in kubeconfig .*; available contexts: fake, unreachable',
    ):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="nope")


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(
        SecretReadError, match=r"cannot find the cluster .*: kubeconfig .*/none not found"
    ):
        read_secret_key(PASSWORD_REF, kubeconfig=tmp_path / "none")


def test_unreachable_api(kubeconfig: Path) -> None:
    # The kubeconfig's current context points at a closed port.
    with pytest.raises(SecretReadError, match="cannot reach the Kubernetes API"):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, timeout=1.0)
