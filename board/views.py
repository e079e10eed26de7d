"""Thin views: parse, call a service, answer with fragments (htmx) or a redirect (plain form)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from board import live, selectors, services
from board.forms import (
    CardCreateForm,
    CardForm,
    CommentForm,
    MemberForm,
    MoveForm,
    NameForm,
    PageForm,
    PositionForm,
    RoleForm,
    SignupForm,
)
from board.models import Role
from board.selectors import Access

PAGE = "board/board.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


# --- answers -----------------------------------------------------------------------------


def flash_response(message: str, status: int) -> HttpResponse:
    """An htmx refusal: the message for the page's message area, marked as ours."""
    response = HttpResponse(flash(message), status=status)
    # Lets the page tell a refusal it should show from a crash (DEBUG's error page).
    response["X-LiveBoard-Message"] = "1"
    return response


@lru_cache(maxsize=256)
def flash(message: str, *, level: str = "error") -> str:
    """The page's message area, as an out-of-band swap (every success sends the same empty one)."""
    return render_to_string(f"{PAGE}#flash", {"message": message, "level": level, "oob": True})


def error_response(
    request: HtmxHttpRequest, message: str, status: int, *, access: Access | None = None, **page: Any
) -> HttpResponse:
    """Refuse clearly: htmx gets the message in the page's message area; a plain form the page again."""
    if request.htmx:
        return flash_response(message, status)
    if access is not None and status == 400:
        return board_page(request, access, error=message, status=status, **page)
    return render(request, "board/error.html", {"message": message, "status": status}, status=status)


def first_error(form: Any) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ").capitalize() if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return "Invalid input."


def board_page(
    request: HtmxHttpRequest, access: Access, *, status: int = 200, error: str = "", panel: str = "", **extra: Any
) -> HttpResponse:
    """The whole board page (optionally with a panel open), as a plain request gets it."""
    board = access.board
    query = request.GET.get("q", "")[:200]
    now = timezone.now()
    context = {
        "board": board,
        "now": now,
        "people": selectors.online_users(board_id=board.pk),
        "stamp": int(time.time() * 1000),
        "role": access.role,
        "can_edit": access.can_edit,
        "is_owner": access.is_owner,
        "members": selectors.members(board=board),
        "pipelines": selectors.board_pipelines(board=board, now=now),
        "hidden": selectors.hidden_cards(board=board, query=query),
        "q": query,
        "page_id": secrets.token_urlsafe(12),
        "message": error,
        "panel": panel,
        **extra,
    }
    return render(request, PAGE, context, status=status)


def done(request: HtmxHttpRequest, captured: live.Captured, next_url: str, *extra: str) -> HttpResponse:
    """Success: htmx gets the fragments the write rendered; a plain form a redirect."""
    if request.htmx:
        return HttpResponse(captured.html + "".join(extra) + flash("", level="ok"))
    return redirect(next_url)


def panel_html(template_partial: str, context: dict[str, Any]) -> str:
    """Content for the page's dialog, as an out-of-band swap of its inside."""
    inner = render_to_string(f"{PAGE}#{template_partial}", context) if template_partial else ""
    return f'<div id="panel" hx-swap-oob="innerHTML">{inner}</div>'


# --- the access decorator ---------------------------------------------------------------------

NEEDS = {"read": None, "edit": "Viewers cannot change this board.", "owner": "Only the board's owner can do that."}


