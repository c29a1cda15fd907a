"""Read ``template.yaml`` the way CloudFormation does, for tests.

Tests build their DynamoDB tables from the template's own key schema, so a table in a
test can never drift from the deployed one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from finestra_local.resources import load_template as read_template

__all__ = ["TemplateError", "load_template", "table_create_kwargs"]


class TemplateError(ValueError):
    """The template does not hold what the caller asked for, in the form asked."""


def load_template(path: Path = Path("template.yaml")) -> dict[str, Any]:
    """Parse a CloudFormation or SAM template written in YAML, short-form tags included.

    The local stack's own reader, so tests and the local stack read the template alike.
    """
    return read_template(path)


def _literal(properties: dict[str, Any], key: str, logical_id: str) -> Any:
    """Return a table property that must be written out literally in the template.

    Parameters
    ----------
    properties : dict[str, Any]
        The table resource's ``Properties``.
    key : str
        The property name.
    logical_id : str
        The table's logical id, for the error message.

    Returns
    -------
    Any
        The property value.

    Raises
    ------
    TemplateError
        When the property is missing or uses an intrinsic function, which a test
        cannot resolve.
    """
    if key not in properties:
        raise TemplateError(f"{logical_id} has no {key}")
    value = properties[key]
    if _has_intrinsic(value):
        raise TemplateError(f"{logical_id}.{key} must be literal to build a test table")
    return value


def _has_intrinsic(value: Any) -> bool:
    if isinstance(value, dict):
        if any(key == "Ref" or key.startswith("Fn::") for key in value):
            return True
        return any(_has_intrinsic(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_intrinsic(item) for item in value)
    return False


def _key_schema(elements: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"AttributeName": element["AttributeName"], "KeyType": element["KeyType"]}
        for element in elements
    ]


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"ProjectionType": projection.get("ProjectionType", "KEYS_ONLY")}
    if "NonKeyAttributes" in projection:
        result["NonKeyAttributes"] = list(projection["NonKeyAttributes"])
    return result


def _index(index: dict[str, Any], provisioned: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "IndexName": index["IndexName"],
        "KeySchema": _key_schema(index["KeySchema"]),
        "Projection": _projection(index.get("Projection", {})),
    }
    if provisioned and "ProvisionedThroughput" in index:
        result["ProvisionedThroughput"] = dict(index["ProvisionedThroughput"])
    return result


def table_create_kwargs(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """Build boto3 ``create_table`` arguments from a table resource of the template.

    Parameters
    ----------
    template : dict[str, Any]
        A template read by :func:`load_template`.
    logical_id : str
        The logical id of an ``AWS::DynamoDB::Table`` resource; it is also the name of
        the table created, so tests and the local stack find it under its own name.

    Returns
    -------
    dict[str, Any]
        ``TableName``, ``KeySchema``, ``AttributeDefinitions`` and ``BillingMode``, plus
        ``GlobalSecondaryIndexes``, ``LocalSecondaryIndexes``, ``StreamSpecification``
        and ``ProvisionedThroughput`` where the resource declares them.

    Raises
    ------
    TemplateError
        When the resource is missing, is not a DynamoDB table, or writes its key schema
        with intrinsic functions.

    Examples
    --------
    >>> kwargs = table_create_kwargs(load_template(), "FinestraTable")
    >>> boto3.client("dynamodb").create_table(**kwargs)  # doctest: +SKIP
    """
    resource = template.get("Resources", {}).get(logical_id)
    if not isinstance(resource, dict):
        raise TemplateError(f"the template has no resource {logical_id}")
    if resource.get("Type") != "AWS::DynamoDB::Table":
        raise TemplateError(f"{logical_id} is not an AWS::DynamoDB::Table")
    properties: dict[str, Any] = resource.get("Properties", {})
    billing_mode = properties.get("BillingMode", "PROVISIONED")
    provisioned = billing_mode == "PROVISIONED"

    kwargs: dict[str, Any] = {
        "TableName": logical_id,
        "KeySchema": _key_schema(_literal(properties, "KeySchema", logical_id)),
        "AttributeDefinitions": [
            {"AttributeName": item["AttributeName"], "AttributeType": item["AttributeType"]}
            for item in _literal(properties, "AttributeDefinitions", logical_id)
        ],
        "BillingMode": billing_mode,
    }
    if provisioned:
        kwargs["ProvisionedThroughput"] = dict(
            _literal(properties, "ProvisionedThroughput", logical_id)
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in properties:
            indexes = _literal(properties, key, logical_id)
            kwargs[key] = [_index(index, provisioned) for index in indexes]
    if "StreamSpecification" in properties:
        stream = _literal(properties, "StreamSpecification", logical_id)
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    return kwargs
