"""What must hold of a campaign from launch to delivery, on moto: once, with consent, on time."""

import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.campaigns.delivery import read_event
from finestra.campaigns.optout import OptOut, is_opt_out, mark_unsubscribed
from finestra.campaigns.planner import Planner
from finestra.campaigns.queue import BatchMessage, PlanMessage
from finestra.campaigns.sender import RateLimited
from finestra.domain.campaign import (
    ALLOWED_MOVES,
    BATCH_SIZE,
    Campaign,
    CampaignState,
    Recipient,
    RecipientState,
)
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.errors import Forbidden
from finestra.domain.ids import new_id
from finestra.domain.segment import Member
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel, Language
from finestra.runtime import Clients
from finestra.storage.citizens import CitizenStore
from tests.conftest import REGION, Clock
from tests.support.aws import ACCOUNT, sent_sms, table_items

QUEUE = "finestra-CampaignQueue"


class Waiting:
    """A sleep that moves the test's clock instead of waiting."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waited = 0.0

    def __call__(self, seconds: float) -> None:
        self.waited += seconds
        self.clock.advance(seconds=max(seconds, 0.001))


@pytest.fixture
def app(aws: None, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> CampaignApp:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName=QUEUE)["QueueUrl"]
    monkeypatch.setenv("FINESTRA_CAMPAIGN_QUEUE_URL", url)
    return CampaignApp(CampaignSettings(), Clients(), clock, Waiting(clock))


def citizen(
    app: CampaignApp,
    *,
    phone: str | None = None,
    email: str | None = None,
    grants: Iterable[tuple[str, ConsentPurpose]] = (),
    language: Language = Language.CA,
) -> str:
    now = app.clock()
    points = []
    if phone:
        points.append(ContactPoint(kind=ContactKind.PHONE, value=phone))
    if email:
        points.append(ContactPoint(kind=ContactKind.EMAIL, value=email))
    consents = [
        Consent(channel=c, purpose=p, granted=True, recorded_at=now, source=InputChannel.WEB)
        for c, p in grants
    ]
    person = Citizen(
        id=new_id("cit"),
        language=language,
        contact_points=points,
        consents=consents,
        created_at=now,
        updated_at=now,
    )
    app.table.transact(CitizenStore(app.table, app.runtime.vault).creation(person))
    return person.id


def member(citizen_id: str, *reach: str, language: Language = Language.CA) -> Member:
    return Member(
        citizen_id=citizen_id,
        language=language,
        district="01",
        neighbourhood="01",
        reach=frozenset(reach),
    )


def campaign(app: CampaignApp, **fields: Any) -> Campaign:
    now = app.clock()
    data: dict[str, Any] = {
        "id": new_id("cmp"),
        "name": "Festa major",
        "segment_id": "seg_1",
        "purpose": ConsentPurpose.CAMPAIGNS,
        "channels": ["sms", "email"],
        "messages": {Language.CA: "Aquest dissabte, festa major al barri.", Language.ES: "Fiesta."},
        "subject": {Language.CA: "Festa major"},
        "rate_per_second": 50,
        "created_by": "staff-1",
        "created_at": now,
        "updated_at": now,
        "state": CampaignState.PLANNING,
        **fields,
    }
    made = Campaign.model_validate(data)
    app.store.create(made)
    return made


def planner(
    app: CampaignApp, members: Callable[[Campaign, str | None], Iterable[Member]]
) -> Planner:
    return Planner(app.store, members, app.queue, app.clock)


def listed(people: list[Member]) -> Callable[[Campaign, str | None], Iterator[Member]]:
    def members(_: Campaign, after: str | None) -> Iterator[Member]:
        return iter(
            [
                m
                for m in sorted(people, key=lambda m: m.citizen_id)
                if after is None or m.citizen_id > after
            ]
        )

    return members


def drain(app: CampaignApp, remaining_ms: Callable[[], int] = lambda: 60_000) -> list[str]:
    """Work every queued message until the queue is empty; the bodies worked."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = str(app.settings.campaign_queue_url)
    worked: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return worked
        for message in got:
            app.receive(message["Body"], remaining_ms)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            worked.append(message["Body"])
    raise AssertionError("the queue did not drain in time")


def sent_mail() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def recipients(campaign_id: str) -> list[dict[str, Any]]:
    return table_items(f"RECIPIENTS#{campaign_id}#")


SMS_CAMPAIGNS = "sms:campaigns"
EMAIL_CAMPAIGNS = "email:campaigns"


