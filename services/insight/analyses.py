"""Analyses of the flat log, each a function with a known answer on a crafted log
(tests/insight/test_analyses.py). Times in days; shares between 0 and 1.

pm4py does what process mining needs (the discovered model, rework by activity); plain pandas
does the counting around it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from services.insight.log import applications

DAY = pd.Timedelta(days=1)
SUBMIT_STEP = "(submit)"  # every step answered, never sent
SUBMITTED, DECIDED = "application submitted", "decided"
REQUESTED, RECEIVED = "information requested", "information received"
# How far along the lifecycle a state is; a change to a lower rank is rework.
RANK = {
    "draft": 0,
    "submitted": 1,
    "under_review": 2,
    "awaiting_citizen": 2,
    "decided": 3,
    "paid_out": 4,
    "closed": 5,
}


def _days(delta: pd.Series) -> pd.Series:
    return delta / DAY


def _quantiles(values: pd.Series) -> dict[str, float | int | None]:
    values = values.dropna()
    if values.empty:
        return {"n": 0, "p50": None, "p90": None}
    return {
        "n": int(values.size),
        "p50": round(float(values.quantile(0.5)), 2),
        "p90": round(float(values.quantile(0.9)), 2),
    }


def _first_time(log: pd.DataFrame, activity: str) -> pd.Series:
    rows = log[log["activity"] == activity]
    return rows.groupby("application")["time"].min()


def throughput(log: pd.DataFrame) -> dict[str, Any]:
    """Days from submission to decision per type (p50, p90), and per step: the time from one
    activity to the next within an application."""
    apps = applications(log)
    submitted, decided = _first_time(log, SUBMITTED), _first_time(log, DECIDED)
    both = pd.DataFrame({"submitted": submitted, "decided": decided}).dropna()
    both["type_id"] = apps["type_id"].reindex(both.index)
    both["days"] = _days(both["decided"] - both["submitted"])
    per_type = {t: _quantiles(g["days"]) for t, g in both.groupby("type_id")}
    steps: dict[str, dict[str, Any]] = {}
    case_rows = log[log["application"].notna() & log["activity"].ne("answers saved")]
    case_rows = case_rows[~case_rows["activity"].str.startswith("message")]
    for app_id, rows in case_rows.groupby("application", sort=False):
        rows = rows.sort_values("time", kind="stable")
        acts, times = rows["activity"].tolist(), rows["time"].tolist()
        type_id = apps["type_id"].get(app_id)
        for i in range(len(acts) - 1):
            key = f"{acts[i]} -> {acts[i + 1]}"
            steps.setdefault(type_id or "?", {}).setdefault(key, []).append(
                (times[i + 1] - times[i]) / DAY
            )
    per_step = {
        t: {k: _quantiles(pd.Series(v)) for k, v in sorted(s.items())} for t, s in steps.items()
    }
    return {"per_type": per_type, "per_step": per_step}


def information_loops(log: pd.DataFrame) -> dict[str, Any]:
    """Per type: of the submitted applications, the share that waited on a request for
    information, how many requests those had, and the days spent waiting."""
    apps = applications(log)
    submitted = set(log.loc[log["activity"] == SUBMITTED, "application"])
    requests = log[log["activity"] == REQUESTED].groupby("application").size()
    answers = log[log["activity"].isin([REQUESTED, RECEIVED])].sort_values("time", kind="stable")
    waited: Counter[str] = Counter()
    for app_id, rows in answers.groupby("application"):
        started = None
        for activity, at in zip(rows["activity"], rows["time"], strict=True):
            if activity == REQUESTED:
                started = at
            elif started is not None:
                waited[app_id] += (at - started) / DAY
                started = None
    result = {}
    for type_id, group in apps[apps.index.isin(submitted)].groupby("type_id"):
        ids = list(group.index)
        looped = [a for a in ids if requests.get(a, 0) > 0]
        result[type_id] = {
            "submitted": len(ids),
            "with_request": len(looped),
            "share": round(len(looped) / len(ids), 3) if ids else 0.0,
            "requests_per_looped_case": round(
                float(sum(requests[a] for a in looped)) / len(looped), 2
            )
            if looped
            else 0.0,
            "extra_contacts": int(sum(requests.get(a, 0) for a in ids)),
            "days_waiting": round(sum(waited[a] for a in looped), 1),
        }
    return result


def drop_off(
    log: pd.DataFrame,
    steps_by_type: dict[str, list[tuple[str, list[str]]]],
    abandoned_after_days: float = 30,
) -> dict[str, Any]:
    """Per type: drafts never submitted (and not withdrawn) for `abandoned_after_days`, and the
    form step each was given up at: the step after the furthest one with a saved answer."""
    apps = applications(log)
    end = log["time"].max() if not log.empty else pd.Timestamp.now(tz="UTC")
    finished = set(
        log.loc[log["activity"].isin([SUBMITTED, "application withdrawn"]), "application"]
    )
    saved = log[log["activity"] == "answers saved"]
    result = {}
    for type_id, group in apps.groupby("type_id"):
        steps = steps_by_type.get(type_id, [])
        step_of = {f: i for i, (_, fields) in enumerate(steps) for f in fields}
        left_at: Counter[str] = Counter()
        abandoned = 0
        for app_id, row in group.iterrows():
            if app_id in finished or (end - row["created_at"]) / DAY < abandoned_after_days:
                continue
            abandoned += 1
            fields = [
                f for fs in saved.loc[saved["application"] == app_id, "changed_fields"] for f in fs
            ]
            # The step given up on: the one after the furthest step with a saved answer.
            reached = max((step_of[f] for f in fields if f in step_of), default=-1)
            left_at[steps[reached + 1][0] if reached + 1 < len(steps) else SUBMIT_STEP] += 1
        created = len(group)
        result[type_id] = {
            "created": created,
            "abandoned": abandoned,
            "share": round(abandoned / created, 3) if created else 0.0,
            "left_at_step": dict(left_at.most_common()),
        }
    return result


def channels(log: pd.DataFrame) -> dict[str, Any]:
    """Per type: applications started per channel, the co-service share (started by staff or
    on a tablet) and the share submitted by a proxy on the citizen's behalf."""
    apps = applications(log)
    submitted = log[log["activity"] == SUBMITTED].drop_duplicates("application")
    result = {}
    for type_id, group in apps.groupby("type_id"):
        by_channel = group["channel"].value_counts().to_dict()
        co = int(((group["actor_type"] == "staff") | (group["channel"] == "tablet")).sum())
        subs = submitted[submitted["application"].isin(group.index)]
        proxies = int((subs["on_behalf"] & (subs["actor_type"] == "citizen")).sum())
        result[type_id] = {
            "started": len(group),
            "by_channel": {k: int(v) for k, v in by_channel.items()},
            "co_service_share": round(co / len(group), 3) if len(group) else 0.0,
            "proxy_submitted_share": round(proxies / len(subs), 3) if len(subs) else 0.0,
        }
    return result


