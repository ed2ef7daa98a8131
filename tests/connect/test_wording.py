"""Each hint names what its reader can change: connect()'s keywords, or check's options."""

from __future__ import annotations

import socket
import ssl

import pytest
from valkey import exceptions as vx

from wildside_valkey.cli.check import CHECK_WORDING
from wildside_valkey.workload.translate import Attempt, translate
from wildside_valkey.workload.wording import LIBRARY, Wording


def _untrusted() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError("certificate verify failed")
    error.verify_code = 20
    error.verify_message = "unable to get local issuer certificate"
    return error


FAILURES: dict[str, BaseException] = {
    "unresolvable": socket.gaierror(-2, "Name or service not known"),
    "noauth": vx.AuthenticationError("NOAUTH Authentication required."),
    "not a cluster": vx.ResponseError("ERR This instance has cluster support disabled"),
    "untrusted": _untrusted(),
    "unreachable node": vx.ConnectionError("Error 111 connecting to 10.0.0.7:6379."),
}
LIBRARY_HINTS = {
    "unresolvable": "port-forward and pass host/port",
    "noauth": "pass the password explicitly",
    "not a cluster": "connect with cluster=False",
    "untrusted": "(ca_file, or ca_from_secret=True to read the contract's CA Secret)",
    "unreachable node": "(map announced addresses with address_map)",
}
CHECK_HINTS = {
    "unresolvable": "port-forward and pass --host/--port",
    "noauth": "give one in $VALKEY_PASSWORD (or --password-env NAME) or --password-file FILE",
    "not a cluster": "connect with --standalone",
    "untrusted": "(--ca-file, or --ca-from-secret to read the contract's CA Secret)",
    "unreachable node": "(map announced addresses with --address-map)",
}


@pytest.mark.parametrize(
    ("wording", "hints", "foreign"),
    [(LIBRARY, LIBRARY_HINTS, "--"), (CHECK_WORDING, CHECK_HINTS, "=True")],
    ids=["library", "check"],
)
@pytest.mark.parametrize("failure", FAILURES)
def test_hints_name_the_callers_options(
    wording: Wording, hints: dict[str, str], foreign: str, failure: str
) -> None:
    attempt = Attempt("127.0.0.1:6379", None, None, cluster=True, wording=wording)
    message = str(translate(FAILURES[failure], attempt))
    assert hints[failure] in message
    assert foreign not in message, "a hint in the other caller's words"
