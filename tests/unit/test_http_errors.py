"""The one error body: each kind of refusal keeps its status, subclasses included."""

import json

import pytest

from finestra import observability
from finestra.domain.errors import Conflict, FinestraError, Forbidden, NotFound, ValidationFailed
from finestra.http import to_response
from finestra.storage.table import TransactionConflict

obs = observability.build("test_http")


class _LateConflict(Conflict):
    """A conflict of one module's own kind."""


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no such request"), 404),
        (Forbidden("outside your districts"), 403),
        (Conflict("changed meanwhile"), 409),
        (_LateConflict("changed meanwhile"), 409),
        (ValidationFailed("must be ca, es or en", field="lang"), 422),
        (FinestraError("something unnamed"), 400),
    ],
)
def test_a_refusal_answers_the_status_of_its_kind(error: FinestraError, status: int) -> None:
    response = to_response(error, obs)

    assert response.status_code == status
    body = response.body if isinstance(response.body, dict) else json.loads(response.body)
    assert body["code"] == error.code


def test_a_storage_conflict_is_a_409() -> None:
    assert issubclass(TransactionConflict, Conflict)
    assert to_response(TransactionConflict(["ConditionalCheckFailed"]), obs).status_code == 409
