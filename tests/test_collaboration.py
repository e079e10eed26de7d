"""Working together on a card: comments, presence, edit claims, change highlights, activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from board import events, services
from board.live import presence as live_presence
from board.live.origin import capture
from board.live.protocol import CLOSE_FORBIDDEN
from board.models import Activity, Comment, EditClaim, Presence
from project.asgi import application

MESSAGE_HEADER = "X-LiveBoard-Message"


def burl(w, name: str, *ids: int) -> str:
    return reverse(name, args=[w.board.pk, *ids])


def text_of(response) -> str:
    return response.content.decode()


# --- socket helpers: a minimal copy of tests/test_consumers.py's (rewritten separately) ----------

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")  # a browser opens the socket on the page's own origin


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def open_socket(board_id: int, user, *, page: str = "") -> tuple[WebsocketCommunicator, str]:
    """Connect to the board's socket as `user` and read the resync the server sends first."""
    headers = [HOST, ORIGIN, (b"cookie", await database_sync_to_async(session_cookie)(user))]
    path = f"/ws/b/{board_id}/" + (f"?page={page}" if page else "")  # board/routing.py
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator, await communicator.receive_from(timeout=5)


async def expect_closed(communicator: WebsocketCommunicator, code: int) -> None:
    while True:
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            assert message.get("code") == code
            return


# --- comments: services ----------------------------------------------------------------------


def test_members_comment_and_viewers_too(world):
    card = world.cards[0]
    for author in (world.owner, world.editor, world.viewer):
        services.comment_create(card=card, author=author, body=f"from {author.username}")
    assert list(card.comments.values_list("author__username", flat=True)) == ["olive", "eddie", "vera"]


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_empty_or_over_long_comments_are_refused_and_change_nothing(world, body):
    with pytest.raises(ValidationError):
        services.comment_create(card=world.cards[0], author=world.editor, body=body)
    assert not Comment.objects.exists()


def test_only_the_author_edits_a_comment(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="first")
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=world.owner, body="hijacked")
    services.comment_update(comment=comment, actor=world.viewer, body="second")
    comment.refresh_from_db()
    assert comment.body == "second" and comment.edited_at is not None


def test_author_or_owner_deletes_a_comment_nobody_else(world):
    mine = services.comment_create(card=world.cards[0], author=world.viewer, body="mine")
    theirs = services.comment_create(card=world.cards[0], author=world.editor, body="theirs")
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=theirs, actor=world.viewer)
    services.comment_delete(comment=mine, actor=world.viewer)
    services.comment_delete(comment=theirs, actor=world.owner)
    assert not Comment.objects.exists()


# --- comments: views ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("owner", 200), ("editor", 200), ("viewer", 200), ("stranger", 404), ("anonymous", 401)],
)
def test_comment_permission_matrix(world, as_user, who, status):
    user = None if who == "anonymous" else getattr(world, who)
    response = as_user(user, htmx=True).post(burl(world, "comment-create", world.cards[0].pk), {"body": "hi"})
    assert response.status_code == status
    assert Comment.objects.count() == (1 if status == 200 else 0)
    if status != 200:
        assert response.get(MESSAGE_HEADER) == "1"  # a refusal the page shows (defect 1)


def test_comment_on_another_boards_card_is_not_found(world, as_user):
    url = burl(world, "comment-create", world.other_card.pk)
    response = as_user(world.editor, htmx=True).post(url, {"body": "sneaky"})
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_comment_answer_appends_to_the_thread_and_updates_the_card_count(world, as_user):
    card = world.cards[0]
    response = as_user(world.viewer, htmx=True).post(burl(world, "comment-create", card.pk), {"body": "ok"})
    html = response.content.decode()
    assert f'hx-swap-oob="beforeend:#comments-{card.pk}"' in html
    assert f'id="card-{card.pk}"' in html and "1 comment" in html


def test_comments_keep_line_breaks_link_safely_and_are_escaped(world, as_user):
    card = world.cards[0]
    body = "line one\nsee https://example.com/x <script>alert(1)</script> javascript:alert(2)"
    services.comment_create(card=card, author=world.editor, body=body)
    html = as_user(world.owner, htmx=True).get(burl(world, "card", card.pk)).content.decode()
    assert "line one<br>" in html
    assert '<a href="https://example.com/x" rel="nofollow">' in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert 'href="javascript' not in html


