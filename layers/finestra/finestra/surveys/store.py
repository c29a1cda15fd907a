"""Survey definitions, responses, SMS pending answers and maintained results.

===================================  ===========================================
item                                 key
===================================  ===========================================
survey definition (current)          ``SURVEYS`` / ``SURVEY#<id>``
survey definition (each version)     ``SURVEY#<id>`` / ``VERSION#<nnnn>``
response (one per invitation)        ``SURVEY#<id>`` / ``RESPONSE#<citizen id>#<invitation>``
free texts of a response             ``SURVEY#<id>`` / ``TEXT#<citizen id>#<invitation>``
results (all, or one campaign)       ``SURVEY#<id>`` / ``RESULTS#ALL`` / ``RESULTS#CAMPAIGN#<id>``
SMS pending answer (TTL)             ``CITIZEN#<id>`` / ``SURVEYWAIT``
a citizen's response, by citizen     ``CITIZEN#<id>`` / ``SURVEYRESPONSE#<survey>#<invitation>``
survey link nonce (TTL)              ``SURVEYLINK#<nonce>`` / ``SURVEYLINK``
===================================  ===========================================

A response is written by a conditional put in one transaction with an ``ADD`` to each
results item it counts in, so results are maintained counters, never a read of the
responses, and a second answer to the same invitation changes nothing. The response
item (``type = "survey_answer"``, which the statistics function's stream filter passes
to the insights) holds no answer text: free texts go to an item of their own. The
citizen's partition points at each of their responses, so the export and the erasure
of a citizen find them without reading any survey's responses.
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.errors import Conflict, NotFound
from finestra.domain.survey import QuestionKind, SentimentLabel, Survey, SurveyResponse
from finestra.storage.table import Check, Delete, Item, Put, Table, TransactionConflict, Update

__all__ = [
    "CITY_ZONE",
    "AlreadyAnswered",
    "PendingAnswer",
    "QuestionResults",
    "SurveyResults",
    "SurveyStore",
    "pending_key",
    "response_key",
    "response_link_key",
    "results_key",
    "survey_key",
    "texts_key",
]

CITY_ZONE: Final = ZoneInfo("Europe/Madrid")
_SURVEYS: Final = "SURVEYS"
_ALL: Final = "ALL"


def survey_key(survey_id: str) -> dict[str, str]:
    """Key of a survey's current definition, in the list of every survey."""
    return {"PK": _SURVEYS, "SK": f"SURVEY#{survey_id}"}


def version_key(survey_id: str, version: int) -> dict[str, str]:
    """Key of one version of a survey's definition, kept for the responses it got."""
    return {"PK": f"SURVEY#{survey_id}", "SK": f"VERSION#{version:04d}"}


def response_key(survey_id: str, citizen_id: str, invitation: str) -> dict[str, str]:
    """Key of a citizen's response to one invitation (a campaign id or a reference)."""
    return {"PK": f"SURVEY#{survey_id}", "SK": f"RESPONSE#{citizen_id}#{invitation}"}


def response_link_key(survey_id: str, citizen_id: str, invitation: str) -> dict[str, str]:
    """Key of the pointer, under the citizen, to their response to one invitation."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": f"SURVEYRESPONSE#{survey_id}#{invitation}"}


def texts_key(survey_id: str, citizen_id: str, invitation: str) -> dict[str, str]:
    """Key of the free texts of a response, kept apart from the item the insights read."""
    return {"PK": f"SURVEY#{survey_id}", "SK": f"TEXT#{citizen_id}#{invitation}"}


def results_key(survey_id: str, campaign_id: str | None = None) -> dict[str, str]:
    """Key of a survey's results: of every response, or of one campaign's."""
    scope = f"CAMPAIGN#{campaign_id}" if campaign_id else _ALL
    return {"PK": f"SURVEY#{survey_id}", "SK": f"RESULTS#{scope}"}


def pending_key(citizen_id: str) -> dict[str, str]:
    """Key of the survey a citizen's next SMS may answer."""
    return {"PK": f"CITIZEN#{citizen_id}", "SK": "SURVEYWAIT"}


class AlreadyAnswered(Conflict):
    """The citizen has answered this invitation already."""

    code = "already_answered"


