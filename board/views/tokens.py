"""A person's API tokens: the list, a new one (shown once, on the answer to its form), revoking one."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST

from board.api import tokens as token_writes
from board.forms import TokenForm
from board.models import ApiToken
from board.views.answers import first_error

PAGE = "board/tokens.html"


def _page(request, *, form: TokenForm, created: str = "", message: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "created": created,
        "message": message,
        "now": timezone.now(),
    }
    response = render(request, PAGE, context, status=status)
    patch_cache_control(response, private=True, no_store=True)  # the new token is on this page, once
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request) -> HttpResponse:
    if request.method == "GET":
        return _page(request, form=TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, message=first_error(form), status=400)
    days = form.cleaned_data["expires_in"]
    _token, raw = token_writes.token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return _page(request, form=TokenForm(), created=raw)


@login_required
@require_POST
def token_revoke(request, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        raise Http404("No such token of yours.")
    token_writes.token_revoke(token=token)
    return redirect("tokens")
