"""Write each service's generated OpenAPI document to docs/api/ (`make openapi`).

The checked-in copies let integrators read the API without running it; a test fails when a
copy differs from what the code generates, so they never drift.
"""

from __future__ import annotations

import json
import sys

from kit.config import REPO_ROOT

DOCUMENTED = {
    "applications": "services.applications",
    "consents": "services.consents",
    "appointments": "services.appointments",
    "notifications": "services.notifications",
}


def generate(service: str) -> str:
    module = __import__(f"{DOCUMENTED[service]}.app", fromlist=["create_app"])
    api = __import__(f"{DOCUMENTED[service]}.api", fromlist=["openapi_document"])
    app = module.create_app()
    return (
        json.dumps(api.openapi_document(app), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )


def main() -> None:
    for service in DOCUMENTED:
        path = REPO_ROOT / "docs" / "api" / f"{service}.openapi.json"
        path.write_text(generate(service), encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
