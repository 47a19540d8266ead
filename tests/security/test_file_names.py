"""Finding 6: file names are data. An upload keeps a safe base name (no separators, no control
characters, bounded length), and a download names it in Content-Disposition per RFC 6266."""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import unquote

import pytest

from services.applications.attachments import content_disposition, safe_filename
from tests.security.conftest import start

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# RFC 6266: a quoted ASCII fallback, then the exact name as RFC 8187 ext-value.
RFC6266 = re.compile(
    r"^attachment; filename=\"[\x20\x21\x23-\x5b\x5d-\x7e]*\"; filename\*=UTF-8''[A-Za-z0-9!#$&+.^_`|~%-]+$"
)


@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        ("../../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("tilbud\r\nSet-Cookie: x=1.pdf", "tilbudSet-Cookie_ x=1.pdf"),
        ("Tilbud på briller.pdf", "Tilbud på briller.pdf"),
        ("...", "dokument"),
        ("", "dokument"),
        ("\x00\x1b[31m.pdf", "[31m.pdf"),
    ],
)
def test_an_uploaded_name_is_kept_as_a_safe_base_name(uploaded, kept):
    assert safe_filename(uploaded) == kept


def test_a_long_name_is_shortened_and_keeps_its_extension():
    name = safe_filename("a" * 500 + ".pdf")
    assert len(name) <= 100 and name.endswith(".pdf")


def test_content_disposition_follows_rfc_6266_whatever_the_name():
    for name in ("passwd.pdf", 'a"b\\c.pdf', "Tilbud på briller.pdf", "x;y=z.pdf", "dokument"):
        header = content_disposition(name)
        assert RFC6266.match(header), header
        assert unquote(header.split("filename*=UTF-8''", 1)[1]) == safe_filename(name)


@pytest.fixture
def applications(tmp_path):
    service = start("applications", tmp_path)
    yield service
    service.app.extensions["runtime"].close()  # type: ignore[attr-defined]


def test_a_traversal_name_is_stored_and_echoed_as_its_base_name(applications):
    client, headers = applications.app.test_client(), applications.citizen_headers()
    draft = client.post(
        "/api/applications", json={"type": "enkeltudgifter", "answers": {}}, headers=headers
    ).json
    uploaded = client.post(
        f"/api/applications/{draft['id']}/attachments",
        headers=headers,
        data={
            "file": (BytesIO(PDF), "../../../../etc/passwd.pdf", "application/pdf"),
            "requirement": "price_quote",
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["filename"] == "passwd.pdf"
    assert "/" not in uploaded.json["title"]
    listed = client.get(f"/api/applications/{draft['id']}/documents", headers=headers).json
    assert [d["filename"] for d in listed if d.get("filename")] == ["passwd.pdf"]
    content = client.get(
        f"/api/applications/{draft['id']}/documents/{uploaded.json['id']}/content",
        headers=headers,
    )
    assert content.status_code == 200
    assert content.headers["Content-Disposition"] == content_disposition("passwd.pdf")
    too_long_title = client.post(
        f"/api/applications/{draft['id']}/attachments",
        headers=headers,
        data={
            "file": (BytesIO(PDF), "tilbud.pdf", "application/pdf"),
            "requirement": "price_quote",
            "title": "t" * 1000,
        },
        content_type="multipart/form-data",
    )
    assert too_long_title.status_code == 422
    assert too_long_title.json["field"] == "title"
