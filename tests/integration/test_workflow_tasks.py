"""Each task of the request workflow, called as Step Functions calls it, under moto."""

from typing import Any

import pytest

from tests.conftest import Clock, FakeLambdaContext, Seeder
from tests.support.aws import sent_sms, table_items


@pytest.fixture
def workflow(backoffice: Any, clock: Clock) -> Any:
    from finestra.apps.workflow import WorkflowApp
    from finestra.settings import WorkflowSettings

    return WorkflowApp(WorkflowSettings(), clock=clock)


@pytest.fixture
def intake(seed: Seeder) -> Any:
    from finestra.intake.message import InboundMessage

    seed.runtime.bind(FakeLambdaContext())

    def submit(
        text: str,
        *,
        phone: str = "+34612345678",
        theme: str | None = None,
        location: dict[str, Any] | None = None,
        message_id: str = "m-0001",
    ) -> str:
        message = InboundMessage.model_validate(
            {
                "channel": "sms" if theme is None else "web",
                "provider_message_id": message_id,
                "received_at": seed.clock(),
                "sender": [{"kind": "phone", "value": phone}],
                "text": text,
                "theme_code": theme,
                "location": location,
                "response_channel": "sms",
            }
        )
        result = seed.runtime.intake.submit(message)
        assert result.reference is not None
        return result.reference

    return submit


def request(reference: str) -> dict[str, Any]:
    [item] = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "request"]
    return item


def run(workflow: Any, task: str, reference: str, **fields: Any) -> dict[str, Any]:
    _, result = workflow.run({"task": task, "reference": reference, **fields})
    return dict(result)


def test_free_text_is_classified_and_names_the_systems_to_ask(workflow: Any, intake: Any) -> None:
    reference = intake("El fanal del carrer de Mallorca 250 no s'encén des de fa tres nits")

    result = run(workflow, "classify", reference)

    assert result["theme_code"].startswith("lighting.")
    assert result["triage"] is False
    assert "street-lighting" in result["systems"]
    assert request(reference)["theme_code"] == result["theme_code"]


def test_text_that_names_no_theme_goes_to_triage(workflow: Any, intake: Any) -> None:
    reference = intake("Hola, bon dia")

    result = run(workflow, "classify", reference)
    routing = run(
        workflow, "route", reference, classification=result, duplicates={"duplicate_of": None}
    )

    assert result["triage"] is True
    assert result["systems"] == []
    assert routing["responsible_group"] == "triage"
    assert "low_confidence" in request(reference)["flags"]


def test_a_lookup_keeps_a_snapshot_and_a_second_one_reuses_it(
    workflow: Any, intake: Any, backoffice: Any
) -> None:
    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16, "district_code": "2"},
    )

    first = run(workflow, "lookup", reference, system="street-lighting")
    again = run(workflow, "lookup", reference, system="street-lighting")

    assert first["cached"] is False
    assert again["cached"] is True
    assert backoffice.calls().get("street-lighting") == 1
    [snapshot] = [i for i in table_items("PLACE#") if i["type"] == "snapshot"]
    assert snapshot["system"] == "street-lighting"
    assert snapshot["expires_at"] > 0


def test_a_system_that_fails_raises_the_error_the_state_machine_retries(
    workflow: Any, intake: Any, backoffice: Any
) -> None:
    from finestra.backoffice.model import SystemUnavailable

    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16},
    )
    backoffice.set_fault("street-lighting", "fail")

    with pytest.raises(SystemUnavailable):
        run(workflow, "lookup", reference, system="street-lighting")


def test_routing_by_district_sets_group_priority_and_due_time(workflow: Any, intake: Any) -> None:
    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16, "district_code": "2"},
    )
    classification = run(workflow, "classify", reference)

    routing = run(
        workflow,
        "route",
        reference,
        classification=classification,
        duplicates={"duplicate_of": None},
    )

    stored = request(reference)
    assert stored["responsible_group"] == routing["responsible_group"]
    assert stored["sla_due_at"] == routing["sla_due_at"]
    assert stored["GSI3PK"].startswith("DUE#")
    assert stored["GSI2PK"].startswith(f"QUEUE#{routing['responsible_group']}#")


