"""Export and import: what a member downloads, what a file becomes, and what a bad file leaves (nothing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from board import events, services
from board.models import Activity, Board, Card, Comment, Membership, Pipeline
from board.transfer import export, files
from board.transfer.plan import ImportRefused

TRELLO = Path(__file__).parent / "fixtures" / "trello_board.json"


def cards_of(board: Board) -> list[tuple[str, list[str]]]:
    return [
        (p.name, list(p.cards.order_by("position", "id").values_list("title", flat=True)))
        for p in Pipeline.objects.filter(board=board).order_by("position", "id")
    ]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_a_trello_export_becomes_a_board_with_its_lists_cards_order_and_comments(world, as_user):
    response = as_user(world.editor).post("/import/", {"kind": "trello", "file": upload("t.json", TRELLO.read_bytes())})
    assert response.status_code == 200
    board = Board.objects.get(name="Website relaunch")
    assert board.owner == world.editor
    # Lists by pos (the archived one left out), cards by pos (the archived one left out).
    assert cards_of(board) == [
        ("To Do", ["Write the About page", "Pick a font"]),
        ("Doing", ["Fix the 404 on /blog"]),
        ("Done", ["ロゴを決める"]),
    ]
    font = Card.objects.get(board=board, title="Pick a font")
    assert font.description == "Something **readable**; see the brand guide."
    assert font.created_at == datetime.fromtimestamp(0x65A1F100, tz=UTC)  # from the Trello id
    comments = list(Comment.objects.filter(card=font).order_by("created_at"))
    assert [(c.imported_author, c.body) for c in comments] == [
        ("Ana Lima", "Shortlist is in the checklist."),
        ("Kenji Sato", "Inter reads well at small sizes."),
    ]
    assert comments[0].created_at == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert Comment.objects.filter(card__board=board).count() == 3
    page = response.content.decode()
    assert "4 cards were imported." in page
    assert "1 archived card left out (no archive yet)." in page
    assert "1 archived list left out, with 1 card." in page
    for waiting in ("Labels of 2 cards", "Checklists of 1 card", "Due dates of 2 cards", "Card members of 1 card"):
        assert waiting in page
    # The comment shows its Trello author's name on the card.
    shown = as_user(world.editor).get(f"/b/{board.pk}/c/{font.pk}/").content.decode()
    assert "Ana Lima" in shown and "Kenji Sato" in shown
    assert list(Activity.objects.filter(board=board).values_list("kind", flat=True)) == [events.BOARD_IMPORTED]


def test_import_trello_command_makes_the_same_board(world, capsys):
    call_command("import_trello", str(TRELLO), "--owner", "olive")
    board = Board.objects.get(name="Website relaunch", owner=world.owner)
    assert [name for name, _ in cards_of(board)] == ["To Do", "Doing", "Done"]
    assert "4 cards in 3 pipelines" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No user"):
        call_command("import_trello", str(TRELLO), "--owner", "nobody")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text.replace('"pos": 65535,', '"pos": 65535,,', 1), "Invalid JSON at line"),
        (lambda text: text.replace('"idList": "65a1f0c2e4b0a1b2c3d4e612"', '"idList": "nope"', 1), "cards[0].idList"),
        (lambda text: text.replace('"name": "Pick a font", "desc"', '"name": "", "desc"', 1), "cards[0].name"),
        (
            lambda text: text.replace('"cards": [', '"cards": {"x": [', 1).replace(
                '"checklists": [', '"y": 1}, "checklists": [', 1
            ),
            "cards: expected a list",
        ),
    ],
)
def test_a_malformed_trello_file_names_the_field_and_writes_nothing(world, as_user, change, message):
    before = (Board.objects.count(), Card.objects.count(), Activity.objects.count())
    data = change(TRELLO.read_text()).encode()
    response = as_user(world.owner).post("/import/", {"kind": "trello", "file": upload("t.json", data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert (Board.objects.count(), Card.objects.count(), Activity.objects.count()) == before


def test_limits_refuse_a_file_too_large_or_with_too_many_cards(world, as_user, settings):
    settings.LIVEBOARD_IMPORT_MAX_CARDS = 5
    response = as_user(world.owner).post("/import/", {"kind": "trello", "file": upload("t.json", TRELLO.read_bytes())})
    assert response.status_code == 400 and "too many cards: 6 (at most 5)" in response.content.decode()
    settings.LIVEBOARD_IMPORT_MAX_BYTES = 1000
    response = as_user(world.owner).post("/import/", {"kind": "trello", "file": upload("t.json", TRELLO.read_bytes())})
    assert response.status_code == 400 and "The file is too large" in response.content.decode()
    assert not Board.objects.filter(name="Website relaunch").exists()


def test_export_import_export_gives_the_same_json(world):
    card = world.cards[1]
    services.card_update(card=card, title="Ship it", description="Line one\nLine two", actor=world.owner)
    services.comment_create(card=card, author=world.editor, body="コメント, with a comma")
    services.comment_create(card=card, author=world.viewer, body="Second")
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.owner)
    first = export.board_json(world.board)
    copy, _plan = files.import_board(first.encode(), kind="liveboard", owner=world.owner)
    assert copy.pk != world.board.pk
    assert export.board_json(copy) == first
    document = json.loads(first)
    assert document["format"] == 1
    assert document["board"]["members"] == [
        {"username": "eddie", "role": "editor"},
        {"username": "vera", "role": "viewer"},
    ]
    assert Membership.objects.filter(board=copy).count() == 2
    document["board"]["members"].append({"username": "ghost", "role": "viewer"})
    _board, plan = files.import_board(json.dumps(document).encode(), kind="liveboard", owner=world.editor)
    assert plan.notes == ["Members with no account here, left out: ghost."]
    assert set(_board.memberships.values_list("user__username", flat=True)) == {"vera"}  # eddie owns it now


def test_own_json_with_a_bad_field_is_refused_naming_it(world):
    document = json.loads(export.board_json(world.board))
    document["board"]["pipelines"][0]["cards"][1]["created"] = "yesterday"
    with pytest.raises(ImportRefused, match=r"board.pipelines\[0\].cards\[1\].created"):
        files.import_board(json.dumps(document).encode(), kind="liveboard", owner=world.owner)
    document["format"] = 2
    with pytest.raises(ImportRefused, match="format"):
        files.import_board(json.dumps(document).encode(), kind="liveboard", owner=world.owner)


def test_any_member_downloads_json_and_csv_a_stranger_gets_404(world, as_user):
    services.comment_create(card=world.cards[0], author=world.editor, body="hi")
    response = as_user(world.viewer).get(f"/b/{world.board.pk}/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="roadmap.json"'
    document = json.loads(response.content)
    assert [p["name"] for p in document["board"]["pipelines"]] == ["To do", "Doing"]
    assert [c["title"] for c in document["board"]["pipelines"][0]["cards"]] == ["Card 0", "Card 1", "Card 2"]
    assert document["board"]["pipelines"][0]["cards"][0]["comments"][0]["author"] == "eddie"
    csv_text = as_user(world.viewer).get(f"/b/{world.board.pk}/export.csv").content.decode("utf-8")
    assert csv_text.startswith("\ufefftitle,description,pipeline,created,comments\r\n")
    assert csv_text.count("\r\n") == 4 and "Card 0,,To do," in csv_text
    for url in (f"/b/{world.board.pk}/export.json", f"/b/{world.board.pk}/export.csv"):
        assert as_user(world.stranger).get(url).status_code == 404


def test_the_board_page_links_export_for_everyone_and_import_and_hooks_by_role(world, as_user):
    page = as_user(world.viewer).get(f"/b/{world.board.pk}/").content.decode()
    assert f'href="/b/{world.board.pk}/export.json"' in page and f'href="/b/{world.board.pk}/export.csv"' in page
    assert f"/b/{world.board.pk}/import/" not in page and f"/b/{world.board.pk}/hooks/" not in page
    page = as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode()
    assert f'class="editor-only"><a href="/b/{world.board.pk}/import/"' in page
    assert f'class="owner-only"><a href="/b/{world.board.pk}/hooks/"' in page


def test_export_board_command_writes_json_or_csv(world, tmp_path, capsys):
    out = tmp_path / "board.json"
    call_command("export_board", str(world.board.pk), "--output", str(out))
    assert json.loads(out.read_text())["board"]["name"] == "Roadmap"
    call_command("export_board", str(world.board.pk), "--format", "csv")
    assert "Card 2,,To do," in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("export_board", "999999")


def test_import_board_command_reads_our_own_format(world, tmp_path):
    out = tmp_path / "board.json"
    call_command("export_board", str(world.board.pk), "--output", str(out))
    call_command("import_board", str(out), "--owner", "stan")
    copy = Board.objects.filter(owner=world.stranger, name="Roadmap").get()
    assert cards_of(copy) == cards_of(world.board)


CSV_SEMICOLON_BOM = (
    "\ufeffPipeline;Title;Description;labels;due;assignee;priority\r\n"
    'Doing;"Quote ""this""; and that";"二行の\r\n説明";bug;2026-01-01;eddie;high\r\n'
    "\r\n"
    "To do;日本語のカード;;;;;\r\n"
).encode()


def test_csv_with_bom_semicolons_quotes_and_japanese_adds_cards_at_once(
    world, as_user, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.editor).post(
            f"/b/{world.board.pk}/import/", {"file": upload("c.csv", CSV_SEMICOLON_BOM)}
        )
    assert response.status_code == 200, response.content.decode()
    assert cards_of(world.board) == [
        ("To do", ["Card 0", "Card 1", "Card 2", "日本語のカード"]),
        ("Doing", ['Quote "this"; and that']),
    ]
    assert Card.objects.get(title__startswith="Quote").description == "二行の\n説明"
    page = response.content.decode()
    assert "2 cards were imported." in page
    assert "Columns not supported yet, left out: labels, due, assignee." in page
    assert "Columns ignored: priority." in page
    # One event, one broadcast, and it is the whole board.
    assert Activity.objects.filter(board=world.board).first().kind == events.BOARD_IMPORTED
    sent = [m for board_id, m in published if board_id == world.board.pk]
    assert len(sent) == 1
    assert sent[0]["html"]["en"].startswith(f'<template data-step="{sent[0]["version"]}" data-whole>')
    assert "日本語のカード" in sent[0]["html"]["en"] and 'id="pipelines"' in sent[0]["html"]["en"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"title,pipeline\nOne,To do\nTwo,Nowhere\n", "Line 3: the board has no pipeline “Nowhere”."),
        (b"name,pipeline\nOne,To do\n", "Line 1: the header has no title column"),
        (b"title,pipeline\n,To do\n", "Line 2, title: Title cannot be empty."),
        (b"title,pipeline\nOne,To do,extra\n", "Line 2: 3 fields, but the header has 2."),
        (b"title,pipeline\n\xff\xfe,To do\n", "Line 2: the file is not UTF-8 text."),
        (b"title,pipeline\n", "only a header row"),
        (b"", "The file is empty"),
    ],
)
def test_a_bad_csv_names_the_line_and_adds_nothing(world, as_user, data, message):
    before = (Card.objects.count(), world.board.version)
    response = as_user(world.owner).post(f"/b/{world.board.pk}/import/", {"file": upload("c.csv", data)})
    assert response.status_code == 400
    assert message in response.content.decode()
    world.board.refresh_from_db()
    assert (Card.objects.count(), world.board.version) == before


def test_viewers_cannot_import_cards_and_strangers_get_404(world, as_user):
    data = b"title,pipeline\nOne,To do\n"
    assert (
        as_user(world.viewer).post(f"/b/{world.board.pk}/import/", {"file": upload("c.csv", data)}).status_code == 403
    )
    assert (
        as_user(world.stranger).post(f"/b/{world.board.pk}/import/", {"file": upload("c.csv", data)}).status_code == 404
    )
    assert as_user(world.viewer).get(f"/b/{world.board.pk}/import/").status_code == 403
    assert not Card.objects.filter(title="One").exists()
