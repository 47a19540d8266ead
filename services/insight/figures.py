"""Key figures per week: channels, days from draft to decision, fetched instead of typed,
requests for information per case, and the citizen contacts self-service saved (in kroner)."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from services.insight.log import applications

# The municipality counts 30-66 kr per avoided contact; the middle is the default.
DEFAULT_CONTACT_PRICE_KR = 48.0


def contact_price_kr() -> float:
    return float(os.environ.get("SB_INSIGHT_CONTACT_PRICE_KR", DEFAULT_CONTACT_PRICE_KR))


def _week(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("Europe/Copenhagen").dt.strftime("%G-W%V")


def weekly(log: pd.DataFrame, price_kr: float | None = None) -> list[dict[str, Any]]:
    """One row per ISO week (Copenhagen time) that saw any application activity."""
    price = contact_price_kr() if price_kr is None else price_kr
    apps = applications(log)
    if apps.empty:
        return []
    apps = apps.assign(week=_week(apps["created_at"]))
    started = (
        apps.assign(
            kind=apps["channel"].where(
                (apps["actor_type"] != "staff") | (apps["channel"] == "tablet"), "staff"
            )
        )
        .groupby(["week", "kind"])
        .size()
    )
    submitted = log[log["activity"] == "application submitted"].drop_duplicates("application")
    submitted = submitted.assign(week=_week(submitted["time"]))
    decided = log[log["activity"] == "decided"].drop_duplicates("application")
    decided = decided.assign(
        week=_week(decided["time"]),
        days=(decided["time"] - decided["application"].map(apps["created_at"]))
        / pd.Timedelta(days=1),
    )
    fetched_apps = set(log.loc[log["activity"] == "data fetched", "application"])
    fetches = log[log["activity"] == "data fetched"]
    fetches = fetches.assign(week=_week(fetches["time"]))
    requests = log[log["activity"] == "information requested"]
    requests = requests.assign(week=_week(requests["time"]))
    self_service = submitted[
        (submitted["actor_type"] == "citizen") & (submitted["channel"] == "portal")
    ]
    weeks = sorted(set(apps["week"]) | set(submitted["week"]) | set(decided["week"]))
    rows = []
    for week in weeks:
        subs = submitted[submitted["week"] == week]
        dec = decided[decided["week"] == week]
        saved = int((self_service["week"] == week).sum()) + int((fetches["week"] == week).sum())
        rows.append(
            {
                "week": week,
                "started": {k: int(v) for (w, k), v in started.items() if w == week},
                "submitted": int(len(subs)),
                "median_days_draft_to_decision": round(float(dec["days"].median()), 1)
                if len(dec)
                else None,
                "fetched_share": round(float(subs["application"].isin(fetched_apps).mean()), 3)
                if len(subs)
                else None,
                "requests_per_case": round(int((requests["week"] == week).sum()) / len(subs), 2)
                if len(subs)
                else None,
                "contacts_saved": saved,
                "kroner_saved": round(saved * price, 2),
            }
        )
    return rows
