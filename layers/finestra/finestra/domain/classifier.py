"""Which theme a citizen's free text is about, by the catalogue's keywords.

Text and keywords are folded the same way (lower case, no accents, Catalan's ``l·l`` as
``ll``) and cut into words, so a keyword matches whole words and whole phrases only. A
word of five letters or more that is one slip (a letter missing, added, changed or two
swapped) from a keyword's word is read as that word, so ``contenedro`` still finds
``contenedor``.

Each theme scores the phrases it lists that the text holds: together, or in order with
up to :data:`MAX_GAP` other words between two of them (``farola del carrer apagada``
holds ``farola apagada``). Where phrases overlap, the longer one counts and the shorter
is not counted again, so ``contenidor trencat`` is a broken container and not also a
full one. A phrase counts by its words (an article or a preposition a quarter of one,
and a phrase at least one), more in the message's own language than in another, and
less when found apart or read through a slip.

The ``general.*`` themes (thanks, suggestions, enquiries, …) count only when no other
theme matches, and ``general.unclassified``, the theme of what could not be classified,
is never the answer. The confidence grows with the best theme's score and with its
margin over the second; below :data:`LOW_CONFIDENCE` a caller sends the text to triage.
"""

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.catalogue import Catalogue
from finestra.domain.language import guess_language
from finestra.domain.vocabulary import Language

LOW_CONFIDENCE: Final = 0.6
"""Below this confidence a classification is a guess: the request goes to triage."""

GENERAL_PREFIX: Final = "general."
UNCLASSIFIED: Final = "general.unclassified"

OWN_LANGUAGE_WEIGHT: Final = 1.0
OTHER_LANGUAGE_WEIGHT: Final = 0.6
SLIP_WEIGHT: Final = 0.8
GAPPED_WEIGHT: Final = 0.75
MAX_GAP: Final = 5
"""How many other words may stand between two words of a phrase found apart."""
# Support is score / (score + _HALF_SUPPORT): a half at this score, two thirds for one
# word in the message's own language, four fifths for two.
_HALF_SUPPORT: Final = 0.5
_SLIP_MIN_LENGTH: Final = 5

FUNCTION_WORD_WEIGHT: Final = 0.25
"""What an article, a preposition or the like adds to a phrase; any other word adds one."""

FUNCTION_WORDS: Final = frozenset(
    {
        # Catalan
        *("el", "la", "l", "els", "les", "un", "una", "uns", "unes", "de", "d", "del", "dels"),
        *("a", "al", "als", "en", "amb", "per", "pel", "i", "o", "que", "no", "hi", "ha"),
        *("han", "hem", "he", "ho", "es", "s", "se", "em", "m", "li", "ens", "us", "molt"),
        # Spanish
        *("los", "las", "lo", "unos", "unas", "con", "por", "para", "y", "me", "te", "le"),
        *("nos", "hay", "muy", "mi", "su"),
        # English
        *("the", "an", "of", "to", "in", "on", "at", "for", "with", "and", "or", "is", "are"),
        *("my", "it", "not", "be", "been", "has", "have", "do", "does", "there", "this", "by"),
    }
)
"""Folded words that carry little meaning in a phrase, in any of the three languages."""

_WORD: Final = re.compile(r"[a-z0-9]+")
_MIDDLE_DOT: Final = re.compile(r"(?<=l)[\u00b7\u2027\u22c5.\u2022](?=l)")

Phrase = tuple[str, ...]


class Classification(BaseModel):
    """What the classifier made of a text.

    ``matched`` holds the catalogue's keywords the text matched for the chosen theme, in
    the order the text has them. It is for staff to see why; it repeats the citizen's
    words, so callers never log it.
    """

    model_config = ConfigDict(frozen=True)

    theme_code: str | None
    confidence: float = Field(ge=0.0, le=1.0)
    language: Language | None
    matched: tuple[str, ...]

    @property
    def is_confident(self) -> bool:
        """Whether a theme was found with at least :data:`LOW_CONFIDENCE`."""
        return self.theme_code is not None and self.confidence >= LOW_CONFIDENCE


