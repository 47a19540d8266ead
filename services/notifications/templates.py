"""The built-in templates (version 1 of each), as data, in plain Danish and English.

`fields` are the personalisation fields a template may use; `required` those every version
must use (a receipt without its case number is no receipt). A new version saved through the
API is checked against both (domain.validate_template). Placeholders are `${name}`.
"""

from __future__ import annotations

from typing import Any

CASE = ["case_number", "application_title"]
# What, when (Copenhagen time, written out) and where; computed from the appointment events
# (services.appointment_values). Never an address: a home visit is "hos dig".
APPOINTMENT = ["appointment_kind", "appointment_time", "appointment_place"]

TEMPLATES: dict[str, dict[str, Any]] = {
    "application_receipt": {
        "fields": CASE,
        "required": ["case_number"],
        "da": {
            "subject": "Vi har modtaget ansøgningen (sag ${case_number})",
            "body": "Vi har modtaget ansøgningen om ${application_title}.\n"
            "Sagsnummeret er ${case_number}. Skriv det, hvis du kontakter os.\n"
            "Vi skriver til dig, når der sker noget i sagen.",
        },
        "en": {
            "subject": "We have received the application (case ${case_number})",
            "body": "We have received the application for ${application_title}.\n"
            "The case number is ${case_number}. Please quote it if you contact us.\n"
            "We will write to you when something happens in the case.",
        },
    },
    "information_requested": {
        "fields": [*CASE, "deadline", "information_message"],
        "required": ["case_number", "deadline", "information_message"],
        "da": {
            "subject": "Vi mangler oplysninger (sag ${case_number})",
            "body": "Vi mangler oplysninger for at kunne behandle ansøgningen om "
            "${application_title}.\n\n${information_message}\n\n"
            "Send dem senest ${deadline}. Du kan svare på selvbetjeningen.",
        },
        "en": {
            "subject": "We need more information (case ${case_number})",
            "body": "We need more information to deal with the application for "
            "${application_title}.\n\n${information_message}\n\n"
            "Please send it by ${deadline}. You can reply on the self-service site.",
        },
    },
    "information_requested_sms": {
        "fields": [*CASE, "deadline"],
        "required": ["deadline"],
        "da": {
            "subject": "Vi mangler oplysninger",
            "body": "Kommunen mangler oplysninger i sag ${case_number} senest ${deadline}. "
            "Se brevet i din Digital Post.",
        },
        "en": {
            "subject": "We need more information",
            "body": "The municipality needs information in case ${case_number} by "
            "${deadline}. See the letter in your Digital Post.",
        },
    },
    "decision_letter": {
        "fields": [*CASE, "outcome"],
        "required": ["case_number", "outcome"],
        "da": {
            "subject": "Afgørelse i sag ${case_number}",
            "body": "Der er truffet afgørelse om ansøgningen om ${application_title}: "
            "${outcome}.\nAfgørelsen står i brevet. Brevet fortæller også, hvordan "
            "du kan klage.",
        },
        "en": {
            "subject": "Decision in case ${case_number}",
            "body": "A decision has been made on the application for ${application_title}: "
            "${outcome}.\nThe letter explains the decision and how to complain.",
        },
    },
    "status_update": {
        "fields": [*CASE, "status_text"],
        "required": ["status_text"],
        "da": {
            "subject": "Nyt i sag ${case_number}",
            "body": "Nyt i sagen om ${application_title}: ${status_text}",
        },
        "en": {
            "subject": "News in case ${case_number}",
            "body": "News in the case about ${application_title}: ${status_text}",
        },
    },
    "application_withdrawn_staff": {
        "fields": [*CASE],
        "required": ["case_number"],
        "da": {
            "subject": "Ansøgning trukket tilbage (sag ${case_number})",
            "body": "Borgeren har trukket ansøgningen om ${application_title} tilbage "
            "(sag ${case_number}).",
        },
        "en": {
            "subject": "Application withdrawn (case ${case_number})",
            "body": "The citizen has withdrawn the application for ${application_title} "
            "(case ${case_number}).",
        },
    },
    "consent_given": {
        "fields": ["consent_purpose", "expires_on"],
        "required": ["consent_purpose"],
        "da": {
            "subject": "Du har givet samtykke",
            "body": "Du har givet samtykke til: ${consent_purpose}.\n"
            "Du kan altid trække samtykket tilbage på selvbetjeningen.",
        },
        "en": {
            "subject": "You have given consent",
            "body": "You have given consent to: ${consent_purpose}.\n"
            "You can withdraw it at any time on the self-service site.",
        },
    },
    "consent_withdrawn": {
        "fields": ["consent_purpose"],
        "required": ["consent_purpose"],
        "da": {
            "subject": "Samtykket er trukket tilbage",
            "body": "Samtykket til ${consent_purpose} er trukket tilbage. "
            "Vi bruger det ikke længere.",
        },
        "en": {
            "subject": "The consent has been withdrawn",
            "body": "The consent to ${consent_purpose} has been withdrawn. We no longer use it.",
        },
    },
    "consent_expired": {
        "fields": ["consent_purpose"],
        "required": ["consent_purpose"],
        "da": {
            "subject": "Et samtykke er udløbet",
            "body": "Samtykket til ${consent_purpose} er udløbet. "
            "Vi spørger dig, hvis vi får brug for et nyt.",
        },
        "en": {
            "subject": "A consent has expired",
            "body": "The consent to ${consent_purpose} has expired. "
            "We will ask you if we need a new one.",
        },
    },
    "consent_expiring": {
        "fields": ["consent_purpose", "expires_on"],
        "required": ["consent_purpose", "expires_on"],
        "da": {
            "subject": "Et samtykke udløber snart",
            "body": "Samtykket til ${consent_purpose} udløber ${expires_on}. "
            "Du behøver ikke gøre noget. Vi spørger dig, hvis vi får brug for et "
            "nyt.",
        },
        "en": {
            "subject": "A consent will expire soon",
            "body": "The consent to ${consent_purpose} expires on ${expires_on}. "
            "You do not need to do anything. We will ask you if we need a new one.",
        },
    },
    "appointment_booked": {
        "fields": APPOINTMENT,
        "required": APPOINTMENT,
        "da": {
            "subject": "Ny aftale: ${appointment_kind} ${appointment_time}",
            "body": "Der er booket en tid til ${appointment_kind} ${appointment_time}.\n"
            "${appointment_place}\n"
            "Passer tiden ikke? Flyt den på selvbetjeningen, eller kontakt os.",
        },
        "en": {
            "subject": "New appointment: ${appointment_kind} on ${appointment_time}",
            "body": "A time has been booked for a ${appointment_kind} on "
            "${appointment_time}.\n${appointment_place}\n"
            "Does the time not suit you? Move it on the self-service site, or "
            "contact us.",
        },
    },
    "appointment_moved": {
        "fields": [*APPOINTMENT, "previous_time"],
        "required": [*APPOINTMENT, "previous_time"],
        "da": {
            "subject": "Ny tid: ${appointment_kind} ${appointment_time}",
            "body": "Tiden til ${appointment_kind} er flyttet.\n"
            "Ny tid: ${appointment_time}.\n"
            "Den gamle tid var ${previous_time}. Den gælder ikke længere.\n"
            "${appointment_place}\n"
            "Passer den nye tid ikke? Flyt den på selvbetjeningen, eller kontakt os.",
        },
        "en": {
            "subject": "New time: ${appointment_kind} on ${appointment_time}",
            "body": "The ${appointment_kind} has been moved.\n"
            "New time: ${appointment_time}.\n"
            "The old time was ${previous_time}. It no longer applies.\n"
            "${appointment_place}\n"
            "Does the new time not suit you? Move it on the self-service site, or "
            "contact us.",
        },
    },
    "appointment_cancelled": {
        "fields": APPOINTMENT,
        "required": ["appointment_kind", "appointment_time"],
        "da": {
            "subject": "Aflyst: ${appointment_kind} ${appointment_time}",
            "body": "Aftalen om ${appointment_kind} ${appointment_time} er aflyst.\n"
            "Har du brug for en ny tid? Book den på selvbetjeningen, eller kontakt "
            "os.",
        },
        "en": {
            "subject": "Cancelled: ${appointment_kind} on ${appointment_time}",
            "body": "The ${appointment_kind} on ${appointment_time} has been cancelled.\n"
            "Do you need a new time? Book one on the self-service site, or contact "
            "us.",
        },
    },
    "video_link_renewed": {
        "fields": APPOINTMENT,
        "required": APPOINTMENT,
        "da": {
            "subject": "Nyt link: ${appointment_kind} ${appointment_time}",
            "body": "Det gamle link til dit ${appointment_kind} ${appointment_time} virker ikke "
            "mere.\n${appointment_place}",
        },
        "en": {
            "subject": "New link: ${appointment_kind} on ${appointment_time}",
            "body": "The old link to your ${appointment_kind} on ${appointment_time} no longer "
            "works.\n${appointment_place}",
        },
    },
    "appointment_reminder": {
        "fields": APPOINTMENT,
        "required": APPOINTMENT,
        "da": {
            "subject": "Husk: ${appointment_kind} ${appointment_time}",
            "body": "Husk din aftale: ${appointment_kind} ${appointment_time}.\n"
            "${appointment_place}\n"
            "Passer tiden ikke alligevel? Kontakt os så hurtigt som muligt.",
        },
        "en": {
            "subject": "Reminder: ${appointment_kind} on ${appointment_time}",
            "body": "Remember your appointment: ${appointment_kind} on "
            "${appointment_time}.\n${appointment_place}\n"
            "If the time no longer suits you, please contact us as soon as possible.",
        },
    },
}

