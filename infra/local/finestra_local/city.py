"""The whole city on 127.0.0.1, as ``make run`` starts it.

:class:`LocalCity` puts the parts together: the :class:`~finestra_local.stack.Stack`
(moto with every resource of the template, the handlers in-process, the demo back
office, the staff user pool and its accounts), the demo city seeded into the table
before any trigger runs, the simulated outside world, and the gateway serving the API,
the desktop and the outside world's endpoints. The end-to-end tests start it exactly
as ``python -m finestra_local`` does.

Nothing is kept between runs: moto holds everything in memory, so every start draws
the same demo city afresh from its seed and a stop forgets what was done meanwhile.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Final

from finestra.open311.clients import ClientApps
from finestra.storage.table import Table
from finestra_local.demo_city import CityReport, CitySize, seed_city
from finestra_local.gateway import Gateway, lambda_invoker, routes_of
from finestra_local.outside import OutsideWorld
from finestra_local.stack import HOST, ROOT, Stack, free_port
from finestra_local.staff import DEMO_STAFF

DEMO_CLIENT_APP: Final = "demo-app"
"""The Open311 client app the local city registers, its key printed at start."""

__all__ = ["DEFAULT_PORT", "LocalCity"]

DEFAULT_PORT: Final = 8000


class LocalCity:
    """Finestra and its demo city on ``http://127.0.0.1:<port>``.

    Parameters
    ----------
    root : Path, optional
        The repository, holding ``template.yaml`` and ``desktop/dist``.
    port : int, optional
        The gateway's port: ``PORT`` when set, else 8000; 0 picks a free one.
    size : CitySize, optional
        The demo city's size and seed (``FINESTRA_DEMO_*`` when not given); ``None``
        with ``seeded=False`` leaves the table empty.
    seeded : bool, optional
        Whether to seed the demo city at all.
    out : IO[str], optional
        Where the start-up announcement goes.
    """

    def __init__(
        self,
        root: Path = ROOT,
        *,
        port: int | None = None,
        size: CitySize | None = None,
        seeded: bool = True,
        out: IO[str] | None = None,
    ) -> None:
        self.root = root
        env_port = os.environ.get("PORT")
        self.port = port if port is not None else int(env_port or DEFAULT_PORT)
        # The functions need the gateway's address before it listens.
        self.port = self.port or free_port()
        self.size = size if size is not None else CitySize.from_env()
        self.seeded = seeded
        self.report: CityReport | None = None
        self.open311_key: str | None = None
        self.desktop = root / "desktop" / "dist"
        self._out = out
        self.stack = Stack(
            root,
            out=out,
            seed=self._seed if seeded else None,
            public_url=f"http://{HOST}:{self.port}",
        )
        self._gateway: Gateway | None = None
        self._world: OutsideWorld | None = None

    def __enter__(self) -> LocalCity:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def gateway(self) -> Gateway:
        """The running gateway."""
        if self._gateway is None:
            raise RuntimeError("the city is not running")
        return self._gateway

    @property
    def world(self) -> OutsideWorld:
        """The simulated outside world."""
        if self._world is None:
            raise RuntimeError("the city is not running")
        return self._world

    @property
    def url(self) -> str:
        """Where the gateway listens."""
        return self.gateway.url

    def start(self) -> LocalCity:
        """Start the stack, seed the city, open the gateway; undo all of it on failure."""
        self.stack.start()
        try:
            self._world = OutsideWorld(self.stack)
            self._gateway = Gateway(
                routes_of(self.stack.template),
                lambda_invoker(self.stack.client("lambda")),
                health=self.health,
                port=self.port,
                authorizers=self.stack.authorizers(),
                sign_in=self.stack.staff_sign_in,
                local=self._world.handler,
                static_dir=self.desktop,
            ).start()
        except BaseException:
            self.stack.stop()
            raise
        if self._out is not None:
            print("\n".join(self.banner()), file=self._out, flush=True)
        return self

    def stop(self) -> None:
        """Close the gateway, then stop the stack."""
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        self.stack.stop()

    def health(self) -> dict[str, str]:
        """Each part's state, as ``GET /api/health`` answers it."""
        state = self.stack.health()
        built = (self.desktop / "index.html").is_file()
        state["desktop"] = "ok" if built else "not built (make desktop)"
        state["demo_city"] = "ok" if self.report is not None or not self.seeded else "not seeded"
        return state

    def _seed(self, stack: Stack) -> None:
        environment = stack.environment
        self.report = seed_city(
            stack.client,
            table=environment["FINESTRA_TABLE"],
            contact_key_secret=environment["FINESTRA_CONTACT_KEY_SECRET"],
            config_dir=stack.config_dir,
            now=datetime.now(UTC),
            size=self.size,
            city_code=environment.get("FINESTRA_CITY_CODE", "BCN"),
            queue_shards=int(environment.get("FINESTRA_QUEUE_SHARDS", "4")),
            triage_group=environment.get("FINESTRA_TRIAGE_GROUP", "triage"),
            tracking_url=environment.get("FINESTRA_TRACKING_URL"),
            writer_process=True,
            time_zone=environment.get("FINESTRA_CITY_TIME_ZONE", "Europe/Madrid"),
        )
        apps = ClientApps(
            Table(stack.client("dynamodb"), environment["FINESTRA_TABLE"]), per_minute=30
        )
        _, self.open311_key = apps.register(
            DEMO_CLIENT_APP, "Finestra's demo Open311 client app", datetime.now(UTC)
        )

    def banner(self) -> list[str]:
        """What to open and what to try first."""
        url = self.url
        lines = [
            "",
            f"Finestra is running on {url}",
            f"  desktop        {url}/",
            f"  citizen API    {url}/api/v1/themes?lang=ca",
            f"  health         {url}/api/health",
            f"  outside world  {url}/_local/  (.venv/bin/python -m finestra_local.cli --help)",
            "staff sign-in (user name / password):",
        ]
        lines += [f"  {m.username:<16} {m.password:<22} {', '.join(m.roles)}" for m in DEMO_STAFF]
        if self.report is not None:
            lines += self.report.lines()
        if self.open311_key is not None:
            lines += [
                f"Open311 demo client app {DEMO_CLIENT_APP}, api_key {self.open311_key}",
                f"  curl -s {url}/api/open311/v2/services.json",
                f"  curl -s {url}/api/open311/v2/requests.json -d api_key={self.open311_key} "
                "-d service_code=lighting.streetlight-off -d lat=41.3935 -d long=2.1634 "
                "--data-urlencode 'description=Streetlight out in front of number 12'",
            ]
        lines += [
            "try first:",
            "  .venv/bin/python -m finestra_local.cli sms --from +34600000001 "
            "'Hi ha un fanal apagat al carrer de Mallorca 200'",
            "  .venv/bin/python -m finestra_local.cli outbox",
            f"  curl -s {url}/_local/outbox",
            "Ctrl-C stops everything; nothing is kept between runs.",
        ]
        return lines
