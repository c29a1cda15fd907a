"""The GeoReport v2 resources, field for field as the specification names them."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


class Service(BaseModel):
    """One service a client app may file a request for: a theme of the catalogue."""

    model_config = ConfigDict(frozen=True)

    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str | None
    group: str | None


class AttributeValue(BaseModel):
    """One choice of a list attribute."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str


class Attribute(BaseModel):
    """One extra field of a service definition."""

    model_config = ConfigDict(frozen=True)

    variable: bool
    code: str
    datatype: Datatype
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: tuple[AttributeValue, ...] = ()


class ServiceDefinition(BaseModel):
    """The extra fields a service asks for."""

    model_config = ConfigDict(frozen=True)

    service_code: str
    attributes: tuple[Attribute, ...]


class ServiceRequest(BaseModel):
    """A request as a client app sees it; dates already in the specification's format."""

    model_config = ConfigDict(frozen=True)

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class OpenedRequest(BaseModel):
    """The answer to a POST: the new request's id and what to expect."""

    model_config = ConfigDict(frozen=True)

    service_request_id: str
    service_notice: str | None
    account_id: str | None


class Error(BaseModel):
    """One error of an error body: the HTTP status as its code, and a sentence."""

    model_config = ConfigDict(frozen=True)

    code: int
    description: str
