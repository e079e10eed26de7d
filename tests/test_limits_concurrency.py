"""A hard limit holds under concurrent writers: moves and creates racing into one pipeline never overfill it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from board import services
from board.models import Activity, Card
from tests.test_concurrency import THREADS, run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_writers_racing_into_a_full_pipeline_leave_it_at_its_limit(world):
    services.board_set_limits(board=world.board, hard=True, actor=world.owner)
    services.pipeline_set_limit(pipeline=world.doing, limit=2, actor=world.owner)
    extra = [services.card_create(pipeline=world.todo, title=f"Extra {i}", actor=world.owner) for i in range(THREADS)]
    movers = (world.cards + extra)[:THREADS]
    refused: list[int] = []
    events_before = Activity.objects.count()

    def work(seed: int) -> None:
        try:
            if seed % 2:
                services.card_create(pipeline=world.doing, title=f"New {seed}", actor=world.editor)
            else:
                services.card_move(card=movers[seed], pipeline=world.doing, actor=world.editor)
        except ValidationError as refusal:
            assert "its limit is 2 cards" in refusal.messages[0]
            refused.append(seed)

    run_together(work)
    assert Card.objects.filter(pipeline=world.doing).count() == 2
    assert len(refused) == THREADS - 2
    assert Activity.objects.count() == events_before + 2  # a refused write records nothing
