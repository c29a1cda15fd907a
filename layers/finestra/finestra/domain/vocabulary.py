"""The words of the city's own request system, defined once."""

from enum import StrEnum


class Language(StrEnum):
    """Languages the city answers in."""

    CA = "ca"
    ES = "es"
    EN = "en"


class RequestType(StrEnum):
    """What kind of communication a request is."""

    INCIDENT = "incident"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    THANKS = "thanks"
    SERVICE_REQUEST = "service_request"
    ENQUIRY = "enquiry"


class RequestState(StrEnum):
    """Where a request stands in the city's process."""

    PENDING_VALIDATION = "pending_validation"
    PLANNED = "planned"
    IN_RESOLUTION = "in_resolution"
    PENDING_ANSWER = "pending_answer"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NOT_PROCESSED = "not_processed"
    EXTERNALLY_PROCESSED = "externally_processed"


FINAL_STATES = frozenset({RequestState.CLOSED, RequestState.CANCELLED, RequestState.NOT_PROCESSED})


class InputChannel(StrEnum):
    """How a request reached the city."""

    WEB = "web"
    APP = "app"
    OPEN311 = "open311"
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    SOCIAL = "social"
    IN_PERSON = "in_person"


class ResponseChannel(StrEnum):
    """How the city answers a request."""

    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    PHONE = "phone"
    IMMEDIATE = "immediate"
    NONE = "none"


class Process(StrEnum):
    """The path of states a theme's requests follow."""

    IMMEDIATE_CLOSE = "immediate_close"
    PLAN_RESOLVE_ANSWER = "plan_resolve_answer"
    RESOLVE_ANSWER = "resolve_answer"
    EXTERNAL_BODY = "external_body"


class Priority(StrEnum):
    """How soon the responsible group should act."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ContactKind(StrEnum):
    """Ways to reach or recognise a citizen."""

    PHONE = "phone"
    EMAIL = "email"
    SOCIAL = "social"
    DOCUMENT = "document"


class ConsentPurpose(StrEnum):
    """What the city may contact a citizen for."""

    SERVICE = "service"
    CAMPAIGNS = "campaigns"
    SURVEYS = "surveys"


class InteractionKind(StrEnum):
    """What an entry in a request's history records."""

    INBOUND_MESSAGE = "inbound_message"
    OUTBOUND_MESSAGE = "outbound_message"
    NOTE = "note"
    STATE_CHANGE = "state_change"
    ASSIGNMENT = "assignment"
    """Staff changed who works the request or how soon: group, agent, priority, theme."""
    SURVEY_ANSWER = "survey_answer"
    """The citizen answered the satisfaction survey sent when the request closed."""


class RouteBy(StrEnum):
    """How a theme's requests find their responsible group."""

    NONE = "none"
    DISTRICT = "district"
    NEIGHBOURHOOD = "neighbourhood"
    POLYGON = "polygon"
    """By the map areas the theme names (the port, a park, the beaches), else its fallback."""
