"""The local stack runs the statistics' stream trigger from the template, filter and all."""

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from finestra_local.stack import Stack
from tests.conftest import ROOT
from tests.integration.test_local_stack import eventually, inbound_sms


def stats_items(stack: Stack, prefix: str) -> list[dict[str, Any]] | None:
    table = stack.resources.resolver.refs["FinestraTable"]
    items = stack.client("dynamodb").scan(TableName=table)["Items"]
    reader = TypeDeserializer()
    found = [
        {k: reader.deserialize(v) for k, v in item.items()}
        for item in items
        if item["PK"]["S"].startswith(prefix)
    ]
    return found or None


def counted(stack: Stack, prefix: str) -> list[dict[str, Any]] | None:
    """The counter items under ``prefix`` once they count an opened request.

    Moto applies an update's ``SET`` and its ``ADD`` one after the other, so a scan from
    another thread can see a new counter item between the two, without its count.
    """
    found = [i for i in stats_items(stack, prefix) or [] if i.get("opened", 0) > 0]
    return found or None


def test_an_sms_request_is_counted_by_the_stats_trigger_of_the_local_stack() -> None:
    with Stack(ROOT) as stack:
        topic = stack.resources.resolver.refs["SmsInboundTopic"]

        stack.client("sns").publish(TopicArn=topic, Message=inbound_sms())

        channels = eventually(lambda: counted(stack, "STATS#channel#"))
        tallies = eventually(lambda: stats_items(stack, "TALLY#"))
        groups = eventually(lambda: counted(stack, "STATS#group#"))

    assert [(item["value"], item["opened"]) for item in channels] == [("sms", 1)]
    assert [item["channel"] for item in tallies] == ["sms"]
    assert sum(int(item["opened"]) for item in groups) == 1
