"""Publish the built staff desktop to a deployed stack.

Uploads ``desktop/dist/`` and the desktop's ``config.json`` (built from the stack's
outputs) to the desktop bucket, then invalidates the two files that change in place,
``/index.html`` and ``/config.json``. Vite names every file under ``assets/`` by its
content's hash, so those are cached for a year and never invalidated; files of earlier
publications stay in the bucket for browsers still running an older ``index.html``.

Run by ``make publish-desktop`` with the deployer's AWS credentials::

    python infra/tools/publish_desktop.py --stack-name finestra --region eu-west-1
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "DesktopStack",
    "PublishError",
    "cache_control",
    "content_type",
    "desktop_config",
    "desktop_files",
    "main",
    "publish",
    "read_stack",
]

DIST: Final = Path(__file__).resolve().parents[2] / "desktop" / "dist"
CONFIG_KEY: Final = "config.json"
ENTRY_KEY: Final = "index.html"
HASHED_PREFIX: Final = "assets/"
INVALIDATED: Final = (f"/{ENTRY_KEY}", f"/{CONFIG_KEY}")
NO_CACHE: Final = "no-cache"
IMMUTABLE: Final = "public, max-age=31536000, immutable"
FALLBACK_TYPE: Final = "application/octet-stream"
CONTENT_TYPES: Final[Mapping[str, str]] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
# Stack output read for each field of DesktopStack.
OUTPUTS: Final[Mapping[str, str]] = {
    "url": "DesktopUrl",
    "bucket_name": "DesktopBucketName",
    "distribution_id": "DesktopDistributionId",
    "user_pool_id": "StaffUserPoolId",
    "client_id": "DesktopClientId",
}


class PublishError(RuntimeError):
    """The desktop cannot be published: no build, or a stack without the desktop."""


class DesktopStack(BaseModel):
    """What a publication needs from the deployed stack's outputs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    bucket_name: str
    distribution_id: str
    user_pool_id: str
    client_id: str


def read_stack(cloudformation: Any, stack_name: str) -> DesktopStack:
    """Read the desktop's outputs of a deployed stack.

    Parameters
    ----------
    cloudformation : Any
        A boto3 CloudFormation client in the stack's region.
    stack_name : str
        The stack's name or id.

    Returns
    -------
    DesktopStack
        The bucket, distribution and staff sign-in the desktop is published with.

    Raises
    ------
    PublishError
        When the stack does not exist or lacks one of the outputs.
    """
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ValidationError":
            raise
        raise PublishError(f"stack {stack_name} does not exist in this region") from exc
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    missing = sorted(key for key in OUTPUTS.values() if key not in outputs)
    if missing:
        raise PublishError(f"stack {stack_name} has no output {', '.join(missing)}")
    try:
        return DesktopStack(**{field: outputs[key] for field, key in OUTPUTS.items()})
    except ValidationError as exc:
        raise PublishError(f"stack {stack_name} has malformed desktop outputs") from exc


def content_type(key: str) -> str:
    """Return the ``Content-Type`` a desktop file is served with."""
    suffix = Path(key).suffix.lower()
    known = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0]
    return known or FALLBACK_TYPE


def cache_control(key: str) -> str:
    """Return the ``Cache-Control`` of a desktop file: a year for hashed assets only."""
    return IMMUTABLE if key.startswith(HASHED_PREFIX) else NO_CACHE


def desktop_config(stack: DesktopStack, region: str) -> dict[str, str]:
    """Build the desktop's ``config.json``: the staff user pool and the region's Cognito."""
    return {
        "region": region,
        "userPoolId": stack.user_pool_id,
        "clientId": stack.client_id,
        "cognitoEndpoint": f"https://cognito-idp.{region}.amazonaws.com/",
    }


def desktop_files(dist: Path) -> list[tuple[str, Path]]:
    """List a build's files by bucket key, in upload order.

    Hashed assets come first and ``index.html`` last, so no visitor is ever given an
    ``index.html`` naming assets not yet uploaded. A ``config.json`` in the build is left
    out: the published one is built from the stack.

    Raises
    ------
    PublishError
        When ``dist`` holds no ``index.html``.
    """
    if not (dist / ENTRY_KEY).is_file():
        raise PublishError(f"{dist} holds no {ENTRY_KEY}: run 'make desktop' first")
    files = [
        (path.relative_to(dist).as_posix(), path)
        for path in sorted(dist.rglob("*"))
        if path.is_file()
    ]
    return sorted(
        ((key, path) for key, path in files if key != CONFIG_KEY),
        key=lambda item: (item[0] == ENTRY_KEY, not item[0].startswith(HASHED_PREFIX), item[0]),
    )


def publish(
    dist: Path,
    stack: DesktopStack,
    region: str,
    *,
    s3: S3Client,
    cloudfront: Any,
    caller_reference: str,
) -> str:
    """Upload a build and its ``config.json``, then invalidate what changes in place.

    Parameters
    ----------
    dist : Path
        The desktop's build, ``desktop/dist/``.
    stack : DesktopStack
        The deployed stack's desktop outputs.
    region : str
        The stack's region, written into ``config.json``.
    s3 : S3Client
        A boto3 S3 client.
    cloudfront : Any
        A boto3 CloudFront client.
    caller_reference : str
        Unique per publication; CloudFront ignores a repeated one.

    Returns
    -------
    str
        The invalidation's id.
    """
    files = desktop_files(dist)
    config = json.dumps(desktop_config(stack, region), indent=2).encode()
    entry = files.pop()
    for key, path in files:
        _upload(s3, stack.bucket_name, key, path.read_bytes())
    _upload(s3, stack.bucket_name, CONFIG_KEY, config)
    _upload(s3, stack.bucket_name, entry[0], entry[1].read_bytes())
    created = cloudfront.create_invalidation(
        DistributionId=stack.distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": len(INVALIDATED), "Items": list(INVALIDATED)},
            "CallerReference": caller_reference,
        },
    )
    return str(created["Invalidation"]["Id"])


def _upload(s3: S3Client, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=content_type(key),
        CacheControl=cache_control(key),
    )


def _client(session: boto3.session.Session, service: str) -> Any:
    return session.client(service)  # type: ignore[call-overload]


def main(argv: Sequence[str] | None = None) -> int:
    """Publish ``desktop/dist/`` to the named stack; 1 when it cannot be published."""
    parser = argparse.ArgumentParser(description="Publish the staff desktop to a stack.")
    parser.add_argument("--stack-name", required=True, help="the deployed stack")
    parser.add_argument("--region", required=True, help="the stack's region")
    parser.add_argument("--dist", type=Path, default=DIST, help="the desktop's build")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        # A missing build is refused before any call to AWS.
        desktop_files(args.dist)
        stack = read_stack(_client(session, "cloudformation"), args.stack_name)
        invalidation = publish(
            args.dist,
            stack,
            args.region,
            s3=session.client("s3"),
            cloudfront=_client(session, "cloudfront"),
            caller_reference=f"publish-desktop-{time.time_ns()}",
        )
    except PublishError as exc:
        print(f"publish-desktop: {exc}", file=sys.stderr)
        return 1
    print(f"Published the desktop to {stack.url} (invalidation {invalidation}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
