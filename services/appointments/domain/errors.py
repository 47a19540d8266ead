"""The appointments' domain errors: each a problem with a stable code."""

from __future__ import annotations

from kit.errors import Problem


class AppointmentNotFound(Problem):
    status = 404
    code = "appointment.not_found"
    title_da = "Aftalen findes ikke"
    title_en = "The appointment does not exist"


class ServiceNotFound(Problem):
    status = 404
    code = "appointment.service_not_found"
    title_da = "Den slags tid findes ikke"
    title_en = "There is no such kind of appointment"


class SlotTaken(Problem):
    status = 409
    code = "appointment.slot_taken"
    title_da = "Tiden er desværre optaget. Vælg en anden tid"
    title_en = "The time is already taken. Choose another time"


class NotASlot(Problem):
    status = 422
    code = "appointment.not_a_slot"
    title_da = "Tidspunktet er ikke en ledig tid"
    title_en = "The time is not a bookable slot"


class OutsideBookingWindow(Problem):
    status = 422
    code = "appointment.outside_booking_window"
    title_da = "Tiden ligger uden for det tidsrum, du kan booke i"
    title_en = "The time is outside the period you can book in"


class ChangeDeadlinePassed(Problem):
    status = 409
    code = "appointment.change_deadline_passed"
    title_da = "Det er for sent at ændre aftalen selv. Ring til kommunen"
    title_en = "It is too late to change the appointment yourself. Call the municipality"


class NotSelfBookable(Problem):
    status = 403
    code = "appointment.not_self_bookable"
    title_da = "Denne slags tid kan kun bookes af en medarbejder"
    title_en = "Only staff can book this kind of appointment"


class InvalidTransition(Problem):
    status = 409
    code = "appointment.invalid_transition"
    title_da = "Aftalen kan ikke ændres sådan i sin nuværende status"
    title_en = "The appointment cannot change like that in its current status"


class InvalidAppointment(Problem):
    status = 422
    code = "appointment.invalid"
    title_da = "Aftalen er ikke gyldig"
    title_en = "The appointment is not valid"


class InvalidRules(Problem):
    status = 422
    code = "appointment.invalid_rules"
    title_da = "Reglerne for booking er ikke gyldige"
    title_en = "The booking rules are not valid"
