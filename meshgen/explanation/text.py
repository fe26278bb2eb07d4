"""An explanation as text for people and as JSON data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meshgen.explanation import Destination, Explanation


def _flow(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def _destination_lines(destination: Destination, indent: str) -> list[str]:
    where = destination.host + (f":{destination.port}" if destination.port else "")
    subset = f", subset {destination.subset}" if destination.subset else ""
    labels = (
        " (pods " + ", ".join(f"{k}={v}" for k, v in destination.labels.items()) + ")"
        if destination.labels
        else ""
    )
    lines = [f"{indent}{destination.share:g}%  {where}{subset}{labels}"]
    rule = destination.destination_rule
    lines.append(f"{indent}      DestinationRule: {rule or 'none'}")
    for field_name, value in destination.policy.items():
        lines.append(f"{indent}      {field_name}: {_flow(value)}")
    lines += [f"{indent}      note: {note}" for note in destination.notes]
    return lines


def to_text(explanation: Explanation) -> str:
    """A person's reading of an explanation: request, VirtualService, rule, destinations."""
    request = explanation.request
    query = "&".join(f"{k}={v}" for k, v in request.query.items())
    if request.protocol == "http":
        asked = f"{request.method} {request.scheme}://{request.authority}{request.path}"
        asked += f"?{query}" if query else ""
    else:
        sni = f" (server name {request.sni})" if request.protocol == "tls" and request.sni else ""
        asked = f"{request.protocol.upper()} {request.authority}{sni}"
    lines = [
        f"request: {asked}",
        f"  from namespace {request.source_namespace}"
        + (f", labels {_flow(request.source_labels)}" if request.source_labels else "")
        + f", through {request.gateway}",
    ]
    lines += [f"  header {k}: {v}" for k, v in request.headers.items()]
    lines.append(f"host: {explanation.host}")
    lines.append(f"VirtualService: {explanation.virtual_service or 'none'}")
    for skipped in explanation.skipped:
        name = f" ({skipped.name})" if skipped.name else ""
        owner = skipped.virtual_service
        of = f" of {owner}" if owner != explanation.virtual_service else ""
        lines.append(f"  rule {skipped.index + 1}{name}{of}: no match: {skipped.reason}")
    if explanation.rule_index is not None:
        name = f" ({explanation.rule_name})" if explanation.rule_name else ""
        lines.append(f"  rule {explanation.rule_index + 1}{name}: matches")
    for title, value in (
        ("redirect", explanation.redirect),
        ("direct response", explanation.direct_response),
        ("rewrite", explanation.rewrite),
        ("fault", explanation.fault),
        ("timeout", explanation.timeout),
        ("retries", explanation.retries),
        ("headers", explanation.headers),
    ):
        if value is not None:
            lines.append(f"{title}: {value if isinstance(value, str) else _flow(value)}")
    if explanation.destinations:
        lines.append("destinations:")
        for destination in explanation.destinations:
            lines += _destination_lines(destination, "  ")
    if explanation.mirrors:
        lines.append("mirrors:")
        for mirror in explanation.mirrors:
            lines += _destination_lines(mirror, "  ")
    if explanation.notes:
        lines.append("notes:")
        lines += [f"  - {note}" for note in explanation.notes]
    return "\n".join(lines) + "\n"


def _destination_json(destination: Destination) -> dict[str, Any]:
    return {
        "host": destination.host,
        "subset": destination.subset,
        "port": destination.port,
        "labels": destination.labels,
        "weight": destination.weight,
        "share": destination.share,
        "destinationRule": destination.destination_rule,
        "policy": destination.policy,
        "notes": destination.notes,
    }


def to_dict(explanation: Explanation) -> dict[str, Any]:
    """An explanation as JSON data (the shape is documented in docs/explain.md)."""
    request = explanation.request
    data = {
        "request": {
            "host": request.host,
            "port": request.port,
            "method": request.method,
            "path": request.path,
            "scheme": request.scheme,
            "headers": request.headers,
            "query": request.query,
            "sourceLabels": request.source_labels,
            "sourceNamespace": request.source_namespace,
            "gateway": request.gateway,
            "protocol": request.protocol,
            "sni": request.sni,
        },
        "host": explanation.host,
        "virtualService": explanation.virtual_service,
        "rule": (
            {"index": explanation.rule_index, "name": explanation.rule_name}
            if explanation.rule_index is not None
            else None
        ),
        "skipped": [
            {
                "virtualService": s.virtual_service,
                "index": s.index,
                "name": s.name,
                "reason": s.reason,
            }
            for s in explanation.skipped
        ],
        "destinations": [_destination_json(d) for d in explanation.destinations],
        "mirrors": [_destination_json(m) for m in explanation.mirrors],
        "retries": explanation.retries,
        "timeout": explanation.timeout,
        "fault": explanation.fault,
        "rewrite": explanation.rewrite,
        "redirect": explanation.redirect,
        "directResponse": explanation.direct_response,
        "headers": explanation.headers,
        "notes": explanation.notes,
    }
    return data
