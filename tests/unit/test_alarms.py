"""What must hold of the alarm vocabulary, the worklist's view counts and bulk validation."""

from datetime import UTC, datetime

import pytest

from finestra.apps.desk import DeskApp
from finestra.apps.desk_bulk import request_alarms
from finestra.auth import staff_from_claims
from finestra.desk.alarms import AlarmNotRaised, ClearAlarmOrder
from finestra.desk.bulk import next_state
from finestra.desk.worklist_views import ViewCounts, WorklistView, view_filters
from finestra.domain import alarms
from finestra.domain.alarms import CLEARABLE_ALARMS, STANDING_ALARMS, Alarm, alarms_of
from finestra.domain.errors import Conflict, ValidationFailed
from finestra.domain.process import PATHS
from finestra.domain.vocabulary import Priority, Process, RequestState
from finestra.intake.service import CITIZEN_REPLIED, POSSIBLE_DUPLICATE_CITIZEN
from finestra.settings import SLA_NEAR_FRACTION, DeskSettings, SlaWatchSettings
from finestra.workflow.sla import SLA_BREACHED, SLA_NEAR
from finestra.workflow.tasks import (
    ACKNOWLEDGEMENT_FAILED,
    LOW_CONFIDENCE_FLAG,
    POSSIBLE_DUPLICATE,
    WORKFLOW_FAILED,
)
from tests.conftest import Clock
from tests.support.desk_work import AGENT, COLLEAGUE, file_request

USER = "u-1"


@pytest.mark.parametrize(
    "flag",
    [
        CITIZEN_REPLIED,
        POSSIBLE_DUPLICATE_CITIZEN,
        SLA_NEAR,
        SLA_BREACHED,
        ACKNOWLEDGEMENT_FAILED,
        LOW_CONFIDENCE_FLAG,
        POSSIBLE_DUPLICATE,
        WORKFLOW_FAILED,
    ],
)
def test_every_flag_the_system_raises_is_an_alarm_of_the_vocabulary(flag: str) -> None:
    assert Alarm(flag).value == flag


def test_the_alarms_other_parts_raise_are_exported_by_name() -> None:
    assert [alarms.CLAIMED, alarms.REASSIGNED_BACK] == ["claimed", "reassigned_back"]
    assert [alarms.ANSWER_PENDING, alarms.EXTERNAL_BODY_ANSWERED] == [
        "answer_pending",
        "external_body_answered",
    ]


def test_standing_alarms_are_not_clearable_and_every_other_is() -> None:
    assert {Alarm.SLA_NEAR, Alarm.SLA_BREACHED, Alarm.WORKFLOW_FAILED} == STANDING_ALARMS
    assert set(Alarm) == CLEARABLE_ALARMS | STANDING_ALARMS
    assert not CLEARABLE_ALARMS & STANDING_ALARMS


def test_alarms_of_leaves_out_flags_outside_the_vocabulary_and_keeps_its_order() -> None:
    found = alarms_of({"seen", "possible_duplicate", "citizen_replied"})

    assert found == [Alarm.CITIZEN_REPLIED, Alarm.POSSIBLE_DUPLICATE]
    assert alarms_of(None) == []
    assert alarms_of("citizen_replied") == []


def test_the_desk_and_the_sla_watch_share_one_near_fraction_of_ninety_percent() -> None:
    desk = DeskSettings.model_fields["near_fraction"].default
    watch = SlaWatchSettings.model_fields["near_fraction"].default

    assert desk == watch == SLA_NEAR_FRACTION == 0.9


# --------------------------------------------------------------------------- view counts


def test_a_request_counts_in_every_view_it_belongs_to() -> None:
    counts = ViewCounts()
    item = {
        "state": "pending_validation",
        "priority": "urgent",
        "assigned_agent": USER,
        "flags": {"citizen_replied", "seen"},
    }

    counts.add(item, "at_risk", USER)

    assert counts.model_dump() == {
        "open": 1,
        "pending_validation": 1,
        "mine": 1,
        "about_to_breach": 1,
        "breached": 0,
        "urgent": 1,
        "alarms": {"citizen_replied": 1},
    }


