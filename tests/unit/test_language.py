"""What must hold of guessing a message's language among the city's three."""

import pytest

from finestra.domain.language import guess_language
from finestra.domain.vocabulary import Language

CATALAN = [
    "Hi ha un forat a la calçada del carrer de Balmes.",
    "Bon dia, el fanal del carrer de Girona fa tres nits que està apagat.",
    "Els veïns fan molt de soroll cada nit i no puc dormir.",
    "Gràcies per arreglar el banc tan ràpid.",
    "Si us plau, podeu buidar els contenidors del carrer d'Aragó?",
    "Fa una setmana que al carrer de Sardenya hi ha obres que comencen a les dues.",
]
SPANISH = [
    "La farola de la calle de Aribau lleva dos noches apagada.",
    "Buenos días, hay un bache muy profundo en la calle Mallorca.",
    "Los vecinos hacen mucho ruido por la noche y no puedo dormir.",
    "Gracias por arreglar el banco tan rápido.",
    "Por favor, vacíen los contenedores de la calle Aragón.",
    "Desde hace una semana hay obras que empiezan a las dos de la madrugada.",
]
ENGLISH = [
    "There is a pothole in the street outside my house.",
    "Good morning, the streetlight has been off for three nights.",
    "My neighbours are very noisy every night and I cannot sleep.",
    "Thanks for fixing the bench so quickly.",
    "The container on Carrer de Mallorca has been full since Monday.",
    "Please could you send someone to look at the broken bench in the park?",
]


@pytest.mark.parametrize(
    ("text", "language"),
    [(text, Language.CA) for text in CATALAN]
    + [(text, Language.ES) for text in SPANISH]
    + [(text, Language.EN) for text in ENGLISH],
)
def test_a_sentence_a_citizen_would_write_is_guessed_in_its_language(
    text: str, language: Language
) -> None:
    # given a message in one of the city's languages

    # when its language is guessed
    guessed = guess_language(text)

    # then it is that language
    assert guessed is language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("BON DIA, EL FANAL DEL CARRER ESTÀ APAGAT", Language.CA),
        ("HAY UN BACHE MUY PROFUNDO EN LA CALLE", Language.ES),
        ("THE STREETLIGHT IS OFF", Language.EN),
    ],
)
def test_a_message_in_capitals_is_guessed_like_one_in_small_letters(
    text: str, language: Language
) -> None:
    # given a message typed in capitals

    # when its language is guessed
    guessed = guess_language(text)

    # then case does not matter
    assert guessed is language
    assert guess_language(text.lower()) is language


@pytest.mark.parametrize(
    "text",
    [
        "Hola",
        "Gràcies",
        "Gracias",
        "Thanks",
        "Bache",
        "el",
        "12345",
        "612 345 678",
        "2026-03-14 10:00",
        "BCN-2026-000123",
        "",
        "   ",
        "!!! ???",
    ],
)
def test_a_single_word_or_numbers_give_no_guess(text: str) -> None:
    # given a message too short to tell

    # when its language is guessed
    guessed = guess_language(text)

    # then there is no guess, so the citizen's own language is kept
    assert guessed is None


def test_words_common_to_catalan_and_spanish_alone_give_no_guess() -> None:
    # given a message made only of words both languages share
    text = "el de la que no una al"

    # when its language is guessed
    guessed = guess_language(text)

    # then the tie gives no guess
    assert guessed is None
