"""The functions Kubernetes adds to CEL, with Kubernetes' semantics: strings, lists,
regular expressions, URLs, IP addresses and CIDR ranges, quantities, and format.

A method call `x.f(y)` reaches ``f(x, y)``; values these functions make (a URL, an IP, a
CIDR, a quantity) are plain Python objects that only these functions read.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from meshgen.manifests.hosts import compile_regex
from meshgen.manifests.values import parse_prefix
from meshgen.manifests.values import quantity as quantity_of

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


@dataclass(frozen=True)
class URL:
    """A URL as Kubernetes' CEL `url()` parses it (Go's url.ParseRequestURI): an absolute
    URI, or an absolute path."""

    scheme: str
    host: str
    path: str

    @property
    def hostname(self) -> str:
        if self.host.startswith("["):
            return self.host[1 : self.host.find("]")]
        return self.host.rsplit(":", 1)[0] if ":" in self.host else self.host

    @property
    def port(self) -> str:
        after = self.host[self.host.find("]") + 1 :] if self.host.startswith("[") else self.host
        return after.rsplit(":", 1)[1] if ":" in after else ""

    @classmethod
    def parse(cls, text: str) -> URL | None:
        if any(c.isspace() or ord(c) < 0x20 for c in text):
            return None
        if text.startswith("/"):
            return cls("", "", text.split("?", 1)[0])
        scheme, colon, rest = text.partition(":")
        if not colon or not _SCHEME.fullmatch(scheme):
            return None
        rest = rest.split("#", 1)[0].split("?", 1)[0]
        if not rest.startswith("//"):
            return cls(scheme.lower(), "", rest)
        host, slash, path = rest[2:].partition("/")
        host = host.rsplit("@", 1)[-1]
        port = host[host.find("]") + 1 :] if host.startswith("[") else host
        if ":" in port and not port.rsplit(":", 1)[1].isdigit() and port.rsplit(":", 1)[1]:
            return None
        return cls(scheme.lower(), host, slash + path)


IP = ipaddress.IPv4Address | ipaddress.IPv6Address
CIDR = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: str) -> IP:
    """An address as Kubernetes' `ip()` takes it: no zone, no IPv4 inside IPv6."""
    if "%" in value:
        raise ValueError(f"IP address {value} with a zone is not allowed")
    address = ipaddress.ip_address(value)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise ValueError(f"IPv4-mapped IPv6 address {value} is not allowed")
    return address


def parse_cidr(value: str) -> CIDR:
    """A range as Kubernetes' `cidr()` takes it: Go's prefix, with an address `ip()`
    takes."""
    parse_ip(value.partition("/")[0])
    return parse_prefix(value)


@dataclass(frozen=True)
class Prefix:
    """A CIDR range as written: its address, and the range it names."""

    address: IP
    network: CIDR


_LINK_LOCAL_MULTICAST = {
    4: ipaddress.ip_network("224.0.0.0/24"),
    6: ipaddress.ip_network("ff02::/16"),
}


def _global_unicast(address: IP) -> bool:
    """Go's IP.IsGlobalUnicast: neither unspecified, loopback, multicast, link-local nor
    the IPv4 broadcast address (private ranges count)."""
    return not (
        address.is_unspecified
        or address.is_loopback
        or address.is_multicast
        or address.is_link_local
        or address == ipaddress.IPv4Address("255.255.255.255")
    )


_VERB = re.compile(r"%(?:\.(\d+))?([sdfeExXobc%])")


def parse_quantity(value: str) -> Fraction:
    """A quantity as Kubernetes' `quantity()` takes it; ValueError when it is not one."""
    amount = quantity_of(value)
    if amount is None:
        raise ValueError(f"{value} is not a quantity")
    return amount


