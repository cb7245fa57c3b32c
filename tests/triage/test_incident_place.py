"""The incident key (pure domain, no I/O): the building (or the estate for estate-wide facilities)
and the facility, from addresses in English or Chinese order, in Traditional or Simplified."""

from __future__ import annotations

import pytest

from services.triage.domain.facilities import facility_of
from services.triage.domain.incident_place import incident_place
from services.triage.domain.places import parse_address


def key(address: str, obj: str, description: str = "", area: str = "electromechanical", office: str = "hk") -> str:
    return incident_place({"unit_address": address, "object": obj, "description": description}, area, office).key


@pytest.mark.parametrize(
    ("address", "estate", "building", "floor", "flat"),
    [
        ("Flat B, 12/F, Block 3, Telford Gardens", "telford gardens", "3", "12", "b"),
        ("Telford Gardens Blk 3 12/F Flat B, Kowloon Bay", "telford gardens", "3", "12", "b"),
        ("Rm 1203, 12th Floor, Tower 2, Laguna City, 8 Cha Kwo Ling Road, Kwun Tong", "laguna city", "2", "12", "1203"),
        ("九龍灣德福花園3座12樓B室", "德福花园", "3", "12", "b"),
        ("香港九龍灣德福花園第三座十二樓B室", "德福花园", "3", "12", "b"),
        ("德福花园 3 座 12 楼 B 室", "德福花园", "3", "12", "b"),
        ("深圳市南山区XX花园3栋1201", "xx花园", "3", "12", "1"),
        ("深圳市南山區XX花園3棟12樓01室", "xx花园", "3", "12", "1"),
        ("Flat B, 12/F, Block 3, 德福花園", "德福花园", "3", "12", "b"),
        # A district inside a name stays (it is removed only as a part of its own).
        ("Building 8, Unit 1203, Futian Park, Futian District, Shenzhen", "futian park", "8", "", "1203"),
        # A district before a word that only names a kind of place is the estate's own name (found on
        # `make up`: 福田花园 read as 花园, so every "<district>花园" was one estate).
        ("福田花园2栋1503室", "福田花园", "2", "15", "3"),
        ("深圳市福田区福田花园2栋1503室", "福田花园", "2", "15", "3"),
        ("沙田第一城12座5樓A室", "沙田第一城", "12", "5", "a"),
        ("深圳市福田区景田花园2栋1503室", "景田花园", "2", "15", "3"),
    ],
)
def test_addresses_in_either_order_and_script_are_read_alike(
    address: str, estate: str, building: str, floor: str, flat: str
) -> None:
    parsed = parse_address(address)
    assert (parsed.estate, parsed.building, parsed.floor, parsed.flat) == (estate, building, floor, flat)


def test_five_lift_complaints_in_block_3_and_one_in_block_12_are_two_incidents() -> None:
    block_3 = {
        key(f"Flat {f}, {n}/F, Block 3, Telford Gardens", "Lifts", "Both lifts broken") for n, f in enumerate("ABCDE")
    }
    block_12 = key("Flat A, 2/F, Block 12, Telford Gardens", "Lift", "The lift is out of order")
    assert block_3 == {"telford gardens/block 3|lift"}
    assert block_12 == "telford gardens/block 12|lift"


def test_one_building_in_english_and_chinese_order_is_one_key() -> None:
    english = key("Flat B, 12/F, Block 3, 德福花園", "Lift", "The lift is broken again")
    chinese = key("九龍灣德福花園3座12樓A室", "𨋢", "部𨋢又壞咗")
    simplified = key("德福花园3栋5楼C室", "电梯", "电梯坏了")
    assert english == chinese == simplified == "德福花园/block 3|lift"


def test_traditional_and_simplified_estate_names_are_one_estate() -> None:
    traditional = key("深圳市南山區海景花園3棟1201", "電梯", "電梯壞了")
    simplified = key("深圳市南山区海景花园3栋1502", "电梯", "电梯坏了")
    assert traditional == simplified == "海景花园/block 3|lift"


def test_spacing_and_case_do_not_split_an_estate() -> None:
    assert key("Flat C, 20/F, Block 2,  HARBOUR view  Gardens", "Lift") == key(
        "Flat A, 3/F, Block 2, Harbour View Gardens", "lifts"
    )