def fold(text: str) -> str:
    """Fold text for matching: lower case, accents stripped, ``l·l`` (or ``l.l``) as ``ll``.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The folded text; the words keep their places.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _MIDDLE_DOT.sub("", bare)


def words(text: str) -> tuple[str, ...]:
    """Cut text into folded words; anything but a letter or a digit separates them.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    tuple[str, ...]
        The folded words in order (``"L'àrea de gossos"`` gives ``l``, ``area``, ``de``,
        ``gossos``).
    """
    return tuple(_WORD.findall(fold(text)))


@dataclass(frozen=True)
class _Spelling:
    """How one theme lists one phrase: the keyword as written, per language."""

    keywords: Mapping[Language, str]


@dataclass
class _Index:
    """The phrases of a set of themes, ready to find in a text."""

    phrases: dict[Phrase, dict[str, _Spelling]] = field(default_factory=dict)
    by_first_word: dict[str, list[Phrase]] = field(default_factory=dict)


@dataclass
class _Keywords:
    """The catalogue's keywords, indexed once per catalogue."""

    specific: _Index
    general: _Index
    vocabulary: frozenset[str]
    slips: dict[str, frozenset[str]]


@dataclass(frozen=True)
class _Reading:
    """What one word of the text may stand for: itself, or the keyword words one slip away."""

    words: frozenset[str]
    slipped: bool


@dataclass(frozen=True)
class _Hit:
    """A phrase found in the text: the places of its words, and how it was found."""

    places: tuple[int, ...]
    phrase: Phrase
    slipped: bool

    @property
    def gapped(self) -> bool:
        """Whether other words stand between the phrase's own."""
        return self.places[-1] - self.places[0] + 1 > len(self.places)


def classify(catalogue: Catalogue, text: str, language: Language | None) -> Classification:
    """Find the theme a citizen's free text is about.

    Parameters
    ----------
    catalogue
        The theme catalogue whose keywords are matched.
    text
        The citizen's words (an SMS, a mail's new text, a social post).
    language
        The language the citizen writes in, when known; its keywords weigh more. When
        ``None``, a guess from the text's common words stands in for it.

    Returns
    -------
    Classification
        The best theme, or ``None`` when no keyword matched; the confidence (0 to 1),
        below :data:`LOW_CONFIDENCE` when the text is a guess; the language used; and
        the keywords that matched.

    Notes
    -----
    With ``s`` the best theme's score and ``t`` the second's, the confidence is
    ``s / (s + 0.5) * (1 + (s - t) / s) / 2``: support from the hits, times the margin.
    Two themes tied are at most a half; one keyword in the message's language that no
    other theme lists is two thirds.
    """
    keywords = _keywords_of(catalogue)
    read = _read(words(text), keywords)
    own = language or guess_language(text)
    for index in (keywords.specific, keywords.general):
        hits = _longest_first(_find(read, index))
        scores = _scores(hits, index, own)
        if scores:
            return _decide(hits, scores, index, own)
    return Classification(theme_code=None, confidence=0.0, language=own, matched=())


def _read(found: tuple[str, ...], keywords: _Keywords) -> list[_Reading]:
    """Each word of the text as the keyword words it may stand for."""
    read: list[_Reading] = []
    for word in found:
        if word in keywords.vocabulary or len(word) < _SLIP_MIN_LENGTH:
            read.append(_Reading(frozenset({word}), slipped=False))
            continue
        candidates = {c for key in _deletions(word) for c in keywords.slips.get(key, ())}
        near = frozenset(c for c in candidates if _one_slip_apart(word, c))
        read.append(_Reading(near, slipped=True) if near else _Reading(frozenset({word}), False))
    return read


def _find(read: list[_Reading], index: _Index) -> Iterator[_Hit]:
    for start, reading in enumerate(read):
        for word in sorted(reading.words):
            for phrase in index.by_first_word.get(word, ()):
                places = _places(read, start, phrase)
                if places is not None:
                    yield _Hit(places, phrase, any(read[p].slipped for p in places))


def _places(read: list[_Reading], start: int, phrase: Phrase) -> tuple[int, ...] | None:
    """Where the phrase's words are, in order from ``start``: together, or a few apart."""
    together = read[start : start + len(phrase)]
    if len(together) == len(phrase) and all(
        wanted in reading.words for wanted, reading in zip(phrase, together, strict=True)
    ):
        return tuple(range(start, start + len(phrase)))
    places = [start]
    for wanted in phrase[1:]:
        after = places[-1] + 1
        window = read[after : after + MAX_GAP + 1]
        offset = next((i for i, r in enumerate(window) if wanted in r.words), None)
        if offset is None:
            return None
        places.append(after + offset)
    return tuple(places)


def _longest_first(hits: Iterator[_Hit]) -> list[_Hit]:
    """The hits that no longer hit overlaps, in the order of the text."""
    kept: list[_Hit] = []
    taken: set[int] = set()
    for hit in sorted(hits, key=lambda h: (-len(h.phrase), h.gapped, h.slipped, h.places)):
        if taken.isdisjoint(hit.places):
            kept.append(hit)
            taken.update(hit.places)
    return sorted(kept, key=lambda h: h.places)


