"""What must hold of an SMS's encoding, its segments, and rewording text for GSM-7."""

import pytest

from finestra.domain.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsCost,
    encoding_of,
    gsm_safe,
    segments,
)

EMOJI = "\N{SMILING FACE WITH SMILING EYES}"


def test_the_gsm_tables_are_those_of_gsm_03_38() -> None:
    # given the default alphabet and the extension table

    # then the alphabet has its 127 characters (the 128th code is the escape) and the
    # extension its ten, with the accented letters Catalan and Spanish text may use
    assert len(GSM7_BASIC) == 127
    assert set("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert set("àèéìòùÇÑñüÜÄÖäöåÅÆæßØøÉ") <= GSM7_BASIC
    assert set("áíóúçïâêÁÍÓÚÀÈÒ·ºª") & GSM7_BASIC == set()
    assert GSM7_BASIC.isdisjoint(GSM7_EXTENSION)


@pytest.mark.parametrize(
    "text",
    [
        "Hi ha un forat a la vorera",
        "Què és això? L'església, l'avinguda, però",
        "El niño pequeño, la cigüeña, ÑU, É, Ç, Ü, Ä, Ö, Å, Æ, Ø, ß",
        "Preu: 10€ [aprox.] {a} ~b | c ^ d \\ e",
        "@£$¥ ¡Hola! ¿Qué? §1",
    ],
)
def test_text_in_the_default_alphabet_and_its_extension_is_gsm_7(text: str) -> None:
    # given text made only of GSM-7 characters

    # when its encoding is asked for
    # then it is GSM-7
    assert encoding_of(text) == "GSM-7"


@pytest.mark.parametrize(
    "text",
    [
        "informació",
        "sol·licitud",
        "plaça",
        "veïns",
        "está",
        "camión",
        "menú",
        "Raúl",
        "nº 3",
        "“cometes”",
        f"gràcies {EMOJI}",
    ],
)
def test_one_letter_outside_gsm_7_makes_the_whole_text_ucs_2(text: str) -> None:
    # given text with one character GSM-7 lacks

    # when its encoding is asked for
    # then it is UCS-2
    assert encoding_of(text) == "UCS-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsCost(encoding="GSM-7", characters=0, segments=0)),
        ("a", SmsCost(encoding="GSM-7", characters=1, segments=1)),
        ("a" * 160, SmsCost(encoding="GSM-7", characters=160, segments=1)),
        ("a" * 161, SmsCost(encoding="GSM-7", characters=161, segments=2)),
        ("a" * 306, SmsCost(encoding="GSM-7", characters=306, segments=2)),
        ("a" * 307, SmsCost(encoding="GSM-7", characters=307, segments=3)),
        ("é" * 160, SmsCost(encoding="GSM-7", characters=160, segments=1)),
        ("ó" * 70, SmsCost(encoding="UCS-2", characters=70, segments=1)),
        ("ó" * 71, SmsCost(encoding="UCS-2", characters=71, segments=2)),
        ("ó" * 134, SmsCost(encoding="UCS-2", characters=134, segments=2)),
        ("ó" * 135, SmsCost(encoding="UCS-2", characters=135, segments=3)),
    ],
)
def test_segments_hold_160_septets_or_70_characters_and_153_or_67_when_split(
    text: str, expected: SmsCost
) -> None:
    # given a text at a segment's boundary

    # when its cost is counted
    # then it is exactly as many segments as the boundary says
    assert segments(text) == expected


def test_an_extension_character_takes_two_septets() -> None:
    # given 158 letters and a euro sign, then 159 letters and a euro sign

    # when their costs are counted
    fits = segments("a" * 158 + "€")
    spills = segments("a" * 159 + "€")

    # then the euro counts twice: 160 septets fit one segment, 161 do not
    assert fits == SmsCost(encoding="GSM-7", characters=160, segments=1)
    assert spills == SmsCost(encoding="GSM-7", characters=161, segments=2)


@pytest.mark.parametrize("character", sorted(GSM7_EXTENSION))
def test_every_extension_character_counts_as_two(character: str) -> None:
    # given 80 of one extension character

    # when the cost is counted
    cost = segments(character * 80)

    # then it is 160 septets, one segment, still GSM-7
    assert cost == SmsCost(encoding="GSM-7", characters=160, segments=1)


