"""Checking what a request sent: every API input goes through one of these helpers.

Each helper returns a clean Python value or raises `ApiError`, which the app turns into a
400 answer `{"error": "<message>"}`. Messages name the field and say what is allowed, so the
page can show them to a student as they are.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["ApiError", "body", "parse_json", "get_int", "get_float", "get_bool", "get_choice", "get_str",
           "get_int_list", "get_str_list", "finite"]

_MISSING = object()


class ApiError(ValueError):
    """Bad input: answered with `status` (400 unless said otherwise) and a one-line message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _parse_int(text: str) -> int | float:
    """JSON integers beyond 18 digits become floats (inf when too large for one), so a number
    too large for a float is refused by the field's check with a 400, never an OverflowError."""
    return int(text) if len(text.lstrip("-")) <= 18 else float(text)


def _refuse_constant(name: str) -> Any:
    raise ApiError(f"{name} is not a JSON number: send finite numbers only")


def parse_json(raw: bytes | str) -> Any:
    """JSON text -> Python, with every failure an ApiError (400): malformed text, NaN/Infinity,
    nesting deeper than Python's recursion limit (a RecursionError otherwise)."""
    try:
        return json.loads(raw, parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise ApiError("the JSON is nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, int digit limits
        raise ApiError(f"malformed JSON: {str(e)[:80]}") from None


def body(request: Any) -> dict[str, Any]:
    """The request's JSON object. Refuses other content types (a cross-site form cannot send
    application/json without a CORS preflight, which we never grant) and non-object JSON."""
    if not request.is_json:
        raise ApiError("send a JSON object with Content-Type: application/json")
    data = parse_json(request.get_data(cache=True))
    if not isinstance(data, dict):
        raise ApiError("the request body must be a JSON object, e.g. {\"expr\": \"x*y\"}")
    return data


def _get(d: dict, key: str, default: Any) -> Any:
    value = d.get(key, default)
    if value is _MISSING:
        raise ApiError(f"'{key}' is required")
    return value


def _is_number(v: Any) -> bool:
    # bool is an int in Python but `"epochs": true` is a mistake, not 1
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def get_int(d: dict, key: str, lo: int, hi: int, default: Any = _MISSING) -> int:
    """An integer in [lo, hi]; floats with an integral value (3.0) are accepted."""
    v = _get(d, key, default)
    if not _is_number(v) or (isinstance(v, float) and (not math.isfinite(v) or v != int(v))):
        raise ApiError(f"'{key}' must be an integer between {lo} and {hi}, got {v!r}"[:200])
    v = int(v)
    if not lo <= v <= hi:
        raise ApiError(f"'{key}' must be between {lo} and {hi}, got {v}")
    return v


def get_float(d: dict, key: str, lo: float, hi: float, default: Any = _MISSING,
              lo_open: bool = False) -> float:
    """A finite number in [lo, hi] (or (lo, hi] with `lo_open`)."""
    v = _get(d, key, default)
    if not _is_number(v) or not math.isfinite(float(v)):
        raise ApiError(f"'{key}' must be a number, got {v!r}"[:200])
    v = float(v)
    if v > hi or v < lo or (lo_open and v == lo):
        lo_text = f"above {lo}" if lo_open else f"at least {lo}"
        raise ApiError(f"'{key}' must be {lo_text} and at most {hi}, got {v}")
    return v


def get_bool(d: dict, key: str, default: Any = _MISSING) -> bool:
    v = _get(d, key, default)
    if not isinstance(v, bool):
        raise ApiError(f"'{key}' must be true or false, got {v!r}"[:200])
    return v


def get_choice(d: dict, key: str, choices: Any, default: Any = _MISSING) -> str:
    """One of `choices` (strings)."""
    v = _get(d, key, default)
    if not isinstance(v, str) or v not in choices:
        raise ApiError(f"'{key}' must be one of {', '.join(choices)}; got {v!r}"[:300])
    return v


def get_str(d: dict, key: str, max_len: int, default: Any = _MISSING) -> str:
    v = _get(d, key, default)
    if not isinstance(v, str):
        raise ApiError(f"'{key}' must be a string, got {type(v).__name__}")
    if len(v) > max_len:
        raise ApiError(f"'{key}' is too long: {len(v)} characters, at most {max_len}")
    return v


def get_int_list(d: dict, key: str, max_items: int, lo: int, hi: int, default: Any = _MISSING) -> list[int]:
    """A list of at most `max_items` integers, each in [lo, hi] (may be empty)."""
    v = _get(d, key, default)
    if not isinstance(v, list):
        raise ApiError(f"'{key}' must be a list of integers, got {type(v).__name__}")
    if len(v) > max_items:
        raise ApiError(f"'{key}' has {len(v)} entries, at most {max_items}")
    return [get_int({key: x}, key, lo, hi) for x in v]


def get_str_list(d: dict, key: str, choices: Any, max_items: int, default: Any = _MISSING) -> list[str]:
    """A non-empty list of distinct strings, each one of `choices`."""
    v = _get(d, key, default)
    if not isinstance(v, list) or not v:
        raise ApiError(f"'{key}' must be a non-empty list, e.g. [\"{next(iter(choices))}\"]")
    if len(v) > max_items:
        raise ApiError(f"'{key}' has {len(v)} entries, at most {max_items}")
    out = [get_choice({key: x}, key, choices) for x in v]
    if len(set(out)) != len(out):
        raise ApiError(f"'{key}' lists a name twice")
    return out


def finite(x: Any) -> float | str:
    """A float for JSON: NaN and infinities become the strings 'nan', 'inf', '-inf'
    (JSON has no such numbers and the browser's JSON.parse rejects Python's NaN)."""
    x = float(x)
    return x if math.isfinite(x) else str(x)
