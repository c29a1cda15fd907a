"""The staff user pool on the local stack, and the JWT authorizer in front of staff routes.

Three parts make moto's Cognito stand where AWS's does:

- the creators of ``AWS::Cognito::UserPool``, ``UserPoolGroup`` and ``UserPoolClient``,
  which :mod:`finestra_local.resources` calls with the template's properties;
- :func:`verify_srp_passwords`, which makes moto's ``USER_SRP_AUTH`` check the password.
  Moto 5.2.5 answers the flow's first step with random ``SALT`` and ``SRP_B`` and takes
  any ``PASSWORD_VERIFIER`` proof, so any password would sign in. The correction plays
  Cognito's side of SRP-6a (the 3072-bit group, ``k = H(N | g)``, the HKDF named
  "Caldera Derived Key") with the password moto stores, and refuses a wrong proof;
- :class:`JwtVerifier`, API Gateway's JWT authorizer: the token from the identity
  source, its RS256 signature against the pool's JWKS (moto serves it at
  ``<endpoint>/<pool id>/.well-known/jwks.json``), ``kid``, ``iss``, ``aud`` (or
  ``client_id`` when there is no ``aud``), ``exp``, ``nbf``, ``iat`` and the route's
  scopes. The claims reach the function flattened to strings as an HTTP API does:
  ``["agent", "supervisor"]`` becomes ``"[agent supervisor]"``.

:class:`StaffSignIn` is what the desktop needs locally: its ``/config.json`` and a
same-origin proxy of Cognito's JSON API, which refuses the administrators' actions
(signed with IAM credentials in AWS) and writes to attributes the app client may not
write, as Cognito does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import jwt
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend

from finestra_local.lambdas import TemplateError

if TYPE_CHECKING:
    from finestra_local.resources import Resources

__all__ = [
    "DESKTOP_CLIENT",
    "STAFF_POOL",
    "JwtVerifier",
    "Refused",
    "StaffSignIn",
    "authorizers_of",
    "create_user_pool",
    "create_user_pool_client",
    "create_user_pool_group",
    "flattened",
    "verify_srp_passwords",
]

STAFF_POOL: Final = "StaffUserPool"
DESKTOP_CLIENT: Final = "DesktopClient"
JWKS_CACHE_S: Final = 2 * 60 * 60
"""How long API Gateway may keep an issuer's public keys."""
JWKS_REFRESH_S: Final = 60.0
"""The least time between two fetches of the keys for a token with an unknown ``kid``."""
RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512"})
COGNITO_TARGET: Final = "AWSCognitoIdentityProviderService"
# Cognito's actions a browser may call: unauthenticated, or authorised by the user's own
# access token. Every other action needs IAM credentials in AWS.
PUBLIC_ACTIONS: Final = frozenset(
    {
        "AssociateSoftwareToken",
        "ChangePassword",
        "ConfirmDevice",
        "ConfirmForgotPassword",
        "DeleteUserAttributes",
        "ForgetDevice",
        "ForgotPassword",
        "GetDevice",
        "GetUser",
        "GetUserAttributeVerificationCode",
        "GlobalSignOut",
        "InitiateAuth",
        "ListDevices",
        "RespondToAuthChallenge",
        "RevokeToken",
        "SetUserMFAPreference",
        "UpdateDeviceStatus",
        "UpdateUserAttributes",
        "VerifySoftwareToken",
        "VerifyUserAttribute",
    }
)
_COGNITO_JSON: Final = "application/x-amz-json-1.1"
_PROXY_TIMEOUT_S: Final = 10
_JWKS_TIMEOUT_S: Final = 5
_ISSUER_PREFIX: Final = "https://cognito-idp."
_ISSUER_HOST_SUFFIX: Final = ".amazonaws.com/"


def _provider_name(region: str, pool_id: str) -> str:
    return f"cognito-idp.{region}.amazonaws.com/{pool_id}"