# Plain words for the codes that events carry.
OUTCOMES = {
    "granted": {"da": "du har fået ja", "en": "your application was granted"},
    "partly_granted": {"da": "du har fået delvist ja", "en": "your application was partly granted"},
    "refused": {"da": "du har fået nej", "en": "your application was refused"},
}
CONSENT_PURPOSES = {
    "home_care_assessment": {"da": "vurdering af hjemmehjælp", "en": "assessment for home care"},
    "assistive_devices_application": {
        "da": "ansøgning om hjælpemidler",
        "en": "application for assistive devices",
    },
}
APPOINTMENT_KINDS = {
    "home_visit": {"da": "hjemmebesøg", "en": "home visit"},
    "video_visit": {"da": "videomøde", "en": "video meeting"},
    "office_meeting": {"da": "møde hos kommunen", "en": "meeting at the municipality"},
}
# Where, per kind: a home visit per reader (a proxy is not the one visited), a video visit with
# its link, an office meeting with its place. The address is never written: the citizen knows
# it, and messages are kept and shown later. `{link}` and `{place}` come from the event
# (video_url, location); without them the reader is sent to the portal.
APPOINTMENT_PLACES = {
    "home_visit": {"da": "Vi kommer hjem til dig.", "en": "We will come to your home."},
    "home_visit.proxy": {
        "da": "Vi kommer hjem til borgeren.",
        "en": "We will come to the citizen's home.",
    },
    "video_visit": {
        "da": "Brug dette link til mødet: {link}",
        "en": "Use this link to join: {link}",
    },
    "video_visit.no_link": {
        "da": "Du finder linket til mødet på selvbetjeningen.",
        "en": "You will find the link to the meeting on the self-service site.",
    },
    "office_meeting": {"da": "Sted: {place}", "en": "Place: {place}"},
    "office_meeting.no_place": {
        "da": "Du kan se, hvor mødet er, på selvbetjeningen.",
        "en": "You can see where the meeting is on the self-service site.",
    },
}
