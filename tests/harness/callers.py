"""Someone calling a service's API in-process (Flask test client) with a real signed token."""

from __future__ import annotations

from dataclasses import dataclass, field

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass
class Caller:
    """One person or system calling the API with its own token."""

    client: object
    token: str
    subject: str
    headers: dict = field(default_factory=dict)

    def _headers(self, extra):
        return {"Authorization": f"Bearer {self.token}", **self.headers, **(extra or {})}

    def get(self, path, headers=None):
        return self.client.get(path, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        return self.client.post(
            path, json=body if body is not None else {}, headers=self._headers(headers)
        )

    def patch(self, path, body, headers=None):
        return self.client.patch(path, json=body, headers=self._headers(headers))

    def upload(
        self,
        path,
        content,
        filename="tilbud.pdf",
        mimetype="application/pdf",
        requirement="price_quote",
        title="Tilbud fra forhandler",
    ):
        from io import BytesIO

        return self.client.post(
            path,
            headers=self._headers(None),
            data={
                "file": (BytesIO(content), filename, mimetype),
                "requirement": requirement,
                "title": title,
            },
            content_type="multipart/form-data",
        )
