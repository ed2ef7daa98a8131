"""The operator chart's stand-in, served over HTTPS on loopback.

The operator's published chart sits on a registry these machines cannot
reach, so the harness packages a chart of the same name and versions that
carries the real Valkey CRD (in `crds/`, where helm installs CRDs from) and one
ConfigMap of its values, and serves it as a chart repository.
`chart_repository` then points at it; helm trusts the server through
SSL_CERT_FILE (the harness's CA added to the machine's bundle), as it would
trust a company's private chart repository.
"""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import sys
from functools import partial
from pathlib import Path

from .objects import CRD_DIR
from .processes import HarnessError

REPO = Path(__file__).resolve().parents[3]
NAME = "valkey-operator"
# The product's default chart_version, so the default variables find the chart.
VERSION = "v0.0.61-chart"
# Every version served: the default, and one on each side of it for upgrades and for a
# release someone else installed at another version.
VERSIONS = ("v0.0.60-chart", VERSION, "v0.0.62-chart")
# The one object the chart makes besides its CRD: a ConfigMap holding the values it was
# given, so a test can see them, and refuse its write to make helm itself fail.
SETTINGS = "valkey-operator-settings"
SETTINGS_TEMPLATE = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {SETTINGS}
data:
  values.json: {{{{ toJson .Values | quote }}}}
"""


def helm_command() -> str:
    beside = Path(sys.executable).parent / "helm"
    found = str(beside) if beside.exists() else shutil.which("helm")
    if not found:
        raise HarnessError("helm is needed to package the test chart: run `make helm`")
    return found


def publish(root: Path) -> Path:
    """Package each version into `root` and index them there (relative URLs: any port serves
    it)."""
    helm = helm_command()
    for version in VERSIONS:
        source = root / "src" / version / NAME
        (source / "crds").mkdir(parents=True, exist_ok=True)
        (source / "templates").mkdir(exist_ok=True)
        (source / "Chart.yaml").write_text(
            "apiVersion: v2\n"
            f"name: {NAME}\n"
            # With its `v`, as the operator's release job packages it (its Makefile's
            # helm-package: `helm package --version $(VERSION)`, VERSION the git tag).
            f"version: {version}\n"
            f"appVersion: {version.removesuffix('-chart')}\n"
            "description: the end-to-end stand-in for the valkey-operator chart (its real CRD)\n"
        )
        shutil.copy(CRD_DIR / "hyperspike.io_valkeys.yaml", source / "crds" / "valkeys.yaml")
        (source / "templates" / "settings.yaml").write_text(SETTINGS_TEMPLATE)
        _run([helm, "package", str(source), "-d", str(root)])
    _run([helm, "repo", "index", str(root)])
    return root


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HarnessError(f"{' '.join(argv)} failed:\n{result.stderr}")


def serve_argv(root: Path, port: int, cert: Path, key: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.e2e.harness.chart",
        str(root),
        str(port),
        str(cert),
        str(key),
    ]


def serve(root: Path, port: int, cert: Path, key: Path) -> None:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
