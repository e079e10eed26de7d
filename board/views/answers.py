"""What every view shares: who is asking, and how a success or a refusal is answered.

htmx gets fragments (the write's own, the same bytes the other pages get) or a message for
the page's message area; a plain form gets a redirect, or the page again with the message.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.middleware import HtmxDetails

from board import selectors
from board.live.fragments import presence_context, with_cards_html
from board.live.origin import Captured
from board.models import LabelColour
from board.selectors import Access
from board.services.common import Gone

PAGE = "board/board.html"
MESSAGE_HEADER = "X-LiveBoard-Message"  # marks a refusal the page shows (not a crash page)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def flash(message: str, *, level: str = "error") -> str:
    """The page's message area, as an out-of-band swap (every success sends an empty one)."""
    return render_to_string("board/header.html#flash", {"message": message, "level": level, "oob": True})


def refusal(html: str, status: int) -> HttpResponse:
    """A deliberate 4xx for htmx: swapped into the page like any answer."""
    response = HttpResponse(html, status=status)
    response[MESSAGE_HEADER] = "1"
    return response


def flash_response(message: str, status: int) -> HttpResponse:
    return refusal(flash(message), status)


def error_response(
    request: HtmxHttpRequest, message: str, status: int, *, access: Access | None = None, **page: Any
) -> HttpResponse:
    """Refuse clearly: htmx gets the message in the page's message area; a plain form the page again."""
    if request.htmx:
        return flash_response(message, status)
    if access is not None and status in (400, 404):
        return board_page(request, access, error=message, status=status, **page)
    return render(request, "board/error.html", {"message": message, "status": status}, status=status)


def first_error(form: Any) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else ""
        return _("%(label)s: %(error)s") % {"label": label, "error": errors[0]} if label else errors[0]
    return _("Invalid input.")


def valid(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(first_error(form))
    return form.cleaned_data


def board_url(access: Access) -> str:
    return reverse("board", args=[access.board.pk])


def board_page(
    request: HtmxHttpRequest, access: Access, *, status: int = 200, error: str = "", panel: str = "", **extra: Any
) -> HttpResponse:
    """The whole board page (optionally with a panel open), as a plain request gets it."""
    board = access.board
    query = request.GET.get("q", "")[:200].replace("\x00", "")  # no text holds a NUL
    now = timezone.now()
    hidden = selectors.hidden_cards(board=board, query=query)
    pipelines = with_cards_html(board, selectors.board_pipelines(board=board), now=now, hidden=hidden)
    context = {
        "board": board,
        "now": now,
        **presence_context(board.pk),
        "role": access.role,
        "can_edit": access.can_edit,
        "is_owner": access.is_owner,
        "members": selectors.members(board=board),
        "labels": selectors.board_labels(board=board),
        "colours": LabelColour.choices,
        "q": query,
        "labels_open": request.GET.get("labels") == "open",
        "page_id": secrets.token_urlsafe(12),
        "socket_url": reverse("board-socket", args=[board.pk], urlconf="board.routing"),
        "message": error,
        "panel": panel,
        **extra,
        # A panel's context names the pipelines too (the move form's choices): the strip needs its cards.
        "pipelines": pipelines,
    }
    response = render(request, PAGE, context, status=status)
    # A board's content is its members' only: no shared cache keeps it, no back button shows it stale.
    patch_cache_control(response, private=True, no_store=True)
    return response


def done(request: HtmxHttpRequest, captured: Captured, next_url: str, *extra: str) -> Any:
    """Success: htmx gets the fragments the write rendered; a plain form a redirect."""
    if request.htmx:
        return HttpResponse(captured.html + "".join(extra) + flash("", level="ok"))
    return redirect(next_url)


def panel_html(partial: str, context: dict[str, Any]) -> str:
    """Content for the page's dialog, as an out-of-band swap of its inside ("" empties it)."""
    inner = render_to_string(partial, context) if partial else ""
    return f'<div id="panel" hx-swap-oob="innerHTML">{inner}</div>'


def show_panel(
    request: HtmxHttpRequest, access: Access, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """A panel (card, edit form, members, confirmation): in the dialog for htmx, on the page without JS."""
    if request.htmx:
        html = panel_html(partial, context)
        return refusal(html, status) if status >= 400 else HttpResponse(html)
    return board_page(request, access, panel=partial, status=status, **context)


def confirm(request: HtmxHttpRequest, access: Access, question: str, action: str) -> HttpResponse:
    context = {"question": question, "action": action, "board": access.board}
    return show_panel(request, access, "board/confirm.html#confirm", context)


NEEDS = {
    "read": None,
    "edit": gettext_lazy("Viewers cannot change this board."),
    "owner": gettext_lazy("Only the board's owner can do that."),
}


def board_endpoint(*, need: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Resolve the board and the user's role; refuse strangers (404), viewers' writes (403), bad input (400)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @require_http_methods(list(methods))
        def wrapper(request: HtmxHttpRequest, board_id: int, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.htmx:
                    return error_response(request, _("Your session has ended: log in again."), 401)
                return redirect_to_login(request.get_full_path())
            access: Access | None = None
            try:
                access = selectors.board_access(board_id=board_id, user=request.user)
                if need == "edit" and not access.can_edit:
                    raise PermissionDenied(str(NEEDS["edit"]))
                if need == "owner" and not access.is_owner:
                    raise PermissionDenied(str(NEEDS["owner"]))
                return view(request, access, **kwargs)
            except Http404 as exc:
                return error_response(request, str(exc) or _("Not found."), 404)
            except Gone as exc:  # deleted meanwhile: the board again (or the page's message area) says so
                return error_response(request, " ".join(exc.messages), 404, access=access)
            except PermissionDenied as exc:
                return error_response(request, str(exc) or _("Not allowed."), 403)
            except ValidationError as exc:
                return error_response(request, " ".join(exc.messages), 400, access=access)

        return wrapper

    return decorate
