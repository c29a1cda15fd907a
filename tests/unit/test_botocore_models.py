"""Sessions share one botocore loader once :func:`botocore_models.share` has run."""

import boto3
from botocore import session as botocore_session

from finestra_local import botocore_models


def test_the_tests_run_with_the_loader_shared() -> None:
    assert botocore_models.shared()


def test_two_sessions_read_a_service_model_once_and_get_the_same_one() -> None:
    botocore_models.share()
    first = botocore_session.get_session().get_component("data_loader")
    second = botocore_session.get_session().get_component("data_loader")

    assert first is second
    model = first.load_service_model("dynamodb", "service-2")
    assert second.load_service_model("dynamodb", "service-2") is model


def test_a_session_with_its_own_data_path_gets_a_loader_of_its_own() -> None:
    botocore_models.share()
    plain = botocore_session.get_session().get_component("data_loader")
    own = botocore_session.get_session()
    own.set_config_variable("data_path", "/nonexistent-botocore-data")

    assert own.get_component("data_loader") is not plain


def test_clients_from_different_sessions_work_on_the_shared_models() -> None:
    botocore_models.share()
    one = boto3.session.Session(region_name="eu-west-1").client("sqs")
    two = boto3.session.Session(region_name="eu-west-1").client("sqs")

    assert one.meta.service_model.service_name == two.meta.service_model.service_name == "sqs"
    assert one.meta.region_name == "eu-west-1"
