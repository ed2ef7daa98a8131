"""Properties over generated input (hypothesis).

1. Whatever values arrive for whatever names, the loader either returns
   variables or raises ``VariablesError`` (never anything else), and variables it
   accepts always plan and render.
2. A password never shows: not in any command's output or error, in either mode,
   next to valid or broken companions, not in ``repr`` of the variables or the
   plan, not in the problems, not in the contract, and not in plain text in any
   rendered file (the Secret's base64 ``data`` is the one place it goes).
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.cases.harness import kubernetes_objects, object_key, run_cli
from tests.cases.kube_schemas import validation_errors
from wildside_valkey.errors import VariablesError
from wildside_valkey.plan import build_plan
from wildside_valkey.render import render_tree
from wildside_valkey.variables import VARIABLE_NAMES, Variables, variables_from_mapping

CANARY = "canary-Zq7#pw"

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=10,
)

# Values that pass each variable's own rule, so generated sets also reach the
# rules between variables, the plan and the render.
PLAUSIBLE: dict[str, list[Any]] = {
    "mode": ["render", "apply", "APPLY"],
    "namespace": ["valkey", "cache", "platform"],
    "operator_namespace": ["valkey-system", "platform"],
    "create_namespaces": [True, False],
    "helm_release_name": ["valkey-operator", "r" * 53],
    "chart_repository": ["oci://ghcr.io/hyperspike", "https://charts.example.com/x/"],
    "chart_version": ["v0.0.61-chart", "1.2.3", "v1.0.0-rc.1+build.5"],
    "helm_timeout": [1, 600, 2**31],
    "helm_values": [[], ["a: 1", "a: {b: 2}", "c.d: [1]"], ["", "x: null"]],
    "flux_source_kind": ["OCIRepository", "HelmRepository"],
    "flux_helm_repository_interval": ["24h", "1h30m", "0.5s"],
    "flux_path_prefix": ["./platform/valkey/", "clusters"],
    "cluster_name": ["valkey", "a"],
    "nodes": [1, 3, 10],
    "replicas": [0, 1, 2],
    "cluster_domain": ["cluster.local", "example.org."],
    "persistence_enabled": [True, False],
    "storage_size": ["1Gi", "500M", "1e3"],
    "image": ["", "valkey/valkey:8"],
    "resource_requests": [{"cpu": "1", "memory": "1Gi"}, {"cpu": "10m", "memory": "1Mi"}],
    "resource_limits": [{"cpu": "2", "memory": "2Gi"}, {"cpu": ".5", "memory": "64Mi"}],
    "prometheus_enabled": [True, False],
    "service_monitor_enabled": [True, False],
    "pdb_enabled": [True, False],
    "pdb_min_available": [0, 1, 5],
    "node_selector": [{}, {"example.com/pool": "a_b.c"}],
    "tolerations": [[], [{"operator": "Exists", "effect": "NoExecute"}]],
    "anonymous_auth": [True, False],
    "password_inline": ["", "  x  ", 12345],
    "allow_plaintext_secrets": [True, False],
    "eso_enabled": [True, False],
    "password_vault_path": ["", "secret/data/x"],
    "tls_enabled": [True, False],
    "cert_issuer_name": ["", "ca"],
    "cert_issuer_type": ["ClusterIssuer", "Issuer"],
    "external_access_enabled": [True, False],
    "external_access_type": ["proxy", "LoadBalancer"],
    "flux_git_repository_name": ["flux-system", "git.example"],
    "flux_helm_repository_name": ["valkey-operator", "h"],
    "flux_helm_release_interval": ["1h", "5m30s"],
    "eso_refresh_interval": ["1h", "1.5h"],
    "eso_cluster_secret_store_name": ["vault-backend", "vault.example"],
    "password_secret_name": ["valkey-password", "a.b"],
    "password_secret_key": ["password", "a.b_c-D"],
    "pdb_name": ["pdb-valkey"],
    "storage_class": ["do-block-storage", "Fast_SSD"],
    "exporter_image": ["", "oliver006/redis_exporter:v1"],
    "helm_wait": [True, False],
}


def _load(raw: dict[str, Any]) -> Variables | VariablesError:
    """The loader's answer: variables, or the (only) error it may raise."""
    try:
        return variables_from_mapping(raw)
    except VariablesError as error:
        return error


@st.composite
def raw_variables(draw: st.DrawFn) -> dict[str, Any]:
    # Names are text, as in JSON and HCL (YAML's other keys: see the test below).
    # Mostly known names with plausible values, so that sets get accepted too;
    # any name and any JSON-like value for the rest.
    names = (
        st.sampled_from(VARIABLE_NAMES) | st.sampled_from(sorted(PLAUSIBLE)) | st.text(max_size=20)
    )
    raw: dict[str, Any] = {}
    for name in draw(st.lists(names, max_size=8)):
        samples = PLAUSIBLE.get(name)
        if samples and draw(st.integers(0, 3)):
            raw[name] = draw(st.sampled_from(samples))
        else:
            raw[name] = draw(JSON_VALUES)
    return raw