def test_comment_edit_and_delete_over_http(world, as_user):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="typo")
    viewer = as_user(world.viewer, htmx=True)
    edit = viewer.post(burl(world, "comment-edit", comment.pk), {"body": "fixed"})
    assert edit.status_code == 200 and "fixed" in edit.content.decode()
    assert f'<li id="comment-{comment.pk}"' in edit.content.decode()  # the comment, swapped where it is
    refused = as_user(world.editor, htmx=True).post(burl(world, "comment-delete", comment.pk))
    assert refused.status_code == 403
    assert refused.get(MESSAGE_HEADER) == "1"
    gone = as_user(world.owner, htmx=True).post(burl(world, "comment-delete", comment.pk))
    assert gone.status_code == 200 and 'hx-swap-oob="delete"' in gone.content.decode()
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", ["", "   "])
def test_empty_comment_edit_is_refused_with_the_form_again(world, as_user, body):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="keep")
    response = as_user(world.viewer, htmx=True).post(burl(world, "comment-edit", comment.pk), {"body": body})
    assert response.status_code == 400
    assert response.get(MESSAGE_HEADER) == "1"  # defect 1: not replaced by django-htmx's debug page
    html = text_of(response)
    assert f'<li id="comment-{comment.pk}" class="comment editing"' in html  # the form again, to fix and resend
    assert f'action="{burl(world, "comment-edit", comment.pk)}"' in html
    assert "This field is required." in html
    assert (response["HX-Retarget"], response["HX-Reswap"]) == (f"#comment-{comment.pk}", "outerHTML")
    comment.refresh_from_db()
    assert comment.body == "keep"


def test_plain_empty_comment_edit_answers_the_board_page_with_the_message(world, as_user):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="keep")
    response = as_user(world.viewer).post(burl(world, "comment-edit", comment.pk), {"body": ""})
    assert response.status_code == 400
    assert 'id="live"' in text_of(response) and "This field is required." in text_of(response)
    comment.refresh_from_db()
    assert comment.body == "keep"


def test_over_long_comment_is_refused_with_the_header(world, as_user):
    response = as_user(world.viewer, htmx=True).post(
        burl(world, "comment-create", world.cards[0].pk), {"body": "x" * 5001}
    )
    assert response.status_code == 400
    assert response.get(MESSAGE_HEADER) == "1"
    assert "at most 5000" in text_of(response)
    assert not Comment.objects.exists()


# --- edit claims -----------------------------------------------------------------------------


def test_opening_the_edit_form_claims_the_card_and_others_are_told(world, as_user):
    card = world.cards[0]
    first = as_user(world.editor, htmx=True).get(burl(world, "card-edit", card.pk))
    assert first.status_code == 200 and "is editing" not in first.content.decode()
    assert EditClaim.objects.get(card=card).user == world.editor
    second = as_user(world.owner, htmx=True).get(burl(world, "card-edit", card.pk))
    assert "eddie</strong> is editing this card" in second.content.decode()
    board_page = as_user(world.viewer).get(burl(world, "board")).content.decode()
    assert "✎ eddie" in board_page


def test_saving_over_someone_elses_claim_asks_for_confirmation(world, as_user):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="editorpage1")
    owner = as_user(world.owner, htmx=True)
    data = {"title": "Mine now", "description": "", "version": card.version}
    asked = owner.post(burl(world, "card-edit", card.pk), data)
    assert asked.status_code == 409 and "Save anyway" in asked.content.decode()
    assert asked.get(MESSAGE_HEADER) == "1"
    card.refresh_from_db()
    assert card.title == "Card 0"
    saved = owner.post(burl(world, "card-edit", card.pk), {**data, "over_claim": "1"})
    assert saved.status_code == 200
    card.refresh_from_db()
    assert card.title == "Mine now"


def test_save_based_on_an_outdated_version_is_refused_with_the_current_text(world, as_user):
    card = world.cards[0]
    old_version = card.version
    services.card_update(card=card, title="Changed meanwhile", description="new text", actor=world.owner)
    data = {"title": "Lost update", "description": "", "version": old_version}
    response = as_user(world.editor, htmx=True).post(burl(world, "card-edit", card.pk), data)
    assert response.status_code == 409
    assert response.get(MESSAGE_HEADER) == "1"
    assert "Changed meanwhile" in response.content.decode()
    card.refresh_from_db()
    assert card.title == "Changed meanwhile"


def test_save_and_cancel_end_the_claim(world, as_user):
    card = world.cards[0]
    editor = as_user(world.editor, htmx=True)
    editor.get(burl(world, "card-edit", card.pk))
    released = editor.post(burl(world, "card-release", card.pk))
    assert not EditClaim.objects.exists()
    assert '<article class="card-detail"' in released.content.decode()  # back to the card
    editor.get(burl(world, "card-edit", card.pk))
    card.refresh_from_db()
    editor.post(burl(world, "card-edit", card.pk), {"title": "Saved", "description": "", "version": card.version})
    assert not EditClaim.objects.exists()


