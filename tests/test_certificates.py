"""Reading a certificate's validity window, and refusing what is not a certificate."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from meshgen.manifests.certificates import validity

# A self-signed certificate for CN=t, made for this test (no key is kept).
CERTIFICATE = b"""-----BEGIN CERTIFICATE-----
MIIBbTCCAROgAwIBAgIUczRyl5eMcXSUQ/CgPaOtmYDWw34wCgYIKoZIzj0EAwIw
DDEKMAgGA1UEAwwBdDAeFw0yNjExMjYyMDIwMTFaFw0yNjExMjcyMDIwMTFaMAwx
CjAIBgNVBAMMAXQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATm5RXE6xewPsKp
XODJHpVAMjo07LHINOOLuKMyxC75ioBWA7kmffKA/2Y1chdJD1scChM9MP5kfpRV
hYyb8hzEo1MwUTAdBgNVHQ4EFgQUbLiDbv/o3IIiUHOQoOXjUXmB1Y8wHwYDVR0j
BBgwFoAUbLiDbv/o3IIiUHOQoOXjUXmB1Y8wDwYDVR0TAQH/BAUwAwEB/zAKBggq
hkjOPQQDAgNIADBFAiBpCVuMU/yfLwJc3qah7HWZ1uF4MZWsMv+Ib7W2VfczoAIh
AODo7tNDagv3IXYvqJTJVu5vArRKhJSnQigcLYP84ppQ
-----END CERTIFICATE-----
"""


def test_the_validity_window_is_read() -> None:
    window = validity(CERTIFICATE)
    assert window is not None
    not_before, not_after = window
    assert not_before.tzinfo == timezone.utc
    assert (not_after - not_before).days == 1
    assert not_before > datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hush hush hush",
        b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----",
        b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----",
        CERTIFICATE.replace(b"\n-----END", b"AAAA\n-----END")[:120]
        + b"\n-----END CERTIFICATE-----",
    ],
)
def test_what_is_not_a_certificate_has_no_window(data: bytes) -> None:
    assert validity(data) is None
