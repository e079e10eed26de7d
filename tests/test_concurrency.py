"""Concurrent writes to one board are serialised: no lost update, no broken order."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection

from board import services
from board.models import Board, Card, Pipeline

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_reorders_and_moves_keep_every_invariant(world):
    pipelines = [world.todo, world.doing]
    for i in range(12):
        services.card_create(pipeline=pipelines[i % 2], title=f"Extra {i}", actor=world.owner)
    start_version = Board.objects.get(pk=world.board.pk).version
    ids = list(Card.objects.filter(board=world.board).values_list("pk", flat=True))
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            barrier.wait()
            for _ in range(8):
                pipeline = Pipeline.objects.get(pk=rng.choice(pipelines).pk)
                if rng.random() < 0.5:
                    order = rng.sample(ids, rng.randint(1, len(ids)))  # a stale view of the board
                    services.pipeline_reorder(pipeline=pipeline, card_ids=order, actor=world.editor)
                else:
                    card = Card.objects.get(pk=rng.choice(ids))
                    services.card_move(card=card, pipeline=pipeline, position=rng.randint(0, 30), actor=world.owner)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert Board.objects.get(pk=world.board.pk).version == start_version + 4 * 8  # every write counted once
    assert Card.objects.filter(board=world.board).count() == len(ids)
    for pipeline in pipelines:
        positions = list(Card.objects.filter(pipeline=pipeline).order_by("position").values_list("position", flat=True))
        assert positions == list(range(len(positions)))
