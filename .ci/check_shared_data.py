"""CI: fail when a test marked ``shared_data`` was skipped, or none ran (pytest JUnit XML).

``tests/conftest.py`` tags every test marked ``@pytest.mark.shared_data`` with the JUnit
property ``shared_data``; this reads the report written by ``pytest --junitxml=FILE``.
Usage: ``python3 .ci/check_shared_data.py FILE``; exit status 1 with the tests named.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def shared_data_cases(path: str) -> tuple[int, list[str]]:
    """Number of ``shared_data`` test cases in the report, and those skipped (with the reason)."""
    total, skipped = 0, []
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        if props.get("shared_data") != "true":
            continue
        total += 1
        skip = case.find("skipped")
        if skip is not None:
            skipped.append(f"{case.get('classname')}::{case.get('name')}: {skip.get('message', '')}")
    return total, skipped


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_shared_data.py JUNIT_XML", file=sys.stderr)
        return 2
    try:
        total, skipped = shared_data_cases(argv[0])
    except (OSError, ET.ParseError) as err:
        print(f"CI: cannot read the pytest report {argv[0]}: {err}", file=sys.stderr)
        return 1
    if total == 0:
        print("CI: no test marked shared_data ran: the real survey data was not read", file=sys.stderr)
        return 1
    if skipped:
        print(f"CI: {len(skipped)} of {total} tests that read ../shared/data were skipped:", file=sys.stderr)
        for line in skipped:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"CI: all {total} tests marked shared_data ran (none skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
