"""What the service layer refuses, as domain errors: no HTTP here. `app.api.errors` maps each to
its status, error code and headers in one place."""


class ServiceError(Exception):
    """A request the service will not serve, for a reason the client can act on."""

    def __init__(self, detail: str, retry_after_s: int | None = None):
        super().__init__(detail)
        self.detail, self.retry_after_s = detail, retry_after_s


class ConsentRefused(ServiceError):
    """The terms are not accepted, or training material comes without training_opt_in."""


class Forbidden(ServiceError):
    """Another user's data."""


class NotFound(ServiceError):
    """No such generation (of this user)."""


class Unprocessable(ServiceError):
    """Well-formed but impossible to serve (no such variation, a generation that cannot be made
    again, ...)."""


class ConsentChanged(ServiceError):
    """The user's consent to training changed while the request ran; nothing was stored."""


class LimitReached(ServiceError):
    """The daily generation limit; `retry_after_s` until the next UTC day."""


class ModelUnavailable(ServiceError):
    """No model of the role is loaded."""


class Overloaded(ServiceError):
    """The service cannot start this work soon enough; retry shortly."""


class TimedOut(ServiceError):
    """The work ran past its deadline and was stopped; retry (with less work)."""
