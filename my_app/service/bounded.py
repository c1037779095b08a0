"""Query parameters parsed within limits, so no request can ask for unbounded work."""

from django.http import HttpRequest


class OutOfBounds(ValueError):
    """A query parameter is missing its number or lies outside the allowed range."""


def bounded_int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise OutOfBounds(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise OutOfBounds(f"{name} must be between {low} and {high}")
    return value