def board_endpoint(*, need: str, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """Resolve the board and the user's role; refuse strangers (404), viewers' writes (403), bad input (400)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @require_http_methods(list(methods))
        def wrapper(request: HtmxHttpRequest, board_id: int, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                if request.htmx:
                    return error_response(request, "Your session has ended: log in again.", 401)
                return redirect_to_login(request.get_full_path())
            access: Access | None = None
            try:
                access = selectors.board_access(board_id=board_id, user=request.user)
                if need == "edit" and not access.can_edit:
                    raise PermissionDenied(NEEDS["edit"])
                if need == "owner" and not access.is_owner:
                    raise PermissionDenied(NEEDS["owner"])
                return view(request, access, **kwargs)
            except Http404 as exc:
                return error_response(request, str(exc) or "Not found.", 404)
            except PermissionDenied as exc:
                return error_response(request, str(exc) or "Not allowed.", 403)
            except ValidationError as exc:
                return error_response(request, " ".join(exc.messages), 400, access=access)

        return wrapper

    return decorate


def valid(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(first_error(form))
    return form.cleaned_data


def base(access: Access) -> str:
    return f"/b/{access.board.pk}/"


# --- accounts ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    message = "This form has expired (missing or wrong security token). Reload the page and try again."
    if getattr(request, "htmx", False):
        return flash_response(message, 403)
    return render(request, "board/error.html", {"message": message, "status": 403}, status=403)


# --- boards -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def home(request: HtmxHttpRequest) -> HttpResponse:
    """My boards (owned and shared), and a form to create one."""
    if not request.user.is_authenticated:
        # As board_endpoint does: htmx would follow a redirect silently and show nothing.
        if request.htmx:
            return flash_response("Your session has ended: log in again.", 401)
        return redirect_to_login(request.get_full_path())
    error = ""
    if request.method == "POST":
        form = NameForm(request.POST)
        try:
            board = services.board_create(owner=request.user, name=valid(form)["name"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(f"/b/{board.pk}/")
            return redirect(f"/b/{board.pk}/")
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
    query = request.GET.get("q", "")[:200]
    return JsonResponse({"q": query, "ids": selectors.card_ids_matching(board=access.board, query=query)})


@board_endpoint(need="edit")
def board_rename(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    name = valid(NameForm(request.POST))["name"]
    with live.capture() as captured:
        services.board_rename(board=access.board, name=name, actor=request.user)
    return done(request, captured, base(access))


@board_endpoint(need="owner", methods=("GET", "POST"))
def board_delete(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    if request.method == "GET":
        return confirm(
            request,
            access,
            f"Delete the board “{access.board.name}” with all its pipelines and cards?",
            f"{base(access)}delete/",
        )
    services.board_delete(board=access.board, actor=request.user)
    if request.htmx:
        return HttpResponseClientRedirect("/")
    return redirect("home")


def confirm(request: HtmxHttpRequest, access: Access, question: str, action: str) -> HttpResponse:
    context = {"question": question, "action": action, "board": access.board}
    if request.htmx:
        return HttpResponse(panel_html("confirm", context))
    return board_page(request, access, panel="confirm", **context)


# --- pipelines --------------------------------------------------------------------------------


@board_endpoint(need="edit")
def pipeline_create(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    name = valid(NameForm(request.POST))["name"]
    with live.capture() as captured:
        services.pipeline_create(board=access.board, name=name, actor=request.user)
    return done(request, captured, base(access))


@board_endpoint(need="edit")
def pipelines_order(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    ids = services.parse_ids(request.POST.getlist("pipeline"), what="Pipeline")
    with live.capture() as captured:
        services.pipelines_reorder(board=access.board, pipeline_ids=ids, actor=request.user)
    return done(request, captured, base(access))


@board_endpoint(need="edit")
def pipeline_rename(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    name = valid(NameForm(request.POST))["name"]
    with live.capture() as captured:
        services.pipeline_rename(pipeline=pipeline, name=name, actor=request.user)
    return done(request, captured, base(access))


@board_endpoint(need="edit")
def pipeline_move(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    position = valid(PositionForm(request.POST))["position"]
    with live.capture() as captured:
        services.pipeline_move(pipeline=pipeline, position=position, actor=request.user)
    return done(request, captured, base(access))


@board_endpoint(need="edit", methods=("GET", "POST"))
def pipeline_delete(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    if request.method == "GET":
        count = pipeline.cards.count()
        question = f"Delete the pipeline “{pipeline.name}” and its {count} card{'s' if count != 1 else ''}?"
        return confirm(request, access, question, f"{base(access)}p/{pipeline.pk}/delete/")
    with live.capture() as captured:
        services.pipeline_delete(pipeline=pipeline, actor=request.user)
    return done(request, captured, base(access), panel_html("", {}))


@board_endpoint(need="edit")
def pipeline_order(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    """Drag and drop posts the new order of one pipeline as card ids (possibly stale)."""
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    ids = services.parse_ids(request.POST.getlist("card"), what="Card")
    with live.capture() as captured:
        services.pipeline_reorder(pipeline=pipeline, card_ids=ids, actor=request.user)
    return done(request, captured, base(access))


# --- cards ------------------------------------------------------------------------------------


@board_endpoint(need="edit")
def card_create(request: HtmxHttpRequest, access: Access, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=pipeline_id)
    title = valid(CardCreateForm(request.POST))["title"]
    with live.capture() as captured:
        services.card_create(pipeline=pipeline, title=title, actor=request.user)
    return done(request, captured, base(access))


def card_context(access: Access, card: Any, **extra: Any) -> dict[str, Any]:
    history, more = selectors.activity_page(board=access.board, card=card)
    return {
        "board": access.board,
        "card": card,
        "now": timezone.now(),
        "can_edit": access.can_edit,
        "is_owner": access.is_owner,
        "pipelines": selectors.board_pipelines_names(board=access.board),
        "comments": selectors.card_comments(card=card),
        "history": history,
        "history_more": more,
        **extra,
    }


def show_panel(request: HtmxHttpRequest, access: Access, partial: str, context: dict[str, Any], status: int = 200):
    if request.htmx:
        return HttpResponse(panel_html(partial, context), status=status)
    return board_page(request, access, panel=partial, status=status, **context)


@board_endpoint(need="read", methods=("GET",))
def card_detail(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    return show_panel(request, access, "card_detail", card_context(access, card))


@board_endpoint(need="edit", methods=("GET", "POST"))
def card_edit(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    if request.method == "GET":
        claim = services.claim_take(card=card, user=request.user, page=live.current_page())
        claimed_by = claim.user if claim.user_id != request.user.pk else None
        form = CardForm(initial={"title": card.title, "description": card.description, "version": card.version})
        return show_panel(request, access, "card_edit", card_context(access, card, form=form, claimed_by=claimed_by))
    form = CardForm(request.POST)
    if not form.is_valid():
        context = card_context(access, card, form=form, message=first_error(form))
        return show_panel(request, access, "card_edit", context, status=400)
    data = form.cleaned_data
    try:
        with live.capture() as captured:
            card = services.card_update(
                card=card,
                title=data["title"],
                description=data["description"],
                base_version=data["version"],
                over_claim=request.POST.get("over_claim") == "1",
                actor=request.user,
            )
    except services.ClaimHeld as held:
        context = card_context(
            access, card, form=form, claimed_by=held.claim.user, confirm_over_claim=True, message=held.messages[0]
        )
        return show_panel(request, access, "card_edit", context, status=409)
    except services.StaleEdit as stale:
        current = stale.current
        fresh = CardForm(
            initial={"title": data["title"], "description": data["description"], "version": current.version}
        )
        context = card_context(access, current, form=fresh, stale=current, message=stale.messages[0])
        return show_panel(request, access, "card_edit", context, status=409)
    detail = panel_html("card_detail", card_context(access, card))
    return done(request, captured, f"{base(access)}c/{card.pk}/", detail)


@board_endpoint(need="edit", methods=("GET", "POST"))
def card_delete(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    if request.method == "GET":
        return confirm(request, access, f"Delete the card “{card.title}”?", f"{base(access)}c/{card.pk}/delete/")
    with live.capture() as captured:
        services.card_delete(card=card, actor=request.user)
    return done(request, captured, base(access), panel_html("", {}))


@board_endpoint(need="edit")
def card_move(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """The no-JavaScript move: a pipeline and a position from a plain form."""
    card = selectors.card_place_of_board(board=access.board, card_id=card_id)
    data = valid(MoveForm(request.POST))
    pipeline = selectors.pipeline_of_board(board=access.board, pipeline_id=data["pipeline"])
    with live.capture() as captured:
        services.card_move(card=card, pipeline=pipeline, position=data["position"], actor=request.user)
    return done(request, captured, base(access), panel_html("", {}))


# --- members ----------------------------------------------------------------------------------


def members_context(access: Access, **extra: Any) -> dict[str, Any]:
    return {
        "board": access.board,
        "is_owner": access.is_owner,
        "can_edit": access.can_edit,
        "members": selectors.members(board=access.board),
        "roles": [(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")],
        **extra,
    }


@board_endpoint(need="read", methods=("GET",))
def members(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    return show_panel(request, access, "members", members_context(access))


def members_done(request: HtmxHttpRequest, access: Access, captured: live.Captured) -> HttpResponse:
    return done(request, captured, f"{base(access)}members/", panel_html("members", members_context(access)))


@board_endpoint(need="owner")
def member_add(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    data = valid(MemberForm(request.POST))
    with live.capture() as captured:
        services.member_add(board=access.board, username=data["username"], role=data["role"], actor=request.user)
    return members_done(request, access, captured)


@board_endpoint(need="owner")
def member_role(request: HtmxHttpRequest, access: Access, user_id: int) -> HttpResponse:
    membership = selectors.membership_of_board(board=access.board, user_id=user_id)
    role = valid(RoleForm(request.POST))["role"]
    with live.capture() as captured:
        services.member_set_role(membership=membership, role=role, actor=request.user)
    return members_done(request, access, captured)


@board_endpoint(need="owner")
def member_remove(request: HtmxHttpRequest, access: Access, user_id: int) -> HttpResponse:
    membership = selectors.membership_of_board(board=access.board, user_id=user_id)
    with live.capture() as captured:
        services.member_remove(membership=membership, actor=request.user)
    return members_done(request, access, captured)


@board_endpoint(need="edit")
def card_release(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """Close the edit form without saving: the edit claim ends."""
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    with live.capture() as captured:
        services.claim_release(card=card, user=request.user)
    detail = panel_html("card_detail", card_context(access, card))
    return done(request, captured, f"{base(access)}c/{card.pk}/", detail)


# --- comments ---------------------------------------------------------------------------------


@board_endpoint(need="read")
def comment_create(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    """Any member comments, viewers included: it is how a viewer takes part."""
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    body = valid(CommentForm(request.POST))["body"]
    with live.capture() as captured:
        services.comment_create(card=card, author=request.user, body=body)
    return done(request, captured, f"{base(access)}c/{card.pk}/")


def comment_context(access: Access, comment: Any, **extra: Any) -> dict[str, Any]:
    return {"board": access.board, "comment": comment, "now": timezone.now(), **extra}


@board_endpoint(need="read", methods=("GET",))
def comment_detail(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if not request.htmx:
        return redirect(f"{base(access)}c/{comment.card_id}/")
    return render(request, f"{PAGE}#comment", comment_context(access, comment))


@board_endpoint(need="read", methods=("GET", "POST"))
def comment_edit(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author can edit a comment.")
    if request.method == "GET":
        if request.htmx:
            return render(request, f"{PAGE}#comment_edit", comment_context(access, comment))
        context = card_context(access, comment.card, editing_comment=comment.pk)
        return board_page(request, access, panel="card_detail", **context)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = comment_context(access, comment, message=first_error(form), body=request.POST.get("body", ""))
        if request.htmx:
            response = render(request, f"{PAGE}#comment_edit", context, status=400)
            response["HX-Retarget"], response["HX-Reswap"] = f"#comment-{comment.pk}", "outerHTML"
            return response
        raise ValidationError(first_error(form))
    with live.capture() as captured:
        services.comment_update(comment=comment, actor=request.user, body=form.cleaned_data["body"])
    return done(request, captured, f"{base(access)}c/{comment.card_id}/")


@board_endpoint(need="read", methods=("GET", "POST"))
def comment_delete(request: HtmxHttpRequest, access: Access, comment_id: int) -> HttpResponse:
    comment = selectors.comment_of_board(board=access.board, comment_id=comment_id)
    if request.user.pk not in (comment.author_id, access.board.owner_id):
        raise PermissionDenied("Only its author or the board's owner can delete a comment.")
    if request.method == "GET":
        return confirm(request, access, "Delete this comment?", f"{base(access)}comments/{comment.pk}/delete/")
    card_id = comment.card_id
    with live.capture() as captured:
        services.comment_delete(comment=comment, actor=request.user)
    return done(request, captured, f"{base(access)}c/{card_id}/")


# --- activity ---------------------------------------------------------------------------------


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
        return render(request, f"{PAGE}#activity_items", context)
    return render(request, "board/activity.html", context)
