"""The claim keywords: configured per language, compared without accents and case."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from finestra.domain.vocabulary import Language
from finestra.intake.claims import ClaimKeywords, fold
from tests.conftest import CONFIG


@pytest.fixture(scope="module")
def keywords() -> ClaimKeywords:
    return ClaimKeywords.load(CONFIG)


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("Reclamació: encara no funciona", {Language.CA}),
        ("RECLAMACIO encara no funciona", {Language.CA}),
        ("Reclamación: el bache sigue", {Language.ES}),
        ("reclamacion", {Language.ES}),
        ("¡Reclamación!", {Language.ES}),
        ("  reclamo ", {Language.CA, Language.ES}),
        ("Complaint: still broken", {Language.EN}),
        ('"Claim" it is still there', {Language.EN}),
    ],
)
def test_a_message_that_starts_with_a_keyword_is_a_claim(
    keywords: ClaimKeywords, text: str, languages: set[Language]
) -> None:
    assert keywords.languages_of(text) == languages


@pytest.mark.parametrize(
    "text",
    [
        "Encara no funciona, reclamació",
        "No reclamo res",
        "Claims are slow here",
        "3 reclamacions",
        "Hi ha un forat",
        "",
    ],
)
def test_a_message_without_a_keyword_at_its_start_is_no_claim(
    keywords: ClaimKeywords, text: str
) -> None:
    assert keywords.languages_of(text) == frozenset()


def test_folding_drops_accents_and_case() -> None:
    assert fold("RECLAMACIÓ") == fold("reclamació") == "reclamacio"


def test_the_words_are_configuration(tmp_path: Path) -> None:
    (tmp_path / "claim_keywords.json").write_text(
        json.dumps({"keywords": {"en": ["grievance"]}}), encoding="utf-8"
    )

    configured = ClaimKeywords.load(tmp_path)

    assert configured.languages_of("Grievance: the bin") == {Language.EN}
    assert configured.languages_of("Claim: the bin") == frozenset()


def test_without_the_file_no_message_is_a_claim(tmp_path: Path) -> None:
    assert ClaimKeywords.load(tmp_path).languages_of("Reclamació") == frozenset()


def test_a_file_that_breaks_the_rules_is_refused(tmp_path: Path) -> None:
    (tmp_path / "claim_keywords.json").write_text(
        json.dumps({"keywords": {"fr": ["réclamation"]}}), encoding="utf-8"
    )

    with pytest.raises(ValidationError):
        ClaimKeywords.load(tmp_path)
