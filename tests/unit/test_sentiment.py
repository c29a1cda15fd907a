"""Sentiment: the lexicon on labelled sentences in three languages, and Comprehend's path."""

from typing import Final

import boto3
import pytest
from moto import mock_aws

from finestra.domain.survey import SentimentLabel
from finestra.domain.vocabulary import Language
from finestra.sentiment import ComprehendScorer, LexiconScorer, scorer_for
from finestra.sentiment.lexicon import fold
from finestra.sentiment.lexicon_words import NEGATIVE, POSITIVE

P, N, U = SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL
CA, ES, EN = Language.CA, Language.ES, Language.EN

LABELLED: Final = [
    (CA, "Molt bé, el fanal ja funciona. Gràcies!", P),
    (CA, "L'atenció va ser ràpida i molt amable.", P),
    (CA, "Estic molt satisfeta amb la resposta de l'Ajuntament.", P),
    (CA, "Han arreglat el forat del carrer en dos dies, perfecte.", P),
    (CA, "El servei és excel·lent i el personal molt atent.", P),
    (CA, "Encara no han vingut i el contenidor continua ple i brut.", N),
    (CA, "És una vergonya, fa tres setmanes que espero.", N),
    (CA, "El carrer està molt brut i fa pudor.", N),
    (CA, "La resposta ha estat lenta i poc útil; estic decebut.", N),
    (CA, "Ningú m'ha contestat, és inacceptable.", N),
    (CA, "Demà passaré per l'oficina del districte.", U),
    (CA, "He enviat la sol·licitud per correu electrònic.", U),
    (ES, "Muchas gracias, lo han solucionado muy rápido.", P),
    (ES, "La atención fue excelente y muy amable.", P),
    (ES, "Estoy contento, la calle está limpia por fin.", P),
    (ES, "Todo perfecto, el técnico fue muy profesional.", P),
    (ES, "Un servicio estupendo, lo recomiendo.", P),
    (ES, "Es una vergüenza, nadie ha venido a arreglarlo.", N),
    (ES, "El ruido es insoportable cada noche.", N),
    (ES, "La acera sigue rota y es peligrosa.", N),
    (ES, "Muy mal servicio, tardaron un mes en contestar.", N),
    (ES, "Estoy harto de las ratas en el parque.", N),
    (ES, "Mañana llamaré a la oficina de atención.", U),
    (ES, "He presentado la solicitud esta mañana.", U),
    (EN, "Thank you, the streetlight was fixed quickly.", P),
    (EN, "Great service, very helpful and friendly staff.", P),
    (EN, "I am really pleased with how the city handled it.", P),
    (EN, "Excellent work, the park looks lovely now.", P),
    (EN, "The bins are still dirty and they stink.", N),
    (EN, "Nobody answered my complaint, this is unacceptable.", N),
    (EN, "The pavement is broken and dangerous.", N),
    (EN, "Terrible experience, slow and rude.", N),
    (EN, "I sent the form on Monday.", U),
    (EN, "The office opens at nine.", U),
]


@pytest.fixture
def lexicon() -> LexiconScorer:
    return LexiconScorer()


def test_the_lexicon_labels_at_least_eight_in_ten_sentences_right(lexicon: LexiconScorer) -> None:
    wrong = [
        (language, text, expected, got.label)
        for language, text, expected in LABELLED
        if (got := lexicon.score(text, language)).label is not expected
    ]

    accuracy = 1 - len(wrong) / len(LABELLED)

    assert len(LABELLED) >= 30
    assert accuracy >= 0.8, wrong


@pytest.mark.parametrize("language", [CA, ES, EN])
def test_every_language_is_labelled_mostly_right_on_its_own(
    lexicon: LexiconScorer, language: Language
) -> None:
    own = [(text, label) for lang, text, label in LABELLED if lang is language]

    right = sum(lexicon.score(text, language).label is label for text, label in own)

    assert right / len(own) >= 0.75


@pytest.mark.parametrize(
    ("language", "plain", "negated"),
    [
        (CA, "El servei és bo.", "El servei no és bo."),
        (CA, "Està net.", "Ni net ni endreçat."),
        (ES, "La respuesta fue útil.", "La respuesta no fue útil."),
        (ES, "Hay problemas.", "Sin problemas."),
        (EN, "The staff were helpful.", "The staff were not helpful."),
        (EN, "It is good.", "It isn't good."),
        (EN, "The square is dirty.", "The square is not dirty."),
    ],
)
def test_a_negation_turns_the_tone(
    lexicon: LexiconScorer, language: Language, plain: str, negated: str
) -> None:
    before = lexicon.score(plain, language).label
    after = lexicon.score(negated, language).label

    assert {before, after} == {P, N}


def test_a_text_praising_and_blaming_alike_is_mixed(lexicon: LexiconScorer) -> None:
    score = lexicon.score("The staff were friendly, but the street is still dirty.", EN)

    assert score.label is SentimentLabel.MIXED


def test_a_text_without_tone_words_is_neutral_with_modest_confidence(
    lexicon: LexiconScorer,
) -> None:
    score = lexicon.score("Carrer de Mallorca, 120", CA)

    assert score.label is U
    assert score.method == "lexicon"
    assert 0 < score.score < 0.9


def test_an_unknown_language_is_read_with_every_list(lexicon: LexiconScorer) -> None:
    assert lexicon.score("Moltes gràcies, perfecte", None).label is P
    assert lexicon.score("Terrible, nobody came", None).label is N


def test_the_word_lists_are_written_folded_and_hold_hundreds_of_words() -> None:
    words = {w for lists in (POSITIVE, NEGATIVE) for listed in lists.values() for w in listed}

    assert len(words) >= 300
    assert all(fold(w.rstrip("*")) == w.rstrip("*") for w in words)


def test_folding_strips_accents_and_joins_the_catalan_geminate_l() -> None:
    assert fold("Excel·lent ATENCIÓ, don't") == "excellent atencio, do not"


@mock_aws
def test_comprehend_scores_spanish_and_says_so() -> None:
    scorer = ComprehendScorer(boto3.client("comprehend", region_name="eu-west-1"))

    score = scorer.score("La atención fue excelente.", ES)

    assert score.method == "comprehend"
    assert score.language is ES
    assert score.label in set(SentimentLabel)


@mock_aws
def test_catalan_falls_back_to_the_lexicon_and_says_so() -> None:
    scorer = ComprehendScorer(boto3.client("comprehend", region_name="eu-west-1"))

    score = scorer.score("Una atenció excel·lent, moltes gràcies.", CA)

    assert score.method == "lexicon"
    assert score.label is P


@mock_aws
def test_the_settings_name_picks_the_scorer() -> None:
    client = boto3.client("comprehend", region_name="eu-west-1")

    assert scorer_for("comprehend", client).score("Good", EN).method == "comprehend"
    assert scorer_for("lexicon").score("Good", EN).method == "lexicon"
    with pytest.raises(ValueError, match="Comprehend client"):
        scorer_for("comprehend")
