"""Key shapes of the one table; the README's access-pattern table describes each."""

import zlib
from typing import Final

from finestra.domain.vocabulary import FINAL_STATES, ContactKind, RequestState

OPEN_STAGE: Final = "open"
"""The first part of every open request's worklist key (see :func:`queue_stage`)."""


def citizen(citizen_id: str) -> dict[str, str]:
    """Key of a citizen's profile."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": "PROFILE"}


def contact(kind: ContactKind, digest: str) -> dict[str, str]:
    """Key of a contact-point index item."""
    return {"PK": f"CONTACT#{kind.value}#{digest}", "SK": "CONTACT"}


def request(reference: str) -> dict[str, str]:
    """Key of a request."""
    return {"PK": f"REQUEST#{reference}", "SK": "REQUEST"}


def request_lock(reference: str) -> dict[str, str]:
    """Key of the lock that says which staff member is working a request."""
    return {"PK": f"REQUEST#{reference}", "SK": "LOCK"}


def interaction(reference: str, at_iso: str, interaction_id: str) -> dict[str, str]:
    """Key of one entry of a request's history, sorting by time."""
    return {"PK": f"REQUEST#{reference}", "SK": f"INTERACTION#{at_iso}#{interaction_id}"}


def opinion(citizen_id: str, at_iso: str, opinion_id: str) -> dict[str, str]:
    """Key of an opinion a citizen gave outside any request."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": f"OPINION#{at_iso}#{opinion_id}"}


def reference_counter(city: str, year: int) -> dict[str, str]:
    """Key of the counter that allocates a city's references for a year."""
    return {"PK": f"COUNTER#REFERENCE#{city}#{year}", "SK": "COUNTER"}


def rejection(channel: str, provider_id: str) -> dict[str, str]:
    """Key of the record of a message the city could not accept."""
    return {"PK": f"REJECTION#{channel}#{provider_id}", "SK": "REJECTION"}


def shard_of(reference: str, shards: int) -> int:
    """The shard of a hot view that holds ``reference`` (stable across runs)."""
    return zlib.crc32(reference.encode()) % shards


def citizen_requests_index(citizen_id: str, created_iso: str) -> dict[str, str]:
    """GSI1 attributes: a citizen's requests by creation time."""
    return {"GSI1PK": f"CITIZEN#{citizen_id}", "GSI1SK": f"REQUEST#{created_iso}"}


def queue_stage(state: str) -> str:
    """The first part of a worklist key for a request in ``state``.

    Every open state shares :data:`OPEN_STAGE`, so a group's open requests are one key
    range per shard, in due order whatever their state; each final state keeps a range
    of its own.
    """
    return state if RequestState(state) in FINAL_STATES else OPEN_STAGE


def queue_index(
    group: str, state: str, order_iso: str, reference: str, shards: int
) -> dict[str, str]:
    """GSI2 attributes: a group's worklist, sharded, open requests by due time."""
    shard = shard_of(reference, shards)
    return {
        "GSI2PK": f"QUEUE#{group}#{shard}",
        "GSI2SK": f"{queue_stage(state)}#{order_iso}#{reference}",
    }


def due_index(due_iso: str, reference: str, shards: int) -> dict[str, str]:
    """GSI3 attributes: open requests by SLA due time, sharded."""
    shard = shard_of(reference, shards)
    return {"GSI3PK": f"DUE#{shard}", "GSI3SK": f"{due_iso}#{reference}"}


def snapshot(owner: str, system: str) -> dict[str, str]:
    """Key of what a back-office system said about a citizen (or a citizen-less request).

    ``owner`` is ``CITIZEN#<id>`` or ``REQUEST#<reference>``.
    """
    return {"PK": owner, "SK": f"SNAPSHOT#{system}"}


def geo_index(theme_code: str, cell: str, created_iso: str, reference: str) -> dict[str, str]:
    """GSI4 attributes: a theme's requests by geohash cell, then time (duplicate search)."""
    return {"GSI4PK": f"GEO#{theme_code}#{cell}", "GSI4SK": f"{created_iso}#{reference}"}


