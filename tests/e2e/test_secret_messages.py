"""Apply mode keeps the password out and its messages whole, whatever the password is.

The policy (``apply/redact.py``, ``variables/redaction.py``, docs/limits.md): the tool's
own words (progress, plan listings, reports, the contract) never hold the password and
are never redacted; words from outside it (an API server's message, helm's stderr) are
scrubbed of the password where they enter a message (unit-tested in
tests/apply/test_apply_core.py). As in tests/test_secret_messages.py, both halves are
checked by comparing a run with a password P against one with a canary that never shows:
the same words mean P neither showed nor took a word with it.
"""

from __future__ import annotations

from tests.e2e.conftest import Live

CANARY = "Zqcanarypw"
# Ordinary words, and words (or letters) of apply's own messages: "+ created Valkey
# <ns>/valkey", "apply complete: ...", "helm: installed valkey-operator ...".
PASSWORDS = ("valkey", "apply", "the", "e", "-")


def lifecycle(live: Live, password: str) -> list[str]:
    """What plan, apply and plan again print for a new instance in a namespace of its own
    (named NS here, so runs compare), less the lines that report progress while waiting
    (their count depends on timing)."""
    namespace = live.new_namespace()
    outputs = []
    for command in (["plan"], ["plan", "--output", "json"], ["apply"], ["plan"]):
        args = live.args(namespace=namespace, password_inline=password)
        result = live.run(*command, *args)
        assert result.returncode == 0, result.stderr
        text = (result.stdout + result.stderr).replace(namespace, "NS")
        outputs.append("\n".join(line for line in text.splitlines() if "waiting for" not in line))
    return outputs


def test_apply_mode_prints_the_same_words_whatever_the_password(live: Live) -> None:
    # The shared operator release first, so that no run below is the one that installs it.
    assert live.run("apply", *live.args()).returncode == 0
    expected = lifecycle(live, CANARY)
    assert "+ created Valkey NS/valkey" in expected[2]
    assert CANARY not in "".join(expected)
    for password in PASSWORDS:
        assert lifecycle(live, password) == expected, password
