"""SMS replies that are not messages to the city: an opt-out, or a survey's answer.

The SMS intake asks :class:`SmsReplies` first. An opt-out keyword withdraws the sender's
SMS consent to campaigns and surveys and is confirmed in the citizen's language; the
intake then goes on to record the keyword as before (it also withdraws the service
consent, and remembers an unknown number); an unknown number is confirmed in the
keyword's language. A text that answers the citizen's pending
survey is recorded and thanked for, and goes no further. Anything else goes on to the
intake unchanged.
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Final, Protocol

from pydantic import BaseModel, ConfigDict

from finestra.campaigns.optout import OptOut, is_opt_out
from finestra.channels.sms import OPT_OUT, keyword_of
from finestra.domain.citizen import Citizen, ContactPoint
from finestra.domain.errors import NotFound
from finestra.domain.sms_text import gsm_safe
from finestra.domain.vocabulary import ConsentPurpose, InputChannel, Language
from finestra.intake.message import IntakeOutcome, IntakeResult
from finestra.surveys.answers import SurveyAnswers
from finestra.surveys.render import sms_thanks
from finestra.surveys.store import AlreadyAnswered

__all__ = ["OPT_OUT_CONFIRMATION", "ReplyAction", "SmsReplies"]

OPT_OUT_CONFIRMATION: Final = {
    Language.CA: "Ajuntament: no rebras mes SMS de campanyes ni enquestes. ALTA per tornar-ne "
    "a rebre.",
    Language.ES: "Ayuntamiento: no recibiras mas SMS de campanas ni encuestas. ALTA para volver "
    "a recibirlos.",
    Language.EN: "City council: you will get no more campaign or survey SMS. START to get them "
    "again.",
}
"""Opt-out confirmations, in GSM-7 so each is one segment."""

_WITHDRAWN: Final = (ConsentPurpose.CAMPAIGNS, ConsentPurpose.SURVEYS)


class Reply(Protocol):
    """Sends one SMS back to the citizen."""

    def __call__(self, text: str) -> str:
        """Send ``text`` and return the provider's message id."""
        ...


class ReplyAction(BaseModel):
    """What the replies did with an SMS; ``result`` set when the intake should stop."""

    model_config = ConfigDict(frozen=True)

    handled: str
    result: IntakeResult | None = None


class SmsReplies:
    """Recognises opt-outs and survey answers in SMS, before the intake sees them.

    Parameters
    ----------
    answers
        Records survey answers.
    opt_out
        Withdraws consents.
    find_citizen
        The citizen a contact point belongs to, if the city knows it.
    """

    def __init__(
        self,
        answers: SurveyAnswers,
        opt_out: OptOut,
        find_citizen: Callable[[ContactPoint], Citizen | None],
    ) -> None:
        self._answers = answers
        self._opt_out = opt_out
        self._find_citizen = find_citizen

    def handle(self, point: ContactPoint, text: str, reply: Reply) -> ReplyAction | None:
        """Act on an SMS if it is an opt-out or a survey answer.

        Parameters
        ----------
        point
            The sender's phone number.
        text
            The SMS body.
        reply
            Sends an SMS back to the sender.

        Returns
        -------
        ReplyAction | None
            ``None`` when the SMS is neither; an action whose ``result`` is ``None`` when
            the intake should still go on (an opt-out), and set when it should stop.
        """
        if is_opt_out(text):
            return self._withdraw(point, text, reply)
        citizen = self._find_citizen(point)
        if citizen is None:
            return None
        try:
            response = self._answers.answer_sms(citizen, text)
        except AlreadyAnswered:
            return ReplyAction(
                handled="survey_already_answered",
                result=IntakeResult(outcome=IntakeOutcome.SURVEY_ANSWERED, citizen_id=citizen.id),
            )
        if response is None:
            return None
        reply(sms_thanks(citizen.language))
        return ReplyAction(
            handled="survey_answered",
            result=IntakeResult(outcome=IntakeOutcome.SURVEY_ANSWERED, citizen_id=citizen.id),
        )

    def _withdraw(self, point: ContactPoint, text: str, reply: Reply) -> ReplyAction:
        citizen = self._find_citizen(point)
        language = OPT_OUT.get(keyword_of(text) or "", Language.CA)
        if citizen is not None:
            language = citizen.language
            with suppress(NotFound):
                self._opt_out.withdraw(citizen.id, "sms", _WITHDRAWN, InputChannel.SMS)
        reply(gsm_safe(OPT_OUT_CONFIRMATION[language]))
        return ReplyAction(handled="opted_out")
