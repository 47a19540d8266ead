"""Operator commands of the overview connector.

    python -m services.overview.cli status           queue, dead letters, cases (no personal data)
    python -m services.overview.cli dead-letters     list the dead letters (without payloads)
    python -m services.overview.cli replay [ID ...]  put dead letters (all, or these) back in line
    python -m services.overview.cli resync           queue every record again from our own state
                                                     (a new municipality, or the index lost data)
    python -m services.overview.cli resync --skip-acknowledged
                                                     after our own outage: leave out what the index
                                                     acknowledged storing exactly as it is now

The worker's push job then sends what was queued; these commands only queue.
"""

from __future__ import annotations

import argparse
import json

from kit.config import Settings
from kit.db import make_engine
from kit.logging import configure_logging
from services.overview import services, store
from services.overview.config import ConnectorConfig
from services.overview.policies import load_policies


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["status", "dead-letters", "replay", "resync"])
    parser.add_argument("ids", nargs="*", type=int, help="dead letter ids (replay)")
    parser.add_argument(
        "--skip-acknowledged",
        action="store_true",
        help="resync: leave out records the index acknowledged storing exactly as they are "
        "(only when the index kept its data; the default sends everything)",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env("overview")
    configure_logging("overview-cli", settings.log_level)
    engine = make_engine(settings.database_url)
    try:
        if args.command == "replay":
            print(f"{services.replay(engine, args.ids or None)} dead letter(s) queued again")
        elif args.command == "resync":
            config = ConnectorConfig.from_env()
            connector = services.OverviewConnector(load_policies(), config.organisation)
            count = connector.resync(engine, skip_acknowledged=args.skip_acknowledged)
            print(f"{count.queued} record(s) queued for the index", end="")
            print(
                f", {count.skipped} left out: the index acknowledged storing them as they are"
                if args.skip_acknowledged
                else " (all of them: a full resync)"
            )
        else:
            with engine.connect() as conn:
                result = (
                    store.counts(conn)
                    if args.command == "status"
                    else store.list_dead_letters(conn)
                )
            print(json.dumps(result, default=str, indent=2))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
