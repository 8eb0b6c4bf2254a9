"""Wire conventions shared by every simulated endpoint (REFERENCE §0.2).

Time inside the simulator is an integer count of nanoseconds since the Unix
epoch: kumod writes 9 fractional digits in `event_time` and in humantime
remainders, and a float would lose them.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

NS_PER_S = 1_000_000_000
NS_PER_MIN = 60 * NS_PER_S

# humantime's calendar units (crate humantime, format_duration): a year is
# 365.25 days and a month is 30.44 days.
_YEAR_S = 31_557_600
_MONTH_S = 2_630_016
_DAY_S = 86_400

_PARSE_UNITS: dict[str, float] = {
    "nsec": 1e-9, "ns": 1e-9,
    "usec": 1e-6, "us": 1e-6,
    "msec": 1e-3, "ms": 1e-3,
    "seconds": 1, "second": 1, "sec": 1, "secs": 1, "s": 1,
    "minutes": 60, "minute": 60, "min": 60, "mins": 60, "m": 60,
    "hours": 3600, "hour": 3600, "hr": 3600, "hrs": 3600, "h": 3600,
    "days": _DAY_S, "day": _DAY_S, "d": _DAY_S,
    "weeks": 7 * _DAY_S, "week": 7 * _DAY_S, "w": 7 * _DAY_S,
    "months": _MONTH_S, "month": _MONTH_S, "M": _MONTH_S,
    "years": _YEAR_S, "year": _YEAR_S, "y": _YEAR_S,
}
_ITEM = re.compile(r"\s*(\d+)\s*([A-Za-z]+)\s*")
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$"
)


class WireError(ValueError):
    """A value on the wire does not parse; the message is what kumod would say."""


def to_ns(when: datetime) -> int:
    """Nanoseconds since the epoch for an aware datetime."""
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * _DAY_S + delta.seconds) * NS_PER_S + delta.microseconds * 1000


def from_ns(ns: int) -> datetime:
    """An aware UTC datetime (microsecond precision) for a nanosecond timestamp."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)


def _fraction(nanos: int) -> str:
    # chrono's automatic width: 0, 3, 6 or 9 digits.
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1000 == 0:
        return f".{nanos // 1000:06d}"
    return f".{nanos:09d}"


def _second(secs: int) -> str:
    # Records come in bursts within one second; formatting the date once per
    # second keeps log writing cheap.
    text = _SECONDS.get(secs)
    if text is None:
        if len(_SECONDS) > 8192:
            _SECONDS.clear()
        text = _SECONDS[secs] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    return text


_SECONDS: dict[int, str] = {}


def rfc3339(ns: int) -> str:
    """chrono `DateTime<Utc>` serialisation: RFC 3339 with `Z`."""
    secs, nanos = divmod(ns, NS_PER_S)
    return _second(secs) + _fraction(nanos) + "Z"


def rfc3339_offset(ns: int) -> str:
    """chrono `to_rfc3339()`: the same instant written with `+00:00` (TSA's TOML comments)."""
    return rfc3339(ns)[:-1] + "+00:00"


def segment_name(ns: int) -> str:
    """Log segment file name: the UTC open time as `%Y%m%d-%H%M%S%.f` (REFERENCE §4.5)."""
    secs, nanos = divmod(ns, NS_PER_S)
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(secs)) + _fraction(nanos)


def parse_rfc3339(text: str) -> int:
    """Parse an RFC 3339 timestamp (up to 9 fractional digits) into nanoseconds."""
    match = _RFC3339.match(text.strip())
    if match is None:
        raise WireError(f"invalid RFC 3339 timestamp {text!r}")
    day, clock, frac, zone = match.groups()
    base = datetime.fromisoformat(f"{day}T{clock}")
    offset = timedelta(0)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    utc = (base - offset).replace(tzinfo=UTC)
    nanos = int((frac or "0").ljust(9, "0"))
    return to_ns(utc) + nanos


def format_duration(ns: int) -> str:
    """humantime::format_duration: largest unit first, zero parts left out, `0s` for zero."""
    ns = max(ns, 0)
    if ns == 0:
        return "0s"
    secs, nanos = divmod(ns, NS_PER_S)
    years, rest = divmod(secs, _YEAR_S)
    months, rest = divmod(rest, _MONTH_S)
    days, rest = divmod(rest, _DAY_S)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts: list[str] = []
    for value, unit in ((years, "year"), (months, "month"), (days, "day")):
        if value:
            parts.append(f"{value}{unit}{'s' if value > 1 else ''}")
    plain = (
        (hours, "h"), (minutes, "m"), (seconds, "s"),
        (nanos // 1_000_000, "ms"), (nanos // 1000 % 1000, "us"), (nanos % 1000, "ns"),
    )
    parts.extend(f"{value}{unit}" for value, unit in plain if value)
    return " ".join(parts)


def parse_duration(value: object) -> int:
    """duration-serde input: a humantime string or a JSON number of seconds; returns ns."""
    if isinstance(value, bool):
        raise WireError(f"invalid duration {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise WireError(f"invalid duration {value!r}: negative")
        return int(value * NS_PER_S)
    if not isinstance(value, str) or not value.strip():
        raise WireError(f"invalid duration {value!r}")
    total = 0.0
    pos = 0
    text = value.strip()
    while pos < len(text):
        match = _ITEM.match(text, pos)
        if match is None or match.group(2) not in _PARSE_UNITS:
            raise WireError(f"invalid duration {value!r}")
        total += int(match.group(1)) * _PARSE_UNITS[match.group(2)]
        pos = match.end()
    return round(total * NS_PER_S)


def parse_rate_per_minute(spec: str) -> float:
    """A throttle spec such as `100/s`, `1/minute` or `10000/h`, as messages per minute."""
    count, _, period = spec.partition("/")
    periods = {
        "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
        "h": 3600, "hr": 3600, "hour": 3600, "d": _DAY_S, "day": _DAY_S,
    }
    if period.strip() not in periods:
        raise WireError(f"invalid throttle {spec!r}")
    return float(count.strip().split(":")[-1]) * 60 / periods[period.strip()]


def spool_id(created_ns: int, random_bits: int) -> str:
    """A 32-hex spool id; like kumod's, its leading bits follow the creation time."""
    return f"{created_ns // 1000:016x}"[-12:] + f"{random_bits & (2**80 - 1):020x}"


def new_uuid() -> str:
    """A lower-case hyphenated uuid4, as kumod returns for every admin entry."""
    return str(uuid.uuid4())
