"""Run the project's own Lambda handlers in-process wherever moto invokes a function.

Every way moto invokes a Lambda function (``Invoke``, Step Functions tasks, SQS, SNS, S3
and stream triggers) ends in one private method of its function model,
``LambdaFunction._invoke_lambda(event) -> (payload, errored, logs)``, which normally runs
the code in a Docker container. :class:`InProcessLambdas` replaces that method with a
runner that imports the handler named by ``template.yaml`` and calls it in this process,
and answers in the shape AWS gives: the JSON result, or ``{"errorType", "errorMessage"}``
with the error flag set, which moto turns into the ``x-amz-function-error`` header that
Step Functions reads to pick the error name its ``Retry`` and ``Catch`` rules match.

The method is private, so moto is pinned and ``tests/integration/test_moto_harness.py``
fails when its signature, or ``LambdaFunction.invoke``'s call of it, changes.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import math
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, Final, Protocol

from moto.awslambda.models import LambdaFunction

from finestra.domain.errors import FinestraError

__all__ = [
    "MOTO_METHOD",
    "InProcessLambdas",
    "InvocationContext",
    "LambdaClient",
    "ProjectFunction",
    "TemplateError",
    "project_functions",
]

_log = logging.getLogger(__name__)

FUNCTION_TYPE: Final = "AWS::Serverless::Function"
RUNTIME: Final = "python3.11"
# SAM's defaults when neither the function nor the template's Globals set them.
DEFAULT_TIMEOUT_S: Final = 3
DEFAULT_MEMORY_MB: Final = 128

# The private method every moto invocation path ends in.
MOTO_METHOD: Final = "_invoke_lambda"
_RUNNER_MARK: Final = "_finestra_in_process_runner"
_INSTALL_LOCK = threading.Lock()

InvokeResult = tuple[str, bool, str]


class TemplateError(ValueError):
    """The template does not describe a function or state machine the way the code needs."""


class LambdaClient(Protocol):
    """The part of a boto3 Lambda client :meth:`InProcessLambdas.create_functions` uses."""

    def create_function(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ProjectFunction:
    """One ``AWS::Serverless::Function`` of the template, where its code lives."""

    logical_id: str
    folder: Path
    handler: str
    timeout_s: int
    memory_mb: int

    @property
    def module_path(self) -> Path:
        """The file of the handler's module (``handler.py`` for ``handler.lambda_handler``)."""
        module, _, _ = self.handler.rpartition(".")
        return self.folder / (module.replace(".", "/") + ".py")

    @property
    def attribute(self) -> str:
        """The callable's name in its module (``lambda_handler``, or ``app`` for Chalice)."""
        return self.handler.rpartition(".")[2]


@dataclass(frozen=True)
class InvocationContext:
    """The context object the Lambda runtime hands a Python handler."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float = field(repr=False)
    function_version: str = "$LATEST"
    identity: None = None
    client_context: None = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout, as the runtime counts them."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _literal_int(properties: Mapping[str, Any], key: str, default: int, logical_id: str) -> int:
    value = properties.get(key, default)
    if not isinstance(value, int):
        raise TemplateError(f"{logical_id}.{key} must be a literal number to run locally")
    return value


def _literal_str(properties: Mapping[str, Any], key: str, logical_id: str) -> str:
    value = properties.get(key)
    if not isinstance(value, str) or not value:
        raise TemplateError(f"{logical_id}.{key} must be a literal string to run locally")
    return value


def project_functions(template: Mapping[str, Any], root: Path) -> dict[str, ProjectFunction]:
    """Every ``AWS::Serverless::Function`` of a parsed template, with Globals applied.

    Parameters
    ----------
    template : Mapping[str, Any]
        The template, parsed (short-form tags in their long form).
    root : Path
        The folder ``CodeUri`` is relative to: the one holding the template.

    Returns
    -------
    dict[str, ProjectFunction]
        The functions by logical id.

    Raises
    ------
    TemplateError
        When a function's ``CodeUri``, ``Handler``, ``Timeout`` or ``MemorySize`` is not
        written out literally.
    """
    defaults: Mapping[str, Any] = template.get("Globals", {}).get("Function", {})
    functions: dict[str, ProjectFunction] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        properties = {**defaults, **resource.get("Properties", {})}
        functions[logical_id] = ProjectFunction(
            logical_id=logical_id,
            folder=root / _literal_str(properties, "CodeUri", logical_id),
            handler=_literal_str(properties, "Handler", logical_id),
            timeout_s=_literal_int(properties, "Timeout", DEFAULT_TIMEOUT_S, logical_id),
            memory_mb=_literal_int(properties, "MemorySize", DEFAULT_MEMORY_MB, logical_id),
        )
    return functions


class _ImportFailed(Exception):
    """The handler's module could not be imported; the runtime calls it an import error."""