class PendingAnswer(BaseModel):
    """A survey sent by SMS whose answer the citizen's next message may be."""

    model_config = ConfigDict(frozen=True)

    citizen_id: str
    survey_id: str
    campaign_id: str | None = None
    reference: str | None = None
    batch: int | None = None
    expires_at: datetime


class QuestionResults(BaseModel):
    """The counts of one question's answers."""

    question_id: str
    kind: QuestionKind
    counts: dict[str, int] = Field(description="per rating (1..5) or choice key")
    answered: int


class SurveyResults(BaseModel):
    """What a survey's responses add up to (never who gave them, nor their texts)."""

    survey_id: str
    campaign_id: str | None = None
    responses: int
    questions: list[QuestionResults]
    sentiment: dict[SentimentLabel, int]
    sentiment_methods: dict[str, int] = Field(
        default_factory=dict, description="free texts scored by Comprehend and by the lexicon"
    )


class SurveyStore:
    """Reads and writes surveys and their responses.

    Parameters
    ----------
    table
        The one table.
    clock
        Judges whether a pending answer is still awaited.
    zone
        The city's zone, whose calendar day a response's ``answered_on`` is.
    builtins
        Survey definitions the city ships (``surveys.json``), served while the table
        holds no version of them; the first edit stores the next version.
    """

    def __init__(
        self,
        table: Table,
        *,
        clock: Callable[[], datetime],
        zone: ZoneInfo = CITY_ZONE,
        builtins: Mapping[str, Survey] | None = None,
    ) -> None:
        self._table = table
        self._zone = zone
        self._clock = clock
        self._builtins = dict(builtins or {})

    @property
    def table(self) -> Table:
        """The table surveys are kept in."""
        return self._table

    def create(self, survey: Survey) -> None:
        """Store a new survey, refusing an id already taken.

        Raises
        ------
        Conflict
            When a survey with that id exists (stored or built in).
        """
        if survey.id in self._builtins:
            raise Conflict("a survey with that id exists", field="id")
        try:
            self._table.transact(
                [Put(item=self._item(survey)), Put(item=self._version_item(survey))]
            )
        except TransactionConflict as exc:
            raise Conflict("a survey with that id exists", field="id") from exc

    def replace(self, survey: Survey, *, expected_version: int) -> None:
        """Store ``survey`` as the next version, if the stored one is ``expected_version``.

        Raises
        ------
        Conflict
            When the stored version is another (someone edited it meanwhile).
        """
        builtin = self._builtins.get(survey.id)
        if builtin is not None and self._table.get(survey_key(survey.id)) is None:
            if builtin.version != expected_version:
                raise Conflict("the survey changed meanwhile; reload it", field="version")
            put = Put(item=self._item(survey))
        else:
            put = Put(
                item=self._item(survey),
                condition="version = :expected",
                values={":expected": expected_version},
            )
        try:
            self._table.transact([put, Put(item=self._version_item(survey))])
        except TransactionConflict as exc:
            raise Conflict("the survey changed meanwhile; reload it", field="version") from exc

    def get(self, survey_id: str, version: int | None = None) -> Survey:
        """The survey's current definition, or the ``version`` given.

        Raises
        ------
        NotFound
            When there is no such survey (or version).
        """
        key = survey_key(survey_id) if version is None else version_key(survey_id, version)
        item = self._table.get(key)
        if item is not None:
            return _survey(item)
        builtin = self._builtins.get(survey_id)
        if builtin is not None and version in (None, builtin.version):
            return builtin
        raise NotFound("no such survey")

    def find(self, survey_id: str) -> Survey | None:
        """The survey's current definition, or ``None``."""
        item = self._table.get(survey_key(survey_id))
        return _survey(item) if item else self._builtins.get(survey_id)

    def every(self) -> list[Survey]:
        """Every survey's current definition, by id."""
        found: list[Item] = []
        start: dict[str, Any] | None = None
        while True:
            page, start = self._table.query(
                "PK = :pk AND begins_with(SK, :prefix)",
                {":pk": _SURVEYS, ":prefix": "SURVEY#"},
                start=start,
            )
            found.extend(page)
            if start is None:
                break
        surveys = {**self._builtins, **{s.id: s for s in map(_survey, found)}}
        return [surveys[key] for key in sorted(surveys)]

    def await_sms_answer(
        self,
        citizen_id: str,
        survey_id: str,
        campaign_id: str | None,
        reference: str | None,
        expires_at: datetime,
        *,
        batch: int | None = None,
    ) -> None:
        """Note that the citizen's next SMS may answer ``survey_id``, until ``expires_at``.

        A later survey replaces an earlier one the citizen has not answered: an SMS
        answers the survey sent last. The table's TTL removes the item after expiry.
        """
        if campaign_id is None and reference is None:
            raise ValueError("a pending answer is for a campaign or a request")
        item: Item = {
            **pending_key(citizen_id),
            "type": "survey_wait",
            "survey_id": survey_id,
            "campaign_id": campaign_id,
            "reference": reference,
            "batch": batch,
            "expires_at": int(expires_at.timestamp()),
        }
        self._table.put(
            Put(item=item, condition="attribute_exists(PK) OR attribute_not_exists(PK)")
        )

    def pending(self, citizen_id: str) -> PendingAnswer | None:
        """The survey the citizen's next SMS may answer, unless none or expired."""
        item = self._table.get(pending_key(citizen_id), consistent=True)
        if item is None:
            return None
        expires_at = datetime.fromtimestamp(int(item["expires_at"]), self._clock().tzinfo)
        if expires_at <= self._clock():
            return None
        return PendingAnswer(
            citizen_id=citizen_id,
            survey_id=item["survey_id"],
            campaign_id=item.get("campaign_id"),
            reference=item.get("reference"),
            batch=int(item["batch"]) if item.get("batch") is not None else None,
            expires_at=expires_at,
        )

    def answered(self, survey_id: str, citizen_id: str, invitation: str) -> bool:
        """Whether the citizen has answered this invitation already."""
        return self._table.get(response_key(survey_id, citizen_id, invitation)) is not None

    def record(
        self,
        response: SurveyResponse,
        survey: Survey,
        facets: Mapping[str, str | None],
        *,
        alongside: Sequence[Put | Update | Delete | Check] = (),
    ) -> None:
        """Store ``response`` once, count it in the results, and write ``alongside``.

        Parameters
        ----------
        response
            The response, already checked against ``survey``.
        survey
            The survey answered.
        facets
            What the insights count the response by: ``district_code``,
            ``neighbourhood_code``, ``theme_code``, ``input_channel`` (no personal data).
        alongside
            Writes of the same transaction: the link's spent nonce, the pending answer's
            removal, the request's history entry.

        Raises
        ------
        AlreadyAnswered
            When the citizen has answered this invitation (or the link was spent).
        """
        writes: list[Put | Update | Delete | Check] = [
            Put(item=self._response_item(response, survey, facets)),
            Put(item=self._link_item(response)),
        ]
        texts = {a.question_id: a.text for a in response.answers if a.text is not None}
        if texts:
            writes.append(Put(item=self._texts_item(response, texts)))
        writes.append(self._count(response, survey, None))
        if response.campaign_id:
            writes.append(self._count(response, survey, response.campaign_id))
        try:
            self._table.transact([*writes, *alongside])
        except TransactionConflict as exc:
            raise AlreadyAnswered("this survey has been answered already") from exc

    def results(self, survey_id: str, campaign_id: str | None = None) -> SurveyResults:
        """The survey's results, of every response or of one campaign's.

        Raises
        ------
        NotFound
            When there is no such survey.
        """
        survey = self.get(survey_id)
        item = self._table.get(results_key(survey_id, campaign_id)) or {}
        questions = [
            QuestionResults(
                question_id=q.id,
                kind=q.kind,
                counts=_counts(item, q.kind, q.id, [c.key for c in q.choices]),
                answered=int(item.get(f"answered#{q.id}", 0)),
            )
            for q in survey.questions
        ]
        return SurveyResults(
            survey_id=survey_id,
            campaign_id=campaign_id,
            responses=int(item.get("responses", 0)),
            questions=questions,
            sentiment={label: int(item.get(f"sentiment#{label}", 0)) for label in SentimentLabel},
            sentiment_methods={
                method: int(item.get(f"method#{method}", 0)) for method in ("comprehend", "lexicon")
            },
        )

    def _count(self, response: SurveyResponse, survey: Survey, campaign_id: str | None) -> Update:
        counters = ["responses"]
        for answer in response.answers:
            question = survey.question(answer.question_id)
            if question is None:
                continue
            counters.append(f"answered#{question.id}")
            if answer.rating is not None:
                counters.append(f"rating#{question.id}#{answer.rating}")
            elif answer.choice is not None:
                counters.append(f"choice#{question.id}#{answer.choice}")
        if response.sentiment is not None:
            counters.append(f"sentiment#{response.sentiment.label}")
            counters.append(f"method#{response.sentiment.method}")
        names = {f"#c{i}": name for i, name in enumerate(counters)}
        return Update(
            key=results_key(response.survey_id, campaign_id),
            expression="SET #type = :type ADD " + ", ".join(f"{n} :one" for n in names),
            condition="attribute_not_exists(PK) OR #type = :type",
            names={**names, "#type": "type"},
            values={":one": 1, ":type": "survey_results"},
        )

    def _response_item(
        self, response: SurveyResponse, survey: Survey, facets: Mapping[str, str | None]
    ) -> Item:
        rating_question = survey.first_rating()
        rating = next(
            (
                a.rating
                for a in response.answers
                if rating_question is not None and a.question_id == rating_question.id
            ),
            None,
        )
        item: Item = {
            **response_key(response.survey_id, response.citizen_id, response.invitation),
            "type": "survey_answer",
            **response.model_dump(mode="json", exclude_none=True, exclude={"sentiment", "answers"}),
            "answers": [
                a.model_dump(mode="json", exclude_none=True)
                for a in response.answers
                if a.text is None
            ],
            "texts": len([a for a in response.answers if a.text is not None]) or None,
            "purpose": survey.purpose,
            "rating": rating,
            "answered_on": response.at.astimezone(self._zone).date().isoformat(),
            "district_code": facets.get("district_code"),
            "neighbourhood_code": facets.get("neighbourhood_code"),
            "theme_code": facets.get("theme_code"),
            "input_channel": facets.get("input_channel"),
        }
        if response.sentiment is not None:
            item["sentiment"] = response.sentiment.label.value
            item["sentiment_score"] = response.sentiment.score
            item["sentiment_method"] = response.sentiment.method
        return {k: v for k, v in item.items() if v is not None}

    @staticmethod
    def _link_item(response: SurveyResponse) -> Item:
        return {
            **response_link_key(response.survey_id, response.citizen_id, response.invitation),
            "type": "survey_response_link",
            "survey_id": response.survey_id,
            "invitation": response.invitation,
            "at": response.at.isoformat(),
        }

    @staticmethod
    def _texts_item(response: SurveyResponse, texts: Mapping[str, str]) -> Item:
        return {
            **texts_key(response.survey_id, response.citizen_id, response.invitation),
            "type": "survey_text",
            "citizen_id": response.citizen_id,
            "response_id": response.id,
            "texts": dict(texts),
        }

    @staticmethod
    def _item(survey: Survey) -> Item:
        return {
            **survey_key(survey.id),
            "type": "survey",
            **survey.model_dump(mode="json", exclude_none=True),
        }

    @staticmethod
    def _version_item(survey: Survey) -> Item:
        return {
            **version_key(survey.id, survey.version),
            "type": "survey_version",
            **survey.model_dump(mode="json", exclude_none=True),
        }


def _survey(item: Item) -> Survey:
    return Survey.model_validate({k: v for k, v in item.items() if k in Survey.model_fields})


def _counts(item: Item, kind: QuestionKind, question_id: str, keys: list[str]) -> dict[str, int]:
    if kind is QuestionKind.RATING:
        return {str(n): int(item.get(f"rating#{question_id}#{n}", 0)) for n in range(1, 6)}
    if kind is QuestionKind.CHOICE:
        return {key: int(item.get(f"choice#{question_id}#{key}", 0)) for key in keys}
    return {}
