"""A board's webhooks (the owner's): add one (its secret shown once), delete one, see deliveries, resend one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control

from board.forms import WebhookForm
from board.hooks import owner
from board.hooks.outbox import CHOICES
from board.models import Delivery, Webhook
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, first_error

PAGE = "board/hooks.html"
RECENT = 20  # deliveries shown per hook


def _page(
    request, access: Access, *, form: WebhookForm, created: Webhook | None = None, message: str = "", status: int = 200
):
    hooks = list(Webhook.objects.filter(board=access.board))
    for hook in hooks:
        hook.recent = list(Delivery.objects.filter(hook=hook)[:RECENT])
        hook.labels = [label for kind, label in CHOICES if kind in hook.events]
    context = {"board": access.board, "hooks": hooks, "form": form, "created": created, "message": message}
    response = render(request, PAGE, context, status=status)
    patch_cache_control(response, private=True, no_store=True)  # a new hook's secret is on this page, once
    return response


@board_endpoint(need="owner", methods=("GET", "POST"))
def hooks(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    if request.method == "GET":
        return _page(request, access, form=WebhookForm(choices=CHOICES))
    form = WebhookForm(request.POST, choices=CHOICES)
    if not form.is_valid():
        return _page(request, access, form=form, message=first_error(form), status=400)
    try:
        hook = owner.webhook_create(
            board=access.board, url=form.cleaned_data["url"], kinds=form.cleaned_data["events"], actor=request.user
        )
    except ValidationError as exc:
        return _page(request, access, form=form, message=" ".join(exc.messages), status=400)
    return _page(request, access, form=WebhookForm(choices=CHOICES), created=hook)


@board_endpoint(need="owner")
def hook_delete(request: HtmxHttpRequest, access: Access, hook_id: int) -> HttpResponse:
    hook = Webhook.objects.filter(board=access.board, pk=hook_id).first()
    if hook is None:
        raise Http404("No such webhook on this board.")
    owner.webhook_delete(hook=hook)
    return redirect("hooks", access.board.pk)


@board_endpoint(need="owner")
def delivery_resend(request: HtmxHttpRequest, access: Access, delivery_id: int) -> HttpResponse:
    delivery = Delivery.objects.filter(hook__board=access.board, pk=delivery_id).select_related("hook").first()
    if delivery is None:
        raise Http404("No such delivery on this board.")
    owner.delivery_resend(delivery=delivery)
    return redirect("hooks", access.board.pk)