def _scores(hits: list[_Hit], index: _Index, own: Language | None) -> dict[str, float]:
    """Each theme's score: the best weight of each distinct phrase it lists, added up."""
    best: dict[str, dict[Phrase, float]] = defaultdict(dict)
    for hit in hits:
        for code, spelling in index.phrases[hit.phrase].items():
            weight = _phrase_weight(hit.phrase) * _language_weight(spelling, own)
            if hit.slipped:
                weight *= SLIP_WEIGHT
            if hit.gapped:
                weight *= GAPPED_WEIGHT
            phrases = best[code]
            phrases[hit.phrase] = max(weight, phrases.get(hit.phrase, 0.0))
    return {code: sum(phrases.values()) for code, phrases in best.items()}


def _phrase_weight(phrase: Phrase) -> float:
    function = sum(word in FUNCTION_WORDS for word in phrase)
    return max(1.0, len(phrase) - function + FUNCTION_WORD_WEIGHT * function)


def _language_weight(spelling: _Spelling, own: Language | None) -> float:
    if own is None or own in spelling.keywords:
        return OWN_LANGUAGE_WEIGHT
    return OTHER_LANGUAGE_WEIGHT


def _decide(
    hits: list[_Hit], scores: dict[str, float], index: _Index, own: Language | None
) -> Classification:
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    code, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    support = top / (top + _HALF_SUPPORT)
    margin = (top - second) / top
    confidence = support * (0.5 + 0.5 * margin)
    matched: list[str] = []
    languages: dict[Language, float] = defaultdict(float)
    for hit in hits:
        spelling = index.phrases[hit.phrase].get(code)
        if spelling is None:
            continue
        written = spelling.keywords.get(own) if own else None
        matched.append(written or next(iter(spelling.keywords.values())))
        for language in spelling.keywords:
            languages[language] += len(hit.phrase)
    return Classification(
        theme_code=code,
        confidence=round(min(1.0, max(0.0, confidence)), 3),
        language=own or _clear_leader(languages),
        matched=tuple(dict.fromkeys(matched)),
    )


def _clear_leader(weights: dict[Language, float]) -> Language | None:
    ranked = sorted(weights.items(), key=lambda pair: -pair[1])
    if not ranked or (len(ranked) > 1 and math.isclose(ranked[0][1], ranked[1][1])):
        return None
    return ranked[0][0]


def _deletions(word: str) -> set[str]:
    """The word and every word one letter shorter: two words one slip apart share one."""
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


def _one_slip_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion, substitution or swap of neighbours turns a into b."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        i, j = differ[0], differ[-1]
        return len(differ) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


# The catalogue is loaded once per process and never changes, so its index is kept by
# the catalogue's identity; another catalogue (a test's own) takes the one place.
_INDEXED: dict[int, tuple[Catalogue, _Keywords]] = {}


def _keywords_of(catalogue: Catalogue) -> _Keywords:
    kept = _INDEXED.get(id(catalogue))
    if kept is not None and kept[0] is catalogue:
        return kept[1]
    keywords = _index(catalogue)
    _INDEXED.clear()
    _INDEXED[id(catalogue)] = (catalogue, keywords)
    return keywords


def _index(catalogue: Catalogue) -> _Keywords:
    specific: dict[Phrase, dict[str, dict[Language, str]]] = defaultdict(dict)
    general: dict[Phrase, dict[str, dict[Language, str]]] = defaultdict(dict)
    for theme in catalogue.themes:
        if theme.code == UNCLASSIFIED:
            continue
        target = general if theme.code.startswith(GENERAL_PREFIX) else specific
        for language, listed in theme.keywords.items():
            for keyword in listed:
                phrase = words(keyword)
                if phrase:
                    target[phrase].setdefault(theme.code, {}).setdefault(language, keyword)
    vocabulary = frozenset(w for phrases in (specific, general) for p in phrases for w in p)
    slips: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        if len(word) >= _SLIP_MIN_LENGTH:
            for key in _deletions(word):
                slips[key].add(word)
    return _Keywords(
        specific=_built(specific),
        general=_built(general),
        vocabulary=vocabulary,
        slips={key: frozenset(found) for key, found in slips.items()},
    )


def _built(phrases: Mapping[Phrase, Mapping[str, Mapping[Language, str]]]) -> _Index:
    index = _Index()
    for phrase, themes in phrases.items():
        index.phrases[phrase] = {code: _Spelling(dict(listed)) for code, listed in themes.items()}
        index.by_first_word.setdefault(phrase[0], []).append(phrase)
    return index
