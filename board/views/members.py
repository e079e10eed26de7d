"""Members: the list, and the owner's add, change role and remove."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse

from board import selectors, services
from board.forms import MEMBER_ROLES, MemberForm, RoleForm
from board.live.origin import Captured, capture
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, done, panel_html, show_panel, valid

MEMBERS = "board/members.html#members"


def members_context(access: Access, **extra: Any) -> dict[str, Any]:
    return {
        "board": access.board,
        "is_owner": access.is_owner,
        "can_edit": access.can_edit,
        "members": selectors.members(board=access.board),
        "roles": MEMBER_ROLES,
        **extra,
    }


@board_endpoint(need="read", methods=("GET",))
def members(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    return show_panel(request, access, MEMBERS, members_context(access))


def members_done(request: HtmxHttpRequest, access: Access, captured: Captured) -> HttpResponse:
    url = reverse("members", args=[access.board.pk])
    return done(request, captured, url, panel_html(MEMBERS, members_context(access)))


@board_endpoint(need="owner")
def member_add(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    form = MemberForm(request.POST)
    try:
        data = valid(form)
        with capture() as captured:
            services.member_add(board=access.board, username=data["username"], role=data["role"], actor=request.user)
    except ValidationError as exc:
        # The panel stays open with the message and what was typed, with or without JavaScript.
        context = members_context(
            access, message=" ".join(exc.messages), username=request.POST.get("username", "")[:150]
        )
        return show_panel(request, access, MEMBERS, context, status=400)
    return members_done(request, access, captured)


@board_endpoint(need="owner")
def member_role(request: HtmxHttpRequest, access: Access, user_id: int) -> HttpResponse:
    membership = selectors.membership_of_board(board=access.board, user_id=user_id)
    role = valid(RoleForm(request.POST))["role"]
    with capture() as captured:
        services.member_set_role(membership=membership, role=role, actor=request.user)
    return members_done(request, access, captured)


@board_endpoint(need="owner")
def member_remove(request: HtmxHttpRequest, access: Access, user_id: int) -> HttpResponse:
    membership = selectors.membership_of_board(board=access.board, user_id=user_id)
    with capture() as captured:
        services.member_remove(membership=membership, actor=request.user)
    return members_done(request, access, captured)
