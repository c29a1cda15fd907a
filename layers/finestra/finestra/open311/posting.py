"""A GeoReport v2 ``POST requests`` body, read into the web channel's request form.

The specification's fields become the form the citizen API takes, so an Open311
request goes through the same intake and workflow as one from the city's web:
``service_code`` is the theme, ``lat``/``long``/``address_string`` the location,
``first_name``/``last_name``/``email``/``phone`` the applicant, and the service
definition's attributes (``attribute[request_type]``, ``attribute[response_channel]``,
``attribute[document_id]``) the rest. Without a chosen response channel the answer goes
by email when an email is given, by SMS when a phone is, else nowhere.

``media_url`` is kept as a link on the request's first message, never fetched: the city
does not download or embed what an outside app hosts. ``account_id`` and ``device_id``
are read past and never kept. They identify a person to the app, not to the city, and
nothing of the city's would use them; citizens are recognised by the email, phone or
document they give.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from finestra.channels.web import CitizenForm, RequestForm
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import ValidationFailed
from finestra.domain.request import Location
from finestra.domain.vocabulary import Language, RequestType, ResponseChannel


class GeoReportPost(BaseModel):
    """The specification's fields of ``POST requests`` that Finestra reads."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    api_key: str | None = Field(default=None, description="checked before the post is read")
    service_code: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=4000)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    address_string: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    request_type: RequestType | None = None
    response_channel: ResponseChannel | None = None
    document_id: str | None = None
    media_url: str | None = Field(default=None, max_length=2000)

    @field_validator("media_url")
    @classmethod
    def _outside_link(cls, value: str | None) -> str | None:
        if value is not None and not _is_plain_web_link(value):
            raise PydanticCustomError("http_link", "is not an http or https link")
        return value


def _is_plain_web_link(value: str) -> bool:
    """An http(s) link with a host, no spaces and no user name or password in it."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    has_user = parts.username is not None or parts.password is not None
    return parts.scheme in {"http", "https"} and bool(host) and " " not in value and not has_user


def read_post(fields: Mapping[str, str]) -> GeoReportPost:
    """The post's fields, the attributes unwrapped from ``attribute[<code>]``."""
    flat: dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith("attribute[") and name.endswith("]"):
            flat[name.removeprefix("attribute[").removesuffix("]")] = value
        elif value != "":
            flat[name] = value
    return GeoReportPost.model_validate(flat)


def request_form(post: GeoReportPost, catalogue: Catalogue, language: Language) -> RequestForm:
    """The web channel's form for an Open311 post; an unknown code is refused by name."""
    theme = catalogue.known_theme(post.service_code)
    if theme is None:
        raise ValidationFailed("is not a service code", field="service_code")
    has_place = (post.lat is not None and post.long is not None) or post.address_string
    if theme.requires_location and not has_place:
        raise ValidationFailed("needs lat and long, or address_string", field="lat")
    location = (
        Location(latitude=post.lat, longitude=post.long, address=post.address_string)
        if has_place
        else None
    )
    person = {
        "given_name": post.first_name,
        "family_names": post.last_name,
        "email": post.email,
        "phone": post.phone,
        "document_id": post.document_id,
    }
    given = {k: v for k, v in person.items() if v}
    applicant = CitizenForm.model_validate({"kind": "citizen", **given}) if given else None
    return RequestForm(
        request_type=post.request_type or theme.request_types[0],
        theme_code=theme.code,
        description=post.description,
        location=location,
        response_channel=post.response_channel or _answer_by(post),
        language=language,
        applicant=applicant,
        channel="app",
    )


def _answer_by(post: GeoReportPost) -> ResponseChannel:
    if post.email:
        return ResponseChannel.EMAIL
    if post.phone:
        return ResponseChannel.SMS
    return ResponseChannel.NONE
