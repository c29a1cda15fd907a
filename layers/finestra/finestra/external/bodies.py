"""The external bodies of ``external_bodies.json``, each matched to the themes it handles.

A theme whose process is ``external_body`` names its body by name; every such name must
be a body of the file, so a request is never handed to nobody. The file holds addresses
only: the bodies' API keys and the key that signs reply links live in the secret the
settings name (``external_bodies_secret``), never in the repository.
"""

import json
from functools import cached_property
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from finestra.domain.catalogue import Catalogue, Theme
from finestra.domain.errors import Conflict, ValidationFailed
from finestra.domain.vocabulary import Language

__all__ = ["BODIES_FILE", "ExternalBodies", "ExternalBody"]

BODIES_FILE: Final = "external_bodies.json"


class ExternalBody(BaseModel):
    """An organisation outside the city that handles some of its themes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}$")
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=254)
    language: Language


class ExternalBodies:
    """Every external body, checked against the themes that name them.

    Raises
    ------
    ValueError
        When codes repeat, or an ``external_body`` theme names a body the file lacks.
    """

    def __init__(self, bodies: tuple[ExternalBody, ...], catalogue: Catalogue) -> None:
        if len({b.code for b in bodies}) != len(bodies):
            raise ValueError("external body codes repeat")
        names = {b.name for b in bodies}
        for theme in catalogue.themes:
            if theme.external_body is not None and theme.external_body not in names:
                raise ValueError(f"theme {theme.code} names a body external_bodies.json lacks")
        self.bodies = bodies

    @classmethod
    def load(cls, folder: Path, catalogue: Catalogue) -> "ExternalBodies":
        """Read and check ``external_bodies.json`` of the configuration folder."""
        data = json.loads((folder / BODIES_FILE).read_text(encoding="utf-8"))
        return cls(tuple(ExternalBody.model_validate(b) for b in data["bodies"]), catalogue)

    @cached_property
    def _by_code(self) -> dict[str, ExternalBody]:
        return {b.code: b for b in self.bodies}

    @cached_property
    def _by_name(self) -> dict[str, ExternalBody]:
        return {b.name: b for b in self.bodies}

    def get(self, code: str) -> ExternalBody:
        """The body of ``code``.

        Raises
        ------
        ValidationFailed
            When no body has the code (on the field ``body_code``).
        """
        body = self._by_code.get(code)
        if body is None:
            raise ValidationFailed("is not an external body the city works with", field="body_code")
        return body

    def known(self, code: str) -> bool:
        """Whether ``code`` names a body of the file."""
        return code in self._by_code

    def of_theme(self, theme: Theme | None) -> ExternalBody:
        """The body that handles ``theme``'s requests.

        Raises
        ------
        Conflict
            When the theme is not one an external body handles.
        """
        if theme is None or theme.external_body is None:
            raise Conflict("is not handled by an external body", field="theme")
        return self._by_name[theme.external_body]
