"""Derive small, strict JSON schemas for kubeconform from custom resource definitions (CRDs).

    python deploy/helm/crd-schemas/derive.py --crd <CRD.yaml>... --rendered <helm template output>...

For each kind of the CRDs that the rendered chart uses, writes `<group>/<kind>_<version>.json`
(kubeconform's `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`): the CRD's own
`openAPIV3Schema` for that version, descriptions dropped, and its `properties` kept only along the
paths the chart uses — each such object closed (`additionalProperties: false`), so a field the CRD
does not have, a wrong type, a value outside an enum or pattern, or a missing required field still
fails. A field the chart starts to use must be derived again (the test then names it as not allowed).
The full CRDs are large (Strimzi's Kafka: 330 kB); these hold what the chart needs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

Usage = dict[str, "Usage"]


def usage_of(value: Any, into: Usage | None = None) -> Usage:
    """The tree of keys `value` uses (lists: their items' union under '[]')."""
    into = {} if into is None else into
    if isinstance(value, dict):
        for key, inner in value.items():
            usage_of(inner, into.setdefault(key, {}))
    elif isinstance(value, list):
        for item in value:
            usage_of(item, into.setdefault("[]", {}))
    return into


def without_descriptions(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: without_descriptions(v) for k, v in schema.items() if k != "description"}
    if isinstance(schema, list):
        return [without_descriptions(v) for v in schema]
    return schema


def pruned(schema: dict[str, Any], usage: Usage) -> dict[str, Any]:
    out = {k: without_descriptions(v) for k, v in schema.items() if k not in {"description", "properties", "items"}}
    if "properties" in schema:
        out["properties"] = {
            key: pruned(schema["properties"][key], inner)
            for key, inner in sorted(usage.items())
            if key in schema["properties"]
        }
        if "additionalProperties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    if "items" in schema:
        out["items"] = pruned(schema["items"], usage.get("[]", {}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crd", nargs="+", type=Path, required=True)
    parser.add_argument("--rendered", nargs="+", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()

    used: dict[tuple[str, str], Usage] = {}
    for rendered in args.rendered:
        for document in yaml.safe_load_all(rendered.read_text()):
            if document:
                usage_of(document, used.setdefault((document["apiVersion"], document["kind"]), {}))
    for crd_file in args.crd:
        crd = yaml.safe_load(crd_file.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            usage = used.get((f"{group}/{version['name']}", kind))
            if usage is None:
                continue
            schema = pruned(version["schema"]["openAPIV3Schema"], usage)
            schema["properties"]["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
            schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
            target = args.out / group / f"{kind.lower()}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            print(f"{target}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
