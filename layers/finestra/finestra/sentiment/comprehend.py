"""Sentiment from Amazon Comprehend, with the city's lexicon where Comprehend cannot read.

Comprehend's ``DetectSentiment`` reads Spanish and English but not Catalan, so a
Catalan text (or one of unknown language) is scored by the lexicon, and its score says
``method="lexicon"``; so is a text Comprehend refuses as too long or unsupported.
"""

from typing import Any, Final

from finestra.domain.survey import SentimentLabel, SentimentScore
from finestra.domain.vocabulary import Language
from finestra.sentiment.lexicon import LexiconScorer

__all__ = ["COMPREHEND_LANGUAGES", "ComprehendScorer"]

COMPREHEND_LANGUAGES: Final = frozenset({Language.ES, Language.EN})
"""The city's languages ``DetectSentiment`` reads."""

MAX_TEXT_BYTES: Final = 5000
"""The most UTF-8 bytes ``DetectSentiment`` takes."""

_SCORE_KEYS: Final = {
    SentimentLabel.POSITIVE: "Positive",
    SentimentLabel.NEGATIVE: "Negative",
    SentimentLabel.NEUTRAL: "Neutral",
    SentimentLabel.MIXED: "Mixed",
}


def _within_limit(text: str) -> str:
    return text.encode("utf-8")[:MAX_TEXT_BYTES].decode("utf-8", errors="ignore")


class ComprehendScorer:
    """Scores with Amazon Comprehend where it reads the language, else with the lexicon.

    Parameters
    ----------
    client
        A Comprehend client.
    fallback
        The scorer for what Comprehend cannot read.
    """

    def __init__(self, client: Any, fallback: LexiconScorer | None = None) -> None:
        self._client = client
        self._fallback = fallback or LexiconScorer()

    def score(self, text: str, language: Language | None) -> SentimentScore:
        """The tone of ``text``, from Comprehend for es and en, from the lexicon otherwise.

        Raises
        ------
        botocore.exceptions.ClientError
            When Comprehend fails for a reason other than the text (throttling, access).
        """
        if language not in COMPREHEND_LANGUAGES:
            return self._fallback.score(text, language)
        try:
            response = self._client.detect_sentiment(
                Text=_within_limit(text), LanguageCode=language.value
            )
        except (
            self._client.exceptions.UnsupportedLanguageException,
            self._client.exceptions.TextSizeLimitExceededException,
        ):
            return self._fallback.score(text, language)
        label = SentimentLabel(response["Sentiment"])
        confidence = float(response["SentimentScore"].get(_SCORE_KEYS[label], 0.0))
        return SentimentScore(
            label=label,
            score=min(max(confidence, 0.0), 1.0),
            method="comprehend",
            language=language,
        )
