"""Reading complaints as owners write them: negation and hypotheticals, written Cantonese, Simplified
Chinese, English inflection, paraphrases, jurisdiction, weighted topics, confidence and review flags.
Pure: the rules engine only, no store, no broker."""

from __future__ import annotations

import pytest

from services.triage.domain.engine import History, judge
from services.triage.domain.rules import Rules, load_rules_file
from services.triage.domain.text import Text, phrase_tokens
from shared.contracts.triage import ComplaintTriagedPayload
from tests.triage.reading_support import RULES, judged

# --- negation and hypotheticals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Part of the ceiling fell in the lobby last night, luckily nobody was hurt.",
        "The gate slammed shut; no one got injured this time.",
        "天花跌咗落嚟,好彩冇人受傷。",
        "天花板掉了下来,幸好没有人受伤。",
    ],
)
def test_a_negated_injury_is_not_an_injury_and_says_what_it_set_aside(text: str) -> None:
    judgement = judged(text)
    assert "major.injury-or-loss" not in judgement.severity_criteria
    assert "negated by" in judgement.explanations["severity"].reason


@pytest.mark.parametrize(
    "text",
    [
        "The handrail is loose, fix it before someone gets hurt.",
        "Put up a sign in case anyone slips on the wet floor.",
        "扶手鬆咗,萬一有人跌倒點算?",
        "楼梯扶手松了,以免有人摔倒,请尽快修。",
    ],
)
def test_a_hypothetical_injury_is_a_hazard_flagged_for_review_not_a_major(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "important"
    assert "important.hazard" in judgement.severity_criteria
    assert judgement.needs_review
    assert any(r.startswith("severity: possibly major") for r in judgement.review)


def test_an_injury_outside_the_negation_still_counts() -> None:
    judgement = judged("Nobody came to fix the broken step and my father tripped and cut his hand, 5 stitches.")
    assert judgement.severity == "major"
    assert judgement.severity_criteria[0] == "major.injury-or-loss"
    assert "'tripped and cut'" in judgement.explanations["severity"].reason


# --- injuries and losses in the owners' words ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "My son cut his hand on the broken gate, 5 stitches at A&E.",
        "I slipped on the wet ramp and twisted my ankle.",
        "我仔喺大堂跌親,縫咗四針。",
        "我儿子在大堂摔了一跤,缝了4针。",
    ],
)
def test_injuries_as_owners_describe_them_are_major(text: str) -> None:
    judgement = judged(text)
    assert (judgement.severity, judgement.severity_criteria[0]) == ("major", "major.injury-or-loss")


# --- written Cantonese and Simplified Chinese --------------------------------------------------------------


def test_written_cantonese_forms_read_as_standard_chinese() -> None:
    text = Text("𨋢壞咗,冇水", RULES.cantonese)
    assert phrase_tokens("電梯壞了") in text
    assert phrase_tokens("沒有水") in text
    assert phrase_tokens("电梯坏了") in text  # and in Simplified too: both fold to one form


def test_a_decision_quotes_the_cantonese_the_owner_wrote() -> None:
    judgement = judged("成座大廈冇水,𨋢又壞咗")
    assert judgement.severity == "major"
    assert "'冇水'" in judgement.explanations["severity"].reason
    assert "'成座'" in judgement.explanations["severity"].reason


@pytest.mark.parametrize(
    ("text", "area", "severity"),
    [
        ("整栋楼突然停电,电梯全部停了。", "electromechanical", "major"),
        ("保安员态度恶劣,骂我,我非常生气。", "staff", "important"),
        ("垃圾房很脏,有老鼠和蟑螂。", "sanitation", "minor"),
        ("这个月的物业费多收了,要求退款。", "finance", "minor"),
    ],
)
def test_simplified_chinese_is_read_by_the_same_rules(text: str, area: str, severity: str) -> None:
    judgement = judged(text)
    assert (judgement.business_area, judgement.severity) == (area, severity)


# --- English inflection ----------------------------------------------------------------------------------


def test_plurals_and_tenses_match_their_stem() -> None:
    assert judged("Rats everywhere near the bins.").business_area == "sanitation"
    assert judged("Both lifts are out of order.").business_area == "electromechanical"
    assert judged("The cleaners skipped our floor and it stinks.").business_area == "sanitation"


def test_an_exact_phrase_is_not_stemmed_into_an_address() -> None:
    # "=blocked" is written exact: "Block 3" is an address, not a blockage.
    assert judged("I am fed up with the noise in the garden.", obj="Block 3").business_area == "public-facilities"


