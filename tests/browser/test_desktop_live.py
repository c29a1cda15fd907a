"""The desktop in Debian's Chromium against the city ``make run`` starts.

One :class:`~finestra_local.city.LocalCity` (the stack, a small demo city, the outside
world and the gateway serving ``desktop/dist``) runs while ``desktop/e2e/live/`` drives
the desktop through it: an SMS from outside, found, read, answered and moved on by an
agent signed in to the local user pool, the answer read back from the city's outbox,
the citizen found by phone, the language switched, and axe run on every screen; and a
campaign manager's survey campaign by email, segmented, launched, answered from its link,
unsubscribed from, and its answer counted; and an Open311 client app's request, filed with
the key the city registered for it, read back as open, routed and read by the agent in
the desktop with its photo as a link out of the city.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from finestra_local.city import LocalCity
from finestra_local.demo_city import CitySize
from finestra_local.staff import DEMO_STAFF
from tests.conftest import ROOT

DESKTOP = ROOT / "desktop"
LIVE = DESKTOP / "e2e" / "live"
SMALL_CITY = CitySize(citizens=60, requests=240)
AGENT = next(member for member in DEMO_STAFF if member.username == "agent.eixample")
MANAGER = next(member for member in DEMO_STAFF if member.username == "campaigns")
TIMEOUT_S = 600


@pytest.fixture(scope="module")
def city() -> Iterator[LocalCity]:
    if not (DESKTOP / "dist" / "index.html").is_file():
        pytest.fail("desktop/dist is missing: `make desktop` builds it (make test does)")
    with LocalCity(ROOT, port=0, size=SMALL_CITY) as started:
        yield started


def live_tests() -> list[Path]:
    return sorted(LIVE.glob("*.test.mjs"))


def test_there_are_live_browser_tests_to_run() -> None:
    assert [path.name for path in live_tests()] == [
        "campaigns.test.mjs",
        "city.test.mjs",
        "open311.test.mjs",
    ]


@pytest.mark.e2e
def test_the_desktop_works_against_the_local_city(city: LocalCity) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH (the desktop's build needs it too)"
    assert city.open311_key is not None, "the local city registered no Open311 client app"
    environment = {
        **os.environ,
        "FINESTRA_URL": city.url,
        "FINESTRA_USERNAME": AGENT.username,
        "FINESTRA_PASSWORD": AGENT.password,
        "FINESTRA_MANAGER_USERNAME": MANAGER.username,
        "FINESTRA_MANAGER_PASSWORD": MANAGER.password,
        "FINESTRA_OPEN311_KEY": city.open311_key,
        "CHROMIUM": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
    }
    run = subprocess.run(
        [node, "--test", "--test-concurrency=1", *map(str, live_tests())],
        cwd=DESKTOP,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )

    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-6000:]
    assert "# fail 0" in report
    assert "# pass 6" in report
