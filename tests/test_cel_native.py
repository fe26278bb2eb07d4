"""The CEL shapes meshgen evaluates in Python give cel-python's outcome, on generated
values; rules that only test which fields are present are remembered by that alone, and
rules that read only some fields by those fields' values."""

from __future__ import annotations

import itertools
import random

import pytest

from meshgen.validation.cel import (
    NATIVE,
    _memoised_outcome,
    _outcome,
    fields_read,
    presence_only,
)

random.seed(7)
WORDS = ["", "*", "app", "*.example.com", "a*b", "version", "x" * 70, "ns/*"]
MAPS = [dict.fromkeys(keys, "v") for n in range(4) for keys in itertools.combinations(WORDS, n)]
VALUES = [*WORDS, *MAPS, 3, None, ["*"]]
AT_MOST_ONE = [
    "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0)"
    " + (has(self.targetRefs) ? 1 : 0) <= 1",
    "(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1",
]
FIELDS = ["selector", "targetRef", "targetRefs", "workloadSelector", "endpoints", "other"]
OBJECTS = [
    {f: {"k": random.choice(WORDS)} for f in fields}
    for n in range(4)
    for fields in itertools.combinations(FIELDS, n)
]


@pytest.mark.parametrize("rule", sorted(NATIVE))
def test_native_shapes_agree_with_cel_python(rule: str) -> None:
    evaluate = NATIVE[rule]
    for value in VALUES:
        outcome = evaluate(value)
        if outcome is not None:  # None: a value of another type, left to cel-python
            assert outcome == _outcome(rule, value), (rule, value)


@pytest.mark.parametrize("rule", AT_MOST_ONE)
def test_at_most_one_of_agrees_with_cel_python(rule: str) -> None:
    assert presence_only(rule) is not None  # remembered by which fields are present
    for value in OBJECTS:
        assert _memoised_outcome(rule, value, None) == _outcome(rule, value), value


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        (
            "(has(self.serviceAccounts) || has(self.notServiceAccounts)) ? "
            "(!has(self.principals) && !has(self.notPrincipals)) : true",
            ("notPrincipals", "notServiceAccounts", "principals", "serviceAccounts"),
        ),
        ("has(self.selector) ? self.selector.size() > 0 : true", None),
        ("has(self.namespace) ? true : false", None),  # escaped in CEL: left to cel-python
    ],
)
def test_rules_that_only_test_presence_are_found(rule: str, fields: tuple[str, ...] | None) -> None:
    assert presence_only(rule) == fields
    if fields is not None:
        for n in range(len(fields) + 1):
            for present in itertools.combinations(fields, n):
                a = {f: [random.choice(WORDS)] for f in present}
                b = {f: ["other"] for f in present}
                assert _outcome(rule, a) == _outcome(rule, b)


SERVICE_ENTRY_RULES = [
    '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && '
    '!((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))',
    '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true',
    '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? '
    "((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true",
]
ABSENT = object()
ENTRIES = [
    {
        name: value
        for name, value in (
            ("resolution", resolution),
            ("addresses", addresses),
            ("endpoints", endpoints),
            ("hosts", [f"h{i}.example.com"]),
        )
        if value is not ABSENT
    }
    for i, (resolution, addresses, endpoints) in enumerate(
        itertools.product(
            [ABSENT, "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN"],
            [ABSENT, [], ["1.2.3.4"], ["10.0.0.0/8"]],
            [ABSENT, [], [{"address": "a"}], [{"address": "a"}, {"address": "b"}]],
        )
    )
]


@pytest.mark.parametrize("rule", SERVICE_ENTRY_RULES)
def test_rules_read_by_their_fields_agree_with_cel_python(rule: str) -> None:
    assert fields_read(rule) is not None  # remembered by those fields' values
    for value in ENTRIES:  # each with hosts of its own: the memo must not look at them
        assert _memoised_outcome(rule, value, None) == _outcome(rule, value), value


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        (SERVICE_ENTRY_RULES[1], ("endpoints", "resolution")),
        ("self.a.all(x, x > 0) && has(self.b)", ("a", "b")),
        ("self.all(key, key.size() != 0)", None),  # a macro on self reads all of it
        ("self.size() > 0 && has(self.a)", None),
        ("duration(self) >= duration('1ms')", None),
        ("has(self.namespace) ? self.namespace == 'x' : true", None),  # escaped in CEL
    ],
)
def test_the_fields_a_rule_reads_are_found(rule: str, fields: tuple[str, ...] | None) -> None:
    assert fields_read(rule) == fields
