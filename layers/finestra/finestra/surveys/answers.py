"""Recording survey answers, from an SMS reply or from the web page of a signed link.

An SMS answers the first question of the survey the citizen was last sent by SMS (the
pending answer): a digit from 1 to 5 for a rating, a choice's keyword in the citizen's
language or any other, or any text for a free-text question. A web answer names its
questions. Either way the response is written once per citizen and invitation, with the
counters of the survey's results, the spent link or pending answer, and, for a
satisfaction survey, an entry of the request's history, in one transaction.
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Final

from finestra.domain.citizen import Citizen
from finestra.domain.errors import Conflict, NotFound, ValidationFailed
from finestra.domain.ids import new_id
from finestra.domain.request import Interaction
from finestra.domain.survey import (
    Answer,
    Question,
    QuestionKind,
    ResponseChannel,
    Survey,
    SurveyResponse,
)
from finestra.domain.vocabulary import InputChannel, InteractionKind, Language
from finestra.sentiment import Scorer
from finestra.storage import keys
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.table import Check, Delete, Put, Update
from finestra.surveys.links import SurveyClaims, SurveyLinks
from finestra.surveys.store import AlreadyAnswered, PendingAnswer, SurveyStore, pending_key

__all__ = ["SurveyAnswers", "parse_sms_answer"]

_DIGIT: Final = re.compile(r"^\s*([1-5])\s*[.!]?\s*$")
_MAX_TEXT: Final = 1000
_CHANNELS: Final = {"sms": InputChannel.SMS, "web": InputChannel.WEB}


def _folded_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().strip(".!¡?¿ ").casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_sms_answer(text: str, question: Question, language: Language) -> Answer | None:
    """The answer an SMS gives to ``question``, or ``None`` when it gives none.

    Parameters
    ----------
    text
        The SMS as received.
    question
        The question the SMS prompt asked (a survey's first).
    language
        The citizen's language, whose keywords are tried first.

    Returns
    -------
    Answer | None
        A rating for a lone digit from 1 to 5, a choice for a lone keyword (the
        citizen's language first, then any), free text for a text question; ``None``
        for anything else, which the intake then treats as a message to the city.
    """
    if question.kind is QuestionKind.RATING:
        match = _DIGIT.match(text)
        return Answer(question_id=question.id, rating=int(match[1])) if match else None
    if question.kind is QuestionKind.CHOICE:
        word = _folded_word(text)
        chosen = next((c for c in question.choices if c.matches(word, language)), None)
        chosen = chosen or next((c for c in question.choices if c.matches(word)), None)
        return Answer(question_id=question.id, choice=chosen.key) if chosen else None
    stripped = text.strip()
    return Answer(question_id=question.id, text=stripped[:_MAX_TEXT]) if stripped else None


class SurveyAnswers:
    """Records answers to surveys.

    Parameters
    ----------
    surveys
        Survey definitions and responses.
    citizens
        Profiles, for the district, neighbourhood and language the insights count by.
    requests
        Requests, for a satisfaction answer's theme, channel and history.
    scorer
        Judges the tone of free-text answers.
    clock
        Stamps responses.
    links
        Verifies web links; ``None`` where only SMS answers arrive.
    """

    def __init__(
        self,
        *,
        surveys: SurveyStore,
        citizens: CitizenStore,
        requests: RequestStore,
        scorer: Scorer,
        clock: Callable[[], datetime],
        links: SurveyLinks | None = None,
    ) -> None:
        self._surveys = surveys
        self._citizens = citizens
        self._requests = requests
        self._scorer = scorer
        self._clock = clock
        self._links = links

    def open_link(self, token: str) -> tuple[SurveyClaims, Survey]:
        """What a link asks: its claims and the survey, if the link is still good.

        Raises
        ------
        Forbidden
            When the token is forged or malformed.
        SurveyLinkExpired, SurveyLinkUsed
            When the link's time is over, or it has been answered.
        NotFound
            When the survey is gone.
        """
        claims = self._require_links().open(token)
        return claims, self._surveys.get(claims.survey_id)

    def answer_link(self, token: str, answers: Sequence[Answer]) -> SurveyResponse:
        """Record the answers given on the page of a link; the link is spent by it.

        Raises
        ------
        Forbidden, SurveyLinkExpired, SurveyLinkUsed
            As :meth:`open_link`.
        ValidationFailed
            Naming ``answers.<question id>`` of an answer that does not fit the survey.
        AlreadyAnswered
            When the invitation was answered meanwhile (by SMS, or a concurrent post).
        """
        links = self._require_links()
        claims = links.open(token)
        survey = self._surveys.get(claims.survey_id)
        _check(survey, answers)
        return self._record(
            survey,
            claims.citizen_id,
            campaign_id=claims.campaign_id,
            reference=claims.reference,
            batch=claims.batch,
            channel="web",
            language=claims.language,
            answers=list(answers),
            alongside=[links.spend(claims)],
        )

    def answer_sms(self, citizen: Citizen, text: str) -> SurveyResponse | None:
        """Record an SMS as the answer to the citizen's pending survey, if it is one.

        Returns
        -------
        SurveyResponse | None
            The response; ``None`` when no survey awaits an answer or the text does not
            answer its first question.

        Raises
        ------
        AlreadyAnswered
            When the invitation was answered meanwhile (on the web, say); the pending
            answer is removed then, so the citizen's next SMS is a message again.
        """
        pending = self._surveys.pending(citizen.id)
        if pending is None:
            return None
        survey = self._surveys.find(pending.survey_id)
        if survey is None:
            return None
        answer = parse_sms_answer(text, survey.questions[0], citizen.language)
        if answer is None:
            return None
        try:
            return self._record(
                survey,
                citizen.id,
                campaign_id=pending.campaign_id,
                reference=pending.reference,
                batch=pending.batch,
                channel="sms",
                language=citizen.language,
                answers=[answer],
                alongside=[_pending_spent(pending)],
            )
        except AlreadyAnswered:
            with suppress(Conflict):
                self._surveys.table.delete(_pending_spent(pending))
            raise

    def _record(
        self,
        survey: Survey,
        citizen_id: str,
        *,
        campaign_id: str | None,
        reference: str | None,
        channel: ResponseChannel,
        language: Language,
        answers: list[Answer],
        alongside: list[Put | Update | Delete | Check],
        batch: int | None = None,
    ) -> SurveyResponse:
        texts = [a.text for a in answers if a.text]
        response = SurveyResponse(
            id=new_id("srs"),
            survey_id=survey.id,
            survey_version=survey.version,
            citizen_id=citizen_id,
            campaign_id=campaign_id,
            reference=reference,
            batch=batch,
            channel=channel,
            language=language,
            answers=answers,
            at=self._clock(),
            sentiment=self._scorer.score("\n".join(texts), language) if texts else None,
        )
        facets = self._facets(citizen_id, reference)
        if survey.purpose == "satisfaction" and reference is not None:
            alongside = [*alongside, *self._history_entry(response, survey)]
        self._surveys.record(response, survey, facets, alongside=alongside)
        return response

    def _facets(self, citizen_id: str, reference: str | None) -> dict[str, str | None]:
        citizen = self._citizens.resolve(citizen_id)
        request = self._requests.get(reference) if reference else None
        location = request.location if request else None
        return {
            "district_code": (citizen.district_code if citizen else None)
            or (location.district_code if location else None),
            "neighbourhood_code": (citizen.neighbourhood_code if citizen else None)
            or (location.neighbourhood_code if location else None),
            "theme_code": request.theme_code if request else None,
            "input_channel": request.input_channel.value if request else None,
        }

    def _history_entry(self, response: SurveyResponse, survey: Survey) -> list[Put | Check]:
        reference = response.reference or ""
        entry = Interaction(
            id=new_id("int"),
            at=response.at,
            kind=InteractionKind.SURVEY_ANSWER,
            channel=_CHANNELS[response.channel],
            actor=f"citizen:{response.citizen_id}",
            text=_summary(response, survey),
            reason=f"survey:{survey.id}",
        )
        item = {
            **keys.interaction(reference, entry.at.isoformat(), entry.id),
            "type": "interaction",
            **entry.model_dump(mode="json", exclude_none=True),
        }
        return [
            Put(item=item),
            Check(key=keys.request(reference), condition="attribute_exists(PK)"),
        ]

    def _require_links(self) -> SurveyLinks:
        if self._links is None:
            raise NotFound("survey links are not served here")
        return self._links


def _check(survey: Survey, answers: Sequence[Answer]) -> None:
    if not answers:
        raise ValidationFailed("needs at least one answer", field="answers")
    seen: set[str] = set()
    for answer in answers:
        question = survey.question(answer.question_id)
        if question is None or not answer.fits(question) or answer.question_id in seen:
            raise ValidationFailed(
                "does not answer this question", field=f"answers.{answer.question_id}"
            )
        seen.add(answer.question_id)


def _pending_spent(pending: PendingAnswer) -> Delete:
    return Delete(
        key=pending_key(pending.citizen_id),
        condition="survey_id = :survey",
        values={":survey": pending.survey_id},
    )


def _summary(response: SurveyResponse, survey: Survey) -> str:
    lines = []
    for answer in response.answers:
        question = survey.question(answer.question_id)
        if answer.rating is not None:
            lines.append(f"{answer.question_id}: {answer.rating}/5")
        elif answer.choice is not None and question is not None:
            choice = question.choice(answer.choice)
            label = choice.label.get(response.language) if choice else None
            lines.append(f"{answer.question_id}: {label or answer.choice}")
        elif answer.text is not None:
            lines.append(f"{answer.question_id}: {answer.text}")
    return "\n".join(lines)
