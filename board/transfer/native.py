"""Our own board export (JSON, "format": 1): what export.board_document writes, read back."""

from __future__ import annotations

from django.utils.translation import gettext as _

from board.models import Role
from board.services.comments import clean_comment
from board.services.common import clean_description, clean_title
from board.transfer.plan import (
    FORMAT,
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

ROLES = (Role.EDITOR.value, Role.VIEWER.value)


def _card(item: object, where: str) -> CardPlan:
    item = expect(item, dict, where)
    comments = []
    for index, comment in enumerate(expect(item.get("comments", []), list, f"{where}.comments")):
        at = f"{where}.comments[{index}]"
        comment = expect(comment, dict, at)
        comments.append(
            CommentPlan(
                author=checked(clean_title, comment.get("author"), f"{at}.author", field=_("Author")),
                body=checked(clean_comment, comment.get("body"), f"{at}.body"),
                created=parse_time(comment.get("created"), f"{at}.created"),
            )
        )
    return CardPlan(
        title=checked(clean_title, item.get("title"), f"{where}.title", field=_("Title")),
        description=checked(clean_description, item.get("description", ""), f"{where}.description"),
        created=parse_time(item.get("created"), f"{where}.created"),
        comments=comments,
    )


def parse(data: bytes) -> BoardPlan:
    document = expect(load_json(data), dict, _("the file"))
    if document.get("format") != FORMAT:
        raise ImportRefused(
            _("format: expected %(format)s (a LiveBoard board export), found %(found)r.")
            % {"format": FORMAT, "found": document.get("format")}
        )
    board = expect(document.get("board"), dict, "board")
    pipelines = expect(board.get("pipelines", []), list, "board.pipelines")
    check_cards(
        sum(len(p.get("cards", [])) for p in pipelines if isinstance(p, dict) and isinstance(p.get("cards", []), list))
    )
    plan = BoardPlan(
        name=checked(clean_title, board.get("name"), "board.name", field=_("Board name")), source="LiveBoard JSON"
    )
    for index, item in enumerate(pipelines):
        where = f"board.pipelines[{index}]"
        item = expect(item, dict, where)
        pipeline = PipelinePlan(name=checked(clean_title, item.get("name"), f"{where}.name", field=_("Pipeline name")))
        cards = expect(item.get("cards", []), list, f"{where}.cards")
        pipeline.cards = [_card(card, f"{where}.cards[{i}]") for i, card in enumerate(cards)]
        plan.pipelines.append(pipeline)
    for index, member in enumerate(expect(board.get("members", []), list, "board.members")):
        where = f"board.members[{index}]"
        member = expect(member, dict, where)
        username = expect(member.get("username"), str, f"{where}.username")
        if member.get("role") not in ROLES:
            raise ImportRefused(_("%(field)s: expected editor or viewer.") % {"field": f"{where}.role"})
        plan.members.append((username, member["role"]))
    return plan