def test_an_expired_claim_is_not_shown_and_can_be_taken(world):
    card = world.cards[0]
    claim = services.claim_take(card=card, user=world.editor)
    EditClaim.objects.filter(pk=claim.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.active_claim(card=card) is None
    assert services.claim_take(card=card, user=world.owner).user == world.owner


def test_viewers_cannot_claim_cards(world, as_user):
    response = as_user(world.viewer, htmx=True).get(burl(world, "card-edit", world.cards[0].pk))
    assert response.status_code == 403
    assert response.get(MESSAGE_HEADER) == "1"
    assert not EditClaim.objects.exists()


# --- activity ----------------------------------------------------------------------------------


def test_activity_lists_who_did_what_newest_first(world, as_user):
    card = world.cards[0]
    services.card_move(card=card, pipeline=world.doing, after=None, actor=world.editor)
    services.comment_create(card=card, author=world.viewer, body="nice")
    rows = list(Activity.objects.filter(board=world.board).select_related("actor").order_by("-id")[:2])
    assert [(row.actor.username, row.kind) for row in rows] == [
        ("vera", events.COMMENT_CREATED),
        ("eddie", events.CARD_MOVED),
    ]
    assert [str(events.describe(row)) for row in rows] == [
        "commented on “Card 0”",
        "moved “Card 0” from To do to Doing",
    ]
    page = text_of(as_user(world.viewer).get(burl(world, "activity")))
    newest = page.index("<strong>vera</strong> commented on “Card 0” <time")
    assert newest < page.index("<strong>eddie</strong> moved “Card 0” from To do to Doing <time")


def test_activity_lines_are_rendered_from_the_events_data(world, as_user):
    """The line is made when read: from the event's kind and data, escaped; old rows still read."""
    services.board_rename(board=world.board, name="Q3 <b>plan</b>", actor=world.owner)
    Activity.objects.create(
        board=world.board, actor=world.owner, kind=events.LEGACY, data={"text": "did a <i>thing</i>"}
    )
    Activity.objects.create(board=world.board, actor=world.owner, kind=events.CARD_MOVED, data={"title": "old shape"})
    page = text_of(as_user(world.viewer).get(burl(world, "activity")))
    assert "renamed the board from “Roadmap” to “Q3 &lt;b&gt;plan&lt;/b&gt;”" in page
    assert "did a &lt;i&gt;thing&lt;/i&gt;" in page
    assert f"<strong>olive</strong> {events.CARD_MOVED} <time" in page  # data of an older shape: its kind
    assert "<b>plan</b>" not in page and "<i>thing</i>" not in page


def test_edit_claims_and_comment_edits_make_no_activity_line(world, as_user):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor)
    services.claim_release(card=card, user=world.editor)
    comment = services.comment_create(card=card, author=world.editor, body="x")
    services.comment_update(comment=comment, actor=world.editor, body="y")
    page = text_of(as_user(world.viewer).get(burl(world, "activity")))
    assert "started editing" not in page and "stopped editing" not in page and "edited a comment" not in page
    assert "commented on “Card 0”" in page


def test_card_panel_history_and_htmx_older_pages_come_from_events(world, as_user):
    card = world.cards[1]
    for i in range(25):
        services.card_update(card=card, title=f"T{i}", description="", actor=world.owner)
    panel = text_of(as_user(world.viewer, htmx=True).get(burl(world, "card", card.pk)))
    history = panel[panel.index(f'id="history-{card.pk}"') :]
    assert "renamed “T23” to “T24”" in history
    assert f"?page=2&amp;card={card.pk}" in history
    older = text_of(as_user(world.viewer, htmx=True).get(burl(world, "activity"), {"page": 2, "card": card.pk}))
    assert "<html" not in older  # just the items, for the list to append
    assert older.count('class="activity-item"') == 6  # 25 renames and its creation: 20 on page 1
    assert "created “Card 1” in To do" in older


def test_activity_is_paginated_and_card_history_is_the_cards_own(world, as_user):
    for i in range(25):
        services.card_update(card=world.cards[1], title=f"T{i}", description="", actor=world.owner)
    client = as_user(world.viewer)
    first = client.get(burl(world, "activity")).content.decode()
    assert first.count('class="activity-item"') == 20 and "?page=2" in first
    second = client.get(burl(world, "activity"), {"page": 2}).content.decode()
    assert 'class="activity-item"' in second
    history = client.get(burl(world, "activity"), {"card": world.cards[2].pk}).content.decode()
    assert history.count('class="activity-item"') == 1  # only its creation


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("query", ["?page=abc", "?page=0", "?card=xyz"])
def test_bad_activity_queries_are_refused(world, as_user, query, htmx):
    response = as_user(world.viewer, htmx=htmx).get(burl(world, "activity") + query)
    assert response.status_code == 400
    if htmx:
        assert response.get(MESSAGE_HEADER) == "1"


