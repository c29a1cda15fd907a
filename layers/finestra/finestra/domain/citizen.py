"""Citizens and the legal entities that file requests beside them."""

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finestra.domain.contacts import Email, Phone, TaxId, normalise
from finestra.domain.vocabulary import ConsentPurpose, ContactKind, InputChannel, Language

Name = Annotated[str, Field(min_length=1, max_length=120)]
AreaCode = Annotated[str, Field(pattern=r"^\d{1,2}$")]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class ContactPoint(BaseModel):
    """One way to reach or recognise a citizen, normalised, verified or not."""

    model_config = ConfigDict(frozen=True)

    kind: ContactKind
    value: str = Field(min_length=1, max_length=254)
    verified: bool = False
    first_seen_on: InputChannel | None = None

    @model_validator(mode="after")
    def _normalised(self) -> Self:
        normalised = normalise(self.kind, self.value)
        if normalised != self.value:
            object.__setattr__(self, "value", normalised)
        return self


class Consent(BaseModel):
    """Whether the city may contact the citizen on a channel for a purpose."""

    model_config = ConfigDict(frozen=True)

    channel: Literal["sms", "email", "phone", "social"]
    purpose: ConsentPurpose
    granted: bool
    recorded_at: datetime
    source: InputChannel


class Citizen(BaseModel):
    """A person known to the city, provisional until someone verifies who they are."""

    id: str
    given_name: Name | None = None
    family_names: Name | None = None
    language: Language = Language.CA
    district_code: AreaCode | None = None
    neighbourhood_code: AreaCode | None = None
    contact_points: list[ContactPoint] = Field(default_factory=list)
    consents: list[Consent] = Field(default_factory=list)
    tags: list[Tag] = Field(
        default_factory=list, max_length=20, description="staff marks on the citizen, for segments"
    )
    provisional: bool = True
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def identified(self) -> bool:
        """Whether any contact point has been verified (a document, an OTP, a staff check)."""
        return any(point.verified for point in self.contact_points)

    def contact(self, kind: ContactKind) -> ContactPoint | None:
        """The first contact point of ``kind``, verified ones first."""
        points = sorted(
            (p for p in self.contact_points if p.kind is kind), key=lambda p: not p.verified
        )
        return points[0] if points else None

    def consents_to(self, channel: str, purpose: ConsentPurpose) -> bool:
        """The latest recorded answer for ``channel`` and ``purpose``; service is opt-out."""
        answers = [c for c in self.consents if c.channel == channel and c.purpose is purpose]
        if answers:
            return max(answers, key=lambda c: c.recorded_at).granted
        return purpose is ConsentPurpose.SERVICE


class EntityContact(BaseModel):
    """The person who speaks for a legal entity."""

    name: Name
    email: Email | None = None
    phone: Phone | None = None


class CitizenApplicant(BaseModel):
    """A request filed by a citizen on their own behalf."""

    kind: Literal["citizen"] = "citizen"
    citizen_id: str


class EntityApplicant(BaseModel):
    """A request filed by a company, association or other legal entity."""

    kind: Literal["entity"] = "entity"
    tax_id: TaxId
    business_name: Name
    contact: EntityContact
    contact_citizen_id: str | None = None


Applicant = Annotated[CitizenApplicant | EntityApplicant, Field(discriminator="kind")]
