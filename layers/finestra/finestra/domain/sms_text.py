"""What an SMS costs: its encoding, its length and its segments, and wording it for GSM-7.

An SMS is sent in GSM-7 (the GSM 03.38 default alphabet, seven bits a character) when
every character is in that alphabet or its extension table, and in UCS-2 otherwise. One
character outside GSM-7 turns the whole message into UCS-2, which fits 70 characters in
a segment instead of 160; most Catalan and Spanish text meets one (á, í, ó, ú, ç, ï, ·).
"""

import re
import unicodedata
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The 127 characters of the GSM 03.38 default alphabet (the escape code is not one)."""

GSM7_EXTENSION: Final = frozenset("\f^{}\\[~]|€")
"""The extension table: each of these is sent as the escape code and itself, two septets."""

GSM7_SINGLE_SEGMENT: Final = 160
GSM7_PER_PART: Final = 153
UCS2_SINGLE_SEGMENT: Final = 70
UCS2_PER_PART: Final = 67

# Letters and signs common in Catalan and Spanish text that GSM-7 lacks, and the closest
# form it has. What is not here is decomposed and stripped of its accents when that gives
# GSM-7, and kept as it is otherwise.
_CLOSEST: Final = {
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "ç": "c",
    "ï": "i",
    "â": "a",
    "ê": "e",
    "î": "i",
    "ô": "o",
    "û": "u",
    "ë": "e",
    "Á": "A",
    "À": "A",
    "È": "E",
    "Í": "I",
    "Ì": "I",
    "Ï": "I",
    "Ó": "O",
    "Ò": "O",
    "Ú": "U",
    "Ù": "U",
    "ŀ": "l",
    "Ŀ": "L",
    "º": "o",
    "ª": "a",
    "·": ".",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "`": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "«": '"',
    "»": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
}
_GEMINATE_L: Final = re.compile(r"(?<=[lL])[\u00b7\u2027\u22c5\u2022](?=[lL])")
"""The middle dot of Catalan's l·l, and the look-alikes people type for it."""


class SmsCost(BaseModel):
    """How a text would travel as an SMS.

    ``characters`` counts septets for GSM-7 (an extension character is two) and UTF-16
    code units for UCS-2 (a character beyond the basic plane, such as an emoji, is two).
    """

    model_config = ConfigDict(frozen=True)

    encoding: Encoding
    characters: int = Field(ge=0)
    segments: int = Field(ge=0)


def encoding_of(text: str) -> Encoding:
    """Tell which encoding an SMS of ``text`` is sent in.

    Parameters
    ----------
    text
        The whole message.

    Returns
    -------
    Encoding
        ``"GSM-7"`` when every character is in the default alphabet or its extension
        table, ``"UCS-2"`` otherwise.
    """
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return "GSM-7"
    return "UCS-2"


def segments(text: str) -> SmsCost:
    """Count what sending ``text`` as one SMS costs.

    A message that fits one segment (160 septets in GSM-7, 70 UCS-2 characters) is sent
    whole; a longer one is split into parts of 153 septets or 67 characters, the rest of
    each part carrying the header that joins them. A part never ends inside an extension
    character's escape pair or a UTF-16 surrogate pair, so a long message may need one
    part more than a plain division says.

    Parameters
    ----------
    text
        The whole message.

    Returns
    -------
    SmsCost
        The encoding, the length in septets (GSM-7) or UTF-16 code units (UCS-2), and
        the number of segments; an empty text costs no segment.
    """
    encoding = encoding_of(text)
    if encoding == "GSM-7":
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        single, per_part = GSM7_SINGLE_SEGMENT, GSM7_PER_PART
    else:
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, per_part = UCS2_SINGLE_SEGMENT, UCS2_PER_PART
    characters = sum(sizes)
    if characters <= single:
        return SmsCost(encoding=encoding, characters=characters, segments=1 if sizes else 0)
    return SmsCost(encoding=encoding, characters=characters, segments=_parts(sizes, per_part))


def _parts(sizes: list[int], per_part: int) -> int:
    parts, room = 1, per_part
    for size in sizes:
        if size > room:
            parts, room = parts + 1, per_part
        room -= size
    return parts


def gsm_safe(text: str) -> str:
    """Reword ``text`` with the closest GSM-7 letters, so it travels at 160 a segment.

    Accented letters GSM-7 lacks lose their accent (``á`` → ``a``, ``ç`` → ``c``; ``é``,
    ``è``, ``à``, ``ò``, ``ñ``, ``ü`` and ``Ç`` are GSM-7 and stay), Catalan's ``l·l``
    becomes ``ll``, ``º``/``ª`` become ``o``/``a``, curly quotes, guillemets and dashes
    become their plain forms and ``…`` three dots. Anything with no close GSM-7 form
    (an emoji, a Chinese character) is kept, so nothing is lost: check the result with
    :func:`encoding_of`.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The text, reworded.
    """
    return "".join(_closest(c) for c in _GEMINATE_L.sub("", text))


def _closest(character: str) -> str:
    if character in GSM7_BASIC or character in GSM7_EXTENSION:
        return character
    if character in _CLOSEST:
        return _CLOSEST[character]
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c)
    )
    if bare and encoding_of(bare) == "GSM-7":
        return bare
    return character
