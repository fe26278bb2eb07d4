"""Istio manifests to a meshgen model that renders them back unchanged.

Each Gateway, DestinationRule and VirtualService is written in the model's terms, with
its short forms where they apply; DestinationRules and VirtualServices for the same host
become one service. The result is then rendered and compared, as data, with what came
in: a spec field the model cannot express is kept as written (the resource's ``spec``
override), and a resource that still does not come back identical is passed through
whole (the model's ``resources``). Each of those is reported, so nothing is lost
silently.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from meshgen.findings import Finding, Resource, format_path
from meshgen.importing.convert import (
    PREFIXES,
    convert_gateway,
    convert_service,
    identity,
    pair_services,
)
from meshgen.importing.workloads import add_workloads, deployment_key, is_workload, merge_diff
from meshgen.manifests import ISTIO_NETWORKING as GROUP
from meshgen.manifests import MODEL_API_VERSION, MODEL_KIND, is_istio, mapping, resource_of
from meshgen.manifests import ROUTING_KINDS as KINDS
from meshgen.model.mesh import Mesh
from meshgen.validation.schemaset import SchemaSet
from meshgen.validation.validate import key_not_text, schema_problems

__all__ = ["Imported", "import_manifests"]

Identity = tuple[str, str | None, str]  # kind, namespace, name


@dataclass
class Imported:
    """A model made from manifests, as file content and as a validated Mesh."""

    model: dict[str, Any]
    mesh: Mesh
    findings: list[Finding] = field(default_factory=list)  # what is kept or left out


def _most_common(values: list[Any], fallback: Any) -> Any:
    return Counter(values).most_common(1)[0][0] if values else fallback


def _render(model: dict[str, Any]) -> tuple[Mesh, dict[Identity, Any]] | Exception:
    """The model validated and rendered, documents by identity; or why it is invalid."""
    from meshgen.errors import MeshgenError
    from meshgen.model.load import check_mesh
    from meshgen.rendering import render

    try:
        mesh = Mesh.model_validate(model)
        documents = render(check_mesh(mesh))
    except (MeshgenError, ValueError) as e:
        return e
    return mesh, {identity(d): d for d in documents}


def _build(
    resources: list[dict[str, Any]], preset: str, passthrough: set[int], overlays: set[int]
) -> tuple[dict[str, Any], dict[int, str]]:
    """The model for ``resources``; and which part of it each resource became."""
    istio = [r for r in resources if r.get("kind") in KINDS]
    api_version = _most_common([r.get("apiVersion") for r in istio], f"{GROUP}/v1")
    namespace = _most_common([(r.get("metadata") or {}).get("namespace") for r in istio], None)
    model: dict[str, Any] = {"apiVersion": MODEL_API_VERSION, "kind": MODEL_KIND}
    if preset != "plain":
        model["preset"] = preset
    defaults: dict[str, Any] = {}
    if namespace != "default":
        defaults["namespace"] = namespace
    if api_version != f"{GROUP}/v1":
        defaults["apiVersion"] = api_version.rpartition("/")[2]
    if defaults:
        model["defaults"] = defaults
    owner: dict[int, str] = {}
    gateways: dict[str, Any] = {}
    gateway_names: set[str] = set()
    kept: list[dict[str, Any]] = []
    candidates = [
        (i, r)
        for i, r in enumerate(resources)
        if r.get("kind") in KINDS and i not in passthrough and r.get("apiVersion") == api_version
    ]
    for i, resource in candidates:
        if resource["kind"] == "Gateway":
            key, body = convert_gateway(resource, namespace, preset)
            if key in gateway_names:
                passthrough.add(i)
                continue
            if body is not None:
                gateways[key] = body
            gateway_names.add(key)
            owner[i] = f"gateways.{key}"
    services: dict[str, Any] = {}
    for key, members in pair_services(
        [(i, r) for i, r in candidates if r["kind"] != "Gateway"], preset
    ).items():
        body = convert_service(key, members, namespace, preset, gateway_names, overlays)
        services[key] = body
        for i, _ in members:
            owner[i] = f"services.{key}"
    for i, resource in enumerate(resources):
        if resource.get("kind") in KINDS and i not in owner:
            kept.append(resource)
            owner[i] = "resources"
    if gateways:
        model["gateways"] = gateways
    model["services"] = services
    if kept:
        model["resources"] = kept
    return model, owner


def _differs(expected: Any, actual: Any) -> set[str]:
    """The top-level spec fields where two resources differ ("" for anything else)."""
    if expected == actual:
        return set()
    if not isinstance(actual, dict):
        return {""}
    if {k: v for k, v in expected.items() if k != "spec"} != {
        k: v for k, v in actual.items() if k != "spec"
    }:
        return {""}
    spec, other = expected.get("spec") or {}, actual.get("spec") or {}
    return {k for k in set(spec) | set(other) if spec.get(k) != other.get(k)}


def _attempt(resources: list[dict[str, Any]], preset: str) -> tuple[Imported, set[Identity]] | None:
    """A model of ``resources`` that renders them back, and what it renders."""
    passthrough: set[int] = set()
    overlays: set[int] = set()
    for _ in range(2 * len(resources) + 2):
        model, owner = _build(resources, preset, passthrough, overlays)
        rendered = _render(model)
        if isinstance(rendered, Exception):
            # Something the model cannot hold: keep the resources of the part that fails.
            blamed = _blame(model, owner)
            if not blamed - passthrough:
                return None
            passthrough |= blamed
            continue
        mesh, documents = rendered
        problems = False
        for i, resource in enumerate(resources):
            if resource.get("kind") not in KINDS or i in passthrough:
                continue
            fields = _differs(resource, documents.get(identity(resource)))
            if not fields:
                continue
            problems = True
            if "" in fields or i in overlays:
                passthrough.add(i)
            else:
                overlays.add(i)
        if not problems and len(documents) == sum(1 for r in resources if r.get("kind") in KINDS):
            return Imported(model, mesh), set(documents)
        if not problems:  # the model makes resources that were not imported
            return None
    return None


def _blame(model: dict[str, Any], owner: dict[int, str]) -> set[int]:
    """The resources whose part of the model does not validate on its own."""
    blamed = set()
    for i, part in owner.items():
        if part == "resources":
            continue
        section, _, key = part.partition(".")
        alone = {k: v for k, v in model.items() if k not in ("gateways", "services", "resources")}
        alone["gateways"] = model.get("gateways", {}) if section == "services" else {}
        alone[section] = {key: model.get(section, {}).get(key)}
        if section == "gateways":
            alone["services"] = {}
        if isinstance(_render(alone), Exception):
            blamed.add(i)
    return blamed or {i for i, part in owner.items() if part != "resources"}


def _size(model: dict[str, Any]) -> int:
    from meshgen.yamlio import emit

    return len(emit(model))


def import_manifests(resources: list[Any], schemas: SchemaSet | None = None) -> Imported:
    """Resources (parsed manifests) as a model.

    Gateways, VirtualServices and DestinationRules become model where the model can
    express them; every other Istio resource is kept as written under ``resources``.
    What is not Istio (Deployments, Services...) is listed in ``ignored``, and so is an
    Istio resource its schema rejects (``schemas``, default: the bundled ones), since
    the model would not render: ``meshgen validate`` says what is wrong with it.
    """
    documents = [r for r in resources if isinstance(r, dict)]
    routing: list[dict[str, Any]] = []
    objects: list[dict[str, Any]] = []  # Kubernetes objects the model can write
    kept: list[dict[str, Any]] = []
    notes: list[Finding] = []
    modelled: set[Identity] = set()
    for document in documents:
        name = f"{document.get('kind')} {'/'.join(map(str, filter(None, identity(document)[1:])))}"
        about = resource_of(document)
        if not is_istio(document) and not is_workload(document):
            notes.append(_note("MG042", f"{name} is not an Istio resource", about))
        elif key_not_text(document) is not None:
            notes.append(
                _note("MG043", f"{name}: a key that is not text (run meshgen validate)", about)
            )
        elif is_workload(document):
            if schema_problems(document, schemas):
                notes.append(
                    _note("MG043", f"{name}: its schema rejects it (run meshgen validate)", about)
                )
            else:
                objects.append(document)
        elif document.get("kind") not in KINDS or not str(document["apiVersion"]).startswith(GROUP):
            kept.append(document)
        elif (problems := schema_problems(document, schemas)) is None:
            kept.append(document)  # a version meshgen has no schema for: kept as written
        elif problems:
            notes.append(
                _note("MG043", f"{name}: its schema rejects it (run meshgen validate)", about)
            )
        elif identity(document) in modelled:
            kept.append(document)  # an alternative of one already modelled
            notes.append(
                _note("MG041", f"{name}: another definition is modelled; this one is kept", about)
            )
        else:
            routing.append(document)
            modelled.add(identity(document))
    presets = ("plain", "msaez") if _msaez_names(routing) else ("plain",)
    results = [a for a in (_attempt(routing, p) for p in presets) if a is not None]
    if not results:  # cannot happen: passing everything through always renders back
        model: dict[str, Any] = {
            "apiVersion": MODEL_API_VERSION,
            "kind": MODEL_KIND,
            "services": {},
            "resources": routing,
        }
        fallback = _render(model)
        results = [
            (
                Imported(model, Mesh.model_validate(model)),
                set(() if isinstance(fallback, Exception) else fallback[1]),
            )
        ]
    best, rendered = min(results, key=lambda a: _size(a[0].model)) if results[1:] else results[0]
    passed_through = len(best.model.get("resources", []))
    workload_notes: list[Finding] = []
    if objects:
        best.model, workload_notes = _with_workloads(best.model, rendered, objects)
    if kept:
        best.model["resources"] = [*best.model.get("resources", []), *kept]
    best.mesh = Mesh.model_validate(best.model)
    best.findings = [*notes, *_kept_as_written(best.model, passed_through), *workload_notes]
    return best


def _with_workloads(
    model: dict[str, Any], istio: set[Identity], objects: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[Finding]]:
    """``model`` (which renders ``istio``) with the Kubernetes objects it can write
    added, so that it renders them back unchanged; the others are kept as written (and
    noted)."""
    kept: set[int] = set()
    for _ in range(len(objects) + 1):
        candidate = copy.deepcopy(model)
        owner, blocks = add_workloads(candidate, objects, kept)
        rendered = _render(candidate)
        if isinstance(rendered, Exception):
            named = _parts_named(rendered) & set(owner.values())
            if named:  # the model's findings name the parts that fail: one render
                kept |= {i for i, part in owner.items() if part in named}
            else:
                kept |= _blame_workloads(model, owner, objects, kept)
            continue
        # Where what meshgen writes differs, the rest goes in the workload's raw.
        unfit = set()
        for i, block in blocks.items():
            patch = merge_diff(rendered[1].get(identity(objects[i])), objects[i])
            if patch and set(patch) <= {"metadata", "spec"}:
                block["raw"] = patch
            elif patch:
                unfit.add(i)
        if unfit:
            kept |= unfit
            continue
        if any("raw" in block for block in blocks.values()):
            rendered = _render(candidate)
            if isinstance(rendered, Exception):
                kept |= {i for i, block in blocks.items() if "raw" in block}
                continue
        documents = rendered[1]
        wrong = {i for i in owner if documents.get(identity(objects[i])) != objects[i]}
        wanted = {identity(o) for i, o in enumerate(objects) if i not in kept} | istio
        extra = {_part_of(documents[d]) for d in set(documents) - wanted}
        wrong |= {i for i, part in owner.items() if part in extra}
        if not wrong:
            placed = [objects[i] for i in sorted(kept)]
            if placed:
                candidate["resources"] = [*candidate.get("resources", []), *placed]
            return candidate, [_kept_note(o) for o in placed] + _raw_notes(candidate)
        kept |= wrong
    resources = [*model.get("resources", []), *objects]
    return {**model, "resources": resources}, [_kept_note(o) for o in objects]


def _parts_named(error: Exception) -> set[str]:
    """The parts of a model (``services.<key>``, ``namespaces.<name>``) the findings of
    its error point at."""
    findings = getattr(error, "findings", [])
    return {".".join(f.path.split(".")[:2]) for f in findings if f.path.count(".") >= 1}


def _part_of(document: dict[str, Any]) -> str:
    """The part of the model that writes a rendered Kubernetes object."""
    kind, _, name = identity(document)
    if kind == "Namespace":
        return f"namespaces.{name}"
    if kind == "Deployment":
        return f"services.{deployment_key(document)}"
    return f"services.{name}"


def _blame_workloads(
    model: dict[str, Any], owner: dict[int, str], objects: list[dict[str, Any]], kept: set[int]
) -> set[int]:
    """The objects of the parts that keep the model from rendering (all, if none alone)."""
    blamed: set[int] = set()
    for part in sorted(set(owner.values())):
        alone = copy.deepcopy(model)
        add_workloads(alone, objects, kept | {i for i, p in owner.items() if p != part})
        if isinstance(_render(alone), Exception):
            blamed |= {i for i, p in owner.items() if p == part}
    return blamed or set(owner)


def _kept_note(document: dict[str, Any]) -> Finding:
    name = "/".join(filter(None, identity(document)[1:]))
    return _note(
        "MG040",
        f"{document.get('kind')} {name} is kept as written: the model cannot express all of it",
        resource_of(document),
    )


def _raw_notes(model: dict[str, Any]) -> list[Finding]:
    found = []
    for key, service in mapping(model.get("services")).items():
        blocks: list[tuple[tuple[str, ...], Any]] = [
            (("services", key, "workload"), service.get("workload"))
        ]
        for name, subset in _subset_items(service.get("subsets")):
            blocks.append((("services", key, "subsets", name, "workload"), subset.get("workload")))
        for path, block in blocks:
            if isinstance(block, dict) and block.get("raw"):
                found.append(
                    _note(
                        "MG040",
                        "Deployment fields kept as written in raw: the model has no form for them",
                        path=format_path((*path, "raw")),
                    )
                )
    return found


def _msaez_names(resources: list[dict[str, Any]]) -> bool:
    """Whether any resource is named as the MSA-Ez preset names them (else the preset
    cannot give a smaller model, and is not tried)."""
    prefixes = tuple(p for kinds in PREFIXES.values() for p in kinds.values())
    return any(identity(r)[2].startswith(prefixes) for r in resources)


def _note(code: str, message: str, resource: Resource | None = None, path: str = "") -> Finding:
    return Finding.of(code, message, "<import>", path=path, resource=resource)


def _kept_as_written(model: dict[str, Any], passed_through: int) -> list[Finding]:
    """What the model keeps as written because it cannot express it (the first
    ``passed_through`` resources), and the spec fields it keeps as given."""
    found = []
    for i, resource in enumerate(model.get("resources", [])[:passed_through]):
        name = "/".join(filter(None, identity(resource)[1:]))
        found.append(
            _note(
                "MG040",
                f"{resource.get('kind')} {name} is kept as written: "
                "the model cannot express all of it",
                resource_of(resource),
                f"resources[{i}]",
            )
        )
    for key, service in model.get("services", {}).items():
        for part in ("virtualService", "destinationRule"):
            fields = sorted((service.get(part) or {}).get("spec") or {})
            if fields:
                found.append(
                    _note(
                        "MG040",
                        f"field(s) {', '.join(fields)} kept as written: "
                        "the model has no form for them",
                        path=format_path(("services", key, part, "spec")),
                    )
                )
    for key, gateway in model.get("gateways", {}).items():
        fields = sorted((gateway or {}).get("spec") or {})
        if fields:
            found.append(
                _note(
                    "MG040",
                    f"field(s) {', '.join(fields)} kept as written",
                    path=format_path(("gateways", key, "spec")),
                )
            )
    return found


def _subset_items(subsets: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(subsets, dict):
        return []
    return [(name, body) for name, body in subsets.items() if isinstance(body, dict)]
