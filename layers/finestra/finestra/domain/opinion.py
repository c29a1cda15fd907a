"""Opinions: what citizens say about the city outside any request."""

from datetime import datetime

from pydantic import BaseModel

from finestra.domain.request import Text
from finestra.domain.vocabulary import InputChannel, Language


class Opinion(BaseModel):
    """A public post or comment about the city's services, kept for insights."""

    id: str
    citizen_id: str
    at: datetime
    channel: InputChannel
    provider_message_id: str
    text: Text
    language: Language | None = None
