"""Every folder of every rendered tree builds with plain ``kubectl kustomize``.

Flux's kustomize-controller builds each folder the same way, so a folder that
does not build, or that leaves one of its own YAML files out, would break (or
silently shrink) the sync.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cases.harness import case_names, get_case, render_case, yaml_documents
from tests.conftest import installed_tool
from wildside_valkey.render import write_tree

KUBECTL = installed_tool("kubectl", install_hint="`make helm` installs it into .venv/bin")

pytestmark = [
    pytest.mark.kustomize,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH"),
]

Identity = tuple[str, str, str, str]


def _identity(obj: dict[str, Any]) -> Identity:
    metadata = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion")),
        str(obj.get("kind")),
        str(metadata.get("namespace", "")),
        str(metadata.get("name", "")),
    )


def _folder_objects(folder: Path) -> dict[Identity, Any]:
    """The objects in the folder's own YAML files (kustomization.yaml and sub-folders aside)."""
    objects: dict[Identity, Any] = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name == "kustomization.yaml":
            continue
        for obj in yaml_documents(path.read_text(encoding="utf-8")):
            objects[_identity(obj)] = obj
    return objects


def _kustomize(folder: Path) -> dict[Identity, Any]:
    assert KUBECTL is not None
    result = subprocess.run(
        [KUBECTL, "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {folder} failed:\n{result.stderr}"
    built = yaml_documents(result.stdout)
    identities = [_identity(obj) for obj in built]
    assert len(identities) == len(set(identities)), f"{folder}: duplicate objects {identities}"
    return {_identity(obj): obj for obj in built}


@pytest.mark.parametrize("name", case_names())
def test_every_kustomization_builds_exactly_its_folder(name: str, tmp_path: Path) -> None:
    out = tmp_path / "tree"
    write_tree(render_case(get_case(name)).tree, out)
    folders = sorted(path.parent for path in out.rglob("kustomization.yaml"))
    assert [folder.relative_to(out).as_posix() for folder in folders] == [
        ".",
        "cluster",
        "operator",
    ]
    for folder in folders:
        built = _kustomize(folder)
        expected = _folder_objects(folder)
        where = f"case {name}, folder {folder.relative_to(out).as_posix()}"
        assert sorted(built) == sorted(expected), f"{where}: kustomize built other objects"
        for identity, obj in expected.items():
            assert built[identity] == obj, f"{where}: kustomize changed {identity}"
