"""Staff sign in on the local stack, and its gateway checks their tokens as AWS does."""

import base64
import gzip
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import moto.cognitoidp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from finestra.auth import EVERY_DISTRICT, Role, staff_from_event
from finestra.domain.catalogue import Catalogue
from finestra.domain.errors import Unauthorised
from finestra_local.cognito import JwtVerifier, Refused, flattened, jwks_from
from finestra_local.gateway import Gateway, Route, lambda_invoker, routes_of
from finestra_local.resources import REGION
from finestra_local.stack import Stack
from finestra_local.staff import DEMO_STAFF, SignInRefused, Tokens, sign_in
from tests.conftest import CONFIG, ROOT
from tests.support.cfn import load_template

STAFF_PATH = "/api/staff-test/claims"
SCOPED_PATH = "/api/staff-test/scoped"
COGNITO_SCOPE = "aws.cognito.signin.user.admin"
UNAUTHORIZED = (401, {"message": "Unauthorized"})
STAFF = {member.username: member for member in DEMO_STAFF}
AGENT = STAFF["agent.eixample"]
GRACIA = STAFF["agent.gracia"]
ADMIN = STAFF["admin"]
TEMPLATE = load_template(ROOT / "template.yaml")


class Recorder:
    """Lambda Invoke for the gateway: the test routes echo their event, others run."""

    def __init__(self, real: Any) -> None:
        self.events: list[dict[str, Any]] = []
        self.invoked: list[str] = []
        self._real = real
        self._lock = threading.Lock()

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.invoked.append(f"{event['httpMethod']} {event['path']}")
        if not event["path"].startswith("/api/staff-test/"):
            answer: dict[str, Any] = self._real(function, event)
            return answer
        with self._lock:
            self.events.append(event)
        return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with Stack(ROOT) as started:
        yield started


@pytest.fixture(scope="module")
def recorder(stack: Stack) -> Recorder:
    return Recorder(lambda_invoker(stack.client("lambda")))


@pytest.fixture(scope="module")
def gateway(stack: Stack, recorder: Recorder) -> Iterator[Gateway]:
    test_routes = [
        Route("GET", STAFF_PATH, "CitizenApiFunction", authorizer="StaffAuthorizer"),
        Route(
            "GET",
            SCOPED_PATH,
            "CitizenApiFunction",
            authorizer="StaffAuthorizer",
            scopes=(COGNITO_SCOPE,),
        ),
    ]
    served = Gateway(
        test_routes + routes_of(stack.template),
        recorder,
        health=stack.health,
        port=0,
        authorizers=stack.authorizers(),
        sign_in=stack.staff_sign_in,
    ).start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def agent_tokens(stack: Stack) -> Tokens:
    return sign_in(
        stack.client, stack.user_pool_id, stack.client_id, AGENT.username, AGENT.password
    )


def call(
    gateway: Gateway,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, Any]:
    request = urllib.request.Request(
        gateway.url + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def pool_key() -> Any:
    """Moto's signing key, which every pool it serves signs with."""
    folder = Path(moto.cognitoidp.__file__).parent / "resources"
    document = json.loads(gzip.decompress((folder / "jwks-private.json.gz").read_bytes()))
    return jwt.PyJWK.from_dict(document).key


def minted(claims: dict[str, Any], key: Any = None, kid: str = "dummy") -> str:
    """A token signed like the pool's (or with ``key``), carrying ``claims``."""
    return jwt.encode(claims, key or pool_key(), algorithm="RS256", headers={"kid": kid})


def calls_to(recorder: Recorder, path: str) -> int:
    return sum(1 for event in recorder.events if event["path"] == path)


def test_a_staff_route_refuses_a_request_without_a_token(
    gateway: Gateway, recorder: Recorder
) -> None:
    before = calls_to(recorder, STAFF_PATH)

    assert call(gateway, STAFF_PATH) == UNAUTHORIZED
    assert call(gateway, STAFF_PATH, headers={"Authorization": "Bearer "}) == UNAUTHORIZED
    assert calls_to(recorder, STAFF_PATH) == before


def test_a_staff_route_refuses_the_exact_body_api_gateway_sends(gateway: Gateway) -> None:
    request = urllib.request.Request(gateway.url + STAFF_PATH)

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=20)

    assert refused.value.code == 401
    assert refused.value.read() == b'{"message":"Unauthorized"}'
    assert refused.value.headers["Content-Type"] == "application/json"


