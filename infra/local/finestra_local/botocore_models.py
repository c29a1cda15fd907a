"""One botocore loader for every session of the process, so each service model is read once.

Each :class:`boto3.session.Session` gets a botocore loader of its own, and a loader
reads and parses the JSON of every service model, endpoint rule set and paginator it is
asked for, then keeps it for that session only. The local stack builds a session for
each function it runs in process, and the tests build one for every test (moto also
drops boto3's default session each time it starts), so the same files were parsed
thousands of times: most of a test's set-up was spent in ``json.loads``. :func:`share`
makes every new session use one loader per data path, whose cache then serves them all.
The models are read-only to botocore, so sharing them changes nothing but the time. A
deployed Lambda keeps one session per process and needs none of this.
"""

import threading
from typing import Any, Final

from botocore import loaders
from botocore import session as botocore_session

_ORIGINAL: Final = loaders.create_loader
_loaders: dict[Any, loaders.Loader] = {}
_lock = threading.Lock()


def _shared_loader(search_path_string: Any = None) -> loaders.Loader:
    with _lock:
        found = _loaders.get(search_path_string)
        if found is None:
            found = _loaders[search_path_string] = _ORIGINAL(search_path_string)
        return found


def share() -> None:
    """Make every botocore session created from now on use the shared loader."""
    botocore_session.create_loader = _shared_loader


def shared() -> bool:
    """Whether sessions share the loader."""
    return botocore_session.create_loader is _shared_loader
