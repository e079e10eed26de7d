"""Boards: the list of mine, one board's page, its filter, rename, delete, and its activity."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from board import selectors, services
from board.forms import FilterForm, NameForm, PageForm
from board.live.origin import capture
from board.selectors import Access
from board.views.answers import (
    MESSAGE_HEADER,
    HtmxHttpRequest,
    board_endpoint,
    board_page,
    board_url,
    confirm,
    done,
    first_error,
    flash_response,
    valid,
)


@require_http_methods(["GET", "POST"])
def home(request: HtmxHttpRequest) -> HttpResponse:
    """My boards (owned and shared), and a form to create one."""
    if not request.user.is_authenticated:
        # As board_endpoint does: htmx would follow a redirect silently and show nothing.
        if request.htmx:
            return flash_response(_("Your session has ended: log in again."), 401)
        return redirect_to_login(request.get_full_path())
    error = ""
    if request.method == "POST":
        try:
            board = services.board_create(owner=request.user, name=valid(NameForm(request.POST))["name"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            url = reverse("board", args=[board.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if request.htmx:
            return flash_response(error, 400)
    boards = selectors.boards_for_user(user=request.user)
    return render(request, "board/home.html", {"boards": boards, "message": error}, status=400 if error else 200)


@board_endpoint(need="read", methods=("GET",))
def board_detail(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    return board_page(request, access)


@board_endpoint(need="read", methods=("GET",))
def board_filter(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    """Ids of the cards matching a keyword: the page hides the others, live updates included."""
    form = FilterForm({"q": request.GET.get("q", "")[:200]})
    if not form.is_valid():  # e.g. a NUL, which no card's text can hold
        return JsonResponse({"error": first_error(form)}, status=400, headers={MESSAGE_HEADER: "1"})
    query = form.cleaned_data["q"]
    return JsonResponse({"q": query, "ids": selectors.card_ids_matching(board=access.board, query=query)})


@board_endpoint(need="edit")
def board_rename(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    name = valid(NameForm(request.POST))["name"]
    with capture() as captured:
        services.board_rename(board=access.board, name=name, actor=request.user)
    return done(request, captured, board_url(access))


@board_endpoint(need="owner", methods=("GET", "POST"))
def board_delete(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    if request.method == "GET":
        question = _("Delete the board “%(name)s” with all its pipelines and cards?") % {"name": access.board.name}
        return confirm(request, access, question, reverse("board-delete", args=[access.board.pk]))
    services.board_delete(board=access.board, actor=request.user)
    return HttpResponseClientRedirect(reverse("home")) if request.htmx else redirect("home")


@board_endpoint(need="read", methods=("GET",))
def activity(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    """The board's history (or one card's, with ?card=), newest first, a page at a time."""
    page = valid(PageForm(request.GET or {"page": 1}))["page"] or 1
    card = None
    if request.GET.get("card"):
        card_id = valid(PageForm({"page": 1, "card": request.GET["card"]}))["card"]
        card = selectors.card_of_board(board=access.board, card_id=card_id)
    items, more = selectors.activity_page(board=access.board, page=page, card=card)
    context = {
        "board": access.board,
        "card": card,
        "activities": items,
        "more": more,
        "next_page": page + 1,
        "page": page,
        "now": timezone.now(),
    }
    if request.htmx:
        return render(request, "board/history.html#items", context)
    return render(request, "board/activity.html", context)
