"""Joins, splits, claims and cancelling as duplicate through the desk API, under moto.

Requests are seeded through the project's own store; the calls are payload-1.0 events
with the claims the gateway's JWT authorizer hands the function; SMS and email land in
moto's SNS and SES, where the tests read what each applicant was sent.
"""

from collections.abc import Callable
from datetime import timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.apps.desk import DeskApp
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.intake.service import hash_token
from finestra.settings import DeskSettings
from finestra.storage.requests import RequestStore
from tests.conftest import REGION, Clock, Seeder
from tests.integration.test_desk_actions import AGENT, PREFIX, call, event, sent_email
from tests.support.aws import sent_sms, table_items

PRINCIPAL = "BCN-2026-000200"
JOINED = "BCN-2026-000201"
OTHER = "BCN-2026-000202"
BALMES = (41.3874, 2.1686)
NEAR_BALMES = (41.38755, 2.16870)
"""About 18 m from ``BALMES``: within the pothole theme's 30 m."""
FAR_FROM_BALMES = (41.3900, 2.1686)
"""About 290 m from ``BALMES``."""
OTHER_AGENT = {**AGENT, "sub": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "cognito:username": "ag7"}
LIGHTING_AGENT = {**AGENT, "custom:groups": "lighting"}


def given(
    seed: Seeder,
    reference: str,
    citizen_id: str | None,
    *,
    theme: str = "roads.pothole",
    group: str = "paving.d2",
    state: str = "pending_validation",
    point: tuple[float, float] | None = BALMES,
    language: str = "ca",
    channel: str = "sms",
    response_channel: str = "sms",
    age_days: float = 0,
) -> Request:
    """A request of district 2, received ``age_days`` ago, stored as the intake stores it."""
    now = seed.clock() - timedelta(days=age_days)
    origin = Interaction(
        id=new_id("int"),
        at=now,
        kind="inbound_message",
        channel=channel,
        actor=f"citizen:{citizen_id}",
        provider_message_id=new_id("msg"),
        text="Hi ha un forat a la calçada i un fanal apagat al mateix carrer.",
    )
    request = Request(
        reference=reference,
        request_type="incident",
        theme_code=theme,
        description=origin.text or "",
        location=Location(
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            address="Carrer de Balmes, 20",
            district_code="2",
        ),
        input_channel=channel,
        response_channel=response_channel,
        language=language,
        state=state,
        responsible_group=group,
        sla_due_at=now + timedelta(days=10),
        created_at=now,
        updated_at=now,
        citizen_id=citizen_id,
        origin=origin,
        tracking_token_hash=hash_token("trk_4Qv8Zp2LmX7sN3wR9cK1"),
    )
    store = RequestStore(seed.runtime.table, shards=4)
    store.save(store.creation(request))
    return request


def post(
    reference: str,
    route: str,
    body: Any = None,
    *,
    claims: dict[str, str] = AGENT,
    key: str | None = None,
) -> dict[str, Any]:
    return event(
        "POST",
        f"{PREFIX}/requests/{{reference}}/{route}",
        claims=claims,
        body=body,
        path={"reference": reference},
        headers={"idempotency-key": key} if key else None,
    )


def unjoin(reference: str) -> dict[str, Any]:
    return event(
        "DELETE",
        f"{PREFIX}/requests/{{reference}}/join",
        claims=AGENT,
        path={"reference": reference},
    )


def collection(reference: str) -> list[dict[str, Any]]:
    return [i for i in table_items(f"REQUEST#{reference}") if i["PK"] == f"REQUEST#{reference}"]


def stored(reference: str) -> dict[str, Any]:
    [item] = [i for i in collection(reference) if i["SK"] == "REQUEST"]
    return item


def notes(reference: str) -> list[str]:
    return [
        str(i.get("text"))
        for i in collection(reference)
        if i["type"] == "interaction" and i["kind"] == "note"
    ]


