"""Random writes by several people, their steps delivered to a page in any order, some lost:
the page never goes back to an older version, and once it has them all (or resumes) it shows
what the database holds."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from board import services
from board.live import steps
from board.models import Card, Pipeline
from tests.conftest import client_for
from tests.pages import Page, board_order, page_of, step_of

# An operation: (kind, a, b, c) with small numbers picked into the board's cards and pipelines.
OPS = st.lists(
    st.tuples(st.sampled_from(["move", "move", "move", "create", "delete", "pipeline"]), *[st.integers(0, 20)] * 3),
    min_size=1,
    max_size=12,
)


def write(board, owner, kind: str, a: int, b: int, c: int) -> str:
    """One write through the services; the step it made, kept as its commit would keep it."""
    html = _write(board, owner, kind, a, b, c)
    steps.keep(board.pk, int(re.search(r'data-step="(\d+)"', html).group(1)), {"en": html})
    return html


def _write(board, owner, kind: str, a: int, b: int, c: int) -> str:
    pipelines = list(Pipeline.objects.filter(board=board).order_by("position", "id"))
    cards = list(Card.objects.filter(board=board).order_by("position", "id"))
    if kind == "create" or not cards:
        pipeline = pipelines[a % len(pipelines)]
        return step_of(lambda: services.card_create(pipeline=pipeline, title=f"Card {a}{b}{c}", actor=owner))
    card = cards[a % len(cards)]
    if kind == "delete":
        return step_of(lambda: services.card_delete(card=card, actor=owner))
    if kind == "pipeline":
        others = [p for p in pipelines if p.pk != pipelines[a % len(pipelines)].pk]
        after = others[b % len(others)].pk if others and c % 3 else None
        moving = pipelines[a % len(pipelines)]
        return step_of(lambda: services.pipeline_move(pipeline=moving, after=after, actor=owner))
    target = pipelines[b % len(pipelines)]
    neighbours = [x for x in cards if x.pipeline_id == target.pk and x.pk != card.pk]
    after = neighbours[c % len(neighbours)].pk if neighbours and c % 4 else None
    return step_of(lambda: services.card_move(card=card, pipeline=target, after=after, actor=owner))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, order=st.randoms(use_true_random=False), lost=st.sets(st.integers(0, 11), max_size=3))
def test_a_page_given_steps_in_any_order_never_goes_back_and_ends_where_the_database_is(db, ops, order, lost):
    with transaction.atomic():
        owner = get_user_model().objects.create_user(username="prop-owner", password="x")
        board = services.board_create(owner=owner, name="Property")
        for name in ("To do", "Doing", "Done"):
            services.pipeline_create(board=board, name=name, actor=owner)
        for i in range(4):
            services.card_create(pipeline=Pipeline.objects.filter(board=board).first(), title=f"Seed {i}", actor=owner)
        page = page_of(client_for(owner), board)
        made = [write(board, owner, *op) for op in ops]
        delivered = [html for i, html in enumerate(made) if i not in lost]
        order.shuffle(delivered)
        shown = page.shown
        for html in delivered:
            page.receive(html)
            assert page.shown >= shown  # never an older version
            shown = page.shown
        if len(delivered) < len(made):  # a step lost: the page resumes from what it shows (a gap, a reconnect)
            page = resumed(page, board)
        assert page.shown == board.__class__.objects.get(pk=board.pk).version
        assert page.order() == board_order(board)
        transaction.set_rollback(True)


def resumed(page: Page, board) -> Page:
    """What the page shows after resuming: the steps since its version (or the whole board)."""
    from board.live import fragments

    current = board.__class__.objects.get(pk=board.pk).version
    missed = steps.since(board.pk, page.shown, current, "en")
    page.pending = {}
    page.receive(missed if missed is not None else fragments.render_resync(board.pk)[1])
    return page
