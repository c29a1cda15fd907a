"""Reading moto's state the way a test looks at the outside world."""

import base64
import json
from typing import Any

import boto3
from moto.backends import get_backend

from tests.conftest import REGION

ACCOUNT = "123456789012"


def table_items(prefix: str = "", table: str = "FinestraTable") -> list[dict[str, Any]]:
    """Every item whose PK starts with ``prefix``, plain (tests may scan; code may not)."""
    from boto3.dynamodb.types import TypeDeserializer

    client = boto3.client("dynamodb", region_name=REGION)
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**params)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    reader = TypeDeserializer()
    plain = [{k: reader.deserialize(v) for k, v in item.items()} for item in items]
    return [i for i in plain if str(i.get("PK", i.get("id", ""))).startswith(prefix)]


def table_dump() -> str:
    """The whole table as text, as somebody holding a backup would see it."""
    client = boto3.client("dynamodb", region_name=REGION)
    return json.dumps(client.scan(TableName="FinestraTable")["Items"], ensure_ascii=False)


def sent_sms() -> list[tuple[str, str]]:
    """Every SMS the city sent through SNS: (number, text)."""
    backend = get_backend("sns")[ACCOUNT][REGION]
    return list(backend.sms_messages.values())


def s3_object(bucket: str, key: str) -> bytes:
    """The bytes of one object."""
    client = boto3.client("s3", region_name=REGION)
    return bytes(client.get_object(Bucket=bucket, Key=key)["Body"].read())


def s3_keys(bucket: str) -> list[str]:
    """The keys of a bucket."""
    client = boto3.client("s3", region_name=REGION)
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def put_object(bucket: str, key: str, body: bytes) -> None:
    """Store an object, as SES's receipt rule does."""
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=body)


def http_body(response: dict[str, Any]) -> Any:
    """The JSON (or text) body of a Lambda proxy response."""
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    try:
        return json.loads(body)
    except ValueError:
        return body
