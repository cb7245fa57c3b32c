"""Who is asked to act, and to do what: the reading the nature of a complaint rests on (issue 9,
nature round).

A complaint's nature follows from what the writer asks and of whom, and whether a duty of ours failed
(DOMAIN §2): an effective complaint when a duty failed; otherwise a communication complaint that asks
us to do something (help-seeking), asks to know (consultation) or asks nothing (venting). Words of a
kind are not enough: "想問下管理處代收嘅速遞最多可以幫手擺幾耐" names a service (代收, 幫手) but asks how
long; "you guys manage it" (你们物业管管吧) asks us to act with no word of help at all. So the text is
read by clause for:

- **a request to act** (`[nature.asking]`): an act (`remedy`: fix, clean, 處理, 跟進, 管; `service`:
  lend, hold, tell them, 派人, 協調; `provide`: add, install, 加, 裝) asked of us — after a request
  cue in its clause (`cue`: please, can you, could the concierge, 麻煩, 請, 可唔可以, 能不能), at the
  head of an English clause (an imperative: "Clean the tank"), or followed by a Chinese request ending
  (`ending`: 一下, 吓, 吧: 管一下, 處理吓, 管管吧). English acts are written unstemmed ("=fix"), so a
  failure told in the past ("nobody fixed it") is no request. A request muted by a negation is none;
  a hypothetical cue does not mute it (the "could" of "could you fix" is the request's own).
- **a question to know** (`enquiry`: 想問, 請問, may I know; how long, 幾耐): in its clause, words of
  a service are what is asked about, not a request, and in a question about what is required or how
  (`procedure`: do I need, is there a, 需要 … ?) a word of failure is the topic, not an event — unless
  it asks why (`grievance`: why, 點解, 為什麼), which is a complaint told as a question.
- **someone else's words** (`reported`: asked, told, 問我): a question or a request the complaint
  reports ("he asked me if I had a boyfriend", "I asked the guard to help me") is what happened, not
  what the writer asks of us now.
"""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import Hit, Muting, PhraseList, _asked_clauses, counting
from .text import Text

ACTS = ("remedy", "service", "provide", "send")
# How far a request cue reaches its act: English words, Chinese characters (可唔可以喺會所轉角位加).
CUE_REACH_WORDS = 6
CUE_REACH_CHARS = 9
# How far after a question word an indefinite 都/也 makes it "however" (怎么说都, 幾時打都): tokens.
INDEFINITE_REACH = 3


@dataclass(frozen=True)
class Request:
    """An act asked of us: what (`act`: remedy, service or provide) and the words that asked it."""

    act: str
    hit: Hit  # the act, with the cue that made it a request in its words
    cue: tuple[int, int] | None  # the cue's tokens (first, last+1), when a cue asked it


def requests(text: Text, lists: dict[str, PhraseList], muting: Muting) -> list[Request]:
    """Every act asked of us: after a cue, at the head of an English clause, or with a request ending."""
    cues = counting(lists["cue"].hits(text)) if "cue" in lists else []
    endings = counting(lists["ending"].hits(text)) if "ending" in lists else []
    found: list[Request] = []
    request_head = _request_field_head(text)
    for act in ACTS:
        if act not in lists:
            continue
        # a request is muted by a negation ("don't fix"), not by its own modal ("could you fix")
        acts = lists[act].hits(text, muting)
        for hit in [h for h in acts if h.weight > 0 and not (h.muted_by or "").startswith("negated")]:
            token = text.tokens[hit.first]
            cue = _cue_before(text, hit, cues)
            ended = _tentative(text, hit) or any(
                e.first == hit.last and text.tokens[e.first].clause == token.clause for e in endings
            )
            head = not token.cjk and (hit.first == 0 or text.tokens[hit.first - 1].clause != token.clause)
            # the form's own request field opens with what the customer asks for (通知港鐵, 整返)
            head = head or (hit.last - hit.first > 1 and hit.first == request_head)
            if cue is None and not ended and not head:
                continue
            # one Chinese character is an act only right after its cue or with an ending (請修, 管一下)
            if token.cjk and hit.last - hit.first == 1 and not ended and (cue is None or cue.last != hit.first):
                continue
            words = text.quote(cue.first, hit.last) if cue else hit.words
            kind = act
            if act == "send":  # sent to put right what is ours, unless sent for a service named after it
                kind = "service" if _for_a_service(text, hit, lists, muting) else "remedy"
            found.append(
                Request(
                    kind, Hit(f"asked: {kind}", words, 1.0, hit.first, hit.last), (cue.first, cue.last) if cue else None
                )
            )
    return sorted(found, key=lambda r: r.hit.first)


def _for_a_service(text: Text, sent: Hit, lists: dict[str, PhraseList], muting: Muting) -> bool:
    """Whether a service is named after the sending, in its clause ("send someone to help carry")."""
    if "service" not in lists:
        return False
    clause = text.tokens[sent.first].clause
    return any(
        h.first >= sent.last and text.tokens[h.first].clause == clause for h in lists["service"].hits(text, muting)
    )


def _request_field_head(text: Text) -> int | None:
    """The first token of the customer's request field (the form's last field, after " \n "): what
    the customer asks for, in the registration form's own words."""
    at = text.original.rfind(" \n ")
    if at < 0:
        return None
    start = at + 3
    return next((i for i, t in enumerate(text.tokens) if t.start >= start), None)


