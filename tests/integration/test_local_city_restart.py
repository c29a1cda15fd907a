"""A restart of the local city comes back clean: the same demo city, nothing else."""

import time

from finestra_local.city import LocalCity
from finestra_local.demo_city import CitySize
from tests.conftest import ROOT

SIZE = CitySize(citizens=40, requests=200)
SENDER = "+34611000009"


def test_a_restart_forgets_what_was_done_and_draws_the_same_demo_city() -> None:
    with LocalCity(ROOT, port=0, size=SIZE) as first:
        first.world.sms(SENDER, "Fanal apagat al carrer de Mallorca 250.")
        ends = time.monotonic() + 90
        while not first.world.outbox(to=SENDER) and time.monotonic() < ends:
            time.sleep(0.5)
        sent_before = first.world.outbox(to=SENDER)
        assert first.report is not None
        demo_before = first.report.demo_requests

    with LocalCity(ROOT, port=0, size=SIZE) as second:
        assert second.report is not None
        table = second.stack.environment["FINESTRA_TABLE"]
        scanned = second.stack.client("dynamodb").scan(
            TableName=table,
            Select="COUNT",
            FilterExpression="SK = :r",
            ExpressionAttributeValues={":r": {"S": "REQUEST"}},
        )
        sent_after = second.world.outbox(to=SENDER)
        demo_after = second.report.demo_requests

    assert len(sent_before) == 1
    assert sent_after == []
    assert scanned["Count"] == SIZE.requests
    assert [d.reference for d in demo_after] == [d.reference for d in demo_before]
