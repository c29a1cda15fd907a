"""Create the template's state machines in moto from the same ASL files AWS runs.

A SAM state machine names its definition file (``DefinitionUri``) and the values put
into it (``DefinitionSubstitutions``: ``${Key}`` in the file becomes the value, most often
``!GetAtt SomeFunction.Arn``). Here the values come from the caller, who created the
resources in moto and knows their ARNs.

Moto runs the definition when its interpreter is switched on
(``{"stepfunctions": {"execute_state_machine": True}}``). It keeps an ``EXPRESS`` state
machine's type but runs and records its executions as it does a ``STANDARD`` one's:
``DescribeExecution`` and ``GetExecutionHistory`` answer for them (AWS offers neither
for Express executions), so the local copy keeps the template's type.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Protocol

from moto.core.config import DefaultConfig

from finestra_local.lambdas import TemplateError

__all__ = [
    "INTERPRETER_CONFIG",
    "STATE_MACHINE_TYPE",
    "StepFunctionsClient",
    "create_state_machine",
    "definition_from_template",
]

STATE_MACHINE_TYPE: Final = "AWS::Serverless::StateMachine"
# Moto's configuration that runs a definition instead of answering with canned data:
# ``mock_aws(config=INTERPRETER_CONFIG)``, or ``POST /moto-api/config`` in server mode.
INTERPRETER_CONFIG: Final[DefaultConfig] = {"stepfunctions": {"execute_state_machine": True}}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class StepFunctionsClient(Protocol):
    """The part of a boto3 Step Functions client :func:`create_state_machine` uses."""

    def create_state_machine(self, **kwargs: Any) -> Mapping[str, Any]: ...


def _properties(template: Mapping[str, Any], logical_id: str) -> Mapping[str, Any]:
    resource = template.get("Resources", {}).get(logical_id)
    if not isinstance(resource, Mapping):
        raise TemplateError(f"the template has no resource {logical_id}")
    if resource.get("Type") != STATE_MACHINE_TYPE:
        raise TemplateError(f"{logical_id} is not an {STATE_MACHINE_TYPE}")
    properties: Mapping[str, Any] = resource.get("Properties", {})
    return properties


def _value(logical_id: str, key: str, value: Any, arns: Mapping[str, str]) -> str:
    """The text one substitution stands for.

    ``!GetAtt X.Arn`` and ``!Ref X`` are looked up as ``arns[X]``; any other attribute
    ``!GetAtt X.Attribute`` as ``arns["X.Attribute"]``.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Ref" in value:
        name = str(value["Ref"])
    elif isinstance(value, Mapping) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        resource, attribute = target.split(".", 1) if isinstance(target, str) else target
        name = resource if attribute == "Arn" else f"{resource}.{attribute}"
    else:
        raise TemplateError(f"{logical_id} substitution {key} must be a string, !Ref or !GetAtt")
    if name not in arns:
        raise TemplateError(f"{logical_id} substitution {key} needs a value for {name}")
    return arns[name]


def _definition_text(properties: Mapping[str, Any], logical_id: str, root: Path) -> str:
    if "Definition" in properties:
        return json.dumps(properties["Definition"])
    uri = properties.get("DefinitionUri")
    if not isinstance(uri, str):
        raise TemplateError(f"{logical_id} needs a DefinitionUri file path or a Definition")
    return (root / uri).read_text(encoding="utf-8")


def definition_from_template(
    template: Mapping[str, Any], logical_id: str, root: Path, arns: Mapping[str, str]
) -> str:
    """The ASL definition of a state machine of the template, its substitutions made.

    Parameters
    ----------
    template : Mapping[str, Any]
        The parsed template (short-form tags in their long form).
    logical_id : str
        An ``AWS::Serverless::StateMachine`` resource.
    root : Path
        The folder ``DefinitionUri`` is relative to: the one holding the template.
    arns : Mapping[str, str]
        The value of each resource the substitutions name, by logical id: the ARN for
        ``!GetAtt X.Arn``, whatever ``!Ref X`` gives for ``!Ref X``.

    Returns
    -------
    str
        The definition as JSON text, ready for ``CreateStateMachine``.

    Raises
    ------
    TemplateError
        When the resource is missing or of another type, a substitution has no value,
        or the definition still holds a ``${...}`` placeholder nobody declared.
    """
    properties = _properties(template, logical_id)
    substitutions = {
        key: _value(logical_id, key, value, arns)
        for key, value in properties.get("DefinitionSubstitutions", {}).items()
    }
    text = _definition_text(properties, logical_id, root)
    missing = sorted({key for key in _PLACEHOLDER.findall(text) if key not in substitutions})
    if missing:
        raise TemplateError(f"{logical_id} has no substitution for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], text)


def create_state_machine(
    sfn_client: StepFunctionsClient,
    template: Mapping[str, Any],
    logical_id: str,
    root: Path,
    arns: Mapping[str, str],
    *,
    role_arn: str,
) -> str:
    """Create one of the template's state machines in moto, named after its logical id.

    Parameters
    ----------
    sfn_client : StepFunctionsClient
        A boto3 Step Functions client talking to moto.
    template, logical_id, root, arns
        As for :func:`definition_from_template`.
    role_arn : str
        The role the state machine runs as.

    Returns
    -------
    str
        The state machine's ARN.
    """
    machine_type = _properties(template, logical_id).get("Type", "STANDARD")
    if machine_type not in ("STANDARD", "EXPRESS"):
        raise TemplateError(f"{logical_id}.Type must be STANDARD or EXPRESS")
    created = sfn_client.create_state_machine(
        name=logical_id,
        definition=definition_from_template(template, logical_id, root, arns),
        roleArn=role_arn,
        type=machine_type,
    )
    return str(created["stateMachineArn"])