def test_a_token_signed_by_another_key_is_refused(
    gateway: Gateway, recorder: Recorder, agent_tokens: Tokens
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = claims_of(agent_tokens.id_token)
    before = calls_to(recorder, STAFF_PATH)

    forged = minted(claims, key=stranger)
    unknown_kid = minted(claims, key=stranger, kid="somebody-elses-key")

    assert call(gateway, STAFF_PATH, headers=bearer(forged)) == UNAUTHORIZED
    assert call(gateway, STAFF_PATH, headers=bearer(unknown_kid)) == UNAUTHORIZED
    assert calls_to(recorder, STAFF_PATH) == before


def test_a_token_with_a_changed_claim_is_refused(gateway: Gateway, agent_tokens: Tokens) -> None:
    header, payload, signature = agent_tokens.id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    claims["custom:districts"] = EVERY_DISTRICT
    widened = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert call(gateway, STAFF_PATH, headers=bearer(f"{header}.{widened}.{signature}")) == (
        UNAUTHORIZED
    )


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", lambda now: now - 1),
        ("exp", lambda now: None),
        ("nbf", lambda now: now + 300),
        ("iat", lambda now: now + 300),
    ],
    ids=["expired", "no-expiry", "not-yet-valid", "issued-in-the-future"],
)
def test_a_token_outside_its_lifetime_is_refused(
    gateway: Gateway, agent_tokens: Tokens, claim: str, value: Any
) -> None:
    claims = claims_of(agent_tokens.id_token)
    moment = value(int(time.time()))
    if moment is None:
        del claims[claim]
    else:
        claims[claim] = moment

    assert call(gateway, STAFF_PATH, headers=bearer(minted(claims))) == UNAUTHORIZED


def test_a_token_the_pool_signed_with_its_own_claims_passes(
    gateway: Gateway, agent_tokens: Tokens
) -> None:
    status, _ = call(gateway, STAFF_PATH, headers=bearer(minted(claims_of(agent_tokens.id_token))))

    assert status == 200


def test_a_token_for_another_audience_or_issuer_is_refused(
    gateway: Gateway, stack: Stack, agent_tokens: Tokens
) -> None:
    claims = claims_of(agent_tokens.id_token)
    other_pool = stack.client("cognito-idp").create_user_pool(PoolName="another-app")["UserPool"]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{other_pool['Id']}"

    another_audience = minted({**claims, "aud": "another-app-client"})
    another_issuer = minted({**claims, "iss": issuer})
    no_audience = minted({key: item for key, item in claims.items() if key != "aud"})

    assert call(gateway, STAFF_PATH, headers=bearer(another_audience)) == UNAUTHORIZED
    assert call(gateway, STAFF_PATH, headers=bearer(another_issuer)) == UNAUTHORIZED
    assert call(gateway, STAFF_PATH, headers=bearer(no_audience)) == UNAUTHORIZED


def test_an_id_token_from_sign_in_reaches_the_function_with_its_claims_flattened(
    gateway: Gateway, recorder: Recorder, agent_tokens: Tokens
) -> None:
    status, authorizer = call(gateway, STAFF_PATH, headers=bearer(agent_tokens.id_token))
    event = recorder.events[-1]
    staff = staff_from_event(event)

    assert status == 200
    assert authorizer["scopes"] is None
    claims = authorizer["claims"]
    assert claims["cognito:groups"] == "[agent]"
    assert claims["custom:districts"] == "2"
    assert claims["custom:groups"] == ",".join(AGENT.groups)
    assert claims["token_use"] == "id"
    assert claims["exp"] == str(claims_of(agent_tokens.id_token)["exp"])
    assert all(isinstance(value, str) for value in claims.values())
    assert staff.username == AGENT.username
    assert staff.roles == frozenset({Role.AGENT})
    assert staff.districts == frozenset({"2"})
    assert staff.groups == frozenset(AGENT.groups)


def test_a_token_without_the_bearer_prefix_is_accepted_as_api_gateway_does(
    gateway: Gateway, agent_tokens: Tokens
) -> None:
    status, _ = call(gateway, STAFF_PATH, headers={"Authorization": agent_tokens.id_token})

    assert status == 200


def test_an_access_token_passes_the_authorizer_but_not_the_app(
    gateway: Gateway, recorder: Recorder, agent_tokens: Tokens
) -> None:
    status, authorizer = call(gateway, STAFF_PATH, headers=bearer(agent_tokens.access_token))

    assert status == 200
    assert authorizer["claims"]["token_use"] == "access"
    assert authorizer["claims"]["client_id"] == claims_of(agent_tokens.id_token)["aud"]
    assert authorizer["scopes"] == [COGNITO_SCOPE]
    with pytest.raises(Unauthorised):
        staff_from_event(recorder.events[-1])


