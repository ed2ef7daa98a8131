"""Copy the variables table promised by ../shared/docs/interface.md into tests/data.

The test that holds the generated variables table to that promise then runs on
any clone; beside ../shared it also checks the copy is current.

    python scripts/carry_interface_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INTERFACE = REPO.parent / "shared" / "docs" / "interface.md"
CARRIED = REPO / "tests" / "data" / "interface-variables.md"
HEADER = (
    "<!-- The table rows of shared/docs/interface.md, copied by"
    " scripts/carry_interface_table.py; do not edit. -->\n"
)


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")]


def carried_text(interface: str) -> str:
    return HEADER + "".join(f"{row}\n" for row in table_rows(interface))


def main() -> int:
    if not INTERFACE.is_file():
        print(f"{INTERFACE} is not present", file=sys.stderr)
        return 2
    CARRIED.write_text(carried_text(INTERFACE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {CARRIED.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
