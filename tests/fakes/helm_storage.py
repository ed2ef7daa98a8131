"""How real helm stores a release in the cluster, for the `helm` stand-in.

Standard library only (the stand-in runs as its own process). Derived from
helm's source, the same in v3.21.4 and v4.1.4:

* one Secret per revision, named `sh.helm.release.v1.<name>.v<revision>`
  (pkg/storage/storage.go `makeKey`, `HelmStorageType`);
* type `helm.sh/release.v1`, labels `name`, `owner=helm`, `status`, `version`
  (pkg/storage/driver/secrets.go `newSecretsObject`, v4.1.4 lines 246-287);
* `data.release` = base64(gzip(json(release))), gzip at BestCompression
  (pkg/storage/driver/util.go `encodeRelease`, v4.1.4 lines 38-54); the
  Secret's `data` is base64 again on the wire, as for every Secret;
* the release JSON fields (pkg/release/v1/release.go, info.go, v4.1.4):
  `name`, `info{first_deployed,last_deployed,description,status}`,
  `chart{metadata{name,version,appVersion,apiVersion}}`, `config` (omitted
  when empty: `omitempty`), `manifest`, `version`, `namespace`.

The stand-in writes these through the API server named by the kubeconfig, as
helm does, so the product's read path (one list of these Secrets) and real
helm (`helm list` / `helm get values` against the fake API server) both read
what it wrote.
"""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

SECRET_TYPE = "helm.sh/release.v1"
STORAGE_PREFIX = "sh.helm.release.v1"
# Requests the stand-in makes are helm's, not the product's: tests tell them apart.
USER_AGENT = "Helm/v4.1.4 (wildside-valkey test stand-in)"


class ClusterUnreachableError(Exception):
    """The API server did not answer (helm: "Kubernetes cluster unreachable")."""


def secret_name(name: str, revision: int) -> str:
    return f"{STORAGE_PREFIX}.{name}.v{revision}"


def release_record(
    *,
    name: str,
    namespace: str,
    revision: int,
    status: str,
    chart_name: str,
    version: str,
    app_version: str,
    values: Mapping[str, Any] | None,
    first_deployed: str,
    last_deployed: str,
    description: str,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": name,
        "info": {
            "first_deployed": first_deployed,
            "last_deployed": last_deployed,
            "description": description,
            "status": status,
        },
        "chart": {
            "metadata": {
                "name": chart_name,
                "version": version,
                "appVersion": app_version,
                "apiVersion": "v2",
            },
        },
        "version": revision,
        "namespace": namespace,
    }
    if values:
        record["config"] = dict(values)
    return record


def encode_release(record: Mapping[str, Any]) -> str:
    """helm's `encodeRelease`: base64(gzip(json)); mtime 0 keeps it deterministic."""
    packed = gzip.compress(json.dumps(record).encode("utf-8"), compresslevel=9, mtime=0)
    return base64.b64encode(packed).decode("ascii")


def release_secret(record: Mapping[str, Any]) -> dict[str, Any]:
    """The Secret as helm creates it (the `data` value base64 again, as on the wire)."""
    inner = encode_release(record).encode("ascii")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(str(record["name"]), int(record["version"])),
            "namespace": record["namespace"],
            "labels": {
                "name": str(record["name"]),
                "owner": "helm",
                "status": str(record["info"]["status"]),
                "version": str(record["version"]),
            },
        },
        "type": SECRET_TYPE,
        "data": {"release": base64.b64encode(inner).decode("ascii")},
    }


def decode_secret(secret: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `release_secret` (helm's `decodeRelease`, gzip optional)."""
    payload = base64.b64decode(base64.b64decode(secret["data"]["release"]))
    if payload[:3] == b"\x1f\x8b\x08":
        payload = gzip.decompress(payload)
    data: dict[str, Any] = json.loads(payload)
    return data


class ApiWriter:
    """Just enough of a Kubernetes client to keep one release's Secrets in sync."""

    def __init__(self, server: str, token: str | None) -> None:
        self.server = server.rstrip("/")
        self.token = token

    @classmethod
    def from_kubeconfig(cls, document: Mapping[str, Any], context: str | None) -> ApiWriter:
        name = context or document.get("current-context")
        ctx = next(c["context"] for c in document.get("contexts", []) if c["name"] == name)
        cluster = next(c["cluster"] for c in document["clusters"] if c["name"] == ctx["cluster"])
        user: dict[str, Any] = next(
            (u["user"] for u in document.get("users", []) if u["name"] == ctx.get("user")), {}
        )
        return cls(str(cluster["server"]), user.get("token"))

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.server + path, data=data, method=method)
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")
        except (urllib.error.URLError, OSError) as error:
            raise ClusterUnreachableError(str(error)) from error

    def ensure_namespace(self, namespace: str) -> None:
        """`--create-namespace` (helm pkg/action/install.go `createNamespace`): 409 is fine."""
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
        self._request("POST", "/api/v1/namespaces", body)

    def sync(self, namespace: str, name: str, wanted: list[dict[str, Any]]) -> None:
        """Create, update or delete Secrets so that exactly `wanted` hold the release."""
        base = f"/api/v1/namespaces/{namespace}/secrets"
        selector = urllib.parse.quote(f"owner=helm,name={name}")
        status, listed = self._request("GET", f"{base}?labelSelector={selector}")
        existing = (
            {item["metadata"]["name"]: item for item in (listed or {}).get("items", [])}
            if status == 200
            else {}
        )
        wanted_names = set()
        for secret in wanted:
            key = secret["metadata"]["name"]
            wanted_names.add(key)
            old = existing.get(key)
            if old is None:
                self._request("POST", base, secret)
            elif (
                old.get("data") != secret["data"]
                or old["metadata"].get("labels") != secret["metadata"]["labels"]
            ):
                self._request("PUT", f"{base}/{key}", secret)
        for key in sorted(set(existing) - wanted_names):
            self._request("DELETE", f"{base}/{key}")
