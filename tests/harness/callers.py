"""Someone calling a service's API in-process (Flask test client) with a real signed token."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from typing import ClassVar

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Caller:
    """One person or system calling the API with its own token. A service's tests may set
    `prefix` in a subclass (e.g. "/api/consents") and then name paths below it."""

    prefix: ClassVar[str] = ""

    client: object
    token: str
    subject: str
    headers: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.subject

    def _headers(self, extra):
        return {"Authorization": f"Bearer {self.token}", **self.headers, **(extra or {})}

    def get(self, path, headers=None, **kwargs):
        return self.client.get(self.prefix + path, headers=self._headers(headers), **kwargs)

    def post(self, path, body=None, headers=None):
        return self.client.post(
            self.prefix + path,
            json=body if body is not None else {},
            headers=self._headers(headers),
        )

    def put(self, path, body=None, headers=None):
        return self.client.put(
            self.prefix + path,
            json=body if body is not None else {},
            headers=self._headers(headers),
        )

    def patch(self, path, body, headers=None):
        return self.client.patch(self.prefix + path, json=body, headers=self._headers(headers))

    def upload(
        self,
        path,
        content,
        filename="tilbud.pdf",
        mimetype="application/pdf",
        requirement="price_quote",
        title="Tilbud fra forhandler",
    ):
        return self.client.post(
            self.prefix + path,
            headers=self._headers(None),
            data={
                "file": (BytesIO(content), filename, mimetype),
                "requirement": requirement,
                "title": title,
            },
            content_type="multipart/form-data",
        )
