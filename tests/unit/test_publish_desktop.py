"""What must hold of publishing the staff desktop to a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
from moto import mock_aws

from infra.tools.publish_desktop import (
    IMMUTABLE,
    NO_CACHE,
    DesktopStack,
    PublishError,
    cache_control,
    content_type,
    desktop_config,
    desktop_files,
    main,
    publish,
    read_stack,
)

REGION: Final = "eu-west-1"
STACK_NAME = "finestra-test"
BUCKET = "finestra-test-desktop"
OUTPUTS = {
    "DesktopUrl": "https://d111111abcdef8.cloudfront.net",
    "DesktopBucketName": BUCKET,
    "StaffUserPoolId": "eu-west-1_AbCdEf123",
    "DesktopClientId": "4h5j6k7l8m9n0p1q2r3s4t5u6v",
}


@pytest.fixture
def cloud() -> Iterator[dict[str, Any]]:
    """Moto with the desktop's bucket, a distribution and a stack whose outputs name them."""
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        distribution = boto3.client("cloudfront").create_distribution(
            DistributionConfig={
                "CallerReference": "desktop",
                "Comment": "desktop",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "desktop",
                            "DomainName": f"{BUCKET}.s3.{REGION}.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {
                    "TargetOriginId": "desktop",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
                },
            }
        )["Distribution"]
        outputs = {**OUTPUTS, "DesktopDistributionId": distribution["Id"]}
        stack_template = {
            "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName=STACK_NAME, TemplateBody=json.dumps(stack_template)
        )
        yield outputs


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A desktop build: an entry page, hashed assets, a public file and a dev config."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<script src="/assets/index-a1b2.js"></script>')
    (tmp_path / "assets" / "index-a1b2.js").write_text("console.log(1)")
    (tmp_path / "assets" / "index-c3d4.css").write_text("body{}")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "config.json").write_text('{"region": "local"}')
    return tmp_path


def stack(distribution_id: str = "E2EXAMPLE") -> DesktopStack:
    return DesktopStack(
        url=OUTPUTS["DesktopUrl"],
        bucket_name=BUCKET,
        distribution_id=distribution_id,
        user_pool_id=OUTPUTS["StaffUserPoolId"],
        client_id=OUTPUTS["DesktopClientId"],
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("assets/index-a1b2.js", "text/javascript; charset=utf-8"),
        ("assets/index-c3d4.css", "text/css; charset=utf-8"),
        ("assets/index-a1b2.js.map", "application/json"),
        ("config.json", "application/json"),
        ("favicon.svg", "image/svg+xml"),
        ("assets/logo.PNG", "image/png"),
        ("assets/font.woff2", "font/woff2"),
        ("assets/blob", "application/octet-stream"),
    ],
)
def test_given_a_desktop_file_then_it_is_served_with_its_content_type(
    key: str, expected: str
) -> None:
    assert content_type(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("index.html", NO_CACHE),
        ("config.json", NO_CACHE),
        ("favicon.svg", NO_CACHE),
        ("assets/index-a1b2.js", IMMUTABLE),
        ("assets/index-c3d4.css", IMMUTABLE),
    ],
)
def test_given_a_desktop_file_then_only_hashed_assets_are_cached_for_good(
    key: str, expected: str
) -> None:
    assert cache_control(key) == expected


def test_given_the_stack_then_config_json_names_its_pool_client_and_regional_cognito() -> None:
    config = desktop_config(stack(), REGION)

    assert config == {
        "region": REGION,
        "userPoolId": OUTPUTS["StaffUserPoolId"],
        "clientId": OUTPUTS["DesktopClientId"],
        "cognitoEndpoint": "https://cognito-idp.eu-west-1.amazonaws.com/",
    }


def test_given_a_build_then_assets_come_first_index_last_and_its_config_is_left_out(
    dist: Path,
) -> None:
    keys = [key for key, _ in desktop_files(dist)]

    assert keys == [
        "assets/index-a1b2.js",
        "assets/index-c3d4.css",
        "favicon.svg",
        "index.html",
    ]