@pytest.fixture
def api(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The desk API, every route module of it on the test's clock."""
    module = function("desk_api")
    monkeypatch.setattr(module.desk, "_build", lambda: DeskApp(DeskSettings(), clock=clock))
    return module


@pytest.fixture
def montse(seed: Seeder) -> str:
    return seed.citizen(phone="+34622334455", given_name="Montserrat", language="es")


@pytest.fixture
def oliver(seed: Seeder) -> str:
    return seed.citizen(email="oliver.hart@example.org", given_name="Oliver", language="en")


@pytest.fixture
def pair(seed: Seeder, montse: str, oliver: str) -> tuple[str, str]:
    """Two potholes 18 m apart: Montse's by SMS in Spanish, Oliver's by email in English."""
    given(seed, PRINCIPAL, montse, state="pending_answer", language="es")
    given(
        seed,
        JOINED,
        oliver,
        point=NEAR_BALMES,
        language="en",
        channel="email",
        response_channel="email",
    )
    return PRINCIPAL, JOINED


# ---------------------------------------------------------------------- joining


def test_a_request_of_the_same_theme_near_and_recent_joins_its_principal(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    status, answer = call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    assert status == 200, answer
    assert answer["joined_to"] == {"reference": PRINCIPAL, "state": "pending_answer"}
    assert stored(JOINED)["joined_to"] == PRINCIPAL
    assert stored(PRINCIPAL)["joined"] == [JOINED]
    assert notes(JOINED) == [f"joined to {PRINCIPAL}"]
    assert notes(PRINCIPAL) == [f"{JOINED} joined to this request"]


def test_joining_again_changes_nothing(api: ModuleType, pair: tuple[str, str]) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))
    before = table_items()

    status, answer = call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    assert status == 200
    assert answer["joined_to"]["reference"] == PRINCIPAL
    assert table_items() == before


@pytest.mark.parametrize(
    ("other", "field", "words"),
    [
        ({"theme": "roads.loose-paving"}, "theme", "different theme"),
        ({"point": FAR_FROM_BALMES}, "location", "within 30 m"),
        ({"point": None}, "location", "no point"),
        ({"age_days": 61}, "created_at", "60 days apart"),
        ({"state": "closed"}, "state", "closed"),
    ],
    ids=["different-theme", "too-far", "no-point", "too-old", "ended"],
)
def test_a_join_that_breaks_a_rule_is_refused_naming_it_and_nothing_is_written(
    api: ModuleType, seed: Seeder, *, montse: str, other: dict[str, Any], field: str, words: str
) -> None:
    given(seed, PRINCIPAL, montse)
    given(seed, OTHER, montse, **other)
    before = table_items()

    status, answer = call(api, post(OTHER, "join", {"into": PRINCIPAL}))

    assert status == 409, answer
    assert answer["code"] == "conflict"
    assert words in answer["message"]
    assert field in {error["field"] for error in answer.get("errors", [])} | {answer.get("field")}
    assert table_items() == before


def test_a_request_already_joined_elsewhere_is_refused(
    api: ModuleType, seed: Seeder, pair: tuple[str, str], montse: str
) -> None:
    given(seed, OTHER, montse, point=NEAR_BALMES)
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, answer = call(api, post(JOINED, "join", {"into": OTHER}))

    assert status == 409
    assert f"already joined to {PRINCIPAL}" in answer["message"]
    assert "joined" not in stored(OTHER)


def test_a_request_cannot_join_itself(api: ModuleType, pair: tuple[str, str]) -> None:
    status, answer = call(api, post(JOINED, "join", {"into": JOINED}))

    assert status == 422
    assert answer["errors"][0]["field"] == "into"