def test_a_route_with_scopes_needs_a_token_that_holds_one(
    gateway: Gateway, agent_tokens: Tokens
) -> None:
    assert call(gateway, SCOPED_PATH, headers=bearer(agent_tokens.id_token)) == (
        403,
        {"message": "Forbidden"},
    )
    assert call(gateway, SCOPED_PATH, headers=bearer(agent_tokens.access_token))[0] == 200


def test_a_route_whose_authorizer_is_not_configured_is_refused_not_opened(
    stack: Stack, recorder: Recorder, agent_tokens: Tokens
) -> None:
    route = Route("GET", STAFF_PATH, "CitizenApiFunction", authorizer="StaffAuthorizer")
    served = Gateway([route], recorder, health=stack.health, port=0).start()
    try:
        answer = call(served, STAFF_PATH, headers=bearer(agent_tokens.id_token))
    finally:
        served.stop()

    assert answer == (500, {"message": "Internal Server Error"})


def test_a_verifier_refuses_a_real_token_once_its_clock_passes_the_expiry(
    stack: Stack, agent_tokens: Tokens
) -> None:
    expires = claims_of(agent_tokens.id_token)["exp"]
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{stack.user_pool_id}"
    keys = jwks_from(f"{stack.endpoint}/{stack.user_pool_id}/.well-known/jwks.json")
    before = JwtVerifier(issuer, [stack.client_id], keys, clock=lambda: expires - 1)
    after = JwtVerifier(issuer, [stack.client_id], keys, clock=lambda: expires)

    assert before.verify(agent_tokens.id_token)["sub"] == claims_of(agent_tokens.id_token)["sub"]
    with pytest.raises(Refused, match="expired"):
        after.verify(agent_tokens.id_token)


def test_the_authorizer_of_the_template_checks_the_staff_pool_and_the_desktop(
    stack: Stack,
) -> None:
    verifier = stack.authorizers()["StaffAuthorizer"]

    assert verifier.issuer == stack.resources.resolver.attributes[("StaffUserPool", "ProviderURL")]
    assert verifier.audience == frozenset({stack.client_id})
    assert verifier.header == "authorization"


@pytest.mark.parametrize("member", DEMO_STAFF, ids=[m.username for m in DEMO_STAFF])
def test_every_demo_account_signs_in_with_its_password_and_carries_its_scope(
    stack: Stack, member: Any
) -> None:
    tokens = sign_in(
        stack.client, stack.user_pool_id, stack.client_id, member.username, member.password
    )
    claims = claims_of(tokens.id_token)

    assert claims["cognito:username"] == member.username
    assert set(claims["cognito:groups"]) == {role.value for role in member.roles}
    assert claims["custom:districts"] == ",".join(member.districts)
    assert claims.get("custom:groups", "") == ",".join(member.groups)
    assert tokens.expires_in == 3600


def test_a_wrong_password_does_not_sign_in(stack: Stack) -> None:
    with pytest.raises(SignInRefused):
        sign_in(stack.client, stack.user_pool_id, stack.client_id, AGENT.username, GRACIA.password)


def test_every_demo_account_works_in_real_responsible_groups_and_districts() -> None:
    catalogue = Catalogue.load(CONFIG)
    districts = {district.code for district in catalogue.districts} | {EVERY_DISTRICT}

    for member in DEMO_STAFF:
        for code in member.groups:
            assert catalogue.group(code).code == code
        assert set(member.districts) <= districts
    assert {role for member in DEMO_STAFF for role in member.roles} == set(Role)


def test_every_demo_password_meets_the_pools_policy() -> None:
    policy = TEMPLATE["Resources"]["StaffUserPool"]["Properties"]["Policies"]["PasswordPolicy"]

    for member in DEMO_STAFF:
        assert len(member.password) >= policy["MinimumLength"]
        assert re.search(r"[a-z]", member.password)
        assert re.search(r"[A-Z]", member.password)
        assert re.search(r"\d", member.password)
        assert re.search(r"[^A-Za-z0-9]", member.password)


def test_the_pool_groups_and_client_are_created_as_the_template_says(stack: Stack) -> None:
    cognito = stack.client("cognito-idp")
    pool = cognito.describe_user_pool(UserPoolId=stack.user_pool_id)["UserPool"]
    groups = cognito.list_groups(UserPoolId=stack.user_pool_id)["Groups"]
    client = cognito.describe_user_pool_client(
        UserPoolId=stack.user_pool_id, ClientId=stack.client_id
    )["UserPoolClient"]
    attributes = {attribute["Name"] for attribute in pool["SchemaAttributes"]}

    assert pool["Name"] == "finestra-local-staff"
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["DeletionProtection"] == "INACTIVE"
    assert {"custom:districts", "custom:groups"} <= attributes
    assert {group["GroupName"] for group in groups} == {role.value for role in Role}
    assert "ClientSecret" not in client
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert not {"custom:districts", "custom:groups"} & set(client["WriteAttributes"])


