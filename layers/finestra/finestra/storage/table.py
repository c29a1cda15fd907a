"""A thin, typed face on one DynamoDB table: conditional writes and counted capacity."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from finestra.domain.errors import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
else:
    DynamoDBClient = Any

Item = dict[str, Any]

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    if isinstance(value, set | frozenset):
        return {_to_dynamo(v) for v in value}
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


def serialise(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python (JSON-mode pydantic output) to DynamoDB attribute values."""
    plain = _to_dynamo(dict(item))
    return {k: _SERIALIZER.serialize(v) for k, v in plain.items()}


def deserialise(item: Mapping[str, Any]) -> Item:
    """DynamoDB attribute values to plain Python."""
    return {k: _from_dynamo(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


@dataclass
class CapacityMeter:
    """Adds up the capacity units DynamoDB reports, for benchmarks and metrics."""

    read_units: float = 0.0
    write_units: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)

    def add(
        self, operation: str, consumed: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    ) -> None:
        """Count what one call reports under ``ConsumedCapacity``."""
        self.calls[operation] = self.calls.get(operation, 0) + 1
        entries = [consumed] if isinstance(consumed, Mapping) else list(consumed)
        units = sum(float(entry.get("CapacityUnits", 0.0)) for entry in entries)
        if operation in _READS:
            self.read_units += units
        else:
            self.write_units += units


_READS = frozenset({"GetItem", "Query", "BatchGetItem", "TransactGetItems"})
_BATCH_GET_LIMIT = 100


@dataclass(frozen=True)
class Put:
    """A conditional put, alone or inside a transaction."""

    item: Item
    condition: str = "attribute_not_exists(PK)"
    values: Item | None = None


@dataclass(frozen=True)
class Update:
    """A conditional update, alone or inside a transaction."""

    key: dict[str, str]
    expression: str
    condition: str
    names: dict[str, str] | None = None
    values: Item | None = None


@dataclass(frozen=True)
class Delete:
    """A conditional delete, alone or inside a transaction."""

    key: dict[str, str]
    condition: str | None = None
    values: Item | None = None


@dataclass(frozen=True)
class Check:
    """A condition another item must meet for a transaction to go through; it writes nothing."""

    key: dict[str, str]
    condition: str
    names: dict[str, str] | None = None
    values: Item | None = None


class TransactionConflict(Conflict):
    """A transaction was cancelled; ``reasons`` holds each item's cancellation code."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("the stored state changed while writing; try again")
        self.reasons = reasons


class Table:
    """The operations Finestra's stores use, with capacity counted on every call."""

    def __init__(
        self, client: DynamoDBClient, name: str, meter: CapacityMeter | None = None
    ) -> None:
        self._client = client
        self.name = name
        self.meter = meter or CapacityMeter()

    def get(self, key: Mapping[str, str], *, consistent: bool = False) -> Item | None:
        """``GetItem``; ``None`` when absent."""
        response = self._client.get_item(
            TableName=self.name,
            Key=serialise(key),
            ConsistentRead=consistent,
            ReturnConsumedCapacity="TOTAL",
        )
        self._count("GetItem", response)
        found = response.get("Item")
        return deserialise(found) if found else None

    def query(
        self,
        condition: str,
        values: Item,
        *,
        index: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        start: Mapping[str, Any] | None = None,
        filter_expression: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> tuple[list[Item], dict[str, Any] | None]:
        """One page of a ``Query``; returns the items and the key to go on from.

        ``filter_expression`` drops items after they are read: they still cost their
        read units, and ``limit`` counts them.
        """
        params = self._query_params(condition, values, index, filter_expression, names)
        params["ScanIndexForward"] = forward
        if limit:
            params["Limit"] = limit
        if start:
            params["ExclusiveStartKey"] = serialise(start)
        response = self._client.query(**params)
        self._count("Query", response)
        last = response.get("LastEvaluatedKey")
        return [deserialise(i) for i in response["Items"]], deserialise(last) if last else None

    def count(
        self,
        condition: str,
        values: Item,
        *,
        index: str | None = None,
        filter_expression: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> int:
        """How many items a ``Query`` matches (``Select=COUNT``, every page)."""
        params = self._query_params(condition, values, index, filter_expression, names)
        params["Select"] = "COUNT"
        total = 0
        while True:
            response = self._client.query(**params)
            self._count("Query", response)
            total += int(response["Count"])
            last = response.get("LastEvaluatedKey")
            if not last:
                return total
            params["ExclusiveStartKey"] = last

    def batch_get(
        self, keys: Sequence[Mapping[str, str]], *, attributes: Sequence[str] = ()
    ) -> list[Item]:
        """``BatchGetItem`` of up to 100 keys; absent items are left out, order is not kept.

        ``attributes`` narrows what comes back (the read costs the same). Keys DynamoDB
        leaves unprocessed are asked for again, up to three times, then read one by one.
        """
        if len(keys) > _BATCH_GET_LIMIT:
            raise ValueError("one BatchGetItem reads at most 100 keys")
        request: dict[str, Any] = {"Keys": [serialise(key) for key in keys]}
        if attributes:
            names = {f"#a{i}": name for i, name in enumerate(attributes)}
            request["ProjectionExpression"] = ", ".join(names)
            request["ExpressionAttributeNames"] = names
        found: list[Item] = []
        pending: Any = request if keys else None
        for _ in range(3):
            if pending is None:
                break
            response = self._client.batch_get_item(
                RequestItems={self.name: pending}, ReturnConsumedCapacity="TOTAL"
            )
            self._count("BatchGetItem", response)
            found.extend(deserialise(i) for i in response["Responses"].get(self.name, []))
            pending = (response.get("UnprocessedKeys") or {}).get(self.name)
        for key in (pending or {}).get("Keys", []):
            item = self.get(deserialise(key))
            if item is not None:
                found.append(item)
        return found

    def put(self, put: Put) -> None:
        """A conditional ``PutItem``; a failed condition is a :class:`Conflict`."""
        params = self._put_params(put)
        try:
            response = self._client.put_item(ReturnConsumedCapacity="INDEXES", **params)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict("the item already exists or changed meanwhile") from exc
        self._count("PutItem", response)

    def update(self, update: Update) -> Item:
        """A conditional ``UpdateItem``; returns the item's new attributes."""
        params = self._update_params(update)
        try:
            response = self._client.update_item(
                ReturnValues="ALL_NEW", ReturnConsumedCapacity="INDEXES", **params
            )
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict("the item does not exist or changed meanwhile") from exc
        self._count("UpdateItem", response)
        return deserialise(response["Attributes"])

    def delete(self, delete: Delete) -> None:
        """A ``DeleteItem``; an absent item is no error, a failed condition a :class:`Conflict`."""
        params = self._delete_params(delete)
        try:
            response = self._client.delete_item(ReturnConsumedCapacity="INDEXES", **params)
        except self._client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict("the item does not exist or changed meanwhile") from exc
        self._count("DeleteItem", response)

    def transact(self, writes: Sequence[Put | Update | Delete | Check]) -> None:
        """All ``writes`` or none; a cancelled transaction is a :class:`TransactionConflict`."""
        items: list[dict[str, Any]] = []
        for write in writes:
            if isinstance(write, Put):
                items.append({"Put": self._put_params(write)})
            elif isinstance(write, Delete):
                items.append({"Delete": self._delete_params(write)})
            elif isinstance(write, Check):
                items.append({"ConditionCheck": self._check_params(write)})
            else:
                items.append({"Update": self._update_params(write)})
        try:
            response = self._client.transact_write_items(
                TransactItems=items,  # type: ignore[arg-type]
                ReturnConsumedCapacity="INDEXES",
            )
        except self._client.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            raise TransactionConflict(reasons) from exc
        self._count("TransactWriteItems", response)

    def _query_params(
        self,
        condition: str,
        values: Item,
        index: str | None,
        filter_expression: str | None,
        names: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": serialise(values),
            "ReturnConsumedCapacity": "TOTAL",
        }
        if index:
            params["IndexName"] = index
        if filter_expression:
            params["FilterExpression"] = filter_expression
        if names:
            params["ExpressionAttributeNames"] = dict(names)
        return params

    def _delete_params(self, delete: Delete) -> dict[str, Any]:
        params: dict[str, Any] = {"TableName": self.name, "Key": serialise(delete.key)}
        if delete.condition:
            params["ConditionExpression"] = delete.condition
        if delete.values:
            params["ExpressionAttributeValues"] = serialise(delete.values)
        return params

    def _check_params(self, check: Check) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialise(check.key),
            "ConditionExpression": check.condition,
        }
        if check.names:
            params["ExpressionAttributeNames"] = check.names
        if check.values:
            params["ExpressionAttributeValues"] = serialise(check.values)
        return params

    def _put_params(self, put: Put) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "Item": serialise(put.item),
            "ConditionExpression": put.condition,
        }
        if put.values:
            params["ExpressionAttributeValues"] = serialise(put.values)
        return params

    def _update_params(self, update: Update) -> dict[str, Any]:
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialise(update.key),
            "UpdateExpression": update.expression,
            "ConditionExpression": update.condition,
        }
        if update.names:
            params["ExpressionAttributeNames"] = update.names
        if update.values:
            params["ExpressionAttributeValues"] = serialise(update.values)
        return params

    def _count(self, operation: str, response: Mapping[str, Any]) -> None:
        self.meter.add(operation, response.get("ConsumedCapacity") or [])
