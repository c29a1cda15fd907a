"""The desk API's application object: what every desk route module reads and writes with.

Route modules (``finestra.apps.desk_requests``, ``finestra.apps.desk_citizens`` and the
read side in ``functions/desk_api/app.py``) each get a :class:`finestra.runtime.Lazy`
of one :class:`DeskApp`, so the stores, the vault and the catalogue are built once per
process, on the first call that needs them.
"""

from datetime import datetime
from functools import cached_property

from finestra.apps.base import App, Clock
from finestra.desk import Cursors
from finestra.desk.access_log import AccessLog
from finestra.desk.answers import AnswerTemplates
from finestra.desk.views import DeskViews, S3AttachmentFiles, Worklist
from finestra.domain.catalogue import Catalogue
from finestra.domain.identity import ContactVault
from finestra.runtime import Clients, utc_now
from finestra.settings import DeskSettings
from finestra.storage.citizens import CitizenStore
from finestra.storage.requests import RequestStore
from finestra.storage.snapshots import SnapshotStore
from finestra.storage.table import Table


class DeskApp(App):
    """The staff desk: its settings, clients, stores, vault, catalogue and clock."""

    def __init__(
        self, settings: DeskSettings, clients: Clients | None = None, clock: Clock = utc_now
    ) -> None:
        super().__init__(settings, clients, clock)
        self.settings = settings
        self.clock = clock

    @property
    def clients(self) -> Clients:
        """The AWS clients, each built on first use."""
        return self.runtime.clients

    @property
    def table(self) -> Table:
        """The one table."""
        return self.runtime.table

    @property
    def vault(self) -> ContactVault:
        """Hashes and seals contact points with the city's secret."""
        return self.runtime.vault

    @property
    def catalogue(self) -> Catalogue:
        """The theme catalogue and the city's territory."""
        return self.runtime.catalogue

    @cached_property
    def requests(self) -> RequestStore:
        """Requests and their interactions."""
        return RequestStore(self.table, shards=self.settings.queue_shards)

    @cached_property
    def citizens(self) -> CitizenStore:
        """Citizens, with contact points unsealed for staff."""
        return CitizenStore(self.table, self.vault)

    @cached_property
    def snapshots(self) -> SnapshotStore:
        """What the back-office systems said about citizens and requests."""
        return SnapshotStore(self.table)

    @cached_property
    def cursors(self) -> Cursors:
        """Signs and checks the cursors of paged lists."""
        return Cursors(self.vault)

    @cached_property
    def answer_templates(self) -> AnswerTemplates:
        """The reply templates and their scopes, read and checked once per process."""
        return AnswerTemplates.load(self.settings.config_dir, self.catalogue)

    @cached_property
    def access_log(self) -> AccessLog:
        """Records who read which citizen's data; call it for every such read."""
        return AccessLog(self.table, self.cursors, self.clock)

    @cached_property
    def worklist(self) -> Worklist:
        """The groups' worklists."""
        return Worklist(
            self.table,
            self.catalogue,
            self.cursors,
            self.clock,
            shards=self.settings.queue_shards,
            near_fraction=self.settings.near_fraction,
            page_size=self.settings.page_size,
        )

    @cached_property
    def views(self) -> DeskViews:
        """Request detail, citizen search and the citizen 360 view, with scope checks."""
        return DeskViews(
            table=self.table,
            requests=self.requests,
            citizens=self.citizens,
            catalogue=self.catalogue,
            access_log=self.access_log,
            clock=self.clock,
            near_fraction=self.settings.near_fraction,
            files=S3AttachmentFiles(
                self.clients,
                self.settings.attachments_bucket,
                expires_in=self.settings.download_expiry_seconds,
            ),
        )

    def now(self) -> datetime:
        """The app's clock."""
        return self.clock()