@settings(max_examples=400, deadline=None)
@given(raw_variables())
def test_any_values_are_accepted_or_reported_never_crash(raw: dict[str, Any]) -> None:
    variables = _load(raw)
    if isinstance(variables, VariablesError):
        event("refused")
        assert variables.problems, "a VariablesError must name at least one problem"
        for problem in variables.problems:
            assert isinstance(problem.variable, str)  # may be "" for a variable named ""
            assert problem.message
        return
    event("accepted")
    plan = build_plan(variables)
    tree = render_tree(plan)
    assert json.loads(tree["contract.json"]) == plan.contract.to_dict()
    for path, text in tree.items():
        if path.endswith(".yaml"):
            assert all(doc for doc in yaml.safe_load_all(text)), path


@st.composite
def plausible_variables(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(PLAUSIBLE)), max_size=14, unique=True))
    return {name: draw(st.sampled_from(PLAUSIBLE[name])) for name in names}


@settings(max_examples=300, deadline=None)
@given(plausible_variables())
def test_accepted_variables_render_objects_the_api_server_accepts(raw: dict[str, Any]) -> None:
    variables = _load(raw)
    if isinstance(variables, VariablesError):
        event("refused")
        return
    event("accepted")
    tree = render_tree(build_plan(variables))
    failures = [
        f"{object_key(path, obj)}: {error}"
        for path, obj in kubernetes_objects(tree)
        for error in validation_errors(obj)
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", [1, None, True], ids=["int", "null", "bool"])
def test_names_that_are_not_text_are_reported(name: Any) -> None:
    result = _load({name: "x"})
    assert isinstance(result, VariablesError)
    assert [problem.variable for problem in result.problems] == [str(name)]


# --------------------------------------------------------------------- the canary

VALID_COMPANIONS: list[dict[str, Any]] = [
    {"nodes": 3, "replicas": 1},
    {"anonymous_auth": True},
    {"eso_enabled": True, "password_vault_path": "secret/valkey"},
    {"tls_enabled": True, "cert_issuer_name": "ca"},
    {"password_secret_name": "valkey-auth", "password_secret_key": "auth"},
    {"namespace": "cache", "cluster_name": "orders"},
    {"persistence_enabled": False},
]
INVALID_COMPANIONS: list[dict[str, Any]] = [
    {"nodes": 0},
    {"nodes": "abc"},
    {"namespace": "Bad_NS"},
    {"chart_version": "latest"},
    {"password_secret_key": "bad key"},
    {"tls_enabled": True},
    {"service_monitor_enabled": True},
    {"passwd": "x"},
    {"resource_requests": {"cpu": "9", "memory": "1Mi"}},
    {"eso_enabled": True},
]
# The password itself, in the shapes a user might put it in (some of them wrong).
PASSWORD_SHAPES: list[Any] = [CANARY, f"  {CANARY}  ", [CANARY], {"value": CANARY}]


@st.composite
def companions(draw: st.DrawFn) -> dict[str, Any]:
    """Other variables next to the password: valid ones, and broken ones half the time."""
    chosen: dict[str, Any] = {"allow_plaintext_secrets": draw(st.booleans())}
    for group in draw(st.lists(st.sampled_from(VALID_COMPANIONS), max_size=3)):
        chosen.update(group)
    if draw(st.booleans()):
        for group in draw(st.lists(st.sampled_from(INVALID_COMPANIONS), min_size=1, max_size=2)):
            chosen.update(group)
    return chosen


def _hcl(value: Any) -> str:
    return json.dumps(value)  # JSON literals are valid HCL for these values


def _write_var_file(folder: Path, channel: str, values: dict[str, Any]) -> Path:
    if channel == "tfvars":
        path = folder / "vars.tfvars"
        path.write_text("".join(f"{k} = {_hcl(v)}\n" for k, v in values.items()), "utf-8")
    elif channel == "yaml":
        path = folder / "vars.yaml"
        path.write_text(yaml.safe_dump(values), "utf-8")
    else:
        path = folder / "vars.json"
        path.write_text(json.dumps(values), "utf-8")
    return path


COMMANDS: list[list[str]] = [
    ["render"],
    ["contract"],
    ["contract", "--format", "env"],
    ["contract", "--format", "yaml"],
    ["validate"],
    ["validate", "--output", "json"],
]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    mode=st.sampled_from(["render", "apply"]),
    channel=st.sampled_from(["option", "tfvars", "yaml", "json"]),
    shape=st.sampled_from(PASSWORD_SHAPES),
    others=companions(),
)
def test_the_password_never_shows_in_command_output(
    command: list[str], mode: str, channel: str, shape: Any, others: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        values = {**others, "mode": mode}
        args = list(command)
        if channel == "option":
            if not isinstance(shape, str):
                shape = json.dumps(shape)  # --var takes text for a string variable
            args += ["--var-file", str(_write_var_file(base, "json", values))]
            args += ["--var", f"password_inline={shape}"]
        else:
            values["password_inline"] = shape
            args += ["--var-file", str(_write_var_file(base, channel, values))]
        out = base / "out"
        if command[0] == "render":
            args += ["--out", str(out)]
        outcome = run_cli(args)
        event(f"{command[0]} exit {outcome.code}")
        shown = outcome.stdout + outcome.stderr
        assert CANARY not in shown, f"{args}: the password shows in\n{shown}"
        assert outcome.code in {0, 2}, shown
        if command[0] == "render" and out.exists():
            files = {p: p.read_text("utf-8") for p in out.rglob("*") if p.is_file()}
            for path, text in files.items():
                assert CANARY not in text, f"{path} holds the password in plain text"
            secret = out / "cluster" / "secret.yaml"
            if secret.exists():
                event("a Secret was rendered")
                # The password as given (trimmed) is there, base64-encoded.
                encoded = base64.b64encode(str(shape).strip().encode()).decode()
                assert f": {encoded}\n" in secret.read_text("utf-8")


STRATEGIES: dict[str, dict[str, Any]] = {
    "inline": {"allow_plaintext_secrets": True},
    "inline-refused": {},
    "eso": {"eso_enabled": True, "password_vault_path": "secret/valkey"},
    "anonymous": {"anonymous_auth": True},
    "broken-companion": {"allow_plaintext_secrets": True, "nodes": 0},
}


@pytest.mark.parametrize("mode", ["render", "apply"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_the_password_never_shows_in_any_command_mode_or_source(
    command: list[str], mode: str, tmp_path: Path
) -> None:
    """Every command, mode, source of the password and credential strategy, exhaustively."""
    rendered_secret = False
    for channel in ("option", "tfvars", "yaml", "json"):
        for strategy, companions_ in STRATEGIES.items():
            folder = tmp_path / f"{channel}-{strategy}"
            folder.mkdir()
            values = {**companions_, "mode": mode}
            args = list(command)
            if channel == "option":
                args += ["--var-file", str(_write_var_file(folder, "json", values))]
                args += ["--var", f"password_inline= {CANARY} "]
            else:
                values["password_inline"] = CANARY
                args += ["--var-file", str(_write_var_file(folder, channel, values))]
            if command[0] == "render":
                args += ["--out", str(folder / "out")]
            outcome = run_cli(args)
            where = f"{args}: exit {outcome.code}\n{outcome.stdout}{outcome.stderr}"
            assert CANARY not in outcome.stdout + outcome.stderr, where
            should_pass = (
                strategy != "broken-companion"
                # Only what writes to Git refuses a plaintext password: render, and
                # validate checking a render-mode variable set.
                and not (
                    strategy == "inline-refused"
                    and mode == "render"
                    and command[0] in {"render", "validate"}
                )
                and not (command[0] == "render" and mode == "apply")
            )
            assert outcome.code == (0 if should_pass else 2), where
            for path in (folder / "out").rglob("*"):
                if path.is_file():
                    assert CANARY not in path.read_text("utf-8"), path
            secret = folder / "out" / "cluster" / "secret.yaml"
            if secret.exists():
                rendered_secret = True
                encoded = base64.b64encode(CANARY.encode()).decode()
                assert f": {encoded}\n" in secret.read_text("utf-8")
    # The inline strategy really wrote the password (encoded) where a render could.
    assert rendered_secret == (command == ["render"] and mode == "render")


@settings(max_examples=200, deadline=None)
@given(shape=st.sampled_from(PASSWORD_SHAPES), others=companions(), misspelt=st.booleans())
def test_the_password_never_shows_in_the_library(
    shape: Any, others: dict[str, Any], misspelt: bool
) -> None:
    name = "password_inlin" if misspelt else "password_inline"
    raw = {**others, name: shape, "mode": "apply"}
    variables = _load(raw)
    if isinstance(variables, VariablesError):
        assert CANARY not in str(variables)
        assert CANARY not in repr(variables.problems)
        return
    plan = build_plan(variables)
    dumped = json.dumps(variables.to_dict())
    for text in (repr(variables), str(variables), dumped, repr(plan)):
        assert CANARY not in text
    assert CANARY not in json.dumps(plan.contract.to_dict())
    if isinstance(shape, str) and not misspelt:
        # It is really there, only hidden: the one reader gets it back trimmed.
        assert variables.password == CANARY


@pytest.mark.parametrize(
    "text",
    [
        f'password_inline = "%{{{CANARY}"\n',
        f"password_inline = <<EOT\n{CANARY}\n",
    ],
    ids=["template-directive", "unterminated-heredoc"],
)
def test_a_malformed_tfvars_file_does_not_echo_the_password(text: str, tmp_path: Path) -> None:
    path = tmp_path / "secrets.tfvars"
    path.write_text(text, encoding="utf-8")
    outcome = run_cli(["validate", "--var-file", str(path)])
    assert outcome.code == 2
    assert "not valid HCL" in outcome.stderr
    assert CANARY not in outcome.stdout + outcome.stderr
