"""Read one key of a Kubernetes Secret: the password or the CA the contract names.

Only called when the caller asks for it (``from_secret`` / ``ca_from_secret``),
so lightkube is imported inside the function: workloads that get their
password from the environment or a mounted file never load the Kubernetes
client, and never need API access.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from wildside_valkey.errors import SecretReadError
from wildside_valkey.workload.contract_view import SecretRef

_NOT_FOUND = 404
_DENIED = frozenset({401, 403})


def read_secret_key(
    ref: SecretRef,
    *,
    kubeconfig: Path | None = None,
    context: str | None = None,
    timeout: float = 5.0,
) -> bytes:
    """Return the decoded bytes of ``ref``; a SecretReadError says why they cannot be read.

    The cluster is found as apply finds it (``wildside_valkey.kubeconfig``):
    ``kubeconfig``, else ``KUBECONFIG`` (every file, merged as kubectl merges
    them), else ``~/.kube/config``, else the in-cluster service account.
    """
    # Lazy on purpose (see the module docstring).
    import httpx2  # noqa: PLC0415  (lightkube's HTTP client)
    from lightkube import ApiError, Client, ConfigError  # noqa: PLC0415
    from lightkube.resources.core_v1 import Secret  # noqa: PLC0415

    from wildside_valkey.kubeconfig import KubeconfigError, find_cluster  # noqa: PLC0415

    try:
        found = find_cluster(kubeconfig, context)
    except KubeconfigError as exc:
        raise SecretReadError(f"cannot find the cluster to read {ref}: {exc}") from exc
    try:
        client = Client(config=found.config, timeout=httpx2.Timeout(timeout))
    except (ConfigError, OSError, KeyError, ValueError) as exc:
        raise SecretReadError(
            f"cannot load kubeconfig {found.source} to read {ref}: {exc}"
        ) from exc
    try:
        secret = client.get(Secret, ref.name, namespace=ref.namespace)
    except ApiError as exc:
        raise SecretReadError(_api_error_message(ref, exc.status.code, str(exc))) from exc
    except httpx2.HTTPError as exc:
        raise SecretReadError(f"cannot reach the Kubernetes API to read {ref}: {exc}") from exc
    except ValueError as exc:
        # An answer that is not Kubernetes JSON (a proxy's HTML error page).
        raise SecretReadError(f"the Kubernetes API gave an unreadable answer for {ref}") from exc
    finally:
        client.close()
    encoded = (secret.data or {}).get(ref.key)
    if encoded is None:
        raise SecretReadError(f"{ref} does not exist: the Secret has no such key")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretReadError(f"{ref} is not valid base64 in the API answer") from exc


def _api_error_message(ref: SecretRef, code: int | None, detail: str) -> str:
    if code == _NOT_FOUND:
        return f"{ref} not found: the Secret does not exist (yet?)"
    if code in _DENIED:
        return f"not allowed to read {ref} ({code}): grant get on secrets in {ref.namespace}"
    return f"the Kubernetes API refused to return {ref} ({code}): {detail}"
