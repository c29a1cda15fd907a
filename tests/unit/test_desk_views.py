"""What must hold of the desk's read side: SLA states, the merged worklist, its cursor."""

from datetime import UTC, datetime, timedelta

import pytest

from finestra.apps.desk import DeskApp
from finestra.auth import Staff, staff_from_claims
from finestra.desk import Cursors
from finestra.desk.views import (
    WorklistItem,
    WorklistPage,
    WorklistQuery,
    citizen_in_scope,
    sla_state,
)
from finestra.domain.citizen import Citizen
from finestra.domain.errors import Forbidden, MalformedInput, ValidationFailed
from finestra.domain.identity import ContactVault
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import (
    FINAL_STATES,
    InputChannel,
    InteractionKind,
    Language,
    Priority,
    RequestState,
    ResponseChannel,
)
from finestra.settings import DeskSettings
from finestra.storage.citizens import name_tokens
from finestra.storage.keys import queue_index, shard_of
from tests.conftest import Clock

NOW = datetime(2026, 3, 14, 19, 41, 8, tzinfo=UTC)


def staff(
    roles: str = "[agent]", districts: str = "2,5", groups: str = "paving", user: str = "u-1"
) -> Staff:
    return staff_from_claims(
        {
            "sub": user,
            "token_use": "id",
            "cognito:username": user,
            "cognito:groups": roles,
            "custom:districts": districts,
            "custom:groups": groups,
        }
    )


def citizen(district: str | None) -> Citizen:
    return Citizen(id=new_id("cit"), district_code=district, created_at=NOW, updated_at=NOW)


@pytest.fixture
def desk(aws: None, clock: Clock) -> DeskApp:
    return DeskApp(DeskSettings(), clock=clock)


def file_request(
    desk: DeskApp,
    number: int,
    *,
    due_in: timedelta | None = timedelta(hours=50),
    span: timedelta = timedelta(hours=72),
    group: str = "paving.d2",
    district: str | None = "2",
    state: RequestState = RequestState.IN_RESOLUTION,
    theme: str = "roads.pothole",
    channel: InputChannel = InputChannel.WEB,
    priority: Priority = Priority.NORMAL,
) -> str:
    """Store a request due ``due_in`` from now, created ``span`` before it falls due."""
    now = desk.now()
    due = now + due_in if due_in is not None else None
    created = (due - span) if due is not None else now - timedelta(hours=1)
    reference = f"BCN-2026-{number:06d}"
    origin = Interaction(
        id=new_id("int"),
        at=created,
        kind=InteractionKind.INBOUND_MESSAGE,
        channel=channel,
        actor="citizen:cit_test",
        text=f"Forat número {number} a la vorera, davant del portal.",
    )
    request = Request(
        reference=reference,
        request_type=desk.catalogue.theme(theme).request_types[0],
        theme_code=theme,
        description=origin.text or "",
        location=Location(district_code=district) if district else None,
        input_channel=channel,
        response_channel=ResponseChannel.EMAIL,
        language=Language.CA,
        state=state,
        responsible_group=group,
        priority=priority,
        sla_due_at=due,
        created_at=created,
        updated_at=created,
        origin=origin,
        tracking_token_hash="0" * 64,
    )
    desk.requests.save(desk.requests.creation(request))
    return reference


def read_all(desk: DeskApp, who: Staff, **filters: object) -> list[WorklistPage]:
    pages = [desk.worklist.page(who, WorklistQuery.model_validate(filters))]
    while pages[-1].next_cursor is not None:
        query = WorklistQuery.model_validate({**filters, "cursor": pages[-1].next_cursor})
        pages.append(desk.worklist.page(who, query))
        assert len(pages) < 50
    return pages


def references(pages: list[WorklistPage]) -> list[str]:
    return [item.reference for page in pages for item in page.items]


def due_order(items: list[WorklistItem]) -> list[tuple[datetime, str]]:
    return [(item.due_at or item.received_at, item.reference) for item in items]


# --------------------------------------------------------------------------- SLA


@pytest.mark.parametrize(
    ("created_hours_ago", "due_in_hours", "expected"),
    [
        (10, 62, "on_time"),
        (64.8, 7.2, "at_risk"),
        (64.79, 7.21, "on_time"),
        (72, 0, "breached"),
        (80, -8, "breached"),
    ],
)
def test_the_sla_state_follows_the_share_of_the_sla_spent(
    created_hours_ago: float, due_in_hours: float, expected: str
) -> None:
    # given a request with a 72-hour SLA, created and due around now
    created = NOW - timedelta(hours=created_hours_ago)
    due = NOW + timedelta(hours=due_in_hours)

    # when its SLA state is judged with 90 % as the near fraction
    state = sla_state(created, due, NOW, 0.9)

    # then 90 % spent is at risk, the due time itself is breached
    assert state == expected