def test_a_principal_outside_the_caller_s_groups_is_forbidden(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    given(seed, PRINCIPAL, montse, group="lighting", theme="roads.pothole")
    given(seed, JOINED, montse, point=NEAR_BALMES)

    status, answer = call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    assert status == 403
    assert answer["code"] == "forbidden"
    assert "joined_to" not in stored(JOINED)


def test_a_principal_locked_by_another_agent_refuses_the_join(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    status, _ = call(api, post(PRINCIPAL, "lock", claims=OTHER_AGENT))
    assert status == 200
    before = table_items()

    status, answer = call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    assert status == 409
    assert answer["code"] == "locked"
    assert "ag7" in answer["message"]
    assert table_items() == before


def test_unjoining_clears_both_requests(api: ModuleType, pair: tuple[str, str]) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, answer = call(api, unjoin(JOINED))

    assert status == 200, answer
    assert answer["joined_to"] is None
    assert "joined_to" not in stored(JOINED)
    assert stored(PRINCIPAL).get("joined", []) == []


def test_unjoining_a_request_that_is_not_joined_is_refused(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    status, answer = call(api, unjoin(JOINED))

    assert status == 409
    assert "not joined" in answer["message"]


def test_a_joined_request_is_not_moved_on_its_own(api: ModuleType, pair: tuple[str, str]) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, answer = call(api, post(JOINED, "transitions", {"to": "planned"}))

    assert status == 409
    assert f"joined to {PRINCIPAL}" in answer["message"]
    assert stored(JOINED)["state"] == "pending_validation"


def test_the_worklist_shows_a_joined_request_as_joined(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, page = call(
        api, event("GET", f"{PREFIX}/worklist", claims=AGENT, query={"group": "paving.d2"})
    )

    assert status == 200, page
    rows = {item["reference"]: item for item in page["items"]}
    assert rows[JOINED]["joined_to"] == PRINCIPAL
    assert rows[PRINCIPAL]["joined_to"] is None


def test_the_detail_lists_the_links_with_their_states(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, detail = call(
        api,
        event(
            "GET", f"{PREFIX}/requests/{{reference}}", claims=AGENT, path={"reference": PRINCIPAL}
        ),
    )

    assert status == 200, detail
    assert detail["links"]["joined"] == [{"reference": JOINED, "state": "pending_validation"}]


# ---------------------------------------------------------------------- one resolution


def test_closing_the_principal_closes_the_joined_and_answers_each_applicant_on_their_channel(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, answer = call(api, post(PRINCIPAL, "transitions", {"to": "closed"}))

    assert status == 200, answer
    assert stored(JOINED)["state"] == "closed"
    [(number, text)] = sent_sms()
    assert number == "+34622334455"
    assert PRINCIPAL in text
    assert "resuelta" in text
    [mail] = sent_email()
    assert mail.destinations["ToAddresses"] == ["oliver.hart@example.org"]
    assert mail.subject.startswith(f"[{JOINED}]")
    assert "has been resolved" in mail.body


def test_an_applicant_who_cannot_be_answered_is_recorded_and_the_others_are_answered(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    given(seed, PRINCIPAL, montse, state="pending_answer", language="es")
    given(seed, JOINED, None, point=NEAR_BALMES, response_channel="email")
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, _ = call(api, post(PRINCIPAL, "transitions", {"to": "closed"}))

    assert status == 200
    assert len(sent_sms()) == 1
    assert sent_email() == []
    assert notes(JOINED)[-1] == "answer not sent (conflict)"
    assert "answer_pending" in stored(JOINED)["flags"]
    assert stored(JOINED)["state"] == "closed"


def test_an_email_the_provider_refuses_is_recorded_and_the_sms_still_goes(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))
    boto3.client("sesv2", region_name=REGION).delete_email_identity(
        EmailIdentity="finestra.example.org"
    )

    status, _ = call(api, post(PRINCIPAL, "transitions", {"to": "closed"}))

    assert status == 200
    assert len(sent_sms()) == 1
    assert sent_email() == []
    assert notes(JOINED)[-1] == "answer not sent (MessageRejected)"
    assert "answer_pending" in stored(JOINED)["flags"]
    assert "answer_pending" not in stored(PRINCIPAL).get("flags", set())


def test_answering_the_joined_again_sends_only_what_did_not_go(
    api: ModuleType, seed: Seeder, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))
    call(api, post(PRINCIPAL, "transitions", {"to": "closed"}))

    status, answer = call(api, post(PRINCIPAL, "joined/answers"))

    assert status == 200, answer
    assert [item["sent"] for item in answer["items"]] == [True, True]
    assert len(sent_sms()) == 1
    assert len(sent_email()) == 1


def test_answering_the_joined_of_an_open_principal_is_refused(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    call(api, post(JOINED, "join", {"into": PRINCIPAL}))

    status, answer = call(api, post(PRINCIPAL, "joined/answers"))

    assert status == 409
    assert "has not ended" in answer["message"]


# ---------------------------------------------------------------------- splitting


def test_a_split_makes_linked_requests_each_routed_by_its_theme(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    given(seed, PRINCIPAL, montse, language="es")
    parts = [
        {"theme": "lighting.streetlight-off", "description": "Un fanal apagat."},
        {"theme": "cleaning.dirty-street", "description": "La vorera és bruta."},
    ]

    status, answer = call(api, post(PRINCIPAL, "split", {"parts": parts}, key="split-1"))

    assert status == 201, answer
    made = [part["reference"] for part in answer["parts"]]
    assert len(made) == 2
    assert stored(PRINCIPAL)["parts"] == made
    lamp, street = stored(made[0]), stored(made[1])
    assert (lamp["theme_code"], lamp["responsible_group"]) == (
        "lighting.streetlight-off",
        "lighting",
    )
    assert street["responsible_group"] == "cleaning"
    for part in (lamp, street):
        assert part["split_from"] == PRINCIPAL
        assert part["citizen_id"] == montse
        assert (part["language"], part["input_channel"]) == ("es", "sms")
        assert part["sla_due_at"]
        assert part["GSI2PK"].startswith(f"QUEUE#{part['responsible_group']}#")


def test_a_repeated_split_creates_nothing_new(api: ModuleType, seed: Seeder, montse: str) -> None:
    given(seed, PRINCIPAL, montse)
    body = {"parts": [{"theme": "lighting.streetlight-off", "description": "Un fanal apagat."}]}
    call(api, post(PRINCIPAL, "split", body, key="split-1"))
    before = [i for i in table_items("REQUEST#") if i["type"] == "request"]

    status, answer = call(api, post(PRINCIPAL, "split", body, key="split-1"))

    assert status == 201
    assert len(answer["parts"]) == 1
    assert [i for i in table_items("REQUEST#") if i["type"] == "request"] == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"parts": []}, 422, "parts"),
        ({"parts": [{"theme": "roads.pothole", "description": "x"}] * 6}, 422, "parts"),
        ({"parts": [{"theme": "no.such-theme", "description": "x"}]}, 422, "parts.0.theme"),
    ],
    ids=["none", "too-many", "unknown-theme"],
)
def test_a_split_that_breaks_a_rule_is_refused(
    api: ModuleType, seed: Seeder, *, montse: str, body: dict[str, Any], status: int, field: str
) -> None:
    given(seed, PRINCIPAL, montse)

    answered, answer = call(api, post(PRINCIPAL, "split", body, key="split-bad"))

    assert answered == status, answer
    assert field in {error["field"] for error in answer["errors"]}
    assert "parts" not in stored(PRINCIPAL)


def test_a_split_past_five_parts_in_all_is_refused_before_any_request_is_made(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    given(seed, PRINCIPAL, montse)
    three = {"parts": [{"theme": "lighting.streetlight-off", "description": "Un fanal."}] * 3}
    call(api, post(PRINCIPAL, "split", three, key="split-1"))
    before = [i for i in table_items("REQUEST#") if i["SK"] == "REQUEST"]

    status, answer = call(api, post(PRINCIPAL, "split", three, key="split-2"))

    assert status == 409
    assert "more than 5 parts" in answer["message"]
    assert [i for i in table_items("REQUEST#") if i["SK"] == "REQUEST"] == before


def test_an_ended_request_is_not_split(api: ModuleType, seed: Seeder, montse: str) -> None:
    given(seed, PRINCIPAL, montse, state="closed")
    body = {"parts": [{"theme": "lighting.streetlight-off", "description": "Un fanal apagat."}]}

    status, answer = call(api, post(PRINCIPAL, "split", body, key="split-1"))

    assert status == 409
    assert "closed" in answer["message"]


# ---------------------------------------------------------------------- claims


def closed(api: ModuleType, seed: Seeder, citizen: str, state: str = "pending_answer") -> None:
    given(seed, PRINCIPAL, citizen, state=state)
    status, answer = call(api, post(PRINCIPAL, "transitions", {"to": "closed"}))
    assert status == 200, answer


def test_a_claim_within_60_days_opens_a_linked_request_with_a_suffix_and_the_alarm(
    api: ModuleType, seed: Seeder, clock: Clock, montse: str
) -> None:
    closed(api, seed, montse)
    clock.advance(days=59)

    status, answer = call(
        api, post(PRINCIPAL, "claim", {"text": "Encara hi ha el forat."}, key="claim-1")
    )

    assert status == 201, answer
    claim = f"{PRINCIPAL}-R1"
    assert answer["reference"] == claim
    assert answer["claim_of"] == PRINCIPAL
    assert answer["flags"] == ["claimed"]
    item = stored(claim)
    assert item["responsible_group"] == "paving.d2"
    assert item["state"] == "pending_validation"
    assert item["sla_due_at"] > clock().isoformat()
    assert item["claim_of"] == PRINCIPAL
    assert stored(PRINCIPAL)["claims"] == [claim]
    assert notes(PRINCIPAL) == [f"claimed as {claim}"]


def test_a_second_claim_takes_the_next_suffix_and_a_repeated_one_none(
    api: ModuleType, seed: Seeder, montse: str
) -> None:
    closed(api, seed, montse)
    call(api, post(PRINCIPAL, "claim", {"text": "Encara hi ha el forat."}, key="claim-1"))

    again = call(api, post(PRINCIPAL, "claim", {"text": "Encara hi ha el forat."}, key="claim-1"))
    second = call(api, post(PRINCIPAL, "claim", {"text": "I ara és més gran."}, key="claim-2"))

    assert again[1]["reference"] == f"{PRINCIPAL}-R1"
    assert second[0] == 201, second
    assert second[1]["reference"] == f"{PRINCIPAL}-R2"
    assert stored(PRINCIPAL)["claims"] == [f"{PRINCIPAL}-R1", f"{PRINCIPAL}-R2"]


def test_a_claim_more_than_60_days_after_closing_is_refused(
    api: ModuleType, seed: Seeder, clock: Clock, montse: str
) -> None:
    closed(api, seed, montse)
    clock.advance(days=61)

    status, answer = call(api, post(PRINCIPAL, "claim", {"text": "Encara hi és."}, key="c-1"))

    assert status == 409
    assert "more than 60 days ago" in answer["message"]
    assert "claims" not in stored(PRINCIPAL)


def test_a_claim_on_an_open_request_is_refused(api: ModuleType, seed: Seeder, montse: str) -> None:
    given(seed, PRINCIPAL, montse)

    status, answer = call(api, post(PRINCIPAL, "claim", {"text": "Encara hi és."}, key="c-1"))

    assert status == 409
    assert "only a closed or cancelled request can be claimed" in answer["message"]


def test_a_claimed_request_is_tracked_by_the_citizen_with_the_original_token(
    api: ModuleType, seed: Seeder, montse: str, function: Callable[[str], ModuleType]
) -> None:
    closed(api, seed, montse)
    call(api, post(PRINCIPAL, "claim", {"text": "Encara hi ha el forat."}, key="claim-1"))
    citizen_api = function("citizen_api")

    status, answer = call(
        citizen_api,
        event(
            "GET",
            "/api/v1/requests/{reference}",
            path={"reference": f"{PRINCIPAL}-R1"},
            headers={"x-tracking-token": "trk_4Qv8Zp2LmX7sN3wR9cK1"},
        ),
    )

    assert status == 200, answer
    assert answer["reference"] == f"{PRINCIPAL}-R1"


# ---------------------------------------------------------------------- cancel as duplicate


def test_cancelling_as_duplicate_names_the_survivor_and_tells_the_citizen(
    api: ModuleType, pair: tuple[str, str]
) -> None:
    body = {"to": "cancelled", "reason": "Same pothole", "duplicate_of": PRINCIPAL}

    status, answer = call(api, post(JOINED, "transitions", body))

    assert status == 200, answer
    assert stored(JOINED)["duplicate_of"] == PRINCIPAL
    assert stored(JOINED)["state"] == "cancelled"
    [mail] = sent_email()
    assert PRINCIPAL in mail.body
    assert "is about the same as" in mail.body


@pytest.mark.parametrize(
    ("survivor", "status", "field"),
    [(JOINED, 422, "duplicate_of"), ("BCN-2026-000999", 422, "duplicate_of")],
    ids=["itself", "missing"],
)
def test_cancelling_as_duplicate_of_itself_or_of_nothing_is_refused(
    api: ModuleType, pair: tuple[str, str], survivor: str, status: int, field: str
) -> None:
    body = {"to": "cancelled", "reason": "Same pothole", "duplicate_of": survivor}

    answered, answer = call(api, post(JOINED, "transitions", body))

    assert answered == status, answer
    assert answer["errors"][0]["field"] == field
    assert stored(JOINED)["state"] == "pending_validation"
    assert sent_email() == []


def test_cancelling_as_duplicate_of_a_request_outside_the_caller_s_groups_is_forbidden(
    api: ModuleType, seed: Seeder, pair: tuple[str, str], montse: str
) -> None:
    given(seed, OTHER, montse, group="lighting")
    body = {"to": "cancelled", "reason": "Same pothole", "duplicate_of": OTHER}

    status, _ = call(api, post(JOINED, "transitions", body))

    assert status == 403
    assert stored(JOINED)["state"] == "pending_validation"
