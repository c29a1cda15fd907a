"""What one change of a request adds to the report counters (no AWS: the counting alone)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finestra.stats.counting import (
    NO_VALUE,
    Counter,
    Dimension,
    RequestImage,
    Tally,
    count_change,
)
from finestra.stats.store import months_between

MADRID = ZoneInfo("Europe/Madrid")
CREATED = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
"""Half past midnight of 1 April in Barcelona (summer time)."""


def image(**changes: Any) -> RequestImage:
    fields: dict[str, Any] = {
        "reference": "BCN-2026-000123",
        "version": 1,
        "state": "pending_validation",
        "input_channel": "sms",
        "responsible_group": "triage",
        "theme_code": None,
        "district_code": "2",
        "created_at": CREATED,
        "updated_at": CREATED,
        "sla_due_at": CREATED + timedelta(days=5),
    }
    fields.update(changes)
    return RequestImage.model_validate(fields)


def test_a_new_request_opens_once_in_each_dimension_on_the_city_date() -> None:
    counting = count_change(None, False, image(), MADRID)

    day = date(2026, 4, 1)
    assert dict(counting.items()) == {
        (Dimension.CHANNEL, day, "sms"): {Counter.OPENED: 1},
        (Dimension.DISTRICT, day, "2"): {Counter.OPENED: 1},
        (Dimension.GROUP, day, "triage"): {Counter.OPENED: 1},
        (Dimension.THEME, day, NO_VALUE): {Counter.OPENED: 1},
    }
    assert counting.events == ["opened"]
    assert counting.tally.opened_on == day


def test_a_classified_and_routed_request_moves_its_opening_to_its_theme_and_group() -> None:
    before = Tally.of(image(), MADRID)
    after = image(version=3, theme_code="roads.pothole", responsible_group="paving.d2")

    counting = count_change(before, False, after, MADRID)

    day = date(2026, 4, 1)
    assert dict(counting.items()) == {
        (Dimension.GROUP, day, "triage"): {Counter.OPENED: -1},
        (Dimension.GROUP, day, "paving.d2"): {Counter.OPENED: 1},
        (Dimension.THEME, day, NO_VALUE): {Counter.OPENED: -1},
        (Dimension.THEME, day, "roads.pothole"): {Counter.OPENED: 1},
    }
    assert counting.events == ["theme_changed", "group_changed"]


def test_a_change_the_statistics_do_not_read_adds_nothing() -> None:
    before = Tally.of(image(), MADRID)

    counting = count_change(before, False, image(version=2, state="planned"), MADRID)

    assert dict(counting.items()) == {}


def test_a_close_within_the_sla_counts_its_seconds_under_the_group_at_closing() -> None:
    before = Tally.of(image(responsible_group="paving.d2"), MADRID)
    closed_at = CREATED + timedelta(days=2)
    after = image(version=4, state="closed", responsible_group="paving.d2", updated_at=closed_at)

    counting = count_change(before, False, after, MADRID)

    closing = {Counter.CLOSED: 1, Counter.CLOSING_SECONDS: 2 * 86400, Counter.CLOSED_WITHIN_SLA: 1}
    assert dict(counting.items())[(Dimension.GROUP, date(2026, 4, 3), "paving.d2")] == closing
    assert len(counting.increments) == 4
    assert counting.events == ["closed"]
    assert counting.tally.final is True


def test_a_close_after_the_due_time_is_late() -> None:
    before = Tally.of(image(), MADRID)
    closed_at = CREATED + timedelta(days=5, seconds=1)

    counting = count_change(
        before, False, image(version=2, state="cancelled", updated_at=closed_at), MADRID
    )

    counters = dict(counting.items())[(Dimension.CHANNEL, date(2026, 4, 6), "sms")]
    assert counters[Counter.CLOSED_LATE] == 1
    assert Counter.CLOSED_WITHIN_SLA not in counters


def test_a_close_without_an_sla_is_neither_within_nor_late() -> None:
    before = Tally.of(image(), MADRID)

    counting = count_change(
        before, False, image(version=2, state="closed", sla_due_at=None), MADRID
    )

    counters = dict(counting.items())[(Dimension.CHANNEL, date(2026, 4, 1), "sms")]
    assert counters == {Counter.CLOSED: 1}


def test_a_request_created_closed_opens_and_closes_at_once() -> None:
    counting = count_change(None, False, image(state="closed"), MADRID)

    counters = dict(counting.items())[(Dimension.DISTRICT, date(2026, 4, 1), "2")]
    assert counters == {Counter.OPENED: 1, Counter.CLOSED: 1, Counter.CLOSED_WITHIN_SLA: 1}
    assert counting.events == ["opened", "closed"]


def test_a_reopened_request_counts_reopened_on_the_day_it_was_reopened() -> None:
    closed = Tally.of(image(version=2, state="closed"), MADRID)
    reopened_at = datetime(2026, 4, 10, 9, tzinfo=UTC)

    counting = count_change(
        closed, True, image(version=3, state="in_resolution", updated_at=reopened_at), MADRID
    )

    assert dict(counting.items())[(Dimension.GROUP, date(2026, 4, 10), "triage")] == {
        Counter.REOPENED: 1
    }
    assert counting.events == ["reopened"]
    assert counting.tally.final is False


def test_a_change_from_one_final_state_to_another_is_no_second_closing() -> None:
    closed = Tally.of(image(version=2, state="closed"), MADRID)

    counting = count_change(closed, True, image(version=3, state="cancelled"), MADRID)

    assert dict(counting.items()) == {}


def test_a_range_of_days_is_read_as_one_key_range_per_month() -> None:
    assert months_between(date(2025, 12, 20), date(2026, 2, 3)) == [
        ("2025-12", 20, 31),
        ("2026-01", 1, 31),
        ("2026-02", 1, 3),
    ]
    assert months_between(date(2026, 3, 5), date(2026, 3, 5)) == [("2026-03", 5, 5)]
