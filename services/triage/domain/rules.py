"""The triage rules as a value: phrases, categories, routing and severity triggers, with a version.

The data lives in `services/triage/rules.toml`; the RulesBook aggregate records each adopted version,
so the rules a decision used are always the version it names.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

BUNDLED_RULES = Path(__file__).resolve().parents[1] / "rules.toml"

_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff]")
# The seeds (and real web text) sometimes carry pinyin glosses inside Chinese words: 環(huán)境
_PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\)")


def load_rules_file(path: Path = BUNDLED_RULES) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def normalise_text(text: str) -> str:
    return _PINYIN_GLOSS.sub("", text.lower())


@dataclass(frozen=True)
class PhraseList:
    """Phrases matched case-insensitively: English on word boundaries, Chinese anywhere."""

    phrases: tuple[str, ...]

    @cached_property
    def _patterns(self) -> list[tuple[str, re.Pattern[str] | None]]:
        compiled: list[tuple[str, re.Pattern[str] | None]] = []
        for phrase in self.phrases:
            lowered = phrase.lower()
            if _CJK.search(lowered):
                compiled.append((lowered, None))
            else:
                compiled.append((lowered, re.compile(rf"(?<![a-z0-9]){re.escape(lowered)}(?![a-z0-9])")))
        return compiled

    @cached_property
    def _any(self) -> re.Pattern[str]:
        """One pattern for the whole list: most texts match no phrase of most lists, so this cheap
        first look saves testing each phrase."""
        alternatives = [re.escape(phrase) if pattern is None else pattern.pattern for phrase, pattern in self._patterns]
        return re.compile("|".join(alternatives) or r"(?!x)x")

    def hits(self, normalised_text: str) -> list[str]:
        if not self._any.search(normalised_text):
            return []
        found = []
        for phrase, pattern in self._patterns:
            if (pattern is None and phrase in normalised_text) or (
                pattern is not None and pattern.search(normalised_text)
            ):
                found.append(phrase)
        return found


def _lists(section: dict[str, Any]) -> dict[str, PhraseList]:
    return {name: PhraseList(tuple(value)) for name, value in section.items() if isinstance(value, list)}


@dataclass(frozen=True)
class Recipient:
    role: str
    office: bool  # the complaint's office's person, or a group-level one


@dataclass(frozen=True)
class Rules:
    version: int
    data: dict[str, Any]

    def rule(self, name: str) -> str:
        """A rule's name with the version, as decisions cite it: 'severity.major.sudden-outage@v3'."""
        return f"{name}@v{self.version}"

    # -- history and incidents ---------------------------------------------------------------------

    @property
    def recent_history(self) -> int:
        return int(self.data["history"]["recent"])

    @property
    def flag_invalid_at(self) -> int:
        return int(self.data["history"]["flag_invalid_at"])

    @property
    def incident_window_minutes(self) -> int:
        return int(self.data["incidents"]["window_minutes"])

    @property
    def incident_more_than(self) -> int:
        return int(self.data["incidents"]["more_than"])

    # -- phrase lists --------------------------------------------------------------------------------

    @cached_property
    def validity(self) -> dict[str, PhraseList]:
        return _lists(self.data["validity"])

    @cached_property
    def effective(self) -> PhraseList:
        return PhraseList(tuple(self.data["nature"]["effective"]))

    @cached_property
    def communication(self) -> dict[str, PhraseList]:
        return _lists(self.data["nature"]["communication"])

    @property
    def default_communication_kind(self) -> str:
        return str(self.data["nature"]["communication"]["default_kind"])

    @cached_property
    def content(self) -> dict[str, PhraseList]:
        return _lists(self.data["content"])

    @cached_property
    def areas(self) -> dict[str, PhraseList]:
        return _lists(self.data["areas"])

    @cached_property
    def major(self) -> dict[str, dict[str, PhraseList]]:
        return {name: _lists(lists) for name, lists in self.data["severity"]["major"].items()}

    @cached_property
    def important(self) -> dict[str, PhraseList]:
        return _lists(self.data["severity"]["important"])

    # -- routing and escalation ----------------------------------------------------------------------

    def department_for(self, office_id: str, area: str) -> tuple[str, str]:
        """The responsible department, and where it came from ('office kln-east' or 'group')."""
        routing = self.data["routing"]
        office_table = routing.get("offices", {}).get(office_id, {})
        if area in office_table:
            return office_table[area], f"office {office_id}"
        return routing["group"].get(area, routing["default_department"]), "group"

    def first_responsible(self, department: str) -> str:
        return str(self.data["routing"]["first_responsible"].get(department, f"{department} duty officer"))

    @property
    def major_recipients(self) -> list[Recipient]:
        return [Recipient(r["role"], bool(r["office"])) for r in self.data["escalation"]["major"]]
