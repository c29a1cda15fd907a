"""Finestra's themes and requests as GeoReport v2 services and service requests."""

from typing import Literal

from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.errors import NotFound
from finestra.domain.request import Request
from finestra.domain.vocabulary import FINAL_STATES, Language, RequestState
from finestra.open311.models import (
    Attribute,
    AttributeValue,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from finestra.open311.render import w3c_datetime

_STATUS_NOTES: dict[RequestState, dict[Language, str]] = {
    RequestState.PENDING_VALIDATION: {
        Language.CA: "Rebuda; l'equip responsable l'ha de validar.",
        Language.ES: "Recibida; el equipo responsable debe validarla.",
        Language.EN: "Received; the responsible group has still to validate it.",
    },
    RequestState.PLANNED: {
        Language.CA: "Validada i planificada.",
        Language.ES: "Validada y planificada.",
        Language.EN: "Validated and planned.",
    },
    RequestState.IN_RESOLUTION: {
        Language.CA: "En resolució.",
        Language.ES: "En resolución.",
        Language.EN: "Being resolved.",
    },
    RequestState.PENDING_ANSWER: {
        Language.CA: "Resolta; falta la resposta a la persona que la va fer.",
        Language.ES: "Resuelta; falta la respuesta a quien la hizo.",
        Language.EN: "Resolved; the answer to whoever filed it is still to be sent.",
    },
    RequestState.EXTERNALLY_PROCESSED: {
        Language.CA: "Enviada a l'organisme extern que la gestiona.",
        Language.ES: "Enviada al organismo externo que la gestiona.",
        Language.EN: "Handed to the external body that handles it.",
    },
    RequestState.CLOSED: {
        Language.CA: "Resolta i tancada.",
        Language.ES: "Resuelta y cerrada.",
        Language.EN: "Resolved and closed.",
    },
    RequestState.CANCELLED: {
        Language.CA: "Anul·lada.",
        Language.ES: "Anulada.",
        Language.EN: "Cancelled.",
    },
    RequestState.NOT_PROCESSED: {
        Language.CA: "Tancada sense tramitar.",
        Language.ES: "Cerrada sin tramitar.",
        Language.EN: "Closed without being processed.",
    },
}


Status = Literal["open", "closed"]


def status_of(state: RequestState, language: Language) -> tuple[Status, str]:
    """The specification's status (``open`` or ``closed``) and a note in ``language``.

    A final state (closed, cancelled, not processed) is ``closed``; every other state,
    an external body's included, is ``open`` because the request may still move.
    """
    status: Status = "closed" if state in FINAL_STATES else "open"
    return status, _STATUS_NOTES[state][language]


def has_required_information(theme: Theme) -> bool:
    """Whether filing for the theme needs more than a description: the ``metadata`` flag."""
    return theme.requires_location or theme.requires_identified_citizen


def services(catalogue: Catalogue, language: Language) -> list[Service]:
    """Every theme of the catalogue as a service, named in ``language``."""
    areas = {area.code: area.names.in_(language) for area in catalogue.areas}
    return [
        Service(
            service_code=theme.code,
            service_name=theme.detail.in_(language),
            description=theme.element.in_(language),
            metadata=has_required_information(theme),
            type="realtime",
            keywords=",".join(theme.keywords.get(language, ())) or None,
            group=areas[theme.area],
        )
        for theme in catalogue.themes
    ]


def service_definition(catalogue: Catalogue, code: str, language: Language) -> ServiceDefinition:
    """The extra fields a theme asks for; :class:`NotFound` for a code no theme has."""
    theme = catalogue.known_theme(code)
    if theme is None:
        raise NotFound("is not a service code", field="service_code")
    return ServiceDefinition(service_code=theme.code, attributes=_attributes(theme, language))


_WORDS = {
    "request_type": {
        Language.CA: "Tipus de sol·licitud",
        Language.ES: "Tipo de solicitud",
        Language.EN: "Type of request",
    },
    "response_channel": {
        Language.CA: "Com voleu rebre la resposta",
        Language.ES: "Cómo quiere recibir la respuesta",
        Language.EN: "How you want the answer",
    },
    "document_id": {
        Language.CA: "DNI o NIE de qui la fa",
        Language.ES: "DNI o NIE de quien la hace",
        Language.EN: "ID document number of whoever files it",
    },
    "location": {
        Language.CA: "Cal indicar on és: lat i long, o l'adreça.",
        Language.ES: "Hay que indicar dónde es: lat y long, o la dirección.",
        Language.EN: "Say where it is: lat and long, or the address.",
    },
}


def _attributes(theme: Theme, language: Language) -> tuple[Attribute, ...]:
    found = [
        Attribute(
            variable=True,
            code="request_type",
            datatype="singlevaluelist",
            required=len(theme.request_types) > 1,
            datatype_description=None,
            order=1,
            description=_WORDS["request_type"][language],
            values=tuple(AttributeValue(key=t.value, name=t.value) for t in theme.request_types),
        ),
        Attribute(
            variable=True,
            code="response_channel",
            datatype="singlevaluelist",
            required=False,
            datatype_description=None,
            order=2,
            description=_WORDS["response_channel"][language],
            values=tuple(
                AttributeValue(key=c.value, name=c.value) for c in theme.response_channels
            ),
        ),
    ]
    if theme.requires_identified_citizen:
        found.append(
            Attribute(
                variable=True,
                code="document_id",
                datatype="string",
                required=True,
                datatype_description=None,
                order=3,
                description=_WORDS["document_id"][language],
            )
        )
    if theme.requires_location:
        found.append(
            Attribute(
                variable=False,
                code="location",
                datatype="text",
                required=False,
                datatype_description=None,
                order=len(found) + 1,
                description=_WORDS["location"][language],
            )
        )
    return tuple(found)


def service_request(
    request: Request, catalogue: Catalogue, language: Language
) -> ServiceRequest | None:
    """A stored request as a client app may see it; ``None`` while it has no theme.

    The description is never shown: citizens write names and phone numbers into it, and
    GeoReport's request list is public. The place, and the link to the photo or file the
    app gave, are shown only where the theme says its location is public.
    """
    theme = catalogue.known_theme(request.theme_code)
    if theme is None:
        return None
    status, notes = status_of(request.state, language)
    place = request.location if theme.location_is_public else None
    return ServiceRequest(
        service_request_id=request.reference,
        status=status,
        status_notes=notes,
        service_name=theme.detail.in_(language),
        service_code=theme.code,
        description=None,
        agency_responsible=_group_name(catalogue, request.responsible_group, language),
        service_notice=None,
        requested_datetime=w3c_datetime(request.created_at),
        updated_datetime=w3c_datetime(request.updated_at),
        expected_datetime=w3c_datetime(request.sla_due_at) if request.sla_due_at else None,
        address=place.address if place else None,
        address_id=None,
        zipcode=None,
        lat=place.latitude if place else None,
        long=place.longitude if place else None,
        media_url=request.origin.media_url if place else None,
    )


def _group_name(catalogue: Catalogue, code: str, language: Language) -> str | None:
    try:
        return catalogue.group(code).names.in_(language)
    except NotFound:
        return None
