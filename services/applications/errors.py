"""The applications service's problems: each a stable code with Danish and English titles."""

from __future__ import annotations

from kit.errors import Problem


class NotFound(Problem):
    status = 404
    code = "application.not_found"
    title_da = "Ansøgningen findes ikke"
    title_en = "The application does not exist"


class Forbidden(Problem):
    status = 403
    code = "application.forbidden"
    title_da = "Du må ikke gøre dette ved ansøgningen"
    title_en = "You may not do this with the application"


class UnknownType(Problem):
    status = 422
    code = "application.unknown_type"
    title_da = "Den type ansøgning findes ikke"
    title_en = "No such type of application"


class VersionConflict(Problem):
    status = 412
    code = "application.version_conflict"
    title_da = "Ansøgningen er ændret et andet sted. Hent den igen, og prøv igen"
    title_en = "The application was changed elsewhere. Load it again and retry"


class InvalidRequest(Problem):
    status = 422
    code = "application.invalid_request"


class AttachmentRejected(Problem):
    status = 422
    code = "application.attachment_rejected"
    title_da = "Filen kan ikke vedhæftes"
    title_en = "The file cannot be attached"


class ConsentMissing(Problem):
    status = 403
    code = "application.consent_missing"
    title_da = "Vi må ikke hente oplysningerne uden dit samtykke"
    title_en = "We may not fetch the information without your consent"


class ConsentWithdrawn(Problem):
    status = 409
    code = "application.consent_withdrawn"
    title_da = "Samtykket blev trukket tilbage, mens vi hentede. Intet er gemt"
    title_en = "The consent was withdrawn while fetching. Nothing was kept"


class DataSourceUnavailable(Problem):
    status = 503
    code = "application.data_source_unavailable"
    title_da = "Vi kan ikke hente oplysningerne lige nu. Prøv igen senere"
    title_en = "We cannot fetch the information right now. Try again later"


class CitizenConfirmationRequired(Problem):
    status = 422
    code = "application.citizen_confirmation_required"
    title_da = "Borgeren skal bekræfte ansøgningen, før den sendes"
    title_en = "The citizen must confirm the application before it is sent"


class CaseConsentMissing(ConsentMissing):
    """The same refusal, said to the case handler rather than to the citizen."""

    title_da = "Borgeren har ikke givet samtykke til, at vi henter oplysningerne"
    title_en = "The citizen has not consented to fetching the information"
