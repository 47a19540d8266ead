"""Operator commands of the notifications service.

    python -m services.notifications.cli status                counts of messages by status
    python -m services.notifications.cli sending [--older-than S]
                                   messages left in sending (ids, channel, provider, since)
    python -m services.notifications.cli settle [--older-than S]
                                   settle them now: ask the provider, or hand over again
                                   under the same message id (the worker does this by itself
                                   every 30 s for messages in sending over 2 minutes)

No personal data is printed: message ids, channels, providers and times only.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta

from kit.config import Settings
from kit.db import make_engine, read_only
from kit.logging import configure_logging
from services.notifications import store
from services.notifications.providers import providers_from_env
from services.notifications.sender import STUCK_AFTER_S, Sender
from services.notifications.services import Notifications


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["status", "sending", "settle"])
    parser.add_argument(
        "--older-than", type=float, default=STUCK_AFTER_S, help="seconds in sending"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env("notifications")
    configure_logging("notifications-cli", settings.log_level)
    engine = make_engine(settings.database_url)
    older_than = timedelta(seconds=args.older_than)
    try:
        notifications = Notifications(engine)
        if args.command == "settle":
            settled = Sender(notifications, providers_from_env()).settle_stuck(older_than)
            print(json.dumps(settled, indent=2))
            print(f"{len(settled)} message(s) settled")
            return
        with read_only(engine) as conn:
            if args.command == "status":
                result: object = store.count_by_status(conn)
            else:
                result = [
                    {
                        "id": row.id,
                        "channel": row.channel,
                        "provider": row.provider,
                        "provider_ref": row.provider_ref,
                        "attempts": row.attempts,
                        "sending_since": row.updated_at,
                    }
                    for row in store.stuck_sending(conn, notifications.clock() - older_than)
                ]
        print(json.dumps(result, default=str, indent=2))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
