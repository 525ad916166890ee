"""A request the meetings' rules refuse: status, code and a message in Dutch and English.

Raised by the rules and the handlers alike; `http.endpoint.api` turns it into the JSON error body.
"""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def not_found(what: str = "not_found") -> ApiError:
    # The same answer whether the thing does not exist or belongs to someone else's case.
    return ApiError(404, what, "Niet gevonden. / Not found.")
