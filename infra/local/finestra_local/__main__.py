"""``python -m finestra_local``: run Finestra on 127.0.0.1 until Ctrl-C or SIGTERM."""

import logging
import signal
import sys
from types import FrameType

from finestra_local.city import LocalCity


def main() -> int:
    """Start the city, announce it, and stop it cleanly on SIGINT or SIGTERM."""
    # Moto's server logs every request it serves; the handlers' own logs are what matter.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    city = LocalCity(out=sys.stdout)

    def stop(signum: int, frame: FrameType | None) -> None:
        city.stack.request_stop()

    with city:
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        print("running; Ctrl-C stops everything", flush=True)
        city.stack.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
