"""Requests Django cannot read, and its error handlers (400, 403, 404, 500), answered as our refusals are.

A form Django refuses to read (a charset other than UTF-8, more fields than
DATA_UPLOAD_MAX_NUMBER_FIELDS, a body over DATA_UPLOAD_MAX_MEMORY_SIZE) raised when the CSRF
check first read it; Django's 400 handler (through `requires_csrf_token`) and, when
debugging, its error page read it again, and the second raise became a 500. The middleware
reads a posted form before anything else does and answers what cannot be read with one
clear message; the handlers never read the body.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from board.views.answers import flash_response

log = logging.getLogger("board.request")

NOTHING_CHANGED = gettext_lazy("Nothing was changed.")
UNREADABLE = (BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError)
SERVER_ERROR = '<!doctype html><html lang="{}"><title>{} · LiveBoard</title><p role="alert">{}</p></html>'


def _message(request: HttpRequest, exception: Exception | None) -> str:
    if isinstance(exception, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return _("This request sends more than %(limit)d fields, more than any form here has. %(nothing)s") % {
            "limit": limit,
            "nothing": NOTHING_CHANGED,
        }
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return _("This request is larger than %(limit)d KB, more than any form here sends. %(nothing)s") % {
            "limit": limit,
            "nothing": NOTHING_CHANGED,
        }
    if isinstance(exception, TooManyFilesSent):
        return _("This request sends more files than this server accepts. %(nothing)s") % {"nothing": NOTHING_CHANGED}
    charset = request.content_params.get("charset", "") if request.content_type else ""
    if request.content_type == "application/x-www-form-urlencoded" and charset.lower() not in ("", "utf-8"):
        return _("Forms must be sent as UTF-8 (this one said charset=%(charset)s). %(nothing)s") % {
            "charset": charset[:40],
            "nothing": NOTHING_CHANGED,
        }
    return _("This request could not be read. %(nothing)s") % {"nothing": NOTHING_CHANGED}


def answer(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """The page's message area for htmx (its header, not request.htmx: that may not be set yet)."""
    if request.headers.get("HX-Request") == "true":
        return flash_response(message, status)
    return render(request, "board/error.html", {"message": message, "status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return answer(request, _message(request, exception), 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return answer(request, str(exception or "") or _("You are not allowed to do that."), 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return answer(request, _("There is nothing at this address (no such board, card or page)."), 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """No template with the request's context: whatever failed (the database, say) may fail again."""
    message = _("Something went wrong on the server; it has been logged. Try again.")
    if request.headers.get("HX-Request") == "true":
        return flash_response(message, 500)
    page = format_html(SERVER_ERROR, translation.get_language() or settings.LANGUAGE_CODE, _("Server error"), message)
    return HttpResponse(page, status=500)


class UnreadableRequestMiddleware:
    """Refuse a posted form Django cannot read, before the CSRF check or a view reads it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - read once here, where a refusal can still be answered
            except UNREADABLE as exc:
                log.warning("refused an unreadable %s to %s: %s", request.method, request.path, exc)
                return bad_request(request, exc)
        return self.get_response(request)
