"""Integration events on Kafka as CloudEvents (Kafka protocol binding, binary content mode).

Headers carry the CloudEvent attributes (`ce_id`, `ce_type`, `ce_source`, `ce_time`, ...); the value
is the event as JSON; the key is the complaint id (or the topic's key), so one complaint's events
share a partition and stay in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from pydantic import BaseModel

from .catalogue import decode

_FORMAT = JSONFormat()
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class WireMessage:
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        for header_name, value in self.headers:
            if header_name == name:
                return value.decode("utf-8", errors="replace")
        return None


class MalformedMessage(ValueError):
    """The bytes are not a CloudEvent we can read (missing headers, bad JSON, wrong schema)."""


def encode(
    message: BaseModel,
    *,
    key: str | None,
    source: str,
    event_id: str,
    time: Any = None,
    extensions: dict[str, str] | None = None,
) -> WireMessage:
    data = message.model_dump(mode="json")
    attributes: dict[str, Any] = {
        "id": event_id,
        "source": source,
        "type": data["type"],
        "specversion": "1.0",
        "datacontenttype": CONTENT_TYPE,
        "schemaversion": str(data["schema_version"]),
    }
    if time is not None:
        attributes["time"] = time
    if extensions:
        attributes |= extensions
    event = CloudEvent(attributes=attributes, data=data)
    kafka_message = ce_kafka.to_binary(event, _FORMAT, key_mapper=lambda _: key)
    return WireMessage(
        key=key.encode() if key is not None else None,
        value=kafka_message.value,
        headers=list(kafka_message.headers.items()),
    )


def decode_message(message: WireMessage) -> BaseModel:
    """Turn a Kafka record back into its contract model (upcast if old). Raises MalformedMessage."""
    type_name = message.header("ce_type")
    if type_name is None:
        raise MalformedMessage("missing ce_type header: not a CloudEvent in binary mode")
    try:
        data = json.loads(message.value)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedMessage(f"value is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise MalformedMessage("value is not a JSON object")
    try:
        return decode(type_name, data)
    except ValueError as error:  # pydantic.ValidationError and our own errors are ValueErrors
        raise MalformedMessage(f"{type_name}: {error}") from error
