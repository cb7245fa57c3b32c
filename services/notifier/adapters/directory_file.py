"""The notifier's directory file (`NOTIFIER_DIRECTORY_FILE`): its webhook endpoints (infrastructure:
addresses and secrets), and, only where the file lists staff itself (tests, a system without the
directory service), the staff; otherwise the staff are the directory service's events
(adapters/directory_events.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..domain.directory import Directory, Endpoint


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_directory(path: Path) -> Directory:
    return Directory.model_validate(read(path))


def lists_staff(data: dict[str, Any]) -> bool:
    return bool(data.get("staff"))


def endpoints(data: dict[str, Any]) -> dict[str, Endpoint]:
    return {name: Endpoint.model_validate(value) for name, value in (data.get("endpoints") or {}).items()}