def test_a_request_of_someone_else_on_time_counts_only_as_open() -> None:
    counts = ViewCounts()

    counts.add({"state": "planned", "priority": "normal", "assigned_agent": "u-2"}, "on_time", USER)
    counts.add({"state": "in_resolution", "priority": "high"}, "breached", USER)

    assert (counts.open, counts.mine, counts.breached, counts.about_to_breach) == (2, 0, 1, 0)
    assert counts.alarms == {}


def test_each_view_names_the_filters_it_stands_for() -> None:
    assert view_filters(WorklistView.PENDING_VALIDATION) == {
        "state": RequestState.PENDING_VALIDATION
    }
    assert view_filters(WorklistView.ABOUT_TO_BREACH) == {"sla": "at_risk"}
    assert view_filters(WorklistView.BREACHED) == {"sla": "breached"}
    assert view_filters(WorklistView.URGENT) == {"priority": Priority.URGENT}
    assert view_filters(WorklistView.MINE) == view_filters(WorklistView.OPEN) == {}


# --------------------------------------------------------------------------- validation


@pytest.fixture
def desk(aws: None, clock: Clock) -> DeskApp:
    return DeskApp(DeskSettings(), clock=lambda: datetime.now(UTC))


@pytest.mark.parametrize(
    ("theme", "process"),
    [
        ("roads.pothole", Process.PLAN_RESOLVE_ANSWER),
        ("roads.works-obstruction", Process.RESOLVE_ANSWER),
        ("roads.utility-cable", Process.EXTERNAL_BODY),
        ("general.enquiry", Process.IMMEDIATE_CLOSE),
    ],
)
def test_validation_moves_to_the_second_state_of_the_process_s_main_path(
    desk: DeskApp, theme: str, process: Process
) -> None:
    reference = file_request(desk, 1, theme=theme)
    request = desk.requests.get(reference)
    assert request is not None

    assert next_state(request, desk.catalogue) is PATHS[process][1]


def test_a_request_without_a_theme_cannot_be_validated(desk: DeskApp) -> None:
    request = desk.requests.get(file_request(desk, 1))
    assert request is not None

    with pytest.raises(ValidationFailed) as refused:
        next_state(request.model_copy(update={"theme_code": None}), desk.catalogue)

    assert refused.value.field == "theme"


# --------------------------------------------------------------------------- clearing races


def test_an_alarm_cleared_by_someone_else_after_the_read_is_reported_as_not_raised(
    desk: DeskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = file_request(desk, 1, flags=frozenset({"citizen_replied"}))
    stale = desk.requests.get(reference)
    assert stale is not None
    colleague = staff_from_claims(COLLEAGUE)
    request_alarms(desk).clear(colleague, reference, "citizen_replied", ClearAlarmOrder())
    monkeypatch.setattr(desk.views, "request_for", lambda _staff, _reference: stale)

    with pytest.raises(AlarmNotRaised) as refused:
        request_alarms(desk).clear(
            staff_from_claims(AGENT), reference, "citizen_replied", ClearAlarmOrder()
        )

    assert refused.value.message == "was cleared meanwhile"


def test_a_request_changed_after_the_read_is_a_conflict_and_keeps_its_alarm(
    desk: DeskApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = file_request(desk, 1, flags=frozenset({"citizen_replied"}))
    stale = desk.requests.get(reference)
    assert stale is not None
    desk.requests.flag(reference, "seen", at=datetime.now(UTC))
    monkeypatch.setattr(desk.views, "request_for", lambda _staff, _reference: stale)

    with pytest.raises(Conflict) as refused:
        request_alarms(desk).clear(
            staff_from_claims(AGENT), reference, "citizen_replied", ClearAlarmOrder()
        )

    assert not isinstance(refused.value, AlarmNotRaised)
    current = desk.requests.get(reference)
    assert current is not None
    assert "citizen_replied" in current.flags
