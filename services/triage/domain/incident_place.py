"""The incident key: what complaints about "the same incident" share (DOMAIN.md, readings): the
place — the building, or the whole estate for estate-wide facilities — and the facility or utility.

    德福花园/block 3|lift        the lifts of Block 3 (any flat, any floor, any office, either script)
    telford gardens|car-park     the estate's car park
    德福花园|power               the estate's main power supply ("全屋苑停電")

Each key comes with its explanation in the complaint's words, and says what it could not do: an
estate written only in English and one written only in Chinese cannot be matched by name (names are
not translated), and an address that names no estate is keyed on the office that recorded it.

Names are never guessed across languages; the rules may *declare* them (`[incidents.estate_names]`,
e.g. `"Telford Gardens" = "德福花園"`): a declared name is read as the estate it names, versioned
with the rules like every other fact a decision relies on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .facilities import Scope, facility_of
from .places import Address, parse_address
from .script import canonical


@dataclass(frozen=True)
class IncidentPlace:
    key: str
    reason: str
    address: Address


@lru_cache(maxsize=16)
def _declared(table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The rules' estate names in canonical form: each written name -> the estate's one name."""
    names = {canonical(written): canonical(estate) for written, estate in table}
    names.update({estate: estate for estate in list(names.values())})
    return names


def incident_place(
    form: dict[str, Any], business_area: str, office_id: str, estate_names: Mapping[str, str] | None = None
) -> IncidentPlace:
    address = parse_address(str(form.get("unit_address", "")))
    declared = _declared(tuple(sorted((estate_names or {}).items())))
    notes: list[str] = []
    if address.estate in declared:
        if declared[address.estate] != address.estate:
            notes.append(f"'{address.estate}' is '{declared[address.estate]}' by the rules' estate names")
        address = replace(address, estate=declared[address.estate])
    elif address.name_script in ("english", "chinese"):
        other = "Chinese" if address.name_script == "english" else "English"
        notes.append(
            f"the estate is named in {address.name_script.capitalize()} only: complaints naming it in {other} "
            "cannot be matched by name and are counted apart (no estate names declared for it in the rules)"
        )
    if address.site:
        site = address.site
        where = f"estate '{site}'"
    else:
        site = f"office {office_id}"
        where = f"the estate of office {office_id} (the address names no estate)"
    found = facility_of(form)
    if found is None:
        thing = f"area:{business_area}"
        what = f"no facility named, so its business area {business_area}"
        scope = Scope.BUILDING
    else:
        thing = found.facility.name
        what = f"facility {thing} ('{found.words}' in the {found.field})"
        scope = found.scope
    if scope is Scope.ESTATE:
        key = f"{site}|{thing}"
        why_scope = f"estate-wide ('{found.scope_words}')" if found and found.scope_words else "an estate-wide facility"
        place = f"the whole of {where}, {why_scope}"
    elif address.building:
        key = f"{site}/block {address.building}|{thing}"
        place = f"block {address.building} of {where}"
    else:
        key = f"{site}|{thing}"
        place = f"{where} (no block named)"
    reason = f"incident '{key}': {place}; {what}" + "".join(f"; {n}" for n in notes)
    return IncidentPlace(key, reason, address)
