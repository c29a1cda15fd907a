"""Create the resources of ``template.yaml`` in moto, from the template itself.

The template is read with CloudFormation's short-form tags, its parameters take their
defaults (with a few local values), its conditions are evaluated, and every resource of
a type the local run needs is created with boto3 against the moto server, in an order
where what a resource refers to exists first. Intrinsic functions (``Ref``,
``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``, ``Fn::Join``, ``Fn::If``) are
resolved with the names and ARNs of what was created. A resource of any other type is
not created but named in :attr:`Resources.skipped`, so nothing is left out silently.

A resource without an explicit name is named after its logical id (buckets in
kebab case, since bucket names are lower case).
"""

from __future__ import annotations

import json
import re
import secrets
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import yaml

from finestra_local import cognito
from finestra_local.lambdas import TemplateError

__all__ = [
    "ACCOUNT_ID",
    "CREATED_TYPES",
    "LOCAL_PARAMETERS",
    "REGION",
    "SKIPPED_TYPES",
    "STACK_NAME",
    "Resolver",
    "Resources",
    "load_template",
]

REGION: Final = "eu-west-1"
ACCOUNT_ID: Final = "123456789012"
STACK_NAME: Final = "finestra"
# Parameters the local run sets; the others take the template's defaults.
LOCAL_PARAMETERS: Final[Mapping[str, str]] = {
    "Stage": "local",
    "SmsBackend": "sns",
    "InboundMailDomain": "finestra.example.org",
}

FUNCTION: Final = "AWS::Serverless::Function"
STATE_MACHINE: Final = "AWS::Serverless::StateMachine"
# Created in this order; within one group, what a resource refers to comes first.
_GROUPS: Final = (
    (
        "AWS::SecretsManager::Secret",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::S3::Bucket",
        "AWS::Events::EventBus",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolClient",
    ),
    ("AWS::SNS::Subscription",),
    (FUNCTION,),
    (STATE_MACHINE,),
)
CREATED_TYPES: Final = frozenset(kind for group in _GROUPS for kind in group)
# Types with no meaning on one machine, and why; every other type stops the start-up.
SKIPPED_TYPES: Final[Mapping[str, str]] = {
    "AWS::CloudWatch::Alarm": "no alarms locally",
    "AWS::Glue::Database": "no Athena locally; the open-data CSVs are in the bucket",
    "AWS::Glue::Table": "no Athena locally; the open-data CSVs are in the bucket",
    "AWS::Logs::LogGroup": "logs go to the console",
    "AWS::KMS::Key": "no encryption at rest locally",
    "AWS::KMS::Alias": "no encryption at rest locally",
    "AWS::IAM::ManagedPolicy": "moto does not enforce IAM",
    "AWS::Lambda::Permission": "moto does not enforce IAM",
    "AWS::S3::BucketPolicy": "moto does not enforce IAM",
    "AWS::SNS::TopicPolicy": "moto does not enforce IAM",
    "AWS::SQS::QueuePolicy": "moto does not enforce IAM",
    "AWS::SES::ReceiptRuleSet": "mail is delivered by the local outside world",
    "AWS::SES::ReceiptRule": "mail is delivered by the local outside world",
    "AWS::SES::ConfigurationSet": "moto publishes no delivery events",
    "AWS::SES::ConfigurationSetEventDestination": "moto publishes no delivery events",
    "AWS::SMSVOICE::ConfigurationSet": "moto publishes no delivery events",
    "AWS::Serverless::HttpApi": "served by the local gateway",
    "AWS::Serverless::LayerVersion": "the finestra package is installed in this environment",
    "AWS::CloudFront::Distribution": "the local gateway serves desktop and API on one origin",
    "AWS::CloudFront::OriginAccessControl": "the local gateway reads desktop/dist/ itself",
    "AWS::CloudFront::Function": "the local gateway answers index.html for desktop routes",
    "AWS::CloudFront::ResponseHeadersPolicy": "the desktop's own meta tag sets its policy locally",
}

_FN_TAGS: Final = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
)
_SUB_NAME = re.compile(r"\$\{([^}!]+)\}")


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader with CloudFormation's short-form tags; timestamps stay strings."""


_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, "unexpected YAML node", node.start_mark)


def _tag(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _node(loader, node)
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: value}

    return construct