def test_strangers_see_no_activity(world, as_user):
    assert as_user(world.stranger).get(burl(world, "activity")).status_code == 404


def test_other_boards_card_history_is_not_found(world, as_user):
    response = as_user(world.viewer).get(burl(world, "activity"), {"card": world.other_card.pk})
    assert response.status_code == 404


def test_broadcast_marks_who_changed_it_so_other_pages_flash(world):
    with capture() as captured:
        services.card_update(card=world.cards[0], title="Flash", description="", actor=world.editor)
    assert f'data-by="{world.editor.pk}"' in captured.html
    assert f'hx-swap-oob="afterbegin:#activity-list, #history-{world.cards[0].pk}"' in captured.html


# --- live: websockets --------------------------------------------------------------------------

live_db = pytest.mark.django_db(transaction=True)


def run(scenario):
    return async_to_sync(scenario)()


@live_db
def test_new_comment_reaches_everyone_with_the_card_open(world):
    async def scenario():
        watcher, _ = await open_socket(world.board.pk, world.viewer)
        card = world.cards[0]
        await database_sync_to_async(services.comment_create)(card=card, author=world.editor, body="live!")
        html = await watcher.receive_from(timeout=5)
        if "live!" not in html:  # a presence update may come first
            html = await watcher.receive_from(timeout=5)
        assert f"beforeend:#comments-{card.pk}" in html and "live!" in html
        assert "1 comment" in html
        await watcher.disconnect()

    run(scenario)


async def receive_presence(communicator, *, timeout: float = 5) -> str:
    while True:
        html = await communicator.receive_from(timeout=timeout)
        if 'id="presence"' in html:
            return html


@live_db
def test_presence_joins_and_leaves_and_two_tabs_count_once(world):
    async def scenario():
        watcher, first = await open_socket(world.board.pk, world.owner, page="ownerpage01")
        assert 'id="presence"' in first
        tab1, _ = await open_socket(world.board.pk, world.editor, page="editortab01")
        html = await receive_presence(watcher)
        assert 'title="eddie has the board open"' in html
        tab2, _ = await open_socket(world.board.pk, world.editor, page="editortab02")
        assert await database_sync_to_async(Presence.objects.filter(user=world.editor).count)() == 2
        assert await watcher.receive_nothing(timeout=1.0)  # the set of people did not change
        await tab1.disconnect()
        assert await watcher.receive_nothing(timeout=1.0)  # still here in the other tab
        await tab2.disconnect()
        html = await receive_presence(watcher)
        assert "eddie" not in html
        await watcher.disconnect()

    run(scenario)


@live_db
def test_claim_badge_reaches_others_and_ends_when_the_socket_is_gone(world, monkeypatch):
    monkeypatch.setattr(live_presence.Presence, "CLAIM_GRACE", 0.2)
    card = world.cards[0]

    async def scenario():
        watcher, _ = await open_socket(world.board.pk, world.owner, page="ownerpage01")
        editor, _ = await open_socket(world.board.pk, world.editor, page="editorpage1")
        await receive_presence(watcher)
        await database_sync_to_async(services.claim_take)(card=card, user=world.editor, page="editorpage1")
        html = await watcher.receive_from(timeout=5)
        assert f'id="card-{card.pk}"' in html and "✎ eddie" in html
        await editor.disconnect()
        while True:
            html = await watcher.receive_from(timeout=5)
            if f'id="card-{card.pk}"' in html:
                break
        assert "✎" not in html
        assert not await database_sync_to_async(EditClaim.objects.exists)()
        await watcher.disconnect()

    run(scenario)


@live_db
def test_removed_members_claims_end_with_them(world):
    async def scenario():
        await database_sync_to_async(services.claim_take)(card=world.cards[0], user=world.editor)
        viewer_socket, _ = await open_socket(world.board.pk, world.editor)
        membership = await database_sync_to_async(world.board.memberships.get)(user=world.editor)
        await database_sync_to_async(services.member_remove)(membership=membership, actor=world.owner)
        await expect_closed(viewer_socket, CLOSE_FORBIDDEN)
        assert not await database_sync_to_async(EditClaim.objects.exists)()

    run(scenario)
