"""What may be attached: size and type limits, and a check that the bytes are what the type
claims (a renamed program is not a PDF)."""

from __future__ import annotations

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heic",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_MAGIC = {
    "application/pdf": [b"%PDF"],
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    _DOCX: [b"PK\x03\x04"],
}


def content_matches(content_type: str, content: bytes) -> bool:
    """The bytes must be what the type claims (a renamed .exe is not a PDF)."""
    if content_type == "image/heic":  # an ISO media box whose brand is an image one
        return content[4:8] == b"ftyp" and content[8:12] in (b"heic", b"heix", b"mif1", b"msf1")
    if content_type == _DOCX:
        return _is_word_document(content)
    signatures = _MAGIC.get(content_type, [])
    return any(content.startswith(s) for s in signatures)


def _is_word_document(content: bytes) -> bool:
    """A DOCX is a ZIP with Word's parts, and not a bomb: cap what it unpacks to."""
    import io
    import zipfile

    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return {
        "[Content_Types].xml",
        "word/document.xml",
    } <= names and unpacked <= 10 * MAX_ATTACHMENT_BYTES
