"""Structure checks: a measured value beside the limit a role sets for it, judged once here.

A role's evaluation returns a list of checks (`check`); the gate fails every one that does not
hold and the report prints them all, so a limit lives in one place: the role that sets it.
"""

import math


def check(measure: str, value: float, minimum: float | None = None,
          maximum: float | None = None) -> dict:
    """{"measure", "value", "min", "max", "passed"}; a nan value never passes."""
    ok = not math.isnan(value) and (minimum is None or value >= minimum) and (
        maximum is None or value <= maximum)
    return {"measure": measure, "value": float(value), "min": minimum, "max": maximum,
            "passed": bool(ok)}


def within(measure: str, value: float, target: float, tolerance: float) -> dict:
    """A check that `value` lies within `tolerance` of `target`."""
    return check(measure, value, target - tolerance, target + tolerance)


def failures(checks: list[dict]) -> list[str]:
    return [f"structure: {c['measure']} {c['value']:.3f} outside {limits(c)}"
            for c in checks if not c["passed"]]


def limits(c: dict) -> str:
    if c["min"] is not None and c["max"] is not None:
        return f"[{c['min']:.3f}, {c['max']:.3f}]"
    return f">= {c['min']:.3f}" if c["min"] is not None else f"<= {c['max']:.3f}"
