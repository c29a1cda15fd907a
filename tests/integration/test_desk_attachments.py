"""Opening a request's files from the desk, through the Chalice app under moto.

Files reach the attachments bucket by a real presigned POST, and come back through the
presigned GET the attachment route answers; the request detail says which files the
bucket holds. The last test runs moto's server, as the local stack does, to show what
a browser on the local gateway's origin is answered.
"""

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from finestra.apps.desk_requests import PresignedUploads
from finestra.desk.views import content_disposition
from finestra.domain.ids import new_id
from finestra.domain.request import Attachment, Interaction
from finestra.storage.requests import RequestStore
from tests.conftest import ATTACHMENTS_BUCKET, REGION, FakeLambdaContext, Seeder
from tests.integration.test_desk_actions import (
    AGENT,
    CAMPAIGN_MANAGER,
    EMAIL,
    OTHER_DISTRICT,
    OTHER_GROUP,
    PHONE,
    PREFIX,
    REFERENCE,
    call,
    event,
    given_request,
)
from tests.support.aws import put_object, table_items

FILE_ROUTE = f"{PREFIX}/requests/{{reference}}/attachments/{{attachment_id}}"
OTHER_REFERENCE = "BCN-2026-000124"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8
NAME = "Informe «Balmes» 20% del col·legi.pdf"
UNKNOWN_ID = "att_01JQ0000000000000000000000"


@pytest.fixture
def api(function: Callable[[str], ModuleType]) -> ModuleType:
    return function("desk_api")


@pytest.fixture
def citizen(seed: Seeder) -> str:
    return seed.citizen(phone=PHONE, email=EMAIL, given_name="Montserrat")


@pytest.fixture
def case(seed: Seeder, citizen: str) -> str:
    given_request(seed, citizen)
    return REFERENCE


def opened(
    file_id: str, *, claims: dict[str, str] | None = AGENT, reference: str = REFERENCE
) -> dict[str, Any]:
    """The attachment route's event, as API Gateway sends it after the JWT authorizer."""
    return event(
        "GET",
        FILE_ROUTE,
        claims=claims,
        path={"reference": reference, "attachment_id": file_id},
    )


def grant(
    api: ModuleType,
    *,
    filename: str = NAME,
    content_type: str = "application/pdf",
    size: int = len(PDF),
    reference: str = REFERENCE,
) -> dict[str, Any]:
    """Ask for an upload as an agent; the request lists the file from now on."""
    body = {"filename": filename, "content_type": content_type, "size": size}
    status, answer = call(
        api,
        event(
            "POST",
            f"{PREFIX}/requests/{{reference}}/attachments",
            claims=AGENT,
            body=body,
            path={"reference": reference},
        ),
    )
    assert status == 201, answer
    return dict(answer)


def upload(
    granted: dict[str, Any], content: bytes = PDF, content_type: str = "application/pdf"
) -> None:
    """POST the file to the bucket with the grant's fields, as the desktop does."""
    sent = requests.post(
        granted["upload"]["url"],
        data=granted["upload"]["fields"],
        files={"file": ("file", content, content_type)},
        timeout=10,
    )
    assert sent.status_code in {200, 204}, sent.text


def detail(api: ModuleType, reference: str = REFERENCE) -> dict[str, Any]:
    status, answer = call(
        api,
        event(
            "GET", f"{PREFIX}/requests/{{reference}}", claims=AGENT, path={"reference": reference}
        ),
    )
    assert status == 200, answer
    return dict(answer)


def access_records(citizen_id: str) -> list[dict[str, Any]]:
    return table_items(f"ACCESS#{citizen_id}")


def annotate(seed: Seeder, files: list[Attachment], reference: str = REFERENCE) -> None:
    """Add one history entry holding ``files``, through the request store."""
    store = RequestStore(seed.runtime.table, shards=4)
    request = store.get(reference)
    assert request is not None
    entry = Interaction(
        id=new_id("int"),
        at=seed.clock(),
        kind="note",
        channel="internal",
        actor="system",
        attachments=tuple(files),
    )
    store.annotate(request, entry)


# ---------------------------------------------------------------------- downloads


