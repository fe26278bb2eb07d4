"""Istio's value formats, read as Istio reads them."""

from __future__ import annotations

import functools
import ipaddress
import re
from fractions import Fraction

_UNIT_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}


_UNITS = ("ns", "us", "µs", "ms", "s", "m", "h")  # two-letter units first: "ms" before "m"


@functools.lru_cache(maxsize=4096)  # a mesh repeats the same few durations
def duration_nanoseconds(value: str) -> int | None:
    """Go's time.ParseDuration, in nanoseconds (None when it cannot parse).

    One pass over the text: a number (digits, an optional fraction), then a unit, again
    and again; linear in the length whatever the input.
    """
    text = value.strip()
    sign = -1 if text.startswith("-") else 1
    text = text[1:] if text[:1] in "+-" else text
    if text == "0":
        return 0
    total, i, n = 0.0, 0, len(text)
    while i < n:
        start = i
        while i < n and (text[i].isdigit() or text[i] == "."):
            i += 1
        number = text[start:i]
        if number in ("", ".") or number.count(".") > 1 or not number.isascii():
            return None
        unit = next((u for u in _UNITS if text.startswith(u, i)), None)
        if unit is None:
            return None
        total += float(number) * _UNIT_NS[unit]
        i += len(unit)
    return sign * round(total) if n else None


_QUANTITY = re.compile(r"([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")


_SUFFIX = {
    **{s: Fraction(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{
        s: Fraction(10) ** p
        for s, p in zip("numkMGTPE", (-9, -6, -3, 3, 6, 9, 12, 15, 18), strict=True)
    },
    "": Fraction(1),
}


def is_quantity(value: str) -> bool:
    """Whether ``value`` is a Kubernetes resource quantity (``250m``, ``1.5Gi``, ``2e3``)."""
    return _QUANTITY.fullmatch(value) is not None


def quantity(value: str) -> Fraction | None:
    """The exact amount a Kubernetes quantity stands for (None if it is not one)."""
    parsed = _QUANTITY.fullmatch(value)
    if parsed is None:
        return None
    sign, number, suffix = parsed.group(1), parsed.group(2), parsed.group(3) or ""
    amount = Fraction(number)
    if suffix[:1] in ("e", "E"):
        amount *= Fraction(10) ** int(suffix[1:])
    else:
        amount *= _SUFFIX[suffix]
    return -amount if sign == "-" else amount


_PREFIX_BITS = re.compile(r"0|[1-9]\d{0,2}")


def parse_prefix(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR range as Go's netip.ParsePrefix reads it (Kubernetes' `cidr()` and Istio's
    injector both do): an address without a zone, `/`, and bits without a leading zero,
    the address not necessarily the range's first. ValueError when it is not one."""
    address, slash, bits = text.partition("/")
    if not slash or not _PREFIX_BITS.fullmatch(bits) or "%" in address:
        raise ValueError(f"{text} is not a CIDR range")
    return ipaddress.ip_network(text, strict=False)