def format_string(template: str, arguments: list[Any]) -> str:
    """Kubernetes' `"...".format([...])`: %s, %d, %f, %e, %x, %X, %o, %b, %c and %%."""
    values = iter(arguments)

    def one(match: re.Match[str]) -> str:
        precision, verb = match.group(1), match.group(2)
        if verb == "%":
            return "%"
        try:
            value = next(values)
        except StopIteration:
            raise ValueError("format: too few arguments") from None
        if verb == "s":
            return str(value).lower() if isinstance(value, bool) else str(value)
        if verb in "fe" or verb == "E":
            return f"{float(value):.{int(precision) if precision else 6}{verb}}"
        if verb == "c":
            return chr(int(value))
        base = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}[verb]
        if isinstance(value, (str, bytes)) and verb in "xX":
            data = value.encode() if isinstance(value, str) else value
            return data.hex() if verb == "x" else data.hex().upper()
        return format(int(value), base)

    return _VERB.sub(one, template)


def library() -> dict[str, Callable[..., Any]]:
    """Kubernetes' CEL extension functions, by the name a rule calls them by."""
    from celpy import celtypes

    def text(value: Any) -> str:
        return str(value)

    def substring(value: Any, start: Any, end: Any = None) -> Any:
        s = text(value)
        stop = len(s) if end is None else int(end)
        if not 0 <= int(start) <= stop <= len(s):
            raise ValueError(f"substring({start}, {end}) out of range for {len(s)} characters")
        return celtypes.StringType(s[int(start) : stop])

    def char_at(value: Any, index: Any) -> Any:
        s = text(value)
        return celtypes.StringType(s[int(index)] if int(index) < len(s) else "")

    def index_of(value: Any, needle: Any, start: Any = 0) -> Any:
        if isinstance(value, list):
            return celtypes.IntType(value.index(needle) if needle in value else -1)
        return celtypes.IntType(text(value).find(text(needle), int(start)))

    def last_index_of(value: Any, needle: Any) -> Any:
        if isinstance(value, list):
            return celtypes.IntType(
                len(value) - 1 - value[::-1].index(needle) if needle in value else -1
            )
        return celtypes.IntType(text(value).rfind(text(needle)))

    def split(value: Any, separator: Any, limit: Any = -1) -> Any:
        parts = text(value).split(text(separator), int(limit) - 1 if int(limit) > 0 else -1)
        return celtypes.ListType([celtypes.StringType(p) for p in parts])

    def join(value: Any, separator: Any = "") -> Any:
        return celtypes.StringType(text(separator).join(text(v) for v in value))

    def is_sorted(value: Any) -> Any:
        return celtypes.BoolType(all(a <= b for a, b in itertools.pairwise(value)))

    def find(value: Any, pattern: Any) -> Any:
        match = compile_regex(text(pattern)).search(text(value))  # RE2, as Kubernetes
        return celtypes.StringType(match.group(0) if match else "")

    def find_all(value: Any, pattern: Any, limit: Any = -1) -> Any:
        compiled = compile_regex(text(pattern))
        found = [celtypes.StringType(m.group(0)) for m in compiled.finditer(text(value))]
        return celtypes.ListType(found if int(limit) < 0 else found[: int(limit)])

    def parse_url(value: Any) -> URL:
        parsed = URL.parse(text(value))
        if parsed is None:
            raise ValueError(f"URL parse error during conversion from string: {text(value)}")
        return parsed

    def boolean(value: bool) -> Any:
        return celtypes.BoolType(value)

    def ip(value: Any) -> Any:
        if isinstance(value, Prefix):  # cidr.ip(): the address it was written with
            return value.address
        return parse_ip(text(value))

    def cidr(value: Any) -> Prefix:
        written = text(value)
        return Prefix(parse_ip(written.partition("/")[0]), parse_cidr(written))

    def valid(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
        def check(value: Any) -> Any:
            try:
                parse(text(value))
            except ValueError:
                return boolean(False)
            return boolean(True)

        return check

    def contains_ip(prefix: Prefix, address: Any) -> Any:
        candidate = address if not isinstance(address, str) else parse_ip(text(address))
        return boolean(candidate in prefix.network)

    def contains_cidr(prefix: Prefix, other: Any) -> Any:
        inner = other.network if isinstance(other, Prefix) else parse_cidr(text(other))
        return boolean(
            inner.version == prefix.network.version and inner.subnet_of(prefix.network)  # type: ignore[arg-type]
        )

    def as_integer(amount: Fraction) -> Any:
        if amount.denominator != 1 or not -(2**63) <= amount <= 2**63 - 1:
            raise ValueError("cannot convert quantity to an integer")
        return celtypes.IntType(int(amount))

    def amount_of(value: Any) -> Fraction:
        return value if isinstance(value, Fraction) else Fraction(int(value))

    def compare(a: Fraction, b: Fraction) -> Any:
        return celtypes.IntType((a > b) - (a < b))

    return {
        "ip": ip,
        "isIP": valid(parse_ip),
        "family": lambda a: celtypes.IntType(a.version),
        "isUnspecified": lambda a: boolean(a.is_unspecified),
        "isLoopback": lambda a: boolean(a.is_loopback),
        "isLinkLocalMulticast": lambda a: boolean(
            a.is_multicast
            and a in ipaddress.ip_network("224.0.0.0/24" if a.version == 4 else "ff02::/16")
        ),
        "isLinkLocalUnicast": lambda a: boolean(a.is_link_local and not a.is_multicast),
        "isGlobalUnicast": lambda a: boolean(_global_unicast(a)),
        "cidr": cidr,
        "isCIDR": valid(parse_cidr),
        "containsIP": contains_ip,
        "containsCIDR": contains_cidr,
        "masked": lambda c: Prefix(c.network.network_address, c.network),
        "prefixLength": lambda c: celtypes.IntType(c.network.prefixlen),
        "quantity": lambda v: parse_quantity(text(v)),
        "isQuantity": valid(parse_quantity),
        "sign": lambda q: celtypes.IntType((q > 0) - (q < 0)),
        "isInteger": lambda q: boolean(q.denominator == 1 and -(2**63) <= q <= 2**63 - 1),
        "asInteger": as_integer,
        "asApproximateFloat": lambda q: celtypes.DoubleType(float(q)),
        "add": lambda a, b: a + amount_of(b),
        "sub": lambda a, b: a - amount_of(b),
        "isGreaterThan": lambda a, b: boolean(a > b),
        "isLessThan": lambda a, b: boolean(a < b),
        "compareTo": compare,
        "format": lambda template, arguments: celtypes.StringType(
            format_string(text(template), list(arguments))
        ),
        "url": parse_url,
        "isURL": lambda v: celtypes.BoolType(URL.parse(text(v)) is not None),
        "getScheme": lambda u: celtypes.StringType(u.scheme),
        "getHost": lambda u: celtypes.StringType(u.host),
        "getHostname": lambda u: celtypes.StringType(u.hostname),
        "getPort": lambda u: celtypes.StringType(u.port),
        "getEscapedPath": lambda u: celtypes.StringType(u.path),
        "substring": substring,
        "charAt": char_at,
        "indexOf": index_of,
        "lastIndexOf": last_index_of,
        "lowerAscii": lambda v: celtypes.StringType(text(v).lower()),
        "upperAscii": lambda v: celtypes.StringType(text(v).upper()),
        "replace": lambda v, a, b, n=-1: celtypes.StringType(
            text(v).replace(text(a), text(b), int(n))
        ),
        "split": split,
        "join": join,
        "trim": lambda v: celtypes.StringType(text(v).strip()),
        "isSorted": is_sorted,
        "sum": lambda v: sum(v[1:], v[0]) if len(v) else celtypes.IntType(0),
        "min": lambda v: min(v),
        "max": lambda v: max(v),
        "find": find,
        "findAll": find_all,
    }
