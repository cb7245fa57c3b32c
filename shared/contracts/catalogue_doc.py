"""The event catalogue (docs/events.md) and the JSON Schemas (shared/contracts/schemas/), generated.

Both are derived from the contract models and the topic registry, never edited by hand:

    python -m shared.contracts.catalogue_doc --write   # regenerate after changing a contract
    python -m shared.contracts.catalogue_doc --check   # exit 1 if anything is out of date

`schemas/` holds exactly the JSON Schema of each *current* model (`<type>.v<N>.schema.json`); the
wire shape of older versions is kept by their golden examples in `golden/`.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .catalogue import MESSAGE_TYPES, UPCASTERS, current_version
from .topics import ALL_TOPICS, Topic
from .wire import CONTENT_TYPE

CONTRACTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = CONTRACTS_DIR.parents[1]
DOC_PATH = REPO_ROOT / "docs" / "events.md"
SCHEMAS_DIR = CONTRACTS_DIR / "schemas"
GOLDEN_DIR = CONTRACTS_DIR / "golden"
WRITE_COMMAND = "python -m shared.contracts.catalogue_doc --write"


def schema_filename(type_name: str, version: int) -> str:
    return f"{type_name}.v{version}.schema.json"


def golden_filename(type_name: str, version: int) -> str:
    return f"{type_name}.v{version}.json"


def render_schema(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _docstring(model: type[BaseModel]) -> str:
    # Not inspect.getdoc: an undocumented model must not borrow its base class's docstring.
    doc = model.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if doc else "_No docstring._"


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    ref = schema.get("$ref")
    if ref is None:
        return None, schema
    name = ref.rsplit("/", 1)[-1]
    return name, defs[name]


def _type(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    name, target = _resolve(schema, defs)
    if "anyOf" in target:
        return " or ".join(_type(option, defs) for option in target["anyOf"])
    if "const" in target:
        return f"`{json.dumps(target['const'], ensure_ascii=False)}`"
    if "enum" in target:
        return f"string enum `{name}`" if name else "string enum"
    if "properties" in target:
        return f"object `{name}`" if name else "object"
    kind = target.get("type", "any")
    if kind == "array" and "items" in target:
        return f"array of {_type(target['items'], defs)}"
    if kind == "object" and isinstance(target.get("additionalProperties"), dict):
        return f"object with {_type(target['additionalProperties'], defs)} values"
    if "format" in target:
        return f"{kind} ({target['format']})"
    return str(kind)


_CONSTRAINTS = {
    "minLength": "min length {}",
    "maxLength": "max length {}",
    "pattern": "pattern `{}`",
    "minimum": "≥ {}",
    "exclusiveMinimum": "> {}",
    "maximum": "≤ {}",
    "exclusiveMaximum": "< {}",
}


def _description(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    _, target = _resolve(schema, defs)
    parts = []
    text = schema.get("description") or target.get("description")
    if text:
        parts.append(text)
    if "enum" in target:
        parts.append("One of " + ", ".join(f"`{value}`" for value in target["enum"]) + ".")
    constraints = [fmt.format(target[key]) for key, fmt in _CONSTRAINTS.items() if key in target]
    if constraints:
        parts.append("Constraints: " + ", ".join(constraints) + ".")
    if "const" in target:
        parts.append("Always this value; written on every message.")
    elif "default" in schema:
        parts.append(f"Default: `{json.dumps(schema['default'], ensure_ascii=False)}`.")
    return " ".join(parts)


def _object_schema(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """The nested object model a field holds (directly or as the non-null option), if any."""
    options = schema.get("anyOf", [schema])
    for option in options:
        name, target = _resolve(option, defs)
        if "properties" in target:
            return name, target
    return None, None


def _item_schema(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:
    """The object model each item of a list field holds (directly or as the non-null option), if any."""
    for option in schema.get("anyOf", [schema]):
        _, target = _resolve(option, defs)
        if target.get("type") == "array" and isinstance(target.get("items"), dict):
            return _object_schema(target["items"], defs)
    return None, None


def _field_rows(
    schema: dict[str, Any], defs: dict[str, Any], prefix: str = "", seen: tuple[str, ...] = ()
) -> Iterator[tuple[str, str, str, str]]:
    required = set(schema.get("required", ()))
    for name, field in schema.get("properties", {}).items():
        dotted = f"{prefix}{name}"
        yield dotted, _type(field, defs), "yes" if name in required else "no", _description(field, defs)
        nested_name, nested = _object_schema(field, defs)
        if nested is not None and nested_name not in seen:
            yield from _field_rows(nested, defs, f"{dotted}.", (*seen, nested_name or ""))
        item_name, item = _item_schema(field, defs)
        if item is not None and item_name not in seen:  # a list of objects: each item's fields, `name[].field`
            yield from _field_rows(item, defs, f"{dotted}[].", (*seen, item_name or ""))


def _fields_table(model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    lines = ["| Field | Type | Required | Description |", "| --- | --- | --- | --- |"]
    for name, kind, required, description in _field_rows(schema, defs):
        lines.append(f"| `{name}` | {_cell(kind)} | {required} | {_cell(description)} |")
    return lines


def _message_section(type_name: str, heading: str = "####") -> list[str]:
    model = MESSAGE_TYPES[type_name]
    version = current_version(model)
    upcast_from = sorted(v for (t, v) in UPCASTERS if t == type_name)
    lines = [
        f"{heading} `{type_name}`",
        "",
        f"- Model: `{model.__module__}.{model.__qualname__}`",
        f"- Current `schema_version`: {version}",
        "- Older versions upcast on read: "
        + (", ".join(f"v{v} → v{v + 1}" for v in upcast_from) if upcast_from else "none"),
        f"- JSON Schema: [`{schema_filename(type_name, version)}`]"
        f"(../shared/contracts/schemas/{schema_filename(type_name, version)})",
        f"- Example: [`{golden_filename(type_name, version)}`]"
        f"(../shared/contracts/golden/{golden_filename(type_name, version)})",
        "",
        _docstring(model),
        "",
        *_fields_table(model),
        "",
    ]
    return lines


def _topic_section(topic: Topic) -> list[str]:
    lines = [
        f"### `{topic.name}`",
        "",
        topic.description,
        "",
        f"- Key: {topic.key}",
        f"- Written by: {topic.producer or 'nobody yet'}",
        "- Read by: " + (", ".join(f"`{c}`" for c in topic.consumers) or "no service (dashboards and operators)"),
        f"- Partitions: {topic.partitions}",
        f"- Cleanup policy: `{topic.cleanup.value}`",
        "- Personal data: "
        + ("yes (dead letters from it are published without their value)" if topic.personal_data else "no"),
        "- Config: " + ", ".join(f"`{k}={v}`" for k, v in sorted(topic.config().items())),
        "",
    ]
    if not topic.event_types:
        lines += ["Carries no contract messages.", ""]
    for type_name in topic.event_types:
        if type_name in MESSAGE_TYPES:
            lines += _message_section(type_name)
        else:
            lines += [f"#### `{type_name}`", "", "**Not in the message catalogue.**", ""]
    return lines


_BINDING = [
    ("`ce_id`", "The message id: `event_id` for integration events. Same id, same message."),
    ("`ce_type`", "The message's `type`, e.g. `complaints.intake.ComplaintRegistered`."),
    ("`ce_source`", "The publisher, e.g. `/intake`."),
    ("`ce_time`", "When it happened (RFC 3339): `occurred_at` for integration events."),
    ("`ce_specversion`", "`1.0`"),
    ("`ce_schemaversion`", "The message's `schema_version`, as a decimal string."),
    ("`content-type`", f"`{CONTENT_TYPE}`"),
]


def _binding_section() -> list[str]:
    return [
        "## CloudEvents binding",
        "",
        "Every message is a CloudEvent in the Kafka protocol binding's binary content mode (`shared.contracts.wire`).",
        "",
        "| Header | Value |",
        "| --- | --- |",
        *(f"| {header} | {_cell(value)} |" for header, value in _BINDING),
        "",
        '- Value: the message as JSON (`model.model_dump(mode="json")`), including `type` and `schema_version`.',
        "- Key: the topic's key (see each topic); for integration events the complaint id, so one "
        "complaint's events share a partition and stay in order.",
        "- Office registrations also carry the `ce_officeid`, `ce_signingkey` and `ce_signature` extensions "
        "(see `OfficeRegistrationSubmitted`).",
        "- Readers decode with `decode_message`, which upcasts older `schema_version`s to the current "
        "model and raises `MalformedMessage` for anything it cannot read.",
        "",
    ]


def render() -> str:
    """The event catalogue as Markdown (docs/events.md)."""
    lines = [
        "# Event catalogue",
        "",
        f"<!-- Generated by `{WRITE_COMMAND}`; do not edit by hand. -->",
        "",
        "Every message the system puts on Kafka, by topic. The contracts live in `shared/contracts/`; "
        "topics in `shared/contracts/topics.py`.",
        "",
        "## Who writes and who reads",
        "",
        "Each topic has one author: a service's outbox relay publishes what that service decided, and the "
        "others read it from there (they never decide it again).",
        "",
        "| Topic | Written by | Read by |",
        "| --- | --- | --- |",
        *(f"| `{t.name}` | {_cell(t.producer)} | {', '.join(t.consumers) or '—'} |" for t in ALL_TOPICS),
        "",
        "## Topics",
        "",
    ]
    for topic in ALL_TOPICS:
        lines += _topic_section(topic)
    on_topics = {type_name for topic in ALL_TOPICS for type_name in topic.event_types}
    off_topic = [type_name for type_name in MESSAGE_TYPES if type_name not in on_topics]
    lines += ["## Message types on no topic", ""]
    if off_topic:
        for type_name in off_topic:
            lines += _message_section(type_name, heading="###")
    else:
        lines += ["None: every message type is carried by a topic.", ""]
    lines += _binding_section()
    return "\n".join(lines).rstrip("\n") + "\n"


# --- Files ---------------------------------------------------------------------------------------


def expected_files() -> dict[Path, str]:
    """Every generated file and the content it should have."""
    files = {DOC_PATH: render()}
    for type_name, model in MESSAGE_TYPES.items():
        files[SCHEMAS_DIR / schema_filename(type_name, current_version(model))] = render_schema(model)
    return files


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


def outdated() -> list[str]:
    """What differs from what would be generated: one line per file; empty when all is up to date."""
    problems = []
    expected = expected_files()
    for path, content in expected.items():
        if not path.exists():
            problems.append(f"{_relative(path)} is missing")
        elif path.read_text(encoding="utf-8") != content:
            problems.append(f"{_relative(path)} is out of date")
    if SCHEMAS_DIR.exists():
        for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
            if path not in expected:
                problems.append(f"{_relative(path)} is not the schema of any current model")
    return problems


def write() -> list[Path]:
    """Regenerate every file; remove schema files of no current model. Returns what changed."""
    changed = []
    expected = expected_files()
    for path, content in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", newline="\n")
            changed.append(path)
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        if path not in expected:
            path.unlink()
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate docs/events.md and the schemas")
    mode.add_argument("--check", action="store_true", help="exit 1 if any generated file is out of date")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            print(f"wrote {_relative(path)}" if path.exists() else f"removed {_relative(path)}")
        return 0
    if args.check:
        problems = outdated()
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print(f"Run `{WRITE_COMMAND}` and commit the result.", file=sys.stderr)
            return 1
        print("event catalogue and schemas are up to date")
        return 0
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