def test_a_request_without_a_due_time_has_no_sla_state() -> None:
    assert sla_state(NOW - timedelta(hours=1), None, NOW, 0.9) == "none"


def test_a_due_time_at_creation_is_at_risk_until_it_comes() -> None:
    assert sla_state(NOW + timedelta(hours=1), NOW + timedelta(hours=1), NOW, 0.9) == "at_risk"


# --------------------------------------------------------------------------- cursors


def test_a_sealed_cursor_opens_to_the_position_it_holds(desk: DeskApp) -> None:
    cursors = Cursors(desk.vault)

    cursor = cursors.seal("worklist", {"positions": ["a#b", None], "as_of": "2026"})

    assert cursors.open("worklist", cursor) == {"positions": ["a#b", None], "as_of": "2026"}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),
        lambda c: ("e" if c[0] != "e" else "f") + c[1:],
        lambda c: c.split(".")[0],
        lambda c: "not-a-cursor",
        lambda c: "",
        lambda c: "." + c.split(".")[1],
    ],
)
def test_a_changed_or_made_up_cursor_is_refused_as_bad_input(desk: DeskApp, tamper: object) -> None:
    cursors = Cursors(desk.vault)
    cursor = cursors.seal("worklist", {"positions": []})

    with pytest.raises(MalformedInput) as refused:
        cursors.open("worklist", tamper(cursor))  # type: ignore[operator]

    assert refused.value.field == "cursor"


def test_a_cursor_of_one_list_does_not_open_another(desk: DeskApp) -> None:
    cursors = Cursors(desk.vault)
    cursor = cursors.seal("access-log", {"sk": "AT#2026"})

    with pytest.raises(MalformedInput):
        cursors.open("worklist", cursor)


def test_a_cursor_signed_with_another_citys_key_is_refused(desk: DeskApp) -> None:
    other = Cursors(ContactVault(b"another city entirely, another key" * 2))
    cursor = other.seal("worklist", {"positions": []})

    with pytest.raises(MalformedInput):
        Cursors(desk.vault).open("worklist", cursor)


# --------------------------------------------------------------------------- the worklist


def test_the_worklist_merges_every_shard_soonest_due_first(desk: DeskApp) -> None:
    # given twelve requests of one queue, due in an order unrelated to their shards
    dues = [31, 5, 47, 12, 3, 60, 22, 8, 40, 17, 55, 26]
    filed = [file_request(desk, n + 1, due_in=timedelta(hours=h)) for n, h in enumerate(dues)]
    assert len({shard_of(ref, 4) for ref in filed}) > 1

    # when the worklist is read in one page
    page = desk.worklist.page(staff(), WorklistQuery(group="paving", limit=50))

    # then every request is there, in due order
    assert sorted(item.reference for item in page.items) == sorted(filed)
    assert due_order(page.items) == sorted(due_order(page.items))
    assert page.next_cursor is None


def test_the_pages_of_a_worklist_join_into_the_whole_list_without_repeats(desk: DeskApp) -> None:
    # given thirteen requests over two states and two branches
    for n in range(13):
        file_request(
            desk,
            n + 1,
            due_in=timedelta(hours=(n * 7) % 23 + 1),
            group="paving.d2" if n % 2 else "paving.d5",
            district="2" if n % 2 else "5",
            state=RequestState.PLANNED if n % 3 else RequestState.IN_RESOLUTION,
        )
    whole = desk.worklist.page(staff(), WorklistQuery(group="paving", limit=100))

    # when it is read four at a time
    pages = read_all(desk, staff(), group="paving", limit=4)

    # then the pages hold the same requests in the same order, each once
    assert references(pages) == [item.reference for item in whole.items]
    assert len(set(references(pages))) == 13
    assert [len(page.items) for page in pages] == [4, 4, 4, 1]


