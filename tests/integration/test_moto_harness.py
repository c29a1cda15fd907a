"""The local harness: an ASL file of the template runs under moto with in-process handlers.

A small repository is written under ``tmp_path`` (two handler folders, one state machine
file, a template naming them), so these tests hold whatever the project's own workflow
looks like. Retry waits are real one-second sleeps in moto: each test retries at most
once per Map item.
"""

import inspect
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_lambda,
)

from finestra_local.lambdas import MOTO_METHOD, InProcessLambdas, TemplateError
from finestra_local.stepfunctions import (
    INTERPRETER_CONFIG,
    create_state_machine,
    definition_from_template,
)
from tests.conftest import REGION
from tests.support.workflow import TaskFailure, run_execution

MACHINE = "HarnessStateMachine"
DEADLINE_S = 20

ECHO_HANDLER = '''
"""Answers with its event and what the runtime told it."""


def lambda_handler(event, context):
    return {
        "event": event,
        "function_name": context.function_name,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
'''

FLAKY_HANDLER = '''
"""A back-office system that fails its first answers, or holds something broken.

It also checks that no other invocation is running in its module meanwhile, as none
would be in a Lambda execution environment.
"""

import time

from finestra.domain.errors import FinestraError

busy = False


class SystemUnavailable(FinestraError):
    code = "system_unavailable"


class LedgerCorrupted(Exception):
    pass


class SharedEnvironment(Exception):
    pass


def lambda_handler(event, context):
    global busy
    if busy:
        raise SharedEnvironment()
    busy = True
    try:
        time.sleep(0.05)
        return answer(event)
    finally:
        busy = False


def answer(event):
    if event["corrupt"]:
        raise LedgerCorrupted("row 42 holds the phone number 612345678")
    if event["attempt"] < event["failures"]:
        raise SystemUnavailable("the back-office system did not answer")
    return {"system": event["system"], "attempt": event["attempt"]}
'''

DEFINITION = {
    "Comment": "Echo the request, then ask every back-office system about it.",
    "StartAt": "Echo",
    "States": {
        "Echo": {
            "Type": "Task",
            "Resource": "${EchoFunctionArn}",
            "ResultPath": "$.echo",
            "Next": "LookUp",
        },
        "LookUp": {
            "Type": "Map",
            "ItemsPath": "$.systems",
            "MaxConcurrency": 4,
            "Parameters": {"system.$": "$$.Map.Item.Value"},
            "Iterator": {
                "StartAt": "AskSystem",
                "States": {
                    "AskSystem": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {
                            "FunctionName": "${FlakyFunctionArn}",
                            "Payload": {
                                "system.$": "$.system.name",
                                "failures.$": "$.system.failures",
                                "corrupt.$": "$.system.corrupt",
                                "attempt.$": "$$.State.RetryCount",
                            },
                        },
                        "ResultSelector": {
                            "system.$": "$.Payload.system",
                            "available": True,
                            "attempt.$": "$.Payload.attempt",
                        },
                        "Retry": [
                            {
                                "ErrorEquals": ["SystemUnavailable"],
                                "IntervalSeconds": 1,
                                "MaxAttempts": 1,
                                "BackoffRate": 1,
                            }
                        ],
                        "Catch": [
                            {
                                "ErrorEquals": ["SystemUnavailable"],
                                "ResultPath": "$.error",
                                "Next": "MarkUnavailable",
                            }
                        ],
                        "End": True,
                    },
                    "MarkUnavailable": {
                        "Type": "Pass",
                        "Parameters": {
                            "system.$": "$.system.name",
                            "available": False,
                            "error.$": "$.error.Error",
                        },
                        "End": True,
                    },
                },
            },
            "ResultPath": "$.lookups",
            "End": True,
        },
    },
}


def template() -> dict[str, Any]:
    """A template as ``load_template`` gives it: tags in their long form."""
    return {
        "Globals": {"Function": {"Timeout": 15, "MemorySize": 512}},
        "Resources": {
            "EchoFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "functions/echo/", "Handler": "handler.lambda_handler"},
            },
            "FlakyFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "functions/flaky/",
                    "Handler": "handler.lambda_handler",
                    "Timeout": 8,
                },
            },
            MACHINE: {
                "Type": "AWS::Serverless::StateMachine",
                "Properties": {
                    "Type": "EXPRESS",
                    "DefinitionUri": "infra/statemachines/harness.asl.json",
                    "DefinitionSubstitutions": {
                        "EchoFunctionArn": {"Fn::GetAtt": ["EchoFunction", "Arn"]},
                        "FlakyFunctionArn": {"Fn::GetAtt": ["FlakyFunction", "Arn"]},
                    },
                },
            },
        },
    }


