"""Messages keep the inline password out, and stay readable whatever the password is.

The policy (``variables/redaction.py``, docs/limits.md): the tool's own messages
never interpolate the password, so nothing in them is hidden; a third-party
parser's words are scrubbed of the password where they quote it. Both halves are
checked at once by comparing what a run prints with a password P and with a
canary: the same bytes (positions aside, for a parse error) means the message
neither shows P nor lost a word to it, since the canary never shows. Passwords
are drawn from ordinary words, short strings and the words of the messages
themselves, in every input format.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.cases.harness import Outcome, run_cli

CANARY = "Zqcanarypw"
# Words of the messages these runs print, and of the var files they read.
MESSAGE_WORDS = (
    "the",
    "variable",
    "variables",
    "password",
    "password_inline",
    "inline",
    "problem",
    "problems",
    "with",
    "render",
    "mode",
    "would",
    "write",
    "this",
    "into",
    "Git",
    "plain",
    "text",
    "set",
    "allow_plaintext_secrets",
    "true",
    "secret",
    "from",
    "var",
    "file",
    "nodes",
    "namespace",
    "must",
    "be",
    "a",
    "not",
    "valid",
    "YAML",
    "JSON",
    "HCL",
    "line",
    "column",
    "key",
    "shown",
    "wrote",
    "files",
    "to",
    "out",
)
ORDINARY = ("hunter2", "hunter2-secret", "test-password-for-render", "letmein", "s3cr3t", "Summer")
SHORT = ("-", "e", "a", "x", "1", "0", ".", ":", "_", "ab", "-x", "e1")
passwords = st.one_of(
    st.sampled_from(MESSAGE_WORDS + ORDINARY + SHORT),
    st.text(st.sampled_from("aeinrstvEP0123-_.:"), min_size=1, max_size=3),
)
FORMATS = ("tfvars", "json", "yaml", "option", "environment")
COMPANIONS: tuple[dict[str, object], ...] = (
    {},
    {"nodes": 0},
    {"namespace": "Bad_NS", "nodes": "abc"},
    {"allow_plaintext_secrets": True},
    {"allow_plaintext_secrets": True, "cluster_name": "cache"},
)
# A comment naming the variables a refusal is about, as a user's var file may hold.
COMMENT = "password_inline is set below; see allow_plaintext_secrets"
COMMANDS = (["validate"], ["render"], ["contract"], ["validate", "--output", "json"])


def _hcl(value: object) -> str:
    """A value as an HCL literal: JSON's, with tofu's template sequences escaped."""
    return json.dumps(value).replace("${", "$${").replace("%{", "%%{")


def _run(
    folder: Path, command: list[str], form: str, password: str, others: dict[str, object]
) -> Outcome:
    args, environment = list(command), {}
    if form in ("tfvars", "json", "yaml"):
        values = {**others, "password_inline": password}
        path = folder / f"vars.{form}"
        if form == "tfvars":
            lines = [f"# {COMMENT}", *(f"{k} = {_hcl(v)}" for k, v in values.items())]
            path.write_text("\n".join(lines) + "\n", "utf-8")
        elif form == "yaml":
            path.write_text(f"# {COMMENT}\n" + yaml.safe_dump(values), "utf-8")
        else:
            path.write_text(json.dumps(values), "utf-8")
        args += ["--var-file", str(path)]
    else:
        path = folder / "others.json"
        path.write_text(json.dumps(others), "utf-8")
        args += ["--var-file", str(path)]
        if form == "option":
            args += ["--var", f"password_inline={password}"]
        else:
            environment["TF_VAR_password_inline"] = password
    if command[0] == "render":
        args += ["--out", str(folder / "out")]
    with mock.patch.dict(os.environ, environment):
        outcome = run_cli(args)
    return Outcome(
        outcome.code,
        outcome.stdout.replace(str(folder), "DIR"),
        outcome.stderr.replace(str(folder), "DIR"),
    )


def _outcomes(make: Callable[[Path, str], Outcome], password: str) -> tuple[Outcome, Outcome]:
    """The same run with the password and with the canary, each in a new folder."""
    results = []
    for value in (password, CANARY):
        with tempfile.TemporaryDirectory() as folder:
            results.append(make(Path(folder), value))
    with_password, with_canary = results
    printed = with_canary.stdout + with_canary.stderr
    assert CANARY not in printed, printed
    return with_password, with_canary


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    password=passwords,
    form=st.sampled_from(FORMATS),
    others=st.sampled_from(COMPANIONS),
    command=st.sampled_from(COMMANDS),
)
@example(password="the", form="option", others={"nodes": 0}, command=["validate"])
@example(password="hunter2-secret", form="tfvars", others={}, command=["render"])
@example(password="e", form="yaml", others={"namespace": "Bad_NS"}, command=["validate"])
def test_messages_do_not_depend_on_the_password(
    password: str, form: str, others: dict[str, object], command: list[str]
) -> None:
    assume(password.strip() == password)
    got, canary = _outcomes(
        lambda folder, value: _run(folder, command, form, value, others), password
    )
    assert got == canary, f"password {password!r}:\n{got.stderr}\nwith the canary:\n{canary.stderr}"


def _positions(text: str) -> str:
    return re.sub(r"line \d+, column \d+", "line L, column C", text)


# Var files a parser refuses on the password's own line, one per kind of error, each
# with the passwords it is that error for (others make another error or none at all).
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*").fullmatch
BROKEN: dict[str, tuple[str, str, Callable[[str], object]]] = {
    "yaml-custom-tag": ("v.yaml", "password_inline: !{P}\nnodes: 3\n", _WORD),
    "yaml-unclosed-quote": ("v.yaml", 'nodes: 3\npassword_inline: "{P}\n', lambda p: '"' not in p),
    "yaml-duplicate-key": (
        "v.yaml",
        "password_inline: {{{P}: 1, {P}: 2}}\n",
        lambda p: (
            _WORD(p)
            and isinstance(yaml.safe_load(f"{p}: 1"), dict)
            and isinstance(next(iter(yaml.safe_load(f"{p}: 1"))), str)
        ),
    ),
    "yaml-flow-unclosed": ("v.yaml", "password_inline: [{P}\nnodes: 3\n", _WORD),
    "hcl-unterminated-string": ("v.tfvars", 'password_inline = "{P}\nnodes = 3\n', _WORD),
    "hcl-bare-word": (
        "v.tfvars",
        "password_inline = {P}\n",
        lambda p: _WORD(p) and p not in ("true", "false", "null"),
    ),
    "hcl-unclosed-heredoc": ("v.tfvars", "password_inline = <<EOT\n{P}\n", _WORD),
    "json-bare-word": (
        "v.json",
        '{{"password_inline": {P}}}',
        lambda p: _WORD(p) and p not in ("true", "false", "null"),
    ),
    "json-unclosed-object": ("v.json", '{{"password_inline": "{P}"', _WORD),
    "json-duplicate-key": (
        "v.json",
        '{{"password_inline": "{P}", "password_inline": "{P}"}}',
        _WORD,
    ),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=passwords, broken=st.sampled_from(sorted(BROKEN)), option=st.booleans())
@example(password="the", broken="yaml-custom-tag", option=False)
@example(password="e", broken="yaml-duplicate-key", option=False)
@example(password="variable", broken="hcl-bare-word", option=True)
def test_parse_errors_do_not_depend_on_the_password(
    password: str, broken: str, option: bool
) -> None:
    name, template, admits = BROKEN[broken]
    assume(admits(password))

    def make(folder: Path, value: str) -> Outcome:
        path = folder / name
        path.write_text(template.format(P=value), "utf-8")
        # With the password also given by --var, as a later source.
        extra = ["--var", f"password_inline={value}"] if option else []
        outcome = run_cli(["validate", "--var-file", str(path), *extra])
        return Outcome(
            outcome.code, outcome.stdout, _positions(outcome.stderr).replace(str(folder), "DIR")
        )

    got, canary = _outcomes(make, password)
    assert got.code == canary.code == 2, canary.stderr
    assert f"var file 'DIR/{name}'" in canary.stderr
    assert got == canary, f"password {password!r}:\n{got.stderr}\nwith the canary:\n{canary.stderr}"


@pytest.mark.parametrize(
    ("args", "files", "expected"),
    [
        # The reports, each now whole: nothing of the message is hidden.
        (
            ["render", "--var-file", "a.tfvars"],
            {"a.tfvars": 'password_inline = "hunter2-secret"\n'},
            "or keep the secret out of Git: use eso_enabled with password_vault_path",
        ),
        (
            ["validate", "--var", "password_inline=test-password-for-render"],
            {},
            'variable "password_inline": render mode would write this password into Git',
        ),
        (
            ["validate", "--var-file", "b.tfvars"],
            {"b.tfvars": '# password_inline ... allow_plaintext_secrets\npassword_inline = "x1"\n'},
            "set allow_plaintext_secrets = true to accept that",
        ),
        (
            ["validate", "--var", "password_inline=the", "--var", "nodes=0"],
            {},
            "error: 2 problems with the variables:",
        ),
    ],
)
def test_the_reported_messages_read_whole(
    args: list[str],
    files: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(args)
    assert outcome.code == 2
    assert expected in outcome.stderr
    assert "(not shown)" not in outcome.stderr


def test_a_parser_quoting_the_password_line_shows_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text("nodes: 3\npassword_inline: {hunter2-secret: 1, hunter2-secret: 2}\n")
    outcome = run_cli(["validate", "--var-file", str(path)])
    assert outcome.code == 2
    assert "is not valid YAML: the key (not shown) is set twice (first at line 2)" in outcome.stderr
    assert "hunter2" not in outcome.stderr
