"""What must hold of staff's actions on requests: each rule, allowed and refused.

The service runs on moto, with the table of ``template.yaml`` and the project's own
stores and adapters; nothing of AWS is imitated by hand.
"""

import base64
import json
from collections.abc import Iterable
from datetime import timedelta
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto.backends import get_backend

from finestra.adapters.email import SesEmailSender
from finestra.adapters.events import EventBridgePublisher
from finestra.adapters.sms import SnsSmsSender
from finestra.apps.desk_requests import DeskMessenger, PresignedUploads, settled
from finestra.auth import Role, Staff
from finestra.channels.web import WebChannel
from finestra.desk.actions import (
    AssignmentOrder,
    AttachmentOrder,
    ContactOrder,
    NoteOrder,
    PreviewOrder,
    PriorityOrder,
    ReplyOrder,
    RequestActions,
    ThemeOrder,
    TransitionOrder,
    needs_reason,
    shared_targets,
    states_of,
)
from finestra.desk.replies import ReplyTemplates, Tariff
from finestra.desk.views import (
    S3AttachmentFiles,
    attachment_id,
    content_disposition,
)
from finestra.domain.citizen import Consent
from finestra.domain.errors import Conflict, Forbidden, NotFound, TransitionRefused
from finestra.domain.errors import ValidationFailed as Invalid
from finestra.domain.ids import new_id
from finestra.domain.process import PATHS
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import Language, Priority, Process, RequestState
from finestra.intake.service import hash_token
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import TransactionConflict
from tests.conftest import (
    ATTACHMENTS_BUCKET,
    CITY_MAIL,
    CONFIG,
    EVENT_BUS,
    REGION,
    Clock,
    FakeLambdaContext,
    Seeder,
)
from tests.support.aws import ACCOUNT, sent_sms, table_items

S = RequestState
REFERENCE = "BCN-2026-000123"
PHONE = "+34622334455"
EMAIL = "montse.vidal@example.org"


def staff(
    *roles: Role, districts: Iterable[str] = ("2",), groups: Iterable[str] = ("paving",)
) -> Staff:
    return Staff(
        user_id="u-0042",
        username="agent42",
        roles=frozenset(roles or (Role.AGENT,)),
        districts=frozenset(districts),
        groups=frozenset(groups),
    )


AGENT = staff(Role.AGENT)
SUPERVISOR = staff(Role.SUPERVISOR, groups=())


def given_request(
    seed: Seeder,
    *,
    reference: str = REFERENCE,
    theme_code: str | None = "roads.pothole",
    state: RequestState = S.PENDING_VALIDATION,
    district: str = "2",
    response_channel: str = "sms",
    citizen_id: str | None = None,
    flags: Iterable[str] = (),
    group: str | None = None,
) -> Request:
    catalogue = seed.runtime.catalogue
    theme = catalogue.theme(theme_code) if theme_code else None
    now = seed.clock()
    if group is None:
        group = f"{theme.responsible_group}.d{district}" if theme else "triage"
    origin = Interaction(
        id=new_id("int"),
        at=now,
        kind="inbound_message",
        channel="sms",
        actor=f"citizen:{citizen_id}",
        provider_message_id=new_id("msg"),
        text="Hi ha un forat a la calçada del carrer de Balmes.",
    )
    request = Request(
        reference=reference,
        request_type=theme.request_types[0] if theme else "incident",
        theme_code=theme_code,
        description=origin.text or "",
        location=Location(
            latitude=41.3874,
            longitude=2.1686,
            address="Carrer de Balmes, 20",
            district_code=district,
        ),
        input_channel="sms",
        response_channel=response_channel,
        language="ca",
        state=state,
        responsible_group=group,
        sla_due_at=now + timedelta(hours=theme.sla_hours if theme else 24),
        created_at=now,
        updated_at=now,
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash=hash_token("trk_4Qv8Zp2LmX7sN3wR9cK1"),
        flags=frozenset(flags),
    )
    store = RequestStore(seed.runtime.table, shards=4)
    store.save(store.creation(request))
    return request