def rework(log: pd.DataFrame) -> dict[str, Any]:
    """Per type: applications whose status went back along the lifecycle (reopened after a
    decision, back to review after an answer), and activities repeated within a case (pm4py)."""
    import pm4py

    apps = applications(log)
    changes = log[log["to_state"].notna() & log["from_state"].notna()]
    went_back = changes[
        changes["to_state"].map(RANK).fillna(-1) < changes["from_state"].map(RANK).fillna(-1)
    ]
    result: dict[str, Any] = {}
    case_log = log[log["application"].notna() & (log["activity"] != "answers saved")]
    for type_id, group in apps.groupby("type_id"):
        ids = set(group.index)
        back = went_back[went_back["application"].isin(ids)]
        rows = case_log[case_log["application"].isin(ids)]
        repeated: dict[str, int] = {}
        if not rows.empty:
            frame = pm4py.format_dataframe(
                rows[["application", "activity", "time"]].copy(),
                case_id="application",
                activity_key="activity",
                timestamp_key="time",
            )
            rework_cases = pm4py.get_rework_cases_per_activity(frame)
            repeated = {k: int(v) for k, v in sorted(rework_cases.items()) if v}
        result[type_id] = {
            "status_went_back": int(back["application"].nunique()),
            "transitions_back": {
                f"{a} -> {b}": int(n)
                for (a, b), n in back.groupby(["from_state", "to_state"]).size().items()
            },
            "cases_repeating_activity": repeated,
        }
    return result


