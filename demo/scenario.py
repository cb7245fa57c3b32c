"""What the demo's offices complain about: realistic cases in English and Chinese, from the seeds' categories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["satisfied", "dissatisfied-then-satisfied", "late", "unreachable", "no-visit"]


@dataclass(frozen=True)
class Case:
    office: str
    unit: str
    complainant: str
    contact: str
    channel: str
    object: str
    description: str
    request: str
    outcome: Outcome = "satisfied"


ORDINARY: tuple[Case, ...] = (
    Case(
        "hk-central",
        "Block 1, 3/F, Flat A, Harbour View Court",
        "Wong Siu Ming",
        "+852 6123 0001",
        "phone",
        "Refuse room, 3/F",
        "The refuse room on our floor has not been cleared for two days and smells badly.",
        "Clear it today and keep to the daily schedule.",
    ),
    Case(
        "hk-central",
        "Block 2, 8/F, Flat C, Harbour View Court",
        "Lee Ka Yan",
        "+852 6123 0002",
        "walk-in",
        "Security guard at the lobby",
        "The guard at the lobby was rude when I asked him to sign for a parcel.",
        "An apology and better training for the guards.",
        "dissatisfied-then-satisfied",
    ),
    Case(
        "hk-central",
        "Block 1, 12/F, Flat D, Harbour View Court",
        "陳大文",
        "+852 6123 0003",
        "app",
        "停車場車位",
        "我的專有車位連續三晚被其他車輛佔用,保安沒有處理。",
        "請管理處即時處理並加強巡查。",
    ),
    Case(
        "kln-east",
        "Tower 5, 20/F, Flat B, Sunrise Garden",
        "Chan Mei Ling",
        "+852 6123 0004",
        "phone",
        "Lift 2, Tower 5",
        "Lift 2 stopped between floors this morning; we waited 15 minutes for help.",
        "Repair the lift and check the alarm line.",
        "late",
    ),
    Case(
        "kln-east",
        "Tower 3, 6/F, Flat A, Sunrise Garden",
        "黃志強",
        "+852 6123 0005",
        "text",
        "樓上裝修噪音",
        "樓上單位在晚上九點後仍然進行裝修,噪音很大,影響休息。",
        "請管理處跟進裝修時間規定。",
    ),
    Case(
        "kln-east",
        "Tower 1, 2/F, Flat C, Sunrise Garden",
        "Ho Wing Sze",
        "+852 6123 0006",
        "letter",
        "Management fee statement",
        "The management fee statement charged me twice for October.",
        "Refund the double charge.",
        "unreachable",
    ),
    Case(
        "sz-futian",
        "Building 8, Unit 1203, Futian Park",
        "李曉華",
        "+86 138 0000 0007",
        "app",
        "會所泳池",
        "會所泳池的水很混濁,而且更衣室沒有人清潔。",
        "請盡快清潔泳池及更衣室。",
    ),
    Case(
        "sz-futian",
        "Building 3, Unit 502, Futian Park",
        "Zhang Wei",
        "+86 138 0000 0008",
        "phone",
        "Water leak in the ceiling",
        "Water is leaking from the ceiling of my bathroom since yesterday.",
        "Find the cause and repair it.",
        "no-visit",
    ),
    Case(
        "sz-futian",
        "Building 6, Unit 901, Futian Park",
        "劉芳",
        "+86 138 0000 0009",
        "walk-in",
        "老人晨練噪音",
        "每天早上六點樓下廣場晨練音樂很大聲,已經反映多次。",
        "請協調晨練時間及音量。",
    ),
)

# A sudden power failure of one building: more than five customers at once, from two offices.
OUTAGE: tuple[Case, ...] = tuple(
    Case(
        office,
        f"Block 2, {floor}/F, Flat {flat}, Harbour View Court",
        name,
        f"+852 6200 00{n:02d}",
        "phone",
        "Power supply, Block 2",
        description,
        "Restore the power and explain the cause.",
    )
    for n, (office, floor, flat, name, description) in enumerate(
        [
            (
                "hk-central",
                4,
                "A",
                "Tam Ka Ho",
                "Sudden power failure in all of Block 2; lifts and lights off.",
            ),
            ("hk-central", 9, "B", "Yip Siu Fan", "There is a power failure in Block 2 since 7 pm, the lift stopped."),
            ("hk-central", 15, "C", "周美玲", "二座突然全座停電,電梯停頓,家中有長者。"),
            ("kln-east", 11, "D", "Ng Chi Keung", "Power cut in Block 2, no electricity at all, fridge is off."),
            ("kln-east", 17, "A", "Lau Hoi Yan", "Whole building blackout in Block 2, the corridors are dark."),
            ("hk-central", 21, "B", "鄭家明", "二座停電超過半小時,沒有任何通知。"),
            ("kln-east", 6, "C", "Cheung Wai Man", "Power failure in Block 2 again, nobody answers the hotline."),
        ]
    )
)