def test_an_uploaded_file_downloads_through_the_link_under_its_own_name_and_type(
    api: ModuleType, case: str
) -> None:
    granted = grant(api)
    upload(granted)
    before = datetime.now(UTC)

    status, answer = call(api, opened(granted["attachment_id"]))

    assert status == 200, answer
    assert (answer["filename"], answer["content_type"], answer["size"]) == (
        NAME,
        "application/pdf",
        len(PDF),
    )
    expires_at = datetime.fromisoformat(answer["expires_at"])
    assert before + timedelta(seconds=295) <= expires_at <= before + timedelta(seconds=305)
    assert parse_qs(urlsplit(answer["url"]).query)["X-Amz-Expires"] == ["300"]
    fetched = requests.get(answer["url"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    disposition = fetched.headers["Content-Disposition"]
    assert disposition == content_disposition(NAME)
    kind, *parameters = disposition.split("; ")
    named = dict(parameter.split("=", 1) for parameter in parameters)
    assert kind == "attachment"
    assert named["filename"] == '"Informe _Balmes_ 20_ del col_legi.pdf"'
    assert unquote(named["filename*"].removeprefix("UTF-8''"), errors="strict") == NAME


def test_the_answer_is_never_cached(api: ModuleType, case: str) -> None:
    granted = grant(api)
    upload(granted)

    response = api.app(opened(granted["attachment_id"]), FakeLambdaContext())

    assert response["statusCode"] == 200
    assert response["headers"]["Cache-Control"] == "no-store"


def test_a_file_of_an_unusual_type_is_served_as_opaque_bytes_under_its_name(
    api: ModuleType, seed: Seeder, case: str
) -> None:
    key = "attachments/email/msg-1/1-nota.txt"
    put_object(ATTACHMENTS_BUCKET, key, b"hola")
    annotate(
        seed, [Attachment(key=key, filename="nota.txt", content_type="text/plain\r\nX: y", size=4)]
    )
    [listed] = detail(api)["request"]["attachments"]

    status, answer = call(api, opened(listed["attachment_id"]))

    assert status == 200, answer
    fetched = requests.get(answer["url"], timeout=10)
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert answer["content_type"] == "text/plain\r\nX: y"


def test_an_emailed_file_downloads_by_the_id_the_request_detail_gives_it(
    api: ModuleType, seed: Seeder, case: str
) -> None:
    key = "attachments/email/0102019a-mail/1-plànol.pdf"
    put_object(ATTACHMENTS_BUCKET, key, PDF)
    annotate(
        seed,
        [Attachment(key=key, filename="plànol.pdf", content_type="application/pdf", size=len(PDF))],
    )

    [listed] = detail(api)["request"]["attachments"]
    status, answer = call(api, opened(listed["attachment_id"]))

    assert listed["attachment_id"].startswith("file_")
    assert listed["uploaded"] is True
    assert status == 200, answer
    assert requests.get(answer["url"], timeout=10).content == PDF


# ---------------------------------------------------------------------- refusals


def test_a_file_whose_upload_never_finished_is_a_conflict_saying_so(
    api: ModuleType, case: str, citizen: str
) -> None:
    granted = grant(api)

    status, answer = call(api, opened(granted["attachment_id"]))

    assert status == 409
    assert answer["code"] == "upload_incomplete"
    assert "upload did not complete" in answer["message"]
    assert "url" not in answer
    assert access_records(citizen) == []


def test_an_id_that_is_none_of_the_request_s_files_is_not_found(
    api: ModuleType, seed: Seeder, case: str
) -> None:
    seed.request(None, reference=OTHER_REFERENCE, state="pending_validation")
    elsewhere = grant(api, reference=OTHER_REFERENCE)
    upload(elsewhere)

    for file_id in (UNKNOWN_ID, elsewhere["attachment_id"]):
        status, answer = call(api, opened(file_id))

        assert status == 404, answer
        assert answer == {
            "code": "not_found",
            "message": "this request has no file with this attachment_id",
        }


def test_a_file_id_of_another_form_is_refused_by_name(api: ModuleType, case: str) -> None:
    status, answer = call(api, opened("..%2F..%2Fsecret"))

    assert status == 422
    assert answer["errors"] == [{"field": "attachment_id", "rule": "is not a file id"}]


def test_a_request_that_does_not_exist_is_not_found(api: ModuleType, case: str) -> None:
    status, answer = call(api, opened(UNKNOWN_ID, reference="BCN-2026-999999"))

    assert status == 404
    assert answer["message"] == "no request has this reference"


@pytest.mark.parametrize(
    ("claims", "rule"),
    [
        (CAMPAIGN_MANAGER, "this needs the role agent or supervisor"),
        (OTHER_DISTRICT, "this is outside your districts"),
        (OTHER_GROUP, "this request belongs to a group that is not yours"),
    ],
    ids=["campaign manager", "other district", "other group"],
)
def test_a_caller_outside_the_request_s_role_or_scope_gets_no_link(
    api: ModuleType, case: str, citizen: str, claims: dict[str, str], rule: str
) -> None:
    granted = grant(api)
    upload(granted)

    status, answer = call(api, opened(granted["attachment_id"], claims=claims))

    assert status == 403
    assert answer == {"code": "forbidden", "message": rule}
    assert access_records(citizen) == []


def test_a_call_without_claims_is_unauthorised(api: ModuleType, case: str) -> None:
    status, _ = call(api, opened(UNKNOWN_ID, claims=None))

    assert status == 401


# ---------------------------------------------------------------------- the access log


def test_a_download_from_a_citizen_s_request_is_in_the_access_log(
    api: ModuleType, case: str, citizen: str
) -> None:
    granted = grant(api)
    upload(granted)

    status, _ = call(api, opened(granted["attachment_id"]))

    assert status == 200
    records = access_records(citizen)
    assert len(records) == 1
    assert {k: records[0][k] for k in ("user_id", "username", "route", "reason")} == {
        "user_id": AGENT["sub"],
        "username": AGENT["cognito:username"],
        "route": FILE_ROUTE,
        "reason": "attachment",
    }
    assert table_items(f"ACCESSBY#{AGENT['sub']}")[0]["citizen_id"] == citizen


def test_a_download_from_a_request_without_a_citizen_records_no_access(
    api: ModuleType, seed: Seeder
) -> None:
    given_request(seed, None)
    granted = grant(api)
    upload(granted)

    status, _ = call(api, opened(granted["attachment_id"]))

    assert status == 200
    assert [i for i in table_items("ACCESS") if i.get("type") == "access"] == []


def test_the_logs_name_the_file_by_id_and_never_by_name(
    api: ModuleType, case: str, logs: Callable[[], list[dict[str, Any]]]
) -> None:
    granted = grant(api)
    upload(granted)

    call(api, opened(granted["attachment_id"]))

    written = json.dumps(logs(), ensure_ascii=False)
    opened_lines = [line for line in logs() if line.get("message") == "Attachment opened"]
    assert [line["attachment_id"] for line in opened_lines] == [granted["attachment_id"]]
    for secret in (NAME, "Balmes", PHONE, EMAIL, "Montserrat"):
        assert secret not in written


# ---------------------------------------------------------------------- the request detail


def test_the_request_detail_says_which_files_the_bucket_holds(api: ModuleType, case: str) -> None:
    stored = grant(api, filename="abans.jpg", content_type="image/jpeg")
    upload(stored, content_type="image/jpeg")
    lost = grant(api, filename="després.jpg", content_type="image/jpeg")

    files = detail(api)["request"]["attachments"]

    assert [(f["attachment_id"], f["filename"], f["uploaded"]) for f in files] == [
        (stored["attachment_id"], "abans.jpg", True),
        (lost["attachment_id"], "després.jpg", False),
    ]
    assert files[0]["key"] == f"requests/{REFERENCE}/{stored['attachment_id']}"


def test_the_request_detail_checks_its_first_twenty_files_only(
    api: ModuleType, seed: Seeder, case: str
) -> None:
    keys = [f"requests/{REFERENCE}/{new_id('att')}" for _ in range(21)]
    for key in keys[::2]:
        put_object(ATTACHMENTS_BUCKET, key, b"x")
    annotate(
        seed,
        [
            Attachment(key=k, filename=f"{n}.jpg", content_type="image/jpeg", size=1)
            for n, k in enumerate(keys)
        ],
    )

    files = detail(api)["request"]["attachments"]

    assert [f["uploaded"] for f in files[:20]] == [n % 2 == 0 for n in range(20)]
    assert files[20]["uploaded"] is None


# ---------------------------------------------------------------------- the local stack


@pytest.fixture
def moto_server() -> Iterator[str]:
    """Moto's server on a free loopback port, as the local stack runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_the_local_stack_s_moto_answers_a_browser_on_the_gateway_s_origin(
    moto_server: str,
) -> None:
    # The local stack creates the bucket without the template's CORS rule (it has no
    # desktop origin to name); moto's server answers every origin by itself.
    s3 = boto3.client(
        "s3",
        region_name=REGION,
        endpoint_url=moto_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),
    )
    s3.create_bucket(
        Bucket=ATTACHMENTS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    granted = PresignedUploads(s3, ATTACHMENTS_BUCKET, 600).presign(
        "requests/x/att_1", "text/plain", 4
    )
    gateway = "http://127.0.0.1:8787"

    preflight = requests.options(
        granted.url,
        headers={"Origin": gateway, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    posted = requests.post(
        granted.url,
        data=granted.fields,
        files={"file": ("a.txt", b"hola", "text/plain")},
        headers={"Origin": gateway},
        timeout=10,
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == gateway
    assert posted.status_code == 204
    assert posted.headers["Access-Control-Allow-Origin"] == gateway