def test_the_sla_filter_keeps_exactly_the_requests_in_that_state(desk: DeskApp) -> None:
    # given requests on time, at risk, breached, due right now, and not yet routed
    on_time = file_request(desk, 1, due_in=timedelta(hours=30))
    at_risk = file_request(desk, 2, due_in=timedelta(hours=5))
    breached = file_request(desk, 3, due_in=timedelta(hours=-2))
    due_now = file_request(desk, 4, due_in=timedelta(0))
    file_request(desk, 5, due_in=None)
    long_sla = file_request(desk, 6, due_in=timedelta(hours=60), span=timedelta(hours=700))

    # when each SLA filter is applied
    found = {
        sla: references(read_all(desk, staff(), group="paving", sla=sla))
        for sla in ("on_time", "at_risk", "breached")
    }

    # then each request is in exactly its own list
    assert set(found["on_time"]) == {on_time}
    assert set(found["at_risk"]) == {at_risk, long_sla}
    assert set(found["breached"]) == {breached, due_now}


def test_the_counts_cover_the_group_whatever_the_filters(desk: DeskApp) -> None:
    # given two requests on time, one at risk, three breached, one without a due time
    for n, hours in enumerate([30, 40, 5, -1, -10, -100]):
        file_request(desk, n + 1, due_in=timedelta(hours=hours), priority=Priority.HIGH)
    file_request(desk, 9, due_in=None)

    # when a filtered page is read
    page = desk.worklist.page(staff(), WorklistQuery(group="paving", priority=Priority.LOW))

    # then the page is empty and the counts still count the whole group
    assert page.items == []
    assert page.counts.model_dump() == {"on_time": 2, "at_risk": 1, "breached": 3}


def test_the_counts_of_the_first_page_travel_with_the_cursor(desk: DeskApp, clock: Clock) -> None:
    for n in range(6):
        file_request(desk, n + 1, due_in=timedelta(hours=n + 1))
    first = desk.worklist.page(staff(), WorklistQuery(group="paving", limit=3))
    clock.advance(hours=10)

    second = desk.worklist.page(
        staff(), WorklistQuery(group="paving", limit=3, cursor=first.next_cursor)
    )

    assert second.counts == first.counts
    assert {item.sla for item in second.items} == {"at_risk"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"theme": "roads.loose-paving"}, {2}),
        ({"channel": "sms"}, {3}),
        ({"priority": "urgent"}, {4}),
        ({"state": "planned"}, {5}),
        ({"district": "5"}, {6}),
        ({"q": "bcn-2026-00000"}, {1, 2, 3, 4, 5, 6}),
        ({"q": "BCN-2026-000006"}, {6}),
    ],
)
def test_each_filter_keeps_only_the_requests_that_match(
    desk: DeskApp, filters: dict[str, str], expected: set[int]
) -> None:
    file_request(desk, 1)
    file_request(desk, 2, theme="roads.loose-paving")
    file_request(desk, 3, channel=InputChannel.SMS)
    file_request(desk, 4, priority=Priority.URGENT)
    file_request(desk, 5, state=RequestState.PLANNED)
    file_request(desk, 6, group="paving.d5", district="5")

    found = references(read_all(desk, staff(), group="paving", **filters))

    assert found == sorted(found, key=found.index)
    assert {int(ref[-6:]) for ref in found} == expected


def test_the_worklist_reads_the_groups_branches_only_in_the_callers_districts(
    desk: DeskApp,
) -> None:
    # given requests in the branches of two of the agent's districts and one other,
    # and in the group's own queue inside and outside the agent's districts
    file_request(desk, 1, group="paving.d2", district="2")
    file_request(desk, 2, group="paving.d5", district="5")
    file_request(desk, 3, group="paving.d7", district="7")
    file_request(desk, 4, group="paving", district=None)
    file_request(desk, 5, group="paving", district="7")

    # when the agent reads the group's worklist
    found = references(read_all(desk, staff(), group="paving"))

    # then only what is in the agent's districts (or not yet placed) is there
    assert {int(ref[-1]) for ref in found} == {1, 2, 4}
    assert desk.worklist.queues(staff(), "paving", None) == ["paving", "paving.d2", "paving.d5"]


def test_the_worklist_is_refused_outside_the_callers_groups_and_districts(
    desk: DeskApp,
) -> None:
    with pytest.raises(Forbidden, match="group"):
        desk.worklist.page(staff(), WorklistQuery(group="lighting"))
    with pytest.raises(Forbidden, match="districts"):
        desk.worklist.page(staff(), WorklistQuery(group="paving", district="7"))
    with pytest.raises(Forbidden, match="districts"):
        desk.worklist.page(staff(), WorklistQuery(group="paving.d7"))
    with pytest.raises(Forbidden, match="role"):
        desk.worklist.page(staff(roles="[campaign_manager]"), WorklistQuery(group="paving"))


