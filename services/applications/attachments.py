"""What may be attached: size and type limits, a check that the bytes are what the type
claims (a renamed program is not a PDF), and file names kept as data (a safe base name in,
an RFC 6266 Content-Disposition out)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 100
MAX_TITLE_CHARS = 200
FALLBACK_NAME = "dokument"
_RESERVED = re.compile(r'[<>:"|?*]')  # reserved on common file systems
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


def safe_filename(name: str) -> str:
    """The base name a browser sent, without directories, control characters or characters
    file systems reserve, at most MAX_FILENAME_CHARS long (the extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _RESERVED.sub("_", name).strip(" .")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > 10:
            stem, extension = name, ""
        keep = MAX_FILENAME_CHARS - (len(extension) + 1 if extension else 0)
        name = stem[:keep].rstrip(" .") + ("." + extension if extension else "")
    return name or FALLBACK_NAME


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name as RFC 8187 UTF-8 (RFC 6266
    section 4.3), so no name can break out of the header or be read differently."""
    name = safe_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", ascii_name).strip() or FALLBACK_NAME
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
