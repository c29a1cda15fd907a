"""What must hold of the desk's citizen duties: merge, undo, export and erasure, rule by rule.

The service runs on moto, with the table of ``template.yaml`` and the attachments bucket
versioned as the template declares it, through the project's own stores. The one
stand-in is a table that stops after a given transaction, playing a process cut short.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from finestra.auth import Role, Staff
from finestra.desk import Cursors
from finestra.desk.access_log import AccessLog, AccessQuery
from finestra.desk.citizens import (
    COARSE_PRECISION,
    CitizenDuties,
    ErasureOrder,
    MergeOrder,
    MergeState,
    S3Attachments,
    coarse_location,
)
from finestra.domain.citizen import (
    Citizen,
    Consent,
    ContactPoint,
    EntityApplicant,
    EntityContact,
)
from finestra.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from finestra.domain.geo import bounds, encode
from finestra.domain.ids import new_id
from finestra.domain.request import Attachment, Interaction, Location, Request, SystemStatus
from finestra.domain.vocabulary import ContactKind, InteractionKind
from finestra.intake.message import InboundMessage
from finestra.intake.service import hash_token
from finestra.storage import keys
from finestra.storage.citizens import NAME_PURPOSE, CitizenStore, name_tokens
from finestra.storage.requests import ERASED_TEXT, RequestStore
from finestra.storage.snapshots import SnapshotStore
from finestra.storage.table import Delete, Table, Update
from tests.conftest import ATTACHMENTS_BUCKET, REGION, Seeder
from tests.support.aws import table_items

GIVEN, FAMILY = "Remei", "Casals Oliveras"
PHONE, EMAIL, DOCUMENT = "+34612345678", "remei.casals@example.org", "12345678Z"
OTHER_PHONE, OTHER_EMAIL = "+34622334455", "r.casals.oliveras@example.com"
DESCRIPTION = "Hi ha un forat molt fondo davant del portal on visc, al costat de la farmacia."
REPLY = "Us envio una foto del forat, encara hi es."
OPINION = "La neteja del meu carrer ha millorat molt aquest hivern."
ADDRESS = "Carrer de Balmes, 187"
LATITUDE, LONGITUDE = 41.398123, 2.152876
PHOTO = b"\xff\xd8\xff\xe0 photo of the pothole outside number 187"
MEDIA = "https://photos.example.org/u/nuria-puig/forat-187.jpg"
TAX_ID, OTHER_TAX_ID = "B12345674", "A58818501"


def staff(*roles: Role, districts: Iterable[str] = ("5",), user_id: str = "u-0042") -> Staff:
    return Staff(
        user_id=user_id,
        username=f"user-{user_id}",
        roles=frozenset(roles or (Role.AGENT,)),
        districts=frozenset(districts),
        groups=frozenset({"paving"}),
    )


AGENT = staff(Role.AGENT)
ADMIN = staff(Role.ADMINISTRATOR, districts=(), user_id="u-0001")


class StopsAfter(Table):
    """The table, as a process sees it that stops after its ``count``-th transaction."""

    class Stopped(Exception):
        """The process ended here."""

    def __init__(self, count: int) -> None:
        super().__init__(boto3.client("dynamodb", region_name=REGION), "FinestraTable")
        self.left = count

    def transact(self, writes: Sequence[Any]) -> None:
        if self.left == 0:
            raise self.Stopped
        self.left -= 1
        super().transact(writes)


class RacedBy(Table):
    """The table, as a process sees it whose first transaction another process beats."""

    def __init__(self, write: Update) -> None:
        super().__init__(boto3.client("dynamodb", region_name=REGION), "FinestraTable")
        self.first: Update | None = write

    def transact(self, writes: Sequence[Any]) -> None:
        if self.first is not None:
            self.update(self.first)
            self.first = None
        super().transact(writes)


class City:
    """Citizens, their requests and what hangs off them, written through the stores."""

    def __init__(self, seed: Seeder) -> None:
        self.seed = seed
        self.runtime = seed.runtime
        self.table = seed.runtime.table
        self.vault = seed.runtime.vault
        self.citizens = CitizenStore(self.table, self.vault)
        self.requests = RequestStore(self.table, shards=4)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.s3.put_bucket_versioning(
            Bucket=ATTACHMENTS_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        self._numbers = iter(range(100, 1000))

    def duties(self, table: Table | None = None, transaction_items: int = 100) -> CitizenDuties:
        table = table or self.table
        return CitizenDuties(
            table=table,
            citizens=CitizenStore(table, self.vault),
            requests=RequestStore(table, shards=4),
            attachments=S3Attachments(self.s3, ATTACHMENTS_BUCKET),
            access_log=AccessLog(table, Cursors(self.vault), self.seed.clock),
            clock=self.seed.clock,
            transaction_items=transaction_items,
        )

    def citizen(
        self,
        *,
        given_name: str = GIVEN,
        family_names: str = FAMILY,
        phone: str | None = None,
        email: str | None = None,
        document: str | None = None,
        district: str | None = "5",
        consents: Sequence[Consent] = (),
    ) -> str:
        given = [
            (ContactKind.PHONE, phone, False),
            (ContactKind.EMAIL, email, False),
            (ContactKind.DOCUMENT, document, True),
        ]
        now = self.seed.clock()
        citizen = Citizen(
            id=new_id("cit"),
            given_name=given_name,
            family_names=family_names,
            district_code=district,
            contact_points=[
                ContactPoint(kind=kind, value=value, verified=verified)
                for kind, value, verified in given
                if value
            ],
            consents=list(consents),
            created_at=now,
            updated_at=now,
        )
        self.table.transact(self.citizens.creation(citizen))
        return citizen.id

    def request(
        self,
        citizen_id: str | None,
        *,
        district: str = "5",
        description: str = DESCRIPTION,
        applicant: EntityApplicant | None = None,
        photo: bytes | None = None,
        media_url: str | None = None,
        routed: bool = False,
    ) -> str:
        now = self.seed.clock()
        reference = f"BCN-2026-{next(self._numbers):06d}"
        theme = self.runtime.catalogue.theme("roads.pothole")
        files = (self.file(reference, photo),) if photo else ()
        origin = Interaction(
            id=new_id("int"),
            at=now,
            kind=InteractionKind.INBOUND_MESSAGE,
            channel="email",
            actor=f"citizen:{citizen_id}",
            provider_message_id=new_id("msg"),
            text=description,
            attachments=files,
            media_url=media_url,
        )
        request = Request(
            reference=reference,
            request_type=theme.request_types[0],
            theme_code=theme.code,
            description=description,
            location=Location(
                latitude=LATITUDE,
                longitude=LONGITUDE,
                address=ADDRESS,
                district_code=district,
                neighbourhood_code="31",
            ),
            input_channel="email",
            response_channel="email",
            language="ca",
            state="in_resolution",
            responsible_group=theme.responsible_group,
            sla_due_at=now + timedelta(hours=theme.sla_hours),
            created_at=now,
            updated_at=now,
            citizen_id=citizen_id,
            applicant=applicant.model_copy(update={"contact_citizen_id": citizen_id})
            if applicant
            else None,
            origin=origin,
            tracking_token_hash=hash_token(f"trk-{reference}"),
            backoffice={
                "population-register": SystemStatus(status="ok", available=True, fetched_at=now)
            },
        )
        self.requests.save(self.requests.creation(request))
        if routed:
            self.requests.route(
                request,
                group=theme.responsible_group,
                priority="normal",
                sla_due_at=now + timedelta(hours=theme.sla_hours),
                duplicate_of=None,
                flags=set(),
                at=now,
                geo_cell=encode(LATITUDE, LONGITUDE, 7),
                unless_flagged="workflow_failed",
            )
        return reference

    def file(self, reference: str, body: bytes) -> Attachment:
        key = f"attachments/email/{reference}/1-photo.jpg"
        for version in (body[:10], body):
            self.s3.put_object(Bucket=ATTACHMENTS_BUCKET, Key=key, Body=version)
        return Attachment(key=key, filename="photo.jpg", content_type="image/jpeg", size=len(body))

    def message(
        self, reference: str, text: str, *, kind: InteractionKind, reason: str | None = None
    ) -> None:
        request = self.requests.get(reference)
        assert request is not None
        self.seed.clock.advance(minutes=5)
        interaction = Interaction(
            id=new_id("int"),
            at=self.seed.clock(),
            kind=kind,
            channel="email",
            actor=f"citizen:{request.citizen_id}",
            text=text,
            reason=reason,
        )
        self.table.transact(
            self.requests.reply(request, interaction, flag="citizen_replied", new_state=None)
        )

    def snapshot(self, owner: str, system: str = "population-register") -> None:
        SnapshotStore(self.table).keep(
            owner,
            system,
            {"holder": f"{GIVEN} {FAMILY}", "address": ADDRESS},
            status="ok",
            fetched_at=self.seed.clock(),
            keep_for=timedelta(hours=6),
        )

    def opinion(self, phone: str, text: str = OPINION) -> None:
        point = ContactPoint(kind=ContactKind.PHONE, value=phone)
        self.runtime.intake.record_opinion(
            InboundMessage(
                channel="social",
                provider_message_id=new_id("post"),
                received_at=self.seed.clock(),
                sender=(point,),
                text=text,
            )
        )

    def consent(self, citizen_id: str, *, granted: bool) -> None:
        citizen = self.citizens.get(citizen_id)
        assert citizen is not None
        consent = Consent(
            channel="sms",
            purpose="campaigns",
            granted=granted,
            recorded_at=self.seed.clock(),
            source="sms",
        )
        self.citizens.save(self.citizens.consent_update(citizen, consent, self.seed.clock()))

    def owner(self, kind: ContactKind, value: str) -> str | None:
        match = self.citizens.find(ContactPoint(kind=kind, value=value))
        return match.citizen_id if match else None

    def stored(self, reference: str) -> dict[str, Any]:
        item = self.requests.stored(reference)
        assert item is not None
        return item


@pytest.fixture
def city(seed: Seeder) -> City:
    return City(seed)


def merge(city: City, survivor: str, merged: str, who: Staff = AGENT, **options: Any) -> Any:
    order = MergeOrder(survivor=survivor, merged=merged, reason="same person, checked by phone")
    return city.duties(**options).merge(who, order, route="/api/desk/v1/citizens/merge")


def picture(city: City, *citizen_ids: str) -> dict[str, Any]:
    """What a merge changes and an undo must give back exactly."""
    shown: dict[str, Any] = {}
    for citizen_id in citizen_ids:
        profile = city.citizens.profile(citizen_id) or {}
        points = city.citizens.unsealed(profile)
        shown[citizen_id] = {
            "points": [p.model_dump(mode="json") for p in points],
            "owners": [city.owner(p.kind, p.value) for p in points],
            "consents": profile.get("consents"),
            "names": (profile.get("given_name"), profile.get("family_names")),
            "tombstone": profile.get("merged_into"),
            "requests": sorted(
                (s["reference"], city.stored(s["reference"])["citizen_id"])
                for s in city.requests.every_of_citizen(citizen_id)
            ),
        }
    return shown


def everything() -> str:
    return json.dumps(table_items(), default=str, ensure_ascii=False)


def two_of_one_person(city: City) -> tuple[str, str]:
    survivor = city.citizen(phone=PHONE, email=EMAIL, document=DOCUMENT)
    merged = city.citizen(
        given_name="Remei",
        family_names="Casals",
        phone=OTHER_PHONE,
        email=OTHER_EMAIL,
        consents=[
            Consent(
                channel="email",
                purpose="surveys",
                granted=True,
                recorded_at=city.seed.clock(),
                source="web",
            )
        ],
    )
    return survivor, merged


# ---------------------------------------------------------------- merge


def test_a_merge_moves_contact_points_consents_and_requests_to_the_survivor(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    own = city.request(survivor)
    moving = [city.request(merged), city.request(merged)]

    done = merge(city, survivor, merged)

    assert done.state is MergeState.DONE
    assert done.references == sorted(moving)
    assert (done.contacts_moved, done.consents_moved) == (2, 1)
    assert city.owner(ContactKind.PHONE, OTHER_PHONE) == survivor
    assert city.owner(ContactKind.EMAIL, OTHER_EMAIL) == survivor
    kept = city.citizens.get(survivor)
    assert kept is not None
    assert {p.value for p in kept.contact_points} == {
        PHONE,
        EMAIL,
        DOCUMENT,
        OTHER_PHONE,
        OTHER_EMAIL,
    }
    assert [c.purpose.value for c in kept.consents] == ["surveys"]
    for reference in moving:
        assert city.stored(reference)["citizen_id"] == survivor
        assert city.stored(reference)["GSI1PK"] == f"CITIZEN#{survivor}"
    assert city.stored(own)["citizen_id"] == survivor
    assert city.requests.every_of_citizen(merged) == []
    assert {s["reference"] for s in city.requests.every_of_citizen(survivor)} == {own, *moving}


def test_a_merged_citizen_becomes_a_tombstone_that_a_lookup_follows(city: City) -> None:
    survivor, merged = two_of_one_person(city)

    done = merge(city, survivor, merged)

    tombstone = city.citizens.profile(merged)
    assert tombstone is not None
    assert tombstone["merged_into"] == survivor
    assert tombstone["contact_points"] == []
    resolved = city.citizens.resolve(merged)
    assert resolved is not None
    assert resolved.id == survivor
    audit = [i for c in (survivor, merged) for i in city.citizens.owned(c, "AUDIT#")]
    assert {(a["action"], a["role"], a["merge_id"]) for a in audit} == {
        ("merge", "survivor", done.merge_id),
        ("merge", "merged", done.merge_id),
    }
    [record] = table_items(f"MERGE#{done.merge_id}")
    assert record["by"] == AGENT.user_id
    assert record["reason"] == "same person, checked by phone"


def test_a_merge_of_many_requests_runs_in_transactions_of_the_size_allowed(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    moving = [city.request(merged) for _ in range(9)]
    before = city.table.meter.calls.get("TransactWriteItems", 0)
    table = Table(boto3.client("dynamodb", region_name=REGION), "FinestraTable")

    done = merge(city, survivor, merged, table=table, transaction_items=5)

    assert done.references == sorted(moving)
    # opening, access log, one chunk of two contact points, three of four requests, finish
    assert table.meter.calls["TransactWriteItems"] == 1 + 1 + 1 + 3 + 1
    assert city.table.meter.calls.get("TransactWriteItems", 0) == before


@pytest.mark.parametrize("stop_after", [1, 2, 3, 4])
def test_a_merge_cut_short_leaves_every_request_with_a_citizen_and_is_finished_when_asked_again(
    city: City, stop_after: int
) -> None:
    survivor, merged = two_of_one_person(city)
    moving = [city.request(merged) for _ in range(7)]

    with pytest.raises(StopsAfter.Stopped):
        merge(city, survivor, merged, table=StopsAfter(stop_after), transaction_items=5)

    for reference in moving:
        assert city.citizens.profile(city.stored(reference)["citizen_id"]) is not None
    done = merge(city, survivor, merged)
    assert done.state is MergeState.DONE
    assert done.references == sorted(moving)
    assert len(table_items("MERGE#")) == 1
    assert all(city.stored(r)["citizen_id"] == survivor for r in moving)
    assert city.owner(ContactKind.PHONE, OTHER_PHONE) == survivor
    survivor_profile = city.citizens.profile(survivor) or {}
    assert "merge_pending" not in survivor_profile
    assert len(survivor_profile["contact_points"]) == 5


def test_asking_again_for_a_merge_that_is_done_answers_it_and_writes_nothing(
    city: City,
) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(merged)
    done = merge(city, survivor, merged)
    before = everything()

    again = merge(city, survivor, merged)

    assert again == done
    assert everything() == before


def test_a_citizen_is_not_merged_with_itself(city: City) -> None:
    citizen = city.citizen(phone=PHONE)
    before = everything()

    with pytest.raises(ValidationFailed) as refused:
        merge(city, citizen, citizen)

    assert refused.value.field == "merged"
    assert everything() == before


@pytest.mark.parametrize("side", ["survivor", "merged"])
def test_a_tombstone_is_not_merged_again(city: City, side: str) -> None:
    survivor, merged = two_of_one_person(city)
    merge(city, survivor, merged)
    third = city.citizen(phone="+34633445566")
    before = everything()
    pair = (merged, third) if side == "survivor" else (third, merged)

    with pytest.raises(Conflict) as refused:
        merge(city, *pair)

    assert refused.value.field == side
    assert "merged into" in refused.value.message
    assert everything() == before


def test_an_erased_citizen_is_not_merged(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.duties().erase(ADMIN, merged, ErasureOrder(reason="article 17 request"), route="erase")

    with pytest.raises(Conflict) as refused:
        merge(city, survivor, merged)

    assert refused.value.field == "merged"


def entity(tax_id: str) -> EntityApplicant:
    return EntityApplicant(
        tax_id=tax_id,
        business_name="Forn de Pa Casals SL",
        contact=EntityContact(name=f"{GIVEN} {FAMILY}", email=EMAIL),
    )


def test_two_legal_entities_with_different_tax_ids_are_not_merged(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(survivor, applicant=entity(TAX_ID))
    city.request(merged, applicant=entity(OTHER_TAX_ID))
    before = everything()

    with pytest.raises(Conflict) as refused:
        merge(city, survivor, merged)

    assert "tax id" in refused.value.message
    assert everything() == before


def test_two_citizens_speaking_for_the_same_legal_entity_are_merged(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(survivor, applicant=entity(TAX_ID))
    moved = city.request(merged, applicant=entity(TAX_ID))

    merge(city, survivor, merged)

    assert city.stored(moved)["applicant"]["contact_citizen_id"] == survivor


def test_an_agent_merges_only_within_their_districts(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    elsewhere = city.request(merged, district="9")

    with pytest.raises(Forbidden):
        merge(city, survivor, merged)

    assert city.stored(elsewhere)["citizen_id"] == merged
    assert table_items("MERGE#") == []


def test_an_administrator_merges_anywhere(city: City) -> None:
    survivor = city.citizen(phone=PHONE, district="1")
    merged = city.citizen(phone=OTHER_PHONE, district="9")
    city.request(merged, district="9")

    assert merge(city, survivor, merged, who=ADMIN).state is MergeState.DONE


def test_a_campaign_manager_does_not_merge(city: City) -> None:
    survivor, merged = two_of_one_person(city)

    with pytest.raises(Forbidden):
        merge(city, survivor, merged, who=staff(Role.CAMPAIGN_MANAGER))


def test_a_citizen_in_an_unfinished_merge_is_not_merged_with_a_third(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    third = city.citizen(phone="+34633445566")
    with pytest.raises(StopsAfter.Stopped):
        merge(city, survivor, merged, table=StopsAfter(1))

    with pytest.raises(Conflict) as refused:
        merge(city, third, merged)

    assert "has not finished" in refused.value.message


def test_a_merge_that_another_merge_beats_is_a_plain_conflict_and_writes_nothing(
    city: City,
) -> None:
    survivor, merged = two_of_one_person(city)
    rival = city.citizens.lock(merged, new_id("mrg"))

    with pytest.raises(Conflict) as refused:
        merge(city, survivor, merged, table=RacedBy(rival))

    assert type(refused.value) is Conflict
    assert table_items("MERGE#") == []
    assert city.citizens.owned(survivor, "AUDIT#") == []


def test_an_unknown_citizen_is_not_found(city: City) -> None:
    survivor = city.citizen(phone=PHONE)

    with pytest.raises(NotFound) as refused:
        merge(city, survivor, new_id("cit"))

    assert refused.value.field == "merged"


# ---------------------------------------------------------------- undo


def test_an_undo_gives_back_exactly_what_the_merge_moved(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(survivor)
    for _ in range(3):
        city.request(merged)
    before = picture(city, survivor, merged)
    done = merge(city, survivor, merged)
    assert picture(city, survivor, merged) != before
    city.seed.clock.advance(hours=1)

    undone = city.duties().undo(AGENT, done.merge_id)

    assert undone.state is MergeState.UNDONE
    assert undone.undone_by == AGENT.user_id
    assert picture(city, survivor, merged) == before
    assert city.citizens.owned(survivor, "MERGED#") == []
    for citizen_id in (survivor, merged):
        assert "merge_pending" not in (city.citizens.profile(citizen_id) or {})
    actions = [a["action"] for a in city.citizens.owned(merged, "AUDIT#")]
    assert sorted(actions) == ["merge", "merge_undone"]


def test_an_undo_in_small_transactions_cut_short_is_finished_when_asked_again(
    city: City,
) -> None:
    survivor, merged = two_of_one_person(city)
    for _ in range(6):
        city.request(merged)
    before = picture(city, survivor, merged)
    done = merge(city, survivor, merged, transaction_items=5)

    with pytest.raises(StopsAfter.Stopped):
        city.duties(table=StopsAfter(2), transaction_items=5).undo(AGENT, done.merge_id)

    undone = city.duties(transaction_items=5).undo(AGENT, done.merge_id)
    assert undone.state is MergeState.UNDONE
    assert picture(city, survivor, merged) == before


def test_undoing_twice_is_harmless(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(merged)
    done = merge(city, survivor, merged)
    city.duties().undo(AGENT, done.merge_id)
    after_first = everything()

    again = city.duties().undo(AGENT, done.merge_id)

    assert again.state is MergeState.UNDONE
    assert everything() == after_first


def test_an_undo_after_a_consent_recorded_on_the_survivor_is_refused_by_name(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(merged)
    done = merge(city, survivor, merged)
    city.consent(survivor, granted=False)
    before = everything()

    with pytest.raises(Conflict) as refused:
        city.duties().undo(AGENT, done.merge_id)

    assert refused.value.field == "survivor"
    assert "contact point or consent" in refused.value.message
    assert everything() == before


def test_an_undo_after_a_moved_request_went_to_another_citizen_is_refused_by_name(
    city: City,
) -> None:
    survivor, merged = two_of_one_person(city)
    moved = city.request(merged)
    done = merge(city, survivor, merged)
    third = city.citizen(phone="+34633445566")
    city.table.update(city.requests.citizen_move(city.stored(moved), survivor, third))
    before = everything()

    with pytest.raises(Conflict) as refused:
        city.duties().undo(AGENT, done.merge_id)

    assert refused.value.field == "references"
    assert moved in refused.value.message
    assert everything() == before


def test_an_undo_after_a_request_was_filed_for_the_survivor_is_refused_by_name(
    city: City,
) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(merged)
    done = merge(city, survivor, merged)
    city.seed.clock.advance(minutes=10)
    later = city.request(survivor)

    with pytest.raises(Conflict) as refused:
        city.duties().undo(AGENT, done.merge_id)

    assert later in refused.value.message
    assert refused.value.field == "survivor"


def test_an_undo_after_a_moved_contact_point_changed_is_refused_by_name(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    done = merge(city, survivor, merged)
    point = ContactPoint(kind=ContactKind.PHONE, value=OTHER_PHONE)
    city.table.delete(city.citizens.contact_removal(point, survivor))

    with pytest.raises(Conflict) as refused:
        city.duties().undo(AGENT, done.merge_id)

    assert refused.value.field == "contacts"
    assert "phone" in refused.value.message
    assert OTHER_PHONE not in refused.value.message


def test_an_undo_of_an_unfinished_merge_is_refused(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    city.request(merged)
    with pytest.raises(StopsAfter.Stopped):
        merge(city, survivor, merged, table=StopsAfter(2))
    [record] = table_items("MERGE#")

    with pytest.raises(Conflict) as refused:
        city.duties().undo(AGENT, record["merge_id"])

    assert refused.value.field == "merge_id"


def test_an_undo_of_an_unknown_merge_is_not_found(city: City) -> None:
    with pytest.raises(NotFound):
        city.duties().undo(AGENT, new_id("mrg"))
    with pytest.raises(NotFound):
        city.duties().undo(AGENT, "MERGE#../../etc")


def test_an_agent_of_other_districts_does_not_undo(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    done = merge(city, survivor, merged)

    with pytest.raises(Forbidden):
        city.duties().undo(staff(Role.AGENT, districts=("9",)), done.merge_id)


# ---------------------------------------------------------------- export


def test_an_export_holds_everything_kept_on_the_citizen(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    reference = city.request(survivor, photo=PHOTO)
    city.message(reference, REPLY, kind=InteractionKind.INBOUND_MESSAGE)
    city.snapshot(f"CITIZEN#{survivor}")
    city.snapshot(f"REQUEST#{reference}")
    city.snapshot(f"CITIZEN#{survivor}#PLACE#{encode(LATITUDE, LONGITUDE, 7)}")
    city.opinion(PHONE)
    merged_request = city.request(merged)
    merge(city, survivor, merged)

    export = city.duties().export(ADMIN, merged, route="/export")

    assert export["citizen_id"] == survivor
    assert export["asked_for"] == merged
    contacts = {(c["kind"], c["value"]) for c in export["citizen"]["contact_points"]}
    assert ("phone", OTHER_PHONE) in contacts
    assert ("document", DOCUMENT) in contacts
    assert export["citizen"]["given_name"] == GIVEN
    assert [c["purpose"] for c in export["citizen"]["consents"]] == ["surveys"]
    assert [m["id"] for m in export["merged_citizens"]] == [merged]
    moved = {(p["kind"], p["value"]) for p in export["merged_citizens"][0]["moved_contact_points"]}
    assert moved == {("phone", OTHER_PHONE), ("email", OTHER_EMAIL)}
    by_reference = {r["request"]["reference"]: r for r in export["requests"]}
    assert set(by_reference) == {reference, merged_request}
    entry = by_reference[reference]
    assert entry["request"]["description"] == DESCRIPTION
    assert [i["text"] for i in entry["interactions"]] == [REPLY]
    assert len(entry["snapshots"]) == 2
    assert [s["data"]["holder"] for s in export["snapshots"]] == [f"{GIVEN} {FAMILY}"]
    assert [o["text"] for o in export["opinions"]] == [OPINION]
    assert [m["state"] for m in export["merges"]] == ["done"]
    assert {a["reason"] for a in export["access_log"]} == {"merge"}
    assert not any(key in json.dumps(export) for key in ('"PK"', '"GSI1PK"'))


def test_an_export_is_audited_and_logged_as_an_access(city: City) -> None:
    citizen = city.citizen(phone=PHONE)

    city.duties().export(ADMIN, citizen, route="/api/desk/v1/citizens/{citizen_id}/export")

    [audit] = city.citizens.owned(citizen, "AUDIT#")
    assert (audit["action"], audit["by"]) == ("export", ADMIN.user_id)
    log = AccessLog(city.table, Cursors(city.vault), city.seed.clock)
    [access] = log.read(ADMIN, AccessQuery(citizen_id=citizen)).items
    assert (access.reason.value, access.user_id) == ("export", ADMIN.user_id)


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.CAMPAIGN_MANAGER])
def test_only_administrators_export(city: City, role: Role) -> None:
    citizen = city.citizen(phone=PHONE)

    with pytest.raises(Forbidden):
        city.duties().export(staff(role), citizen, route="/export")

    assert city.citizens.owned(citizen, "AUDIT#") == []


def test_an_export_of_an_unknown_citizen_is_not_found(city: City) -> None:
    with pytest.raises(NotFound):
        city.duties().export(ADMIN, new_id("cit"), route="/export")


# ---------------------------------------------------------------- erasure


def erase(city: City, citizen_id: str) -> Any:
    return city.duties().erase(
        ADMIN, citizen_id, ErasureOrder(reason="article 17 request 2026/118"), route="/erasure"
    )


def a_citizen_with_everything(city: City) -> tuple[str, list[str]]:
    citizen = city.citizen(phone=PHONE, email=EMAIL, document=DOCUMENT)
    first = city.request(
        citizen, photo=PHOTO, media_url=MEDIA, routed=True, applicant=entity(TAX_ID)
    )
    second = city.request(citizen)
    city.message(first, REPLY, kind=InteractionKind.INBOUND_MESSAGE)
    city.message(first, "Hem avisat la brigada.", kind=InteractionKind.OUTBOUND_MESSAGE)
    city.snapshot(f"CITIZEN#{citizen}")
    city.snapshot(f"REQUEST#{first}")
    city.snapshot(f"CITIZEN#{citizen}#PLACE#{encode(LATITUDE, LONGITUDE, 7)}")
    city.opinion(PHONE)
    return citizen, [first, second]


def all_versions() -> list[str]:
    """The key of every version and delete marker in the attachments bucket."""
    s3 = boto3.client("s3", region_name=REGION)
    page = s3.list_object_versions(Bucket=ATTACHMENTS_BUCKET)
    versions = [v["Key"] for v in page.get("Versions", [])]
    return versions + [m["Key"] for m in page.get("DeleteMarkers", [])]


def test_after_erasure_no_value_the_citizen_gave_is_left_in_the_table_or_the_bucket(
    city: City,
) -> None:
    citizen, _ = a_citizen_with_everything(city)
    bystander = city.citizen(given_name="Jordi", family_names="Vila", phone="+34699887766")
    vault = city.vault
    in_clear = [GIVEN, FAMILY, EMAIL, DESCRIPTION, REPLY, OPINION, ADDRESS, TAX_ID, "Forn de Pa"]
    in_clear += [str(LATITUDE), str(LONGITUDE), MEDIA]
    points = [
        (ContactKind.PHONE, PHONE),
        (ContactKind.EMAIL, EMAIL),
        (ContactKind.DOCUMENT, DOCUMENT),
    ]
    hashes = [vault.digest(kind, value) for kind, value in points]
    hashes += [vault.keyed(NAME_PURPOSE, word) for word in name_tokens(GIVEN, FAMILY)]
    assert [value for value in in_clear + hashes if value not in everything()] == []
    assert all_versions()

    erasure = erase(city, citizen)

    dump = everything()
    given = [*in_clear, PHONE, DOCUMENT, *hashes]
    assert [value for value in given if value in dump] == []
    sealed = [i["PK"] for i in table_items() if "sealed" in json.dumps(i, default=str)]
    assert sealed == [f"CITIZEN#{bystander}"]
    assert all_versions() == []
    assert city.citizens.find(ContactPoint(kind=ContactKind.PHONE, value=PHONE)) is None
    assert city.citizens.named(f"{GIVEN} {FAMILY}") == []
    assert erasure.erased["contact_points"] == 3
    assert erasure.erased["file_versions"] == 2
    assert city.citizens.get(bystander) is not None
    assert city.owner(ContactKind.PHONE, "+34699887766") == bystander


def test_an_erased_request_keeps_theme_place_dates_channel_and_state(city: City) -> None:
    citizen, references = a_citizen_with_everything(city)
    before = {r: city.stored(r) for r in references}

    erase(city, citizen)

    kept = ["theme_code", "request_type", "state", "input_channel", "response_channel"]
    kept += ["created_at", "sla_due_at", "routed_at", "responsible_group", "district_code"]
    kept += ["GSI1PK", "GSI2PK", "GSI2SK", "GSI3PK", "citizen_id", "updated_at"]
    for reference, old in before.items():
        new = city.stored(reference)
        assert {k: new.get(k) for k in kept} == {k: old.get(k) for k in kept}
        assert new["description"] == ERASED_TEXT
        assert "applicant" not in new
        assert "GSI4PK" not in new
        assert new["location"]["district_code"] == "5"
        assert new["location"]["neighbourhood_code"] == "31"
        assert "address" not in new["location"]
        point = (new["location"]["latitude"], new["location"]["longitude"])
        assert encode(*point, COARSE_PRECISION) == encode(LATITUDE, LONGITUDE, COARSE_PRECISION)
        request = city.requests.get(reference)
        assert request is not None
        assert request.theme_code == "roads.pothole"
    history = city.requests.history(references[0])
    assert [h.kind.value for h in history[1:]] == ["inbound_message", "outbound_message"]
    assert all(h.text is None for h in history[1:])


def test_an_erasure_forgets_the_reasons_staff_wrote_in_the_history(city: City) -> None:
    citizen, references = a_citizen_with_everything(city)
    why = f"{GIVEN} {FAMILY} ho va demanar per telèfon"
    city.message(references[0], "Cancel·lada.", kind=InteractionKind.STATE_CHANGE, reason=why)
    assert why in everything()

    erase(city, citizen)

    assert GIVEN not in everything()
    history = city.requests.history(references[0])
    assert [h.kind for h in history][-1] is InteractionKind.STATE_CHANGE
    assert all(h.reason is None and h.text is None for h in history[1:])


def test_erasing_twice_is_harmless_and_writes_nothing_the_second_time(city: City) -> None:
    citizen, _ = a_citizen_with_everything(city)
    first = erase(city, citizen)
    after_first = everything()
    city.seed.clock.advance(days=1)

    second = erase(city, citizen)

    assert second.erasure_id == first.erasure_id
    assert second.at == first.at
    assert second.erased == {}
    assert everything() == after_first


def test_an_erasure_is_audited_with_ids_and_counts_only(city: City) -> None:
    citizen, _ = a_citizen_with_everything(city)

    erasure = erase(city, citizen)

    audit = [a for a in city.citizens.owned(citizen, "AUDIT#") if a["action"] == "erasure"]
    assert [a["erasure_id"] for a in audit] == [erasure.erasure_id]
    assert audit[0]["erased"]["requests"] == 2
    assert audit[0]["reason"] == "article 17 request 2026/118"
    profile = city.citizens.profile(citizen) or {}
    assert set(profile) <= {
        "PK",
        "SK",
        "type",
        "id",
        "language",
        "provisional",
        "created_at",
        "updated_at",
        "version",
        "contact_points",
        "consents",
        "erased_at",
        "erasure_id",
    }


def test_an_erasure_covers_the_citizens_merged_into_the_survivor(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    moved = city.request(merged)
    city.opinion(OTHER_PHONE)
    merge(city, survivor, merged)

    erasure = erase(city, merged)

    assert erasure.citizen_id == survivor
    assert erasure.citizens == [survivor, merged]
    dump = everything()
    gone = (GIVEN, FAMILY, OTHER_PHONE, OTHER_EMAIL, OPINION, DESCRIPTION)
    assert [value for value in gone if value in dump] == []
    assert city.stored(moved)["description"] == ERASED_TEXT
    assert (city.citizens.profile(merged) or {})["merged_into"] == survivor


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_only_administrators_erase(city: City, role: Role) -> None:
    citizen, _ = a_citizen_with_everything(city)
    before = everything()

    with pytest.raises(Forbidden):
        city.duties().erase(staff(role), citizen, ErasureOrder(reason="asked"), route="/e")

    assert everything() == before


def test_a_citizen_in_an_unfinished_merge_is_not_erased(city: City) -> None:
    survivor, merged = two_of_one_person(city)
    with pytest.raises(StopsAfter.Stopped):
        merge(city, survivor, merged, table=StopsAfter(1))

    with pytest.raises(Conflict) as refused:
        erase(city, survivor)

    assert refused.value.field == "citizen_id"


# ---------------------------------------------------------------- parts


def test_a_coarse_location_keeps_the_districts_and_the_centre_of_a_kilometre_cell() -> None:
    location = {
        "latitude": LATITUDE,
        "longitude": LONGITUDE,
        "address": ADDRESS,
        "district_code": "5",
        "neighbourhood_code": "31",
    }

    coarse = coarse_location(location)

    assert coarse is not None
    south, north, west, east = bounds(encode(LATITUDE, LONGITUDE, COARSE_PRECISION))
    assert coarse == {
        "district_code": "5",
        "neighbourhood_code": "31",
        "latitude": round((south + north) / 2, 6),
        "longitude": round((west + east) / 2, 6),
    }
    assert coarse_location(coarse) == coarse
    assert coarse_location({"address": ADDRESS}) is None
    assert coarse_location(None) is None


def test_deleting_a_file_deletes_every_version_and_only_that_file(city: City) -> None:
    city.file("BCN-2026-000001", PHOTO)
    city.file("BCN-2026-000002", PHOTO)
    bucket = S3Attachments(city.s3, ATTACHMENTS_BUCKET)

    deleted = bucket.delete("attachments/email/BCN-2026-000001/1-photo.jpg")

    assert deleted == 2
    assert set(all_versions()) == {"attachments/email/BCN-2026-000002/1-photo.jpg"}


def test_a_merge_order_names_the_field_it_breaks() -> None:
    with pytest.raises(ValueError, match="survivor"):
        MergeOrder.model_validate(
            {"survivor": "CITIZEN#x", "merged": new_id("cit"), "reason": "ok!"}
        )
    with pytest.raises(ValueError, match="reason"):
        MergeOrder.model_validate(
            {"survivor": new_id("cit"), "merged": new_id("cit"), "reason": " "}
        )


def test_a_contact_point_of_another_citizen_is_never_deleted(city: City) -> None:
    owner = city.citizen(phone=PHONE)
    point = ContactPoint(kind=ContactKind.PHONE, value=PHONE)

    with pytest.raises(Conflict):
        city.table.delete(city.citizens.contact_removal(point, new_id("cit")))

    assert city.owner(ContactKind.PHONE, PHONE) == owner


def test_a_delete_that_fails_for_another_reason_is_not_taken_for_a_conflict(city: City) -> None:
    table = Table(boto3.client("dynamodb", region_name=REGION), "NoSuchTable")

    with pytest.raises(ClientError) as failed:
        table.delete(Delete(key=keys.citizen(new_id("cit"))))

    assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"
