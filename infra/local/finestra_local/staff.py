"""The demo city's staff accounts, one or more per role, and signing them in.

Each account is created as an administrator creates one in AWS (``AdminCreateUser``
with the scope attributes, then its groups), with a fixed demo password set permanent,
so that it signs in at once. :func:`sign_in` takes the desktop's own flow,
``USER_SRP_AUTH`` answered with ``PASSWORD_VERIFIER``, in which the password never
leaves the client; :func:`finestra_local.cognito.verify_srp_passwords` makes moto
check the proof as Cognito does.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP  # type: ignore[import-untyped]
from pycognito.exceptions import ForceChangePasswordException  # type: ignore[import-untyped]

from finestra.auth import EVERY_DISTRICT, Role

__all__ = [
    "DEMO_STAFF",
    "STAFF_MAIL_DOMAIN",
    "DemoStaff",
    "SignInRefused",
    "Tokens",
    "create_staff",
    "sign_in",
]

STAFF_MAIL_DOMAIN: Final = "staff.finestra.example.org"


@dataclass(frozen=True)
class DemoStaff:
    """One demo account: who, with which password, roles and scope."""

    username: str
    password: str
    name: str
    roles: tuple[Role, ...]
    districts: tuple[str, ...]
    groups: tuple[str, ...] = ()

    @property
    def email(self) -> str:
        """The account's work address (a reserved domain: nothing is ever delivered)."""
        return f"{self.username}@{STAFF_MAIL_DOMAIN}"

    def attributes(self) -> list[dict[str, str]]:
        """The user's attributes as ``AdminCreateUser`` takes them."""
        attributes = [
            {"Name": "email", "Value": self.email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": self.name},
            {"Name": "locale", "Value": "ca"},
            {"Name": "custom:districts", "Value": ",".join(self.districts)},
        ]
        if self.groups:
            attributes.append({"Name": "custom:groups", "Value": ",".join(self.groups)})
        return attributes


DEMO_STAFF: Final[tuple[DemoStaff, ...]] = (
    DemoStaff(
        "agent.eixample",
        "Eixample-Agent-2026",
        "Agent de l'Eixample",
        (Role.AGENT,),
        ("2",),
        ("lighting", "paving", "cleaning", "waste"),
    ),
    DemoStaff(
        "agent.gracia",
        "Gracia-Agent-2026",
        "Agent de Gràcia",
        (Role.AGENT,),
        ("6",),
        ("parks", "noise", "civic-behaviour"),
    ),
    DemoStaff(
        "agent.triage",
        "Triage-Agent-2026",
        "Agent de triatge",
        (Role.AGENT,),
        (EVERY_DISTRICT,),
        ("triage", "information"),
    ),
    DemoStaff(
        "coordinator.maintenance",
        "Maintenance-Coordinator-2026",
        "Coordinadora de manteniment urbà",
        (Role.AGENT,),
        (EVERY_DISTRICT,),
        ("urban-maintenance",),
    ),
    DemoStaff(
        "supervisor",
        "Supervisor-2026!",
        "Supervisora de l'Eixample i Gràcia",
        (Role.SUPERVISOR,),
        ("2", "6"),
    ),
    DemoStaff(
        "campaigns",
        "Campaigns-2026!",
        "Gestora de campanyes",
        (Role.CAMPAIGN_MANAGER,),
        (EVERY_DISTRICT,),
    ),
    DemoStaff(
        "admin",
        "Administrator-2026!",
        "Administradora",
        (Role.ADMINISTRATOR,),
        (EVERY_DISTRICT,),
    ),
)


@dataclass(frozen=True)
class Tokens:
    """What a sign-in gives the desktop."""

    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


class SignInRefused(Exception):
    """The pool did not sign the user in: a wrong password, or a challenge left to answer."""


def create_staff(
    clients: Callable[[str], Any], pool_id: str, staff: Sequence[DemoStaff] = DEMO_STAFF
) -> None:
    """Create ``staff`` in the pool, each in its role groups, with its password permanent.

    Parameters
    ----------
    clients : Callable[[str], Any]
        Builds a boto3 client for a service.
    pool_id : str
        The staff user pool.
    staff : Sequence[DemoStaff], optional
        The accounts; the demo city's by default.
    """
    cognito = clients("cognito-idp")
    for member in staff:
        cognito.admin_create_user(
            UserPoolId=pool_id,
            Username=member.username,
            UserAttributes=member.attributes(),
            MessageAction="SUPPRESS",
        )
        for role in member.roles:
            cognito.admin_add_user_to_group(
                UserPoolId=pool_id, Username=member.username, GroupName=role.value
            )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=member.username, Password=member.password, Permanent=True
        )


def sign_in(
    clients: Callable[[str], Any], pool_id: str, client_id: str, username: str, password: str
) -> Tokens:
    """Sign a user in with ``USER_SRP_AUTH``, the flow of the desktop.

    Raises
    ------
    SignInRefused
        When the pool refuses the user name or password, or asks for a new password.
    """
    flow = AWSSRP(
        username=username,
        password=password,
        pool_id=pool_id,
        client_id=client_id,
        client=clients("cognito-idp"),
    )
    try:
        answer = flow.authenticate_user()
    except ForceChangePasswordException as exc:
        raise SignInRefused("the user must choose a new password first") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NotAuthorizedException", "UserNotFoundException"):
            raise SignInRefused("the user name or password is wrong") from exc
        raise
    result = answer["AuthenticationResult"]
    return Tokens(
        id_token=result["IdToken"],
        access_token=result["AccessToken"],
        refresh_token=result["RefreshToken"],
        expires_in=int(result["ExpiresIn"]),
    )