def system(name: str, failures: int = 0, corrupt: bool = False) -> dict[str, Any]:
    return {"name": name, "failures": failures, "corrupt": corrupt}


@dataclass
class Harness:
    lambdas: InProcessLambdas
    lambda_client: Any
    sfn: Any
    arns: dict[str, str]
    machine_arn: str


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root with the two functions and the state machine file."""
    for name, source in (("echo", ECHO_HANDLER), ("flaky", FLAKY_HANDLER)):
        folder = tmp_path / "functions" / name
        folder.mkdir(parents=True)
        (folder / "handler.py").write_text(source, encoding="utf-8")
    machines = tmp_path / "infra" / "statemachines"
    machines.mkdir(parents=True)
    (machines / "harness.asl.json").write_text(json.dumps(DEFINITION, indent=2), encoding="utf-8")
    return tmp_path


@pytest.fixture
def harness(repo: Path) -> Iterator[Harness]:
    """Moto with its interpreter on, the functions created and run in-process."""
    with mock_aws(config=INTERPRETER_CONFIG), InProcessLambdas(template(), repo) as lambdas:
        iam = boto3.client("iam", region_name=REGION)
        role_arn = iam.create_role(
            RoleName="finestra-local",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        lambda_client = boto3.client("lambda", region_name=REGION)
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arns = lambdas.create_functions(lambda_client, role_arn)
        machine_arn = create_state_machine(sfn, template(), MACHINE, repo, arns, role_arn=role_arn)
        yield Harness(lambdas, lambda_client, sfn, arns, machine_arn)


def test_a_task_result_flows_through_the_execution(harness: Harness) -> None:
    execution = run_execution(
        harness.sfn,
        harness.machine_arn,
        {"reference": "BCN-2026-000123", "systems": []},
        deadline_s=DEADLINE_S,
    )

    assert execution.status == "SUCCEEDED"
    echo = execution.output["echo"]
    assert echo["event"] == {"reference": "BCN-2026-000123", "systems": []}
    assert echo["function_name"] == "EchoFunction"
    assert echo["invoked_function_arn"] == harness.arns["EchoFunction"]
    assert echo["memory_limit_in_mb"] == 512
    assert 0 < echo["remaining_ms"] <= 15_000
    assert execution.output["lookups"] == []
    assert execution.history().states_entered() == ["Echo", "LookUp"]


def test_the_state_machine_keeps_the_templates_type(harness: Harness) -> None:
    described = harness.sfn.describe_state_machine(stateMachineArn=harness.machine_arn)

    assert described["type"] == "EXPRESS"
    assert "${" not in described["definition"]
    assert harness.arns["FlakyFunction"] in described["definition"]


def test_a_task_failing_with_the_custom_error_name_is_retried(harness: Harness) -> None:
    execution = run_execution(
        harness.sfn,
        harness.machine_arn,
        {"systems": [system("padro", failures=1)]},
        deadline_s=DEADLINE_S,
    )

    assert execution.status == "SUCCEEDED"
    assert execution.output["lookups"] == [{"system": "padro", "available": True, "attempt": 1}]
    history = execution.history()
    assert history.attempts_of("AskSystem") == 2
    assert history.retries_of("AskSystem") == 1
    assert history.task_failures() == [
        TaskFailure(
            state="AskSystem",
            error="SystemUnavailable",
            cause={
                "errorType": "SystemUnavailable",
                "errorMessage": "the back-office system did not answer",
            },
        )
    ]


def test_a_task_that_keeps_failing_is_caught_into_the_fallback_state(harness: Harness) -> None:
    execution = run_execution(
        harness.sfn,
        harness.machine_arn,
        {"systems": [system("padro", failures=5)]},
        deadline_s=DEADLINE_S,
    )

    assert execution.status == "SUCCEEDED"
    assert execution.output["lookups"] == [
        {"system": "padro", "available": False, "error": "SystemUnavailable"}
    ]
    history = execution.history()
    assert history.retries_of("AskSystem") == 1
    assert history.states_entered()[-2:] == ["AskSystem", "MarkUnavailable"]


def test_a_map_runs_its_task_for_every_item_in_order_each_in_its_own_environment(
    harness: Harness,
) -> None:
    names = ["padro", "tributs", "serveis-socials", "multes", "urbanisme", "cementiris"]

    execution = run_execution(
        harness.sfn,
        harness.machine_arn,
        {"systems": [system(name) for name in names]},
        deadline_s=DEADLINE_S,
    )

    assert execution.status == "SUCCEEDED"
    assert execution.output["lookups"] == [
        {"system": name, "available": True, "attempt": 0} for name in names
    ]
    history = execution.history()
    assert history.states_entered().count("AskSystem") == len(names)
    assert history.attempts_of("AskSystem") == len(names)
    assert 1 <= len(harness.lambdas.modules("FlakyFunction")) <= 4


def test_an_unexpected_exception_fails_the_execution_with_its_class_name(
    harness: Harness,
) -> None:
    execution = run_execution(
        harness.sfn,
        harness.machine_arn,
        {"systems": [system("padro", corrupt=True)]},
        deadline_s=DEADLINE_S,
    )

    assert execution.status == "FAILED"
    assert execution.error == "LedgerCorrupted"
    assert execution.cause is not None
    assert json.loads(execution.cause) == {
        "errorType": "LedgerCorrupted",
        "errorMessage": "LedgerCorrupted",
    }
    assert "612345678" not in json.dumps(execution.history().events, default=str)


def test_a_direct_invoke_runs_the_handler_and_imports_it_once(harness: Harness) -> None:
    answers = [
        json.loads(
            harness.lambda_client.invoke(FunctionName="EchoFunction", Payload=b'{"n": 1}')[
                "Payload"
            ].read()
        )
        for _ in range(2)
    ]

    assert [answer["event"] for answer in answers] == [{"n": 1}, {"n": 1}]
    assert answers[0]["aws_request_id"] != answers[1]["aws_request_id"]
    assert len(harness.lambdas.modules("EchoFunction")) == 1


def test_a_handled_error_answers_in_the_shape_aws_gives(harness: Harness) -> None:
    payload = {"system": "padro", "failures": 1, "corrupt": False, "attempt": 0}

    response = harness.lambda_client.invoke(
        FunctionName="FlakyFunction", Payload=json.dumps(payload).encode(), LogType="Tail"
    )

    assert "FunctionError" in response
    assert json.loads(response["Payload"].read()) == {
        "errorType": "SystemUnavailable",
        "errorMessage": "the back-office system did not answer",
    }


def test_functions_named_otherwise_are_found_through_the_name_map(repo: Path) -> None:
    names = {"finestra-local-echo": "EchoFunction"}
    with mock_aws(), InProcessLambdas(template(), repo, names=names):
        iam = boto3.client("iam", region_name=REGION)
        role_arn = iam.create_role(RoleName="finestra-local", AssumeRolePolicyDocument="{}")[
            "Role"
        ]["Arn"]
        client = boto3.client("lambda", region_name=REGION)
        client.create_function(
            FunctionName="finestra-local-echo",
            Runtime="python3.11",
            Role=role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": _zip()},
        )

        response = client.invoke(FunctionName="finestra-local-echo", Payload=b"{}")

    answer = json.loads(response["Payload"].read())
    assert answer["function_name"] == "finestra-local-echo"
    assert answer["event"] == {}


def test_a_definition_with_an_undeclared_placeholder_is_refused(repo: Path) -> None:
    broken = template()
    del broken["Resources"][MACHINE]["Properties"]["DefinitionSubstitutions"]["EchoFunctionArn"]

    with pytest.raises(TemplateError, match="EchoFunctionArn"):
        definition_from_template(broken, MACHINE, repo, {"FlakyFunction": "arn:flaky"})


def test_a_substitution_without_a_value_is_refused(repo: Path) -> None:
    with pytest.raises(TemplateError, match="needs a value for EchoFunction"):
        definition_from_template(template(), MACHINE, repo, {"FlakyFunction": "arn:flaky"})


def test_motos_private_invocation_method_is_the_one_every_invocation_goes_through() -> None:
    """Pin: if an upgrade of moto changes any of this, the in-process runner must follow."""
    method = LambdaFunction.__dict__[MOTO_METHOD]
    signature = inspect.signature(method)

    assert list(signature.parameters) == ["self", "event"]
    assert signature.parameters["event"].default is None
    assert signature.return_annotation == "tuple[str, bool, str]"
    invoke = inspect.getsource(LambdaFunction.invoke)
    assert "self._invoke_lambda(event=body)" in invoke
    assert 'response_headers["x-amz-function-error"]' in invoke
    # Step Functions names a Lambda error after the payload's errorType.
    assert 'get("FunctionError")' in inspect.getsource(
        lambda_eval_utils.execute_lambda_function_integration
    )
    assert 'cause_object["errorType"]' in inspect.getsource(
        state_task_service_lambda.StateTaskServiceLambda._from_error
    )


def test_uninstall_gives_moto_its_own_method_back(repo: Path) -> None:
    original = LambdaFunction.__dict__[MOTO_METHOD]
    lambdas = InProcessLambdas(template(), repo)

    with lambdas:
        assert LambdaFunction.__dict__[MOTO_METHOD] is not original
        assert lambdas.installed

    assert LambdaFunction.__dict__[MOTO_METHOD] is original
    assert not lambdas.installed


def test_the_method_is_given_back_when_the_block_raises(repo: Path) -> None:
    original = LambdaFunction.__dict__[MOTO_METHOD]

    def fail_inside() -> None:
        with InProcessLambdas(template(), repo):
            raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fail_inside()

    assert LambdaFunction.__dict__[MOTO_METHOD] is original


def test_a_second_runner_cannot_be_installed_over_the_first(repo: Path) -> None:
    with InProcessLambdas(template(), repo), pytest.raises(RuntimeError, match="already"):
        InProcessLambdas(template(), repo).install()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "")
    return buffer.getvalue()


def test_the_moto_correction_is_still_needed_and_keeps_one_backend_per_account() -> None:
    from moto.core.base_backend import BackendDict

    from finestra_local import moto_fixes

    moto_fixes.apply()

    assert moto_fixes.needed(), "moto no longer compares backends by value: drop the fix"
    from moto.sqs.models import sqs_backends

    sqs_backends["123456789012"]
    sqs_backends["123456789012"]
    registered = [d for d in BackendDict._instances if d is sqs_backends]  # type: ignore[misc]
    assert len(registered) == 1


def test_a_failed_transaction_puts_back_only_the_items_it_named() -> None:
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models import dynamodb_backends

    from finestra_local import moto_fixes

    moto_fixes.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName="T",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        for name in ("kept", "updated", "deleted"):
            client.put_item(
                TableName="T", Item={"PK": {"S": name}, "SK": {"S": "x"}, "v": {"N": "1"}}
            )
        backend = dynamodb_backends["123456789012"]["eu-west-1"]
        table = backend.tables["T"]
        assert table.stream_shard is not None
        records = len(table.stream_shard.items)

        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "T", "Item": {"PK": {"S": "new"}, "SK": {"S": "x"}}}},
                    {
                        "Update": {
                            "TableName": "T",
                            "Key": {"PK": {"S": "updated"}, "SK": {"S": "x"}},
                            "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}},
                        }
                    },
                    {
                        "Delete": {
                            "TableName": "T",
                            "Key": {"PK": {"S": "deleted"}, "SK": {"S": "x"}},
                        }
                    },
                    {
                        "ConditionCheck": {
                            "TableName": "T",
                            "Key": {"PK": {"S": "kept"}, "SK": {"S": "x"}},
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ]
            )

        items = client.scan(TableName="T")["Items"]
        assert backend.tables["T"] is table, "the table was replaced by a whole copy"
        assert sorted((i["PK"]["S"], i["v"]["N"]) for i in items) == [
            ("deleted", "1"),
            ("kept", "1"),
            ("updated", "1"),
        ]
        assert len(table.stream_shard.items) == records


def queue_table(client: Any) -> None:
    """Table ``T``: items keyed by ``PK``, indexed by queue ``Q`` (``ByQ``), with a stream."""
    client.create_table(
        TableName="T",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "Q", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByQ",
                "KeySchema": [{"AttributeName": "Q", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )


def test_an_index_query_sees_every_write_made_before_it() -> None:
    import boto3
    from moto import mock_aws

    from finestra_local import moto_fixes

    moto_fixes.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        queue_table(client)

        def members(queue: str) -> list[str]:
            found = client.query(
                TableName="T",
                IndexName="ByQ",
                KeyConditionExpression="Q = :q",
                ExpressionAttributeValues={":q": {"S": queue}},
            )["Items"]
            return sorted(item["PK"]["S"] for item in found)

        for name in ("a", "b", "c"):
            client.put_item(TableName="T", Item={"PK": {"S": name}, "Q": {"S": "one"}})
        before = members("one")
        client.update_item(
            TableName="T",
            Key={"PK": {"S": "b"}},
            UpdateExpression="SET Q = :two",
            ExpressionAttributeValues={":two": {"S": "two"}},
        )
        client.delete_item(TableName="T", Key={"PK": {"S": "c"}})
        client.put_item(TableName="T", Item={"PK": {"S": "d"}, "Q": {"S": "two"}})

        assert before == ["a", "b", "c"]
        assert members("one") == ["a"]
        assert members("two") == ["b", "d"]
        assert members("three") == []


def test_writes_move_items_between_index_groups_without_reading_the_table_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3
    from moto import mock_aws

    from finestra_local import moto_fixes

    moto_fixes.apply()
    reads: list[str] = []
    original = moto_fixes._ORIGINAL_ALL_ITEMS

    def counted(table: Any) -> Any:
        reads.append(table.name)
        return original(table)

    monkeypatch.setattr(moto_fixes, "_ORIGINAL_ALL_ITEMS", counted)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        queue_table(client)

        def members(queue: str) -> dict[str, str]:
            found = client.query(
                TableName="T",
                IndexName="ByQ",
                KeyConditionExpression="Q = :q",
                ExpressionAttributeValues={":q": {"S": queue}},
            )["Items"]
            return {item["PK"]["S"]: item.get("N", {}).get("S", "") for item in found}

        for name in ("a", "b"):
            client.put_item(TableName="T", Item={"PK": {"S": name}, "Q": {"S": "one"}})
        assert members("one") == {"a": "", "b": ""}
        built = len(reads)

        client.update_item(
            TableName="T",
            Key={"PK": {"S": "a"}},
            UpdateExpression="SET N = :n",
            ExpressionAttributeValues={":n": {"S": "noted"}},
        )
        client.put_item(TableName="T", Item={"PK": {"S": "b"}, "Q": {"S": "two"}})
        assert members("one") == {"a": "noted"}
        assert members("two") == {"b": ""}
        assert len(reads) == built, "the writes moved items; the table was not read again"

        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "T", "Item": {"PK": {"S": "a"}, "Q": {"S": "two"}}}},
                    {
                        "Put": {
                            "TableName": "T",
                            "Item": {"PK": {"S": "c"}, "Q": {"S": "one"}},
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                ]
            )
        assert members("one") == {"a": "noted"}, "a failed transaction leaves the index as it was"
        assert members("two") == {"b": ""}


def test_a_table_query_reads_only_its_partition_and_answers_as_moto_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3
    from moto import mock_aws

    from finestra_local import moto_fixes

    moto_fixes.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName="T",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for pk in ("A", "B"):
            for sk in ("3", "1", "2"):
                client.put_item(TableName="T", Item={"PK": {"S": pk}, "SK": {"S": sk}})

        def query(**extra: Any) -> list[tuple[str, str]]:
            found = client.query(
                TableName="T",
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": "B"}},
                **extra,
            )
            return [(i["PK"]["S"], i["SK"]["S"]) for i in found["Items"]]

        forward, backward, paged = query(), query(ScanIndexForward=False), query(Limit=2)
        monkeypatch.setattr(
            moto_fixes,
            "_ORIGINAL_ALL_ITEMS",
            lambda table: pytest.fail("the whole table was read for one partition"),
        )
        narrowed = query()

    assert forward == narrowed == [("B", "1"), ("B", "2"), ("B", "3")]
    assert backward == [("B", "3"), ("B", "2"), ("B", "1")]
    assert paged == [("B", "1"), ("B", "2")]
