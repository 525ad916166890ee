"""The check every API test's answers go through (tests/openapi_check.py) fails on drift."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.openapi_check import check, served_document
from tests.utils import RunningServer


def _answer(method: str, path: str, status: int, body: Any, media: str = "application/json") -> httpx.Response:
    request = httpx.Request(method, f"http://kring.test{path}")
    if media == "application/json":
        return httpx.Response(status, json=body, request=request)
    return httpx.Response(status, content=body, headers={"content-type": media}, request=request)


async def test_a_documented_answer_passes(server: RunningServer) -> None:
    document = await served_document(server)
    me = {
        "id": 1,
        "name": "Fatima",
        "email": "f@example.nl",
        "roles": ["facilitator"],
        "teams": [{"id": "t1", "name": "Noord"}],
    }
    check(document, _answer("GET", "/api/me", 200, me))
    check(document, _answer("GET", "/api/me", 401, {"error": "not_logged_in", "message": "Log eerst in."}))
    person = {
        "id": "p1",
        "name": "Oma",
        "relation": "family",
        "status": "admitted",
        "full_board": False,
        "photo": False,
        "safety_person": "auto",
    }
    check(document, _answer("POST", "/api/participants/p1/rename", 200, person))


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        # A field renamed: the document's name is missing.
        (_answer("GET", "/api/me", 200, {"id": 1, "name": "Fatima", "mail": "f@example.nl"}), "'email' is a required"),
        # A field of another type.
        (_answer("GET", "/api/me", 200, {"id": "1", "name": "Fatima", "email": "f@example.nl"}), "is not of type"),
        # A value the document does not list.
        (
            _answer(
                "POST", "/api/participants/p1/rename", 200, {"id": "p", "name": "O", "relation": "x", "status": "x"}
            ),
            "is not one of",
        ),
        # A status the operation does not document.
        (_answer("GET", "/api/me", 418, {"error": "teapot", "message": "No."}), "status not documented"),
        # An error without its message.
        (_answer("GET", "/api/me", 401, {"error": "not_logged_in"}), "'message' is a required"),
        # A media type the operation does not document.
        (_answer("GET", "/api/rooms/r1/qr.svg", 200, b"%PDF-1.7", media="application/pdf"), "not documented"),
        # A path the document does not have.
        (_answer("GET", "/api/nothing-here", 200, {}), "matches no path"),
    ],
)
async def test_a_drifted_answer_fails(server: RunningServer, answer: httpx.Response, complaint: str) -> None:
    document = await served_document(server)
    with pytest.raises(AssertionError, match=complaint):
        check(document, answer)