def test_the_desktop_config_names_the_local_pool_and_the_proxy(
    gateway: Gateway, stack: Stack
) -> None:
    status, config = call(gateway, "/config.json")

    assert status == 200
    assert config == {
        "region": REGION,
        "userPoolId": stack.user_pool_id,
        "clientId": stack.client_id,
        "cognitoEndpoint": f"{gateway.url}/_local/cognito-idp/",
    }


def test_the_cognito_proxy_answers_initiate_auth_as_cognito_does(
    gateway: Gateway, stack: Stack
) -> None:
    body = {
        "AuthFlow": "USER_SRP_AUTH",
        "ClientId": stack.client_id,
        "AuthParameters": {"USERNAME": AGENT.username, "SRP_A": f"{2**2048 + 12345:x}"},
    }

    status, answer = call(
        gateway,
        "/_local/cognito-idp/",
        method="POST",
        headers={
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
            "Content-Type": "application/x-amz-json-1.1",
        },
        body=json.dumps(body).encode(),
    )

    assert status == 200
    assert answer["ChallengeName"] == "PASSWORD_VERIFIER"
    assert {"SALT", "SRP_B", "SECRET_BLOCK", "USER_ID_FOR_SRP"} <= set(
        answer["ChallengeParameters"]
    )


def test_a_client_of_the_proxy_signs_in_and_calls_a_staff_route(
    gateway: Gateway, stack: Stack
) -> None:
    browser = boto3.client(
        "cognito-idp",
        endpoint_url=f"{gateway.url}/_local/cognito-idp/",
        region_name=REGION,
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
    )

    tokens = sign_in(
        lambda _service: browser,
        stack.user_pool_id,
        stack.client_id,
        ADMIN.username,
        ADMIN.password,
    )
    status, authorizer = call(gateway, STAFF_PATH, headers=bearer(tokens.id_token))

    assert status == 200
    assert authorizer["claims"]["cognito:groups"] == "[administrator]"


def test_the_cognito_proxy_refuses_what_a_browser_may_not_do(
    gateway: Gateway, stack: Stack
) -> None:
    tokens = sign_in(
        stack.client, stack.user_pool_id, stack.client_id, GRACIA.username, GRACIA.password
    )

    def cognito(action: str, body: dict[str, Any]) -> tuple[int, Any]:
        return call(
            gateway,
            "/_local/cognito-idp/",
            method="POST",
            headers={"X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"},
            body=json.dumps(body).encode(),
        )

    widen = [{"Name": "custom:districts", "Value": EVERY_DISTRICT}]
    admin = cognito(
        "AdminUpdateUserAttributes",
        {"UserPoolId": stack.user_pool_id, "Username": "agent.gracia", "UserAttributes": widen},
    )
    own_scope = cognito(
        "UpdateUserAttributes", {"AccessToken": tokens.access_token, "UserAttributes": widen}
    )
    own_name = cognito(
        "UpdateUserAttributes",
        {
            "AccessToken": tokens.access_token,
            "UserAttributes": [{"Name": "name", "Value": "Agent de la Vila de Gràcia"}],
        },
    )
    user = stack.client("cognito-idp").admin_get_user(
        UserPoolId=stack.user_pool_id, Username=GRACIA.username
    )

    assert admin[0] == 400
    assert admin[1]["__type"] == "MissingAuthenticationTokenException"
    assert own_scope == (
        400,
        {
            "__type": "NotAuthorizedException",
            "message": "A client attempted to write unauthorized attribute",
        },
    )
    assert own_name[0] == 200, own_name
    stored = {item["Name"]: item["Value"] for item in user["UserAttributes"]}
    assert stored["custom:districts"] == "6"
    assert stored["name"] == "Agent de la Vila de Gràcia"


def test_claims_are_flattened_as_an_http_api_flattens_them() -> None:
    assert flattened(["agent", "supervisor"]) == "[agent supervisor]"
    assert flattened([]) == "[]"
    assert flattened(True) == "true"
    assert flattened(1796311583) == "1796311583"
    assert flattened(1.0e9) == "1000000000"
    assert flattened({"b": 1, "a": ["x"]}) == "map[a:[x] b:1]"
    assert flattened("2,6") == "2,6"


