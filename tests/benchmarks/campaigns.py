"""A campaign to a city's citizens, planned and dispatched under embedded moto.

The segment's members are generated (``cit_<number>``, Catalan, Spanish and English in
turn, reachable by SMS for campaigns two in three, by email the rest), not read from
the segment index, so the figures are the planner's and the sender's own. The planner
writes every recipient in batches of 99, each batch one transaction with the plan
cursor, and queues the batches on SQS; the sender then works the queue until it has
sent ``sends`` messages, each with its consent re-read, its rate token (the cap at its
highest, 100 a second), its claim, the send through the SMS or email adapter (SNS and
SES on moto) and its record. Only the
citizens who are sent to get a stored profile.

Figures: recipients planned per second, messages sent per second, the write units per
recipient of each phase by DynamoDB's own rules (:class:`tests.benchmarks.meter.UnitMeter`:
each written item weighed before and after, a transaction's at twice), and the
peak of Python's own allocations during each phase (``tracemalloc``; moto's table is
in the same process, so that peak includes the table's growth). Moto serialises and
filters in Python: the times compare runs on one machine, not DynamoDB's latency.
"""

import copy
import resource
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final

import boto3
from moto.backends import get_backend

from finestra.campaigns.app import CampaignApp, CampaignSettings
from finestra.campaigns.planner import Planner
from finestra.domain.campaign import Campaign, CampaignState
from finestra.domain.citizen import Citizen, Consent, ContactPoint
from finestra.domain.segment import Member
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel, Language
from finestra.runtime import Clients, utc_now
from finestra.storage.citizens import CitizenStore
from tests.benchmarks.capacity import Attributes, table_shape
from tests.benchmarks.environment import TABLES, embedded_aws
from tests.benchmarks.meter import UnitMeter
from tests.benchmarks.tap import ApiCallTap
from tests.conftest import REGION
from tests.support.aws import ACCOUNT

__all__ = ["measure", "section"]

DEFAULT_CITIZENS: Final = 10_000
DEFAULT_SENDS: Final = 500
LANGUAGES: Final = (Language.CA, Language.ES, Language.EN)
STARTED: Final = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)


def citizen_id(number: int) -> str:
    """The id of the ``number``-th generated citizen (ascending with the number)."""
    return f"cit_{number:07d}"


def by_sms(number: int) -> bool:
    """Whether the ``number``-th citizen is reached by SMS (else by email)."""
    return number % 3 != 2


def members(count: int, after: str | None) -> Iterator[Member]:
    """The generated segment, from after ``after``."""
    start = int(after[4:]) + 1 if after else 0
    for number in range(start, count):
        channel = "sms" if by_sms(number) else "email"
        yield Member(
            citizen_id=citizen_id(number),
            language=LANGUAGES[number % 3],
            district=f"{number % 10 + 1:02d}",
            neighbourhood=None,
            reach=frozenset({f"{channel}:campaigns"}),
        )


def _profiles(app: CampaignApp, count: int) -> None:
    store = CitizenStore(app.table, app.runtime.vault)
    for number in range(count):
        channel = "sms" if by_sms(number) else "email"
        point = (
            ContactPoint(kind=ContactKind.PHONE, value=f"+3461{number:07d}")
            if channel == "sms"
            else ContactPoint(kind=ContactKind.EMAIL, value=f"veina{number}@example.org")
        )
        grant = Consent(
            channel=channel,
            purpose=ConsentPurpose.CAMPAIGNS,
            granted=True,
            recorded_at=STARTED,
            source=InputChannel.WEB,
        )
        person = Citizen(
            id=citizen_id(number),
            language=LANGUAGES[number % 3],
            contact_points=[point],
            consents=[grant],
            created_at=STARTED,
            updated_at=STARTED,
        )
        app.table.transact(store.creation(person))


def _campaign(app: CampaignApp) -> Campaign:
    campaign = Campaign(
        id="cmp_bench",
        name="Festa major",
        segment_id="seg_bench",
        purpose=ConsentPurpose.CAMPAIGNS,
        channels=["sms", "email"],
        messages={
            Language.CA: "Dissabte, festa major al barri.",
            Language.ES: "Sábado, fiesta mayor en el barrio.",
            Language.EN: "Saturday, the neighbourhood's festival.",
        },
        rate_per_second=100,
        quiet_hours_override=True,
        state=CampaignState.PLANNING,
        created_by="bench",
        created_at=STARTED,
        updated_at=STARTED,
    )
    app.store.create(campaign)
    return campaign