_TemplateLoader.add_constructor("!Ref", _tag("Ref"))
_TemplateLoader.add_constructor("!Condition", _tag("Condition"))
_TemplateLoader.add_constructor("!GetAtt", _tag("Fn::GetAtt"))
for _name in _FN_TAGS:
    _TemplateLoader.add_constructor(f"!{_name}", _tag(f"Fn::{_name}"))


def load_template(path: Path) -> dict[str, Any]:
    """The template at ``path``, every short-form tag in its long form."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_TemplateLoader)  # noqa: S506
    if not isinstance(document, dict):
        raise TemplateError(f"{path} does not hold a template mapping")
    return document


class Resolver:
    """Resolves intrinsic functions with the values of what has been created so far.

    Parameters
    ----------
    template : Mapping[str, Any]
        The parsed template.
    parameters : Mapping[str, str]
        Parameter values that replace the template's defaults.
    """

    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{STACK_NAME}/{uuid.uuid4()}"
        self.refs: dict[str, str] = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::StackName": STACK_NAME,
            "AWS::StackId": stack_id,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        for name, declared in template.get("Parameters", {}).items():
            value = parameters.get(name, declared.get("Default"))
            if value is not None:
                self.refs[name] = str(value)
        self.attributes: dict[tuple[str, str], str] = {}
        self._conditions: Mapping[str, Any] = template.get("Conditions", {})

    def condition(self, name: str) -> bool:
        """The value of one of the template's conditions."""
        if name not in self._conditions:
            raise TemplateError(f"the template has no condition {name}")
        return bool(self.resolve(self._conditions[name]))

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by what it stands for."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            key, argument = next(iter(value.items()))
            handler = _INTRINSICS.get(key)
            if handler is not None:
                return handler(self, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def ref(self, name: str) -> str:
        if name not in self.refs:
            raise TemplateError(f"nothing created locally answers !Ref {name}")
        return self.refs[name]

    def get_att(self, argument: Any) -> str:
        resource, attribute = self.resolve(argument)
        if (resource, attribute) not in self.attributes:
            raise TemplateError(f"nothing created locally answers !GetAtt {resource}.{attribute}")
        return self.attributes[(resource, attribute)]

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {name: str(self.resolve(item)) for name, item in variables.items()}

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return values[name]
            if "." in name:
                return self.get_att(name.split(".", 1))
            return self.ref(name)

        return _SUB_NAME.sub(one, text)


def _select(resolver: Resolver, argument: Any) -> Any:
    index, items = resolver.resolve(argument)
    return items[int(index)]


def _split(resolver: Resolver, argument: Any) -> list[str]:
    separator, text = resolver.resolve(argument)
    return str(text).split(separator)


def _join(resolver: Resolver, argument: Any) -> str:
    separator, items = resolver.resolve(argument)
    return str(separator).join(str(item) for item in items)


def _if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


_INTRINSICS: Final[Mapping[str, Callable[[Resolver, Any], Any]]] = {
    "Ref": lambda resolver, name: resolver.ref(name),
    "Fn::GetAtt": Resolver.get_att,
    "Fn::Sub": Resolver.sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Join": _join,
    "Fn::If": _if,
    "Fn::Equals": lambda resolver, pair: resolver.resolve(pair[0]) == resolver.resolve(pair[1]),
    "Fn::Not": lambda resolver, items: not resolver.resolve(items[0]),
    "Fn::And": lambda resolver, items: all(resolver.resolve(item) for item in items),
    "Fn::Or": lambda resolver, items: any(resolver.resolve(item) for item in items),
    "Condition": lambda resolver, name: resolver.condition(name),
}


def _references(value: Any) -> set[str]:
    """The logical ids and parameters a property value refers to."""
    if isinstance(value, list):
        return set().union(*(_references(item) for item in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, item in value.items():
        if key == "Ref" and isinstance(item, str):
            found.add(item)
        elif key == "Fn::GetAtt":
            found.add(str(item[0]))
        elif key == "Fn::Sub":
            text = item if isinstance(item, str) else item[0]
            found.update(name.split(".", 1)[0] for name in _SUB_NAME.findall(text))
            if not isinstance(item, str):
                found.update(_references(item[1]))
        else:
            found.update(_references(item))
    return found


def _kebab(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


def _generated_secret(spec: Mapping[str, Any]) -> str:
    """A value made the way ``GenerateSecretString`` describes, generated here."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation", False):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    length = int(spec.get("PasswordLength", 32))
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    if "SecretStringTemplate" not in spec:
        return value
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = value
    return json.dumps(document)


@dataclass
class Trigger:
    """One ``Events`` entry of a function that the local stack has to run itself."""

    function: str
    name: str
    kind: str
    properties: dict[str, Any]


@dataclass
class Resources:
    """What was made of the template: names, ARNs, triggers and what was left out.

    Parameters
    ----------
    template : Mapping[str, Any]
        The parsed template.
    clients : Callable[[str], Any]
        Builds a boto3 client for a service, pointed at the moto server.
    """

    template: Mapping[str, Any]
    clients: Callable[[str], Any]
    parameters: Mapping[str, str] = field(default_factory=lambda: dict(LOCAL_PARAMETERS))
    created: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    resolver: Resolver = field(init=False)

    def __post_init__(self) -> None:
        self.resolver = Resolver(self.template, self.parameters)

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        found: Mapping[str, Mapping[str, Any]] = self.template.get("Resources", {})
        return found

    def plan(self) -> list[list[str]]:
        """The logical ids to create, group by group; fills :attr:`skipped`.

        Raises
        ------
        TemplateError
            When a resource's type is neither created nor knowingly skipped.
        """
        groups: list[list[str]] = [[] for _ in _GROUPS]
        for logical_id, resource in self.resources.items():
            kind = resource.get("Type", "")
            condition = resource.get("Condition")
            if condition is not None and not self.resolver.condition(condition):
                self.skipped[logical_id] = f"{kind}: condition {condition} is false"
            elif kind in SKIPPED_TYPES:
                self.skipped[logical_id] = f"{kind}: {SKIPPED_TYPES[kind]}"
            elif kind in CREATED_TYPES:
                index = next(i for i, group in enumerate(_GROUPS) if kind in group)
                groups[index].append(logical_id)
            else:
                raise TemplateError(f"{logical_id} is a {kind}, which the local stack cannot run")
        return [self._ordered(group) for group in groups]

    def _ordered(self, group: list[str]) -> list[str]:
        """``group`` in an order where a resource comes after those of the group it names."""
        needs = {
            logical_id: (_references(self.resources[logical_id].get("Properties", {})) & set(group))
            - {logical_id}
            for logical_id in group
        }
        ordered: list[str] = []
        while needs:
            ready = sorted(name for name, wanted in needs.items() if wanted <= set(ordered))
            if not ready:
                raise TemplateError(f"these resources refer to each other: {sorted(needs)}")
            ordered.extend(ready)
            for name in ready:
                del needs[name]
        return ordered

    def properties(self, logical_id: str) -> dict[str, Any]:
        """A resource's properties, resolved.

        A property naming a skipped resource (a topic's KMS key) has no local meaning
        either and is left out.
        """
        declared: Mapping[str, Any] = self.resources[logical_id].get("Properties", {})
        return {
            key: self.resolver.resolve(value)
            for key, value in declared.items()
            if not _references(value) & set(self.skipped)
        }

    def record(self, logical_id: str, ref: str, **attributes: str) -> None:
        self.resolver.refs[logical_id] = ref
        for name, value in attributes.items():
            self.resolver.attributes[(logical_id, name)] = value
        self.created[logical_id] = self.resources[logical_id]["Type"]

    def create(self, logical_id: str) -> None:
        """Create one resource of a type in the first group (not functions nor machines)."""
        kind = self.resources[logical_id]["Type"]
        _CREATORS[kind](self, logical_id)

    def functions_created(self, arns: Mapping[str, str]) -> None:
        """Record the functions :class:`InProcessLambdas` created and their triggers."""
        for logical_id, arn in arns.items():
            self.record(logical_id, logical_id, Arn=arn)
            events = self.resources[logical_id].get("Properties", {}).get("Events", {})
            for name, event in events.items():
                kind = event.get("Type", "")
                if kind == "HttpApi":
                    self.skipped[f"{logical_id}.{name}"] = f"{kind} event: local gateway"
                    continue
                properties = self.resolver.resolve(event.get("Properties", {}))
                self.triggers.append(Trigger(logical_id, name, kind, properties))

    def arns(self) -> dict[str, str]:
        """The value each created resource gives a state machine's substitutions."""
        values = dict(self.resolver.refs)
        for (logical_id, attribute), value in self.resolver.attributes.items():
            if attribute == "Arn":
                values[logical_id] = value
            values[f"{logical_id}.{attribute}"] = value
        return values


def _secret(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    value = properties.get("SecretString")
    if value is None:
        value = _generated_secret(properties.get("GenerateSecretString", {}))
    created = resources.clients("secretsmanager").create_secret(
        Name=properties.get("Name", logical_id), SecretString=value
    )
    resources.record(logical_id, created["ARN"], Id=created["ARN"])


def _table(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    name = properties.get("TableName", logical_id)
    billing = properties.get("BillingMode", "PROVISIONED")
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "BillingMode": billing,
    }
    for key in ("ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in properties:
            kwargs[key] = properties[key]
    if "StreamSpecification" in properties:
        view = properties["StreamSpecification"]["StreamViewType"]
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    client = resources.clients("dynamodb")
    table = client.create_table(**kwargs)["TableDescription"]
    ttl = properties.get("TimeToLiveSpecification")
    if ttl is not None:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    resources.record(logical_id, name, **attributes)


_QUEUE_ATTRIBUTES: Final = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def _queue(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    name = properties.get("QueueName", logical_id)
    present = [key for key in (*_QUEUE_ATTRIBUTES, "RedrivePolicy") if key in properties]
    attributes = {key: _attribute(properties[key]) for key in present}
    client = resources.clients("sqs")
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    resources.record(logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)


def _topic(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    name = properties.get("TopicName", logical_id)
    arn = resources.clients("sns").create_topic(Name=name)["TopicArn"]
    resources.record(logical_id, arn, TopicArn=arn, TopicName=name)


def _attribute(value: Any) -> str:
    """A property as an SNS or SQS attribute: JSON for documents, lower case for flags."""
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _subscription(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    attributes = {
        key: _attribute(properties[key])
        for key in ("RawMessageDelivery", "FilterPolicy", "RedrivePolicy")
        if key in properties
    }
    created = resources.clients("sns").subscribe(
        TopicArn=properties["TopicArn"],
        Protocol=properties["Protocol"],
        Endpoint=properties["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    resources.record(logical_id, created["SubscriptionArn"])


def _bucket(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    name = properties.get("BucketName", _kebab(logical_id))
    client = resources.clients("s3")
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    if "VersioningConfiguration" in properties:
        client.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"]
        )
    resources.record(logical_id, name, Arn=f"arn:aws:s3:::{name}", DomainName=name)


def _event_bus(resources: Resources, logical_id: str) -> None:
    properties = resources.properties(logical_id)
    name = properties.get("Name", logical_id)
    arn = resources.clients("events").create_event_bus(Name=name)["EventBusArn"]
    resources.record(logical_id, name, Arn=arn, Name=name)


_CREATORS: Final[Mapping[str, Callable[[Resources, str], None]]] = {
    "AWS::SecretsManager::Secret": _secret,
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::SNS::Subscription": _subscription,
    "AWS::S3::Bucket": _bucket,
    "AWS::Events::EventBus": _event_bus,
    "AWS::Cognito::UserPool": cognito.create_user_pool,
    "AWS::Cognito::UserPoolGroup": cognito.create_user_pool_group,
    "AWS::Cognito::UserPoolClient": cognito.create_user_pool_client,
}


def function_environment(resources: Resources) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The union of the functions' environment variables, and those they disagree on.

    Each function's ``Environment.Variables`` is merged over the Globals' and resolved.
    In-process handlers share one process environment, so a variable is set once: one
    whose functions give it different values is left out and returned with its values.
    """
    defaults = resources.template.get("Globals", {}).get("Function", {})
    shared = defaults.get("Environment", {}).get("Variables", {})
    values: dict[str, set[str]] = {}
    for logical_id, resource in resources.resources.items():
        if resource.get("Type") != FUNCTION or logical_id not in resources.created:
            continue
        own = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
        for name, declared in {**shared, **own}.items():
            # A variable naming a resource the local stack skips keeps its default.
            if _references(declared) & set(resources.skipped):
                continue
            values.setdefault(name, set()).add(str(resources.resolver.resolve(declared)))
    environment = {name: next(iter(found)) for name, found in values.items() if len(found) == 1}
    conflicts = {name: sorted(found) for name, found in values.items() if len(found) > 1}
    return environment, conflicts
