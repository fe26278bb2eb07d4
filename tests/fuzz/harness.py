"""One fuzz entry point over everything that reads input: decode, validate, model, render,
CRDs, render banners, explain and import.

The only exceptions allowed out are meshgen's own (MeshgenError); validation must not
raise at all, since every problem is a finding.

    python tests/fuzz/harness.py [libFuzzer options]   # coverage-guided, with atheris
"""

from __future__ import annotations

import contextlib
import sys


def one_input(data: bytes) -> None:
    from meshgen import yamlio
    from meshgen.banner import source_of
    from meshgen.errors import MeshgenError
    from meshgen.explanation import Request, explain
    from meshgen.importing import import_manifests
    from meshgen.model.load import parse_model
    from meshgen.rendering import render_loaded
    from meshgen.validation.crds import schemas_from_crds
    from meshgen.validation.validate import validate_text

    try:
        text = yamlio.decode(data, "fuzz.yaml")
    except MeshgenError:
        return
    validate_text(text, "fuzz.yaml")
    source_of(text)
    with contextlib.suppress(MeshgenError):
        render_loaded(parse_model(text, "fuzz.yaml"))
    with contextlib.suppress(MeshgenError):
        schemas_from_crds(text, "fuzz.yaml")
    try:
        documents = yamlio.load_all(text, "fuzz.yaml")
    except MeshgenError:
        return
    with contextlib.suppress(MeshgenError):
        explain(documents, Request(host="a", gateway="mesh"))
    import_manifests(documents)


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["meshgen"]):
        import meshgen.model.load
        import meshgen.rendering
        import meshgen.validation.validate  # noqa: F401
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