def phones(count: int) -> list[str]:
    return [f"+3461{n:07d}" for n in range(count)]


# ------------------------------------------------------------------ plan


def test_given_a_planner_that_crashes_half_way_when_run_again_then_nobody_is_planned_or_sent_twice(
    app: CampaignApp,
) -> None:
    numbers = phones(150)
    people = [
        member(citizen(app, phone=p, grants=[("sms", ConsentPurpose.CAMPAIGNS)]), SMS_CAMPAIGNS)
        for p in numbers
    ]
    made = campaign(app)
    calls = {"n": 0}

    def crashing(c: Campaign, after: str | None) -> Iterator[Member]:
        calls["n"] += 1
        for i, m in enumerate(listed(people)(c, after)):
            if calls["n"] == 1 and i == BATCH_SIZE + 10:
                raise RuntimeError("the planner's process stopped")
            yield m

    with pytest.raises(RuntimeError):
        planner(app, crashing).plan(made.id)
    half = app.store.get(made.id, consistent=True)
    outcome = planner(app, crashing).plan(made.id)
    drain(app)

    planned = recipients(made.id)
    texts = sent_sms()
    assert half.batches == 1
    assert outcome.outcome == "planned"
    assert len(planned) == 150
    assert len({r["citizen_id"] for r in planned}) == 150
    assert sorted(number for number, _ in texts) == sorted(numbers)
    assert app.store.get(made.id).counts[RecipientState.SENT] == 150


def test_given_two_planners_at_once_when_both_run_then_each_batch_is_written_once(
    app: CampaignApp,
) -> None:
    people = [member(f"cit_{n:04d}", EMAIL_CAMPAIGNS) for n in range(300)]
    made = campaign(app)
    first, second = planner(app, listed(people)), planner(app, listed(people))

    outcomes = [first.plan(made.id), second.plan(made.id)]

    assert [o.outcome for o in outcomes] == ["planned", "skipped"]
    assert len(recipients(made.id)) == 300
    assert app.store.get(made.id).state is CampaignState.RUNNING


def test_given_members_without_a_consented_channel_when_planned_then_they_are_opted_out_and_counted(
    app: CampaignApp,
) -> None:
    people = [member("cit_a", SMS_CAMPAIGNS), member("cit_b", "sms:surveys"), member("cit_c")]
    made = campaign(app, channels=["email", "sms"])

    planner(app, listed(people)).plan(made.id)

    by_id = {r["citizen_id"]: r for r in recipients(made.id)}
    counts = app.store.get(made.id).counts
    assert by_id["cit_a"]["channel"] == "sms"
    assert by_id["cit_b"]["state"] == "opted_out"
    assert by_id["cit_c"]["reason"] == "no_consent"
    assert counts[RecipientState.PLANNED] == 1
    assert counts[RecipientState.OPTED_OUT] == 2


def test_given_an_empty_segment_when_planned_then_the_campaign_completes_at_once(
    app: CampaignApp,
) -> None:
    made = campaign(app)

    planner(app, listed([])).plan(made.id)

    assert app.store.get(made.id).state is CampaignState.COMPLETED


# ------------------------------------------------------------------ send once


def planned_campaign(app: CampaignApp, people: list[Member], **fields: Any) -> Campaign:
    made = campaign(app, **fields)
    planner(app, listed(people)).plan(made.id)
    return made


def test_given_a_batch_message_replayed_when_worked_again_then_nobody_gets_a_second_message(
    app: CampaignApp,
) -> None:
    people = [
        member(citizen(app, phone=p, grants=[("sms", ConsentPurpose.CAMPAIGNS)]), SMS_CAMPAIGNS)
        for p in phones(5)
    ]
    made = planned_campaign(app, people)
    message = BatchMessage(campaign_id=made.id, batch=0)

    first = app.sender.send_batch(message)
    again = app.sender.send_batch(message)

    assert first.sent == 5
    assert again.sent == 0
    assert len(sent_sms()) == 5


def test_given_a_recipient_left_sending_by_a_crash_when_the_batch_is_replayed_then_it_fails_unsent(
    app: CampaignApp,
) -> None:
    cid = citizen(app, phone="+34612000001", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(cid, SMS_CAMPAIGNS)])
    [recipient] = app.store.recipients(made.id, 0)
    app.store.claim(
        recipient, 1, app.clock(), {"PK": f"CITIZEN#{cid}", "SK": "PROFILE"}, holder=cid
    )

    outcome = app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    [after] = app.store.recipients(made.id, 0)
    assert outcome.failed == 1
    assert after.state is RecipientState.FAILED
    assert after.reason == "interrupted"
    assert sent_sms() == []
    assert app.store.get(made.id).counts[RecipientState.FAILED] == 1


