"""Any bytes in a var file: exit 0 or 2, never an internal error, never the password.

Property-based (hypothesis) over the three var file readers, through the real CLI
entry point run in-process; plus the bounds: FIFOs, devices, folders, sizes, alias
bombs, nesting, and a run under an address space limit.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout, suppress
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import RunCli
from wildside_valkey.cli.main import main
from wildside_valkey.reading import MAX_INPUT_BYTES

CANARY = "Zq9canaryPW"
SUFFIXES = (".tfvars", ".tfvars.json", ".yaml")
# Pieces of syntax that make each parser take its rarer paths.
FRAGMENTS = (
    '"',
    "'",
    "${",
    "$${",
    "%{",
    "%%{",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    "!",
    "!!set",
    "!!binary",
    "&a",
    "*a",
    "<<",
    "<<: *a",
    "<<EOT",
    "EOT",
    ": ",
    " = ",
    "=",
    ",",
    "#",
    "//",
    "/*",
    "*/",
    "true",
    "null",
    "1:",
    "1e1",
    "1e999",
    ".inf",
    ".nan",
    "NaN",
    "-",
    "?",
    "|",
    ">",
    "\\",
    "\\u00",
    "\t",
    " ",
    "var.x",
    "upper(",
    "x",
    "nodes",
    "namespace",
    "helm_values",
    "password_inline",
    "\u00e9",
    "\x00",
    "2024-01-01",
    "0x1F",
    "~",
)
junk = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
lines = st.lists(junk, max_size=6).map("\n".join)
_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _validate(path: Path) -> tuple[object, str]:
    out, err = io.StringIO(), io.StringIO()
    code: object = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(["validate", "--var-file", str(path)])
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue() + err.getvalue()


def _assert_clean(code: object, output: str) -> None:
    assert code in (0, 2), output
    assert "internal error" not in output, output
    assert "Traceback" not in output, output
    assert CANARY not in output, output


@_SETTINGS
@given(data=st.binary(max_size=1500), suffix=st.sampled_from(SUFFIXES))
def test_any_bytes_exit_0_or_2(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"v{suffix}"
    path.write_bytes(data)
    _assert_clean(*_validate(path))


@_SETTINGS
@given(
    before=lines,
    left=junk.filter(lambda text: "\n" not in text),
    right=junk,
    after=lines,
    suffix=st.sampled_from(SUFFIXES),
)
def test_the_password_line_never_shows(  # noqa: PLR0917 - one argument per strategy
    tmp_path: Path, before: str, left: str, right: str, after: str, suffix: str
) -> None:
    setting = {
        ".tfvars": f"password_inline = {left}{CANARY}{right}",
        ".tfvars.json": f'{{"password_inline": {left}{CANARY}{right}',
        ".yaml": f"password_inline: {left}{CANARY}{right}",
    }[suffix]
    path = tmp_path / f"v{suffix}"
    path.write_text(f"{before}\n{setting}\n{after}\n", encoding="utf-8")
    _assert_clean(*_validate(path))


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # The reported leak: an unquoted password starting with "!" reads as a YAML tag.
        ("v.yaml", f"password_inline: !{CANARY}\n", "custom tag"),
        ("v.yaml", f'password_inline: "{CANARY}\n', "not valid YAML"),
        ("v.tfvars", f"password_inline = {CANARY}\n", "Variables not allowed"),
        ("v.tfvars", f'password_inline = "{CANARY}\n', "not valid HCL"),
        ("v.tfvars.json", f'{{"password_inline": {CANARY}}}', "not valid JSON"),
        ("v.yaml", f'namespace: "x\npassword_inline: {CANARY}"\n', 'variable "namespace"'),
    ],
)
def test_known_leaks_are_closed(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, output = _validate(path)
    assert code == 2
    assert expected in output
    _assert_clean(code, output)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("v.tfvars", 'namespace = "x-${var.y}"\n', "Variables not allowed: Variables may not"),
        ("v.tfvars", 'namespace = upper("a")\n', "Function calls not allowed: Functions may"),
        ("v.tfvars", "nodes = 3\nnodes = 4\n", 'Duplicate argument: Argument "nodes" was'),
        ("v.tfvars", 'valkey "x" {\n}\n', 'Unexpected "valkey" block'),
        ("v.tfvars.json", '{"nodes": 3, "nodes": 4}', "the key 'nodes' is set twice"),
        ("v.yaml", "nodes: 3\nnodes: 4\n", "the key 'nodes' is set twice (first at line 1)"),
        ("v.yaml", "a: &a [*a, *a]\nb: &b [*a, *a]\nc: &c [*b, *b]\n", "alias refers"),
        ("v.yaml", "helm_values:\n  - !!set {a, b}\n", "a set (!!set)"),
        ("v.yaml", "nodes: .inf\n", "infinite or not-a-number"),
        ("v.tfvars.json", '{"nodes": NaN}', "NaN is not a JSON number"),
        ("v.yaml", "true: 1\n", "a mapping key must be a string"),
        ("v.yaml", "helm_values: ['null: 1']\n", "a mapping key must be a string"),
        ("v.yaml", "helm_values: ['a: {1: x, \"1\": y}']\n", "a mapping key must be a string"),
        ("v.tfvars", "nodes = " + "[" * 300 + "]" * 300 + "\n", "deeper than"),
        ("v.tfvars.json", '{"nodes": ' + "[" * 5000 + "]" * 5000 + "}", "too deeply"),
    ],
)
def test_tofu_rejects_so_do_we(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, output = _validate(path)
    assert (code, expected in output) == (2, True), output


def test_tofu_values_are_kept(tmp_path: Path) -> None:
    from wildside_valkey.inputs import read_var_file

    path = tmp_path / "v.tfvars"
    path.write_text(
        'nodes = 1e1\nnamespace = "a-${"b"}"\ncluster_name = "$${x}"\n'
        "helm_values = [<<-EOT\n    a: 1\n    EOT\n]\n"
    )
    assert read_var_file(path) == {
        "nodes": 10,
        "namespace": "a-b",
        "cluster_name": "${x}",
        "helm_values": ["a: 1\n"],
    }


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(levels) + "\n")
    started = time.monotonic()
    code, output = _validate(path)
    assert code == 2, output
    assert "expands to more than 1,000,000 values" in output
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_files_that_would_block_are_refused_at_once(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "v.tfvars"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    started = time.monotonic()
    code, output = _validate(path)
    assert code == 2, output
    assert ("not a regular file" if kind != "folder" else "is a directory") in output
    assert time.monotonic() - started < 5


def test_an_oversized_var_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    with path.open("wb") as file:
        file.truncate(MAX_INPUT_BYTES * 12)  # 48 MiB, sparse: nothing is read
    started = time.monotonic()
    code, output = _validate(path)
    assert code == 2, output
    assert "larger than the 4 MiB limit" in output
    assert time.monotonic() - started < 2


def test_each_and_policy_inputs_are_bounded_too(tmp_path: Path, run_cli: RunCli) -> None:
    os.mkfifo(tmp_path / "envs.yaml")
    (tmp_path / "tree").mkdir()
    os.mkfifo(tmp_path / "tree" / "x.yaml")
    for args in (["render", "--each", "envs.yaml"], ["policy", "tree"]):
        result = run_cli(args)
        assert result.returncode == 2, result.stderr
        assert "not a regular file" in result.stderr


def test_a_large_var_file_under_an_address_space_limit(tmp_path: Path) -> None:
    """Under ulimit -v: the largest accepted YAML file is read, or refused, cleanly."""
    entries = "".join(f"  k{i}: {'v' * 20}\n" for i in range(120_000))
    path = tmp_path / "big.yaml"
    path.write_text("node_selector:\n" + entries)
    assert path.stat().st_size <= MAX_INPUT_BYTES
    probe = (
        "import resource\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1024 * 1024 * 1024,) * 2)\n"
        "from wildside_valkey.cli.main import main\n"
        f"main(['validate', '--var-file', {str(path)!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_the_same_values_give_the_same_bytes(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "a.yaml").write_text(
        "helm_values: ['b: 1\n\na: {z: 1, y: 2}']\nnode_selector: {x: '1', a: '2'}\n"
    )
    (tmp_path / "b.tfvars").write_text(
        'helm_values = ["a: {y: 2, z: 1}\\nb: 1"]\nnode_selector = { a = "2", x = "1" }\n'
    )
    for name, out in (("a.yaml", "a"), ("b.tfvars", "b")):
        result = run_cli(["render", "--var-file", name, "--out", out])
        assert result.returncode == 0, result.stderr
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            relative = path.relative_to(tmp_path / "a")
            assert path.read_bytes() == (tmp_path / "b" / relative).read_bytes(), relative


def test_each_parse_errors_give_line_and_column(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "envs.yaml").write_text("- cluster_name: a\n- cluster_name: [b\n")
    result = run_cli(["render", "--each", "envs.yaml"])
    assert result.returncode == 2
    assert "--each file 'envs.yaml' is not valid YAML or JSON" in result.stderr
    assert "at line 3, column 1" in result.stderr


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=1500))
def test_policy_and_each_readers_take_any_bytes(data: bytes) -> None:
    """The readers behind ``policy`` and ``render --each``: bad input or data, nothing else."""
    from wildside_valkey.errors import BadInputError
    from wildside_valkey.policies.loader import parse_documents
    from wildside_valkey.variables.yaml_text import load_yaml_documents

    text = data.decode("utf-8", errors="replace")
    with suppress(BadInputError):
        parse_documents("x.yaml", text)
    with suppress(yaml.YAMLError):
        load_yaml_documents(text)
