"""Every YAML the project writes means the same to every reader.

PyYAML, go-yaml v2 (kubectl, client-go, Flux, helm; its resolve rules in
tests/yaml_readers.py) and a YAML 1.2 reader (ruamel.yaml) must read each
written string as that string, and each number, boolean and null as itself:
checked on generated strings and documents through the real writer, on every
render case (``ambiguous-strings`` puts such texts in every user-supplied
string field), on a batch and on the contract's YAML formats.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.cases.harness import case_names, get_case, render_case, run_cli
from tests.yaml_readers import Timestamp, go_resolve, readings
from wildside_valkey.render.batch import environment_variables, render_batch
from wildside_valkey.variables.yaml_writer import dump_document, dump_documents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # gopkg.in/yaml.v2 v2.4.0 decode_test.go, the unmarshal table (lines 27-66,
        # 259, 515-557, 589-620, 696-699): what go-yaml itself decodes these to.
        ("hi", "hi"),
        ("true", True),
        ("10", 10),
        ("0b10", 2),
        ("0xA", 10),
        ("4294967296", 4294967296),
        ("0.1", 0.1),
        (".1", 0.1),
        (".Inf", math.inf),
        ("-.Inf", -math.inf),
        ("-10", -10),
        ("-.1", -0.1),
        ("y", True),
        ("-b_c", "-b_c"),
        ("+b_c", "+b_c"),
        ("50cent_of_dollar", "50cent_of_dollar"),
        ("3s", "3s"),
        ("<foo>", "<foo>"),
        ("1:1", "1:1"),
        ("1.2.3.4", "1.2.3.4"),
        ("2015-01-01", Timestamp("2015-01-01")),
        ("2015-02-24T18:19:39.12Z", Timestamp("2015-02-24T18:19:39.12Z")),
        ("2015-2-3T3:4:5Z", Timestamp("2015-2-3T3:4:5Z")),
        ("2015-02-24t18:19:39Z", Timestamp("2015-02-24t18:19:39Z")),
        ("2015-02-24 18:19:39", Timestamp("2015-02-24 18:19:39")),
        ("123456e1", 1234560.0),
        ("123456E1", 1234560.0),
        ("0b1010_0111_0100_1010_1110", 685230),
        ("-0b101010", -42),
        ("9223372036854775808", 9223372036854775808),  # past int64: ParseUint takes it
        # And what the rules say beyond the table: go's ParseInt base 0 reads 0X and
        # 0o prefixes, a leading 0 is octal (08 is then a float), underscores are
        # dropped first, a month out of range is no timestamp, 1e400 is out of range.
        ("0X1F", 31),
        ("0o17", 15),
        ("017", 15),
        ("08", 8.0),
        ("+_1", 1),
        ("2024-13-01", "2024-13-01"),
        ("2023-02-29", "2023-02-29"),
        ("1e400", "1e400"),
        ("", None),
        ("~", None),
        ("N", False),
    ],
)
def test_the_go_yaml_v2_rules_decode_as_go_yaml_does(text: str, expected: Any) -> None:
    assert go_resolve(text) == expected
    assert type(go_resolve(text)) is type(expected)


def _same_everywhere(text: str, expected: list[Any]) -> None:
    for reader, got in readings(text).items():
        assert got == expected, f"{reader} reads\n{text}\nas {got!r}, not {expected!r}"
        assert repr(got) == repr(expected), f"{reader}: {got!r} is not typed as {expected!r}"


# Texts some reader takes for something else, and their neighbours.
TRICKY = [
    *("y", "Y", "n", "N", "yes", "No", "ON", "off", "true", "False", "~", "null", "NULL"),
    *("1e3", "1E3", "-1e3", "1e+3", "1_000", "+_1", "-_1", "_1", "1_", "0x1F", "0X1F", "0o17"),
    *("0O17", "0b101", "-0b1", "08", "017", "0", "-0", "+1", ".5", "-.5", "5.", "._5", ".5_0"),
    *(".inf", "-.Inf", ".NaN", "1:20", "1:20:30.5", "2024-01-02", "2024-1-2", "2024-1-2 3:4:5"),
    *("2024-01-02T03:04:05Z", "2024-1-2t3:4:5+01:00", "0000-02-29", "9999-99-99", "<<", "="),
    *("1.2.3", "v1.0", "1Gi", "250m", "6379", "1e400", "99999999999999999999", "-", ".", "+"),
    *("e", "E", "0x", "0b", "1e", "Infinity", "nan", "0.0.61", "cluster.local", "@x", "!x"),
]
scalars = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.sampled_from("0123456789.+-_eExXoObB:T tyYnN~"), max_size=12),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
values = st.recursive(
    st.one_of(
        scalars,
        st.booleans(),
        st.none(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(scalars, children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(text=scalars)
@example(text="y")
@example(text="1e3")
def test_a_written_string_reads_back_as_itself(text: str) -> None:
    document = {"key": text, text: "value", "list": [text]}
    _same_everywhere(dump_documents([document]), [document])


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(scalars, values, max_size=5))
def test_written_documents_read_back_the_same_everywhere(document: dict[str, Any]) -> None:
    _same_everywhere(
        dump_documents([document, {"second": document}]), [document, {"second": document}]
    )
    _same_everywhere(dump_document(document), [document])


def test_numbers_and_booleans_stay_plain() -> None:
    text = dump_document({"count": 3, "f": 1.5, "big": 1e20, "t": True, "z": None, "s": "3"})
    assert text == "count: 3\nf: 1.5\nbig: 1.0e+20\nt: true\nz: null\ns: '3'\n"


def _check_yaml_files(tree: dict[str, str]) -> int:
    checked = 0
    for path, text in tree.items():
        if path.endswith(".yaml"):
            # PyYAML's reading is the reference: the case inventories pin it.
            _same_everywhere(text, readings(text)["PyYAML"])
            checked += 1
    return checked


@pytest.mark.parametrize("name", case_names())
def test_every_render_case_reads_the_same_everywhere(name: str) -> None:
    assert _check_yaml_files(dict(render_case(get_case(name)).tree)) >= 6


def test_the_ambiguous_values_are_strings_where_kubernetes_reads_them() -> None:
    tree = render_case(get_case("ambiguous-strings")).tree
    valkey = readings(tree["cluster/valkey.yaml"])["go-yaml v2"][0]
    assert valkey["metadata"]["namespace"] == "n"
    assert valkey["spec"]["nodeSelector"] == {
        "y": "n",
        "disk": "Y",
        "zone": "1e3",
        "rack": "08",
        "row": "0X1F",
        "day": "2024-1-2",
        "octal": "0o17",
    }
    assert valkey["spec"]["tolerations"][0] == {
        "key": "y",
        "operator": "Equal",
        "value": "N",
        "effect": "NoSchedule",
    }
    release = readings(tree["operator/helmrelease.yaml"])["go-yaml v2"][0]
    assert release["spec"]["values"]["answer"] == "N"
    assert release["spec"]["values"]["nested"]["list"] == ["n", "08", "+_1", "0b1_0"]


def test_a_batch_reads_the_same_everywhere() -> None:
    entries = [{"cluster_name": "y", "namespace": "n"}, {"cluster_name": "n", "namespace": "y"}]
    tree = render_batch(environment_variables({}, entries)).tree
    assert _check_yaml_files(dict(tree)) >= 10


@pytest.mark.parametrize("output", ["yaml", "configmap"])
def test_the_contract_formats_read_the_same_everywhere(output: str) -> None:
    outcome = run_cli(
        ["contract", "--var", "namespace=n", "--var", "cluster_name=y", "--format", output]
    )
    assert outcome.code == 0, outcome.stderr
    read = readings(outcome.stdout)
    assert read["go-yaml v2"] == read["PyYAML"] == read["YAML 1.2 (ruamel.yaml)"]
    assert "'n'" in outcome.stdout