def create_user_pool(resources: Resources, logical_id: str) -> None:
    """Create an ``AWS::Cognito::UserPool`` with the template's properties.

    ``EnabledMfas`` is not a parameter of ``CreateUserPool``; it is set afterwards with
    ``SetUserPoolMfaConfig``, as CloudFormation does.
    """
    properties = resources.properties(logical_id)
    enabled_mfas = properties.pop("EnabledMfas", [])
    name = properties.pop("UserPoolName", logical_id)
    client = resources.clients("cognito-idp")
    pool = client.create_user_pool(PoolName=name, **properties)["UserPool"]
    if "SOFTWARE_TOKEN_MFA" in enabled_mfas:
        client.set_user_pool_mfa_config(
            UserPoolId=pool["Id"],
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=properties.get("MfaConfiguration", "OFF"),
        )
    region = str(client.meta.region_name)
    provider = _provider_name(region, pool["Id"])
    resources.record(
        logical_id,
        pool["Id"],
        Arn=pool["Arn"],
        ProviderName=provider,
        ProviderURL=f"https://{provider}",
        UserPoolId=pool["Id"],
    )


def create_user_pool_group(resources: Resources, logical_id: str) -> None:
    """Create an ``AWS::Cognito::UserPoolGroup``; its ``Ref`` is the group's name."""
    properties = resources.properties(logical_id)
    name = properties.pop("GroupName", logical_id)
    resources.clients("cognito-idp").create_group(GroupName=name, **properties)
    resources.record(logical_id, name)


def create_user_pool_client(resources: Resources, logical_id: str) -> None:
    """Create an ``AWS::Cognito::UserPoolClient``; its ``Ref`` is the client id."""
    properties = resources.properties(logical_id)
    name = properties.pop("ClientName", logical_id)
    created = resources.clients("cognito-idp").create_user_pool_client(
        ClientName=name, **properties
    )["UserPoolClient"]
    attributes = {"ClientId": created["ClientId"], "Name": name}
    if "ClientSecret" in created:
        attributes["ClientSecret"] = created["ClientSecret"]
    resources.record(logical_id, created["ClientId"], **attributes)


_N: Final = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B2251"
    "4A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C"
    "42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007C"
    "B8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED52907"
    "7096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC"
    "07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAA"
    "C42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4"
    "C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64"
    "521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B"
    "82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
"""The 3072-bit MODP group of RFC 3526, Cognito's SRP modulus."""
_G: Final = 2
_DERIVED_KEY_INFO: Final = b"Caldera Derived Key\x01"


def _padded(value: int) -> bytes:
    """``value`` big-endian, as Cognito hashes it: a leading zero byte keeps it positive."""
    text = f"{value:x}"
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return bytes.fromhex(text)


def _hashed(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big")


_K: Final = _hashed(_padded(_N), _padded(_G))


@dataclass(frozen=True)
class _SrpChallenge:
    """Cognito's side of one ``USER_SRP_AUTH`` sign-in, between its two steps."""

    session: str
    pool_name: str
    user_id: str
    salt: int
    verifier: int
    secret: int
    big_a: int
    big_b: int

    @classmethod
    def start(
        cls, session: str, pool_id: str, user_id: str, password: str, big_a: int
    ) -> _SrpChallenge:
        pool_name = pool_id.split("_", 1)[1]
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        identity = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).digest()
        verifier = pow(_G, _hashed(_padded(salt), identity), _N)
        secret = int.from_bytes(secrets.token_bytes(128), "big") % _N
        big_b = (_K * verifier + pow(_G, secret, _N)) % _N
        return cls(session, pool_name, user_id, salt, verifier, secret, big_a, big_b)

    def proves(self, secret_block: str, timestamp: str, signature: str) -> bool:
        """Whether ``signature`` is the proof only the user's password can give."""
        scrambler = _hashed(_padded(self.big_a), _padded(self.big_b))
        shared = pow(self.big_a * pow(self.verifier, scrambler, _N), self.secret, _N)
        extracted = hmac.new(_padded(scrambler), _padded(shared), hashlib.sha256).digest()
        key = hmac.new(extracted, _DERIVED_KEY_INFO, hashlib.sha256).digest()[:16]
        message = (
            self.pool_name.encode()
            + self.user_id.encode()
            + base64.b64decode(secret_block)
            + timestamp.encode()
        )
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, signature)


_WRONG_CREDENTIALS: Final = "Incorrect username or password."
_challenges: dict[str, tuple[_SrpChallenge, str]] = {}
_challenges_lock = threading.Lock()
_patch_lock = threading.Lock()
_ORIGINAL_INITIATE: Final = CognitoIdpBackend.initiate_auth
_ORIGINAL_RESPOND: Final = CognitoIdpBackend.respond_to_auth_challenge


