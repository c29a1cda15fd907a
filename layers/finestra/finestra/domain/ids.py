"""Identifiers that sort by creation time."""

from ulid import ULID


def new_id(prefix: str) -> str:
    """Return a new time-ordered identifier such as ``cit_01JD…``."""
    return f"{prefix}_{ULID()}"
