"""The complainant's status link: only the holder of the secret makes one, it names one complaint, and
nothing altered, truncated or made with another secret reads as any complaint."""

from __future__ import annotations

from uuid import UUID, uuid4

from hypothesis import given
from hypothesis import strategies as st

from shared.status_link import read_status_token, status_link, status_token

SECRET = "a-status-link-secret-for-tests"


def test_a_token_reads_back_as_its_complaint_and_the_link_carries_the_language() -> None:
    cid = uuid4()
    assert read_status_token(status_token(cid, SECRET), SECRET) == cid
    link = status_link("https://desk.example/", cid, SECRET, lang="zh-Hant")
    assert link == f"https://desk.example/status/{status_token(cid, SECRET)}?lang=zh-Hant"


@given(st.uuids(), st.uuids())
def test_no_token_of_one_complaint_reads_as_another(one: UUID, other: UUID) -> None:
    token = status_token(one, SECRET)
    forged = f"{other.hex}.{token.split('.')[1]}"
    assert read_status_token(forged, SECRET) == (other if other == one else None)
    assert read_status_token(token, "another-secret-of-some-length") is None


@given(st.text(max_size=120))
def test_garbage_reads_as_nothing(token: str) -> None:
    assert read_status_token(token, SECRET) is None


@given(st.uuids(), st.integers(min_value=0, max_value=64), st.sampled_from("0123456789abcdef"))
def test_any_changed_character_makes_the_token_worthless(cid: UUID, position: int, char: str) -> None:
    token = status_token(cid, SECRET)
    position %= len(token)
    changed = token[:position] + char + token[position + 1 :]
    assert read_status_token(changed, SECRET) == (cid if changed == token else None)
    assert read_status_token(token[:-1], SECRET) is None