def test_a_second_report_nearby_is_found_as_a_duplicate(
    workflow: Any, intake: Any, clock: Clock
) -> None:
    place = {"latitude": 41.39, "longitude": 2.16, "district_code": "2"}
    first = intake("Fanal apagat", theme="lighting.streetlight-off", location=place)
    for task in ("classify",):
        classification = run(workflow, task, first)
    run(workflow, "route", first, classification=classification, duplicates={"duplicate_of": None})
    clock.advance(hours=2)
    nearby = {**place, "latitude": 41.3902}
    second = intake(
        "El fanal no funciona",
        theme="lighting.streetlight-off",
        location=nearby,
        phone="+34622334455",
        message_id="m-0002",
    )
    far = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={**place, "latitude": 41.40},
        phone="+34633445566",
        message_id="m-0003",
    )

    assert run(workflow, "duplicates", second) == {"duplicate_of": first}
    assert run(workflow, "duplicates", far) == {"duplicate_of": None}


def test_the_acknowledgement_goes_once_by_sms_with_the_reference(
    workflow: Any, intake: Any
) -> None:
    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16, "district_code": "2"},
    )
    classification = run(workflow, "classify", reference)
    run(
        workflow,
        "route",
        reference,
        classification=classification,
        duplicates={"duplicate_of": None},
    )

    first = run(workflow, "acknowledge", reference, duplicates={"duplicate_of": None})
    again = run(workflow, "acknowledge", reference, duplicates={"duplicate_of": None})

    assert first["sent"] is True
    assert again == {"sent": False, "reason": "already_sent"}
    [(number, text)] = sent_sms()
    assert number == "+34612345678"
    assert reference in text
    outbound = [i for i in table_items(f"REQUEST#{reference}") if i["type"] == "interaction"]
    assert [i["kind"] for i in outbound] == ["outbound_message"]


def test_a_failure_leaves_the_request_with_triage_and_its_cause(workflow: Any, intake: Any) -> None:
    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16},
    )

    result = run(
        workflow,
        "flag_for_triage",
        reference,
        error={"Error": "States.Timeout", "Cause": "anything at all"},
    )

    stored = request(reference)
    assert result == {"flagged": True, "cause": "States.Timeout"}
    assert stored["responsible_group"] == "triage"
    assert stored["triage_cause"] == "States.Timeout"
    assert "workflow_failed" in stored["flags"]


def test_an_unknown_task_is_refused_by_name(workflow: Any) -> None:
    from finestra.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        workflow.run({"task": "dance", "reference": "BCN-2026-000001"})

    assert refused.value.field == "task"


def test_a_request_is_asked_about_its_place_and_not_answered_from_another_place(
    workflow: Any, intake: Any, backoffice: Any
) -> None:
    here = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16},
    )
    there = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.41, "longitude": 2.19},
        message_id="m-0002",
    )

    run(workflow, "lookup", here, system="street-lighting")
    second = run(workflow, "lookup", there, system="street-lighting")

    assert second["cached"] is False
    assert backoffice.calls()["street-lighting"] == 2


def test_the_sla_watch_raises_requests_near_and_past_their_due_time(
    workflow: Any, intake: Any, clock: Clock
) -> None:
    from finestra.apps.sla import SlaWatchApp
    from finestra.settings import SlaWatchSettings

    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16, "district_code": "2"},
    )
    classification = run(workflow, "classify", reference)
    run(
        workflow,
        "route",
        reference,
        classification=classification,
        duplicates={"duplicate_of": None},
    )
    watch = SlaWatchApp(SlaWatchSettings(), clock=clock).watch
    sla_hours = 72

    early = watch.sweep()
    clock.advance(hours=sla_hours * 0.95)
    near = watch.sweep()
    again = watch.sweep()
    clock.advance(hours=sla_hours)
    late = watch.sweep()

    assert (early.near, early.breached) == (0, 0)
    assert (near.near, near.breached) == (1, 0)
    assert (again.near, again.breached) == (0, 0), "a raised flag is not raised twice"
    assert (late.near, late.breached) == (0, 1)
    assert {"sla_near", "sla_breached"} <= set(request(reference)["flags"])


def test_a_late_route_does_not_take_back_a_request_handed_to_triage(
    workflow: Any, intake: Any
) -> None:
    reference = intake(
        "Fanal apagat",
        theme="lighting.streetlight-off",
        location={"latitude": 41.39, "longitude": 2.16, "district_code": "2"},
    )
    classification = run(workflow, "classify", reference)
    run(workflow, "flag_for_triage", reference, error={"Error": "States.Timeout"})

    run(
        workflow,
        "route",
        reference,
        classification=classification,
        duplicates={"duplicate_of": None},
    )

    stored = request(reference)
    assert stored["responsible_group"] == "triage"
    assert stored["GSI2PK"].startswith("QUEUE#triage#")
    assert "routed_at" not in stored