def _tentative(text: Text, act: Hit) -> bool:
    """A Chinese verb said twice, or with 一 between (管管, 查一查), asks: a request's softened form."""
    tokens = text.tokens
    verb = tokens[act.last - 1]
    if not verb.cjk or act.last >= len(tokens):
        return False
    after = tokens[act.last]
    if after.form == verb.form and after.clause == verb.clause:
        return True
    return (
        after.form == "一"
        and act.last + 1 < len(tokens)
        and tokens[act.last + 1].form == verb.form
        and tokens[act.last + 1].clause == verb.clause
    )


def _cue_before(text: Text, act: Hit, cues: list[Hit]) -> Hit | None:
    """The nearest request cue before the act in its clause, within reach."""
    clause = text.tokens[act.first].clause
    near = [
        c
        for c in cues
        if c.last <= act.first
        and text.tokens[c.first].clause == clause
        and act.first - c.last <= (CUE_REACH_CHARS if text.tokens[act.first].cjk else CUE_REACH_WORDS)
    ]
    return max(near, key=lambda c: c.last, default=None)


def enquiries(text: Text, lists: dict[str, PhraseList]) -> set[int]:
    """The clauses that ask to know (an `enquiry` word, and no `grievance`: 想問下點解部𨋢又壞 is a
    complaint asked as a question)."""
    if "enquiry" not in lists:
        return set()
    return _clauses(text, lists, "enquiry") - grievances(text, lists)


def procedure_questions(text: Text, lists: dict[str, PhraseList]) -> set[int]:
    """The clauses that ask what is required or how it is done, ending with a question mark ("is
    there a waiting list?", 需要提前登記車牌嗎?): a failure word there is the topic asked about."""
    if "procedure" not in lists:
        return set()
    asked = _asked_clauses(text)
    return (_clauses(text, lists, "procedure") & asked) - grievances(text, lists)


def grievances(text: Text, lists: dict[str, PhraseList]) -> set[int]:
    """The clauses that ask why (`grievance`: why, 點解, 怎麼這麼): a complaint told as a question."""
    return _clauses(text, lists, "grievance")


def reported(text: Text, lists: dict[str, PhraseList], hits: list[Hit], words: str = "reported") -> list[Hit]:
    """The hits that are someone else's question or an earlier request the complaint reports: a
    `reported` word (asked, 問我) before them in their clause, a few words or characters away; with
    `words="opinion"`, what the writer thinks we should do (should, 應該): no request either."""
    if words not in lists:
        return []
    said = counting(lists[words].hits(text))
    out = []
    for h in hits:
        clause = text.tokens[h.first].clause
        reach = CUE_REACH_CHARS if text.tokens[h.first].cjk else CUE_REACH_WORDS
        if any(s.last <= h.first and text.tokens[s.first].clause == clause and h.first - s.last <= reach for s in said):
            out.append(h)
    return out


_QUESTION = "?\uff1f"
_EXCLAIM = "!\uff01"


def shouted(text: Text) -> set[int]:
    """The clauses that end in a shouted question ("who approved this???", 咁都得???, "for THIS?!"):
    three question marks or more, or one with an exclamation mark ("will it be out for 3 weeks??"
    still asks). It asks nothing: a grievance told as a question, letting off steam."""
    found = set()
    for clause, marks in _clause_endings(text).items():
        asked = sum(ch in _QUESTION for ch in marks)
        if asked >= 3 or (asked and any(ch in _EXCLAIM for ch in marks)):
            found.add(clause)
    return found


def rhetorical_questions(text: Text, hits: list[Hit], lists: dict[str, PhraseList]) -> set[int]:
    """The question words (`hits`, by first token) that ask nothing: one in a clause that ends in an
    exclamation and no question mark (你们是怎么做事的!!!), and one followed a few characters on by an
    `indefinite` word in a clause that is no question (怎么说都不听, 幾時打都冇人聽: "however",
    "whenever")."""
    if not hits:
        return set()
    asked = _asked_clauses(text)
    exclaimed = _exclaimed(text) - asked
    indefinite = {h.first for h in lists["indefinite"].hits(text)} if "indefinite" in lists else set()
    found = set()
    for h in hits:
        clause = text.tokens[h.first].clause
        however = clause not in asked and any(
            h.last <= i < h.last + INDEFINITE_REACH and text.tokens[i].clause == clause for i in indefinite
        )
        if clause in exclaimed or however:
            found.add(h.first)
    return found


def _exclaimed(text: Text) -> set[int]:
    """The clauses that end in an exclamation mark (one or more, no question mark among them)."""
    found = set()
    for clause, marks in _clause_endings(text).items():
        if marks and not any(ch in _QUESTION for ch in marks):
            found.add(clause)
    return found


def _clauses(text: Text, lists: dict[str, PhraseList], name: str) -> set[int]:
    if name not in lists:
        return set()
    return {text.tokens[h.first].clause for h in counting(lists[name].hits(text))}


def _clause_endings(text: Text) -> dict[int, str]:
    """Each clause's closing question and exclamation marks, as written after its last token ("" for none)."""
    last: dict[int, int] = {}
    for token in text.tokens:
        last[token.clause] = token.end
    endings = {}
    for clause, end in last.items():
        marks = ""
        for ch in text.original[end:]:
            if ch in _QUESTION or ch in _EXCLAIM:
                marks += ch
            elif not ch.isspace() or marks:
                break
        endings[clause] = marks
    return endings
