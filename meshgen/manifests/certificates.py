"""Just enough of X.509 to tell whether a TLS Secret holds a certificate in its validity
window, as Istio's gateway analysis asks: PEM to DER, and the DER walked to `validity`.
Anything that does not parse is not a certificate."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timezone

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.S)


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the DER element at ``at``."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4:
            raise ValueError("unsupported length")
        length = int.from_bytes(data[at : at + size], "big")
        at += size
    if at + length > len(data):
        raise ValueError("truncated")
    return tag, at, at + length


def _time(tag: int, value: bytes) -> datetime:
    text = value.decode("ascii")
    if tag == 0x17:  # UTCTime, YYMMDDHHMMSSZ
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime, YYYYMMDDHHMMSSZ
        raise ValueError("not a time")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=timezone.utc)


def validity(pem: bytes) -> tuple[datetime, datetime] | None:
    """(not before, not after) of the first certificate in ``pem``, or None when there is
    no certificate there."""
    match = _PEM.search(pem)
    if match is None:
        return None
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
        _, start, _ = _tlv(der, 0)  # Certificate
        _, at, _ = _tlv(der, start)  # TBSCertificate
        tag, _, end = _tlv(der, at)
        if tag == 0xA0:  # explicit version
            at = end
        for _ in range(3):  # serial number, signature algorithm, issuer
            _, _, at = _tlv(der, at)
        _, at, _ = _tlv(der, at)  # validity
        tag, begin, end = _tlv(der, at)
        not_before = _time(tag, der[begin:end])
        tag, begin, end = _tlv(der, end)
        return not_before, _time(tag, der[begin:end])
    except (ValueError, IndexError, binascii.Error, UnicodeDecodeError):
        return None
