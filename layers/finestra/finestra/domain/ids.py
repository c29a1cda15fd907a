"""Identifiers that sort by creation time, and the references of claims."""

import re
from typing import Final

from ulid import ULID

CLAIM_SUFFIX: Final = "-R"
"""What separates a request's reference from the number of a claim against it."""

_CLAIM: Final = re.compile(r"^(?P<root>[A-Z]{2,5}-\d{4}-\d{6})(?:-R(?P<number>[1-9]\d*))?$")


def new_id(prefix: str) -> str:
    """Return a new time-ordered identifier such as ``cit_01JD…``."""
    return f"{prefix}_{ULID()}"


def claim_reference(root: str, number: int) -> str:
    """The reference of the ``number``-th claim against ``root``: ``BCN-2026-000123-R2``.

    Raises
    ------
    ValueError
        When ``root`` is not a reference without a suffix, or ``number`` is below 1.
    """
    match = _CLAIM.fullmatch(root)
    if match is None or match["number"] is not None or number < 1:
        raise ValueError("a claim's reference is a plain reference and a number from 1")
    return f"{root}{CLAIM_SUFFIX}{number}"


def root_reference(reference: str) -> str:
    """The reference a claim's reference extends; a plain reference is its own root.

    Raises
    ------
    ValueError
        When ``reference`` is no reference at all.
    """
    match = _CLAIM.fullmatch(reference)
    if match is None:
        raise ValueError("is not a request reference")
    return match["root"]
