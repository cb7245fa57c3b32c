"""Every message type the system puts on Kafka, its current version, and how older versions upcast.

A consumer reads any version ever published: `decode` upcasts old data step by step
(v1 -> v2 -> ...) before validating it against the current model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from . import (
    deadletter,
    directory,
    followup,
    handling,
    hotline,
    intake,
    notifications,
    privacy,
    projection,
    sla,
    triage,
)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _message_models(*modules: Any) -> dict[str, type[BaseModel]]:
    """Every model of the modules that names its own type: the messages (payloads name none)."""
    found: dict[str, type[BaseModel]] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
                field = value.model_fields.get("type")
                if field is not None and isinstance(field.default, str):
                    found[field.default] = value
    return found


MESSAGE_TYPES: dict[str, type[BaseModel]] = _message_models(
    intake, triage, handling, sla, followup, notifications, deadletter, hotline, projection, directory, privacy
)

# (type, from_version) -> function turning that version's JSON into the next version's JSON.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("complaints.bus.DeadLetter", 1): deadletter.upcast_v1_v2,
    ("complaints.bus.DeadLetter", 2): deadletter.upcast_v2_v3,
    ("complaints.intake.ComplaintRegistered", 1): intake.upcast_registered_v1_v2,
    ("complaints.hotline.ComplaintReported", 1): hotline.upcast_reported_v1_v2,
}


class UnknownMessageType(ValueError):
    pass


class UnsupportedVersion(ValueError):
    pass


def current_version(model: type[BaseModel]) -> int:
    return int(model.model_fields["schema_version"].default)


def decode(type_name: str, data: dict[str, Any]) -> BaseModel:
    """Validate `data` as the current model of `type_name`, upcasting older versions first."""
    try:
        model = MESSAGE_TYPES[type_name]
    except KeyError:
        raise UnknownMessageType(f"unknown message type {type_name!r}") from None
    target = current_version(model)
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UnsupportedVersion(f"{type_name}: schema_version must be a whole number >= 1, not {version!r}")
    if version > target:
        raise UnsupportedVersion(f"{type_name} v{version} is newer than this reader's v{target}; upgrade the reader")
    while version < target:
        try:
            upcast = UPCASTERS[(type_name, version)]
        except KeyError:
            raise UnsupportedVersion(f"{type_name}: no upcaster from v{version}") from None
        data = upcast(data) | {"schema_version": version + 1}
        version += 1
    return model.model_validate(data)
