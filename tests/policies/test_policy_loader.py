"""Loading YAML files and folders into manifest files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from wildside_valkey.errors import BadInputError
from wildside_valkey.policies.loader import load_paths

from .builders import render_tree


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_multi_document_file_keeps_every_document_and_drops_empty_ones(tmp_path: Path) -> None:
    write(
        tmp_path / "all.yaml",
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n",
    )
    (file,) = load_paths([tmp_path])
    assert file.path == (tmp_path / "all.yaml").as_posix()
    assert [d["metadata"]["name"] for d in file.documents] == ["a", "b"]


def test_folders_are_walked_recursively_in_a_stable_order(tmp_path: Path) -> None:
    write(tmp_path / "b" / "deep" / "x.yml", "kind: A\n")
    write(tmp_path / "a.yaml", "kind: B\n")
    write(tmp_path / "contract.json", '{"cluster_name": "valkey"}')
    write(tmp_path / "notes.txt", "not yaml: [")
    write(tmp_path / ".github" / "workflows" / "ci.yaml", "on: push\n")
    write(tmp_path / ".hidden.yaml", "kind: C\n")
    files = load_paths([tmp_path])
    assert [Path(f.path).relative_to(tmp_path).as_posix() for f in files] == [
        "a.yaml",
        "b/deep/x.yml",
    ]


def test_paths_are_shown_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "build" / "cluster" / "valkey.yaml", "kind: Valkey\n")
    monkeypatch.chdir(tmp_path)
    assert [f.path for f in load_paths(["build"])] == ["build/cluster/valkey.yaml"]
    assert [f.path for f in load_paths(["build/"])] == ["build/cluster/valkey.yaml"]


def test_each_file_is_loaded_once(tmp_path: Path) -> None:
    file = write(tmp_path / "a.yaml", "kind: A\n")
    assert len(load_paths([tmp_path, file, tmp_path])) == 1


def test_a_named_file_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    file = write(tmp_path / "manifest.json", '{"apiVersion": "v1", "kind": "Namespace"}')
    (loaded,) = load_paths([file])
    assert loaded.documents == ({"apiVersion": "v1", "kind": "Namespace"},)


def test_timestamps_stay_strings(tmp_path: Path) -> None:
    write(
        tmp_path / "a.yaml", "kind: A\ncreated: 2024-01-02\nat: !!timestamp 2024-01-02T03:04:05Z\n"
    )
    (file,) = load_paths([tmp_path])
    assert file.documents[0]["created"] == "2024-01-02"
    assert file.documents[0]["at"] == "2024-01-02T03:04:05Z"


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path / "good.yaml", "kind: A\n")
    broken = write(tmp_path / "cluster" / "broken.yaml", "kind: Valkey\nspec:\n  nodes: [1\n")
    with pytest.raises(BadInputError) as caught:
        load_paths([tmp_path])
    message = str(caught.value)
    assert message.startswith(f"{broken.as_posix()}: not valid YAML: line ")
    assert caught.value.exit_code == 2
    assert isinstance(caught.value.__cause__, yaml.YAMLError)


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    file = write(tmp_path / "list.yaml", "kind: A\n---\n- a\n- b\n")
    with pytest.raises(BadInputError, match="document 2 is a list, not a mapping") as caught:
        load_paths([file])
    assert str(caught.value).startswith(file.as_posix())


def test_a_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="no such file or folder"):
        load_paths([tmp_path / "missing"])


def test_a_folder_without_yaml_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "contract.json", "{}")
    with pytest.raises(BadInputError, match="no YAML files found in: "):
        load_paths([tmp_path])


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "latin1.yaml"
    file.write_bytes(b"kind: \xe9\n")
    with pytest.raises(BadInputError, match="not UTF-8 text"):
        load_paths([file])


def test_a_rendered_tree_on_disk_loads_like_the_in_memory_one(tmp_path: Path) -> None:
    tree = render_tree(credentials="eso", pdb=True)
    for relative, documents in tree.items():
        write(tmp_path / relative, yaml.safe_dump_all(documents, sort_keys=False))
    files = load_paths([tmp_path])
    on_disk = {Path(f.path).relative_to(tmp_path).as_posix(): list(f.documents) for f in files}
    assert on_disk == tree


def test_a_symlink_loop_is_bad_input_naming_the_loop(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    with pytest.raises(BadInputError) as refused:
        load_paths([tmp_path])
    assert str(refused.value) == (
        f"cannot read policy input '{tmp_path / 'a.yaml'}': its symbolic links go round in a "
        f"loop ({tmp_path / 'a.yaml'} -> b.yaml -> a.yaml)"
    )


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "real" / "a.yaml", "kind: A\n")
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    assert len(load_paths([tmp_path])) == 1
