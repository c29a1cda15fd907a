"""What must hold of classifying citizens' free text by the catalogue's keywords."""

from pathlib import Path
from typing import Any

import pytest

from finestra.domain.catalogue import Catalogue
from finestra.domain.classifier import LOW_CONFIDENCE, Classification, classify, fold, words
from finestra.domain.vocabulary import Language

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "config"
CATALOGUE = Catalogue.load(CONFIG)
CA, ES, EN = Language.CA, Language.ES, Language.EN

# Messages as citizens send them: SMS-style, abbreviated, without accents, with typos.
CITIZEN_MESSAGES = [
    ("Bon dia, el fanal del davant de casa esta apagat fa 3 nits", CA, "lighting.streetlight-off"),
    ("hola la farola d mi calle esta apagada desde el lunes", ES, "lighting.streetlight-off"),
    ("streetlight out on carrer de mallorca since friday", EN, "lighting.streetlight-off"),
    ("El fanal no s'encén des de dijous, carrer de Mallorca", CA, "lighting.streetlight-off"),
    ("La farola de mi portal no se enciende por la noche", ES, "lighting.streetlight-off"),
    ("El fanal està encès de dia a la plaça", CA, "lighting.on-daytime"),
    ("Carrer fosc tota la nit, no hi ha llum", CA, "lighting.street-dark"),
    ("fanal tort i cable pelat a la vorera, perill!!", CA, "lighting.pole-damaged"),
    ("contenidor ple de brossa fa dies a la cantonada", CA, "waste.container-full"),
    ("los contenedores llenos otra vez, huele fatal", ES, "waste.container-full"),
    ("bins overflowing on my street again", EN, "waste.container-full"),
    ("Contenidor cremat aquesta nit al c/ Sants", CA, "waste.container-damaged"),
    ("quiero tirar un colchon viejo y un sofa, como lo hago", ES, "waste.bulky-pickup"),
    ("hay un bache enorme en la calzada de aribau", ES, "roads.pothole"),
    ("sot molt gran a la calcada davant l'escola", CA, "roads.pothole"),
    ("Panots moguts a la vorera, la meva mare ha ensopegat", CA, "roads.loose-paving"),
    ("manhole cover missing on gran via, someone could fall in", EN, "roads.manhole-cover"),
    ("Pintades a la façana del nostre edifici", CA, "graffiti.wall"),
    ("hay una esvastica en la puerta del cole", ES, "graffiti.offensive"),
    ("arbol inclinado a punto de caer sobre los coches", ES, "trees.dangerous-tree"),
    ("semaforo apagado en el cruce de balmes con diagonal", ES, "traffic.traffic-light-fault"),
    ("traffic lights stuck on red at the junction", EN, "traffic.traffic-light-fault"),
    ("vecinos ruidosos todas las noches con musica alta", ES, "noise.neighbours"),
    ("obres de nit al carrer, no podem dormir", CA, "noise.works"),
    ("Hi ha rates al pati interior de l'escala", CA, "health.rats"),
    ("plaga de cucarachas en la escalera", ES, "health.cockroaches"),
    ("mosquit tigre al pati, hi ha aigua estancada", CA, "health.tiger-mosquito"),
    ("fuga de agua en la calle, sale mucha agua", ES, "water.supply-leak"),
    ("embornal embussat i tot inundat quan plou", CA, "water.drain-blocked"),
    ("syringes and used needles near the swings", EN, "cleaning.syringes"),
    ("caques de gos per tot arreu", CA, "cleaning.dog-fouling"),
    ("papelera rota en la plaza", ES, "cleaning.litter-bin"),
    ("coche mal aparcado en doble fila bloquea el vado", ES, "parking.illegally-parked"),
    ("patinets per la vorera a tota velocitat", CA, "civic.scooters-pavement"),
    ("top manta a tota la rambla", CA, "civic.street-vending"),
    ("botellon cada noche en la plaza", ES, "civic.street-drinking"),
    ("senglars al carrer a vallvidrera", CA, "animals.wild-boar"),
    ("wild boar in the street near tibidabo", EN, "animals.wild-boar"),
    ("escala mecanica aturada a l'estacio de metro", CA, "transport.metro-access"),
    ("bici del bicing amb la roda punxada", CA, "bicing.damaged-bike"),
    ("quiero recurrir la multa de aparcamiento", ES, "fines.parking-appeal"),
    ("how do I pay a fine with the discount", EN, "fines.payment-enquiry"),
    ("Necessito el volant de padro per demà", CA, "padro.certificate"),
    ("desnonament la setmana que ve, no puc pagar el lloguer", CA, "housing.eviction-risk"),
    ("pis turistic il.legal al meu replà", CA, "housing.tourist-flat"),
    ("la veina gran viu sola i no surt de casa", CA, "social.elderly-isolation"),
    ("moltes gracies per arreglar-ho tan rapid!", CA, "general.thanks"),
    ("GRACIAS!!", None, "general.thanks"),
    ("thank you so much, great job", EN, "general.thanks"),
    ("contenidro ple", CA, "waste.container-full"),
    ("the bins are overflowinf", EN, "waste.container-full"),
    ("semafor apagat a la cruilla", CA, "traffic.traffic-light-fault"),
    ("farola apagada", None, "lighting.streetlight-off"),
]

