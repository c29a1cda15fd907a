"""``python -m finestra_local``: run Finestra on 127.0.0.1 until Ctrl-C or SIGTERM."""

import logging
import os
import signal
import sys
from types import FrameType

from finestra_local.gateway import Gateway, lambda_invoker, routes_of
from finestra_local.outside import OutsideWorld
from finestra_local.stack import Stack


def main() -> int:
    """Start the local stack, announce it, and stop it cleanly on SIGINT or SIGTERM."""
    # Moto's server logs every request it serves; the handlers' own logs are what matter.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = Stack(out=sys.stdout)

    def stop(signum: int, frame: FrameType | None) -> None:
        stack.request_stop()

    with stack:
        gateway = Gateway(
            routes_of(stack.template),
            lambda_invoker(stack.client("lambda")),
            health=stack.health,
            port=int(os.environ.get("PORT", "8000")),
            authorizers=stack.authorizers(),
            sign_in=stack.staff_sign_in,
            local=OutsideWorld(stack).handler,
        ).start()
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        print(f"gateway on {gateway.url}/api/ (try {gateway.url}/api/v1/themes?lang=ca)")
        print("running; Ctrl-C stops everything", flush=True)
        try:
            stack.wait()
        finally:
            gateway.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
