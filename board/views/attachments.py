"""Attachments: editors and owners upload and delete; every member downloads; nobody else learns they exist.

A download is always sent as an attachment with the name it was uploaded under (RFC 5987
`filename*` for any script), `nosniff`, and a sandboxing policy; HTML, SVG and anything
else a browser could run are sent as opaque bytes. Only raster previews are shown inline.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from board import selectors, services
from board.live.origin import capture
from board.selectors import Access
from board.views.answers import HtmxHttpRequest, board_endpoint, done
from board.views.cards import card_url

# Types a browser only displays (and never runs) are sent as they are; every other as bytes.
PLAIN_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "application/zip",
    "text/plain", "text/csv", "application/json",
}  # fmt: skip
PREVIEW_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def _protected(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _opened(name: str):
    try:
        return default_storage.open(name, "rb")
    except (FileNotFoundError, OSError) as missing:
        raise Http404(_("This attachment's file is missing.")) from missing


@board_endpoint(need="edit")
def attachment_create(request: HtmxHttpRequest, access: Access, card_id: int) -> HttpResponse:
    card = selectors.card_of_board(board=access.board, card_id=card_id)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(_("Choose a file to attach."))
    with capture() as captured:
        services.attachment_create(card=card, upload=upload, actor=request.user)
    return done(request, captured, card_url(access, card.pk))


@board_endpoint(need="edit")
def attachment_delete(request: HtmxHttpRequest, access: Access, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_of_board(board=access.board, attachment_id=attachment_id)
    with capture() as captured:
        services.attachment_delete(attachment=attachment, actor=request.user)
    return done(request, captured, card_url(access, attachment.card_id))


@board_endpoint(need="read", methods=("GET",))
def attachment_download(request: HtmxHttpRequest, access: Access, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_of_board(board=access.board, attachment_id=attachment_id)
    kind = attachment.content_type if attachment.content_type in PLAIN_TYPES else "application/octet-stream"
    response = FileResponse(_opened(attachment.file.name), as_attachment=True, filename=attachment.name)
    response["Content-Type"] = kind
    return _protected(response)


@board_endpoint(need="read", methods=("GET",))
def attachment_thumbnail(request: HtmxHttpRequest, access: Access, attachment_id: int) -> HttpResponse:
    """A picture's preview (made by the server at upload, PNG or JPEG), inline."""
    attachment = selectors.attachment_of_board(board=access.board, attachment_id=attachment_id)
    if not attachment.thumbnail:
        raise Http404(_("This attachment has no preview."))
    handle = _opened(attachment.thumbnail.name)
    head = handle.read(4)
    handle.seek(0)
    kind = next((t for magic, t in PREVIEW_TYPES.items() if head.startswith(magic)), None)
    if kind is None:
        raise Http404(_("This attachment has no preview."))
    response = FileResponse(handle, content_type=kind)
    response["Content-Disposition"] = "inline"
    return _protected(response)
