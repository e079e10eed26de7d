"""board.events: every write records exactly one event, as data; describe() turns it into its line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from board import events, services
from board.models import Activity, Board, Card, Comment, Membership, Pipeline, Role
from board.services import ranks
from tests.conftest import make_user
from tests.test_services import version_of

# --- one event per write --------------------------------------------------------------------


@dataclass
class Scene:
    """The world, with a comment by the viewer on card 0 and the editor editing card 1."""

    world: Any
    comment: Comment
    comment_id: int  # kept: a deleted comment's instance forgets its pk

    def membership(self, user) -> Membership:
        return Membership.objects.select_related("board", "user").get(board=self.world.board, user=user)


@pytest.fixture
def scene(world) -> Scene:
    made = services.comment_create(card=world.cards[0], author=world.viewer, body="A thought")
    services.claim_take(card=world.cards[1], user=world.editor, page="page-eddie-1")
    return Scene(world, Comment.objects.select_related("card__board").get(pk=made.pk), made.pk)


@dataclass
class Case:
    write: Any  # (scene) -> result
    kind: str
    data: Any  # (scene, result) -> the event's data
    actor: str | None  # which of the world's users
    card: Any = None  # (scene, result) -> the event's card id


def _w(s: Scene):
    return s.world


CASES = {
    "board_rename": Case(
        lambda s: services.board_rename(board=_w(s).board, name="Renamed", actor=_w(s).owner),
        events.BOARD_RENAMED,
        lambda s, r: {"old": "Roadmap", "new": "Renamed"},
        "owner",
    ),
    "member_add": Case(
        lambda s: services.member_add(board=_w(s).board, username="stan", role=Role.EDITOR, actor=_w(s).owner),
        events.MEMBER_ADDED,
        lambda s, r: {"user_id": _w(s).stranger.pk, "username": "stan", "role": "editor"},
        "owner",
    ),
    "member_set_role": Case(
        lambda s: services.member_set_role(membership=s.membership(_w(s).editor), role=Role.VIEWER, actor=_w(s).owner),
        events.MEMBER_ROLE_CHANGED,
        lambda s, r: {"user_id": _w(s).editor.pk, "username": "eddie", "role": "viewer"},
        "owner",
    ),
    "member_remove": Case(
        lambda s: services.member_remove(membership=s.membership(_w(s).editor), actor=_w(s).owner),
        events.MEMBER_REMOVED,
        lambda s, r: {"user_id": _w(s).editor.pk, "username": "eddie", "cards": [_w(s).cards[1].pk]},
        "owner",
    ),
    "pipeline_create": Case(
        lambda s: services.pipeline_create(board=_w(s).board, name="Done", actor=_w(s).editor),
        events.PIPELINE_CREATED,
        lambda s, r: {"pipeline": r.pk, "name": "Done"},
        "editor",
    ),
    "pipeline_rename": Case(
        lambda s: services.pipeline_rename(pipeline=_w(s).todo, name="Backlog", actor=_w(s).editor),
        events.PIPELINE_RENAMED,
        lambda s, r: {"pipeline": _w(s).todo.pk, "old": "To do", "new": "Backlog"},
        "editor",
    ),
    "pipeline_move": Case(
        lambda s: services.pipeline_move(pipeline=_w(s).doing, after=None, before=_w(s).todo.pk, actor=_w(s).editor),
        events.PIPELINE_MOVED,
        lambda s, r: {"pipeline": _w(s).doing.pk, "name": "Doing", "after": None},
        "editor",
    ),
    "pipeline_delete": Case(
        lambda s: services.pipeline_delete(pipeline=_w(s).todo, actor=_w(s).owner),
        events.PIPELINE_DELETED,
        lambda s, r: {"pipeline": _w(s).todo.pk, "name": "To do", "cards": 3},
        "owner",
    ),
    "card_create": Case(
        lambda s: services.card_create(pipeline=_w(s).doing, title="Fresh", description="x", actor=_w(s).editor),
        events.CARD_CREATED,
        lambda s, r: {"pipeline_id": _w(s).doing.pk, "title": "Fresh", "pipeline": "Doing"},
        "editor",
        lambda s, r: r.pk,
    ),
    "card_update": Case(
        lambda s: services.card_update(card=_w(s).cards[2], title="Edited", description="Words", actor=_w(s).editor),
        events.CARD_UPDATED,
        lambda s, r: {"old_title": "Card 2", "title": "Edited", "description_changed": True},
        "editor",
        lambda s, r: _w(s).cards[2].pk,
    ),
    "card_move": Case(
        lambda s: services.card_move(card=_w(s).cards[0], pipeline=_w(s).doing, after=None, actor=_w(s).editor),
        events.CARD_MOVED,
        lambda s, r: {
            "title": "Card 0",
            "from_pipeline": _w(s).todo.pk,
            "from_name": "To do",
            "to_pipeline": _w(s).doing.pk,
            "to_name": "Doing",
            "after": None,  # the card it now follows: none, it went first
        },
        "editor",
        lambda s, r: _w(s).cards[0].pk,
    ),
    "card_delete": Case(
        lambda s: services.card_delete(card=_w(s).cards[2], actor=_w(s).owner),
        events.CARD_DELETED,
        lambda s, r: {"card": _w(s).cards[2].pk, "pipeline_id": _w(s).todo.pk, "title": "Card 2"},
        "owner",
        None,  # the card is gone: its event names no card row
    ),
    "comment_create": Case(
        lambda s: services.comment_create(card=_w(s).cards[2], author=_w(s).viewer, body="Hi"),
        events.COMMENT_CREATED,
        lambda s, r: {"comment_id": r.pk, "title": "Card 2"},
        "viewer",
        lambda s, r: _w(s).cards[2].pk,
    ),
    "comment_update": Case(
        lambda s: services.comment_update(comment=s.comment, actor=_w(s).viewer, body="A better thought"),
        events.COMMENT_EDITED,
        lambda s, r: {"comment_id": s.comment_id, "title": "Card 0"},
        "viewer",
        lambda s, r: _w(s).cards[0].pk,
    ),
    "comment_delete": Case(
        lambda s: services.comment_delete(comment=s.comment, actor=_w(s).owner),
        events.COMMENT_DELETED,
        lambda s, r: {"comment_id": s.comment_id, "title": "Card 0"},
        "owner",
        lambda s, r: _w(s).cards[0].pk,
    ),
    "claim_take": Case(
        lambda s: services.claim_take(card=_w(s).cards[2], user=_w(s).owner, page="page-olive-1"),
        events.CLAIM_TAKEN,
        lambda s, r: {"title": "Card 2"},
        "owner",
        lambda s, r: _w(s).cards[2].pk,
    ),
    "claim_release": Case(
        lambda s: services.claim_release(card=_w(s).cards[1], user=_w(s).editor),
        events.CLAIM_RELEASED,
        lambda s, r: {"title": "Card 1"},
        "editor",
        lambda s, r: _w(s).cards[1].pk,
    ),
    "claims_release_page": Case(
        lambda s: services.claims_release_page(page="page-eddie-1"),
        events.CLAIM_RELEASED,
        lambda s, r: {"title": "Card 1"},
        "editor",
        lambda s, r: _w(s).cards[1].pk,
    ),
}


@pytest.fixture
def heard() -> list[tuple[Activity, Board]]:
    """What events.recorded announced while the test ran."""
    got: list[tuple[Activity, Board]] = []

    def listen(sender, event, board, **kwargs):
        got.append((event, board))

    events.recorded.connect(listen, dispatch_uid="test-events-heard")
    yield got
    events.recorded.disconnect(dispatch_uid="test-events-heard")


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_every_write_records_exactly_one_event_with_its_kind_data_actor_card_and_version(scene, heard, case):
    board = scene.world.board
    version = version_of(board)
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    result = case.write(scene)
    new = list(Activity.objects.filter(pk__gt=last))
    assert len(new) == 1, [(e.kind, e.data) for e in new]
    event = new[0]
    assert event.board_id == board.pk
    assert event.kind == case.kind
    assert event.data == case.data(scene, result)
    assert event.actor == getattr(scene.world, case.actor)
    assert event.card_id == (case.card(scene, result) if case.card else None)
    assert event.version == version_of(board) == version + 1
    assert [e.pk for e, _ in heard] == [event.pk]  # announced once
    assert heard[0][1].version == event.version  # with the board as its row reads under the lock


def test_board_delete_announces_one_event_at_the_next_version(world, heard):
    version = version_of(world.board)
    services.board_delete(board=world.board, actor=world.owner)
    ((event, board),) = heard
    assert (event.kind, event.data, event.actor, event.card_id) == (
        events.BOARD_DELETED,
        {"name": "Roadmap"},
        world.owner,
        None,
    )
    assert event.version == board.version == version + 1
    assert not Activity.objects.filter(board_id=world.board.pk).exists()  # gone with the board


def test_board_create_records_nothing(db, heard):
    board = services.board_create(owner=make_user("ann"), name="Quiet")
    assert heard == [] and not Activity.objects.filter(board=board).exists()
    assert version_of(board) == 0


def test_a_write_by_nobody_or_an_anonymous_user_records_no_actor(world):
    services.card_create(pipeline=world.todo, title="From a script")
    services.card_create(pipeline=world.todo, title="Anonymous", actor=AnonymousUser())
    assert [e.actor_id for e in Activity.objects.filter(board=world.board)[:2]] == [None, None]


def test_every_version_of_a_board_is_carried_by_exactly_one_event(world):
    """Pages treat a version no event carries as a change they missed: versions and events stay in step."""
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")  # the form reopened: a renewal
    services.claim_take(card=card, user=world.owner, page="page-olive-1")  # someone else's: refused
    services.card_update(card=card, title="Saved", description="", actor=world.editor)
    services.card_move(card=card, pipeline=world.doing, after=None)
    versions = list(Activity.objects.filter(board=world.board).order_by("version").values_list("version", flat=True))
    assert versions == list(range(1, version_of(world.board) + 1))


def test_taking_again_a_claim_one_holds_keeps_versions_and_events_in_step(world):
    card = world.cards[0]
    services.claim_take(card=card, user=world.editor, page="page-eddie-1")
    version, count = version_of(world.board), Activity.objects.count()
    services.claim_take(card=card, user=world.editor, page="page-eddie-2")
    assert services.active_claim(card=card).page == "page-eddie-2"  # renewed, for the page now open
    events_made = Activity.objects.count() - count
    assert version_of(world.board) - version == events_made  # no version without its event


def _membership(world, user) -> Membership:
    return Membership.objects.select_related("board", "user").get(board=world.board, user=user)


REFUSED = {
    "bad board name": lambda w: services.board_rename(board=w.board, name=" "),
    "unknown member": lambda w: services.member_add(board=w.board, username="nobody", role=Role.VIEWER),
    "duplicate member": lambda w: services.member_add(board=w.board, username="eddie", role=Role.VIEWER),
    "owner as member": lambda w: services.member_add(board=w.board, username="olive", role=Role.VIEWER),
    "bad role": lambda w: services.member_set_role(membership=_membership(w, w.editor), role="admin"),
    "long pipeline name": lambda w: services.pipeline_create(board=w.board, name="p" * 201),
    "empty card title": lambda w: services.card_create(pipeline=w.todo, title=" "),
    "card in a foreign pipeline": lambda w: services.card_move(card=w.cards[0], pipeline=w.other_pipeline),
    "foreign card moved here": lambda w: services.card_move(card=w.other_card, pipeline=w.todo),
    "stale edit": lambda w: services.card_update(card=w.cards[0], title="ok", description="", base_version=0),
    "empty comment": lambda w: services.comment_create(card=w.cards[0], author=w.viewer, body=""),
}


@pytest.mark.parametrize("write", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_write_records_nothing_and_keeps_the_version(world, heard, write):
    version, count = version_of(world.board), Activity.objects.count()
    with pytest.raises(ValidationError):
        write(world)
    assert (version_of(world.board), Activity.objects.count()) == (version, count)
    assert heard == []


def test_an_edit_refused_over_someone_elses_claim_records_nothing(world, heard):
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    version, count = version_of(world.board), Activity.objects.count()
    with pytest.raises(services.ClaimHeld):
        services.card_update(card=world.cards[0], title="ok", description="", actor=world.owner, over_claim=False)
    assert (version_of(world.board), Activity.objects.count()) == (version, count)
    assert [e.kind for e, _ in heard] == [events.CLAIM_TAKEN]  # the claim, and nothing after it


@pytest.mark.parametrize("gone", ["card", "pipeline", "comment"])
def test_a_write_to_something_deleted_meanwhile_records_nothing(world, gone):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Soon gone")
    stale_card = Card.objects.select_related("board").get(pk=world.cards[0].pk)
    stale_pipeline = Pipeline.objects.select_related("board").get(pk=world.doing.pk)
    stale_comment = Comment.objects.select_related("card__board").get(pk=comment.pk)
    if gone == "card":
        services.card_delete(card=world.cards[0])
    elif gone == "pipeline":
        services.pipeline_delete(pipeline=world.doing)
    else:
        services.comment_delete(comment=comment, actor=world.viewer)
    version, count = version_of(world.board), Activity.objects.count()
    with pytest.raises(ValidationError):
        if gone == "card":
            services.card_move(card=stale_card, pipeline=world.doing)
        elif gone == "pipeline":
            services.card_create(pipeline=stale_pipeline, title="Lost")
        else:
            services.comment_update(comment=stale_comment, actor=world.viewer, body="Edited")
    assert (version_of(world.board), Activity.objects.count()) == (version, count)


def test_a_forbidden_write_records_nothing(world):
    comment = services.comment_create(card=world.cards[0], author=world.viewer, body="Mine")
    version, count = version_of(world.board), Activity.objects.count()
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=world.editor, body="Not yours")
    with pytest.raises(PermissionDenied):
        services.comment_delete(comment=comment, actor=world.editor)
    assert (version_of(world.board), Activity.objects.count()) == (version, count)


def test_someone_elses_claim_is_reported_without_an_event_or_a_version(world):
    services.claim_take(card=world.cards[0], user=world.editor, page="page-eddie-1")
    version, count = version_of(world.board), Activity.objects.count()
    claim = services.claim_take(card=world.cards[0], user=world.owner, page="page-olive-1")
    assert claim.user == world.editor
    assert (version_of(world.board), Activity.objects.count()) == (version, count)


def test_releasing_a_claim_one_does_not_hold_records_nothing(world):
    version, count = version_of(world.board), Activity.objects.count()
    assert services.claim_release(card=world.cards[0], user=world.editor) is False
    assert (version_of(world.board), Activity.objects.count()) == (version, count)


# --- describe -------------------------------------------------------------------------------

T = "Ship it"
LINES = [
    (events.BOARD_RENAMED, {"old": "Plans", "new": "Roadmap"}, "renamed the board from “Plans” to “Roadmap”"),
    (events.BOARD_DELETED, {"name": "Roadmap"}, "deleted the board “Roadmap”"),
    (events.BOARD_IMPORTED, {"source": "CSV", "pipelines": 0, "cards": 1}, "imported 1 card (CSV)"),
    (
        events.BOARD_IMPORTED,
        {"source": "Trello", "pipelines": 3, "cards": 40, "comments": 2},
        "imported 40 cards in 3 new pipelines (Trello)",
    ),
    (events.MEMBER_ADDED, {"user_id": 3, "username": "stan", "role": "editor"}, "added stan as editor"),
    (events.MEMBER_ROLE_CHANGED, {"user_id": 3, "username": "stan", "role": "viewer"}, "made stan viewer"),
    (events.MEMBER_REMOVED, {"user_id": 3, "username": "stan", "cards": []}, "removed stan from the board"),
    (events.PIPELINE_CREATED, {"pipeline": 1, "name": "Done"}, "added the pipeline “Done”"),
    (
        events.PIPELINE_RENAMED,
        {"pipeline": 1, "old": "Done", "new": "Shipped"},
        "renamed the pipeline “Done” to “Shipped”",
    ),
    (events.PIPELINE_MOVED, {"pipeline": 1, "name": "Done"}, "moved the pipeline “Done”"),
    (events.PIPELINE_DELETED, {"pipeline": 1, "name": "Done", "cards": 4}, "deleted the pipeline “Done” and its cards"),
    (
        events.PIPELINE_LIMIT_SET,
        {"pipeline": 1, "name": "Done", "old": None, "limit": 5},
        "set the limit of the pipeline “Done” to 5",
    ),
    (
        events.PIPELINE_LIMIT_SET,
        {"pipeline": 1, "name": "Done", "old": 5, "limit": None},
        "removed the limit of the pipeline “Done”",
    ),
    (events.BOARD_LIMITS_SET, {"hard": True}, "made the board’s limits hard: a full pipeline takes no more cards"),
    (
        events.BOARD_LIMITS_SET,
        {"hard": False},
        "made the board’s limits soft: a pipeline over its limit is only marked",
    ),
    (events.CARD_CREATED, {"pipeline_id": 1, "title": T, "pipeline": "To do"}, "created “Ship it” in To do"),
    (
        events.CARD_UPDATED,
        {"old_title": "Ship", "title": T, "description_changed": False},
        "renamed “Ship” to “Ship it”",
    ),
    (
        events.CARD_UPDATED,
        {"old_title": "Ship", "title": T, "description_changed": True},
        "renamed “Ship” to “Ship it” and edited its description",
    ),
    (
        events.CARD_UPDATED,
        {"old_title": T, "title": T, "description_changed": True},
        "edited the description of “Ship it”",
    ),
    (
        events.CARD_MOVED,
        {"title": T, "from_pipeline": 1, "from_name": "To do", "to_pipeline": 2, "to_name": "Doing"},
        "moved “Ship it” from To do to Doing",
    ),
    (
        events.CARD_MOVED,
        {"title": T, "from_pipeline": 1, "from_name": "To do", "to_pipeline": 1, "to_name": "To do"},
        "moved “Ship it” within To do",
    ),
    (events.CARD_DELETED, {"pipeline_id": 1, "title": T}, "deleted “Ship it”"),
    (events.COMMENT_CREATED, {"comment_id": 1, "title": T}, "commented on “Ship it”"),
    (events.COMMENT_EDITED, {"comment_id": 1, "title": T}, "edited a comment on “Ship it”"),
    (events.COMMENT_DELETED, {"comment_id": 1, "title": T}, "deleted a comment on “Ship it”"),
    (events.CLAIM_TAKEN, {"title": T}, "started editing “Ship it”"),
    (events.CLAIM_RELEASED, {"title": T}, "stopped editing “Ship it”"),
    (events.LABEL_CREATED, {"label_id": 1, "name": "Bug", "colour": "red"}, "added the label “Bug”"),
    (
        events.LABEL_UPDATED,
        {"label_id": 1, "old_name": "Bug", "name": "Defect", "old_colour": "red", "colour": "red", "cards": []},
        "renamed the label “Bug” to “Defect”",
    ),
    (events.LABEL_DELETED, {"label_id": 1, "name": "Bug", "cards": [2]}, "deleted the label “Bug”"),
    (events.CARD_LABELS_SET, {"title": T, "added": ["Bug", "UX"], "removed": []}, "labelled “Ship it” Bug, UX"),
    (events.LEGACY, {"verb": "moved", "text": "moved “Old” from A to B"}, "moved “Old” from A to B"),
]


@pytest.mark.parametrize(("kind", "data", "line"), LINES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(LINES)])
def test_describe_gives_each_kind_its_english_line(kind, data, line):
    assert str(events.describe(Activity(kind=kind, data=data))) == line


def test_describe_has_a_line_for_every_kind():
    kinds = {
        value
        for name, value in vars(events).items()
        if name.isupper() and isinstance(value, str) and (value == events.LEGACY or "." in value)
    }
    assert kinds == {kind for kind, _, _ in LINES}
    assert set(events.UNLISTED) <= kinds


def test_describe_escapes_what_people_typed():
    line = events.describe(Activity(kind=events.CARD_DELETED, data={"pipeline_id": 1, "title": "<b>x</b> & y"}))
    assert str(line) == "deleted “&lt;b&gt;x&lt;/b&gt; &amp; y”"
    legacy = events.describe(Activity(kind=events.LEGACY, data={"text": "<script>alert(1)</script>"}))
    assert "<script>" not in str(legacy) and "&lt;script&gt;" in str(legacy)


@pytest.mark.parametrize(
    ("kind", "data"),
    [("card.created", {"title": "No pipeline"}), ("card.moved", {}), ("card.deleted", "text"), ("made.up", {"a": 1})],
    ids=["missing key", "empty", "not a dict", "unknown kind"],
)
def test_describe_of_data_of_an_older_shape_or_an_unknown_kind_names_the_kind(kind, data):
    assert str(events.describe(Activity(kind=kind, data=data))) == kind


def test_describe_of_a_real_event_matches_what_happened(world):
    services.card_update(card=world.cards[0], title="Edited", description="", actor=world.editor)
    assert str(events.describe(world.board.activities.first())) == "renamed “Card 0” to “Edited”"


def test_old_legacy_rows_show_their_stored_text_in_the_activity_list(world, as_user):
    Activity.objects.create(
        board=world.board,
        actor=world.editor,
        kind=events.LEGACY,
        data={"verb": "created", "text": "created “From 2025” in To do"},
        version=0,
    )
    page = as_user(world.viewer).get(f"/b/{world.board.pk}/activity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "created “From 2025” in To do" in html
    assert "<strong>eddie</strong>" in html


# --- migration 0004: old verb/text rows become legacy events; positions become ranks ------------

BEFORE, AFTER = ("board", "0003_card_rev"), ("board", "0004_events_and_ranks")


@pytest.mark.django_db(transaction=True)
def test_migration_0004_turns_old_lines_into_legacy_events_and_spreads_positions():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([BEFORE])
        old = executor.loader.project_state([BEFORE]).apps
        user = old.get_model("auth", "User").objects.create(username="old-timer", password="!")
        board = old.get_model("board", "Board").objects.create(name="Old", owner_id=user.pk)
        pipes = [
            old.get_model("board", "Pipeline").objects.create(board=board, name=n, position=i)
            for i, n in enumerate(["B", "A"])
        ]
        OldCard = old.get_model("board", "Card")
        cards = [
            OldCard.objects.create(board=board, pipeline=pipes[0], title=f"C{i}", position=p)
            for i, p in enumerate([2, 0, 1])
        ]
        line = old.get_model("board", "Activity").objects.create(
            board=board, actor_id=user.pk, verb="moved", text="moved “C0” from B to A"
        )

        executor = MigrationExecutor(connection)
        executor.migrate([AFTER])
        new = executor.loader.project_state([AFTER]).apps
        row = new.get_model("board", "Activity").objects.get(pk=line.pk)
        assert (row.kind, row.data, row.version) == ("legacy", {"verb": "moved", "text": "moved “C0” from B to A"}, 0)
        assert str(events.describe(Activity(kind=row.kind, data=row.data))) == "moved “C0” from B to A"
        NewCard, NewPipeline = new.get_model("board", "Card"), new.get_model("board", "Pipeline")
        card_rows = list(
            NewCard.objects.filter(pipeline_id=pipes[0].pk).order_by("position").values_list("pk", "position")
        )
        assert card_rows == [(cards[1].pk, ranks.STEP), (cards[2].pk, 2 * ranks.STEP), (cards[0].pk, 3 * ranks.STEP)]
        pipe_rows = list(
            NewPipeline.objects.filter(board_id=board.pk).order_by("position").values_list("pk", "position")
        )
        assert pipe_rows == [(pipes[0].pk, ranks.STEP), (pipes[1].pk, 2 * ranks.STEP)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
