"""The staff directory read from a JSON file (`NOTIFIER_DIRECTORY_FILE`), until administration
becomes events (issue 14, item 5) and the directory a projection of them."""

from __future__ import annotations

import json
from pathlib import Path

from ..domain.directory import Directory


def load_directory(path: Path) -> Directory:
    return Directory.model_validate(json.loads(path.read_text(encoding="utf-8")))
