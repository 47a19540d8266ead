"""Operate process insight from the command line.

python -m services.insight.cli export DIR     # OCEL 2.0 (JSON, SQLite) + XES, incremental
python -m services.insight.cli report DIR     # report.da.html, report.en.html, report.da.pdf
python -m services.insight.cli figures        # the weekly key figures and candidates as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kit.config import Settings
from kit.db import make_engine
from services.insight import export, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("export").add_argument("directory", type=Path)
    sub.add_parser("report").add_argument("directory", type=Path)
    sub.add_parser("figures")
    args = parser.parse_args(argv)
    engine = make_engine(Settings.from_env("insight").database_url)
    if args.command == "export":
        result = export.export(engine, args.directory)
        print(
            f"{result.events_added} nye hændelser / new events; {result.events_total} i alt / in all; "
            f"filer / files: {', '.join(result.files) or '-'}"
        )
        return 0
    found = report.compute(engine)
    if args.command == "figures":
        json.dump(
            {"weekly": found.weekly, "candidates": [c.as_dict() for c in found.candidates]},
            sys.stdout,
            indent=2,
            ensure_ascii=False,
            default=str,
        )
        print()
        return 0
    args.directory.mkdir(parents=True, exist_ok=True)
    for lang in ("da", "en"):
        (args.directory / f"report.{lang}.html").write_text(
            report.render_html(found, lang), encoding="utf-8"
        )
        (args.directory / f"report.{lang}.pdf").write_bytes(report.render_pdf(found, lang))
    print(
        f"{len(found.candidates)} kandidater / candidates; rapport i / report in {args.directory}"
    )
    for number, candidate in enumerate(found.candidates[:10], 1):
        print(f"{number}. {candidate.title['da']}  [{candidate.score}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
