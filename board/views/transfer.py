"""Export a board (JSON, CSV), import a board (Trello, our JSON) or cards (CSV): plain forms and downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from board.selectors import Access
from board.transfer import export, files
from board.transfer.plan import ImportRefused
from board.views.answers import HtmxHttpRequest, board_endpoint

PAGE = "board/transfer.html"


def _download(content: str, board_name: str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    name = slugify(board_name) or "board"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@board_endpoint(need="read", methods=("GET",))
def export_json(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    return _download(export.board_json(access.board), access.board.name, "json", "application/json")


@board_endpoint(need="read", methods=("GET",))
def export_csv(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    return _download(export.board_csv(access.board), access.board.name, "csv", "text/csv")


@board_endpoint(need="edit", methods=("GET", "POST"))
def import_cards(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    """A CSV file's cards added to this board's pipelines."""
    context = {"board": access.board, "form": "cards"}
    if request.method == "POST":
        try:
            data = files.read_upload(request.FILES.get("file"))
            count, notes = files.import_cards(data, board=access.board, actor=request.user)
        except ImportRefused as exc:
            return render(request, PAGE, {**context, "message": " ".join(exc.messages)}, status=400)
        return render(
            request, PAGE, {**context, "form": "done", "count": count, "notes": notes, "target": access.board}
        )
    return render(request, PAGE, context)


@login_required
@require_http_methods(["GET", "POST"])
def import_board(request: HtmxHttpRequest) -> HttpResponse:
    """A new board, owned by whoever imports it, from a Trello export or a LiveBoard export."""
    context = {"form": "board", "kinds": [("trello", "Trello (JSON)"), ("liveboard", "LiveBoard (JSON)")]}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            if kind not in files.PARSERS:
                raise ImportRefused("Choose what kind of file it is: Trello or LiveBoard.")
            data = files.read_upload(request.FILES.get("file"))
            board, plan = files.import_board(data, kind=kind, owner=request.user)
        except ImportRefused as exc:
            return render(request, PAGE, {**context, "message": " ".join(exc.messages), "kind": kind}, status=400)
        done = {"form": "done", "count": plan.card_count, "notes": plan.notes, "target": board}
        return render(request, PAGE, done)
    return render(request, PAGE, context)
