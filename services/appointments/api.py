"""HTTP API of the appointments service: parse, call the use case, answer. Nothing more."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from kit.auth import CITIZEN, MACHINE, STAFF, current_principal, requires
from kit.break_glass import BreakGlassSchema
from kit.openapi import documented
from kit.web import parse
from services.appointments.api_schemas import (
    AppointmentListOut,
    AppointmentOut,
    BookSchema,
    CancelSchema,
    ForCitizenSchema,
    MoveSchema,
    OutcomeSchema,
    RouteOut,
    RouteQuerySchema,
    RulesListOut,
    RulesOut,
    RulesSchema,
    SlotQuerySchema,
    SlotsOut,
)
from services.appointments.domain import LOCAL
from services.appointments.services import (
    SCHEDULER,
    STAFF_ROLES,
    Appointments,
    Idempotency,
    Outcome,
)

# Systems that keep the municipality's services and their booking rules (and `make run`'s seed).
SCHEDULE_SCOPE = "appointments:schedule"

bp = Blueprint("appointments", __name__, url_prefix="/api/appointments")

IDEMPOTENCY = {"Idempotency-Key": "Retry safely: the same key never books or moves twice"}
ACTING_FOR = [
    "auth.wrong_kind_of_caller",
    "auth.missing_role",
    "proxy.no_authority",
    "appointment.read_only",
]
NO_RELATION = "Staff: only through a relation to the citizen (docs/decisions/0016); else 404."
BOOKING_REFUSALS = [
    "appointment.not_a_slot",
    "appointment.outside_booking_window",
    "appointment.address_required",
    "appointment.staff_required",
    "appointment.invalid_period",
    "appointment.invalid",
    "appointment.citizen_required",
    "request.invalid_body",
    "request.idempotency_key_reused",
    "request.idempotency_key_invalid",
]


def appointments() -> Appointments:
    return current_app.extensions["appointments"]


def idempotency(operation: str) -> Idempotency | None:
    return Idempotency.of(
        current_principal(), request.headers.get("Idempotency-Key"), operation, request.get_data()
    )


def respond(outcome: Outcome) -> Response:
    response = jsonify(outcome.body)
    response.status_code = outcome.status
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/services")
@documented(
    summary="The kinds of appointment offered, with their booking rules",
    tags=["booking rules"],
    response=RulesListOut,
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def list_services():
    return jsonify(services=appointments().list_rules())


@bp.put("/services/<service_id>")
@documented(
    summary="Define or change a service's booking rules (schedulers, or a machine with "
    "scope appointments:schedule)",
    tags=["booking rules"],
    body=RulesSchema,
    response=RulesOut,
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role", "auth.missing_scope"],
        404: ["appointment.service_not_found"],
        422: ["appointment.invalid_rules", "request.invalid_body"],
    },
    request_example={
        "title": "Visitation til hjemmehjælp",
        "kind": "home_visit",
        "opening_hours": {"mon": [["08:00", "15:30"]]},
        "duration_minutes": 60,
        "buffer_minutes": 15,
        "staff_ids": ["visitator-1"],
    },
)
@requires(kinds=(STAFF, MACHINE), scopes=(SCHEDULE_SCOPE,), roles=(SCHEDULER,))
def define_service(service_id: str):
    rules = RulesSchema.to_rules(service_id, parse(RulesSchema()))
    return jsonify(appointments().define_rules(current_principal(), rules))


@bp.get("/services/<service_id>/slots")
@documented(
    summary="Free slots of a service between two local dates",
    tags=["booking"],
    response=SlotsOut,
    description="Query: ?from=YYYY-MM-DD&to=YYYY-MM-DD (local dates; "
    "at most 31 days). Times in Europe/Copenhagen.",
    errors={404: ["appointment.service_not_found"], 422: ["request.invalid_body"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def list_slots(service_id: str):
    query = parse(SlotQuerySchema(), request.args.to_dict())
    return jsonify(
        service_id=service_id,
        time_zone=LOCAL.key,
        slots=appointments().free_slots(service_id, query["from_"], query["to"]),
    )


@bp.post("/appointments")
@documented(
    summary="Book an appointment (citizen, proxy or staff)",
    tags=["appointments"],
    body=BookSchema,
    response=AppointmentOut,
    status=201,
    headers=IDEMPOTENCY,
    description="Citizens and proxies book a free slot of a self-bookable service "
    "(service_id, starts_at). Staff with a relation to the citizen (the service's "
    "planner, a visit today, the citizen's case) may book any time, kind and staff "
    "members; only a double booking stops them. " + NO_RELATION,
    errors={
        403: [*ACTING_FOR, "appointment.not_self_bookable"],
        404: ["appointment.service_not_found", "appointment.citizen_not_found"],
        409: ["appointment.slot_taken"],
        422: BOOKING_REFUSALS,
    },
    request_example={
        "service_id": "visitation",
        "starts_at": "2026-03-30T08:00:00+02:00",
        "address": "Rådhuspladsen 1, 1550 København V",
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def book_appointment():
    body = parse(BookSchema())
    return respond(appointments().book(current_principal(), body, idempotency("book")))


@bp.get("/appointments")
@documented(
    summary="A citizen's appointments",
    tags=["appointments"],
    response=AppointmentListOut,
    description="Proxies and staff: ?citizen_id=<UUID>. " + NO_RELATION,
    errors={
        403: ACTING_FOR,
        404: ["appointment.citizen_not_found"],
        422: ["appointment.citizen_required"],
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def list_appointments():
    citizen_id = parse(ForCitizenSchema(), request.args.to_dict())["citizen_id"]
    return jsonify(appointments=appointments().appointments_of(current_principal(), citizen_id))


@bp.get("/appointments/<appointment_id>")
@documented(
    summary="One appointment with its history",
    tags=["appointments"],
    response=AppointmentOut,
    errors={403: ACTING_FOR, 404: ["appointment.not_found"]},
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def show_appointment(appointment_id: str):
    return jsonify(appointments().appointment(current_principal(), appointment_id))


@bp.post("/appointments/<appointment_id>/move")
@documented(
    summary="Move an appointment to another time (citizens: within the rules)",
    tags=["appointments"],
    body=MoveSchema,
    response=AppointmentOut,
    headers=IDEMPOTENCY,
    errors={
        403: ACTING_FOR,
        404: ["appointment.not_found", "appointment.service_not_found"],
        409: [
            "appointment.slot_taken",
            "appointment.change_deadline_passed",
            "appointment.invalid_transition",
        ],
        422: BOOKING_REFUSALS,
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def move_appointment(appointment_id: str):
    body = parse(MoveSchema())
    return respond(
        appointments().move(
            current_principal(), appointment_id, body, idempotency(f"move:{appointment_id}")
        )
    )


@bp.post("/appointments/<appointment_id>/cancellation")
@documented(
    summary="Cancel an appointment (citizens: until the cutoff)",
    tags=["appointments"],
    body=CancelSchema,
    response=AppointmentOut,
    errors={
        403: ACTING_FOR,
        404: ["appointment.not_found"],
        409: ["appointment.change_deadline_passed", "appointment.invalid_transition"],
    },
)
@requires(kinds=(CITIZEN, STAFF), roles=STAFF_ROLES)
def cancel_appointment(appointment_id: str):
    reason = parse(CancelSchema())["reason"]
    return jsonify(appointments().cancel(current_principal(), appointment_id, reason))


@bp.post("/appointments/<appointment_id>/completion")
@documented(
    summary="Record that the visit took place (staff), with a short note",
    tags=["appointments"],
    body=OutcomeSchema,
    response=AppointmentOut,
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role", "appointment.read_only"],
        404: ["appointment.not_found"],
        409: ["appointment.invalid_transition", "appointment.not_started"],
    },
)
@requires(kinds=(STAFF,), roles=STAFF_ROLES)
def complete_appointment(appointment_id: str):
    note = parse(OutcomeSchema())["note"]
    return jsonify(appointments().record_outcome(current_principal(), appointment_id, True, note))


@bp.post("/appointments/<appointment_id>/no-show")
@documented(
    summary="Record that the citizen was not there (staff), with a short note",
    tags=["appointments"],
    body=OutcomeSchema,
    response=AppointmentOut,
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role", "appointment.read_only"],
        404: ["appointment.not_found"],
        409: ["appointment.invalid_transition", "appointment.not_started"],
    },
)
@requires(kinds=(STAFF,), roles=STAFF_ROLES)
def record_no_show(appointment_id: str):
    note = parse(OutcomeSchema())["note"]
    return jsonify(appointments().record_outcome(current_principal(), appointment_id, False, note))


@bp.post("/break-glass")
@documented(
    summary="Open a citizen's appointments outside your relations, with a stated reason "
    "(read only, time-limited, audited, shown to the citizen)",
    tags=["appointments"],
    body=BreakGlassSchema,
    errors={
        403: ["auth.wrong_kind_of_caller"],
        422: ["break_glass.reason_required", "request.invalid_body"],
    },
)
@requires(kinds=(STAFF,))
def break_glass():
    body = parse(BreakGlassSchema())
    return jsonify(
        appointments().break_glass(current_principal(), str(body["citizen_id"]), body["reason"])
    )


@bp.get("/route")
@documented(
    summary="A staff member's visits of one day in time order (kørebog)",
    tags=["route"],
    response=RouteOut,
    description="Query: ?date=YYYY-MM-DD (local; default today); schedulers may add &staff_id=.",
    errors={
        403: ["auth.wrong_kind_of_caller", "auth.missing_role", "appointment.not_your_route"],
        422: ["request.invalid_body"],
    },
)
@requires(kinds=(STAFF,), roles=STAFF_ROLES)
def day_route():
    query = parse(RouteQuerySchema(), request.args.to_dict())
    return jsonify(appointments().route(current_principal(), query["staff_id"], query["date"]))


def openapi_document(app) -> dict:
    from kit.openapi import build_openapi

    return build_openapi(
        app,
        title="Selvbetjening – appointments",
        version="1.0.0",
        description="Home visits, video visits and office meetings: booking "
        "rules and free slots, self-booking by citizens and "
        "their proxies, staff bookings without double booking, "
        "the staff's day route, and reminders. Times are shown "
        "in Europe/Copenhagen.",
    )
