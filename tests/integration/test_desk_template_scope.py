"""A reply sent with a template is held to the template's scope, as a draft is.

The request is a pothole of district 2 (theme ``roads.pothole``, an incident of group
``paving.d2``), answered by SMS.
"""

from types import ModuleType
from typing import Any

import pytest

from tests.integration.test_desk_actions import (
    AGENT,
    PREFIX,
    REFERENCE,
    action,
    api,
    call,
    case,
    citizen,
    entries,
    event,
    sent_email,
)
from tests.support.aws import sent_sms, table_items

__all__ = ["api", "case", "citizen"]

ELSEWHERE: dict[str, str] = {
    "lighting-crew-sent": "is written for other themes, not for this request",
    "complaint-received": "is written for other request types, not for this request",
    "parks-tree-inspection": "is written for other groups, not for this request",
}
"""Templates scoped away from a paving incident, and why each does not fit it."""


def reply(api: ModuleType, body: dict[str, Any]) -> tuple[int, Any]:
    return call(api, action("replies", body, headers={"idempotency-key": "r-scope-1"}))


def everything() -> list[dict[str, Any]]:
    return table_items() + table_items(table="IdempotencyTable")


@pytest.mark.parametrize("chosen", ELSEWHERE, ids=list(ELSEWHERE))
@pytest.mark.parametrize("with_text", [False, True], ids=["template", "edited text"])
def test_a_reply_with_a_template_written_for_other_requests_is_refused_and_nothing_is_sent(
    api: ModuleType, case: str, chosen: str, with_text: bool
) -> None:
    body: dict[str, Any] = {"template": chosen, "language": "ca"}
    if with_text:
        body["text"] = "Hem enviat una brigada."
    before = everything()

    status, answer = reply(api, body)

    assert status == 422, answer
    assert answer["errors"] == [{"field": "template", "rule": ELSEWHERE[chosen]}]
    assert sent_sms() == []
    assert sent_email() == []
    assert everything() == before


@pytest.mark.parametrize("chosen", ["paving-repair-planned", "resolved"])
def test_a_reply_with_a_template_that_fits_the_request_is_sent(
    api: ModuleType, case: str, chosen: str
) -> None:
    status, answer = reply(api, {"template": chosen, "language": "es"})

    assert status == 201, answer
    [(_, text)] = sent_sms()
    assert REFERENCE in text
    [entry] = entries()
    assert entry["id"] == answer["interaction_id"]


def test_the_draft_and_the_reply_refuse_an_unfitting_template_alike(
    api: ModuleType, case: str
) -> None:
    draft = {"text": "Hem enviat una brigada.", "template": "lighting-crew-sent", "language": "ca"}

    saved, refused_draft = call(
        api,
        event(
            "PUT",
            f"{PREFIX}/requests/{{reference}}/draft",
            claims=AGENT,
            body=draft,
            path={"reference": REFERENCE},
        ),
    )
    sent, refused_reply = reply(api, {"text": draft["text"], "template": draft["template"]})

    assert (saved, sent) == (422, 422)
    assert refused_draft["errors"] == refused_reply["errors"]


def test_an_unknown_template_is_still_refused_as_unknown(api: ModuleType, case: str) -> None:
    status, answer = reply(api, {"template": "no-such-template"})

    assert status == 422
    assert answer["errors"] == [
        {"field": "template", "rule": "is not one of the city's reply templates"}
    ]
    assert sent_sms() == []
