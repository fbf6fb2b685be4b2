"""Raising errors with a machine-readable code, writing the error body, and documenting it.

The exception handlers in app/main.py turn every HTTPException (FastAPI's and Starlette's) and
every validation error into `ErrorOut`; routes list what they can answer with `error_responses`.
"""

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse

from app.schemas.errors import ERROR_CODES, ErrorCode, ErrorOut, default_code


class ApiError(HTTPException):
    """An HTTPException that names its `code` (one of ERROR_CODES); a plain HTTPException gets
    its status's default code (403 forbidden, 503 unavailable, ...)."""

    def __init__(self, status_code: int, detail: Any, *, code: ErrorCode,
                 headers: dict[str, str] | None = None) -> None:
        assert code in ERROR_CODES, code
        super().__init__(status_code, detail, headers=headers)
        self.code = code


def error_body(status_code: int, detail: Any, code: str | None = None) -> dict:
    return {"detail": detail, "code": code or default_code(status_code)}


def error_response(status_code: int, detail: Any, code: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """The `ErrorOut` response (also for middleware, which answers before any route runs)."""
    return JSONResponse(error_body(status_code, detail, code), status_code=status_code,
                        headers=headers)


# What each status means in the OpenAPI; a route may say it more precisely.
DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be parsed (not UTF-8, a broken multipart form)",
    401: "Missing or invalid access token (verified-user mode)",
    403: "Consent refused, or another user's data",
    404: "Not found",
    409: "The user's consent to training changed while the request ran; nothing was stored",
    413: "The request body (or an uploaded file) is too large",
    422: "Malformed input: which field and why",
    429: "Daily generation limit reached (see Retry-After)",
    503: "Unavailable: overloaded, no model loaded, or the signing keys cannot be fetched "
         "(retry later)",
}


def error_responses(*statuses: int, described: dict[int, str] | None = None) -> dict:
    """`responses=` for a route: each status documented with the `ErrorOut` body, an example with
    its default code, and DESCRIPTIONS (or `described`'s text for it)."""
    described = described or {}
    out: dict[int | str, dict[str, Any]] = {}
    for status_code in statuses:
        text = described.get(status_code, DESCRIPTIONS[status_code])
        out[status_code] = {"model": ErrorOut, "description": text, "content": {
            "application/json": {"example": error_body(status_code, text)}}}
    return out


# The statuses every consent-carrying route can answer: a body that cannot be parsed, no token,
# consent refused, too large, malformed, signing keys out of reach.
CONSENT_ROUTE_ERRORS = (400, 401, 403, 413, 422, 503)
