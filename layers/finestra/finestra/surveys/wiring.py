"""Surveys built from a function's runtime: the store, links, scorer, answers and replies.

Each builder reads what it needs from the runtime's settings once: the configuration
folder (built-in surveys), the contact-point secret (the survey-link key) and the
sentiment scorer's name.
"""

from collections.abc import Callable
from datetime import datetime

from finestra.campaigns.optout import OptOut
from finestra.credentials import secret_bytes
from finestra.domain.citizen import Citizen, ContactPoint
from finestra.domain.vocabulary import Language
from finestra.runtime import IntakeRuntime
from finestra.sentiment import Scorer
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.surveys.answers import SurveyAnswers
from finestra.surveys.config import builtin_surveys
from finestra.surveys.links import SurveyLinks, survey_link_key
from finestra.surveys.render import sms_prompt
from finestra.surveys.replies import SmsReplies
from finestra.surveys.store import SurveyStore

__all__ = [
    "SurveyMessages",
    "sentiment_scorer",
    "sms_replies",
    "survey_answers",
    "survey_links",
    "survey_store",
]


def survey_store(runtime: IntakeRuntime) -> SurveyStore:
    """The survey store, serving the built-in surveys of the configuration folder."""
    return SurveyStore(
        runtime.table,
        clock=runtime.clock,
        builtins=builtin_surveys(runtime.settings.config_dir),
    )


def survey_links(runtime: IntakeRuntime, origin: str | None = None) -> SurveyLinks:
    """Survey links under the key derived from the contact-point secret.

    ``origin`` is the desktop's origin where links are issued; ``None`` only verifies.
    """
    key = survey_link_key(secret_bytes(runtime.settings.contact_key_secret))
    return SurveyLinks(runtime.table, key, runtime.clock, origin)


def sentiment_scorer(runtime: IntakeRuntime) -> Scorer:
    """The scorer the settings name (Comprehend in AWS, the lexicon locally)."""
    return runtime.scorer


def survey_answers(runtime: IntakeRuntime, links: SurveyLinks | None = None) -> SurveyAnswers:
    """Records answers with the runtime's table, scorer and clock."""
    table = runtime.table
    return SurveyAnswers(
        surveys=survey_store(runtime),
        citizens=CitizenStore(table, runtime.vault),
        requests=RequestStore(table, shards=runtime.settings.queue_shards),
        scorer=sentiment_scorer(runtime),
        clock=runtime.clock,
        links=links,
    )


def sms_replies(
    runtime: IntakeRuntime, find_citizen: Callable[[ContactPoint], Citizen | None]
) -> SmsReplies:
    """The SMS intake's opt-out and survey-answer handling."""
    return SmsReplies(survey_answers(runtime), OptOut(runtime.table, runtime.clock), find_citizen)


class SurveyMessages:
    """What a campaign message with a survey needs: a link, an SMS prompt, a pending answer.

    Parameters
    ----------
    store
        The survey store.
    links
        Issues links (built with the desktop's origin).
    """

    def __init__(self, store: SurveyStore, links: SurveyLinks) -> None:
        self._store = store
        self._links = links

    def link(
        self,
        survey_id: str,
        citizen_id: str,
        campaign_id: str | None,
        reference: str | None,
        language: Language,
        *,
        batch: int | None = None,
    ) -> str:
        """A one-use link to answer ``survey_id`` on the survey page."""
        return self._links.issue(
            survey_id, citizen_id, campaign_id, reference, language, batch=batch
        )

    def prompt(self, survey_id: str, language: Language) -> str:
        """The SMS prompt of ``survey_id``'s first question, in ``language``."""
        return sms_prompt(self._store.get(survey_id), language)

    def await_answer(
        self,
        citizen_id: str,
        survey_id: str,
        campaign_id: str | None,
        reference: str | None,
        expires_at: datetime,
        *,
        batch: int | None = None,
    ) -> None:
        """Note that the citizen's next SMS may answer ``survey_id``."""
        self._store.await_sms_answer(
            citizen_id, survey_id, campaign_id, reference, expires_at, batch=batch
        )