# ------------------------------------------------------------------ consent


def test_given_consent_withdrawn_after_planning_when_the_batch_is_sent_then_it_is_opted_out(
    app: CampaignApp,
) -> None:
    keep = citizen(app, phone="+34612000002", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    leave = citizen(app, phone="+34612000003", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(keep, SMS_CAMPAIGNS), member(leave, SMS_CAMPAIGNS)])

    OptOut(app.table, app.clock).withdraw(
        leave, "sms", [ConsentPurpose.CAMPAIGNS], InputChannel.SMS
    )
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    states = {r.citizen_id: r.state for r in app.store.recipients(made.id, 0)}
    assert states == {keep: RecipientState.SENT, leave: RecipientState.OPTED_OUT}
    assert [number for number, _ in sent_sms()] == ["+34612000002"]


def test_given_withdrawals_racing_the_sender_when_each_is_acknowledged_then_no_message_follows_it(
    app: CampaignApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [
        citizen(app, email=f"vei{n}@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
        for n in range(60)
    ]
    made = planned_campaign(app, [member(i, EMAIL_CAMPAIGNS) for i in ids], channels=["email"])
    emails = {f"vei{n}@example.org": ids[n] for n in range(60)}
    sent_at: dict[str, float] = {}
    acknowledged: dict[str, float] = {}
    real_send = app.mail.send

    def recording(**kwargs: Any) -> str:
        message_id = real_send(**kwargs)
        sent_at[emails[kwargs["to"]]] = time.monotonic()
        return message_id

    monkeypatch.setattr(app.mail, "send", recording)
    optout = OptOut(app.table, app.clock)
    sender_app = app.sender

    def withdraw_all() -> None:
        for citizen_id in reversed(ids):
            optout.withdraw(citizen_id, "email", [ConsentPurpose.CAMPAIGNS], InputChannel.EMAIL)
            acknowledged[citizen_id] = time.monotonic()

    worker = threading.Thread(target=withdraw_all)
    worker.start()
    sender_app.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    worker.join(timeout=60)

    late = [c for c, at in sent_at.items() if c in acknowledged and at > acknowledged[c]]
    states = {r.citizen_id: r.state for r in app.store.recipients(made.id, 0)}
    assert not worker.is_alive()
    assert late == []
    assert all(states[c] is RecipientState.SENT for c in sent_at)
    assert all(states[c] is RecipientState.OPTED_OUT for c in ids if c not in sent_at)


# ------------------------------------------------------------------ quiet hours and rate


def test_given_the_city_at_ten_at_night_when_a_batch_is_sent_then_sms_wait_and_email_goes(
    app: CampaignApp, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 14, 21, 0, tzinfo=UTC)
    by_sms = citizen(app, phone="+34612000004", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    by_mail = citizen(app, email="pau@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(by_sms, SMS_CAMPAIGNS), member(by_mail, EMAIL_CAMPAIGNS)])

    held = app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    before = app.ticker.tick()
    clock.now = datetime(2026, 3, 15, 8, 1, tzinfo=UTC)
    after = app.ticker.tick()
    drain(app)

    assert held.outcome == "held"
    assert held.sent == 1
    assert before.requeued == 0
    assert after.requeued == 1
    assert [number for number, _ in sent_sms()] == ["+34612000004"]
    assert len(sent_mail()) == 1
    assert app.store.get(made.id, consistent=True).state is CampaignState.COMPLETED
    assert app.ticker.tick().completed == 0


def test_given_two_batches_when_the_last_is_sent_then_its_sender_completes_the_campaign(
    app: CampaignApp,
) -> None:
    people = [
        member(citizen(app, phone=phone, grants=[("sms", ConsentPurpose.CAMPAIGNS)]), SMS_CAMPAIGNS)
        for phone in phones(BATCH_SIZE + 1)
    ]
    made = planned_campaign(app, people)

    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=1))
    after_first = app.store.get(made.id, consistent=True).state
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    done = app.store.get(made.id, consistent=True)
    assert after_first is CampaignState.RUNNING
    assert (done.state, done.batches_done, done.batches) == (CampaignState.COMPLETED, 2, 2)
    assert len(sent_sms()) == BATCH_SIZE + 1


def test_given_a_campaign_still_planning_when_a_batch_finishes_then_it_is_not_completed(
    app: CampaignApp,
) -> None:
    made = campaign(app, state=CampaignState.PLANNING)
    app.store.finish_batch(made.id, 0, app.clock())

    assert app.store.complete_if_done(made.id, app.clock()) is False
    assert app.store.get(made.id, consistent=True).state is CampaignState.PLANNING


def test_given_a_campaign_that_overrides_quiet_hours_when_sent_at_night_then_sms_go(
    app: CampaignApp, clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 14, 21, 0, tzinfo=UTC)
    by_sms = citizen(app, phone="+34612000005", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(by_sms, SMS_CAMPAIGNS)], quiet_hours_override=True)

    outcome = app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    assert outcome.outcome == "done"
    assert len(sent_sms()) == 1


def test_given_a_cap_of_four_a_second_when_thirty_are_sent_then_no_second_carries_more(
    app: CampaignApp,
) -> None:
    ids = [
        citizen(app, email=f"r{n}@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
        for n in range(30)
    ]
    made = planned_campaign(app, [member(i, EMAIL_CAMPAIGNS) for i in ids], rate_per_second=4)

    outcome = app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    tokens = [i for i in table_items(f"CAMPAIGN#{made.id}") if str(i["SK"]).startswith("RATE#")]
    assert outcome.sent == 30
    assert max(int(t["used"]) for t in tokens) == 4
    assert sum(int(t["used"]) for t in tokens) == 30
    assert len(tokens) >= 8
    assert outcome.waits >= 7


def test_given_the_cap_reached_and_little_time_left_when_sending_then_the_message_goes_back(
    app: CampaignApp,
) -> None:
    ids = [
        citizen(app, email=f"s{n}@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
        for n in range(3)
    ]
    made = planned_campaign(app, [member(i, EMAIL_CAMPAIGNS) for i in ids], rate_per_second=1)

    with pytest.raises(RateLimited):
        app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0), lambda: 1_000)
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    assert len(sent_mail()) == 3


# ------------------------------------------------------------------ pause, resume, cancel


def test_given_a_paused_campaign_when_its_batch_arrives_then_it_waits_and_goes_after_resuming(
    app: CampaignApp,
) -> None:
    ids = [
        citizen(app, email=f"p{n}@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
        for n in range(3)
    ]
    made = planned_campaign(app, [member(i, EMAIL_CAMPAIGNS) for i in ids])
    allowed, paused = ALLOWED_MOVES["pause"]
    assert paused is not None
    app.store.move(made.id, allowed, paused, app.clock())

    drain(app)
    while_paused = len(sent_mail())
    quiet_tick = app.ticker.tick()
    allowed, running = ALLOWED_MOVES["resume"]
    assert running is not None
    app.store.move(made.id, allowed, running, app.clock())
    resumed_tick = app.ticker.tick()
    drain(app)

    assert while_paused == 0
    assert quiet_tick.requeued == 0
    assert resumed_tick.requeued == 1
    assert len(sent_mail()) == 3


def test_given_a_cancelled_campaign_when_its_batches_arrive_then_nothing_is_sent(
    app: CampaignApp,
) -> None:
    ids = [
        citizen(app, email=f"c{n}@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
        for n in range(3)
    ]
    made = planned_campaign(app, [member(i, EMAIL_CAMPAIGNS) for i in ids])
    allowed, cancelled = ALLOWED_MOVES["cancel"]
    assert cancelled is not None
    app.store.move(made.id, allowed, cancelled, app.clock())

    drain(app)

    assert sent_mail() == []
    assert app.store.get(made.id).state is CampaignState.CANCELLED


def test_given_a_scheduled_campaign_when_its_time_comes_then_the_ticker_plans_and_sends_it(
    app: CampaignApp, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = citizen(app, email="t@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = campaign(app, state=CampaignState.SCHEDULED, starts_at=clock.now + timedelta(minutes=30))
    monkeypatch.setattr(
        CampaignApp, "planner", planner(app, listed([member(cid, EMAIL_CAMPAIGNS)]))
    )

    early = app.ticker.tick()
    clock.advance(minutes=31)
    due = app.ticker.tick()
    worked = drain(app)

    assert early.started == 0
    assert due.started == 1
    assert json.loads(worked[0]) == PlanMessage(plan=made.id).model_dump()
    assert len(sent_mail()) == 1


# ------------------------------------------------------------------ delivery events


def ses_event(kind: str, message_id: str, **extra: Any) -> str:
    return json.dumps({"eventType": kind, "mail": {"messageId": message_id}, **extra})


def test_given_delivery_events_when_received_then_recipients_move_and_never_back(
    app: CampaignApp,
) -> None:
    a = citizen(app, email="a@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    b = citizen(app, phone="+34612000006", grants=[("sms", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(a, EMAIL_CAMPAIGNS), member(b, SMS_CAMPAIGNS)])
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    ids = {r.citizen_id: r.message_id for r in app.store.recipients(made.id, 0)}
    sms_event = json.dumps({"eventType": "TEXT_DELIVERED", "messageId": ids[b]})

    delivered = app.delivery.receive(read_event(ses_event("Delivery", str(ids[a]))))
    again = app.delivery.receive(read_event(ses_event("Delivery", str(ids[a]))))
    texted = app.delivery.receive(read_event(sms_event))
    failed_after = app.delivery.receive(
        read_event(json.dumps({"eventType": "TEXT_BLOCKED", "messageId": ids[b]}))
    )

    states = {r.citizen_id: r.state for r in app.store.recipients(made.id, 0)}
    counts = app.store.get(made.id).counts
    assert (delivered.outcome, again.outcome, texted.outcome) == (
        "delivered",
        "unchanged",
        "delivered",
    )
    assert failed_after.outcome == "failed"
    assert states == {a: RecipientState.DELIVERED, b: RecipientState.FAILED}
    assert counts[RecipientState.DELIVERED] == 1
    assert counts[RecipientState.FAILED] == 1
    assert counts[RecipientState.SENT] == 0


def test_given_a_permanent_bounce_when_received_then_it_fails_and_withdraws_email_consent(
    app: CampaignApp,
) -> None:
    a = citizen(app, email="bounce@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(a, EMAIL_CAMPAIGNS)])
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    [recipient] = app.store.recipients(made.id, 0)

    outcome = app.delivery.receive(
        read_event(
            ses_event("Bounce", str(recipient.message_id), bounce={"bounceType": "Permanent"})
        )
    )

    person = CitizenStore(app.table, app.runtime.vault).get(a)
    assert outcome.outcome == "failed"
    assert person is not None
    assert not person.consents_to("email", ConsentPurpose.CAMPAIGNS)


def test_given_an_event_for_a_message_the_city_did_not_send_when_received_then_it_is_unknown(
    app: CampaignApp,
) -> None:
    outcome = app.delivery.receive(read_event(ses_event("Delivery", "not-ours")))

    assert outcome.outcome == "unknown"


# ------------------------------------------------------------------ email and opt-out


def test_given_an_email_when_sent_then_it_carries_the_one_click_headers_and_a_working_link(
    app: CampaignApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = citizen(app, email="maria@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(a, EMAIL_CAMPAIGNS)])
    calls: list[dict[str, Any]] = []
    client = app.runtime.clients.get("sesv2")
    client.meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: calls.append(params)
    )

    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    headers = {h["Name"]: h["Value"] for h in calls[0]["Content"]["Simple"]["Headers"]}
    token = headers["List-Unsubscribe"].split("?t=")[1].rstrip(">")
    claims = app.tokens.verify(token)
    body = calls[0]["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"unsubscribe.html#t={token}" in body
    assert claims.citizen_id == a
    assert claims.purposes == (ConsentPurpose.CAMPAIGNS,)


def unsubscribe_token_of(call: dict[str, Any]) -> str:
    headers = {h["Name"]: h["Value"] for h in call["Content"]["Simple"]["Headers"]}
    return str(headers["List-Unsubscribe"].split("?t=")[1].rstrip(">"))


@pytest.mark.parametrize("delivered", [False, True])
def test_given_an_email_sent_when_its_link_unsubscribes_then_the_recipient_is_opted_out_once(
    app: CampaignApp, delivered: bool
) -> None:
    a = citizen(app, email="pau@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(a, EMAIL_CAMPAIGNS)])
    calls: list[dict[str, Any]] = []
    app.runtime.clients.get("sesv2").meta.events.register(
        "provide-client-params.sesv2.SendEmail", lambda params, **_: calls.append(params)
    )
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    if delivered:
        [sent] = recipients(made.id)
        app.delivery.receive(read_event(ses_event("Delivery", str(sent["message_id"]))))
    claims = app.tokens.verify(unsubscribe_token_of(calls[0]))

    moved = mark_unsubscribed(app.store, claims, app.clock())
    again = mark_unsubscribed(app.store, claims, app.clock())

    [after] = recipients(made.id)
    assert (claims.campaign_id, claims.batch) == (made.id, 0)
    assert (moved, again) == (True, False)
    assert (after["state"], after["reason"]) == ("opted_out", "unsubscribed")
    counts = app.store.get(made.id, consistent=True).counts
    assert counts.get(RecipientState.OPTED_OUT) == 1
    assert not counts.get(RecipientState.SENT)
    assert not counts.get(RecipientState.DELIVERED)


def test_given_a_recipient_who_answered_when_the_link_unsubscribes_then_it_stays_answered(
    app: CampaignApp,
) -> None:
    a = citizen(app, email="rosa@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = planned_campaign(app, [member(a, EMAIL_CAMPAIGNS)])
    app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))
    recipient = app.store.recipient(made.id, 0, a)
    assert recipient is not None
    app.store.mark(recipient, {RecipientState.SENT}, RecipientState.ANSWERED, app.clock())
    token = app.tokens.issue(a, "email", [ConsentPurpose.CAMPAIGNS], campaign_id=made.id, batch=0)

    assert mark_unsubscribed(app.store, app.tokens.verify(token), app.clock()) is False
    assert recipients(made.id)[0]["state"] == "answered"


def test_given_an_unsubscribe_token_when_used_twice_then_it_works_once_and_a_forgery_is_refused(
    app: CampaignApp,
) -> None:
    a = citizen(app, email="joan@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    token = app.tokens.issue(a, "email", [ConsentPurpose.CAMPAIGNS])
    payload, _, signature = token.partition(".")
    forged = f"{payload}.{signature[:-2]}AA"

    claims = app.tokens.verify(token)
    first = app.optout.withdraw(
        claims.citizen_id, claims.channel, claims.purposes, InputChannel.EMAIL
    )
    app.optout.spend(claims)
    second_claims = app.tokens.verify(token)

    assert first is True
    with pytest.raises(Exception, match="used already"):
        app.optout.spend(second_claims)
    with pytest.raises(Forbidden):
        app.tokens.verify(forged)
    person = CitizenStore(app.table, app.runtime.vault).get(a)
    assert person is not None
    assert not person.consents_to("email", ConsentPurpose.CAMPAIGNS)


@pytest.mark.parametrize("text", ["BAIXA", "baja", " Stop. "])
def test_given_an_opt_out_sms_when_handled_then_it_withdraws_sms_consent(
    app: CampaignApp, text: str
) -> None:
    a = citizen(
        app,
        phone="+34612000007",
        grants=[("sms", ConsentPurpose.CAMPAIGNS), ("sms", ConsentPurpose.SURVEYS)],
    )

    assert is_opt_out(text)
    app.optout.withdraw(
        a, "sms", [ConsentPurpose.CAMPAIGNS, ConsentPurpose.SURVEYS], InputChannel.SMS
    )

    person = CitizenStore(app.table, app.runtime.vault).get(a)
    assert person is not None
    assert not person.consents_to("sms", ConsentPurpose.CAMPAIGNS)
    assert not person.consents_to("sms", ConsentPurpose.SURVEYS)


@pytest.mark.parametrize("text", ["baixa la tapa del clavegueram", "STOP 2", "", "hola"])
def test_given_an_sms_with_more_than_the_keyword_when_read_then_it_is_no_opt_out(text: str) -> None:
    assert not is_opt_out(text)


def test_given_a_batch_that_arrives_before_the_campaign_is_running_when_worked_then_it_is_sent(
    app: CampaignApp,
) -> None:
    cid = citizen(app, email="early@example.org", grants=[("email", ConsentPurpose.CAMPAIGNS)])
    made = campaign(app)
    recipient = Recipient(
        campaign_id=made.id,
        batch=0,
        citizen_id=cid,
        language=Language.CA,
        channel="email",
        state=RecipientState.PLANNED,
        at=app.clock(),
    )
    app.store.plan_batch(made, 0, [recipient], app.clock())

    outcome = app.sender.send_batch(BatchMessage(campaign_id=made.id, batch=0))

    assert app.store.get(made.id).state is CampaignState.PLANNING
    assert outcome.sent == 1