def test_given_no_build_when_files_are_listed_then_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="make desktop"):
        desktop_files(tmp_path)


def test_given_a_deployed_stack_when_it_is_read_then_its_desktop_outputs_are_found(
    cloud: dict[str, Any],
) -> None:
    found = read_stack(boto3.client("cloudformation", region_name=REGION), STACK_NAME)

    assert found == stack(cloud["DesktopDistributionId"])


def test_given_no_such_stack_when_it_is_read_then_it_is_refused(cloud: dict[str, Any]) -> None:
    with pytest.raises(PublishError, match="does not exist"):
        read_stack(boto3.client("cloudformation", region_name=REGION), "elsewhere")


def test_given_a_stack_without_the_desktop_when_it_is_read_then_the_outputs_are_named(
    cloud: dict[str, Any],
) -> None:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(
        StackName="older",
        TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}),
    )

    with pytest.raises(PublishError, match="DesktopBucketName, DesktopClientId"):
        read_stack(cloudformation, "older")


def test_given_a_build_when_published_then_every_file_lands_with_its_headers(
    cloud: dict[str, Any], dist: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)

    publish(
        dist,
        stack(cloud["DesktopDistributionId"]),
        REGION,
        s3=s3,
        cloudfront=boto3.client("cloudfront"),
        caller_reference="first",
    )

    stored = {
        key: s3.head_object(Bucket=BUCKET, Key=key)
        for key in ("index.html", "assets/index-a1b2.js", "favicon.svg", "config.json")
    }
    assert stored["index.html"]["ContentType"] == "text/html; charset=utf-8"
    assert stored["index.html"]["CacheControl"] == NO_CACHE
    assert stored["assets/index-a1b2.js"]["CacheControl"] == IMMUTABLE
    assert stored["favicon.svg"]["ContentType"] == "image/svg+xml"
    assert stored["config.json"]["CacheControl"] == NO_CACHE
    listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert len(listed) == 5


def test_given_a_build_when_published_then_config_json_comes_from_the_stack(
    cloud: dict[str, Any], dist: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION)

    publish(
        dist,
        stack(cloud["DesktopDistributionId"]),
        REGION,
        s3=s3,
        cloudfront=boto3.client("cloudfront"),
        caller_reference="first",
    )

    body = s3.get_object(Bucket=BUCKET, Key="config.json")["Body"].read()
    assert json.loads(body) == desktop_config(stack(), REGION)


def test_given_a_build_when_published_then_index_and_config_are_invalidated(
    cloud: dict[str, Any], dist: Path
) -> None:
    cloudfront = boto3.client("cloudfront")
    distribution_id = cloud["DesktopDistributionId"]

    invalidation_id = publish(
        dist,
        stack(distribution_id),
        REGION,
        s3=boto3.client("s3"),
        cloudfront=cloudfront,
        caller_reference="first",
    )

    invalidation = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)
    paths = invalidation["Invalidation"]["InvalidationBatch"]["Paths"]
    assert sorted(paths["Items"]) == ["/config.json", "/index.html"]


def test_given_the_command_line_when_run_then_the_stack_is_published(
    cloud: dict[str, Any], dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--stack-name", STACK_NAME, "--region", REGION, "--dist", str(dist)])

    assert status == 0
    assert OUTPUTS["DesktopUrl"] in capsys.readouterr().out
    s3 = boto3.client("s3", region_name=REGION)
    assert s3.head_object(Bucket=BUCKET, Key="index.html")["ContentLength"] > 0


def test_given_the_command_line_without_a_build_when_run_then_it_fails_with_a_reason(
    cloud: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--stack-name", STACK_NAME, "--region", REGION, "--dist", str(tmp_path)])

    assert status == 1
    assert "make desktop" in capsys.readouterr().err