# Messages that name no theme, or name several equally: a guess at best.
VAGUE_MESSAGES = [
    ("soroll", CA),
    ("obres", CA),
    ("bicing", CA),
    ("ruido", ES),
    ("noise", EN),
]
UNMATCHED_MESSAGES = [
    ("hola bon dia", CA),
    ("Ok", None),
    ("???", None),
    ("", None),
    ("vull parlar amb algu", CA),
    ("something else", EN),
    ("otra cosa", ES),
]


def names(label: str) -> dict[str, str]:
    return {"ca": label, "es": label, "en": label}


def theme(code: str, keywords: dict[str, list[str]]) -> dict[str, Any]:
    """A valid theme of area ``things`` with the given keywords."""
    return {
        "code": code,
        "area": "things",
        "element": names("Element"),
        "detail": names("Detail"),
        "request_types": ["incident"],
        "process": "resolve_answer",
        "sla_hours": 72,
        "responsible_group": "things",
        "route_by": "none",
        "response_channels": ["email"],
        "back_office_systems": [],
        "requires_location": False,
        "requires_identified_citizen": False,
        "location_is_public": False,
        "external_body": None,
        "keywords": keywords,
        "duplicate_radius_m": None,
        "duplicate_window_days": None,
    }


def small_catalogue(*themes: dict[str, Any]) -> Catalogue:
    """A catalogue of only ``themes``, all in one area and one group."""
    return Catalogue.model_validate(
        {
            "areas": [{"code": "things", "names": names("Things")}],
            "themes": list(themes),
            "groups": [
                {"code": "city", "names": names("City"), "parent": None},
                {"code": "things", "names": names("Things"), "parent": "city"},
            ],
            "systems": [],
            "districts": [{"code": "1", "name": "Ciutat Vella", "population": 100}],
            "neighbourhoods": [{"code": "1", "name": "el Raval", "district_code": "1"}],
        }
    )


@pytest.mark.parametrize(("text", "language", "expected"), CITIZEN_MESSAGES)
def test_a_citizen_message_is_classified_under_its_theme_with_confidence(
    text: str, language: Language | None, expected: str
) -> None:
    # given a message as a citizen writes it, in the language the channel knows (or not)

    # when it is classified
    result = classify(CATALOGUE, text, language)

    # then it is the expected theme, confidently enough to skip triage
    assert result.theme_code == expected
    assert result.confidence >= LOW_CONFIDENCE
    assert result.is_confident
    assert result.matched


def test_the_citizen_messages_cover_the_three_languages_and_many_themes() -> None:
    # given the realistic messages above
    languages = {language for _, language, _ in CITIZEN_MESSAGES}
    themes = {code for _, _, code in CITIZEN_MESSAGES}

    # then they are enough to say something about the classifier
    assert len(CITIZEN_MESSAGES) >= 25
    assert {CA, ES, EN, None} <= languages
    assert len(themes) >= 30


@pytest.mark.parametrize(("text", "language"), VAGUE_MESSAGES)
def test_a_word_several_themes_share_is_a_low_confidence_guess(
    text: str, language: Language
) -> None:
    # given a single word that more than one theme lists

    # when it is classified
    result = classify(CATALOGUE, text, language)

    # then a theme is named, but below the confidence that skips triage
    assert result.theme_code is not None
    assert result.confidence < LOW_CONFIDENCE
    assert not result.is_confident


@pytest.mark.parametrize(("text", "language"), UNMATCHED_MESSAGES)
def test_a_message_that_names_no_theme_has_none_and_no_confidence(
    text: str, language: Language | None
) -> None:
    # given a greeting, noise, or a request for "something else"

    # when it is classified
    result = classify(CATALOGUE, text, language)

    # then there is no theme, no confidence and nothing matched
    assert result == Classification(
        theme_code=None, confidence=0.0, language=result.language, matched=()
    )


