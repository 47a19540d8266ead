"""The citizen's inbox ("Beskeder" in the portal): each letter once, newest first, unread until
opened, read on every channel at once, and nobody else's."""

from __future__ import annotations

from tests.notifications.builders import Case


def test_a_citizen_reads_each_letter_once_newest_first_and_marks_it_read(service):
    case = Case()
    citizen = service.citizen(case.citizen_id)
    citizen.put("/me/preferences", {"channels": ["digital_post", "sms"], "phone": "+4512345678"})
    service.deliver(case.submitted())
    service.deliver(case.information_requested())
    service.send()
    letters = citizen.get("/me/inbox").json["letters"]
    assert len(letters) == 2  # two events, one of them on two channels: two letters
    assert letters[0]["sent_at"] >= letters[1]["sent_at"]  # newest first
    assert all(letter["read_at"] is None for letter in letters)
    twice = next(letter for letter in letters if len(letter["message_ids"]) == 2)
    assert twice["channels"] == ["digital_post", "sms"]
    sms = next(m for m in service.messages(case.citizen_id) if m["channel"] == "sms")
    assert twice["id"] != sms["id"] and len(twice["body"]) > len(sms["body"])  # the letter's text

    read = citizen.post(f"/me/inbox/{sms['id']}/read")
    assert read.status_code == 200 and read.json["read_at"] is not None
    first_reading = read.json["read_at"]
    assert citizen.post(f"/me/inbox/{twice['id']}/read").json["read_at"] == first_reading
    after = {letter["id"]: letter["read_at"] for letter in citizen.get("/me/inbox").json["letters"]}
    assert after.pop(twice["id"]) == first_reading
    assert list(after.values()) == [None]


def test_a_citizen_cannot_read_or_mark_another_citizens_letter(service):
    case, other = Case(), Case()
    service.deliver(case.submitted(), other.submitted())
    service.send()
    theirs = service.citizen(other.citizen_id).get("/me/inbox").json["letters"][0]["id"]
    citizen = service.citizen(case.citizen_id)
    refused = citizen.post(f"/me/inbox/{theirs}/read")
    assert refused.status_code == 404 and refused.json["code"] == "notification.not_found"
    assert [letter["id"] for letter in citizen.get("/me/inbox").json["letters"]] != [theirs]
    assert service.citizen(other.citizen_id).get("/me/inbox").json["letters"][0]["read_at"] is None