def test_a_part_never_splits_an_extension_character_s_escape_pair() -> None:
    # given 152 letters, a euro sign and 152 letters: 306 septets, two parts by division,
    # but the euro cannot start in the first part's last septet
    text = "a" * 152 + "€" + "a" * 152

    # when the cost is counted
    cost = segments(text)

    # then the euro moves to the second part and the last letter needs a third
    assert cost == SmsCost(encoding="GSM-7", characters=306, segments=3)


def test_a_character_beyond_the_basic_plane_takes_two_ucs_2_units() -> None:
    # given 68 accented letters and an emoji, then 69 and an emoji

    # when their costs are counted
    fits = segments("ó" * 68 + EMOJI)
    spills = segments("ó" * 69 + EMOJI)

    # then the emoji counts twice: 70 units fit one segment, 71 do not
    assert fits == SmsCost(encoding="UCS-2", characters=70, segments=1)
    assert spills == SmsCost(encoding="UCS-2", characters=71, segments=2)


def test_a_part_never_splits_a_surrogate_pair() -> None:
    # given 66 letters, an emoji and 66 letters: 134 units, but the emoji would straddle
    text = "ó" * 66 + EMOJI + "ó" * 66

    # when the cost is counted
    cost = segments(text)

    # then it needs a third part
    assert cost == SmsCost(encoding="UCS-2", characters=134, segments=3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Informació pública", "Informacio publica"),
        ("sol·licitud del col·legi", "sollicitud del collegi"),
        ("SOL·LICITUD", "SOLLICITUD"),
        ("coŀlegi", "collegi"),
        ("Plaça Catalunya, PLAÇA", "Placa Catalunya, PLAÇA"),
        ("veïns i raïm", "veins i raim"),
        ("camión, está, menú, Raúl", "camion, esta, menu, Raul"),
        ("ÀREA, ÈXIT, ÍNDEX, ÓRGAN, ÚS", "AREA, EXIT, INDEX, ORGAN, US"),
        ("1r pis, 2ª porta, nº 5", "1r pis, 2a porta, no 5"),
        ("l\u2019avinguda «Diagonal» i “Gran Via”", 'l\'avinguda "Diagonal" i "Gran Via"'),
        ("de 9\u201314 h \u2014 tancat…", "de 9-14 h - tancat..."),
        ("punt · final", "punt . final"),
        ("font\u00a0seca\ttrencada", "font seca trencada"),
    ],
)
def test_gsm_safe_rewrites_catalan_and_spanish_letters_to_their_closest_gsm_form(
    text: str, expected: str
) -> None:
    # given text with letters and signs GSM-7 lacks

    # when it is made GSM-safe
    safe = gsm_safe(text)

    # then each is its closest GSM-7 form, and the text is GSM-7
    assert safe == expected
    assert encoding_of(safe) == "GSM-7"


def test_gsm_safe_keeps_the_accented_letters_gsm_7_has() -> None:
    # given text whose accents are all in GSM-7
    text = "Què és això? Però l'església, el niño, la cigüeña, Ñ, É, Ç, ò, ù, ì, Ü, ä, ö, å"

    # when it is made GSM-safe
    # then it is unchanged
    assert gsm_safe(text) == text


def test_gsm_safe_leaves_what_has_no_close_form_so_nothing_is_lost() -> None:
    # given text with an emoji and a Chinese character
    text = f"gràcies {EMOJI} 谢谢"

    # when it is made GSM-safe
    safe = gsm_safe(text)

    # then those are kept, and the text stays UCS-2
    assert safe == text
    assert encoding_of(safe) == "UCS-2"


def test_gsm_safe_decomposes_other_accented_letters() -> None:
    # given letters from other languages that GSM-7 lacks
    text = "Łódź, Crème brûlée, São Paulo, Zürich, ﬁnal"

    # when it is made GSM-safe
    safe = gsm_safe(text)

    # then they lose their accents where that gives GSM-7 (Ł has no decomposition)
    assert safe == "Łodz, Crème brulée, Sao Paulo, Zürich, final"


def test_gsm_safe_is_idempotent_and_makes_typical_text_cheaper() -> None:
    # given a typical Catalan acknowledgement with accents
    text = (
        "Hem rebut la vostra sol·licitud sobre l'enllumenat públic. "
        "Us informarem de la resolució abans del 14/03/2026. Gràcies!"
    )

    # when it is made GSM-safe, twice
    once = gsm_safe(text)
    twice = gsm_safe(once)

    # then the second pass changes nothing, and the text costs fewer segments
    assert twice == once
    assert segments(text).segments == 2
    assert segments(once).segments == 1
