"""Video visits (docs/video.md): when one can be joined, and how long a call lasted."""

from __future__ import annotations

from datetime import datetime, timedelta

from kit.errors import Problem
from services.appointments.domain.statuses import CANCELLED, LOCAL, VIDEO_VISIT

# A video visit opens this long before its start; a join link works from then until the end.
VIDEO_OPENS_EARLY = timedelta(minutes=15)
# People logged in (staff, the citizen, a proxy) may come back this long after the end: a
# call that runs over survives a dropped connection.
VIDEO_LOGGED_IN_GRACE = timedelta(minutes=30)


class NotAVideoVisit(Problem):
    status = 409
    code = "video.not_a_video_visit"
    title_da = "Aftalen er ikke et skærmbesøg"
    title_en = "The appointment is not a video visit"


class VideoLinkInvalid(Problem):
    status = 404
    code = "video.link_invalid"
    title_da = "Linket virker ikke (længere). Brug det nyeste link, eller log ind"
    title_en = "The link does not work (any more). Use the newest link, or log in"


class VideoNotOpenYet(Problem):
    status = 403
    code = "video.not_open_yet"
    title_da = "Skærmbesøget er ikke åbnet endnu"
    title_en = "The video visit has not opened yet"


class VideoClosed(Problem):
    status = 403
    code = "video.closed"
    title_da = "Skærmbesøget er slut"
    title_en = "The video visit is over"


class VideoVisitCancelled(Problem):
    status = 410
    code = "video.visit_cancelled"
    title_da = "Skærmbesøget er aflyst"
    title_en = "The video visit was cancelled"


def check_video_open(
    kind: str, status: str, starts_at: datetime, ends_at: datetime, now: datetime, *, link: bool
) -> None:
    """A video visit can be joined from shortly before its start until its end (by join
    link) or a little after it (logged in); never once cancelled."""
    if kind != VIDEO_VISIT:
        raise NotAVideoVisit()
    if status == CANCELLED:
        raise VideoVisitCancelled()
    opens = starts_at - VIDEO_OPENS_EARLY
    if now < opens:
        local_opens = opens.astimezone(LOCAL)
        raise VideoNotOpenYet(
            f"Du kan gå ind fra kl. {local_opens:%H.%M} den {local_opens:%d.%m.%Y}.",
            f"You can join from {local_opens:%H:%M} on {local_opens:%Y-%m-%d}.",
            extra={"opens_at": local_opens.isoformat()},
        )
    closes = ends_at if link else ends_at + VIDEO_LOGGED_IN_GRACE
    if now > closes:
        raise VideoClosed(extra={"closed_at": closes.astimezone(LOCAL).isoformat()})


def call_duration_seconds(started_at: datetime, ended_at: datetime) -> int:
    return max(0, round((ended_at - started_at).total_seconds()))
