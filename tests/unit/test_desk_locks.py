"""What must hold of request locks: taken, renewed, lapsed, raced, released and broken.

The locks and the actions they guard run on moto, with the table of ``template.yaml``;
the clock is the test's, so a lock lapses when the test says.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from finestra.adapters.email import SesEmailSender
from finestra.adapters.events import EventBridgePublisher
from finestra.adapters.sms import SnsSmsSender
from finestra.apps.desk_requests import DeskMessenger, PresignedUploads
from finestra.auth import Role, Staff
from finestra.desk.actions import (
    AssignmentOrder,
    AttachmentOrder,
    NoteOrder,
    PriorityOrder,
    ReplyOrder,
    RequestActions,
    ThemeOrder,
    TransitionOrder,
)
from finestra.desk.locks import LOCK_SECONDS, Locked, RequestLocks
from finestra.desk.replies import ReplyTemplates, Tariff
from finestra.domain.errors import Conflict, Forbidden, NotFound
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction
from finestra.domain.vocabulary import InteractionKind, Priority, RequestState
from finestra.settings import DeskSettings
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Check, Put, Table, TransactionConflict
from tests.conftest import (
    ATTACHMENTS_BUCKET,
    CITY_MAIL,
    CONFIG,
    EVENT_BUS,
    Clock,
    FakeLambdaContext,
    Seeder,
)
from tests.support.aws import sent_sms, table_items
from tests.unit.test_desk_actions import EMAIL, PHONE, REFERENCE, entries, given_request, stored

MINUTES: int = LOCK_SECONDS // 60


def member(
    user_id: str,
    username: str,
    *roles: Role,
    districts: Iterable[str] = ("2",),
    groups: Iterable[str] = ("paving",),
) -> Staff:
    return Staff(
        user_id=user_id,
        username=username,
        roles=frozenset(roles or (Role.AGENT,)),
        districts=frozenset(districts),
        groups=frozenset(groups),
    )


ANNA = member("u-anna", "anna.puig")
BERTA = member("u-berta", "berta.soler")
CARLES = member("u-carles", "carles.roca")
SUPERVISOR = member("u-sup", "marta.supervisora", Role.SUPERVISOR, groups=())

ACTIONS: dict[str, Callable[[RequestActions, Staff], Any]] = {
    "transition": lambda service, who: service.transition(
        who, REFERENCE, TransitionOrder(to=RequestState.PLANNED)
    ),
    "assignment": lambda service, who: service.reassign(
        who, REFERENCE, AssignmentOrder(group="paving", agent=None, reason="City-wide crew")
    ),
    "priority": lambda service, who: service.set_priority(
        who, REFERENCE, PriorityOrder(priority=Priority.HIGH)
    ),
    "theme": lambda service, who: service.correct_theme(
        who, REFERENCE, ThemeOrder(theme="roads.loose-paving", reason="Loose slabs, no hole")
    ),
    "note": lambda service, who: service.add_note(
        who, REFERENCE, NoteOrder(text="The neighbour at number 22 saw it happen.")
    ),
    "attachment": lambda service, who: service.attach(
        who,
        REFERENCE,
        AttachmentOrder(filename="forat.jpg", content_type="image/jpeg", size=2048),
    ),
    "reply": lambda service, who: service.reply(
        who, REFERENCE, ReplyOrder(text="Hi anirem dilluns."), idempotency_key="k-lock"
    ),
}
"""Every write action on a request, done by one staff member with a body it accepts."""


def lock_item(reference: str = REFERENCE) -> dict[str, Any] | None:
    found = [i for i in table_items(f"REQUEST#{reference}") if i["SK"] == "LOCK"]
    return found[0] if found else None


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture
def table(seed: Seeder) -> Table:
    return seed.runtime.table


@pytest.fixture
def locks(table: Table, clock: Clock) -> RequestLocks:
    return RequestLocks(table, clock, duration=timedelta(minutes=MINUTES))


@pytest.fixture
def citizen(seed: Seeder) -> str:
    return seed.citizen(phone=PHONE, email=EMAIL)


@pytest.fixture
def case(seed: Seeder, citizen: str) -> str:
    given_request(seed, citizen_id=citizen)
    return REFERENCE


@pytest.fixture
def actions(seed: Seeder, clock: Clock, locks: RequestLocks) -> RequestActions:
    runtime = seed.runtime
    clients = runtime.clients
    service = RequestActions(
        requests=RequestStore(runtime.table, shards=4),
        citizens=CitizenStore(runtime.table, runtime.vault),
        catalogue=runtime.catalogue,
        intake=runtime.intake,
        messenger=DeskMessenger(
            SnsSmsSender(clients.get("sns"), "BCNCITY"),
            SesEmailSender(clients.get("sesv2"), CITY_MAIL, None),
        ),
        uploads=PresignedUploads(clients.get("s3"), ATTACHMENTS_BUCKET, 600),
        publisher=EventBridgePublisher(clients.get("events"), EVENT_BUS),
        templates=ReplyTemplates.load(CONFIG),
        tariff=Tariff.beside(CONFIG),
        idempotent=runtime.idempotent,
        clock=clock,
        upload_max_bytes=1_000_000,
        locks=locks,
    )
    runtime.bind(FakeLambdaContext())
    return service


def note(seed: Seeder, text: str = "Checked on site.") -> Interaction:
    return Interaction(
        id=new_id("int"),
        at=seed.clock(),
        kind=InteractionKind.NOTE,
        channel="internal",
        actor="staff:u-anna",
        actor_name="anna.puig",
        text=text,
    )


# ---------------------------------------------------------------------- taking and renewing


def test_a_free_request_s_lock_is_taken_for_the_lock_s_time_in_an_item_of_its_own(
    locks: RequestLocks, case: str, clock: Clock
) -> None:
    lock = locks.take(ANNA, REFERENCE)

    assert lock.holder == "u-anna"
    assert lock.holder_name == "anna.puig"
    assert lock.expires_at == clock() + timedelta(minutes=MINUTES)
    item = lock_item()
    assert item is not None
    assert (item["PK"], item["SK"], item["type"]) == (f"REQUEST#{REFERENCE}", "LOCK", "lock")
    assert (item["holder"], item["holder_name"]) == ("u-anna", "anna.puig")
    assert int(item["expires_at"]) == epoch(clock()) + LOCK_SECONDS, "the table's TTL attribute"
    assert item["acquired_at"] == clock().isoformat()
    view = lock.view("u-anna")
    assert view.mine is True
    assert lock.view("u-berta").mine is False


def test_the_holder_renews_the_lock_and_keeps_when_the_holding_began(
    locks: RequestLocks, case: str, clock: Clock
) -> None:
    first = locks.take(ANNA, REFERENCE)
    clock.advance(minutes=4)

    renewed = locks.take(ANNA, REFERENCE)

    assert renewed.expires_at == first.expires_at + timedelta(minutes=4)
    assert renewed.acquired_at == first.acquired_at
    item = lock_item()
    assert item is not None
    assert int(item["expires_at"]) == epoch(renewed.expires_at)


def test_another_s_live_lock_is_refused_naming_its_holder_and_end_and_it_stays(
    locks: RequestLocks, case: str, clock: Clock
) -> None:
    held = locks.take(ANNA, REFERENCE)
    before = lock_item()
    clock.advance(minutes=MINUTES - 1)

    with pytest.raises(Locked) as refused:
        locks.take(BERTA, REFERENCE)

    assert refused.value.code == "locked"
    assert refused.value.lock.holder_name == "anna.puig"
    assert "anna.puig" in refused.value.message
    assert "until 2026-03-14T19:51:08Z" in refused.value.message
    assert held.expires_at == datetime.fromisoformat("2026-03-14T19:51:08+00:00")
    assert lock_item() == before


def test_a_lapsed_lock_is_anyone_s_to_take(locks: RequestLocks, case: str, clock: Clock) -> None:
    locks.take(ANNA, REFERENCE)
    clock.advance(minutes=MINUTES)

    assert locks.current(REFERENCE) is None
    lock = locks.take(BERTA, REFERENCE)

    assert lock.holder == "u-berta"
    assert lock.acquired_at == clock(), "a new holding starts now"
    item = lock_item()
    assert item is not None
    assert item["holder"] == "u-berta"


def test_of_two_staff_taking_the_lock_at_once_the_conditional_write_lets_one_win(
    table: Table, case: str, clock: Clock
) -> None:
    rival = RequestLocks(table, clock)
    calls = 0

    def racing() -> datetime:
        # Anna has read that nobody holds the lock; Berta takes it before Anna writes.
        nonlocal calls
        calls += 1
        if calls == 1:
            rival.take(BERTA, REFERENCE)
        return clock()

    anna = RequestLocks(table, racing)

    with pytest.raises(Locked) as refused:
        anna.take(ANNA, REFERENCE)

    assert isinstance(refused.value.__cause__, Conflict), "refused by the write, not the read"
    assert refused.value.lock.holder == "u-berta"
    item = lock_item()
    assert item is not None
    assert item["holder"] == "u-berta"


def test_a_lock_lasts_as_long_as_the_desk_s_setting_says(table: Table, case: str) -> None:
    assert DeskSettings.model_fields["lock_seconds"].default == LOCK_SECONDS == 600
    clock = Clock(datetime.fromisoformat("2026-03-14T10:00:00+00:00"))
    short = RequestLocks(table, clock, duration=timedelta(seconds=90))

    lock = short.take(ANNA, REFERENCE)

    assert lock.expires_at == datetime.fromisoformat("2026-03-14T10:01:30+00:00")
    with pytest.raises(ValueError, match="at least a second"):
        RequestLocks(table, clock, duration=timedelta(0))


# ---------------------------------------------------------------------- releasing


def test_the_holder_releases_the_lock_and_a_second_release_is_no_error(
    locks: RequestLocks, case: str
) -> None:
    locks.take(ANNA, REFERENCE)

    locks.release("u-anna", REFERENCE)
    locks.release("u-anna", REFERENCE)

    assert lock_item() is None
    assert locks.take(BERTA, REFERENCE).holder == "u-berta"


def test_releasing_another_s_live_lock_is_refused_and_it_stays(
    locks: RequestLocks, case: str
) -> None:
    locks.take(ANNA, REFERENCE)
    before = lock_item()

    with pytest.raises(Locked) as refused:
        locks.release("u-berta", REFERENCE)

    assert refused.value.lock.holder == "u-anna"
    assert lock_item() == before


def test_a_release_clears_a_lapsed_lock_whoever_held_it(
    locks: RequestLocks, case: str, clock: Clock
) -> None:
    locks.take(ANNA, REFERENCE)
    clock.advance(minutes=MINUTES + 1)

    locks.release("u-berta", REFERENCE)

    assert lock_item() is None


# ---------------------------------------------------------------------- the check in a write


def test_a_lock_taken_after_the_check_was_made_still_stops_the_write(
    locks: RequestLocks, seed: Seeder, citizen: str
) -> None:
    request = given_request(seed, citizen_id=citizen)
    store = RequestStore(seed.runtime.table, shards=4)
    before = table_items()

    with (  # noqa: PT012 - the race happens inside the guard
        pytest.raises(Locked) as refused,
        locks.guarding(REFERENCE, "u-anna") as guard,
    ):
        locks.take(BERTA, REFERENCE)
        store.annotate(request, note(seed), alongside=guard)

    assert refused.value.lock.holder == "u-berta"
    assert isinstance(refused.value.__cause__, TransactionConflict)
    assert entries() == []
    assert [i for i in table_items() if i["SK"] != "LOCK"] == before


def test_a_write_refused_for_another_reason_is_not_taken_for_a_lock(
    locks: RequestLocks, seed: Seeder, citizen: str
) -> None:
    request = given_request(seed, citizen_id=citizen)
    store = RequestStore(seed.runtime.table, shards=4)
    store.set_priority(request, note(seed), priority=Priority.HIGH)

    with (
        pytest.raises(TransactionConflict) as refused,
        locks.guarding(REFERENCE, "u-anna") as guard,
    ):
        store.set_priority(request, note(seed), priority=Priority.URGENT, alongside=guard)

    assert not isinstance(refused.value, Locked)
    assert refused.value.reasons == ["None", "ConditionalCheckFailed", "None"]
    assert stored()["priority"] == "high"


def test_a_condition_check_in_a_transaction_holds_it_back_and_writes_nothing_itself(
    table: Table, case: str
) -> None:
    item = {"PK": "PROBE#1", "SK": "PROBE", "type": "probe"}
    failing = Check(key=keys.request(REFERENCE), condition="attribute_not_exists(PK)")
    passing = Check(
        key=keys.request(REFERENCE),
        condition="#state = :state",
        names={"#state": "state"},
        values={":state": "pending_validation"},
    )

    with pytest.raises(TransactionConflict) as refused:
        table.transact([Put(item=item), failing])
    assert refused.value.reasons == ["None", "ConditionalCheckFailed"]
    assert table_items("PROBE#") == []

    table.transact([Put(item=item), passing])
    assert len(table_items("PROBE#")) == 1
    assert stored()["version"] == 1, "the checked item is not written"


def test_a_condition_check_on_a_key_the_table_does_not_have_fails_as_dynamodb_says(
    table: Table, case: str
) -> None:
    broken = Check(key={"PK": f"REQUEST#{REFERENCE}"}, condition="attribute_exists(PK)")

    with pytest.raises(ClientError) as failed:
        table.transact([broken])

    assert not isinstance(failed.value, Conflict)
    assert failed.value.response["Error"]["Code"] == "ValidationException"


# ---------------------------------------------------------------------- write actions


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_write_action_is_refused_while_another_holds_the_lock_and_writes_nothing(
    actions: RequestActions, locks: RequestLocks, case: str, name: str
) -> None:
    locks.take(BERTA, REFERENCE)
    before = table_items()

    with pytest.raises(Locked) as refused:
        ACTIONS[name](actions, ANNA)

    assert refused.value.lock.holder_name == "berta.soler"
    assert table_items() == before
    assert sent_sms() == []


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_write_action_goes_through_for_the_lock_s_holder(
    actions: RequestActions, locks: RequestLocks, case: str, name: str
) -> None:
    locks.take(ANNA, REFERENCE)

    ACTIONS[name](actions, ANNA)

    [entry] = entries()
    assert entry["actor"] == "staff:u-anna"
    assert locks.current(REFERENCE) is not None, "acting leaves the lock with its holder"


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_write_action_goes_through_once_another_s_lock_has_lapsed(
    actions: RequestActions, locks: RequestLocks, case: str, clock: Clock, name: str
) -> None:
    locks.take(BERTA, REFERENCE)
    clock.advance(minutes=MINUTES, seconds=1)

    ACTIONS[name](actions, ANNA)

    assert len(entries()) == 1


def test_a_reply_refused_by_a_lock_is_sent_once_the_lock_is_released(
    actions: RequestActions, locks: RequestLocks, case: str
) -> None:
    locks.take(BERTA, REFERENCE)
    with pytest.raises(Locked):
        ACTIONS["reply"](actions, ANNA)

    locks.release("u-berta", REFERENCE)
    receipt = ACTIONS["reply"](actions, ANNA)

    assert len(sent_sms()) == 1
    [entry] = entries()
    assert entry["id"] == receipt.interaction_id


# ---------------------------------------------------------------------- the lock routes' rules


def test_taking_a_lock_answers_the_caller_s_view_of_it(
    actions: RequestActions, case: str, clock: Clock
) -> None:
    view = actions.take_lock(ANNA, REFERENCE)

    assert view.model_dump() == {
        "holder": "u-anna",
        "holder_name": "anna.puig",
        "expires_at": clock() + timedelta(minutes=MINUTES),
        "mine": True,
    }


@pytest.mark.parametrize(
    "caller",
    [
        member("u-cm", "cm", Role.CAMPAIGN_MANAGER, districts=("*",)),
        member("u-far", "far", districts=("3",)),
        member("u-light", "light", groups=("lighting",)),
    ],
    ids=["campaign-manager", "other-district", "other-group"],
)
def test_staff_without_the_role_or_the_scope_neither_take_nor_release_a_lock(
    actions: RequestActions, locks: RequestLocks, case: str, caller: Staff
) -> None:
    locks.take(ANNA, REFERENCE)
    before = table_items()

    with pytest.raises(Forbidden):
        actions.take_lock(caller, REFERENCE)
    with pytest.raises(Forbidden):
        actions.release_lock(caller, REFERENCE)

    assert table_items() == before


def test_the_lock_of_an_unknown_request_is_not_found(actions: RequestActions, seed: Seeder) -> None:
    with pytest.raises(NotFound):
        actions.take_lock(ANNA, "BCN-2026-999999")
    with pytest.raises(NotFound):
        actions.release_lock(ANNA, "REQUEST#LOCK")

    assert table_items("REQUEST#") == []


def test_a_supervisor_breaks_another_s_lock_and_the_history_says_who_broke_whose(
    actions: RequestActions, locks: RequestLocks, case: str
) -> None:
    locks.take(ANNA, REFERENCE)

    broken = actions.release_lock(SUPERVISOR, REFERENCE, force=True)

    assert broken is not None
    assert broken.holder == "u-anna"
    assert lock_item() is None
    [entry] = entries()
    assert (entry["kind"], entry["actor"], entry["channel"]) == ("note", "system", "internal")
    assert entry["text"] == "lock of anna.puig broken by marta.supervisora"
    assert actions.take_lock(SUPERVISOR, REFERENCE).mine is True


def test_only_a_supervisor_may_break_a_lock(
    actions: RequestActions, locks: RequestLocks, case: str
) -> None:
    locks.take(ANNA, REFERENCE)
    before = table_items()

    with pytest.raises(Forbidden):
        actions.release_lock(BERTA, REFERENCE, force=True)
    with pytest.raises(Locked):
        actions.release_lock(SUPERVISOR, REFERENCE)

    assert table_items() == before


def test_a_forced_release_of_a_lock_nobody_else_holds_records_nothing(
    actions: RequestActions, locks: RequestLocks, case: str
) -> None:
    assert actions.release_lock(SUPERVISOR, REFERENCE, force=True) is None

    locks.take(SUPERVISOR, REFERENCE)
    assert actions.release_lock(SUPERVISOR, REFERENCE, force=True) is None

    assert lock_item() is None
    assert entries() == []


def test_breaking_a_lock_another_took_over_meanwhile_breaks_nothing(
    locks: RequestLocks, seed: Seeder, citizen: str, clock: Clock
) -> None:
    request = given_request(seed, citizen_id=citizen)
    store = RequestStore(seed.runtime.table, shards=4)
    annas = locks.take(ANNA, REFERENCE)
    clock.advance(minutes=MINUTES + 1)
    locks.take(CARLES, REFERENCE)

    with pytest.raises(TransactionConflict):
        store.annotate(request, note(seed), alongside=[locks.breaking(annas)])

    item = lock_item()
    assert item is not None
    assert item["holder"] == "u-carles"
    assert entries() == []
