"""What must hold of ``template.yaml``, the whole deployment."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from samtranslator.translator.transform import transform

from finestra_local.resources import LOCAL_PARAMETERS, Resolver
from tests.support.cfn import TemplateError, load_template, table_create_kwargs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]

HANDLER_FILES = {"handler.py", "app.py", "__init__.py"}
REQUEST_SUMMARY = {
    "reference",
    "state",
    "theme_code",
    "request_type",
    "priority",
    "sla_due_at",
    "district_code",
    "input_channel",
    "created_at",
    "responsible_group",
    "citizen_id",
}
HTTP_ROUTES = {
    ("GET", "/api/v1/themes", "CitizenApiFunction"),
    ("POST", "/api/v1/requests", "CitizenApiFunction"),
    ("GET", "/api/v1/requests/{reference}", "CitizenApiFunction"),
    ("GET", "/api/webhooks/social", "SocialWebhookFunction"),
    ("POST", "/api/webhooks/social", "SocialWebhookFunction"),
    *(
        (method, f"/api/desk/v1{path}", "DeskApiFunction")
        for method, path in (
            ("GET", "/me"),
            ("GET", "/worklist"),
            ("GET", "/requests/{reference}"),
            ("GET", "/citizens"),
            ("GET", "/citizens/{citizen_id}"),
            ("GET", "/access-log"),
            ("POST", "/requests"),
            ("POST", "/requests/{reference}/transitions"),
            ("POST", "/requests/{reference}/assignment"),
            ("POST", "/requests/{reference}/priority"),
            ("POST", "/requests/{reference}/notes"),
            ("POST", "/requests/{reference}/attachments"),
            ("GET", "/requests/{reference}/attachments/{attachment_id}"),
            ("POST", "/requests/{reference}/replies"),
            ("POST", "/requests/{reference}/theme"),
            ("POST", "/requests/{reference}/lock"),
            ("DELETE", "/requests/{reference}/lock"),
            ("GET", "/reply-templates"),
            ("POST", "/replies/preview"),
            ("POST", "/citizens/merge"),
            ("POST", "/citizens/merges/{merge_id}/undo"),
            ("GET", "/citizens/{citizen_id}/export"),
            ("POST", "/citizens/{citizen_id}/erasure"),
            ("GET", "/reports"),
            ("GET", "/insights/segments"),
            ("GET", "/insights/differences"),
            ("GET", "/insights/open-data"),
            ("GET", "/requests/search"),
            ("GET", "/requests/export"),
            ("GET", "/me/groups"),
            ("GET", "/groups/{group}/targets"),
            ("POST", "/requests/bulk/validate"),
            ("POST", "/requests/bulk/reassign"),
            ("POST", "/requests/{reference}/alarms/{alarm}/clear"),
            ("POST", "/requests/{reference}/join"),
            ("DELETE", "/requests/{reference}/join"),
            ("POST", "/requests/{reference}/joined/answers"),
            ("POST", "/requests/{reference}/split"),
            ("POST", "/requests/{reference}/claim"),
            ("GET", "/templates"),
            ("PUT", "/requests/{reference}/draft"),
            ("GET", "/requests/{reference}/draft"),
            ("DELETE", "/requests/{reference}/draft"),
            ("POST", "/requests/{reference}/conversations"),
            ("GET", "/requests/{reference}/conversations"),
            ("POST", "/requests/{reference}/conversations/{conversation_id}/messages"),
            ("POST", "/requests/{reference}/conversations/{conversation_id}/read"),
            ("GET", "/conversations/unread"),
            ("POST", "/requests/{reference}/hand-over"),
            ("GET", "/surveys"),
            ("POST", "/surveys"),
            ("GET", "/surveys/{survey_id}"),
            ("PUT", "/surveys/{survey_id}"),
            ("GET", "/surveys/{survey_id}/results"),
            ("GET", "/segments"),
            ("POST", "/segments"),
            ("POST", "/segments/preview"),
            ("GET", "/segments/{segment_id}"),
            ("PUT", "/segments/{segment_id}"),
            ("DELETE", "/segments/{segment_id}"),
            ("GET", "/campaigns"),
            ("POST", "/campaigns"),
            ("GET", "/campaigns/{campaign_id}"),
            ("PUT", "/campaigns/{campaign_id}"),
            ("POST", "/campaigns/{campaign_id}/estimate"),
            ("POST", "/campaigns/{campaign_id}/launch"),
            ("POST", "/campaigns/{campaign_id}/pause"),
            ("POST", "/campaigns/{campaign_id}/resume"),
            ("POST", "/campaigns/{campaign_id}/cancel"),
            ("GET", "/campaigns/{campaign_id}/recipients"),
            ("GET", "/open311/apps"),
            ("POST", "/open311/apps"),
            ("POST", "/open311/apps/{app_id}/revoke"),
        )
    ),
    ("POST", "/api/citizen/v1/unsubscribe", "CitizenApiFunction"),
    ("GET", "/api/citizen/v1/surveys/{token}", "CitizenApiFunction"),
    ("POST", "/api/citizen/v1/surveys/{token}", "CitizenApiFunction"),
    ("GET", "/api/open311/v2/{document}", "CitizenApiFunction"),
    ("POST", "/api/open311/v2/{document}", "CitizenApiFunction"),
    ("GET", "/api/open311/v2/services/{document}", "CitizenApiFunction"),
    ("GET", "/api/open311/v2/requests/{document}", "CitizenApiFunction"),
    ("GET", "/api/open311/v2/tokens/{document}", "CitizenApiFunction"),
    ("POST", "/api/external/v1/requests/{reference}/answer", "ExternalApiFunction"),
    ("POST", "/api/external/v1/requests/{reference}/return", "ExternalApiFunction"),
    ("GET", "/api/external/v1/replies/{token}", "ExternalApiFunction"),
    ("POST", "/api/external/v1/replies/{token}", "ExternalApiFunction"),
}


def of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    """Return the template's resources of one type, by logical id."""
    return {
        logical_id: resource
        for logical_id, resource in RESOURCES.items()
        if resource["Type"] == resource_type
    }


