"""Use cases of the notifications service: events become messages (by the rules), outcomes of
sending move messages along, and people read their history, templates and preferences.

One module per group of use cases, under usecases/: intake, delivery, history, the
citizen's inbox, template versions and preferences. Notifications is all of them together; the API, the worker and the
tests use it from here.
"""

from __future__ import annotations

from services.notifications.usecases.base import Clock, Trigger, active_rules, utcnow
from services.notifications.usecases.delivery import Delivery
from services.notifications.usecases.history import CitizenRequired, History
from services.notifications.usecases.inbox import Inbox
from services.notifications.usecases.intake import Intake, appointment_values
from services.notifications.usecases.preferences import Preferences
from services.notifications.usecases.template_versions import (
    TemplateVersionConflict,
    TemplateVersions,
)

__all__ = [
    "CitizenRequired",
    "Clock",
    "Notifications",
    "TemplateVersionConflict",
    "Trigger",
    "active_rules",
    "appointment_values",
    "utcnow",
]


class Notifications(Intake, Delivery, History, Inbox, TemplateVersions, Preferences):
    """Every use case of the notifications service."""
