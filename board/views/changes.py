"""What a page missed since the version it shows, for a page whose socket cannot stay open."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _

from board import i18n
from board.forms import VersionForm
from board.live import fragments, languages, steps
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, error_response, valid


@board_endpoint(need="read", methods=("GET",))
def board_changes(request: HtmxHttpRequest, access: Access) -> HttpResponse:
    """The steps since ?v= (the whole board if they are no longer kept) and who is here.

    The same fragments the socket sends: a proxy that drops websocket upgrades only makes
    the page poll this (see static/board.js), a few seconds behind.
    """
    shown = valid(VersionForm(request.GET))["v"]
    board = access.board
    if shown > board.version:
        return error_response(request, _("This page shows a version the board never had: reload it."), 409)
    language = i18n.current()
    languages.seen([(board.pk, language)])  # writers render their changes in it too while it polls
    html = steps.since(board.pk, shown, board.version, language)
    if html is None:
        resync = fragments.render_resync(board.pk)
        html = resync[1] if resync else ""
    return HttpResponse(html + fragments.render_presence(board.pk), headers={"Cache-Control": "no-store"})