FUNCTIONS = sorted(of_type("AWS::Serverless::Function"))
QUEUES = of_type("AWS::SQS::Queue")
ON_FAILURE_QUEUES = {
    event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    for function in of_type("AWS::Serverless::Function").values()
    for event in function["Properties"].get("Events", {}).values()
    if "DestinationConfig" in event.get("Properties", {})
}
SCHEDULE_DEAD_LETTER_QUEUES = {
    event["Properties"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    for function in of_type("AWS::Serverless::Function").values()
    for event in function["Properties"].get("Events", {}).values()
    if "DeadLetterConfig" in event.get("Properties", {})
}
DEAD_LETTER_QUEUES = {
    queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    for queue in QUEUES.values()
    if "RedrivePolicy" in queue["Properties"]
} | ON_FAILURE_QUEUES
DEAD_LETTER_QUEUES |= SCHEDULE_DEAD_LETTER_QUEUES
SOURCE_QUEUES = sorted(set(QUEUES) - DEAD_LETTER_QUEUES)
BUCKETS = sorted(of_type("AWS::S3::Bucket"))
TOPICS = sorted(of_type("AWS::SNS::Topic"))
ALARMS = sorted(of_type("AWS::CloudWatch::Alarm"))


def function_setting(logical_id: str, key: str) -> Any:
    """Return a function property as deployed: its own value, else the Globals one."""
    own = RESOURCES[logical_id]["Properties"]
    return own.get(key, TEMPLATE["Globals"]["Function"].get(key))


def function_environment(logical_id: str) -> dict[str, Any]:
    """Return a function's variables merged over the Globals ones, as SAM merges them."""
    shared = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    own = RESOURCES[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {**shared, **own}


def alarms_on(namespace: str, metric: str, dimension: str, value: Any) -> list[str]:
    """Return the alarms watching one metric of one resource."""
    return [
        logical_id
        for logical_id in ALARMS
        if RESOURCES[logical_id]["Properties"].get("Namespace") == namespace
        and RESOURCES[logical_id]["Properties"].get("MetricName") == metric
        and {"Name": dimension, "Value": value}
        in RESOURCES[logical_id]["Properties"].get("Dimensions", [])
    ]


def policy_statements(logical_id: str) -> list[dict[str, Any]]:
    """Return the statements of every bucket policy attached to a bucket."""
    return [
        statement
        for policy in of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": logical_id}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_given_short_form_tags_when_the_template_is_loaded_then_they_are_in_long_form(
    tmp_path: Path,
) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Values:\n"
        "  ref: !Ref Table\n"
        "  att: !GetAtt Table.StreamArn\n"
        "  att_list: !GetAtt [Table, Arn]\n"
        "  sub: !Sub arn:${AWS::Partition}:s3:::${Bucket}\n"
        "  if: !If [IsProd, !Ref A, !Ref AWS::NoValue]\n"
        "  equals: !Equals [!Ref Stage, prod]\n"
        "  not: !Not [!Condition IsProd]\n"
        "  and: !And [!Condition A, !Condition B]\n"
        "  or: !Or [!Condition A, !Condition B]\n"
        "  select: !Select [0, !GetAZs '']\n"
        "  join: !Join ['-', [a, b]]\n"
        "  split: !Split [',', a]\n"
        "  map: !FindInMap [Map, !Ref AWS::Region, Key]\n"
        "  base64: !Base64 text\n"
        "  cidr: !Cidr [10.0.0.0/16, 4, 8]\n"
        "  import: !ImportValue shared-output\n",
        encoding="utf-8",
    )

    loaded = load_template(path)

    assert loaded["AWSTemplateFormatVersion"] == "2010-09-09"
    assert loaded["Values"] == {
        "ref": {"Ref": "Table"},
        "att": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "att_list": {"Fn::GetAtt": ["Table", "Arn"]},
        "sub": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"},
        "if": {"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
        "equals": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "not": {"Fn::Not": [{"Condition": "IsProd"}]},
        "and": {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        "or": {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]},
        "select": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "join": {"Fn::Join": ["-", ["a", "b"]]},
        "split": {"Fn::Split": [",", "a"]},
        "map": {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]},
        "base64": {"Fn::Base64": "text"},
        "cidr": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
        "import": {"Fn::ImportValue": "shared-output"},
    }


def test_given_the_template_then_it_declares_the_intake_and_workflow_functions() -> None:
    assert FUNCTIONS == [
        "CampaignSenderFunction",
        "CampaignTickerFunction",
        "CitizenApiFunction",
        "DeliveryEventsFunction",
        "DeskApiFunction",
        "DigestFunction",
        "EmailIntakeFunction",
        "ExternalApiFunction",
        "OpenDataExportFunction",
        "SlaWatchFunction",
        "SmsIntakeFunction",
        "SocialWebhookFunction",
        "StatsFunction",
        "VoiceIntakeFunction",
        "WorkflowFunction",
        "WorkflowStarterFunction",
    ]


def test_given_the_stream_starter_then_its_failures_go_to_an_alarmed_queue() -> None:
    assert sorted(ON_FAILURE_QUEUES) == ["StatsDLQ", "WorkflowStarterDLQ"]
    assert alarms_on(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        {"Fn::GetAtt": ["WorkflowStarterDLQ", "QueueName"]},
    )


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_given_a_function_when_its_code_folder_is_read_then_it_holds_only_handler_code(
    logical_id: str,
) -> None:
    properties = RESOURCES[logical_id]["Properties"]
    folder = ROOT / properties["CodeUri"]
    handler_module = properties["Handler"].split(".")[0]

    assert folder.is_dir(), f"{logical_id}: {properties['CodeUri']} is missing"
    entries = {entry.name for entry in folder.iterdir() if entry.name != "__pycache__"}

    assert entries <= HANDLER_FILES, f"{logical_id}: unexpected {sorted(entries - HANDLER_FILES)}"
    assert f"{handler_module}.py" in entries


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_given_a_function_then_it_runs_on_arm64_python_with_the_finestra_layer(
    logical_id: str,
) -> None:
    assert {"Ref": "FinestraLayer"} in function_setting(logical_id, "Layers")
    assert function_setting(logical_id, "Runtime") == "python3.11"
    assert function_setting(logical_id, "Architectures") == ["arm64"]
    assert function_setting(logical_id, "Tracing") == "Active"


def test_given_the_layer_then_sam_builds_it_with_the_makefile_for_arm64() -> None:
    layer = RESOURCES["FinestraLayer"]

    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert "build-FinestraLayer:" in (ROOT / "Makefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_given_a_function_then_its_settings_come_from_the_environment(logical_id: str) -> None:
    environment = function_environment(logical_id)

    assert environment["FINESTRA_TABLE"] == {"Ref": "FinestraTable"}
    assert environment["FINESTRA_IDEMPOTENCY_TABLE"] == {"Ref": "IdempotencyTable"}
    assert environment["FINESTRA_CONTACT_KEY_SECRET"] == {"Ref": "ContactKeySecret"}
    assert environment["FINESTRA_CONFIG_DIR"] == "/opt/finestra-config"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "Finestra"
    assert environment["POWERTOOLS_SERVICE_NAME"]


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_given_a_function_then_its_logs_expire_and_its_errors_raise_an_alarm(
    logical_id: str,
) -> None:
    log_groups = [
        group["Properties"]
        for group in of_type("AWS::Logs::LogGroup").values()
        if group["Properties"].get("LogGroupName") == {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
    ]

    assert len(log_groups) == 1
    assert log_groups[0]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert alarms_on("AWS/Lambda", "Errors", "FunctionName", {"Ref": logical_id})


@pytest.mark.parametrize("logical_id", SOURCE_QUEUES)
def test_given_a_queue_then_it_redrives_after_three_receives_to_an_alarmed_dlq(
    logical_id: str,
) -> None:
    redrive = QUEUES[logical_id]["Properties"].get("RedrivePolicy")
    assert redrive is not None, f"{logical_id} has no dead-letter queue"
    dead_letter_queue = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]

    watching = alarms_on(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        {"Fn::GetAtt": [dead_letter_queue, "QueueName"]},
    )

    assert redrive["maxReceiveCount"] == 3
    assert dead_letter_queue in QUEUES
    assert watching, f"no alarm watches {dead_letter_queue}"
    for alarm in watching:
        assert RESOURCES[alarm]["Properties"]["Threshold"] == 0
        assert RESOURCES[alarm]["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"


def test_given_the_queues_then_both_queued_channels_have_one() -> None:
    assert SOURCE_QUEUES == [
        "CampaignQueue",
        "DeliveryEventsQueue",
        "EmailInboundQueue",
        "SmsInboundQueue",
    ]


@pytest.mark.parametrize("logical_id", SOURCE_QUEUES)
def test_given_a_queue_then_a_batch_in_flight_outlives_six_function_timeouts(
    logical_id: str,
) -> None:
    consumers = [
        function
        for function in FUNCTIONS
        for event in RESOURCES[function]["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
        and event["Properties"]["Queue"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]

    assert len(consumers) == 1
    visibility = QUEUES[logical_id]["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * function_setting(consumers[0], "Timeout")


@pytest.mark.parametrize("logical_id", ["SmsIntakeFunction", "EmailIntakeFunction"])
def test_given_a_queued_channel_then_it_reports_partial_batch_failures(logical_id: str) -> None:
    events = RESOURCES[logical_id]["Properties"]["Events"]
    sqs_events = [event for event in events.values() if event["Type"] == "SQS"]

    assert len(sqs_events) == 1
    assert sqs_events[0]["Properties"]["BatchSize"] == 10
    assert sqs_events[0]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_given_the_finestra_table_then_it_is_recoverable_encrypted_and_protected() -> None:
    table = RESOURCES["FinestraTable"]
    properties = table["Properties"]

    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["BillingMode"] == "PAY_PER_REQUEST"


def test_given_the_idempotency_table_then_it_has_the_powertools_key_and_ttl() -> None:
    properties = RESOURCES["IdempotencyTable"]["Properties"]

    assert properties["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


@pytest.mark.parametrize("logical_id", BUCKETS)
def test_given_a_bucket_then_it_is_private_encrypted_and_tls_only(logical_id: str) -> None:
    properties = RESOURCES[logical_id]["Properties"]
    encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    tls_denials = [
        statement
        for statement in policy_statements(logical_id)
        if statement["Effect"] == "Deny"
        and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]

    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert tls_denials, f"{logical_id} accepts requests without TLS"


def test_given_the_inbound_mail_bucket_then_only_ses_of_this_account_writes_raw_mail() -> None:
    rules = RESOURCES["InboundMailBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    ses_statements = [
        statement
        for statement in policy_statements("InboundMailBucket")
        if statement.get("Principal") == {"Service": "ses.amazonaws.com"}
    ]

    assert any(rule.get("ExpirationInDays") == 30 for rule in rules)
    assert len(ses_statements) == 1
    assert ses_statements[0]["Action"] == "s3:PutObject"
    assert ses_statements[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }


def test_given_the_receipt_rule_then_mail_lands_in_the_bucket_and_notifies_the_topic() -> None:
    rule = RESOURCES["InboundMailRule"]["Properties"]["Rule"]
    s3_actions = [action["S3Action"] for action in rule["Actions"] if "S3Action" in action]

    assert rule["Recipients"] == [{"Ref": "InboundMailDomain"}]
    assert rule["ScanEnabled"] is True
    assert rule["TlsPolicy"] == "Require"
    assert s3_actions == [
        {
            "BucketName": {"Ref": "InboundMailBucket"},
            "ObjectKeyPrefix": "inbound/",
            "TopicArn": {"Ref": "EmailInboundTopic"},
        }
    ]


def test_given_the_attachments_bucket_then_it_keeps_versions() -> None:
    properties = RESOURCES["AttachmentsBucket"]["Properties"]

    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}


def attachments_cors(desktop_origin: str) -> Any:
    """The attachments bucket's CORS rules as CloudFormation resolves them."""
    resolver = Resolver(TEMPLATE, {**LOCAL_PARAMETERS, "DesktopOrigin": desktop_origin})
    return resolver.resolve(RESOURCES["AttachmentsBucket"]["Properties"]["CorsConfiguration"])


def test_given_no_desktop_origin_then_the_attachments_bucket_has_no_cors_rule() -> None:
    assert TEMPLATE["Parameters"]["DesktopOrigin"]["Default"] == ""
    assert TEMPLATE["Conditions"]["HasDesktopOrigin"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "DesktopOrigin"}, ""]}]
    }
    assert attachments_cors("") == ""


@mock_aws
def test_given_a_desktop_origin_then_only_it_may_post_and_download_files_from_a_browser() -> None:
    desktop = "https://escriptori.example.cat"
    [rule] = attachments_cors(desktop)["CorsRules"]
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(
        Bucket="finestra-attachments",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    s3.put_bucket_cors(
        Bucket="finestra-attachments",
        CORSConfiguration={
            "CORSRules": [
                {
                    "ID": rule["Id"],
                    "AllowedMethods": rule["AllowedMethods"],
                    "AllowedOrigins": rule["AllowedOrigins"],
                    "MaxAgeSeconds": rule["MaxAge"],
                }
            ]
        },
    )

    def preflight(origin: str, method: str) -> requests.Response:
        return requests.options(
            "https://finestra-attachments.s3.amazonaws.com/requests/x/att_1",
            headers={"Origin": origin, "Access-Control-Request-Method": method},
            timeout=10,
        )

    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD", "POST"]
    assert rule["AllowedOrigins"] == [desktop]
    for method in ("POST", "GET"):
        allowed = preflight(desktop, method)
        assert allowed.status_code == 200
        assert allowed.headers["Access-Control-Allow-Origin"] == desktop
    assert preflight("https://elsewhere.example.org", "POST").status_code == 403


@pytest.mark.parametrize(
    "origin", ["https://escriptori.example.cat", "https://d1a2b3.cloudfront.net"]
)
def test_given_the_desktop_origin_parameter_then_an_https_host_is_accepted(origin: str) -> None:
    assert re.fullmatch(TEMPLATE["Parameters"]["DesktopOrigin"]["AllowedPattern"], origin)


@pytest.mark.parametrize(
    "origin",
    ["http://escriptori.example.cat", "https://escriptori.example.cat/", "*", "https://*.net"],
)
def test_given_the_desktop_origin_parameter_then_anything_but_an_https_host_is_refused(
    origin: str,
) -> None:
    assert not re.fullmatch(TEMPLATE["Parameters"]["DesktopOrigin"]["AllowedPattern"], origin)


def test_given_the_desk_api_then_it_may_read_files_and_learn_which_are_missing() -> None:
    statements = [
        statement
        for policy in RESOURCES["DeskApiFunction"]["Properties"]["Policies"]
        if isinstance(policy, dict) and "Statement" in policy
        for statement in policy["Statement"]
    ]

    def allowed(action: str) -> list[Any]:
        return [
            s["Resource"]
            for s in statements
            if s["Effect"] == "Allow"
            and action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]

    assert {"Fn::Sub": "${AttachmentsBucket.Arn}/*"} in allowed("s3:GetObject")
    assert {"Fn::Sub": "${AttachmentsBucket.Arn}/*"} in allowed("s3:PutObject")
    assert {"Fn::GetAtt": ["AttachmentsBucket", "Arn"]} in allowed("s3:ListBucket")


def test_given_the_template_as_sam_translates_it_then_no_resource_depends_on_itself() -> None:
    translated = sam_translated()
    needs = {name: _named(resource, translated) for name, resource in translated.items()}

    assert _cycle(needs) == []


@pytest.mark.parametrize("logical_id", TOPICS)
def test_given_a_topic_then_it_is_encrypted_with_a_key(logical_id: str) -> None:
    assert RESOURCES[logical_id]["Properties"].get("KmsMasterKeyId")


@pytest.mark.parametrize("logical_id", ALARMS)
def test_given_an_alarm_then_it_notifies_the_alarm_topic(logical_id: str) -> None:
    assert RESOURCES[logical_id]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_given_the_intake_failed_metric_then_an_alarm_sums_it_over_every_channel() -> None:
    properties = RESOURCES["IntakeFailedAlarm"]["Properties"]
    expressions = [query["Expression"] for query in properties["Metrics"]]

    assert expressions == ["SELECT SUM(IntakeFailed) FROM Finestra"]
    assert properties["Threshold"] == 0
    assert properties["ComparisonOperator"] == "GreaterThanThreshold"


def test_given_the_http_api_then_every_route_reaches_its_function_with_payload_1_0() -> None:
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"], function)
        for function in FUNCTIONS
        for event in RESOURCES[function]["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
        and event["Properties"]["ApiId"] == {"Ref": "FinestraHttpApi"}
        and event["Properties"]["PayloadFormatVersion"] == "1.0"
    }

    assert routes == HTTP_ROUTES
    assert len(of_type("AWS::Serverless::HttpApi")) == 1


def test_given_the_voice_function_then_it_answers_within_connects_wait() -> None:
    permission = RESOURCES["VoiceIntakeConnectPermission"]

    assert function_setting("VoiceIntakeFunction", "Timeout") == 8
    assert permission["Condition"] == "HasConnectInstance"
    assert permission["Properties"]["Principal"] == "connect.amazonaws.com"
    assert permission["Properties"]["SourceArn"] == {"Ref": "ConnectInstanceArn"}


def test_given_the_finestra_table_when_create_kwargs_are_built_then_they_hold_four_gsis() -> None:
    kwargs = table_create_kwargs(TEMPLATE, "FinestraTable")
    indexes = {index["IndexName"]: index for index in kwargs["GlobalSecondaryIndexes"]}

    assert kwargs["TableName"] == "FinestraTable"
    assert kwargs["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert kwargs["BillingMode"] == "PAY_PER_REQUEST"
    assert kwargs["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert sorted(indexes) == ["GSI1", "GSI2", "GSI3", "GSI4"]
    for name, index in indexes.items():
        assert index["KeySchema"] == [
            {"AttributeName": f"{name}PK", "KeyType": "HASH"},
            {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
        ]
    assert set(indexes["GSI1"]["Projection"]["NonKeyAttributes"]) == REQUEST_SUMMARY
    assert set(indexes["GSI2"]["Projection"]["NonKeyAttributes"]) == REQUEST_SUMMARY | {
        "assigned_agent",
        "flags",
    }
    assert set(indexes["GSI3"]["Projection"]["NonKeyAttributes"]) == {
        "reference",
        "created_at",
        "sla_due_at",
        "flags",
        "responsible_group",
    }
    assert set(indexes["GSI4"]["Projection"]["NonKeyAttributes"]) == {
        "reference",
        "state",
        "location",
        "created_at",
    }


@pytest.mark.parametrize("logical_id", ["FinestraTable", "IdempotencyTable"])
def test_given_create_kwargs_when_the_table_is_created_then_it_has_the_template_keys(
    logical_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    kwargs = table_create_kwargs(TEMPLATE, logical_id)

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(**kwargs)
        table = client.describe_table(TableName=logical_id)["Table"]

    assert table["KeySchema"] == kwargs["KeySchema"]
    assert len(table.get("GlobalSecondaryIndexes", [])) == len(
        kwargs.get("GlobalSecondaryIndexes", [])
    )


def test_given_a_resource_that_is_not_a_table_when_kwargs_are_built_then_it_is_refused() -> None:
    with pytest.raises(TemplateError, match="not an AWS::DynamoDB::Table"):
        table_create_kwargs(TEMPLATE, "AttachmentsBucket")


def test_given_an_unknown_logical_id_when_kwargs_are_built_then_it_is_refused() -> None:
    with pytest.raises(TemplateError, match="no resource"):
        table_create_kwargs(TEMPLATE, "NoSuchTable")


CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
DESKTOP = RESOURCES["DesktopDistribution"]["Properties"]["DistributionConfig"]


def desktop_origin(origin_id: str) -> dict[str, Any]:
    """Return one origin of the desktop's distribution."""
    origins: list[dict[str, Any]] = [o for o in DESKTOP["Origins"] if o["Id"] == origin_id]
    (origin,) = origins
    return origin


def api_behaviour() -> dict[str, Any]:
    """Return the distribution's cache behaviour for the HTTP API."""
    behaviours: list[dict[str, Any]] = [
        b for b in DESKTOP["CacheBehaviors"] if b["PathPattern"] == "/api/*"
    ]
    (behaviour,) = behaviours
    return behaviour


def test_given_the_desktop_bucket_then_only_its_distribution_reads_it_signed() -> None:
    properties = RESOURCES["DesktopBucket"]["Properties"]
    access = RESOURCES["DesktopOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    allowed = [s for s in policy_statements("DesktopBucket") if s["Effect"] == "Allow"]

    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert allowed == [
        {
            "Sid": "DesktopDistributionReads",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${DesktopBucket.Arn}/*"},
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
                        ":distribution/${DesktopDistribution}"
                    }
                }
            },
        }
    ]
    assert access["OriginAccessControlOriginType"] == "s3"
    assert access["SigningBehavior"] == "always"
    assert access["SigningProtocol"] == "sigv4"


def test_given_the_distribution_then_the_desktop_is_served_from_the_bucket_by_default() -> None:
    origin = desktop_origin(DESKTOP["DefaultCacheBehavior"]["TargetOriginId"])
    behaviour = DESKTOP["DefaultCacheBehavior"]

    assert origin["DomainName"] == {"Fn::GetAtt": ["DesktopBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["DesktopOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert DESKTOP["DefaultRootObject"] == "index.html"
    assert DESKTOP["HttpVersion"] == "http2and3"
    assert DESKTOP["PriceClass"] == "PriceClass_100"


def test_given_the_distribution_then_api_paths_reach_the_http_api_uncached() -> None:
    behaviour = api_behaviour()
    origin = desktop_origin(behaviour["TargetOriginId"])

    assert origin["DomainName"] == {
        "Fn::Sub": "${FinestraHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    }
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(behaviour["AllowedMethods"]) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    }
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert "FunctionAssociations" not in behaviour


def test_given_the_distribution_then_the_apis_own_errors_are_never_replaced() -> None:
    associations = DESKTOP["DefaultCacheBehavior"]["FunctionAssociations"]

    assert "CustomErrorResponses" not in DESKTOP
    assert associations == [
        {
            "EventType": "viewer-request",
            "FunctionARN": {
                "Fn::GetAtt": ["DesktopRoutesFunction", "FunctionMetadata.FunctionARN"]
            },
        }
    ]


def test_given_the_routes_function_when_run_then_desktop_routes_answer_index_html() -> None:
    code = RESOURCES["DesktopRoutesFunction"]["Properties"]["FunctionCode"]
    uris = ["/", "/worklist", "/requests/BCN-2026-000123", "/assets/index-a1b2.js", "/config.json"]
    probe = f"{code}\nconsole.log(JSON.stringify({json.dumps(uris)}.map("
    probe += "(uri) => handler({request: {uri: uri}}).uri)));"

    ran = subprocess.run(["node", "-e", probe], capture_output=True, text=True, check=True)

    assert json.loads(ran.stdout) == [
        "/index.html",
        "/index.html",
        "/index.html",
        "/assets/index-a1b2.js",
        "/config.json",
    ]


def test_given_the_distribution_then_every_answer_carries_the_security_headers() -> None:
    policy = RESOURCES["DesktopResponseHeadersPolicy"]["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    policy_ref = {"Ref": "DesktopResponseHeadersPolicy"}

    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"]
    assert "default-src 'self'" in csp
    assert (
        "connect-src 'self' https://cognito-idp.${AWS::Region}.amazonaws.com"
        " https://${AttachmentsBucket}.s3.amazonaws.com"
        " https://${AttachmentsBucket.RegionalDomainName};"
    ) in " ".join(csp.split())
    assert DESKTOP["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == policy_ref
    assert api_behaviour()["ResponseHeadersPolicyId"] == policy_ref


def test_given_the_outputs_then_they_name_the_desktop_url_bucket_and_distribution() -> None:
    outputs = TEMPLATE["Outputs"]

    assert outputs["DesktopUrl"]["Value"] == {
        "Fn::Sub": "https://${DesktopDistribution.DomainName}"
    }
    assert outputs["DesktopBucketName"]["Value"] == {"Ref": "DesktopBucket"}
    assert outputs["DesktopDistributionId"]["Value"] == {"Ref": "DesktopDistribution"}


def sam_translated() -> dict[str, Any]:
    """The template's resources after the SAM transform, as CloudFormation receives them."""
    document = copy.deepcopy(TEMPLATE)
    for resource in document["Resources"].values():
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://finestra-build/artifact.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    translated = transform(document, {"AWS::Region": "eu-west-1"}, NoManagedPolicies())
    resources: dict[str, Any] = translated["Resources"]
    return resources


def _named(resource: dict[str, Any], resources: dict[str, Any]) -> set[str]:
    """The resources that ``resource`` refers to or depends on."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == "Ref" and isinstance(item, str):
                    found.add(item)
                elif key == "Fn::GetAtt":
                    found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
                elif key == "Fn::Sub":
                    text = item if isinstance(item, str) else item[0]
                    found.update(n.split(".")[0] for n in re.findall(r"\$\{([^}!]+)\}", text))
                    walk(item if isinstance(item, str) else item[1])
                else:
                    walk(item)

    walk(resource.get("Properties", {}))
    depends = resource.get("DependsOn", [])
    found.update([depends] if isinstance(depends, str) else depends)
    return found & set(resources)


def _cycle(needs: dict[str, set[str]]) -> list[str]:
    """One chain of resources that ends where it began, or ``[]`` when there is none."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return []
        path.append(name)
        for other in sorted(needs[name]):
            loop = visit(other)
            if loop:
                return loop
        path.pop()
        done.add(name)
        return []

    for name in sorted(needs):
        loop = visit(name)
        if loop:
            return loop
    return []
