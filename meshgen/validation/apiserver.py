"""What the Kubernetes API server refuses before any admission webhook sees an object,
beyond its schema: names, namespaces, label and annotation syntax, and items of
map-type lists that share their key (as `kubectl apply --validate=strict` would fail).

Checked for every object meshgen has a schema for, Istio's or Kubernetes'.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
MAX_ANNOTATIONS = 256 * 1024

# Kinds whose names are stricter than a DNS-1123 subdomain.
_LABEL_NAMED = {("v1", "Namespace"): "DNS-1123 label", ("v1", "Service"): "DNS-1035 label"}
_CLUSTER_SCOPED = {("v1", "Namespace")}

# Lists the API server keeps as maps (x-kubernetes-list-type: map), by their key fields,
# where the bundled schemas lost the marker: (kind, path with "*" for each item) -> keys.
_MAP_LISTS: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "ServiceEntry": [(("spec", "ports"), ("name",))],
    "WasmPlugin": [
        (("spec", "match", "*", "ports"), ("number",)),
        (("spec", "vmConfig", "env"), ("name",)),
    ],
    "TrafficExtension": [(("spec", "match", "*", "ports"), ("number",))],
    "Deployment": [
        (("spec", "template", "spec", "containers"), ("name",)),
        (("spec", "template", "spec", "containers", "*", "ports"), ("containerPort", "protocol")),
        (("spec", "template", "spec", "containers", "*", "env"), ("name",)),
    ],
    "Service": [(("spec", "ports"), ("port", "protocol"))],
}


class Refusal(NamedTuple):
    code: str
    path: tuple[Any, ...]
    message: str
    at_key: bool = False


def _name_problem(value: str, kind: str) -> str | None:
    if kind == "DNS-1035 label":
        ok = len(value) <= 63 and DNS1035_LABEL.fullmatch(value)
        rule = "lower-case letters, digits and '-', starting with a letter, at most 63"
    elif kind == "DNS-1123 label":
        ok = len(value) <= 63 and DNS1123_LABEL.fullmatch(value)
        rule = "lower-case letters, digits and '-', at most 63"
    else:
        ok = len(value) <= 253 and DNS1123_SUBDOMAIN.fullmatch(value)
        rule = "lower-case letters, digits, '-' and '.', at most 253"
    if ok:
        return None
    return f"'{value}' is not a {kind} ({rule}, alphanumeric at both ends)"


def qualified_name_problem(key: str) -> str | None:
    """Why ``key`` is not a label key (``[prefix/]name``), or None."""
    prefix, slash, name = key.rpartition("/")
    if prefix.count("/"):
        return "at most one '/' may separate a prefix from the name"
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "the prefix before '/' must be a lower-case DNS subdomain"
    if not name or len(name) > 63 or not _NAME_PART.fullmatch(name):
        return (
            "the name must be at most 63 letters, digits, '-', '_' or '.', alphanumeric at "
            "both ends"
        )
    return None


def _label_value_problem(value: str) -> str | None:
    if value == "" or (len(value) <= 63 and _NAME_PART.fullmatch(value)):
        return None
    return (
        f"label value '{value[:80]}' must be at most 63 letters, digits, '-', '_' or '.', "
        "alphanumeric at both ends"
    )


def refusals(api_version: str, kind: str, document: dict[str, Any]) -> Iterator[Refusal]:
    """Everything the API server refuses about ``document`` that its schema does not say."""
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        yield from _metadata(api_version, kind, metadata)
    for path, keys in _MAP_LISTS.get(kind, []):
        yield from _duplicates(document, path, keys, ())


def _metadata(api_version: str, kind: str, metadata: dict[str, Any]) -> Iterator[Refusal]:
    name = metadata.get("name")
    if isinstance(name, str):
        problem = _name_problem(name, _LABEL_NAMED.get((api_version, kind), "DNS-1123 subdomain"))
        if problem:
            yield Refusal("MG109", ("metadata", "name"), problem)
    elif name is None and not metadata.get("generateName"):
        yield Refusal("MG103", ("metadata",), "missing required field 'name'")
    namespace = metadata.get("namespace")
    if isinstance(namespace, str) and (api_version, kind) not in _CLUSTER_SCOPED:
        problem = _name_problem(namespace, "DNS-1123 label")
        if problem:
            yield Refusal("MG109", ("metadata", "namespace"), f"namespace {problem}")
    labels = metadata.get("labels")
    for key, value in labels.items() if isinstance(labels, dict) else ():
        key_problem = qualified_name_problem(str(key))
        if key_problem:
            message = f"label key '{key}': {key_problem}"
            yield Refusal("MG109", ("metadata", "labels", key), message, True)
        if isinstance(value, str) and (value_problem := _label_value_problem(value)):
            yield Refusal("MG109", ("metadata", "labels", key), value_problem)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        size = 0
        for key, value in annotations.items():
            size += len(str(key)) + (len(value) if isinstance(value, str) else 0)
            key_problem = qualified_name_problem(str(key).lower())
            if key_problem:
                message = f"annotation key '{key}': {key_problem}"
                yield Refusal("MG109", ("metadata", "annotations", key), message, True)
        if size > MAX_ANNOTATIONS:
            yield Refusal(
                "MG109",
                ("metadata", "annotations"),
                f"annotations total {size:,} bytes; the API server allows 262,144",
            )


def _duplicates(
    node: Any, path: tuple[str, ...], keys: tuple[str, ...], at: tuple[Any, ...]
) -> Iterator[Refusal]:
    if not path:
        if not isinstance(node, list):
            return
        seen: dict[tuple[Any, ...], int] = {}
        for i, item in enumerate(node):
            if not isinstance(item, dict) or keys[0] not in item:
                continue
            key = tuple(repr(item.get(k, "TCP" if k == "protocol" else None)) for k in keys)
            if key in seen:
                shown = ", ".join(f"{k}: {item.get(k, 'TCP')}" for k in keys)
                yield Refusal(
                    "MG110",
                    (*at, i),
                    f"duplicate item ({shown}): item {seen[key] + 1} has the same; the API "
                    "server keeps this list as a map by "
                    f"{' and '.join(keys)}",
                )
            else:
                seen[key] = i
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for i, item in enumerate(node if isinstance(node, list) else []):
            yield from _duplicates(item, rest, keys, (*at, i))
    elif isinstance(node, dict):
        yield from _duplicates(node.get(head), rest, keys, (*at, head))
