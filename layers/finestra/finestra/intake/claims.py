"""The words that make a citizen's message a claim against an ended request.

``claim_keywords.json`` in the configuration folder lists, per language, the words a
claim starts with (or consists of): ``"Reclamació: encara no funciona"`` is a claim,
``"reclamo"`` alone too. Words are compared without accents and case, so ``RECLAMACION``
is ``reclamación``. A word may belong to several languages (``reclamo``: Catalan and
Spanish); the claim then keeps the language of the request it claims against.
"""

import json
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from finestra.domain.vocabulary import Language

CLAIM_KEYWORDS_FILE: Final = "claim_keywords.json"

_FIRST_WORD: Final = re.compile(r"[\W_]*([^\W\d_]+)")
"""The first word, after any spaces and punctuation (``¡Reclamación!``)."""

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]


def fold(text: str) -> str:
    """``text`` in lower case without accents: ``Reclamació`` is ``reclamacio``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class ClaimKeywords(BaseModel):
    """Per language, the words a claim starts with or consists of."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: dict[Language, tuple[Keyword, ...]] = Field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> "ClaimKeywords":
        """The keywords of ``claim_keywords.json`` in ``folder``; none when it is absent.

        Raises
        ------
        ValueError
            When the file is not JSON or breaks the model's rules.
        """
        path = folder / CLAIM_KEYWORDS_FILE
        if not path.exists():
            return cls()
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def languages_of(self, text: str) -> frozenset[Language]:
        """The languages whose keyword ``text`` starts with; empty when it is no claim."""
        first = _FIRST_WORD.match(text)
        if first is None:
            return frozenset()
        word = fold(first.group(1))
        return frozenset(
            language
            for language, words in self.keywords.items()
            if any(fold(keyword) == word for keyword in words)
        )