def test_accents_and_case_do_not_change_the_classification() -> None:
    # given the same message written with and without accents, in capitals and not
    written = "Semàfor avariat a la cruïlla de Via Augusta"
    folded = "SEMAFOR AVARIAT A LA CRUILLA DE VIA AUGUSTA"

    # when both are classified
    with_accents = classify(CATALOGUE, written, CA)
    without = classify(CATALOGUE, folded, CA)

    # then they agree, and the matched keyword is the catalogue's own spelling
    assert with_accents == without
    assert with_accents.theme_code == "traffic.traffic-light-fault"
    assert with_accents.matched == ("semàfor avariat",)


def test_a_keyword_matches_whole_words_only() -> None:
    # given a catalogue whose only keyword is "rata", and words that contain it
    catalogue = small_catalogue(theme("things.rats", {"ca": ["rata"]}))

    # when a text holding "rata" inside other words is classified, and then the word itself
    inside = classify(catalogue, "el pirata va comprar una corbata barata", CA)
    alone = classify(catalogue, "una rata!", CA)

    # then only the whole word matches
    assert inside.theme_code is None
    assert alone.theme_code == "things.rats"


def test_the_longer_phrase_wins_over_the_shorter_one_inside_it() -> None:
    # given "contenidor" (a full container) inside "contenidor trencat" (a broken one)
    text = "el contenidor trencat de la cantonada"

    # when the text is classified
    result = classify(CATALOGUE, text, CA)

    # then the broken container wins outright: the shorter word is not counted again
    assert result.theme_code == "waste.container-damaged"
    assert result.matched == ("contenidor trencat",)
    assert result.confidence >= LOW_CONFIDENCE


def test_the_words_of_a_phrase_may_stand_a_few_words_apart() -> None:
    # given "farola apagada" written with words between, then with too many between
    near = "la farola de mi calle esta apagada"
    far = "la farola de la esquina de mi calle de siempre esta apagada"

    # when both are classified
    found = classify(CATALOGUE, near, ES)
    lost = classify(CATALOGUE, far, ES)

    # then the phrase is found a few words apart, but not across a whole sentence
    assert found.theme_code == "lighting.streetlight-off"
    assert found.is_confident
    assert "farola apagada" in found.matched
    assert "farola apagada" not in lost.matched


def test_a_phrase_found_apart_weighs_less_than_the_phrase_together() -> None:
    # given the same phrase together and apart

    # when both are classified
    together = classify(CATALOGUE, "farola apagada", ES)
    apart = classify(CATALOGUE, "farola muy muy apagada", ES)

    # then both find it, together with more confidence
    assert together.theme_code == apart.theme_code == "lighting.streetlight-off"
    assert together.confidence > apart.confidence


def test_a_one_letter_slip_in_a_long_word_is_read_as_the_keyword() -> None:
    # given keywords misspelt by one letter: swapped, missing, doubled, changed
    slips = ["contenidro ple", "contendor ple", "contenidoor ple", "contenidpr ple"]

    # when each is classified
    results = [classify(CATALOGUE, text, CA) for text in slips]

    # then each still finds the full container
    assert {r.theme_code for r in results} == {"waste.container-full"}


def test_a_slip_weighs_less_than_the_word_spelt_right() -> None:
    # given the same message spelt right and with a slip

    # when both are classified
    right = classify(CATALOGUE, "contenidor cremat", CA)
    slipped = classify(CATALOGUE, "contenidor cremst", CA)

    # then both find the burnt container, the right spelling with more confidence
    assert right.theme_code == slipped.theme_code == "waste.container-damaged"
    assert right.confidence > slipped.confidence


def test_short_words_are_not_read_through_a_slip() -> None:
    # given a catalogue whose keyword is a short word, and a one-letter slip of it
    catalogue = small_catalogue(theme("things.bins", {"en": ["bin"]}))

    # when the slip is classified
    result = classify(catalogue, "the bon is full", EN)

    # then short words must match exactly
    assert result.theme_code is None


def test_a_keyword_weighs_more_in_the_language_of_the_message() -> None:
    # given two themes listing the same word, one in Catalan and one in English
    catalogue = small_catalogue(
        theme("things.catalan", {"ca": ["pedal"]}),
        theme("things.english", {"en": ["pedal"]}),
    )

    # when the word is classified as Catalan, as English, and in no known language
    catalan = classify(catalogue, "pedal", CA)
    english = classify(catalogue, "pedal", EN)
    unknown = classify(catalogue, "pedal", None)

    # then the message's own language decides, and with no language it is a tie
    assert catalan.theme_code == "things.catalan"
    assert english.theme_code == "things.english"
    assert catalan.confidence > unknown.confidence
    assert unknown.confidence < LOW_CONFIDENCE


