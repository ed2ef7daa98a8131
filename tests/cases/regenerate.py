"""Rewrite the cases' inventories from the current code: ``make golden``.

Usage: ``python -m tests.cases.regenerate [--check] [CASE...]`` (default: every case).
``--check`` writes nothing and exits 1 when an inventory would change.
Review the diff before committing: the inventories are the suite's expectations.
"""

from __future__ import annotations

import argparse
import sys

from .harness import actual_inventory, case_names, discover_cases, dump_inventory, render_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cases.regenerate", description=__doc__)
    parser.add_argument("cases", nargs="*", metavar="CASE", help="case folder names")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any inventory is stale"
    )
    args = parser.parse_args(argv)
    known = case_names()
    unknown = [name for name in args.cases if name not in known]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; known: {', '.join(known)}")
    wanted = set(args.cases) or set(known)
    stale = 0
    for case in discover_cases():
        if case.name not in wanted:
            continue
        text = dump_inventory(case, actual_inventory(render_case(case)))
        current = (
            case.inventory_file.read_text(encoding="utf-8")
            if case.inventory_file.is_file()
            else None
        )
        if current == text:
            continue
        stale += 1
        if args.check:
            print(f"stale: {case.display_inventory}")
        else:
            case.inventory_file.write_text(text, encoding="utf-8")
            print(f"wrote {case.display_inventory}")
    if args.check and stale:
        return 1
    if not stale:
        print("inventories are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
