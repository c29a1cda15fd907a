"""A word-list sentiment scorer for Catalan, Spanish and English.

A text is folded (lower case, accents stripped, ``l·l`` as ``ll``), split into clauses
at punctuation and into words. Each word of the language's lists adds its weight to
the positive or negative side; a negator (``no``, ``not``, ``ni``, ``mai``, ``sin``…)
turns the tone of the next three words of its clause, an intensifier (``molt``,
``muy``, ``very``) makes the next tone word weigh half as much again, and the words
after a turn (``però``, ``but``) weigh half as much again too. The two sides then
decide the label: neither is neutral, both close to each other is mixed.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from finestra.domain.survey import SentimentLabel, SentimentScore
from finestra.domain.vocabulary import Language
from finestra.sentiment.lexicon_words import (
    INTENSIFIERS,
    NEGATIVE,
    NEGATORS,
    POSITIVE,
    STRONG,
    TURNS,
)

__all__ = ["LexiconScorer", "fold"]

NEGATION_SCOPE: Final = 3
"""How many words after a negator have their tone turned."""

MIXED_RATIO: Final = 0.5
"""The weaker side's share of the stronger one from which a text is mixed."""

_BOOST: Final = 1.5
_STRONG_WEIGHT: Final = 2.0
_NEUTRAL_CONFIDENCE: Final = 0.6
_CLAUSE: Final = re.compile(r"[.,;:!?¡¿()\n]+")
_WORD: Final = re.compile(r"[a-z0-9]+")
_GEMINATE_L: Final = re.compile(r"l[\u00b7\u2027\u22c5.]l")


def fold(text: str) -> str:
    """``text`` in lower case, without accents, with ``l·l`` as ``ll`` and ``n't`` as ``not``."""
    lowered = text.casefold().replace("\u2019", "'").replace("n't", " not")
    lowered = _GEMINATE_L.sub("ll", lowered)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class _Words:
    exact: frozenset[str]
    stems: tuple[str, ...]

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (
            word in self.exact or any(word.startswith(stem) for stem in self.stems)
        )


def _words(listed: frozenset[str]) -> _Words:
    return _Words(
        exact=frozenset(w for w in listed if not w.endswith("*")),
        stems=tuple(w[:-1] for w in listed if w.endswith("*")),
    )


def _union(lists: dict[Language, frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*lists.values())


_STRONG_WORDS: Final = _words(STRONG)


class LexiconScorer:
    """Scores a text's tone with the city's own word lists; it reads ca, es and en."""

    method: Final = "lexicon"

    def __init__(self) -> None:
        self._positive = {language: _words(words) for language, words in POSITIVE.items()}
        self._negative = {language: _words(words) for language, words in NEGATIVE.items()}
        self._any_positive = _words(_union(POSITIVE))
        self._any_negative = _words(_union(NEGATIVE))

    def score(self, text: str, language: Language | None) -> SentimentScore:
        """The tone of ``text``, read with the lists of ``language`` (all three when ``None``).

        Parameters
        ----------
        text
            Any text; words the lists lack count for nothing.
        language
            The text's language, when known.

        Returns
        -------
        SentimentScore
            The label, the confidence in it, and ``method="lexicon"``.
        """
        positive, negative = self._sides(fold(text), language)
        return SentimentScore(
            label=_label(positive, negative),
            score=_confidence(positive, negative),
            method="lexicon",
            language=language or Language.CA,
        )

    def _sides(self, folded: str, language: Language | None) -> tuple[float, float]:
        good = self._positive[language] if language else self._any_positive
        bad = self._negative[language] if language else self._any_negative
        positive = negative = 0.0
        for clause in _CLAUSE.split(folded):
            for word, turned, weight in _weighed(_WORD.findall(clause)):
                tone = 1 if word in good else -1 if word in bad else 0
                if turned:
                    tone = -tone
                if tone > 0:
                    positive += weight
                elif tone < 0:
                    negative += weight
        return positive, negative


def _weighed(words: list[str]) -> Iterator[tuple[str, bool, float]]:
    """Each word, whether a negator turns it, and what it would weigh as a tone word."""
    negated_until = -1
    boost = after_turn = 1.0
    for index, word in enumerate(words):
        if word in NEGATORS:
            negated_until = index + NEGATION_SCOPE
            continue
        if word in INTENSIFIERS:
            boost = _BOOST
            continue
        if word in TURNS:
            after_turn = _BOOST
            continue
        weight = (_STRONG_WEIGHT if word in _STRONG_WORDS else 1.0) * boost * after_turn
        yield word, index <= negated_until, weight
        boost = 1.0


def _label(positive: float, negative: float) -> SentimentLabel:
    if positive == negative == 0:
        return SentimentLabel.NEUTRAL
    weaker, stronger = sorted((positive, negative))
    if weaker > 0 and weaker >= MIXED_RATIO * stronger:
        return SentimentLabel.MIXED
    return SentimentLabel.POSITIVE if positive > negative else SentimentLabel.NEGATIVE


def _confidence(positive: float, negative: float) -> float:
    total = positive + negative
    if total == 0:
        return _NEUTRAL_CONFIDENCE
    return round(0.5 + 0.5 * abs(positive - negative) / total, 4)