def test_a_worklist_spread_over_too_many_queues_asks_for_a_district(desk: DeskApp) -> None:
    whole_city = staff(roles="[supervisor]", districts="*", groups="waste")

    with pytest.raises(ValidationFailed) as refused:
        desk.worklist.page(whole_city, WorklistQuery(group="waste"))

    assert refused.value.field == "district"
    page = desk.worklist.page(whole_city, WorklistQuery(group="waste", district="2"))
    assert page.items == []


def test_a_cursor_is_refused_by_a_worklist_with_other_filters(desk: DeskApp) -> None:
    for n in range(4):
        file_request(desk, n + 1)
    first = desk.worklist.page(staff(), WorklistQuery(group="paving", limit=2))
    assert first.next_cursor is not None

    with pytest.raises(MalformedInput, match="other filters"):
        desk.worklist.page(
            staff(), WorklistQuery(group="paving", sla="breached", cursor=first.next_cursor)
        )
    with pytest.raises(MalformedInput):
        desk.worklist.page(
            staff(user="u-2"), WorklistQuery(group="paving", cursor=first.next_cursor)
        )


def test_a_worklist_row_carries_the_summary_and_the_theme_name(desk: DeskApp) -> None:
    file_request(desk, 1)

    [item] = desk.worklist.page(staff(), WorklistQuery(group="paving", lang="es")).items

    assert item.summary == "Forat número 1 a la vorera, davant del portal."
    assert item.theme_name is not None
    assert item.theme_name.startswith(desk.catalogue.theme("roads.pothole").element.es)
    assert item.group == "paving.d2"
    assert item.district == "2"


def test_every_worklist_read_is_a_query_or_a_batch_get_and_is_counted(desk: DeskApp) -> None:
    for n in range(3):
        file_request(desk, n + 1)
    meter = desk.table.meter
    before_units, before_calls = meter.read_units, dict(meter.calls)

    desk.worklist.page(staff(), WorklistQuery(group="paving"))

    calls = {k: v - before_calls.get(k, 0) for k, v in meter.calls.items()}
    assert set(calls) - {k for k, v in calls.items() if v == 0} <= {"Query", "BatchGetItem"}
    ranges = len(desk.worklist.queues(staff(), "paving", None)) * desk.settings.queue_shards
    # one Query per (queue, shard) for the page and two for the counts, whatever the states
    assert calls["Query"] == 3 * ranges
    assert calls["BatchGetItem"] == 1
    assert meter.read_units > before_units


@pytest.mark.parametrize("state", list(RequestState))
def test_open_states_share_one_worklist_stage_and_final_states_keep_their_own(
    state: RequestState,
) -> None:
    key = queue_index("paving", state.value, "2026-03-01T10:00:00+00:00", "BCN-2026-000001", 4)

    stage = key["GSI2SK"].split("#", 1)[0]
    assert stage == (state.value if state in FINAL_STATES else "open")


def test_a_state_filter_reads_the_same_ranges_and_keeps_only_that_state(desk: DeskApp) -> None:
    file_request(desk, 1, state=RequestState.IN_RESOLUTION)
    file_request(desk, 2, state=RequestState.PLANNED)
    file_request(desk, 3, state=RequestState.PENDING_VALIDATION)

    page = desk.worklist.page(staff(), WorklistQuery(group="paving", state=RequestState.PLANNED))
    every = desk.worklist.page(staff(), WorklistQuery(group="paving"))

    assert [item.state for item in page.items] == [RequestState.PLANNED]
    assert len(every.items) == 3
    assert page.counts == every.counts


# --------------------------------------------------------------------------- scope and names


def test_an_agent_sees_citizens_of_their_districts_and_of_their_groups_requests() -> None:
    agent = staff()

    assert citizen_in_scope(agent, citizen("2"), [])
    assert not citizen_in_scope(agent, citizen("7"), [])
    assert citizen_in_scope(agent, citizen("7"), ["paving.d7"])
    assert not citizen_in_scope(agent, citizen(None), ["lighting.d2"])
    assert citizen_in_scope(staff(districts="*"), citizen("7"), [])
    assert citizen_in_scope(staff(roles="[administrator]", districts=""), citizen("7"), [])


def test_names_are_indexed_by_words_without_case_or_accents() -> None:
    assert name_tokens("Núria", "Ferrer i Puig-Vidal") == {"nuria", "ferrer", "puig", "vidal"}
    assert name_tokens("  ") == frozenset()
    assert name_tokens("L'ÀNGELS") == {"angels"}
