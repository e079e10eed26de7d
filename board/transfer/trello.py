"""Trello's board export ("Print, export and share" → "Export as JSON") as a plan.

Lists in `pos` order become pipelines, their cards in `pos` order become cards (name, desc,
and the creation time Trello keeps in the first 4 bytes of each id), `commentCard` actions
become comments with their author's full name. Closed lists and closed (archived) cards are
left out: LiveBoard has no archive yet. Labels, checklists, due dates and card members wait
for their models: the summary says how many cards had them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from board.services.comments import clean_comment
from board.services.common import clean_description, clean_title
from board.transfer.plan import (
    BoardPlan,
    CardPlan,
    CommentPlan,
    ImportRefused,
    PipelinePlan,
    check_cards,
    checked,
    expect,
    load_json,
    parse_time,
)


def _created(trello_id: object) -> datetime | None:
    """Trello ids are MongoDB ObjectIds: their first 8 hex digits are the creation time."""
    if isinstance(trello_id, str) and len(trello_id) == 24:
        try:
            return datetime.fromtimestamp(int(trello_id[:8], 16), tz=UTC)
        except ValueError:
            return None
    return None


def _position(item: dict, where: str) -> float:
    pos = item.get("pos", 0)
    if isinstance(pos, bool) or not isinstance(pos, int | float):
        raise ImportRefused(_("%(field)s: expected a number.") % {"field": f"{where}.pos"})
    return float(pos)


def _comments(actions: list) -> dict[str, list[CommentPlan]]:
    """Comments by card id, oldest first (Trello lists actions newest first)."""
    found: dict[str, list[CommentPlan]] = {}
    for index, action in enumerate(actions):
        where = f"actions[{index}]"
        expect(action, dict, where)
        if action.get("type") != "commentCard":
            continue
        data = expect(action.get("data"), dict, f"{where}.data")
        card = expect(data.get("card"), dict, f"{where}.data.card")
        author = expect(action.get("memberCreator") or {}, dict, f"{where}.memberCreator")
        name = author.get("fullName") or author.get("username") or _("a Trello member")
        body = checked(clean_comment, data.get("text"), f"{where}.data.text")
        created = parse_time(action.get("date"), f"{where}.date")
        found.setdefault(str(card.get("id")), []).append(
            CommentPlan(author=str(name)[:200], body=body, created=created)
        )
    for comments in found.values():
        comments.sort(key=lambda c: c.created or datetime.min.replace(tzinfo=UTC))
    return found


def parse(data: bytes) -> BoardPlan:
    document = expect(load_json(data), dict, _("the file"))
    lists = expect(document.get("lists", []), list, "lists")
    cards = expect(document.get("cards", []), list, "cards")
    actions = expect(document.get("actions", []), list, "actions")
    check_cards(len(cards))
    name = checked(clean_title, document.get("name") or _("Imported from Trello"), "name", field=_("Board name"))
    plan = BoardPlan(name=name, source="Trello")

    pipelines: dict[str, tuple[float, int, PipelinePlan]] = {}
    closed_lists = 0
    for index, item in enumerate(lists):
        where = f"lists[{index}]"
        expect(item, dict, where)
        if item.get("closed"):
            closed_lists += 1
            continue
        title = checked(clean_title, item.get("name"), f"{where}.name", field=_("Pipeline name"))
        pipelines[str(item.get("id"))] = (_position(item, where), index, PipelinePlan(name=title))

    comments = _comments(actions)
    placed: dict[str, list[tuple[float, int, CardPlan]]] = {key: [] for key in pipelines}
    skipped = {"closed": 0, "closed_list": 0, "labels": 0, "checklists": 0, "due": 0, "members": 0}
    for index, item in enumerate(cards):
        where = f"cards[{index}]"
        expect(item, dict, where)
        if item.get("closed"):
            skipped["closed"] += 1
            continue
        list_id = str(item.get("idList"))
        if list_id not in pipelines:
            if any(isinstance(x, dict) and str(x.get("id")) == list_id for x in lists):
                skipped["closed_list"] += 1
                continue
            raise ImportRefused(
                _("%(field)s: no list has the id %(id)r.") % {"field": f"{where}.idList", "id": list_id}
            )
        card = CardPlan(
            title=checked(clean_title, item.get("name"), f"{where}.name", field=_("Title")),
            description=checked(clean_description, item.get("desc") or "", f"{where}.desc"),
            created=_created(item.get("id")),
            comments=comments.get(str(item.get("id")), []),
        )
        skipped["labels"] += bool(item.get("idLabels"))
        skipped["checklists"] += bool(item.get("idChecklists"))
        skipped["due"] += bool(item.get("due"))
        skipped["members"] += bool(item.get("idMembers"))
        placed[list_id].append((_position(item, where), index, card))

    for list_id, (_pos, _index, pipeline) in sorted(pipelines.items(), key=lambda kv: kv[1][:2]):
        pipeline.cards = [card for _p, _i, card in sorted(placed[list_id], key=lambda t: t[:2])]
        plan.pipelines.append(pipeline)
    plan.notes = _notes(skipped, closed_lists)
    return plan


def _notes(skipped: dict[str, int], closed_lists: int) -> list[str]:
    notes = []
    if skipped["closed"]:
        n = skipped["closed"]
        notes.append(
            ngettext(
                "%(n)s archived card left out (no archive yet).", "%(n)s archived cards left out (no archive yet).", n
            )
            % {"n": n}
        )
    if closed_lists:
        n = closed_lists + 0
        text = ngettext("%(n)s archived list left out", "%(n)s archived lists left out", n) % {"n": n}
        notes.append(
            text
            + (
                ngettext(", with %(c)s card.", ", with %(c)s cards.", skipped["closed_list"])
                % {"c": skipped["closed_list"]}
            )
        )
    waiting = {
        "labels": _("labels"), "checklists": _("checklists"), "due": _("due dates"), "members": _("card members"),
    }  # fmt: skip
    for key, label in waiting.items():
        if skipped[key]:
            notes.append(
                ngettext(
                    "%(what)s of %(n)s card not imported (not supported yet).",
                    "%(what)s of %(n)s cards not imported (not supported yet).",
                    skipped[key],
                )
                % {"what": label.capitalize(), "n": skipped[key]}
            )
    return notes