# --- paraphrases of the major criteria ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "criterion"),
    [
        ("12 households jointly complain that the lobby door does not lock.", "major.mass-incident"),
        ("Twenty of us residents signed a letter about the drunk night guard.", "major.mass-incident"),
        ("我哋二十幾戶聯名投訴垃圾房好臭。", "major.mass-incident"),
        ("The whole block has no water since noon.", "major.sudden-outage"),
        ("All three lifts in Tower 2 stopped at the same time.", "major.sudden-outage"),
        ("He said he'd come tomorrow to fix the leak, again, and nobody came.", "major.promised-service-repeated"),
        ("The leak in the lobby: he said he'd come tomorrow, again.", "major.promised-service-repeated"),
        ("師傅話星期二嚟整,又冇嚟,已經第三次。", "major.promised-service-repeated"),
        ("I reported the seepage two weeks ago and it is still not fixed.", "major.unresolved-week"),
    ],
)
def test_paraphrased_major_criteria(text: str, criterion: str) -> None:
    judgement = judged(text)
    assert (judgement.severity, judgement.severity_criteria[0]) == ("major", criterion)


def test_five_households_are_not_more_than_five_and_a_flat_number_is_no_count() -> None:
    assert "major.mass-incident" not in judged("5 households complain about the smell.").severity_criteria
    assert judged("12樓B戶門口的燈一閃一閃").severity == "minor"


@pytest.mark.parametrize(
    "text",
    [
        "Can we reserve the party room for 25 people next Friday?",
        "我哋想訂會所宴會廳,大概三十個人,幾錢?",
        "我们想借多功能厅开会,40人左右,怎么预约?",
        "A hiking club of 30 people walked through the podium garden.",
    ],
)
def test_a_count_of_people_in_a_booking_or_a_party_is_no_mass_incident(text: str) -> None:
    assert "major.mass-incident" not in judged(text).severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "Lift stopped between floors, 8 people trapped inside for an hour.",
        "會所餐廳食物有問題,二十幾個人食完肚痛。",
        "停水一整天,三十多人受影响。",
    ],
)
def test_a_count_of_people_said_to_be_affected_is_a_mass_incident(text: str) -> None:
    assert "major.mass-incident" in judged(text).severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "The receptionist hung up on me when I asked about my repair.",
        "The guard was yelling at my elderly father in the lobby.",
        "個保安黑口黑面,仲呼呼喝喝,好冇禮貌。",
        "前台職員講講下收我線。",
        "保安对着我大吼大叫,很没礼貌。",
        "客服把电话挂了,态度非常差。",
    ],
)
def test_poor_attitude_as_it_is_written_is_important(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "important"
    assert "important.angry-at-negligence" in judgement.severity_criteria


@pytest.mark.parametrize(
    "text",
    [
        "Water dept will suspend supply on Saturday for mains work, what hours?",
        "水務署聽日會停水,幾點開始?",
        "供电局下周将停电检修,具体几点?",
    ],
)
def test_a_cut_yet_to_come_is_no_outage(text: str) -> None:
    judgement = judged(text)
    assert judgement.severity == "minor"
    assert judgement.nature != "effective"


def test_a_joint_complaint_names_the_mass_incident_first_even_with_a_harm() -> None:
    judgement = judged("Ten households jointly complain: the pool water gave our kids rashes.")
    assert judgement.severity_criteria[:2] == ["major.mass-incident", "major.injury-or-loss"]


def test_a_cut_now_is_still_an_outage_on_a_weekday() -> None:
    assert judged("Since Saturday morning the whole block has no water.").severity == "major"
    assert judged("星期六成座停晒水。").severity == "major"
    assert judged("星期六會所停晒電,成座會所冇電。").nature == "effective"  # 會所 is the clubhouse, no future
    assert judged("將軍澳嘅屋苑星期日成座停水。").severity == "major"


def test_personal_data_made_public_seriously_affects_and_a_dent_is_a_loss() -> None:
    assert judged("Someone posted my name and arrears in the residents' chat group.").severity == "important"
    assert judged("有人喺群組公開了我嘅電話同單位,洩露私隱。").severity == "important"
    assert judged("停車場閘桿突然落嚟,車頭撞凹咗。").severity_criteria[0] == "major.injury-or-loss"


def test_vague_scale_is_flagged_not_graded() -> None:
    judgement = judged("No water since this morning, many households on our floor are affected.")
    assert judgement.severity != "major"
    assert judgement.needs_review
    assert "possibly major" in judgement.review[-1] or any("possibly major" in r for r in judgement.review)


# --- validity: jurisdiction --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The street lamp on the public road outside our estate is broken.", "municipal"),
        ("小区门口外面市政道路的路灯坏了。", "municipal"),
        ("Bathroom tiles cracked three months after handover, is this the developer's warranty?", "developer-warranty"),
        ("隔籬屋借咗我五千蚊唔還,管理處要幫我追。", "private-dispute"),
    ],
)
def test_matters_outside_the_company_are_invalid_and_say_whose_they_are(text: str, kind: str) -> None:
    judgement = judged(text)
    assert (judgement.validity, judgement.severity) == ("invalid", "minor")
    assert f"({kind}:" in judgement.explanations["validity"].reason


def test_the_company_s_own_failure_outweighs_a_mention_of_the_weather() -> None:
    judgement = judged(
        "Before the typhoon the management office never tied down the scaffolding and it fell on my car."
    )
    assert judgement.validity == "valid"


