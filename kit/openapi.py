"""OpenAPI 3.1 documents generated from the routes and their marshmallow schemas.

A route declares what the document needs next to itself, with `@documented(...)`; the request
and response bodies come from marshmallow schemas, so the document cannot drift from the code
that validates requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is stable, `title`/`detail` are in the "
    "request's language (Danish unless Accept-Language prefers English).",
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "example": "application.version_conflict"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
    },
    "required": ["type", "status", "code", "title"],
}


def documented(
    *,
    summary: str,
    tags: list[str],
    body: Any = None,
    response: Any = None,
    status: int = 200,
    errors: dict[int, list[str]] | None = None,
    security: list[str] | None = None,
    description: str = "",
    headers: dict[str, str] | None = None,
    request_example: dict | None = None,
) -> Callable:
    """Attach the operation's documentation to a view function."""

    def decorate(view: Callable) -> Callable:
        view.openapi = {  # type: ignore[attr-defined]
            "summary": summary,
            "tags": tags,
            "body": body,
            "response": response,
            "status": status,
            "errors": errors or {},
            "security": security,
            "description": description,
            "headers": headers or {},
            "request_example": request_example,
        }
        return view

    return decorate


def build_openapi(app: Flask, *, title: str, version: str, description: str) -> dict[str, Any]:
    spec = APISpec(
        title=title,
        version=version,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": description},
    )
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    spec.components.security_scheme(
        "bearer",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from the municipality's OpenID provider. Citizens and "
            "staff get theirs through the gateway's login; case systems use client "
            "credentials with the scopes each operation names.",
        },
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        doc = getattr(view, "openapi", None)
        if doc is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec.path(path=path, operations={method.lower(): _operation(view, doc, path)})
    return spec.to_dict()


def _operation(view: Callable, doc: dict[str, Any], path: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": view.__name__,
        "summary": doc["summary"],
        "tags": doc["tags"],
        "security": [{"bearer": doc["security"] or []}],
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{([a-z_]+)}", path)
        ],
        "responses": {},
    }
    if doc["description"]:
        operation["description"] = doc["description"]
    for name, text in doc["headers"].items():
        operation["parameters"].append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
        )
    if doc["body"] is not None:
        content: dict[str, Any] = {"schema": doc["body"]}
        if doc["request_example"]:
            content["example"] = doc["request_example"]
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data" if doc["body"] == "multipart" else "application/json": content
                if doc["body"] != "multipart"
                else {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "requirement": {"type": "string"},
                            "title": {"type": "string"},
                        },
                    }
                }
            },
        }
    success: dict[str, Any] = {"description": "OK"}
    if doc["response"] is not None:
        success["content"] = {"application/json": {"schema": doc["response"]}}
    operation["responses"][str(doc["status"])] = success
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for status, codes in {
        401: ["auth.token_missing", "auth.token_invalid"],
        **doc["errors"],
    }.items():
        operation["responses"][str(status)] = {
            "description": "Problem codes: " + ", ".join(f"`{c}`" for c in codes),
            "content": problem,
        }
    return operation
