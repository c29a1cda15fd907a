"""The connector of the legacy complaints system, which speaks HTML forms.

It takes a form-encoded POST (``reference=…&theme_code=…&document_id=…``) and always
answers ``200`` with form-encoded text, whose ``estat`` field says how the lookup went:
``OK`` (the other fields are the data), ``NO_TROBAT`` (nothing known) or ``ERROR`` (the
system failed inside). The text is ASCII; the ``charset`` of its content type (often
ISO-8859-1) says how the percent-escaped bytes decode. A field given once is a string in
the data, a field given more than once a list of strings.
"""

import codecs
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

from finestra.backoffice.connector import Answer, Connector
from finestra.backoffice.model import LookupStatus, SystemAnswerInvalid, SystemUnavailable

STATE_FIELD: Final = "estat"
MAX_FIELDS: Final = 200


def flatten(payload: dict[str, Any]) -> dict[str, str]:
    """The lookup's body as the flat fields of a form.

    Parameters
    ----------
    payload
        The lookup's body (:meth:`LookupQuery.payload`).

    Returns
    -------
    dict
        ``reference``, ``theme_code``, then the citizen's keys and the location's fields
        at the top level, every value a string.
    """
    fields = {"reference": str(payload["reference"]), "theme_code": str(payload["theme_code"])}
    for part in ("citizen", "location"):
        for name, value in payload.get(part, {}).items():
            fields[name] = str(value)
    return fields


class LegacyFormConnector(Connector):
    """The legacy complaints system (``protocol: legacy-form``)."""

    accept = "application/x-www-form-urlencoded, text/plain"

    def encode(self, payload: dict[str, Any]) -> tuple[bytes, str]:
        """The payload as a UTF-8 form.

        Parameters
        ----------
        payload
            The lookup's body (:meth:`LookupQuery.payload`).

        Returns
        -------
        tuple of bytes and str
            The body and its form content type.
        """
        body = urlencode(flatten(payload), encoding="utf-8")
        return body.encode("ascii"), "application/x-www-form-urlencoded; charset=utf-8"

    def decode(self, answer: Answer) -> tuple[LookupStatus, dict[str, Any]]:
        """The state and fields of a ``200`` answer.

        Parameters
        ----------
        answer
            The system's answer.

        Returns
        -------
        tuple of LookupStatus and dict
            ``ok`` and the fields but ``estat``, or ``not_found`` and nothing.

        Raises
        ------
        SystemAnswerInvalid
            With reason ``invalid_answer`` when the text is not a form, its charset is
            unknown, or ``estat`` is missing or unknown.
        SystemUnavailable
            With reason ``legacy_error`` when ``estat`` is ``ERROR``.
        """
        try:
            charset = codecs.lookup(answer.charset or "utf-8").name
            text = answer.body.decode("ascii")
            fields = parse_qs(
                text,
                keep_blank_values=True,
                strict_parsing=True,
                encoding=charset,
                errors="strict",
                max_num_fields=MAX_FIELDS,
            )
        except (ValueError, LookupError) as exc:
            raise SystemAnswerInvalid("invalid_answer") from exc
        state = fields.pop(STATE_FIELD, None)
        if state == ["OK"]:
            data = {
                name: values[0] if len(values) == 1 else values for name, values in fields.items()
            }
            return LookupStatus.OK, data
        if state == ["NO_TROBAT"]:
            return LookupStatus.NOT_FOUND, {}
        if state == ["ERROR"]:
            raise SystemUnavailable("legacy_error")
        raise SystemAnswerInvalid("invalid_answer")
