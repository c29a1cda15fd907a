"""The daily digest function under moto: what each group's email says, and that it goes
once per group and city day.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from moto.backends import get_backend
from pydantic import ValidationError

from finestra.apps.digest import DigestApp, DigestSettings
from finestra.desk.digest import (
    DigestSender,
    DigestSubscription,
    InboxConversations,
    load_subscriptions,
)
from finestra.domain.catalogue import Catalogue
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction, Location, Request
from finestra.domain.vocabulary import (
    InputChannel,
    InteractionKind,
    Language,
    RequestState,
    ResponseChannel,
)
from finestra.storage.requests import RequestStore
from finestra.storage.table import Put, Table
from tests.conftest import CONFIG, REGION, Clock, FakeLambdaContext
from tests.support.aws import ACCOUNT, table_items

MORNING = datetime(2026, 3, 16, 6, 5, tzinfo=UTC)
"""07:05 in Barcelona (CET)."""
TEXT = "El fanal del meu portal, carrer de Mallorca 200, no funciona."
CITIZEN = "cit_01JQ3V7X9K2M4N6P8R0S2T4V6W"
ZONE = ZoneInfo("Europe/Madrid")


def sent_email() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


@pytest.fixture
def clock() -> Clock:
    return Clock(MORNING)


@pytest.fixture
def digest(
    function: Callable[[str], ModuleType], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = function("digest")
    runtime = DigestApp(DigestSettings(), clock=clock)
    monkeypatch.setattr(module.app, "get", lambda: runtime)
    return module


@pytest.fixture
def table(digest: ModuleType) -> Table:
    runtime: DigestApp = digest.app.get()
    return runtime.runtime.table


def store(
    table: Table,
    catalogue: Catalogue,
    number: int,
    *,
    theme: str = "roads.pothole",
    state: RequestState = RequestState.IN_RESOLUTION,
    due_in: timedelta = timedelta(hours=40),
    now: datetime = MORNING,
) -> str:
    chosen = catalogue.theme(theme)
    due = now + due_in
    created = due - timedelta(hours=chosen.sla_hours)
    reference = f"BCN-2026-{number:06d}"
    request = Request(
        reference=reference,
        request_type=chosen.request_types[0],
        theme_code=theme,
        description=TEXT,
        location=Location(address="Carrer de Mallorca, 200", district_code="2"),
        input_channel=InputChannel.WEB,
        response_channel=ResponseChannel.EMAIL,
        language=Language.CA,
        state=state,
        responsible_group=f"{chosen.responsible_group}.d2",
        sla_due_at=due,
        created_at=created,
        updated_at=created,
        citizen_id=CITIZEN,
        origin=Interaction(
            id=new_id("int"),
            at=created,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel=InputChannel.WEB,
            actor=f"citizen:{CITIZEN}",
            text=TEXT,
        ),
        tracking_token_hash="0" * 64,
    )
    store = RequestStore(table, shards=4)
    store.save(store.creation(request))
    return reference


@pytest.fixture
def city(table: Table) -> dict[str, str]:
    catalogue = Catalogue.load(CONFIG)
    return {
        "at_risk": store(table, catalogue, 401, due_in=timedelta(hours=2)),
        "breached": store(table, catalogue, 402, due_in=timedelta(hours=-3)),
        "pending": store(table, catalogue, 403, state=RequestState.PENDING_VALIDATION),
        "on_time": store(table, catalogue, 404),
        "closed": store(
            table, catalogue, 405, state=RequestState.CLOSED, due_in=timedelta(hours=-9)
        ),
        "lighting": store(
            table, catalogue, 406, theme="lighting.streetlight-off", due_in=timedelta(hours=-1)
        ),
    }


def paving_mail() -> Any:
    [mail] = [
        m
        for m in sent_email()
        if m.destinations["ToAddresses"] == ["paviment@finestra.example.org"]
    ]
    return mail


def test_each_subscribed_group_gets_its_counts_and_references_in_its_languages(
    digest: ModuleType, city: dict[str, str]
) -> None:
    result = digest.lambda_handler({}, FakeLambdaContext())

    assert result == {"sent": 4, "groups": 4}
    mail = paving_mail()
    assert mail.subject == "Finestra · Resum diari · Paviment i via pública · 2026-03-16"
    body = mail.body
    assert "A punt d'exhaurir el termini: 1\n  " + city["at_risk"] in body
    assert "Fora de termini: 1\n  " + city["breached"] in body
    assert "Pendents de validar: 1\n  " + city["pending"] in body
    assert "Pendientes de validar: 1" in body
    assert "Converses sense llegir: 0\n  cap" in body
    for elsewhere in (city["on_time"], city["closed"], city["lighting"]):
        assert elsewhere not in body


def test_a_digest_holds_no_personal_data(digest: ModuleType, city: dict[str, str]) -> None:
    digest.lambda_handler({}, FakeLambdaContext())

    for mail in sent_email():
        for personal in (TEXT, "Mallorca", CITIZEN):
            assert personal not in mail.body
            assert personal not in mail.subject


def test_a_second_run_the_same_day_sends_nothing(
    digest: ModuleType, city: dict[str, str], clock: Clock
) -> None:
    digest.lambda_handler({}, FakeLambdaContext())
    clock.advance(minutes=15)

    again = digest.lambda_handler({}, FakeLambdaContext())

    assert again == {"sent": 0, "groups": 4}
    assert len(sent_email()) == 4
    claims = table_items("DIGEST#paving")
    assert [(c["SK"], c["status"]) for c in claims] == [("DAY#2026-03-16", "sent")]


def test_the_next_city_day_sends_again(
    digest: ModuleType, city: dict[str, str], clock: Clock
) -> None:
    digest.lambda_handler({}, FakeLambdaContext())
    clock.advance(days=1)

    digest.lambda_handler({}, FakeLambdaContext())

    assert len(sent_email()) == 8


def test_before_seven_in_the_city_nothing_is_read_or_sent(
    digest: ModuleType, city: dict[str, str], clock: Clock
) -> None:
    clock.now = datetime(2026, 3, 16, 5, 55, tzinfo=UTC)

    result = digest.lambda_handler({}, FakeLambdaContext())

    assert result == {"sent": 0, "groups": 4}
    assert sent_email() == []
    assert table_items("DIGEST#") == []


def test_unread_conversations_of_the_group_are_counted_from_its_inbox(
    digest: ModuleType, table: Table, city: dict[str, str]
) -> None:
    table.put(
        Put(
            item={
                "PK": "INBOX#paving",
                "SK": f"{city['on_time']}#cnv_1",
                "type": "conversation_unread",
                "reference": city["on_time"],
                "conversation_id": "cnv_1",
            }
        )
    )

    digest.lambda_handler({}, FakeLambdaContext())

    assert "Converses sense llegir: 1\n  " + city["on_time"] in paving_mail().body


class FailingMailer:
    def send(self, *, to: str, subject: str, text: str) -> str:
        raise RuntimeError("SES is down")


def test_a_failed_send_releases_the_claim_so_a_retry_sends(
    digest: ModuleType, table: Table, city: dict[str, str], clock: Clock
) -> None:
    catalogue = Catalogue.load(CONFIG)
    failing = DigestSender(
        table=table,
        catalogue=catalogue,
        subscriptions=[
            DigestSubscription(group="paving", to=("a@b.example.org",), languages=("ca",))
        ],
        mailer=FailingMailer(),
        conversations=InboxConversations(table),
        clock=clock,
        shards=4,
        near_fraction=0.9,
        zone=ZONE,
    )

    with pytest.raises(RuntimeError):
        failing.send_due()

    assert table_items("DIGEST#") == []
    digest.lambda_handler({}, FakeLambdaContext())
    assert len(table_items("DIGEST#")) == 4


def test_the_configured_digests_name_groups_of_the_catalogue() -> None:
    found = load_subscriptions(CONFIG, Catalogue.load(CONFIG))

    assert "paving" in {s.group for s in found}


def test_a_digest_file_naming_an_unknown_group_is_refused(tmp_path: Path) -> None:
    (tmp_path / "digests.json").write_text(
        '{"digests": [{"group": "nowhere", "to": ["x@y.example.org"], "languages": ["ca"]}]}',
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="does not know"):
        load_subscriptions(tmp_path, Catalogue.load(CONFIG))


def test_a_digest_to_something_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(ValidationError, match="string_pattern_mismatch"):
        DigestSubscription.model_validate(
            {"group": "paving", "to": ["not an address"], "languages": ["ca"]}
        )
