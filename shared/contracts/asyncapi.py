"""The AsyncAPI 3 document of every channel (docs/asyncapi.json), generated, never edited by hand.

Built from the same two sources as the event catalogue: the topic registry (`topics.py`: each
channel's address, key, partitions, clean-up, writer and readers) and the contract models (each
message's JSON Schema, its CloudEvents headers in Kafka's binary mode). A test keeps the file true
and validates it with the AsyncAPI parser (`deploy/asyncapi/validate.sh`).

    python -m shared.contracts.asyncapi --write   # regenerate after changing a contract or topic
    python -m shared.contracts.asyncapi --check   # exit 1 if docs/asyncapi.json is out of date

Each model's nested definitions go to `components.schemas` (pydantic's `$defs` would not resolve
inside an AsyncAPI document); a name two models define differently is an error, not a silent pick.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from .catalogue import MESSAGE_TYPES, current_version
from .catalogue_doc import REPO_ROOT, _docstring
from .topics import ALL_TOPICS, Topic
from .wire import CONTENT_TYPE

DOC_PATH = REPO_ROOT / "docs" / "asyncapi.json"
WRITE_COMMAND = "python -m shared.contracts.asyncapi --write"
KAFKA_BINDING_VERSION = "0.5.0"
SCHEMA_REF = "#/components/schemas/{model}"
RELAY_POSITION = "RelayPosition"  # the positions topic carries no contract: a notification id as text


def channel_id(topic: Topic) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", topic.name)


def message_id(type_name: str) -> str:
    return type_name.replace(".", "-")


def _headers(type_name: str | None) -> dict[str, Any]:
    """The CloudEvents attributes a message carries as Kafka headers (binary content mode)."""
    if type_name is None:
        return {"type": "object", "description": "No headers: a plain record written in the relay's transaction."}
    return {
        "type": "object",
        "required": ["ce_id", "ce_type", "ce_source", "ce_specversion"],
        "properties": {
            "ce_id": {"type": "string", "description": "The message id: `event_id` for integration events."},
            "ce_type": {"type": "string", "const": type_name},
            "ce_source": {"type": "string", "description": "The publisher, e.g. `/intake`."},
            "ce_time": {"type": "string", "format": "date-time", "description": "When it happened."},
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_schemaversion": {"type": "string", "description": "The message's schema_version, in decimal."},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
        },
    }


def _payload(type_name: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's schema, its nested definitions moved into `schemas` (components.schemas)."""
    schema = MESSAGE_TYPES[type_name].model_json_schema(ref_template=SCHEMA_REF)
    for name, definition in schema.pop("$defs", {}).items():
        if name in schemas and schemas[name] != definition:
            raise ValueError(f"two contracts define the schema {name!r} differently; rename one")
        schemas[name] = definition
    return schema


def _message(type_name: str, topic: Topic, schemas: dict[str, Any]) -> dict[str, Any]:
    model = MESSAGE_TYPES[type_name]
    return {
        "name": type_name,
        "title": model.__name__,
        "summary": _docstring(model).split("\n\n", 1)[0].replace("\n", " "),
        "contentType": CONTENT_TYPE,
        "headers": _headers(type_name),
        "payload": _payload(type_name, schemas),
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": f"The {topic.key}."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-schema-version": current_version(model),
    }


def _relay_position() -> dict[str, Any]:
    return {
        "name": RELAY_POSITION,
        "title": "Relay position",
        "summary": "A relay's last published notification id, committed with the batch it ends.",
        "contentType": "text/plain",
        "headers": _headers(None),
        "payload": {"type": "string", "pattern": "^[0-9]+$"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "service/store instance"},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _topic_configuration(topic: Topic) -> dict[str, Any]:
    config = topic.config()
    found: dict[str, Any] = {"cleanup.policy": [config["cleanup.policy"]]}
    if "retention.ms" in config:
        found["retention.ms"] = int(config["retention.ms"])
    if "retention.bytes" in config:
        found["retention.bytes"] = int(config["retention.bytes"])
    return found


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic in the registry."""
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        cid = channel_id(topic)
        names = [message_id(t) for t in topic.event_types] or [RELAY_POSITION]
        for type_name in topic.event_types:
            messages[message_id(type_name)] = _message(type_name, topic, schemas)
        if not topic.event_types:
            messages[RELAY_POSITION] = _relay_position()
        personal = " Its messages can name a complainant (personal data)." if topic.personal_data else ""
        channels[cid] = {
            "address": topic.name,
            "title": topic.name,
            "description": f"{topic.description}{personal} Key: {topic.key}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
            "bindings": {
                "kafka": {
                    "topic": topic.name,
                    "partitions": topic.partitions,
                    "topicConfiguration": _topic_configuration(topic),
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        refs = [{"$ref": f"#/channels/{cid}/messages/{name}"} for name in names]
        operations[f"{cid}.send"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "title": f"Written by {topic.producer}",
            "summary": f"{topic.producer} writes {topic.name}.",
            "messages": refs,
        }
        for consumer in topic.consumers:
            operations[f"{cid}.receive.{consumer}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{cid}"},
                "title": f"Read by {consumer}",
                "summary": f"{consumer}'s worker reads {topic.name} (tracked consumer, group {consumer}).",
                "messages": refs,
            }
    return {
        "asyncapi": "3.1.0",
        "info": {
            "title": "Customer-complaint handling: integration events",
            "version": "1.0.0",
            "description": (
                f"Generated by `{WRITE_COMMAND}` from shared/contracts (do not edit). Every message is a "
                "CloudEvent in Kafka's binary content mode, keyed so that one complaint's events stay in "
                "order; docs/events.md is the readable catalogue of the same contracts."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "production": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "docker-compose.yml's broker (KAFKA_BOOTSTRAP_SERVERS).",
            },
            "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "`make up`'s broker."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False) + "\n"


def outdated(path: Path = DOC_PATH) -> list[str]:
    if not path.exists():
        return [f"{path.relative_to(REPO_ROOT)} is missing"]
    return [] if path.read_text(encoding="utf-8") == render() else [f"{path.relative_to(REPO_ROOT)} is out of date"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate docs/asyncapi.json")
    mode.add_argument("--check", action="store_true", help="exit 1 if docs/asyncapi.json is out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = outdated()
        if problems:
            print("\n".join(problems), f"Run `{WRITE_COMMAND}` and commit the result.", sep="\n", file=sys.stderr)
            return 1
        print("docs/asyncapi.json is up to date")
        return 0
    content = render()
    if args.write:
        if not DOC_PATH.exists() or DOC_PATH.read_text(encoding="utf-8") != content:
            DOC_PATH.write_text(content, encoding="utf-8", newline="\n")
            print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}")
        return 0
    sys.stdout.write(content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
