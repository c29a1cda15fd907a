"""A small guess of a message's language among the city's three, by common words."""

import re

from finestra.domain.vocabulary import Language

_COMMON = {
    Language.CA: frozenset(
        {
            "el",
            "els",
            "la",
            "les",
            "de",
            "del",
            "dels",
            "i",
            "amb",
            "per",
            "que",
            "no",
            "és",
            "una",
            "un",
            "al",
            "als",
            "hi",
            "ha",
            "fa",
            "des",
            "carrer",
            "bon",
            "dia",
            "gràcies",
            "si",
            "us",
            "plau",
            "nit",
            "nits",
            "queda",
            "està",
            "tinc",
            "molt",
            "aquest",
            "aquesta",
        }
    ),
    Language.ES: frozenset(
        {
            "el",
            "los",
            "la",
            "las",
            "de",
            "del",
            "y",
            "con",
            "por",
            "para",
            "que",
            "no",
            "es",
            "una",
            "un",
            "al",
            "hay",
            "hace",
            "desde",
            "calle",
            "buenos",
            "días",
            "gracias",
            "favor",
            "noche",
            "noches",
            "queda",
            "está",
            "tengo",
            "muy",
            "este",
            "esta",
        }
    ),
    Language.EN: frozenset(
        {
            "the",
            "a",
            "an",
            "of",
            "and",
            "with",
            "for",
            "to",
            "that",
            "not",
            "is",
            "it",
            "there",
            "has",
            "been",
            "since",
            "street",
            "good",
            "morning",
            "thanks",
            "please",
            "night",
            "nights",
            "are",
            "have",
            "very",
            "this",
        }
    ),
}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def guess_language(text: str) -> Language | None:
    """The city language whose common words ``text`` uses most; ``None`` if unclear."""
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in common for w in words) for lang, common in _COMMON.items()}
    ranked = sorted(scores.items(), key=lambda pair: pair[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 2 or top == second:
        return None
    return best