def test_an_english_name_and_a_chinese_name_are_not_matched_and_the_reason_says_so() -> None:
    english = incident_place({"unit_address": "Flat B, 12/F, Block 3, Telford Gardens", "object": "Lift"}, "x", "hk")
    chinese = incident_place({"unit_address": "德福花園3座12樓B室", "object": "電梯"}, "x", "hk")
    assert english.key != chinese.key
    assert "named in English only" in english.reason and "cannot be matched by name" in english.reason
    assert "named in Chinese only" in chinese.reason


def test_estate_wide_facilities_are_keyed_on_the_estate_building_facilities_on_the_building() -> None:
    # The estate's car park and gate are the estate's, whichever block the complainant lives in.
    assert key("Flat A, Block 3, Telford Gardens", "Car park") == key("Flat B, Block 12, Telford Gardens", "carpark")
    assert key("Flat A, Block 3, Telford Gardens", "Car park") == "telford gardens|car-park"
    assert key("德福花園3座12樓B室", "大閘", "大閘壞咗") == "德福花园|gate"
    # Power: one block's outage is the block's; the main supply of the whole estate is the estate's.
    assert key("Flat A, Block 3, Telford Gardens", "Power", "No electricity in our flat") == (
        "telford gardens/block 3|power"
    )
    assert key("Flat A, Block 3, Telford Gardens", "Power", "The whole estate has no power") == (
        "telford gardens|power"
    )
    assert key("德福花园3栋", "停电", "全屋苑停電") == "德福花园|power"


def test_without_a_facility_the_business_area_and_without_an_estate_the_office_keys_it() -> None:
    reached = incident_place({"unit_address": "Flat A, 3/F", "object": "Staff attitude"}, "staff", "kln-east")
    assert reached.key == "office kln-east|area:staff"
    assert "names no estate" in reached.reason and "no facility named" in reached.reason


@pytest.mark.parametrize(
    ("obj", "description", "facility"),
    [
        ("Lifts", "", "lift"),
        ("elevator", "", "lift"),
        ("𨋢", "", "lift"),
        ("電梯", "", "lift"),
        ("电梯", "", "lift"),
        ("Flat", "冇水已經兩日", "water"),
        ("Flat", "停水", "water"),
        ("Flat", "no water since morning", "water"),
        ("停電", "", "power"),
        ("停电", "", "power"),
        ("Blackout", "", "power"),
        ("Fire alarm", "", "fire-safety"),
        ("煤氣", "", "gas"),
        ("Drains", "blocked and smelly", "drainage"),
        # The object (what is complained about) wins over the description's other words.
        ("Lift", "the lift stopped during a power cut", "lift"),
    ],
)
def test_the_facility_comes_from_the_complaints_own_words(obj: str, description: str, facility: str) -> None:
    found = facility_of({"object": obj, "description": description})
    assert found is not None and found.facility.name == facility


def test_the_facility_is_quoted_as_the_complainant_wrote_it() -> None:
    found = facility_of({"object": "部𨋢又壞咗"})
    assert found is not None and found.words == "𨋢"


def test_an_estate_name_declared_in_the_rules_joins_the_english_and_chinese_names() -> None:
    names = {"Telford Gardens": "德福花園"}
    english = incident_place(
        {"unit_address": "Flat B, 12/F, Block 3, Telford Gardens", "object": "Lift"}, "x", "hk", names
    )
    chinese = incident_place({"unit_address": "九龍灣德福花園3座12樓B室", "object": "𨋢"}, "x", "hk", names)
    assert english.key == chinese.key == "德福花园/block 3|lift"
    assert "'telford gardens' is '德福花园' by the rules' estate names" in english.reason
    assert "cannot be matched" not in english.reason + chinese.reason
    # Another estate is still not guessed.
    other = incident_place({"unit_address": "Block 3, Laguna City", "object": "Lift"}, "x", "hk", names)
    assert "cannot be matched by name" in other.reason


def test_gardens_named_after_two_districts_are_two_estates_not_one_incident() -> None:
    futian = key("福田花园2栋1503室", "电梯", "电梯坏了")
    nanshan = key("南山花园2栋801室", "电梯", "电梯坏了")
    assert futian == "福田花园/block 2|lift" and nanshan == "南山花园/block 2|lift"