def consent_wait(log: pd.DataFrame) -> dict[str, Any]:
    """Per type, for applications whose data was fetched: days from the application's start to
    the consent that allowed the fetch, and from that consent to the fetch."""
    apps = applications(log)
    fetched = log[log["activity"] == "data fetched"].drop_duplicates("application")
    consents = log[log["activity"] == "consent given"][["consent", "time"]].drop_duplicates(
        "consent"
    )
    given_at = dict(zip(consents["consent"], consents["time"], strict=True))
    waits: dict[str, dict[str, list[float]]] = {}
    for _, row in fetched.iterrows():
        app_id = row["application"]
        if app_id not in apps.index or row["consent"] not in given_at:
            continue
        type_id = apps.at[app_id, "type_id"]
        given = given_at[row["consent"]]
        bucket = waits.setdefault(type_id, {"to_consent": [], "consent_to_fetch": []})
        bucket["to_consent"].append((given - apps.at[app_id, "created_at"]) / DAY)
        bucket["consent_to_fetch"].append((row["time"] - given) / DAY)
    return {
        t: {k: _quantiles(pd.Series(v, dtype=float)) for k, v in b.items()}
        for t, b in waits.items()
    }


def typed_but_fetchable(
    log: pd.DataFrame, fetchable_by_type: dict[str, set[str]]
) -> dict[str, Any]:
    """Per type: fields a citizen typed that a fetch could have filled, in applications where no
    data was fetched (each is a question the municipality could have answered itself)."""
    apps = applications(log)
    fetched = set(log.loc[log["activity"] == "data fetched", "application"])
    saved = log[(log["activity"] == "answers saved") & ~log["application"].isin(fetched)]
    result = {}
    for type_id, fields in fetchable_by_type.items():
        if not fields:
            continue
        ids = set(apps.index[apps["type_id"] == type_id])
        typed: dict[str, set[str]] = {}
        for app_id, changed in zip(saved["application"], saved["changed_fields"], strict=True):
            if app_id in ids:
                for name in set(changed) & fields:
                    typed.setdefault(name, set()).add(app_id)
        result[type_id] = {
            "applications": len(ids),
            "with_fetch": len(ids & fetched),
            "typed_fields": {k: len(v) for k, v in sorted(typed.items())},
            "applications_typing": len(set().union(*typed.values())) if typed else 0,
        }
    return result


def process_model(log: pd.DataFrame) -> dict[str, Any]:
    """Per type: the discovered process (pm4py's inductive miner, as a process tree) and the
    most frequent direct successions with their counts."""
    import pm4py

    apps = applications(log)
    rows = log[
        log["application"].isin(apps.index)
        & ~log["activity"].isin(["answers saved"])
        & ~log["activity"].str.startswith("message")
    ]
    result = {}
    for type_id, ids in apps.groupby("type_id").groups.items():
        part = rows[rows["application"].isin(ids)][["application", "activity", "time"]].copy()
        if part.empty:
            continue
        frame = pm4py.format_dataframe(
            part, case_id="application", activity_key="activity", timestamp_key="time"
        )
        tree = pm4py.discover_process_tree_inductive(frame, noise_threshold=0.2)
        dfg, _, _ = pm4py.discover_dfg(frame)
        top = sorted(dfg.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
        result[type_id] = {
            "process_tree": str(tree),
            "successions": [{"from": a, "to": b, "count": int(n)} for (a, b), n in top],
            "variants": int(len(pm4py.get_variants(frame))),
        }
    return result


def run_all(log: pd.DataFrame, catalogue) -> dict[str, Any]:
    """Every analysis over one log (catalogue: catalogue_view.CatalogueView)."""
    return {
        "throughput": throughput(log),
        "information_loops": information_loops(log),
        "drop_off": drop_off(log, catalogue.steps),
        "channels": channels(log),
        "rework": rework(log),
        "consent_wait": consent_wait(log),
        "typed_but_fetchable": typed_but_fetchable(log, catalogue.fetchable),
        "process_model": process_model(log),
    }
