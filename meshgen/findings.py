"""Findings: what meshgen reports about an input, as data.

Only reporters turn findings into text for people; everything else builds and passes
these records around.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Code:
    """A stable identifier for one kind of problem, and the Istio code it mirrors."""

    id: str
    severity: Severity
    title: str
    istio: str | None = None


# The codes of reading, model and schema problems. Semantic rules bring their own codes
# (see meshgen.validation.rules.catalogue); nothing adds to this table at run time.
BASE_CODES: dict[str, Code] = {
    code.id: code
    for code in (
        Code("MG001", Severity.ERROR, "YAML syntax error"),
        Code("MG002", Severity.ERROR, "duplicate mapping key"),
        Code("MG003", Severity.ERROR, "unreadable or unusable file"),
        Code("MG004", Severity.ERROR, "invalid meshgen settings"),
        Code("MG010", Severity.ERROR, "unknown field"),
        Code("MG011", Severity.ERROR, "invalid value"),
        Code("MG012", Severity.ERROR, "missing required field"),
        Code("MG020", Severity.ERROR, "route to a subset the service does not define"),
        Code("MG021", Severity.ERROR, "reference to a gateway the model does not define"),
        Code("MG022", Severity.ERROR, "reference to a service the model does not define"),
        Code("MG023", Severity.ERROR, "duplicate name"),
        Code("MG024", Severity.ERROR, "route weights total zero"),
        Code("MG025", Severity.WARNING, "route weights do not add up to 100"),
        Code("MG026", Severity.ERROR, "destination port the service does not expose"),
        Code("MG027", Severity.WARNING, "model renders no resources"),
        Code("MG028", Severity.WARNING, "model file without apiVersion and kind (deprecated)"),
        Code("MG029", Severity.ERROR, "subset or Service selects no pod the model deploys"),
        Code("MG030", Severity.ERROR, "port protocol contradicts the service's route rules"),
        Code("MG031", Severity.ERROR, "pods selected by another service's workload too"),
        Code("MG032", Severity.ERROR, "workload the model cannot write"),
        Code("MG040", Severity.WARNING, "import keeps part of a resource as written"),
        Code("MG041", Severity.INFO, "import keeps an alternative definition as written"),
        Code("MG042", Severity.INFO, "import leaves out what is not Istio"),
        Code("MG043", Severity.WARNING, "import leaves out a resource its schema rejects"),
        Code("MG100", Severity.ERROR, "unknown field"),
        Code("MG101", Severity.ERROR, "wrong type"),
        Code("MG102", Severity.ERROR, "invalid value"),
        Code("MG103", Severity.ERROR, "missing required field"),
        Code("MG104", Severity.ERROR, "apiVersion not served for this kind"),
        Code("MG105", Severity.ERROR, "not a Kubernetes resource"),
        Code("MG106", Severity.ERROR, "CEL validation rule violated"),
        Code("MG107", Severity.INFO, "CEL validation rule not evaluated offline"),
        Code("MG108", Severity.WARNING, "the same resource twice in one run"),
        Code(
            "MG109", Severity.ERROR, "name, namespace, label or annotation the API server refuses"
        ),
        Code("MG110", Severity.ERROR, "two items of a map-type list with the same key"),
    )
}


@dataclass(frozen=True)
class Resource:
    """Which resource a finding is about."""

    kind: str
    namespace: str | None
    name: str | None


@dataclass(frozen=True)
class Finding:
    """One problem in one file.

    ``line`` and ``column`` are 1-based; 0 means the position is unknown. ``path`` is the
    location inside the document, as a dotted path (``services.catalog.routes[1]``); the
    message does not repeat it. ``severity`` is set by whoever makes the finding, and
    ``istio`` names the Istio code the finding mirrors, if any.
    """

    code: str
    message: str
    file: str = "<input>"
    line: int = 0
    column: int = 0
    path: str = ""
    severity: Severity = Severity.ERROR
    resource: Resource | None = None
    istio: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        """``file:line:col: severity: path: message [code/IST code]``, the form editors
        and CI can click; every value from the input escaped."""
        where = safe(self.file)
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        istio = f"/{self.istio}" if self.istio else ""
        return f"{where}: {self.severity.value}: {described(self)} [{self.code}{istio}]"

    @classmethod
    def of(cls, code: str, message: str, file: str = "<input>", **fields: Any) -> Finding:
        """A finding with one of the base codes, its severity taken from the code."""
        return cls(code, message, file, severity=BASE_CODES[code].severity, **fields)


def safe(text: str) -> str:
    """``text`` with every control character, line break, bidirectional override and
    escape sequence written as an escape (``\\n``, ``\\x1b``): a value from the input
    can never start a line of its own, forge a finding or a workflow command, or drive
    the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if char in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char]
    return (
        f"\\x{code:02x}"
        if code <= 0xFF
        else f"\\u{code:04x}"
        if code <= 0xFFFF
        else f"\\U{code:08x}"
    )


def described(finding: Finding) -> str:
    """The message as a person reads it: where in the document, then what."""
    text = f"{finding.path}: {finding.message}" if finding.path else finding.message
    return safe(text)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or an empty string."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def describe(value: Any) -> str:
    """A value as a message shows what was found: "the number 1", "a list"."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "null"


_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def format_path(parts: tuple[Any, ...] | list[Any]) -> str:
    """``("services", "catalog", "routes", 1)`` -> ``services.catalog.routes[1]``.

    Keys that are not plain words are quoted: ``labels["app.kubernetes.io/name"]``.
    """
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif not isinstance(part, str):  # YAML keys may be null, booleans, numbers...
            text += f"[{json.dumps(part, default=str)}]"
        elif not _BARE_KEY.fullmatch(part):
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
        elif text:
            text += f".{part}"
        else:
            text = part
    return text