def _initiate_auth(
    self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> dict[str, Any]:
    answer: dict[str, Any] = _ORIGINAL_INITIATE(self, client_id, auth_flow, auth_parameters)
    if auth_flow != "USER_SRP_AUTH" or answer.get("ChallengeName") != "PASSWORD_VERIFIER":
        return answer
    big_a = int(auth_parameters["SRP_A"], 16)
    if big_a % _N == 0:
        raise NotAuthorizedError(_WRONG_CREDENTIALS)
    username, pool = self.sessions[answer["Session"]]
    password = self.admin_get_user(pool.id, username).password
    if password is None:
        raise NotAuthorizedError(_WRONG_CREDENTIALS)
    parameters = answer["ChallengeParameters"]
    challenge = _SrpChallenge.start(
        answer["Session"], pool.id, parameters["USER_ID_FOR_SRP"], password, big_a
    )
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    with _challenges_lock:
        _challenges[secret_block] = (challenge, username)
    parameters.update(
        SALT=_padded(challenge.salt).hex(),
        SRP_B=f"{challenge.big_b:x}",
        SECRET_BLOCK=secret_block,
    )
    return answer


def _respond_to_auth_challenge(
    self: CognitoIdpBackend,
    session: str,
    client_id: str,
    challenge_name: str,
    challenge_responses: dict[str, str],
) -> dict[str, Any]:
    if challenge_name == "PASSWORD_VERIFIER":
        secret_block = challenge_responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
        with _challenges_lock:
            challenge, username = _challenges.pop(secret_block, (None, ""))
        proved = challenge is not None and challenge.proves(
            secret_block,
            challenge_responses.get("TIMESTAMP", ""),
            challenge_responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
        )
        if challenge is None or not proved:
            raise NotAuthorizedError(_WRONG_CREDENTIALS)
        # Cognito takes the USER_ID_FOR_SRP it sent (the desktop's library answers with
        # it) where moto looks the user up by user name only.
        challenge_responses = {
            **challenge_responses,
            "USERNAME": username,
            "PASSWORD_CLAIM_SECRET_BLOCK": challenge.session,
        }
    answer: dict[str, Any] = _ORIGINAL_RESPOND(
        self, session, client_id, challenge_name, challenge_responses
    )
    return answer


def verify_srp_passwords() -> None:
    """Make moto's ``USER_SRP_AUTH`` prove the password, as Cognito does (idempotent)."""
    with _patch_lock:
        CognitoIdpBackend.initiate_auth = _initiate_auth  # type: ignore[method-assign]
        CognitoIdpBackend.respond_to_auth_challenge = _respond_to_auth_challenge  # type: ignore[method-assign]


class Refused(Exception):
    """The authorizer refuses the request; ``status`` is what API Gateway answers.

    Parameters
    ----------
    reason : str
        Why, for the local stack's own tests and logs; never sent to the caller.
    status : int, optional
        401 for a missing or invalid token, 403 for a token without the route's scopes.
    """

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def flattened(value: Any) -> str:
    """A claim's value as an HTTP API hands it on: a string, lists as ``[a b]``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(flattened(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = " ".join(f"{key}:{flattened(item)}" for key, item in sorted(value.items()))
        return f"map[{pairs}]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"{name} is not a number")
    return float(value)


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    found = claims.get("scope", claims.get("scp"))
    if isinstance(found, str):
        return found.split()
    if isinstance(found, list):
        return [str(scope) for scope in found]
    return []


def jwks_from(url: str) -> Callable[[], Mapping[str, Any]]:
    """Fetch a JSON Web Key Set from ``url`` each time the result is called."""

    def fetch() -> Mapping[str, Any]:
        with urllib.request.urlopen(url, timeout=_JWKS_TIMEOUT_S) as response:  # noqa: S310
            keys: Mapping[str, Any] = json.loads(response.read())
            return keys

    return fetch


class JwtVerifier:
    """API Gateway's JWT authorizer for one issuer and its audiences.

    Parameters
    ----------
    issuer : str
        The ``iss`` a token must carry.
    audience : Sequence[str]
        The values one of which the token's ``aud``, or else its ``client_id``, must be.
    jwks : Callable[[], Mapping[str, Any]]
        Fetches the issuer's JSON Web Key Set.
    identity_source : str, optional
        Where the token is: ``$request.header.<name>``.
    clock : Callable[[], float], optional
        The time now, in seconds since the epoch.
    """

    def __init__(
        self,
        issuer: str,
        audience: Sequence[str],
        jwks: Callable[[], Mapping[str, Any]],
        *,
        identity_source: str = "$request.header.Authorization",
        clock: Callable[[], float] = time.time,
    ) -> None:
        prefix = "$request.header."
        if not identity_source.startswith(prefix):
            raise TemplateError(f"the identity source {identity_source} does not run locally")
        self.issuer = issuer
        self.audience = frozenset(audience)
        self.header = identity_source.removeprefix(prefix).lower()
        self._jwks = jwks
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def authorize(self, headers: Mapping[str, str], scopes: Sequence[str] = ()) -> dict[str, Any]:
        """The ``requestContext.authorizer`` of a payload-1.0 event for this request.

        Parameters
        ----------
        headers : Mapping[str, str]
            The request's headers, in any case.
        scopes : Sequence[str], optional
            The route's authorization scopes; the token must hold one when there are any.

        Raises
        ------
        Refused
            When the token is missing or fails a check, or lacks every scope.
        """
        lowered = {name.lower(): value for name, value in headers.items()}
        value = lowered.get(self.header, "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value:
            raise Refused("no token in the identity source")
        claims = self.verify(value)
        held = _scopes(claims)
        if scopes and not set(scopes) & set(held):
            raise Refused("the token has none of the route's scopes", status=403)
        return {
            "claims": {name: flattened(item) for name, item in claims.items()},
            "scopes": held or None,
        }

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of ``token`` once its signature and claims pass; :class:`Refused` else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Refused("the token cannot be decoded") from exc
        algorithm = header.get("alg")
        if algorithm not in RSA_ALGORITHMS:
            raise Refused("the token is not signed with RSA")
        key = self._key(str(header.get("kid") or ""))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[str(algorithm)],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_sub": False,
                    "verify_jti": False,
                    "require": [],
                },
            )
        except jwt.InvalidTokenError as exc:
            raise Refused("the signature does not verify") from exc
        self._check(claims)
        return claims

    def _check(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") != self.issuer:
            raise Refused("another issuer")
        audience = claims["aud"] if "aud" in claims else claims.get("client_id")
        named = {audience} if isinstance(audience, str) else set(audience or [])
        if not named & self.audience:
            raise Refused("another audience")
        now = self._clock()
        expires = _number(claims, "exp")
        if expires is None or expires <= now:
            raise Refused("the token has expired")
        for name in ("nbf", "iat"):
            moment = _number(claims, name)
            if moment is not None and moment > now:
                raise Refused(f"{name} is in the future")

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= JWKS_CACHE_S
            unknown = kid not in self._keys and (
                self._fetched_at is None or now - self._fetched_at >= JWKS_REFRESH_S
            )
            if stale or unknown:
                self._refresh(now)
            if kid not in self._keys:
                raise Refused("no key of the issuer has the token's kid")
            return self._keys[kid]

    def _refresh(self, now: float) -> None:
        try:
            document = self._jwks()
        except (OSError, ValueError) as exc:
            raise Refused("the issuer's keys cannot be fetched") from exc
        keys = {}
        for item in document.get("keys", []):
            if item.get("kty") == "RSA" and "kid" in item:
                keys[str(item["kid"])] = jwt.PyJWK.from_dict(item)
        self._keys = keys
        self._fetched_at = now


def _jwks_url(endpoint: str, issuer: str) -> str:
    """Where moto serves the keys of a Cognito issuer."""
    host, _, pool_id = issuer.removeprefix(_ISSUER_PREFIX).partition(_ISSUER_HOST_SUFFIX)
    if not issuer.startswith(_ISSUER_PREFIX) or not host or not pool_id or "/" in pool_id:
        raise TemplateError(f"only Cognito user pools issue tokens locally, not {issuer}")
    return f"{endpoint}/{pool_id}/.well-known/jwks.json"


def authorizers_of(
    template: Mapping[str, Any], resolve: Callable[[Any], Any], endpoint: str
) -> dict[str, JwtVerifier]:
    """The JWT authorizers of every ``AWS::Serverless::HttpApi``, by name.

    Parameters
    ----------
    template : Mapping[str, Any]
        The parsed template.
    resolve : Callable[[Any], Any]
        Resolves intrinsic functions with what the local stack created.
    endpoint : str
        Moto's endpoint, which serves each pool's keys.

    Raises
    ------
    TemplateError
        For an authorizer that is not a JWT authorizer of a Cognito issuer.
    """
    verifiers: dict[str, JwtVerifier] = {}
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Serverless::HttpApi":
            continue
        declared = resource.get("Properties", {}).get("Auth", {}).get("Authorizers", {})
        for name, authorizer in declared.items():
            configuration = authorizer.get("JwtConfiguration")
            if configuration is None:
                raise TemplateError(f"the authorizer {name} is not a JWT one: none run locally")
            issuer = str(resolve(configuration["issuer"]))
            verifiers[name] = JwtVerifier(
                issuer,
                [str(item) for item in resolve(configuration.get("audience", []))],
                jwks_from(_jwks_url(endpoint, issuer)),
                identity_source=str(
                    authorizer.get("IdentitySource", "$request.header.Authorization")
                ),
            )
    return verifiers


Answer = tuple[int, dict[str, str], bytes]


def _cognito_error(kind: str, message: str) -> Answer:
    body = json.dumps({"__type": kind, "message": message}).encode()
    headers = {"Content-Type": _COGNITO_JSON, "x-amzn-ErrorType": kind}
    return 400, headers, body


@dataclass(frozen=True)
class StaffSignIn:
    """The local staff pool as the desktop reaches it: its config and a Cognito proxy.

    Parameters
    ----------
    endpoint : str
        Moto's endpoint.
    region : str
        The pool's region.
    user_pool_id : str
        The staff user pool.
    client_id : str
        The desktop's app client.
    writable : frozenset[str]
        The attributes the app client may write (its ``WriteAttributes``).
    """

    endpoint: str
    region: str
    user_pool_id: str
    client_id: str
    writable: frozenset[str]

    def config(self, cognito_endpoint: str) -> dict[str, str]:
        """The desktop's ``/config.json``, its Cognito calls sent to ``cognito_endpoint``."""
        return {
            "region": self.region,
            "userPoolId": self.user_pool_id,
            "clientId": self.client_id,
            "cognitoEndpoint": cognito_endpoint,
        }

    def forward(self, headers: Mapping[str, str], body: bytes) -> Answer:
        """Send one call of Cognito's JSON API to moto; refuse what a browser may not do."""
        lowered = {name.lower(): value for name, value in headers.items()}
        service, _, action = lowered.get("x-amz-target", "").partition(".")
        if service != COGNITO_TARGET or action not in PUBLIC_ACTIONS:
            return _cognito_error(
                "MissingAuthenticationTokenException", "Missing Authentication Token"
            )
        try:
            call = json.loads(body or b"{}")
        except ValueError:
            return _cognito_error("SerializationException", "the body is not JSON")
        if action in ("UpdateUserAttributes", "DeleteUserAttributes") and not self._may_write(call):
            return _cognito_error(
                "NotAuthorizedException", "A client attempted to write unauthorized attribute"
            )
        request = urllib.request.Request(  # noqa: S310 - the local moto server
            self.endpoint + "/",
            data=body,
            method="POST",
            headers={
                "Content-Type": _COGNITO_JSON,
                "X-Amz-Target": lowered["x-amz-target"],
                "Host": f"cognito-idp.{self.region}.amazonaws.com",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=_PROXY_TIMEOUT_S) as response:  # noqa: S310
                return response.status, _kept(response.headers), response.read()
        except urllib.error.HTTPError as refused:
            return refused.code, _kept(refused.headers), refused.read()

    def _may_write(self, call: Mapping[str, Any]) -> bool:
        try:
            claims = jwt.decode(
                str(call.get("AccessToken", "")), options={"verify_signature": False}
            )
        except jwt.InvalidTokenError:
            return False
        if claims.get("client_id") != self.client_id:
            return False
        named = call.get("UserAttributeNames") or [
            item.get("Name") for item in call.get("UserAttributes") or []
        ]
        return set(named) <= self.writable


def _kept(headers: Any) -> dict[str, str]:
    """The headers of moto's answer a browser needs: the type, the request and error ids."""
    wanted = ("content-type", "x-amzn-requestid", "x-amzn-errortype")
    return {name: str(value) for name, value in headers.items() if name.lower() in wanted}
