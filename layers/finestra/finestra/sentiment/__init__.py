"""The tone of what citizens write: free-text answers and social posts.

:class:`Scorer` is what callers use; :func:`scorer_for` picks Amazon Comprehend in AWS
(with the lexicon for Catalan, which Comprehend does not read) or the lexicon alone,
as the settings say. Every score names the method that made it.
"""

from typing import Any, Literal, Protocol

from finestra.domain.survey import SentimentLabel, SentimentScore
from finestra.domain.vocabulary import Language
from finestra.sentiment.comprehend import ComprehendScorer
from finestra.sentiment.lexicon import LexiconScorer

__all__ = [
    "ComprehendScorer",
    "LexiconScorer",
    "Scorer",
    "ScorerName",
    "SentimentLabel",
    "SentimentScore",
    "scorer_for",
]

ScorerName = Literal["comprehend", "lexicon"]


class Scorer(Protocol):
    """Judges the tone of a text."""

    def score(self, text: str, language: Language | None) -> SentimentScore:
        """The tone of ``text`` written in ``language`` (``None``: not known)."""
        ...


def scorer_for(name: ScorerName, comprehend_client: Any | None = None) -> Scorer:
    """The scorer the settings name: ``comprehend`` needs a Comprehend client."""
    if name == "comprehend":
        if comprehend_client is None:
            raise ValueError("the comprehend scorer needs a Comprehend client")
        return ComprehendScorer(comprehend_client)
    return LexiconScorer()
