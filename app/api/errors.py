"""Raising errors with a machine-readable code, writing the error body, and documenting it.

The exception handlers here (`install_error_handlers`) turn every HTTPException (FastAPI's and
Starlette's), every validation error and every domain error of the service layer
(`DOMAIN_ERRORS`, the one place they become statuses) into `ErrorOut`; routes list what they can
answer with `error_responses`.
"""

import math
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.schemas.errors import ERROR_CODES, ErrorCode, ErrorOut, default_code
from app.services import errors
from beatengine.errors import UnsupportedRequest


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
    408: "The request body did not arrive within BODY_TIMEOUT_S",
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
# consent refused, a body too slow or too large, malformed, signing keys out of reach.
CONSENT_ROUTE_ERRORS = (400, 401, 403, 408, 413, 422, 503)


# Domain errors -> (status, code): the one place the service layer's refusals become HTTP.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, ErrorCode]] = {
    errors.ConsentRefused: (403, "consent_refused"),
    errors.Forbidden: (403, "forbidden"),
    errors.NotFound: (404, "not_found"),
    errors.ConsentChanged: (409, "conflict"),
    errors.Unprocessable: (422, "invalid_request"),
    UnsupportedRequest: (422, "invalid_request"),
    errors.LimitReached: (429, "rate_limited"),
    errors.ModelUnavailable: (503, "model_unavailable"),
    errors.Overloaded: (503, "overloaded"),
    errors.TimedOut: (503, "timeout"),
}


def domain_error_response(exc: Exception) -> JSONResponse:
    """The response of a domain error (one of DOMAIN_ERRORS), Retry-After where it has one."""
    status_code, code = next(v for k, v in DOMAIN_ERRORS.items() if isinstance(exc, k))
    retry = getattr(exc, "retry_after_s", None)
    return error_response(status_code, getattr(exc, "detail", str(exc)), code,
                          headers={"Retry-After": str(retry)} if retry is not None else None)


def _json_safe(value: Any) -> Any:
    """Non-finite numbers (NaN, Infinity, 1e999 parse as floats) and lone surrogates cannot be
    written as JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):  # a lone surrogate ("\ud800") cannot be written as UTF-8
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


# The error handlers: every error body is `ErrorOut`, {"detail": ..., "code": ...}.

async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 body (which field, why, what was sent), safe for any input."""
    assert isinstance(exc, RequestValidationError)
    return error_response(422, _json_safe(jsonable_encoder(exc.errors())))


async def http_error(request: Request, exc: Exception) -> Response:
    """Raised HTTPExceptions (ours, FastAPI's 400 for a body it cannot parse, Starlette's 404 and
    405): the detail as raised, the code the raiser named (ApiError) or the status's default."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 200:  # these may carry no body
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.status_code, _json_safe(jsonable_encoder(exc.detail)),
                          getattr(exc, "code", None), headers=exc.headers)


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    return domain_error_response(exc)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: the same body shape, never the exception's text (it can hold request content).
    Starlette re-raises the exception after this answer, so the server still logs it."""
    return error_response(500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app can raise answered with `ErrorOut`: validation, HTTP, domain, bugs."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, domain_error)
    app.add_exception_handler(Exception, internal_error)