# --- nature: a duty failed, or communication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "nature", "kind"),
    [
        ("The plumber promised to come on Tuesday and never showed up.", "effective", None),
        ("The night guard was asleep on duty again.", "effective", None),
        ("想問下申請裝修要交咩文件?", "communication", "consultation"),
        ("我把自己锁在门外了,能不能帮我找个开锁师傅", "communication", "help-seeking"),
        ("楼上小孩放学就跑来跑去,烦死了", "communication", "venting"),
    ],
)
def test_nature(text: str, nature: str, kind: str | None) -> None:
    judgement = judged(text)
    assert (judgement.nature, judgement.communication_kind) == (nature, kind)


# --- business area by weighted evidence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The cleaner never cleans the lobby glass, we pay the management fee for this??",
        "清潔工成日都唔抹大堂玻璃,我哋交咁多管理費都係咁?",
        "保洁从来不擦大堂玻璃,我们交这么多物业费就这样?",
    ],
)
def test_a_cleaning_complaint_that_mentions_the_fee_is_sanitation(text: str) -> None:
    judgement = judged(text)
    assert judgement.business_area == "sanitation"
    assert "over" in judgement.explanations["category"].reason  # it says what it weighed against


def test_an_overcharge_is_finance() -> None:
    assert judged("I was charged twice for the management fee, please refund.").business_area == "finance"


@pytest.mark.parametrize(
    "text",
    [
        "The street lamp on the public road outside our estate is broken.",
        "The government rates went up again, the office should get them lowered for us.",
        "今年政府的房产税怎么这么贵?物业应该帮我们减。",
    ],
)
def test_an_invalid_complaint_takes_no_business_area_of_ours_and_says_what_it_was_about(text: str) -> None:
    judgement = judged(text)
    assert (judgement.validity, judgement.business_area) == ("invalid", "other")
    assert "it is about" in judgement.explanations["category"].reason


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("Is there visitor parking for my guests this weekend?", "parking"),  # not the visitor (safety)
        ("訪客泊車要唔要登記車牌?", "parking"),
        ("今年大堂的圣诞装饰太寒酸了", "public-facilities"),  # a festive decoration, not a renovation
        ("The christmas decorations in the podium are tatty.", "public-facilities"),
    ],
)
def test_the_longest_phrase_owns_its_words_across_areas(text: str, area: str) -> None:
    assert judged(text).business_area == area


@pytest.mark.parametrize(
    "text",
    [
        "The guard at the car park entrance fell asleep on duty again.",
        "停車場入口個保安又瞓著咗",
        "保安晚上在大堂柜台大声聊天",
    ],
)
def test_a_guard_s_conduct_is_staff_not_security(text: str) -> None:
    assert judged(text).business_area == "staff"


def test_the_words_that_say_what_failed_name_the_area_not_the_thing_it_happened_in() -> None:
    judgement = judged("The lift in Block 2 smells of urine again.", obj="Lift")
    assert judgement.business_area == "sanitation"
    assert "over electromechanical" in judgement.explanations["category"].reason


def test_refused_is_no_refuse_room() -> None:
    assert judged("Smoke and fire in the refuse room!").business_area == "safety"
    assert judged("The refuse room on 3/F is overflowing.").business_area == "sanitation"
    assert judged("The cleaner refused to mop the lobby.").business_area == "sanitation"


# --- confidence and review ---------------------------------------------------------------------------------


def test_every_label_has_a_confidence_and_a_clear_complaint_needs_no_review() -> None:
    judgement = judged("The whole building has had a power failure since 7 pm and all lifts stopped.")
    assert set(judgement.confidence) == {"validity", "nature", "category", "severity"}
    assert all(0.6 <= c <= 1 for c in judgement.confidence.values())
    assert not judgement.needs_review


def test_a_complaint_with_nothing_to_go_on_is_flagged_with_the_reason() -> None:
    judgement = judged("Hello.")
    assert judgement.needs_review
    assert any(r.startswith("nature:") for r in judgement.review)
    assert any(r.startswith("business area:") for r in judgement.review)


def test_the_published_decision_carries_confidence_and_review_and_old_ones_still_read() -> None:
    fields = ComplaintTriagedPayload.model_fields
    assert fields["needs_review"].default is False
    assert fields["review_reasons"].default_factory is list
    assert fields["confidence"].default_factory is dict


def test_rules_written_before_the_reading_sections_still_judge() -> None:
    data = load_rules_file()
    for section in ("text", "weights", "confidence"):
        data.pop(section)
    for name in ("stopped", "units", "all_equipment", "not_utility"):
        data["severity"]["major"]["sudden-outage"].pop(name)
    for name in ("mass-incident", "unresolved-week"):
        data["severity"]["major"].pop(name)
    data["validity"].pop("outside")
    data["validity"].pop("duty")
    data["severity"].pop("possible-major")
    old = Rules(1, data)
    judgement = judge({"description": "Whole building blackout since 9 pm."}, "hk-central", old, History())
    assert (judgement.severity, judgement.severity_criteria[0]) == ("major", "major.sudden-outage")