def test_routes_learn_their_authorizer_from_the_event_or_the_api_default() -> None:
    def function(*events: dict[str, Any]) -> dict[str, Any]:
        return {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Events": {
                    f"E{index}": {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "Api"}, **e}}
                    for index, e in enumerate(events)
                }
            },
        }

    template = {
        "Resources": {
            "Api": {
                "Type": "AWS::Serverless::HttpApi",
                "Properties": {
                    "Auth": {
                        "DefaultAuthorizer": "Staff",
                        "Authorizers": {"Staff": {"AuthorizationScopes": ["desk/read"]}},
                    }
                },
            },
            "Fn": function(
                {"Method": "get", "Path": "/a"},
                {"Method": "GET", "Path": "/b", "Auth": {"Authorizer": "NONE"}},
                {
                    "Method": "POST",
                    "Path": "/c",
                    "Auth": {"Authorizer": "Staff", "AuthorizationScopes": ["desk/write"]},
                },
            ),
        }
    }

    assert routes_of(template) == [
        Route("GET", "/a", "Fn", authorizer="Staff", scopes=("desk/read",)),
        Route("GET", "/b", "Fn"),
        Route("POST", "/c", "Fn", authorizer="Staff", scopes=("desk/write",)),
    ]


DESK_ROUTES = [route for route in routes_of(TEMPLATE) if route.path.startswith("/api/desk/")]


def concrete(path: str) -> str:
    """A desk route's path with each parameter filled in."""
    filled = {"reference": "BCN-2026-000001", "citizen_id": "cit_01JGZZW1M00000000000000001"}
    return re.sub(r"\{(\w+)\}", lambda found: filled.get(found.group(1), "x"), path)


@pytest.mark.parametrize("route", DESK_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_desk_route_refuses_an_expired_or_forged_token_before_its_function(
    gateway: Gateway, recorder: Recorder, agent_tokens: Tokens, route: Route
) -> None:
    claims = claims_of(agent_tokens.id_token)
    expired = minted({**claims, "exp": int(time.time()) - 1})
    forged = minted(claims, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    header, _, signature = agent_tokens.id_token.split(".")
    widened = (
        base64.urlsafe_b64encode(
            json.dumps({**claims, "cognito:groups": ["administrator"]}).encode()
        )
        .decode()
        .rstrip("=")
    )
    tampered = f"{header}.{widened}.{signature}"
    before = len(recorder.invoked)
    path = concrete(route.path)
    body = b"{}" if route.method in ("POST", "PUT", "PATCH") else None
    sent = {"Content-Type": "application/json"}

    for token in (expired, forged, tampered):
        answer = call(
            gateway, path, method=route.method, headers={**sent, **bearer(token)}, body=body
        )
        assert answer == UNAUTHORIZED, token[:10]
    assert len(DESK_ROUTES) >= 20
    assert recorder.invoked[before:] == [], "the function never ran"


def test_every_staff_route_of_the_template_is_behind_the_staff_authorizer() -> None:
    auth = TEMPLATE["Resources"]["FinestraHttpApi"]["Properties"]["Auth"]
    routes = routes_of(TEMPLATE)

    assert "DefaultAuthorizer" not in auth
    assert set(auth["Authorizers"]) == {"StaffAuthorizer"}
    for route in routes:
        staff = route.path.startswith("/api/desk/")
        assert (route.authorizer == "StaffAuthorizer") is staff, route


def test_a_proof_answered_with_the_user_id_for_srp_signs_in_as_the_browser_library_does(
    gateway: Gateway, stack: Stack
) -> None:
    from pycognito.aws_srp import AWSSRP  # type: ignore[import-untyped]

    browser = boto3.client(
        "cognito-idp",
        endpoint_url=f"{gateway.url}/_local/cognito-idp/",
        region_name=REGION,
        aws_access_key_id="unused",
        aws_secret_access_key="unused",
    )
    srp = AWSSRP(
        ADMIN.username, ADMIN.password, stack.user_pool_id, stack.client_id, client=browser
    )
    parameters = srp.get_auth_params()
    started = browser.initiate_auth(
        AuthFlow="USER_SRP_AUTH", AuthParameters=parameters, ClientId=stack.client_id
    )
    challenge = started["ChallengeParameters"]
    answers = srp.process_challenge(challenge, parameters)
    answers["USERNAME"] = challenge["USER_ID_FOR_SRP"]

    signed_in = browser.respond_to_auth_challenge(
        ClientId=stack.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses=answers,
        Session=started["Session"],
    )

    assert challenge["USER_ID_FOR_SRP"] != ADMIN.username
    assert signed_in["AuthenticationResult"]["IdToken"]