def name_token(digest: str, citizen_id: str) -> dict[str, str]:
    """Key of a name-index item: one keyed hash of one word of a citizen's name."""
    return {"PK": f"NAME#{digest}", "SK": f"CITIZEN#{citizen_id}"}


def citizen_access(citizen_id: str, at_iso: str, access_id: str) -> dict[str, str]:
    """Key of the record of one read of a citizen's data, under the citizen."""
    return {"PK": f"ACCESS#{citizen_id}", "SK": f"AT#{at_iso}#{access_id}"}


def staff_access(user_id: str, at_iso: str, access_id: str) -> dict[str, str]:
    """Key of the same record, under the staff member who read."""
    return {"PK": f"ACCESSBY#{user_id}", "SK": f"AT#{at_iso}#{access_id}"}


def request_tally(reference: str) -> dict[str, str]:
    """Key of what the statistics last counted of a request (see ``finestra.stats``)."""
    return {"PK": f"TALLY#{reference}", "SK": "TALLY"}


def statistics_month(dimension: str, month: str) -> str:
    """Partition key of one dimension's day counters for a month (``yyyy-mm``)."""
    return f"STATS#{dimension}#{month}"


def statistic(dimension: str, day_iso: str, value: str) -> dict[str, str]:
    """Key of one day's counters for one value of a dimension (``day_iso`` is ``yyyy-mm-dd``).

    The sort key starts with the day of the month, so a range of days is one key range
    of the month's partition.
    """
    return {"PK": statistics_month(dimension, day_iso[:7]), "SK": f"{day_iso[8:10]}#{value}"}


def staff_export(user_id: str, at_iso: str, export_id: str) -> dict[str, str]:
    """Key of the record of one export of search results, under the staff member."""
    return {"PK": f"EXPORTBY#{user_id}", "SK": f"AT#{at_iso}#{export_id}"}


def month_export(month: str, at_iso: str, export_id: str) -> dict[str, str]:
    """Key of the same record, under the month it was made in (``yyyy-mm``)."""
    return {"PK": f"EXPORTS#{month}", "SK": f"AT#{at_iso}#{export_id}"}


DRAFT_PREFIX: Final = "DRAFT#"
"""The start of a draft's sort key; the rest is its author's user id (see :func:`draft`)."""


def draft(reference: str, user_id: str) -> dict[str, str]:
    """Key of one staff member's draft answer to a request, in the request's collection."""
    return {"PK": f"REQUEST#{reference}", "SK": f"{DRAFT_PREFIX}{user_id}"}


def conversation(reference: str, conversation_id: str) -> dict[str, str]:
    """Key of a conversation on a request, in the request's collection."""
    return {"PK": f"REQUEST#{reference}", "SK": f"CONVERSATION#{conversation_id}"}


def conversations_prefix(conversation_id: str = "") -> str:
    """The sort-key prefix of a request's conversation items (of one, when ``conversation_id``)."""
    return f"CONVERSATION#{conversation_id}"


def conversation_messages_prefix(conversation_id: str) -> str:
    """The sort-key prefix of one conversation's messages, in time order."""
    return f"{conversations_prefix(conversation_id)}#MSG#"


def conversation_message(
    reference: str, conversation_id: str, at_iso: str, message_id: str
) -> dict[str, str]:
    """Key of one message of a conversation, beside the conversation."""
    return {
        "PK": f"REQUEST#{reference}",
        "SK": f"{conversation_messages_prefix(conversation_id)}{at_iso}#{message_id}",
    }


def inbox_partition(group: str) -> str:
    """Partition key of a group's conversation inbox: the conversations it has not opened."""
    return f"INBOX#{group}"


def inbox(group: str, reference: str, conversation_id: str) -> dict[str, str]:
    """Key of one conversation in a group's inbox; its requests' items sort together."""
    return {"PK": inbox_partition(group), "SK": f"{reference}#{conversation_id}"}