def _stored(table: str, key: Attributes) -> Attributes | None:
    item = get_backend("dynamodb")[ACCOUNT][REGION].get_item(table, dict(key))
    return copy.deepcopy(item.to_json()["Attributes"]) if item is not None else None


def _units(meter: UnitMeter) -> tuple[float, float]:
    usage = meter.snapshot().values()
    return sum(u.writes for u in usage), sum(u.reads for u in usage)


def _send(app: CampaignApp, url: str, sends: int) -> int:
    sqs = boto3.client("sqs", region_name=REGION)
    sent = 0
    while sent < sends:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not got:
            break
        work = app.receive(got[0]["Body"], lambda: 300_000)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
        sent += work.sent
    return sent


def measure(
    template: dict[str, Any],
    citizens: int = DEFAULT_CITIZENS,
    sends: int = DEFAULT_SENDS,
    *,
    trace: bool = True,
) -> dict[str, Any]:
    """Plan a campaign to ``citizens`` generated members, then send ``sends`` messages.

    ``trace`` follows allocations with ``tracemalloc``, which slows moto several times
    over: the times of a traced run are not the planner's or the sender's.
    """
    with embedded_aws(template):
        queue = boto3.client("sqs", region_name=REGION).create_queue(QueueName="bench-campaigns")
        settings = CampaignSettings(campaign_queue_url=queue["QueueUrl"])
        app = CampaignApp(settings, Clients(), utc_now, time.sleep)
        _profiles(app, min(sends, citizens))
        campaign = _campaign(app)
        planner = Planner(
            app.store, lambda _, after: members(citizens, after), app.queue, app.clock
        )
        meter = UnitMeter(
            {name: table_shape(template, name) for name in TABLES}, lambda *_: "all", _stored
        )
        tap = ApiCallTap()
        tap.meter, tap.active = meter, True

        if trace:
            tracemalloc.start()
        with tap.installed():
            began = time.perf_counter()
            planned = planner.plan(campaign.id)
            plan_seconds = time.perf_counter() - began
            plan_units, _ = _units(meter)
            _, plan_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            meter.reset()

            began = time.perf_counter()
            sent = _send(app, queue["QueueUrl"], sends)
            send_seconds = time.perf_counter() - began
            send_units, send_reads = _units(meter)
        _, send_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "citizens": citizens,
        "batches": planned.batches,
        "plan_seconds": round(plan_seconds, 2),
        "recipients_per_second": round(citizens / plan_seconds, 1),
        "plan_write_units_per_recipient": round(plan_units / citizens, 3),
        "plan_peak_mib": round(plan_peak / 2**20, 1),
        "sent": sent,
        "send_seconds": round(send_seconds, 2),
        "messages_per_second": round(sent / send_seconds, 1) if send_seconds else 0.0,
        "send_write_units_per_message": round(send_units / sent, 3) if sent else 0.0,
        "send_read_units_per_message": round(send_reads / sent, 3) if sent else 0.0,
        "send_peak_mib": round(send_peak / 2**20, 1),
        "traced": trace,
        "process_peak_rss_mib": round(rss / 1024, 1),
    }


def section(results: dict[str, Any]) -> str:
    """The figures as the report prints them."""
    return "\n".join(
        [
            "Campaign: plan and dispatch (moto)",
            f"  planned {results['citizens']:,} recipients in {results['batches']:,} batches: "
            f"{results['recipients_per_second']:,} a second, "
            f"{results['plan_write_units_per_recipient']} write units each, "
            f"peak {results['plan_peak_mib']} MiB",
            f"  sent {results['sent']:,} messages: {results['messages_per_second']:,} a second, "
            f"{results['send_write_units_per_message']} write and "
            f"{results['send_read_units_per_message']} read units each, "
            f"peak {results['send_peak_mib']} MiB",
            f"  process peak RSS (moto's table included): {results['process_peak_rss_mib']} MiB"
            + ("" if results["traced"] else " (allocations not traced)"),
        ]
    )
