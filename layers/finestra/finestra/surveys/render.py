"""How a survey reads in an SMS: its first question and how to answer it.

The prompt is worded with :func:`finestra.domain.sms_text.gsm_safe`, so it travels in
GSM-7 at 160 characters a segment whenever the question's own text allows it.
"""

from typing import Final

from finestra.domain.sms_text import gsm_safe
from finestra.domain.survey import Question, QuestionKind, Survey
from finestra.domain.vocabulary import Language

__all__ = ["answer_hint", "sms_prompt", "sms_thanks"]

_RATING_HINT: Final = {
    Language.CA: "Respon amb un número de l'1 al 5.",
    Language.ES: "Responde con un número del 1 al 5.",
    Language.EN: "Reply with a number from 1 to 5.",
}
_CHOICE_HINT: Final = {
    Language.CA: "Respon amb",
    Language.ES: "Responde con",
    Language.EN: "Reply with",
}
_OR: Final = {Language.CA: "o", Language.ES: "o", Language.EN: "or"}
_TEXT_HINT: Final = {
    Language.CA: "Respon a aquest missatge amb la teva opinió.",
    Language.ES: "Responde a este mensaje con tu opinión.",
    Language.EN: "Reply to this message with your opinion.",
}
_THANKS: Final = {
    Language.CA: "Gràcies per la teva resposta.",
    Language.ES: "Gracias por tu respuesta.",
    Language.EN: "Thank you for your answer.",
}


def answer_hint(question: Question, language: Language) -> str:
    """How to answer ``question`` by SMS, in ``language``.

    A rating asks for a digit, a choice lists each option's keyword with its label
    (``SI (Sí), NO (No)``), and free text asks for a reply in the citizen's own words.
    """
    if question.kind is QuestionKind.RATING:
        return _RATING_HINT[language]
    if question.kind is QuestionKind.TEXT:
        return _TEXT_HINT[language]
    options = [
        f"{c.keyword.get(language, c.keyword[Language.CA])} "
        f"({c.label.get(language, c.label[Language.CA])})"
        for c in question.choices
    ]
    listed = ", ".join(options[:-1]) + f" {_OR[language]} {options[-1]}"
    return f"{_CHOICE_HINT[language]} {listed}."


def sms_prompt(survey: Survey, language: Language) -> str:
    """The SMS text that asks ``survey``'s first question, in ``language``, GSM-7-friendly.

    Parameters
    ----------
    survey
        The survey; only its first question is asked by SMS.
    language
        The citizen's language; a question without that wording falls back to Catalan.

    Returns
    -------
    str
        The question, then how to answer it.
    """
    question = survey.questions[0]
    return gsm_safe(f"{question.worded(language)} {answer_hint(question, language)}")


def sms_thanks(language: Language) -> str:
    """The SMS that thanks a citizen for an answer, in ``language``."""
    return gsm_safe(_THANKS[language])