def test_general_themes_count_only_when_no_other_theme_matches() -> None:
    # given thanks alone, and thanks that also name a streetlight
    thanks = "moltes gràcies!"
    thanks_about = "moltes gràcies, el fanal apagat ja funciona"

    # when both are classified
    alone = classify(CATALOGUE, thanks, CA)
    about = classify(CATALOGUE, thanks_about, CA)

    # then thanks alone is thanks, but a named theme wins over the general one
    assert alone.theme_code == "general.thanks"
    assert about.theme_code == "lighting.streetlight-off"
    assert "moltes gràcies" not in about.matched


@pytest.mark.parametrize(
    ("text", "language"),
    [("gràcies", CA), ("muchas gracias", ES), ("thanks a lot", EN), ("Thank you!", None)],
)
def test_thanks_words_in_any_language_are_thanks(text: str, language: Language | None) -> None:
    # given a thank-you note

    # when it is classified
    result = classify(CATALOGUE, text, language)

    # then it is thanks, confidently
    assert result.theme_code == "general.thanks"
    assert result.is_confident


def test_the_unclassified_theme_is_never_the_answer() -> None:
    # given the very words the "awaiting classification" theme lists
    texts = ["altres", "otros", "other", "not sure where"]

    # when they are classified
    results = [classify(CATALOGUE, text, None) for text in texts]

    # then none is filed under it: it is where unclassified text goes, not a theme
    assert all(r.theme_code != "general.unclassified" for r in results)


def test_more_hits_for_the_same_theme_raise_the_confidence() -> None:
    # given one keyword of a theme, then three
    one = classify(CATALOGUE, "hi ha rates", CA)
    three = classify(CATALOGUE, "rates i ratolins, una plaga de rosegadors", CA)

    # then both are rats, three hits more confidently than one
    assert one.theme_code == three.theme_code == "health.rats"
    assert three.confidence > one.confidence


def test_a_close_second_theme_lowers_the_confidence() -> None:
    # given noise from neighbours, alone and with a word bars share
    clear = classify(CATALOGUE, "veïns sorollosos cada nit", CA)
    shared = classify(CATALOGUE, "veïns sorollosos cada nit, discoteca", CA)

    # then the rival theme's hit takes confidence away
    assert clear.theme_code == "noise.neighbours"
    assert clear.confidence > shared.confidence


def test_the_confidence_is_between_zero_and_one() -> None:
    # given every message above and a message that piles up keywords
    texts = [text for text, _, _ in CITIZEN_MESSAGES]
    texts.append("rates ratolins rosegadors plaga rata ratolí " * 20)

    # when they are classified
    confidences = [classify(CATALOGUE, text, None).confidence for text in texts]

    # then every confidence is a share
    assert all(0.0 <= c <= 1.0 for c in confidences)


def test_the_language_is_the_one_given_or_else_guessed() -> None:
    # given a message with its language, and messages without

    # when they are classified
    given = classify(CATALOGUE, "contenedor lleno", ES)
    guessed = classify(CATALOGUE, "el contenedor esta lleno hace tres dias", None)
    by_keyword = classify(CATALOGUE, "jeringuillas", None)

    # then the language is the given one, or guessed from common words or keywords
    assert given.language is ES
    assert guessed.language is ES
    assert by_keyword.language is ES


def test_folding_lowers_strips_accents_and_joins_the_catalan_double_l() -> None:
    # given text with capitals, accents and the Catalan l·l (and its look-alikes)

    # when it is folded and cut into words
    folded = fold("Àrea d'Il·legals ÑANDÚ")
    cut = words("L'àrea de gossos: il.legal, col·legi, coŀlegi")

    # then matching sees plain lower-case words
    assert folded == "area d'illegals nandu"
    assert cut == ("l", "area", "de", "gossos", "illegal", "collegi", "collegi")


def test_the_whole_set_of_messages_is_classified_quickly() -> None:
    # given the catalogue already indexed by a first classification
    classify(CATALOGUE, "warm up", None)
    texts = [text for text, _, _ in CITIZEN_MESSAGES] * 10

    # when five hundred messages are classified
    import time

    started = time.perf_counter()
    for text in texts:
        classify(CATALOGUE, text, None)
    elapsed = time.perf_counter() - started

    # then it takes well under a second
    assert elapsed < 1.0
