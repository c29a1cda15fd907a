"""The nightly open-data export: rows the stream kept, written to the bucket as the city's CSV."""

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3
import pytest

from finestra.domain.vocabulary import RequestState
from finestra.insights.export import OpenDataExportApp, OpenDataExportSettings
from finestra.insights.opendata import COLUMNS
from finestra.insights.recorder import InsightRecorder
from finestra.runtime import IntakeRuntime, Lazy
from finestra.settings import FunctionSettings
from tests.conftest import REGION, FakeLambdaContext
from tests.integration.test_insights import ZONE, Requests, changed, record
from tests.support.aws import s3_keys, s3_object

BUCKET = "finestra-open-data-test"
TODAY = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
YESTERDAY = "2026-03-10"
KEY = f"requests/dt={YESTERDAY}/requests.csv"
PLANTED = "Montserrat Vilaplana"


@pytest.fixture
def export(function: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The export function, its bucket created, on a clock of the morning after 10 March."""
    monkeypatch.setenv("FINESTRA_OPEN_DATA_BUCKET", BUCKET)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    module = function("open_data_export")
    built = Lazy(lambda: OpenDataExportApp(OpenDataExportSettings(), clock=lambda: TODAY))
    monkeypatch.setattr(module, "app", built)
    return module


@pytest.fixture
def kept(aws: None) -> list[str]:
    """Three requests of 10 March (one about noise, one closed) and one of 9 March, as rows."""
    runtime = IntakeRuntime(FunctionSettings())
    requests = Requests(runtime)
    recorder = InsightRecorder(runtime.table, runtime.catalogue, ZONE)
    opened = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    pothole = requests.build(
        "BCN-2026-000501", at=opened, citizen_id="cit_planted", text=f"Sóc {PLANTED}, veïna."
    )
    noise = requests.build("BCN-2026-000502", at=opened, theme_code="noise.neighbours")
    lamp = requests.build("BCN-2026-000503", at=opened, theme_code="lighting.streetlight-off")
    closed = changed(lamp, state=RequestState.CLOSED, updated_at=opened + timedelta(days=2))
    earlier = requests.build("BCN-2026-000504", at=opened - timedelta(days=1))
    for request in (pothole, noise, lamp, earlier):
        recorder.handle(record(requests.item(request)))
    recorder.handle(record(requests.item(closed), requests.item(lamp)))
    return ["BCN-2026-000501", "BCN-2026-000502", "BCN-2026-000503"]


def rows(body: bytes) -> dict[str, dict[str, str]]:
    return {row["FITXA_ID"]: row for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}


def test_given_yesterdays_rows_then_the_export_writes_them_as_the_citys_csv(
    export: ModuleType, kept: list[str]
) -> None:
    answer = export.lambda_handler({}, FakeLambdaContext())

    body = s3_object(BUCKET, KEY)
    found = rows(body)
    assert answer == {"day": YESTERDAY, "rows": 3}
    assert body.decode("utf-8").splitlines()[0].split(",") == list(COLUMNS)
    assert sorted(found) == kept
    assert found["BCN-2026-000501"]["LATITUD"] == "41.391700"
    assert found["BCN-2026-000501"]["DIA_DATA_TANCAMENT"] == ""
    assert (
        found["BCN-2026-000503"]["DIA_DATA_TANCAMENT"],
        found["BCN-2026-000503"]["MES_DATA_TANCAMENT"],
        found["BCN-2026-000503"]["ANY_DATA_TANCAMENT"],
    ) == ("12", "03", "2026")


def test_given_a_sensitive_theme_then_its_exported_row_has_no_location(
    export: ModuleType, kept: list[str]
) -> None:
    export.lambda_handler({}, FakeLambdaContext())

    noise = rows(s3_object(BUCKET, KEY))["BCN-2026-000502"]
    for column in ("COORDENADA_X", "COORDENADA_Y", "LONGITUD", "LATITUD", "CARRER", "NUMERO"):
        assert noise[column] == ""
    assert noise["CODI_DISTRICTE"] == "2"


def test_given_a_name_in_a_description_then_the_csv_holds_no_personal_data(
    export: ModuleType, kept: list[str]
) -> None:
    export.lambda_handler({}, FakeLambdaContext())

    text = s3_object(BUCKET, KEY).decode("utf-8")
    assert PLANTED not in text
    assert "Vilaplana" not in text
    assert "cit_planted" not in text
    assert "Balmes" not in text


def test_given_a_replay_then_the_same_object_is_written_again_identically(
    export: ModuleType, kept: list[str]
) -> None:
    export.lambda_handler({}, FakeLambdaContext())
    first = s3_object(BUCKET, KEY)

    export.lambda_handler({}, FakeLambdaContext())

    assert s3_object(BUCKET, KEY) == first
    assert s3_keys(BUCKET) == [KEY]


def test_given_the_export_then_it_logs_the_day_and_counts_only(
    export: ModuleType, kept: list[str], logs: Callable[[], list[dict[str, Any]]]
) -> None:
    export.lambda_handler({}, FakeLambdaContext())

    lines = logs()
    exported = [line for line in lines if line.get("message") == "Open data exported"]
    assert [(line["day"], line["rows"]) for line in exported] == [(YESTERDAY, 3)]
    text = repr(lines)
    assert PLANTED not in text
    assert "BCN-2026-000501" not in text


def test_given_a_day_with_no_requests_then_the_export_writes_the_header_alone(
    export: ModuleType,
) -> None:
    answer = export.lambda_handler({}, FakeLambdaContext())

    assert answer["rows"] == 0
    assert s3_object(BUCKET, KEY).decode("utf-8").splitlines() == [",".join(COLUMNS)]
