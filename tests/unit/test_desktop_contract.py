"""The desktop asks the desk API only for what it serves: the insight dimensions and metrics.

The desktop's TypeScript lists them as constants in ``desktop/src/api/engage.ts``; the
desk API refuses any other value with a 422. A mismatch would pass the desktop's own
tests, which run against a mock, so this test reads both and holds them equal.
"""

import re
from pathlib import Path

import pytest

from finestra.insights.counting import Dimension
from finestra.insights.reader import Metric
from tests.conftest import ROOT

ENGAGE = ROOT / "desktop" / "src" / "api" / "engage.ts"


def constant(source: Path, name: str) -> list[str]:
    """The strings of ``export const <name> = [...] as const`` in a TypeScript file."""
    found = re.search(rf"export const {name} = \[(.*?)\] as const;", source.read_text(), re.S)
    assert found is not None, f"{source.name} has no constant {name}"
    return re.findall(r"'([^']+)'", found.group(1))


@pytest.mark.parametrize(
    ("name", "served"),
    [
        ("INSIGHT_DIMENSIONS", [d.value for d in Dimension]),
        ("INSIGHT_METRICS", [m.value for m in Metric]),
    ],
)
def test_the_desktop_lists_exactly_what_the_desk_api_serves(name: str, served: list[str]) -> None:
    assert sorted(constant(ENGAGE, name)) == sorted(served)


def test_the_reader_finds_a_constant_and_refuses_a_missing_one(tmp_path: Path) -> None:
    source = tmp_path / "some.ts"
    source.write_text("export const COLOURS = [\n  'red',\n  'blue',\n] as const;\n")

    assert constant(source, "COLOURS") == ["red", "blue"]
    with pytest.raises(AssertionError, match="no constant SIZES"):
        constant(source, "SIZES")
