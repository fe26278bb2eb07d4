"""Kubernetes' CEL library as meshgen evaluates it: each rule's outcome as the API server
gives it (facts from Kubernetes' CEL library documentation)."""

from __future__ import annotations

import pytest

from meshgen.validation.cel import _outcome

HOLDS = [
    # IP addresses
    "isIP('10.0.0.1') && isIP('fe80::1')",
    "!isIP('10.0.0.1/8') && !isIP('::ffff:1.2.3.4') && !isIP('fe80::1%eth0')",
    "ip('10.0.0.1').family() == 4 && ip('::1').family() == 6",
    "ip('127.0.0.1').isLoopback() && ip('0.0.0.0').isUnspecified()",
    "ip('fe80::1').isLinkLocalUnicast() && ip('224.0.0.1').isLinkLocalMulticast()",
    "ip('10.1.2.3').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast()",
    # CIDR ranges
    "isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0') && !isCIDR('10.0.0.0/08')",
    "cidr('10.0.0.0/8').containsIP('10.1.2.3') && !cidr('10.0.0.0/8').containsIP('11.0.0.1')",
    "cidr('10.0.0.0/8').containsIP(ip('10.255.0.1'))",
    "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')",
    "!cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')",
    "cidr('10.1.2.3/8').prefixLength() == 8 && cidr('10.1.2.3/8').ip() == ip('10.1.2.3')",
    "cidr('10.1.2.3/8').masked().ip() == ip('10.0.0.0')",
    # quantities
    "isQuantity('250m') && isQuantity('1.5Gi') && !isQuantity('1Gb')",
    "quantity('1Gi').isGreaterThan(quantity('1G'))",
    "quantity('500m').isLessThan(quantity('1'))",
    "quantity('1k').compareTo(quantity('1000')) == 0",
    "quantity('2Ki').asInteger() == 2048 && quantity('1.5').asApproximateFloat() == 1.5",
    "!quantity('500m').isInteger() && quantity('-3').sign() == -1",
    "quantity('1').add(quantity('500m')).isGreaterThan(quantity('1'))",
    "quantity('1').sub(1).sign() == 0",
    # format
    "'%s-%d'.format(['a', 7]) == 'a-7'",
    "'%.2f%%'.format([12.345]) == '12.35%'",
    "'%x'.format([255]) == 'ff' && '%b'.format([5]) == '101'",
]


@pytest.mark.parametrize("rule", HOLDS)
def test_kubernetes_library_functions_hold(rule: str) -> None:
    assert _outcome(rule, None) is True


@pytest.mark.parametrize(
    "rule",
    [
        "ip('10.0.0.256').family() == 4",
        "cidr('10.0.0.0').prefixLength() == 0",
        "quantity('1.5').asInteger() == 1",
        "quantity('lots').sign() == 1",
    ],
)
def test_values_the_library_refuses_fail_the_rule(rule: str) -> None:
    assert _outcome(rule, None) is False
