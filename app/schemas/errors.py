"""The one error body every endpoint answers with: `{"detail": ..., "code": ...}`."""

from typing import Any, Literal, get_args

from pydantic import Field

from app.schemas.common import ApiModel

# Every machine-readable code, its HTTP status and when it is sent. A new code goes here first:
# the OpenAPI lists exactly these.
ErrorCode = Literal["malformed_body", "unauthorized", "forbidden", "consent_refused", "not_found",
                    "method_not_allowed", "request_timeout", "conflict", "payload_too_large",
                    "invalid_request", "rate_limited", "internal_error", "unavailable",
                    "overloaded", "model_unavailable", "timeout", "error"]
ERROR_CODES: dict[str, tuple[int | None, str]] = {
    "malformed_body": (400, "the body could not be read at all (not UTF-8, a broken multipart "
                       "form, a number too long to parse)"),
    "unauthorized": (401, "missing or invalid access token (verified-user mode)"),
    "forbidden": (403, "another user's data, or consent.user_id is not the signed-in user"),
    "consent_refused": (403, "consent.terms_accepted is false, or training_opt_in is needed"),
    "not_found": (404, "no such resource or route"),
    "method_not_allowed": (405, "the route exists, not with this method"),
    "request_timeout": (408, "the client took too long to send the request"),
    "conflict": (409, "the user's consent changed while the request ran"),
    "payload_too_large": (413, "the body or an uploaded file is over the limit"),
    "invalid_request": (422, "malformed input: `detail` says which field and why"),
    "rate_limited": (429, "the daily generation limit is reached (see Retry-After)"),
    "internal_error": (500, "a bug on our side; never caused by what a client sends"),
    "unavailable": (503, "the service cannot answer now (e.g. the signing keys cannot be "
                    "fetched); retry later"),
    "overloaded": (503, "too many generations in flight (see Retry-After)"),
    "model_unavailable": (503, "no model is loaded for the role"),
    "timeout": (503, "the generation took longer than the service allows"),
    "error": (None, "any other status"),
}
assert set(ERROR_CODES) == set(get_args(ErrorCode))

# The code of a status when the raiser names none (e.g. FastAPI's own 404 and 405).
DEFAULT_CODES: dict[int, str] = {}
for _code, (_status, _) in ERROR_CODES.items():
    if _status is not None:
        DEFAULT_CODES.setdefault(_status, _code)


def default_code(status_code: int) -> str:
    return DEFAULT_CODES.get(status_code, "error")


class ValidationErrorOut(ApiModel):
    """One entry of a 422's `detail` list (FastAPI's validation error)."""
    loc: list[str | int] = Field(..., description="Where: body, query or path, then the field "
                                 "names and list indexes.", examples=[["body", "bars"]])
    msg: str = Field(..., description="What is wrong.",
                     examples=["Input should be less than or equal to 64"])
    type: str = Field(..., description="Pydantic's error type.", examples=["less_than_equal"])
    input: Any = Field(None, description="The value sent (omitted for some errors).",
                       examples=[65])
    ctx: dict[str, Any] | None = Field(None, description="Parameters of the check that failed.",
                                       examples=[{"le": 64}])


class ErrorOut(ApiModel):
    """Every 4xx and 5xx body."""
    detail: str | list[ValidationErrorOut] = Field(
        ..., description="Human-readable: a sentence, or for 422 on the request's fields the "
        "list of validation errors (which field, why, what was sent).",
        examples=["daily generation limit reached: 64 generations per user per UTC day"])
    code: ErrorCode = Field(..., description="Machine-readable: "
                            + "; ".join(f"`{code}` ({status or 'other'}): {meaning}"
                                        for code, (status, meaning) in ERROR_CODES.items()) + ".",
                            examples=["rate_limited"])
