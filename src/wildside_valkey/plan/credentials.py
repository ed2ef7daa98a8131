"""The credentials object: a Secret (inline password) or an ExternalSecret (ESO)."""

from __future__ import annotations

import base64
from typing import Any

from ..contract import CredentialStrategy, credential_strategy
from ..variables import Variables
from .kinds import EXTERNAL_SECRET, SECRET
from .labels import ALLOW_PLAINTEXT_ANNOTATION, instance_labels


def credentials_manifest(v: Variables) -> dict[str, Any] | None:
    """The object that provides the password Secret, or None when nothing is to be created."""
    strategy = credential_strategy(v)
    if strategy is CredentialStrategy.EXTERNAL_SECRET:
        return external_secret_manifest(v)
    if strategy is CredentialStrategy.INLINE:
        return secret_manifest(v)
    return None


def secret_manifest(v: Variables) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": v.password_secret_name,
        "namespace": v.namespace,
        "labels": instance_labels(v),
    }
    if v.allow_plaintext_secrets:
        metadata["annotations"] = {ALLOW_PLAINTEXT_ANNOTATION: "true"}
    encoded = base64.b64encode(v.password.encode("utf-8")).decode("ascii")
    return {
        **SECRET.header(),
        "metadata": metadata,
        "type": "Opaque",
        # `data`, not `stringData`: the API server stores only `data`, so a later
        # comparison with the live object sees no difference.
        "data": {v.password_secret_key: encoded},
    }


def external_secret_manifest(v: Variables) -> dict[str, Any]:
    return {
        **EXTERNAL_SECRET.header(),
        "metadata": {
            "name": v.password_secret_name,
            "namespace": v.namespace,
            "labels": instance_labels(v),
        },
        "spec": {
            "refreshInterval": v.eso_refresh_interval,
            "secretStoreRef": {
                "kind": "ClusterSecretStore",
                "name": v.eso_cluster_secret_store_name,
            },
            "target": {
                "name": v.password_secret_name,
                "creationPolicy": "Owner",
                "template": {"metadata": {"labels": instance_labels(v)}},
            },
            "data": [
                {
                    "secretKey": v.password_secret_key,
                    "remoteRef": {"key": v.password_vault_path, "property": v.password_vault_key},
                }
            ],
        },
    }
