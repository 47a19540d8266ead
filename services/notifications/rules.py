"""The rules from events to messages, as data: which event tells whom what, on which channel.

Each rule: `on` (an event type, or an internal trigger such as the consent expiry reminder),
optional `when` conditions on the event's data (equality, or {"in": [...]} / {"not_in": [...]}),
`recipients` (citizen, proxies: the citizen's powers of attorney with `messages.read`, staff:
the caseworker of the case), the `template`, and `channels` in order of preference. With
`preferences` the recipient's own channel order counts first; with `fallback` a permanent
failure on one channel moves on to the next. Digital Post becomes a physical letter for a
citizen exempt from Digital Post. With `optional`, no message (and no warning) when no channel
of the rule reaches the recipient.
"""

from __future__ import annotations

from typing import Any

from schemas.events import applications as app_ev
from schemas.events import appointments as appointment_ev
from schemas.events import consents as consent_ev

# Internal triggers: facts the service derives itself (from its local views), not bus events.
CONSENT_EXPIRING = "notifications.consent_expiring"

APPOINTMENT_BOOKED = appointment_ev.APPOINTMENT_BOOKED
APPOINTMENT_MOVED = appointment_ev.APPOINTMENT_MOVED
APPOINTMENT_CANCELLED = appointment_ev.APPOINTMENT_CANCELLED
APPOINTMENT_REMINDER_DUE = appointment_ev.REMINDER_DUE
# Staff revoked a video visit's join link: the event carries the new one (docs/video.md).
APPOINTMENT_VIDEO_LINK_RENEWED = appointment_ev.VIDEO_LINK_REVOKED
# The appointment events whose messages say what, when and where (services.appointment_values).
APPOINTMENT_EVENTS = (
    APPOINTMENT_BOOKED,
    APPOINTMENT_MOVED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_REMINDER_DUE,
    APPOINTMENT_VIDEO_LINK_RENEWED,
)

OFFICIAL = ["digital_post"]  # letters with legal effect go to the official mailbox (or paper)
NUDGE = ["email", "sms", "digital_post"]

RULES: list[dict[str, Any]] = [
    {
        "id": "application.receipt",
        "on": app_ev.SUBMITTED,
        "recipients": ["citizen", "proxies"],
        "template": "application_receipt",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "application.information_requested",
        "on": app_ev.INFORMATION_REQUESTED,
        "recipients": ["citizen", "proxies"],
        "template": "information_requested",
        "channels": OFFICIAL,
        "preferences": False,
        "fallback": False,
    },
    # A short heads-up by SMS beside the letter, if the citizen has a phone and wants SMS.
    {
        "id": "application.information_requested.sms",
        "on": app_ev.INFORMATION_REQUESTED,
        "recipients": ["citizen"],
        "template": "information_requested_sms",
        "channels": ["sms"],
        "preferences": True,
        "fallback": False,
        "optional": True,
    },
    {
        "id": "application.decision",
        "on": app_ev.DECIDED,
        "recipients": ["citizen", "proxies"],
        "template": "decision_letter",
        "channels": OFFICIAL,
        "preferences": False,
        "fallback": False,
    },
    # Submitted, awaiting the citizen and decided have their own messages above.
    {
        "id": "application.status_update",
        "on": app_ev.STATUS_CHANGED,
        "when": {
            "notify_citizen": True,
            "to_state": {"not_in": ["submitted", "awaiting_citizen", "decided"]},
        },
        "recipients": ["citizen", "proxies"],
        "template": "status_update",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "application.withdrawn.caseworker",
        "on": app_ev.WITHDRAWN,
        "recipients": ["staff"],
        "template": "application_withdrawn_staff",
        "channels": ["email"],
        "preferences": False,
        "fallback": False,
    },
    {
        "id": "consent.given",
        "on": consent_ev.CONSENT_GIVEN,
        "recipients": ["citizen"],
        "template": "consent_given",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "consent.withdrawn",
        "on": consent_ev.CONSENT_WITHDRAWN,
        "recipients": ["citizen"],
        "template": "consent_withdrawn",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "consent.expired",
        "on": consent_ev.CONSENT_EXPIRED,
        "recipients": ["citizen", "proxies"],
        "template": "consent_expired",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "consent.expiring",
        "on": CONSENT_EXPIRING,
        "recipients": ["citizen", "proxies"],
        "template": "consent_expiring",
        "channels": NUDGE,
        "preferences": True,
        "fallback": True,
    },
    # Appointments: SMS first (short notice matters), then email, then the official mailbox.
    {
        "id": "appointment.booked",
        "on": APPOINTMENT_BOOKED,
        "recipients": ["citizen", "proxies"],
        "template": "appointment_booked",
        "channels": ["sms", "email", "digital_post"],
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "appointment.moved",
        "on": APPOINTMENT_MOVED,
        "recipients": ["citizen", "proxies"],
        "template": "appointment_moved",
        "channels": ["sms", "email", "digital_post"],
        "preferences": True,
        "fallback": True,
    },
    {
        "id": "appointment.cancelled",
        "on": APPOINTMENT_CANCELLED,
        "recipients": ["citizen", "proxies"],
        "template": "appointment_cancelled",
        "channels": ["sms", "email", "digital_post"],
        "preferences": True,
        "fallback": True,
    },
    # The old join link no longer opens the video visit: the citizen gets the new one.
    {
        "id": "appointment.video_link_renewed",
        "on": APPOINTMENT_VIDEO_LINK_RENEWED,
        "recipients": ["citizen"],
        "template": "video_link_renewed",
        "channels": ["sms", "email", "digital_post"],
        "preferences": True,
        "fallback": True,
    },
    # A reminder is a nudge (the booking already went out): by SMS or email, or not at all.
    {
        "id": "appointment.reminder",
        "on": APPOINTMENT_REMINDER_DUE,
        "recipients": ["citizen"],
        "template": "appointment_reminder",
        "channels": ["sms", "email"],
        "preferences": True,
        "fallback": True,
        "optional": True,
    },
]

# How long before a consent runs out the citizen is reminded.
CONSENT_REMINDER_DAYS = 14
