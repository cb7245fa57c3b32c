"""Search over complaints (`GET /complaints?q=`): the terms (pure), and the read side's index on
SQLite and PostgreSQL through the HTTP API, with the API's tenancy and personal-data rules."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import opencc
import pytest
from eventsourcing.cryptography import AESCipher
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from services.projection import bootstrap
from services.projection.domain.search import MAX_QUERY_TERMS, document_terms, facility_asks, query_terms
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from shared.contracts.facilities import FACILITIES
from shared.keyring import Keyring
from shared.personal import open_form, seal_form
from tests.projection.scenario import Scenario, build
from tests.projection.support import feed
from tests.support import write_keys


def found(query: str, **fields: Any) -> bool:
    """The read side's rule in memory: every query term is among the document's terms."""
    doc = document_terms(
        complaint_id=fields.get("complaint_id", "0" * 8 + "-0000-0000-0000-" + "0" * 12),
        office_reference=fields.get("reference"),
        texts=fields.get("texts", ()),
        name=fields.get("name"),
        contact=fields.get("contact"),
        unit=fields.get("unit"),
    )
    asked = query_terms(query)
    every_word = bool(asked.words) and all(
        set(term.public) & doc.public
        or set(term.personal) & (doc.personal | doc.public)
        or any(all(set(group) & doc.public for group in groups) for groups in term.together)
        for term in asked.words
    )
    return every_word or bool(set(asked.phone) & doc.personal)


# -- the terms (pure) --------------------------------------------------------------------------


def test_a_phone_is_found_however_it_is_typed() -> None:
    for typed in ("+852 9123 4567", "91234567", "9123 4567", "9123-4567", "(852) 9123-4567", "85291234567"):
        assert found(typed, contact="+852 9123 4567"), typed
    assert not found("9123 4568", contact="+852 9123 4567")


def test_chinese_is_found_by_characters_and_pairs_and_mixed_with_english() -> None:
    text = "大堂升降機壞咗\uff0clift 成日停"
    for typed in ("升降機", "升降", "壞", "lift", "LIFT 升降機", "升降機壞咗"):
        assert found(typed, texts=[text]), typed
    assert not found("電話", texts=[text])
    assert not found("降升", texts=[text])  # a pair that is not in the text


def test_chinese_is_found_whichever_script_the_query_is_typed_in() -> None:
    traditional, simplified = "大堂電梯壞咗\uff0c裏面有人", "地下停车场的灯坏了"
    for typed in ("电梯", "電梯", "电梯坏", "里面", "裡面", "裏面", "大堂电梯"):
        assert found(typed, texts=[traditional]), typed
    for typed in ("停車場", "停车场", "燈壞", "灯"):
        assert found(typed, texts=[simplified]), typed
    assert not found("电话", texts=[traditional])  # a variant is the same word, not a neighbour's
    assert not found("梯電", texts=[traditional])


hanzi = st.text(alphabet=st.sampled_from("電梯壞停車場業主樓層漏水燈裏發現東"), min_size=2, max_size=12)


@given(text=hanzi, start=st.integers(min_value=0, max_value=11), size=st.integers(min_value=1, max_value=5))
def test_any_part_of_a_traditional_text_typed_in_simplified_finds_it(text: str, start: int, size: int) -> None:
    part = text[start % len(text) :][:size]
    assert found(str(opencc.OpenCC("t2s").convert(part)), texts=[text]), part


def test_an_english_word_is_found_by_its_other_forms() -> None:
    text = "The lifts stopped again; water leaking from the ceiling"
    for typed in ("lift", "lifts", "stop", "stopping", "stopped", "leak", "leaks", "ceilings", "lift leak"):
        assert found(typed, texts=[text]), typed
    assert not found("lifted water", texts=["the lift was fixed"])  # every word still must be found
    assert not found("life", texts=[text])  # a neighbour's spelling, not a form of the word


@given(
    stem=st.sampled_from(["lift", "leak", "pump", "clean", "repair", "complain", "park", "charge"]),
    written=st.sampled_from(["", "s", "ed", "ing"]),
    typed=st.sampled_from(["", "s", "ed", "ing"]),
)
def test_any_form_of_a_word_finds_any_other(stem: str, written: str, typed: str) -> None:
    def form(ending: str) -> str:  # "charge" + "ed" is "charged"
        return stem[:-1] + ending if stem.endswith("e") and ending[:1] in ("e", "i") else stem + ending

    assert found(form(typed), texts=[f"the {form(written)} today"]), (form(typed), form(written))


def test_a_facility_is_found_by_any_of_its_words_in_any_script() -> None:
    """The vocabulary of facilities triage keys incidents by (shared/contracts/facilities.py)."""
    cases = {
        "𨋢壞咗\uff0c成日停": ("lift", "elevators", "電梯", "电梯", "升降機", "lift door"),
        "大堂升降機又壞": ("lift", "elevator", "𨋢", "電梯", "Lifts"),
        "The car park gate is broken": ("停車場", "停车场", "車場", "parking", "carpark"),
        "地庫停車場好黑": ("car park", "carpark", "parking", "車位"),
        "No parking spaces left for visitors": ("停車場", "car park", "泊車"),
        "全座停電三個鐘": ("power cut", "blackout", "power", "停电", "electricity"),
        "A blackout on the 12th floor": ("停電", "冇電", "power outage"),
        "食水有陣怪味": ("water supply", "tap water", "停水"),
        "the water supply stopped at noon": ("食水", "冇水", "自來水", "no water"),
        "走廊嘅火警鐘響個不停": ("fire alarm", "smoke detector", "消防"),
        "the air-con drips": ("冷氣", "空調", "aircon"),
    }
    for text, queries in cases.items():
        for typed in queries:
            assert found(typed, texts=[text]), (typed, text)
    assert not found("lift", texts=["地庫停車場好黑"])  # one facility's words, not another's
    assert not found("parking", texts=["大堂升降機又壞"])
    assert not found("電梯 corridor", texts=["大堂升降機又壞"])  # every word still must be found
    assert found("大堂電梯", texts=["大堂升降機又壞"])  # the facility's pairs ask for it, 大堂 for itself
    assert not found("走廊電梯", texts=["大堂升降機又壞"])
    assert not found("car", texts=["地庫停車場好黑"])  # "car" alone names no facility
    assert found("消防", texts=["the fire door is locked"])  # "fire door": both words found together
    assert not found("消防", texts=["the door is locked"])


def _written(word: str, script: str, plural: bool) -> str:
    """A word of the vocabulary as someone writes it: Chinese in one script, English maybe plural."""
    if word.isascii():
        return word + "s" if plural and not word.endswith("s") else word
    return word if script == "s" else str(_converter(script).convert(word))


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


facility_words = st.sampled_from(FACILITIES).flatmap(
    lambda f: st.tuples(st.sampled_from(f.words), st.sampled_from(f.words))
)
scripts = st.sampled_from(["s", "s2t", "s2hk"])


@settings(deadline=None)  # the first example builds OpenCC's converters (~1 s, once a process)
@given(words=facility_words, typed_in=scripts, written_in=scripts, plural=st.booleans(), upper=st.booleans())
def test_any_word_of_a_facility_finds_a_complaint_written_with_any_other(
    words: tuple[str, str], typed_in: str, written_in: str, plural: bool, upper: bool
) -> None:
    typed, said = _written(words[0], typed_in, plural), _written(words[1], written_in, not plural)
    text = f"The {said} broke again today" if said.isascii() else f"今日{said}壞咗"
    assert found(typed.upper() if upper else typed, texts=[text]), (typed, text)


def test_a_facility_asks_for_tens_of_terms_not_hundreds() -> None:
    def size(singles: tuple[str, ...], together: tuple[tuple[tuple[str, ...], ...], ...]) -> int:
        return len(singles) + sum(len(group) for groups in together for group in groups)

    sizes = {f.name: size(*facility_asks(f.name)) for f in FACILITIES}
    assert max(sizes.values()) <= 80, sizes  # water, the largest: 44 (13 English phrases, 14 Chinese words)
    groups = {f.name: sum(map(len, facility_asks(f.name)[1])) for f in FACILITIES}
    assert max(groups.values()) <= 16, groups  # look-ups of terms found together: phrases sharing a word share one
    asked = query_terms(" ".join(["停水", "water", "supply", "冇水", "水壓", "食水", "自來水", "供水", "水泵"]))
    assert len(asked.words) == MAX_QUERY_TERMS
    assert sum(size(w.public, w.together) for w in asked.words) <= MAX_QUERY_TERMS * 90


def test_a_reference_name_unit_and_email_are_found_by_their_words() -> None:
    fields = {"reference": "HK-2026-0012", "name": "Chan Tai Man", "unit": "Block 3, 12/F, Flat B",
              "contact": "tai.man@example.hk"}  # fmt: skip
    for typed in ("HK-2026-0012", "hk 0012", "chan", "Tai Man", "block 3 flat b", "tai.man@example.hk"):
        assert found(typed, **fields), typed
    assert not found("Chan Siu Ming", **fields)
    assert not found("HK-2026-0013", **fields)
    assert found("2026-0012", **fields), "a reference's digits with a dash are its words, not only a phone"


def test_personal_terms_are_kept_apart_from_the_public_ones() -> None:
    doc = document_terms(complaint_id="x", office_reference="R-1", texts=["water leak"], name="Wong",
                         contact="+852 9000 1111", unit="Tower 5")  # fmt: skip
    assert {"wong", "90001111", "tower"} <= doc.personal
    assert not {"wong", "90001111", "tower", "5"} & doc.public
    assert {"water", "leak", "r", "1"} <= doc.public


def test_a_query_is_bounded() -> None:
    assert len(query_terms(" ".join(f"w{i}" for i in range(50))).words) == 8
    assert not query_terms("   ")
    assert not query_terms("!!! ---")


words = st.text(alphabet=st.sampled_from("abcxyz019大堂升降機停水電"), min_size=1, max_size=6)


@given(
    description=st.lists(words, min_size=1, max_size=8),
    name=st.lists(words, min_size=1, max_size=3),
    digits=st.text(alphabet="0123456789", min_size=8, max_size=8),
    picks=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=3),
    separator=st.sampled_from([" ", "-", ""]),
)
def test_any_words_of_a_complaint_and_its_phone_find_it(description, name, digits, picks, separator) -> None:
    fields = {"texts": [" ".join(description)], "name": " ".join(name), "contact": f"+852 {digits}"}
    pool = description + name
    assert found(" ".join(pool[i % len(pool)] for i in picks), **fields)
    assert found(digits[:4] + separator + digits[4:], **fields)


# -- the read side, through the API -----------------------------------------------------------

PEOPLE = [
    ("Chan Tai Man", "+852 9123 4567", "Block 3, 12/F, Flat B", "大堂升降機壞咗\uff0clift 成日停"),
    ("Wong Siu Ming", "wong.sm@example.hk", "Tower 5, 2/F", "Rubbish left in the corridor by the fire door for days"),
    ("李小明", "138 0013 8000", "深圳 7栋 1201", "停车场的灯坏了"),
]


def seeded(run: str) -> Scenario:
    scenario = build(run, offices=("hk-central", "kln-east"), per_office=6, seed=3)
    for i, story in enumerate(scenario.stories):
        if story.office_id == "hk-central" and i < len(PEOPLE):
            story.contact = PEOPLE[i][1]
            story.quote = PEOPLE[i][3]
    return scenario


def install_people(events: list[Any], scenario: Scenario, keyring: Keyring) -> list[Any]:
    """The scenario's registrations carry one name and unit; give the first three their own, sealed
    through the keyring as intake seals them (docs/privacy.md)."""
    names = {str(s.complaint_id): PEOPLE[i] for i, s in enumerate(scenario.stories[: len(PEOPLE)])
             if s.office_id == "hk-central"}  # fmt: skip
    out = []
    for event in events:
        person = names.get(str(getattr(event, "complaint_id", "")))
        if person and event.type.endswith("ComplaintRegistered"):
            clear = open_form(event.payload.form, None)
            clear = clear.model_copy(
                update={
                    "complainant": clear.complainant.model_copy(update={"name": person[0]}),
                    "unit_address": person[2],
                }
            )
            form = seal_form(clear, keyring, scenario.now)
            event = event.model_copy(update={"payload": event.payload.model_copy(update={"form": form})})
        out.append(event)
    return out


@pytest.fixture
def api(request: pytest.FixtureRequest, store_settings: dict[str, Any]) -> Any:
    extra = {"cipher_key": AESCipher.create_key(32)} if getattr(request, "param", None) == "cipher" else {}
    folder: Path = store_settings["state_dir"]
    settings = ProjectionSettings(**store_settings, keys_file=folder / "keys.json", **extra)
    keys = write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    scenario = seeded("search")
    assert app.keyring is not None
    feed(app, install_people(scenario.events(), scenario, app.keyring))
    with TestClient(create_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client, keys, scenario, app, settings
    app.close()


def search(client: TestClient, keys: dict[str, str], actor: str, q: str, **params: Any) -> dict[str, Any]:
    answer = client.get("/complaints", params={"q": q, **params}, headers={"X-Office-Key": keys[actor]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def refs(body: dict[str, Any]) -> list[str]:
    return [i["office_reference"] for i in body["items"]]


def test_an_office_finds_its_complaints_by_reference_name_phone_unit_and_text(api) -> None:
    client, keys, scenario, _, _ = api
    first, second, third = (s.reference for s in scenario.stories[:3])
    reception = "hk-central/reception"
    assert refs(search(client, keys, reception, first)) == [first]
    assert refs(search(client, keys, reception, first.rsplit("-", 1)[1] + " " + "hk-central")) == [first]
    # a sealed complainant is found through the keyring's blind index: an exact phone or e-mail, a
    # whole name, a whole unit, or both; no word of theirs is in the read side, so a part finds nothing
    assert refs(search(client, keys, reception, "Chan Tai Man Block 3, 12/F, Flat B")) == [first]
    assert refs(search(client, keys, reception, "chan  TAI man")) == [first]
    assert refs(search(client, keys, reception, "block 3, 12/F, flat b")) == [first]
    assert search(client, keys, reception, "chan tai")["total"] == 0
    assert refs(search(client, keys, reception, "9123 4567")) == [first]
    assert refs(search(client, keys, reception, "+852 9123-4567")) == [first]
    assert search(client, keys, reception, "+852 9123 4567")["total"] == 1  # the page's total agrees
    assert refs(search(client, keys, reception, "升降機")) == [first]
    assert refs(search(client, keys, reception, "升降机")) == [first]  # typed in the other script
    assert refs(search(client, keys, reception, "Wong.SM@example.hk")) == [second]
    assert refs(search(client, keys, reception, "corridor rubbish")) == [second]
    assert refs(search(client, keys, reception, "corridors")) == [second]  # another form of its word
    assert refs(search(client, keys, reception, "13800138000")) == [third]
    assert refs(search(client, keys, reception, "李小明 深圳 7栋 1201")) == [third]
    assert refs(search(client, keys, reception, "李小明")) == [third]
    assert refs(search(client, keys, reception, "停车场")) == [third]
    assert refs(search(client, keys, reception, "停車場")) == [third]
    assert search(client, keys, reception, "corridor lift")["total"] == 0  # every word must be found
    # a facility by any of its words (shared/contracts/facilities.py), in any script: the first's
    # 升降機 and lift by 電梯, the second's "fire door" by 消防 (both words found together), the
    # third's 停车场 by "car park" (with every complaint about parking: "parking issue")
    assert refs(search(client, keys, reception, "電梯")) == [first]
    assert refs(search(client, keys, reception, "elevators")) == [first]
    assert refs(search(client, keys, reception, "消防")) == [second]
    assert refs(search(client, keys, reception, "fire alarm rubbish")) == [second]
    parking = {s.reference for s in scenario.stories if s.office_id == "hk-central" and s.area == "parking"}
    assert set(refs(search(client, keys, reception, "car park"))) == {third} | parking
    assert search(client, keys, reception, "電梯 corridor")["total"] == 0


def test_search_keeps_tenancy_and_personal_data_rules_and_pages(api) -> None:
    client, keys, scenario, _, _ = api
    first = scenario.stories[0]
    # another office finds nothing of hk-central's, by any field
    for q in (first.reference, "chan", "9123 4567", "升降機"):
        assert search(client, keys, "kln-east/reception", q)["total"] == 0, q
    # the group finds it by what it may see, not by the complainant's name or phone
    assert refs(search(client, keys, "group/dashboard", first.reference)) == [first.reference]
    assert refs(search(client, keys, "group/dashboard", "升降機")) == [first.reference]
    assert search(client, keys, "group/dashboard", "chan tai man")["total"] == 0
    assert search(client, keys, "group/dashboard", "9123 4567")["total"] == 0
    assert search(client, keys, "group/auditor", "9123 4567")["total"] == 0  # auditors need no personal data
    # bounded and paginated as every list: a word every complaint of the office has
    everyone = [s.reference for s in scenario.stories if s.office_id == "hk-central"]
    pages = [search(client, keys, "hk-central/reception", "fix", limit=4, offset=o) for o in (0, 4)]
    assert pages[0]["total"] == len(everyone)
    assert sorted(refs(pages[0]) + refs(pages[1])) == sorted(everyone)
    assert (
        client.get(
            "/complaints", params={"q": "x" * 201}, headers={"X-Office-Key": keys["hk-central/reception"]}
        ).status_code
        == 422
    )


@pytest.mark.parametrize("api", ["cipher"], indirect=True)
def test_with_a_cipher_the_terms_are_keyed_hashes_and_search_still_finds(api) -> None:
    client, keys, scenario, app, _ = api
    for q in ("Chan Tai Man Block 3, 12/F, Flat B", "9123-4567", "升降機", "電梯"):
        assert refs(search(client, keys, "hk-central/reception", q)) == [scenario.stories[0].reference], q
    assert refs(search(client, keys, "hk-central/reception", "消防")) == [scenario.stories[1].reference]
    with app.read.db.transaction(write=False) as cursor:
        stored = {r["term"] for r in cursor.all("SELECT term FROM projection_search")}
    assert stored and not stored & {"chan", "91234567", "lift", "升降"}


def test_a_store_from_before_search_is_indexed_once_at_start(api) -> None:
    client, keys, scenario, app, settings = api
    with app.read.db.transaction(write=True) as cursor:
        cursor.execute("DELETE FROM projection_search")
        cursor.execute("DELETE FROM projection_position WHERE name = 'search-terms'")
    assert search(client, keys, "hk-central/reception", "升降機")["total"] == 0
    again = bootstrap.application(settings)
    try:
        with TestClient(create_app(settings, app_instance=again, clock=lambda: scenario.now)) as fresh:
            assert refs(search(fresh, keys, "hk-central/reception", "升降機")) == [scenario.stories[0].reference]
            assert refs(search(fresh, keys, "hk-central/reception", "9123 4567")) == [scenario.stories[0].reference]
    finally:
        again.close()
