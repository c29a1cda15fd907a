"""Secrets from AWS Secrets Manager, cached by Powertools for a few minutes."""

from typing import Any

from aws_lambda_powertools.utilities import parameters

CACHE_SECONDS = 300


def secret_bytes(name: str) -> bytes:
    """The secret string named ``name`` as bytes (the contact-point key)."""
    value = parameters.get_secret(name, max_age=CACHE_SECONDS)
    return value.encode() if isinstance(value, str) else bytes(value)


def secret_json(name: str) -> dict[str, Any]:
    """The secret named ``name`` parsed as a JSON object."""
    value = parameters.get_secret(name, max_age=CACHE_SECONDS, transform="json")
    if not isinstance(value, dict):
        raise ValueError("the secret is not a JSON object")
    return value
