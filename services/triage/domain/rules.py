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

from .evidence import Cues, PhraseList
from .spelling import Speller, speller_of
from .text import phrase_tokens

BUNDLED_RULES = Path(__file__).resolve().parents[1] / "rules.toml"

# The seeds (and real web text) sometimes carry pinyin glosses inside Chinese words: 環(huán)境
_PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,8}\)")


def load_rules_file(path: Path = BUNDLED_RULES) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def normalise_text(text: str) -> str:
    """Lower-cased, without pinyin glosses (addresses; complaint texts go through `text.Text`)."""
    return _PINYIN_GLOSS.sub("", text.lower())


def _english_words(data: Any) -> set[str]:
    """Every English word written in the rules' phrases (the strings in their lists, and the words
    the abbreviations stand for), lower-cased."""
    if isinstance(data, dict):
        return {
            w for key, value in data.items() if key not in ("cantonese", "homophones") for w in _english_words(value)
        }
    if isinstance(data, list):
        return {w for item in data for w in _english_words(item)}
    if isinstance(data, str):
        return set(_ENGLISH_WORD.findall(data.lower()))
    return set()


_ENGLISH_WORD = re.compile(r"[a-z]+")


# The lists each major criterion is judged by (engine.judge_severity).
MAJOR_LISTS = {
    "promised-service-repeated": (
        "promise",
        "repeated",
        "customer",
        "company",
        "said",
        "fixed",
        "occasions",
        "ordinal",
        "occasion",
        "others",
        "forbidden",
        "later",
        "sameness",
        "waited_in",
    ),
    "injury-or-loss": (
        "harm",
        "bites",
        "insects",
        "damage",
        "belongings",
        "gone",
        "counted_harm",
        "treated",
        "seen_to",
        "accident",
        "past",
        "settled",
        "luck",
        "slight",
        "owner",
        "passive",
        "take",
        "falls",
        "objects",
    ),
    "sudden-outage": (
        "every",
        "outage",
        "stopped",
        "large_scale",
        "units",
        "all_equipment",
        "not_utility",
        "telecoms",
        "announced",
        "future_day",
        "coming",
        "future",
        "building",
        "totality",
        "out_after",
        "partial",
    ),
    "mass-incident": ("joint", "people", "crowd", "affected", "together", "writing", "dwellings"),
    "unresolved-week": (
        "duration",
        "unresolved",
        "arrival",
        "not_yet",
        "days",
        "weeks",
        "months",
        "reported",
        "ago",
        "points",
        "resolved",
    ),
}


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

    # -- reading text ------------------------------------------------------------------------------

    @cached_property
    def cantonese(self) -> tuple[tuple[str, str], ...]:
        """Written Cantonese forms and their standard written Chinese (`[text.cantonese]`), and the
        homophones an input method offers in place of a word (`[text.homophones]`: 电悌 for 电梯, 露水
        for 漏水, 壞左 for 壞咗): one rewrite of the text, longest form first, before any phrase is looked for."""
        text = self.data.get("text", {})
        return tuple((k, str(v)) for table in ("cantonese", "homophones") for k, v in text.get(table, {}).items())

    @cached_property
    def abbreviations(self) -> tuple[tuple[str, str], ...]:
        """English words as typed in a hurry and the word they stand for (`[text.abbreviations]`)."""
        return tuple((k.lower(), str(v).lower()) for k, v in self.data.get("text", {}).get("abbreviations", {}).items())

    @cached_property
    def speller(self) -> Speller:
        """Typos read as the rules' own English words (`domain/spelling.py`): the lexicon is every
        English word written in a phrase of the rules, and the words the abbreviations stand for."""
        return speller_of(frozenset(_english_words(self.data)))

    @cached_property
    def compounds(self) -> tuple[str, ...]:
        """Words read as one before their parts (`[text] compounds`)."""
        return tuple(str(w) for w in self.data.get("text", {}).get("compounds", []))

    @cached_property
    def cues(self) -> Cues:
        text = self.data.get("text", {})
        reach = text.get("reach", {})

        def compiled(name: str) -> tuple[tuple[str, ...], ...]:
            return tuple(t for t in (phrase_tokens(p, self.cantonese) for p in text.get(name, [])) if t)

        return Cues(
            negation=compiled("negation"),
            hypothetical=compiled("hypothetical"),
            reach_words=int(reach.get("negation_words", 3)),
            reach_chars=int(reach.get("negation_chars", 3)),
            hypothetical_reach_words=int(reach.get("hypothetical_words", 4)),
            hypothetical_reach_chars=int(reach.get("hypothetical_chars", 6)),
            rhetorical=compiled("rhetorical"),
            conditional=compiled("conditional"),
            polite=compiled("polite"),
        )

    @cached_property
    def _weights(self) -> tuple[tuple[str, float], ...]:
        return tuple((k, float(v)) for k, v in self.data.get("weights", {}).items())

    def phrases(self, values: list[str], scope: str = "") -> PhraseList:
        """A phrase list with its weights: `[weights]` "phrase" applies everywhere, "scope: phrase"
        (e.g. "areas.electromechanical: lift lobby") only in that list, and wins."""
        scoped = f"{scope}: "
        weights = [(k, w) for k, w in self._weights if ": " not in k]
        weights += [(k.removeprefix(scoped), w) for k, w in self._weights if scope and k.startswith(scoped)]
        return PhraseList(tuple(values), tuple(weights), self.cantonese)

    def _lists(self, section: dict[str, Any], scope: str) -> dict[str, PhraseList]:
        return {
            name: self.phrases(value, f"{scope}.{name}") for name, value in section.items() if isinstance(value, list)
        }

    @property
    def review_below(self) -> float:
        """A judgement less sure than this goes to the supervisor's review (`[confidence]`)."""
        return float(self.data.get("confidence", {}).get("review_below", 0.6))

    # -- phrase lists --------------------------------------------------------------------------------

    # Lists under [validity] that are evidence, not a verdict triage can publish.
    VALIDITY_EVIDENCE = ("duty", "our_people")

    @cached_property
    def validity(self) -> dict[str, PhraseList]:
        lists = self._lists(self.data["validity"], "validity")
        for name in ("invalid", "assisted", *self.VALIDITY_EVIDENCE):
            lists.setdefault(name, self.phrases([]))
        return lists

    @cached_property
    def validity_reading(self) -> dict[str, PhraseList]:
        """Jurisdiction read by clause (`domain/jurisdiction.py`): public places, being pushed there,
        bodies that only speak, what names us, a neighbour's private dealings, nuisances we govern."""
        return self._lists(self.data["validity"].get("reading", {}), "validity.reading")

    @cached_property
    def outside(self) -> dict[str, PhraseList]:
        """Invalid by jurisdiction, per kind: municipal, developer's warranty, private disputes."""
        return self._lists(self.data["validity"].get("outside", {}), "validity.outside")

    @cached_property
    def effective(self) -> PhraseList:
        return self.phrases(self.data["nature"]["effective"], "nature.effective")

    @cached_property
    def neighbour(self) -> PhraseList:
        """A neighbour named as the source of the trouble."""
        return self.phrases(self.data["nature"].get("neighbour", []), "nature.neighbour")

    @cached_property
    def private_matter(self) -> PhraseList:
        """The owner's own flat or belongings: no duty of the company failed."""
        return self.phrases(self.data["nature"].get("private", []), "nature.private")

    @cached_property
    def communication(self) -> dict[str, PhraseList]:
        return self._lists(self.data["nature"]["communication"], "nature.communication")

    @cached_property
    def asking(self) -> dict[str, PhraseList]:
        """Who is asked to act, and to do what (`[nature.asking]`: request cues, acts, questions to
        know, someone else's words; `domain/asking.py`)."""
        return self._lists(self.data["nature"].get("asking", {}), "nature.asking")

    @property
    def default_communication_kind(self) -> str:
        return str(self.data["nature"]["communication"]["default_kind"])

    @cached_property
    def content(self) -> dict[str, PhraseList]:
        return self._lists(self.data["content"], "content")

    @cached_property
    def areas(self) -> dict[str, PhraseList]:
        return self._lists(self.data["areas"], "areas")

    @cached_property
    def facility_charges(self) -> tuple[tuple[str, ...], PhraseList]:
        """The areas whose use is charged for, and the words of a charge (`[areas.charges]`)."""
        charges = self.data["areas"].get("charges", {})
        return tuple(charges.get("facilities", [])), self.phrases(charges.get("words", []), "areas.charges.words")

    @cached_property
    def area_reading(self) -> dict[str, PhraseList]:
        """How area words are read by clause (`[areas.reading]`): a forwarding header, a neighbour who
        only asks or is heard from, 樓下 under a building's label."""
        return self._lists(self.data["areas"].get("reading", {}), "areas.reading")

    @cached_property
    def workers(self) -> PhraseList:
        """A worker named by his job (`[areas.roles] workers`): who acted, when his conduct is named."""
        return self.phrases(self.data["areas"].get("roles", {}).get("workers", []), "areas.roles.workers")

    @cached_property
    def major(self) -> dict[str, dict[str, PhraseList]]:
        """The lists of each major criterion; a list the rules do not have is empty, so rules written
        before a list existed still judge (they just never find it)."""
        found = {
            name: self._lists(lists, f"severity.major.{name}") for name, lists in self.data["severity"]["major"].items()
        }
        for criterion, names in MAJOR_LISTS.items():
            for name in names:
                found.setdefault(criterion, {}).setdefault(name, self.phrases([]))
        return found

    @cached_property
    def important(self) -> dict[str, PhraseList]:
        return self._lists(self.data["severity"]["important"], "severity.important")

    @cached_property
    def tone(self) -> dict[str, PhraseList]:
        """How the customer feels (`anger`: furious, ridiculous, 核突, 嬲): a grade only at a duty failed."""
        return self._lists(self.data["severity"].get("tone", {}), "severity.tone")

    @cached_property
    def lasting(self) -> dict[str, PhraseList]:
        """How long a failure lasted (`duration`) and what a home cannot do without (`essential`)."""
        return self._lists(self.data["severity"].get("lasting", {}), "severity.lasting")

    @cached_property
    def lapse(self) -> dict[str, PhraseList]:
        """Who guards (`guard`) and a lapse of that duty (`lapse`): asleep, away from the post."""
        return self._lists(self.data["severity"].get("lapse", {}), "severity.lapse")

    @cached_property
    def exposure(self) -> dict[str, PhraseList]:
        """Personal data made known: a datum and a way it reached others, in one clause."""
        return self._lists(self.data["severity"].get("exposure", {}), "severity.exposure")

    @cached_property
    def trapped(self) -> dict[str, PhraseList]:
        """Someone shut in (`stuck`) where people are carried (`enclosure`: a lift), in one clause."""
        return self._lists(self.data["severity"].get("trapped", {}), "severity.trapped")

    @cached_property
    def escalation(self) -> dict[str, PhraseList]:
        """Taking the complaint further (`threat`: the press, a councillor, a lawyer): very angry."""
        return self._lists(self.data["severity"].get("escalation", {}), "severity.escalation")

    @cached_property
    def danger(self) -> dict[str, PhraseList]:
        """Water (`wet`) reaching electrics (`electric`) in one clause: a danger to people."""
        return self._lists(self.data["severity"].get("danger", {}), "severity.danger")

    @cached_property
    def possible_major(self) -> dict[str, PhraseList]:
        """Weak signs of a major complaint: not enough to grade it, enough to ask a supervisor."""
        return self._lists(self.data["severity"].get("possible-major", {}), "severity.possible-major")

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
