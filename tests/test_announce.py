"""What a screen reader is told of a change: one short sentence rendered into the change's step,
from the event's data, the same bytes for every page; the page says it unless its reader made it."""

from __future__ import annotations

import html
import re

import pytest

from board import services
from board.live import languages, steps

pytestmark = pytest.mark.django_db

STEP = re.compile(r'^<template data-step="(\d+)"(?: data-say="([^"]*)" data-by="(\d*)")?>')


def sent(
    django_capture_on_commit_callbacks, published, write, language: str = "en"
) -> tuple[int, str | None, str | None, str]:
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        write()
    (message,) = [m for _, m in published if m["type"] == "board.fragments"]
    version, say, by = STEP.match(message["html"][language]).groups()
    assert int(version) == message["version"]
    return message["version"], say and html.unescape(say), by, message["html"][language]


def test_a_move_is_told_as_who_moved_what_where(world, published, django_capture_on_commit_callbacks):
    card = world.cards[0]
    move = lambda: services.card_move(card=card, pipeline=world.doing, actor=world.editor)  # noqa: E731
    version, say, by, whole = sent(django_capture_on_commit_callbacks, published, move)
    assert say == "eddie moved “Card 0” to Doing."
    assert by == str(world.editor.pk)
    # A page that reconnects is sent the same step, sentence included.
    assert steps.since(world.board.pk, version - 1, version, "en") == whole


def test_a_japanese_page_is_told_in_japanese(world, published, django_capture_on_commit_callbacks):
    languages.seen([(world.board.pk, "ja")])  # a Japanese page has the board open
    card = world.cards[0]
    move = lambda: services.card_move(card=card, pipeline=world.doing, actor=world.editor)  # noqa: E731
    version, say, _, whole = sent(django_capture_on_commit_callbacks, published, move, "ja")
    assert say == "eddie さんが「Card 0」をDoingに移動しました。"
    assert steps.since(world.board.pk, version - 1, version, "ja") == whole


@pytest.mark.parametrize(
    "write, expected",
    [
        (lambda w: services.card_create(pipeline=w.doing, title="Write the guide", actor=w.editor),
         "eddie added “Write the guide” to Doing."),
        (lambda w: services.pipeline_rename(pipeline=w.todo, name="Backlog", actor=w.editor),
         "eddie renamed the pipeline “To do” to “Backlog”."),
        (lambda w: services.board_rename(board=w.board, name="Plans", actor=w.owner),
         "olive renamed the board to “Plans”."),
        (lambda w: services.comment_create(card=w.cards[1], author=w.viewer, body="Looks good"),
         "vera commented on “Card 1”."),
        (lambda w: services.card_delete(card=w.cards[2], actor=w.editor), "eddie deleted “Card 2”."),
    ],
)  # fmt: skip
def test_each_change_has_its_sentence(world, published, django_capture_on_commit_callbacks, write, expected):
    assert sent(django_capture_on_commit_callbacks, published, lambda: write(world))[1] == expected


def test_a_title_is_said_as_typed_and_never_leaves_the_step(world, published, django_capture_on_commit_callbacks):
    title = '"><script>alert(1)</script> {actor} & co'
    create = lambda: services.card_create(pipeline=world.todo, title=title, actor=world.editor)  # noqa: E731
    _, say, _, whole = sent(django_capture_on_commit_callbacks, published, create)
    assert say == f"eddie added “{title}” to To do."
    assert "<script>" not in whole.split(">", 1)[0]


def test_an_edit_badge_is_not_worth_a_sentence(world, published, django_capture_on_commit_callbacks):
    take = lambda: services.claim_take(card=world.cards[0], user=world.editor)  # noqa: E731
    assert sent(django_capture_on_commit_callbacks, published, take)[1:3] == (None, None)


def test_a_change_by_nobody_logged_in_is_told_as_someone_s(world, published, django_capture_on_commit_callbacks):
    rename = lambda: services.pipeline_rename(pipeline=world.doing, name="Done")  # noqa: E731
    _, say, by, _ = sent(django_capture_on_commit_callbacks, published, rename)
    assert say == "Someone renamed the pipeline “Doing” to “Done”." and by == ""