class _Environments:
    """The warm execution environments of one function: one imported module each.

    AWS gives every concurrent invocation an environment of its own and reuses an idle
    one when it can. Handlers rely on that: module state (a lazily built app, the
    context bound for logging) belongs to one invocation at a time. So an invocation
    takes an idle module, or imports the handler once more under a new name when every
    module is busy (a Map state's concurrent iterations); calls one after another reuse
    the first module, which is imported once. Like a function's reserved concurrency,
    at most ``limit`` environments exist: a call beyond them waits for one to be idle.
    """

    def __init__(self, function: ProjectFunction, limit: int) -> None:
        self.function = function
        self.modules: list[ModuleType] = []
        self._idle: list[ModuleType] = []
        self._imports = 0
        self._limit = limit
        self._lock = threading.Condition()

    @contextmanager
    def take(self) -> Iterator[ModuleType]:
        with self._lock:
            while not self._idle and self._imports >= self._limit:
                self._lock.wait()
            module = self._idle.pop() if self._idle else None
            number = self._imports
            if module is None:
                self._imports += 1
        if module is None:
            # Imported outside the lock: a slow import holds up no other invocation.
            module = self._import(number)
            with self._lock:
                self.modules.append(module)
        try:
            yield module
        finally:
            with self._lock:
                self._idle.append(module)
                self._lock.notify()

    def _import(self, number: int) -> ModuleType:
        name = f"finestra_local_function_{self.function.logical_id}"
        if number:
            name = f"{name}_{number}"
        spec = importlib.util.spec_from_file_location(name, self.function.module_path)
        if spec is None or spec.loader is None:
            raise _ImportFailed(f"no module at {self.function.module_path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise _ImportFailed(type(exc).__name__) from exc
        return module


def _error_body(exc: BaseException) -> dict[str, str]:
    """What the runtime answers for an exception the handler let out.

    Only the project's own errors carry a sentence written to be shown; any other
    exception's text may hold whatever the code had in hand, so it is reduced to its
    type's name.
    """
    error_type = type(exc).__name__
    message = str(exc) if isinstance(exc, FinestraError) else error_type
    return {"errorType": error_type, "errorMessage": message}


def _tail(context: InvocationContext, started: float, error: dict[str, str] | None) -> str:
    """The runtime's own log lines for one invocation (``START``, ``END``, ``REPORT``).

    The handler's log lines are not among them: standard output is one stream shared
    by every thread, so they go wherever the handler's loggers write.
    """
    duration_ms = (time.monotonic() - started) * 1000
    lines = [f"START RequestId: {context.aws_request_id} Version: {context.function_version}"]
    if error is not None:
        lines.append(f"[ERROR] {error['errorType']}: {error['errorMessage']}")
    lines.append(f"END RequestId: {context.aws_request_id}")
    lines.append(
        f"REPORT RequestId: {context.aws_request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(duration_ms)} ms\t"
        f"Memory Size: {context.memory_limit_in_mb} MB"
    )
    return "\n".join(lines)


def _event(event: Any) -> Any:
    """The handler's event from what ``LambdaFunction.invoke`` passes on.

    ``invoke`` has already decoded the request's JSON body, and passes the text ``"{}"``
    when the body was empty.
    """
    if event is None or event == "{}":
        return {}
    return event


class InProcessLambdas:
    """Moto's Lambda functions, run as the project's handlers in this process.

    Parameters
    ----------
    template : Mapping[str, Any]
        The parsed template; its ``AWS::Serverless::Function`` resources are the
        functions run.
    root : Path
        The folder holding the template (``CodeUri`` is relative to it).
    names : Mapping[str, str], optional
        Moto function name to logical id, for functions not named after their logical
        id (the default, as :meth:`create_functions` names them).

    Examples
    --------
    >>> with InProcessLambdas(template, root) as lambdas:  # doctest: +SKIP
    ...     arns = lambdas.create_functions(boto3.client("lambda"), role_arn)
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        root: Path,
        names: Mapping[str, str] | None = None,
        *,
        concurrency: int = 8,
    ) -> None:
        self.functions = project_functions(template, root)
        self._names = dict(names or {})
        self._environments = {
            logical_id: _Environments(function, concurrency)
            for logical_id, function in self.functions.items()
        }
        self._original: Callable[..., InvokeResult] | None = None

    def __enter__(self) -> InProcessLambdas:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()

    @property
    def installed(self) -> bool:
        """Whether moto's invocations currently come to this runner."""
        return self._original is not None

    def install(self) -> None:
        """Route every moto Lambda invocation of this process to the project's handlers.

        Raises
        ------
        RuntimeError
            When an in-process runner is already installed (this one or another).
        """
        with _INSTALL_LOCK:
            current = LambdaFunction.__dict__[MOTO_METHOD]
            if getattr(current, _RUNNER_MARK, False):
                raise RuntimeError("an in-process Lambda runner is already installed")

            def run(function: Any, event: Any = None) -> InvokeResult:
                return self._run(function, event, fallback=current)

            setattr(run, _RUNNER_MARK, True)
            self._original = current
            setattr(LambdaFunction, MOTO_METHOD, run)

    def uninstall(self) -> None:
        """Give moto its own invocation method back; nothing happens if not installed."""
        with _INSTALL_LOCK:
            if self._original is None:
                return
            setattr(LambdaFunction, MOTO_METHOD, self._original)
            self._original = None

    def create_functions(self, lambda_client: LambdaClient, role_arn: str) -> dict[str, str]:
        """Create a moto Lambda function for every function of the template.

        Parameters
        ----------
        lambda_client : LambdaClient
            A boto3 Lambda client talking to moto.
        role_arn : str
            An IAM role that exists in moto (moto checks it).

        Returns
        -------
        dict[str, str]
            Each function's ARN by logical id, which is also its name.
        """
        arns: dict[str, str] = {}
        for logical_id, function in self.functions.items():
            created = lambda_client.create_function(
                FunctionName=logical_id,
                Runtime=RUNTIME,
                Role=role_arn,
                Handler=function.handler,
                Code={"ZipFile": _placeholder_zip(function)},
                Timeout=function.timeout_s,
                MemorySize=function.memory_mb,
            )
            arns[logical_id] = str(created["FunctionArn"])
        return arns

    def modules(self, logical_id: str) -> list[ModuleType]:
        """The handler modules imported so far for one function, one per environment."""
        return list(self._environments[logical_id].modules)

    def _run(
        self, function: Any, event: Any, fallback: Callable[..., InvokeResult]
    ) -> InvokeResult:
        logical_id = self._names.get(function.function_name, function.function_name)
        environments = self._environments.get(logical_id)
        if environments is None:
            # Not one of the template's functions: moto's own behaviour.
            return fallback(function, event)
        context = InvocationContext(
            function_name=function.function_name,
            invoked_function_arn=function.function_arn,
            memory_limit_in_mb=int(function.memory_size),
            aws_request_id=str(uuid.uuid4()),
            log_group_name=function.logs_group_name,
            log_stream_name=f"local/[$LATEST]{uuid.uuid4().hex}",
            deadline=time.monotonic() + int(function.timeout),
        )
        started = time.monotonic()
        payload, error = self._call(environments, _event(event), context)
        logs = _tail(context, started, error)
        function.logs_backend.ensure_log_group(function.logs_group_name)
        function.save_logs(logs)
        return payload, error is not None, logs

    def _call(
        self, environments: _Environments, event: Any, context: InvocationContext
    ) -> tuple[str, dict[str, str] | None]:
        function = environments.function
        try:
            with environments.take() as module:
                handler = getattr(module, function.attribute, None)
                if not callable(handler):
                    error = {
                        "errorType": "Runtime.HandlerNotFound",
                        "errorMessage": f"{function.handler} is undefined or not callable",
                    }
                    return json.dumps(error), error
                result = handler(event, context)
        except _ImportFailed as exc:
            error = {
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": f"Unable to import module {function.module_path.stem!r}: {exc}",
            }
            return json.dumps(error), error
        except Exception as exc:
            error = _error_body(exc)
            level = logging.INFO if isinstance(exc, FinestraError) else logging.WARNING
            _log.log(level, "function %s raised %s", function.logical_id, error["errorType"])
            # The traceback may quote what the code had in hand: only on request.
            _log.debug("traceback of the error", exc_info=exc)
            return json.dumps(error), error
        return _marshal(result)


def _marshal(result: Any) -> tuple[str, dict[str, str] | None]:
    """The handler's result as the JSON the runtime sends back, or the runtime's error."""
    try:
        return json.dumps(result), None
    except (TypeError, ValueError) as exc:
        error = {
            "errorType": "Runtime.MarshalError",
            "errorMessage": f"Unable to marshal response: {type(exc).__name__}",
        }
        return json.dumps(error), error


def _placeholder_zip(function: ProjectFunction) -> bytes:
    """A tiny deployment package: moto wants one, and the handler runs from the repository."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            function.module_path.name, "# Runs in-process from the repository's functions/.\n"
        )
    return buffer.getvalue()