def stored(reference: str = REFERENCE) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


def entries(reference: str = REFERENCE) -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "interaction"]


def sent_email() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


@pytest.fixture
def actions(seed: Seeder, clock: Clock) -> RequestActions:
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
    )
    runtime.bind(FakeLambdaContext())
    return service


@pytest.fixture
def citizen(seed: Seeder) -> str:
    return seed.citizen(phone=PHONE, email=EMAIL)


@pytest.fixture
def bus_queue(aws: None) -> str:
    """A queue that receives every event the desk puts on the city's bus."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="desk-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = boto3.client("events", region_name=REGION)
    events.put_rule(
        Name="desk", EventBusName=EVENT_BUS, EventPattern='{"source": ["finestra.requests"]}'
    )
    events.put_targets(Rule="desk", EventBusName=EVENT_BUS, Targets=[{"Id": "q", "Arn": arn}])
    return str(url)


def events_on(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


# ---------------------------------------------------------------------- the process


@pytest.mark.parametrize("process", list(Process))
def test_only_a_step_forward_on_the_main_path_goes_without_a_reason(process: Process) -> None:
    path = PATHS[process]

    for here, there in pairwise(path):
        assert not needs_reason(process, here, there)
    assert needs_reason(process, path[0], S.CANCELLED)
    assert needs_reason(process, path[0], S.NOT_PROCESSED)


def test_a_step_back_needs_a_reason() -> None:
    assert needs_reason(Process.RESOLVE_ANSWER, S.PENDING_ANSWER, S.IN_RESOLUTION)


def test_a_request_without_a_theme_may_only_be_refused_or_cancelled() -> None:
    assert shared_targets(S.PENDING_VALIDATION) == {S.NOT_PROCESSED, S.CANCELLED}
    assert needs_reason(None, S.PENDING_VALIDATION, S.CANCELLED)


def test_a_process_knows_which_states_its_requests_can_be_in() -> None:
    assert S.PLANNED in states_of(Process.PLAN_RESOLVE_ANSWER)
    assert S.PLANNED not in states_of(Process.RESOLVE_ANSWER)
    assert S.EXTERNALLY_PROCESSED in states_of(Process.EXTERNAL_BODY)


# ---------------------------------------------------------------------- transitions


def test_an_agent_moves_a_request_forward_and_the_move_is_recorded(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    summary = actions.transition(AGENT, REFERENCE, TransitionOrder(to=S.PLANNED))

    assert summary.state is S.PLANNED
    assert S.IN_RESOLUTION in summary.allowed_transitions
    item = stored()
    assert item["state"] == "planned"
    assert item["GSI2SK"].startswith("open#"), "open states share one worklist range"
    assert item["version"] == 2
    [entry] = entries()
    assert entry["kind"] == "state_change"
    assert (entry["from_state"], entry["to_state"]) == ("pending_validation", "planned")
    assert entry["actor"] == "staff:u-0042"
    assert entry["actor_name"] == "agent42", "the timeline names who acted"
    assert entry["channel"] == "internal"


def test_a_move_the_process_forbids_is_refused_naming_both_states_and_nothing_is_written(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)
    before = table_items()

    with pytest.raises(TransitionRefused) as refused:
        actions.transition(AGENT, REFERENCE, TransitionOrder(to=S.CLOSED))

    assert "pending_validation" in refused.value.message
    assert "closed" in refused.value.message
    assert table_items() == before


def test_cancelling_needs_a_reason_and_a_cancelled_request_leaves_the_due_index(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)
    assert "GSI3PK" in stored()

    with pytest.raises(Invalid) as refused:
        actions.transition(AGENT, REFERENCE, TransitionOrder(to=S.CANCELLED))
    assert refused.value.field == "reason"
    assert entries() == []

    actions.transition(
        AGENT, REFERENCE, TransitionOrder(to=S.CANCELLED, reason="Reported twice by phone")
    )

    item = stored()
    assert item["state"] == "cancelled"
    assert "GSI3PK" not in item
    assert entries()[0]["reason"] == "Reported twice by phone"


def test_a_step_back_is_allowed_with_a_reason(actions: RequestActions, seed: Seeder) -> None:
    given_request(seed, state=S.PENDING_ANSWER)

    summary = actions.transition(
        AGENT, REFERENCE, TransitionOrder(to=S.IN_RESOLUTION, reason="The repair did not hold")
    )

    assert summary.state is S.IN_RESOLUTION


def test_a_request_without_a_theme_cannot_be_planned_but_can_be_refused(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed, theme_code=None)
    triage = staff(Role.AGENT, groups=("triage",))

    with pytest.raises(TransitionRefused):
        actions.transition(triage, REFERENCE, TransitionOrder(to=S.PLANNED))
    summary = actions.transition(
        triage, REFERENCE, TransitionOrder(to=S.NOT_PROCESSED, reason="Not a city matter")
    )

    assert summary.state is S.NOT_PROCESSED


@pytest.mark.parametrize(
    "caller",
    [
        staff(Role.CAMPAIGN_MANAGER, districts=("*",)),
        staff(Role.AGENT, districts=("3",)),
        staff(Role.AGENT, groups=("lighting",)),
        staff(Role.SUPERVISOR, districts=("5",), groups=()),
    ],
    ids=["campaign-manager", "other-district", "other-group", "supervisor-other-district"],
)
def test_staff_without_the_role_or_the_scope_cannot_move_a_request(
    actions: RequestActions, seed: Seeder, caller: Staff
) -> None:
    given_request(seed)

    with pytest.raises(Forbidden):
        actions.transition(caller, REFERENCE, TransitionOrder(to=S.PLANNED))

    assert stored()["state"] == "pending_validation"


def test_a_supervisor_acts_on_any_group_of_their_districts(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    summary = actions.transition(SUPERVISOR, REFERENCE, TransitionOrder(to=S.PLANNED))

    assert summary.state is S.PLANNED


def test_an_unknown_reference_is_not_found(actions: RequestActions, seed: Seeder) -> None:
    with pytest.raises(NotFound):
        actions.transition(AGENT, "BCN-2026-999999", TransitionOrder(to=S.PLANNED))
    with pytest.raises(NotFound):
        actions.transition(AGENT, "REQUEST#x", TransitionOrder(to=S.PLANNED))


def test_a_move_on_a_request_changed_meanwhile_is_refused(seed: Seeder) -> None:
    request = given_request(seed)
    store = RequestStore(seed.runtime.table, shards=4)
    store.set_priority(request, note(seed), priority=Priority.HIGH)
    entry = note(seed, kind="state_change")

    with pytest.raises(TransactionConflict):
        store.change_state(request, entry, new_state=S.PLANNED)

    assert stored()["state"] == "pending_validation"


def note(seed: Seeder, kind: str = "assignment") -> Interaction:
    return Interaction(
        id=new_id("int"), at=seed.clock(), kind=kind, channel="internal", actor="staff:u-0042"
    )


def test_a_move_is_published_for_the_back_office(
    actions: RequestActions, seed: Seeder, bus_queue: str
) -> None:
    given_request(seed)

    actions.transition(AGENT, REFERENCE, TransitionOrder(to=S.PLANNED))

    [event] = events_on(bus_queue)
    assert event["detail-type"] == "request.state_changed"
    assert event["detail"]["reference"] == REFERENCE
    assert (event["detail"]["from_state"], event["detail"]["state"]) == (
        "pending_validation",
        "planned",
    )
    assert "Balmes" not in json.dumps(event)


# ---------------------------------------------------------------------- assignment


def test_an_agent_gives_a_request_to_a_group_of_their_own_and_its_worklist_follows(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    summary = actions.reassign(
        AGENT,
        REFERENCE,
        AssignmentOrder(group="paving", agent="u-0077", reason="Needs the city-wide crew"),
    )

    assert (summary.group, summary.agent) == ("paving", "u-0077")
    item = stored()
    assert item["responsible_group"] == "paving"
    assert item["assigned_agent"] == "u-0077"
    assert item["GSI2PK"].startswith("QUEUE#paving#")
    assert item["GSI2SK"].startswith("open#")
    [entry] = entries()
    assert entry["kind"] == "assignment"
    assert entry["reason"] == "Needs the city-wide crew"
    assert "paving.d2" in entry["text"]


def test_an_agent_cannot_give_a_request_to_a_group_outside_their_own(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    with pytest.raises(Forbidden, match="supervisors"):
        actions.reassign(AGENT, REFERENCE, AssignmentOrder(group="lighting", reason="Wrong team"))

    assert stored()["responsible_group"] == "paving.d2"


def test_a_supervisor_gives_a_request_to_any_group_or_branch(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    summary = actions.reassign(
        SUPERVISOR, REFERENCE, AssignmentOrder(group="lighting.d2", reason="A dark street")
    )

    assert summary.group == "lighting.d2"
    assert stored()["GSI2PK"].startswith("QUEUE#lighting.d2#")


def test_a_group_the_catalogue_lacks_is_refused_on_the_group_field(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)
    before = table_items()

    with pytest.raises(Invalid) as refused:
        actions.reassign(
            SUPERVISOR, REFERENCE, AssignmentOrder(group="plumbing", reason="Wrong team")
        )

    assert refused.value.field == "group"
    assert table_items() == before


def test_giving_a_request_to_nobody_removes_its_agent(
    actions: RequestActions, seed: Seeder, clock: Clock
) -> None:
    given_request(seed)
    actions.reassign(AGENT, REFERENCE, AssignmentOrder(group="paving.d2", agent="u-1", reason="x"))
    clock.advance(minutes=1)

    summary = actions.reassign(AGENT, REFERENCE, AssignmentOrder(group="paving.d2", reason="y"))

    assert summary.agent is None
    assert "assigned_agent" not in stored()
    assert len(entries()) == 2


def test_an_ended_request_is_not_reassigned(actions: RequestActions, seed: Seeder) -> None:
    given_request(seed, state=S.CLOSED)

    with pytest.raises(Conflict):
        actions.reassign(SUPERVISOR, REFERENCE, AssignmentOrder(group="paving", reason="x"))


# ---------------------------------------------------------------------- priority and notes


def test_a_new_priority_is_stored_and_recorded(actions: RequestActions, seed: Seeder) -> None:
    given_request(seed)

    summary = actions.set_priority(AGENT, REFERENCE, PriorityOrder(priority="urgent"))

    assert summary.priority == "urgent"
    assert stored()["priority"] == "urgent"
    assert entries()[0]["text"] == "priority normal → urgent"


def test_a_campaign_manager_cannot_set_a_priority(actions: RequestActions, seed: Seeder) -> None:
    given_request(seed)

    with pytest.raises(Forbidden):
        actions.set_priority(
            staff(Role.CAMPAIGN_MANAGER), REFERENCE, PriorityOrder(priority="urgent")
        )


def test_a_note_is_kept_for_staff_and_never_reaches_the_citizen(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen)

    receipt = actions.add_note(AGENT, REFERENCE, NoteOrder(text="The neighbour is a plumber."))

    [entry] = entries()
    assert entry["id"] == receipt.interaction_id
    assert (entry["kind"], entry["channel"]) == ("note", "internal")
    assert sent_sms() == []
    assert sent_email() == []
    runtime = seed.runtime
    web = WebChannel(runtime.intake, RequestStore(runtime.table, shards=4), runtime.catalogue)
    tracked = web.track(REFERENCE, "trk_4Qv8Zp2LmX7sN3wR9cK1")
    assert "plumber" not in tracked.model_dump_json()


# ---------------------------------------------------------------------- attachments


def test_an_upload_is_granted_with_type_and_size_conditions_and_the_file_is_recorded(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)

    grant = actions.attach(
        AGENT,
        REFERENCE,
        AttachmentOrder(filename="forat.jpg", content_type="image/jpeg", size=2048),
    )

    fields = grant.upload.fields
    assert fields["key"] == f"requests/{REFERENCE}/{grant.attachment_id}"
    assert fields["Content-Type"] == "image/jpeg"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 2048] in policy["conditions"]
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    files = RequestStore(seed.runtime.table, shards=4).attachments(REFERENCE)
    assert [(f.key, f.filename, f.size) for f in files] == [(fields["key"], "forat.jpg", 2048)]


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (AttachmentOrder(filename="x.exe", content_type="text/html", size=10), "content_type"),
        (AttachmentOrder(filename="x.pdf", content_type="application/pdf", size=10**6 + 1), "size"),
    ],
    ids=["type", "size"],
)
def test_a_file_of_a_kind_or_size_the_city_does_not_keep_is_refused(
    actions: RequestActions, seed: Seeder, order: AttachmentOrder, field: str
) -> None:
    given_request(seed)

    with pytest.raises(Invalid) as refused:
        actions.attach(AGENT, REFERENCE, order)

    assert refused.value.field == field
    assert entries() == []


# ---------------------------------------------------------------------- opening files


def test_a_file_staff_uploaded_goes_by_the_id_its_upload_was_granted_under(
    actions: RequestActions, seed: Seeder
) -> None:
    given_request(seed)
    grant = actions.attach(
        AGENT, REFERENCE, AttachmentOrder(filename="a.pdf", content_type="application/pdf", size=9)
    )

    assert attachment_id(grant.upload.fields["key"]) == grant.attachment_id


def test_a_file_that_came_another_way_goes_by_a_stable_digest_of_its_key() -> None:
    first = attachment_id("attachments/email/0102019a/1-plànol.pdf")

    assert first == attachment_id("attachments/email/0102019a/1-plànol.pdf")
    assert first != attachment_id("attachments/email/0102019a/2-plànol.pdf")
    assert first.startswith("file_")
    assert len(first) == len("file_") + 26


def test_a_plain_file_name_is_given_alike_in_both_forms() -> None:
    assert content_disposition("forat-balmes.jpg") == (
        "attachment; filename=\"forat-balmes.jpg\"; filename*=UTF-8''forat-balmes.jpg"
    )


@pytest.mark.parametrize(
    ("name", "plain", "exact"),
    [
        ("plànol.pdf", "pl_nol.pdf", "pl%C3%A0nol.pdf"),
        ('a "b" c.txt', "a _b_ c.txt", "a%20%22b%22%20c.txt"),
        ("50%\\2.pdf", "50__2.pdf", "50%25%5C2.pdf"),
        ("a\r\nSet-Cookie: x", "a__Set-Cookie: x", "a%0D%0ASet-Cookie%3A%20x"),
        ("x; filename=evil.exe", "x; filename=evil.exe", "x%3B%20filename%3Devil.exe"),
    ],
    ids=["accent", "quotes", "percent and backslash", "line break", "semicolon"],
)
def test_a_file_name_is_quoted_so_no_browser_reads_it_otherwise(
    name: str, plain: str, exact: str
) -> None:
    header = content_disposition(name)

    assert header == f"attachment; filename=\"{plain}\"; filename*=UTF-8''{exact}"
    assert "\r" not in header
    assert "\n" not in header
    assert unquote(exact, errors="strict") == name


def test_the_bucket_says_which_files_it_holds(seed: Seeder) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=ATTACHMENTS_BUCKET, Key="requests/a/att_1", Body=b"1")
    files = S3AttachmentFiles(seed.runtime.clients, ATTACHMENTS_BUCKET, expires_in=300)

    found = files.present(["requests/a/att_1", "requests/a/att_2"])

    assert found == {"requests/a/att_1"}
    assert files.present([]) == frozenset()


def test_a_bucket_that_refuses_to_say_is_not_taken_for_an_absent_file(seed: Seeder) -> None:
    files = S3AttachmentFiles(seed.runtime.clients, ATTACHMENTS_BUCKET, expires_in=300)
    client = files._client
    with Stubber(client) as stub:
        stub.add_client_error("head_object", service_error_code="403", http_status_code=403)

        with pytest.raises(ClientError) as refused:
            files.present(["requests/a/att_1"])

    assert refused.value.response["Error"]["Code"] == "403"


def test_a_download_link_is_signed_for_its_expiry_and_headers(seed: Seeder) -> None:
    files = S3AttachmentFiles(seed.runtime.clients, ATTACHMENTS_BUCKET, expires_in=120)

    link = urlsplit(files.download_url("requests/a/att_1", "attachment", "image/png"))

    query = parse_qs(link.query)
    assert link.path.endswith("/requests/a/att_1")
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["120"]
    assert query["response-content-disposition"] == ["attachment"]
    assert query["response-content-type"] == ["image/png"]


# ---------------------------------------------------------------------- replies


def test_a_template_reply_goes_by_sms_worded_for_gsm_7_and_is_recorded_once(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen, flags={"citizen_replied"})

    receipt = actions.reply(
        AGENT, REFERENCE, ReplyOrder(template="resolved", language="es"), idempotency_key="k-1"
    )

    [(number, text)] = sent_sms()
    assert number == PHONE
    assert REFERENCE in text
    assert "Ayuntamiento de Barcelona" in text
    assert (receipt.channel, receipt.encoding, receipt.segments) == ("sms", "GSM-7", 1)
    assert receipt.cost_eur == pytest.approx(Tariff.beside(CONFIG).sms_segment)
    [entry] = entries()
    assert entry["id"] == receipt.interaction_id
    assert (entry["kind"], entry["channel"], entry["text"]) == ("outbound_message", "sms", text)
    assert (entry["actor"], entry["actor_name"]) == ("staff:u-0042", "agent42")
    assert "citizen_replied" not in stored().get("flags", set())


def test_a_retried_reply_is_not_sent_twice(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen)
    order = ReplyOrder(text="Hem passat l'avís a la brigada.")

    first = actions.reply(AGENT, REFERENCE, order, idempotency_key="k-2")
    again = actions.reply(AGENT, REFERENCE, order, idempotency_key="k-2")

    assert first == again
    assert len(sent_sms()) == 1
    assert len(entries()) == 1


def test_the_same_key_with_another_text_is_a_conflict(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen)
    actions.reply(AGENT, REFERENCE, ReplyOrder(text="Primera resposta"), idempotency_key="k-3")

    with pytest.raises(Conflict):
        actions.reply(AGENT, REFERENCE, ReplyOrder(text="Una altra"), idempotency_key="k-3")

    assert len(sent_sms()) == 1


def test_a_reply_by_email_threads_on_the_reference(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen, response_channel="email")

    receipt = actions.reply(
        AGENT, REFERENCE, ReplyOrder(template="more-information"), idempotency_key="k-4"
    )

    [mail] = sent_email()
    assert mail.destinations["ToAddresses"] == [EMAIL]
    assert mail.subject.startswith(f"[{REFERENCE}]")
    assert "sol·licitud" in mail.body
    assert (receipt.channel, receipt.segments, receipt.encoding) == ("email", 0, None)


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (ReplyOrder(), "text"),
        (ReplyOrder(template="no-such-template"), "template"),
        (ReplyOrder(text="Molt llarg " * 100), "text"),
    ],
    ids=["nothing-to-say", "unknown-template", "too-long"],
)
def test_a_reply_that_breaks_a_rule_is_refused_and_nothing_is_sent(
    actions: RequestActions, seed: Seeder, citizen: str, order: ReplyOrder, field: str
) -> None:
    given_request(seed, citizen_id=citizen)

    with pytest.raises(Invalid) as refused:
        actions.reply(AGENT, REFERENCE, order, idempotency_key="k-5")

    assert refused.value.field == field
    assert sent_sms() == []
    assert entries() == []


def test_a_request_answered_by_letter_cannot_be_answered_from_the_desk(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen, response_channel="letter")

    with pytest.raises(Conflict) as refused:
        actions.reply(AGENT, REFERENCE, ReplyOrder(text="Hola"), idempotency_key="k-6")

    assert refused.value.field == "response_channel"


def test_a_citizen_who_withdrew_sms_consent_is_not_texted(
    actions: RequestActions, seed: Seeder, citizen: str, clock: Clock
) -> None:
    store = CitizenStore(seed.runtime.table, seed.runtime.vault)
    profile = store.get(citizen)
    assert profile is not None
    withdrawn = Consent(
        channel="sms", purpose="service", granted=False, recorded_at=clock(), source="sms"
    )
    store.save(store.consent_update(profile, withdrawn, clock()))
    given_request(seed, citizen_id=citizen)

    with pytest.raises(Conflict):
        actions.reply(AGENT, REFERENCE, ReplyOrder(text="Hola"), idempotency_key="k-7")

    assert sent_sms() == []


def test_staff_of_another_district_cannot_reply(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    given_request(seed, citizen_id=citizen)
    outsider = staff(Role.AGENT, districts=("9",))

    with pytest.raises(Forbidden):
        actions.reply(outsider, REFERENCE, ReplyOrder(text="Hola"), idempotency_key="k-8")

    assert sent_sms() == []


def test_the_preview_counts_what_the_citizen_would_receive(actions: RequestActions) -> None:
    shown = actions.preview(
        AGENT,
        PreviewOrder(
            text="La sol·licitud {reference} és resolta.", channel="sms", reference=REFERENCE
        ),
    )

    assert shown["encoding"] == "GSM-7"
    assert shown["segments"] == 1
    assert REFERENCE in shown["text"]


def test_a_campaign_manager_gets_no_reply_templates(actions: RequestActions) -> None:
    with pytest.raises(Forbidden):
        actions.templates(staff(Role.CAMPAIGN_MANAGER), Language.CA)
    assert actions.templates(AGENT, Language.EN)


# ---------------------------------------------------------------------- new requests


def test_a_call_from_a_known_citizen_opens_a_request_through_the_intake(
    actions: RequestActions, seed: Seeder, citizen: str
) -> None:
    order = ContactOrder(
        channel="voice",
        citizen_id=citizen,
        theme="roads.pothole",
        description="Trucada: un forat gran davant del número 20.",
        location=Location(address="Carrer de Balmes, 20", district_code="2"),
    )

    logged = actions.log_contact(AGENT, order, idempotency_key="call-1")

    item = stored(logged.reference)
    assert logged.state is S.PENDING_VALIDATION
    assert item["citizen_id"] == citizen
    assert item["input_channel"] == "phone"
    assert item["origin"]["actor"] == "staff:u-0042"
    assert len(table_items("CITIZEN#")) == 1


def test_a_visit_with_a_shown_document_identifies_a_new_citizen(
    actions: RequestActions, seed: Seeder
) -> None:
    order = ContactOrder(
        channel="in_person",
        document_id="12345678Z",
        given_name="Montserrat",
        theme="taxes.ibi-enquiry",
        request_type="enquiry",
        description="Vol saber quan es cobra el rebut de l'IBI.",
        response_channel="letter",
    )

    logged = actions.log_contact(AGENT, order, idempotency_key="visit-1")

    assert logged.state is S.PENDING_VALIDATION
    [profile] = table_items("CITIZEN#")
    assert [p["verified"] for p in profile["contact_points"]] == [True]
    assert stored(logged.reference)["input_channel"] == "in_person"


def test_the_same_call_logged_twice_opens_one_request(
    actions: RequestActions, seed: Seeder
) -> None:
    order = ContactOrder(
        channel="voice", phone="+34655443322", theme="general.enquiry", description="Horaris."
    )

    first = actions.log_contact(AGENT, order, idempotency_key="call-2")
    again = actions.log_contact(AGENT, order, idempotency_key="call-2")

    assert first == again
    assert len([i for i in table_items("REQUEST#") if i["type"] == "request"]) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"theme": "roads.unknown"}, "theme"),
        ({"citizen_id": "cit_nobody"}, "citizen_id"),
        ({"theme": "roads.pothole"}, "location"),
    ],
    ids=["unknown-theme", "unknown-citizen", "missing-location"],
)
def test_a_contact_that_breaks_a_rule_opens_nothing(
    actions: RequestActions, seed: Seeder, changes: dict[str, Any], field: str
) -> None:
    order = ContactOrder.model_validate(
        {"channel": "voice", "theme": "general.enquiry", "description": "Horaris.", **changes}
    )

    with pytest.raises(Invalid) as refused:
        actions.log_contact(AGENT, order, idempotency_key="call-3")

    assert refused.value.field == field
    assert table_items("REQUEST#") == []
    assert table_items("CITIZEN#") == []


def test_a_contact_in_another_district_is_refused(actions: RequestActions, seed: Seeder) -> None:
    order = ContactOrder(
        channel="voice",
        theme="roads.pothole",
        description="Un forat.",
        location=Location(address="Carrer Gran de Gràcia, 1", district_code="6"),
    )

    with pytest.raises(Forbidden):
        actions.log_contact(AGENT, order, idempotency_key="call-4")
    with pytest.raises(Forbidden):
        actions.log_contact(staff(Role.CAMPAIGN_MANAGER), order, idempotency_key="call-4")


def test_a_bad_idempotency_key_is_refused_by_name(actions: RequestActions) -> None:
    order = ContactOrder(channel="voice", theme="general.enquiry", description="Horaris.")

    with pytest.raises(Invalid) as refused:
        actions.log_contact(AGENT, order, idempotency_key="a key with spaces")

    assert refused.value.field == "Idempotency-Key"


# ---------------------------------------------------------------------- theme corrections


def test_a_triage_request_given_its_theme_goes_to_the_theme_group_of_its_district(
    actions: RequestActions, seed: Seeder, clock: Clock
) -> None:
    request = given_request(seed, theme_code=None, flags={"low_confidence"})
    triage = staff(Role.AGENT, groups=("triage",))
    clock.advance(hours=2)

    summary = actions.correct_theme(
        triage, REFERENCE, ThemeOrder(theme="roads.pothole", reason="A pothole, not a leak")
    )

    theme = seed.runtime.catalogue.theme("roads.pothole")
    assert (summary.theme, summary.group) == ("roads.pothole", "paving.d2")
    assert summary.due_at == request.created_at + timedelta(hours=theme.sla_hours)
    item = stored()
    assert item["GSI2PK"].startswith("QUEUE#paving.d2#")
    assert item["GSI3SK"].startswith(summary.due_at.isoformat())
    assert item["GSI4PK"].startswith("GEO#roads.pothole#")
    assert "low_confidence" not in item.get("flags", set())
    assert item["routed_at"] == clock().isoformat()
    [entry] = entries()
    assert entry["reason"] == "A pothole, not a leak"


def test_a_corrected_theme_never_lowers_the_priority(actions: RequestActions, seed: Seeder) -> None:
    given_request(seed)
    actions.set_priority(AGENT, REFERENCE, PriorityOrder(priority="urgent"))

    summary = actions.correct_theme(
        AGENT, REFERENCE, ThemeOrder(theme="roads.loose-paving", reason="Loose slabs")
    )

    assert summary.priority == "urgent"


@pytest.mark.parametrize(
    ("theme", "state", "error"),
    [
        ("roads.pothole", S.PENDING_VALIDATION, Invalid),
        ("roads.unknown", S.PENDING_VALIDATION, Invalid),
        ("roads.manhole-cover", S.PLANNED, TransitionRefused),
        ("roads.loose-paving", S.CLOSED, Conflict),
    ],
    ids=["same-theme", "unknown-theme", "state-the-process-lacks", "ended"],
)
def test_a_theme_correction_that_breaks_a_rule_changes_nothing(
    actions: RequestActions,
    seed: Seeder,
    theme: str,
    state: RequestState,
    error: type[Exception],
) -> None:
    given_request(seed, state=state)
    before = table_items()

    with pytest.raises(error):
        actions.correct_theme(AGENT, REFERENCE, ThemeOrder(theme=theme, reason="x"))

    assert table_items() == before


def test_the_same_key_still_running_elsewhere_is_a_conflict_on_the_key() -> None:
    def running() -> None:
        raise IdempotencyAlreadyInProgressError("in progress")

    with pytest.raises(Conflict) as refused:
        settled(running)

    assert refused.value.field == "Idempotency-Key"
