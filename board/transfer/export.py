"""A board as a file: our JSON (complete for what exists; board.transfer.native reads it back) and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from django.db.models import Count, Prefetch

from board.models import Board, Card, Comment, Membership, Pipeline
from board.transfer.plan import FORMAT

CSV_COLUMNS = ["title", "description", "pipeline", "created", "comments"]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def board_document(board: Board) -> dict:
    """Everything a board holds today: pipelines and cards in order, comments, members by username.

    No database ids and no export time: exporting a board imported from this file gives the
    same document. Labels, checklists, due dates and the archive are added when they exist.
    """
    comments = Comment.objects.select_related("author").order_by("created_at", "id")
    cards = Card.objects.order_by("position", "id").prefetch_related(Prefetch("comments", queryset=comments))
    pipelines = (
        Pipeline.objects.filter(board=board)
        .order_by("position", "id")
        .prefetch_related(Prefetch("cards", queryset=cards))
    )
    members = Membership.objects.filter(board=board).select_related("user").order_by("user__username")
    return {
        "format": FORMAT,
        "board": {
            "name": board.name,
            "owner": board.owner.get_username(),
            "members": [{"username": m.user.get_username(), "role": m.role} for m in members],
            "pipelines": [
                {
                    "name": pipeline.name,
                    "cards": [
                        {
                            "title": card.title,
                            "description": card.description,
                            "created": _time(card.created_at),
                            "comments": [
                                {
                                    "author": c.imported_author or c.author.get_username(),
                                    "body": c.body,
                                    "created": _time(c.created_at),
                                }
                                for c in card.comments.all()
                            ],
                        }
                        for card in pipeline.cards.all()
                    ],
                }
                for pipeline in pipelines
            ],
        },
    }


def board_json(board: Board) -> str:
    return json.dumps(board_document(board), ensure_ascii=False, indent=2) + "\n"


def board_csv(board: Board) -> str:
    """One row per card, pipelines and cards in board order; UTF-8 with a BOM (spreadsheets read it)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = (
        Card.objects.filter(board=board)
        .annotate(n_comments=Count("comments"))
        .select_related("pipeline")
        .order_by("pipeline__position", "pipeline_id", "position", "id")
    )
    for card in rows:
        writer.writerow([card.title, card.description, card.pipeline.name, _time(card.created_at), card.n_comments])
    return out.getvalue()
