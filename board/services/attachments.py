"""Attachments: files on a card, in Django's default storage (local MEDIA_ROOT unless set otherwise).

A stored file is written before its row and removed if the write fails; a deleted row's files
go once the deletion commits (files_go_with_their_row, which also covers a card, pipeline
or board deleted with its attachments).
"""

from __future__ import annotations

import mimetypes
import warnings
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from board import events
from board.models import ATTACHMENT_NAME_MAX, Attachment, Card
from board.services.common import _UNSHOWABLE, Gone, User, current_card, lock_board

THUMBNAIL_BOX = (320, 240)  # pixels: the largest a preview is
# Pictures larger than this many pixels get no preview: decoding one could take gigabytes.
PREVIEW_MAX_PIXELS = 40_000_000
PREVIEW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def clean_name(value: str) -> str:
    """The uploaded file's name as shown: its last path part, one line, at most 255 characters."""
    name = _UNSHOWABLE.sub("", (value or "").replace("\\", "/").rsplit("/", 1)[-1]).strip() or _("file")
    if len(name) > ATTACHMENT_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: ATTACHMENT_NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:255]
    return name


def check_size(size: int) -> None:
    limit = settings.LIVEBOARD_ATTACHMENT_MAX_BYTES
    if size <= 0:
        raise ValidationError(_("That file is empty: there is nothing to attach."))
    if size > limit:
        raise ValidationError(
            _("That file is %(size)s: files of at most %(limit)s can be attached.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def thumbnail_of(upload: UploadedFile) -> tuple[bytes, str] | None:
    """A small PNG/JPEG preview of a raster picture (None for anything else or a picture too large to decode)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as image:
                if image.format not in PREVIEW_FORMATS or image.width * image.height > PREVIEW_MAX_PIXELS:
                    return None
                image.draft("RGB", THUMBNAIL_BOX)  # JPEG: decode at a reduced size
                image.thumbnail(THUMBNAIL_BOX)
                out = BytesIO()
                if image.mode in ("RGBA", "LA", "P"):
                    image.convert("RGBA").save(out, "PNG", optimize=True)
                    return out.getvalue(), "png"
                image.convert("RGB").save(out, "JPEG", quality=80)
                return out.getvalue(), "jpg"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError, SyntaxError):
        return None
    finally:
        upload.seek(0)


def content_type_of(name: str) -> str:
    """What the file says it is, from its name (the browser's word is not trusted); served safely anyway."""
    guessed, _encoding = mimetypes.guess_type(name)
    return (guessed or "application/octet-stream")[:100]


@transaction.atomic
def attachment_create(*, card: Card, upload: UploadedFile, actor: User | None = None) -> Attachment:
    """Attach an uploaded file to a card (editors and owners; the size limit is LIVEBOARD_ATTACHMENT_MAX_BYTES)."""
    check_size(upload.size or 0)
    name = clean_name(upload.name or "")
    preview = thumbnail_of(upload)
    locked = lock_board(card.board)
    current = current_card(locked, card)
    attachment = Attachment(
        card=current, name=name, size=upload.size, content_type=content_type_of(name), uploaded_by=actor
    )
    try:
        attachment.file.save("file", upload, save=False)
        if preview is not None:
            attachment.thumbnail.save("thumbnail", ContentFile(preview[0]), save=False)
        attachment.save()
        Card.objects.filter(pk=current.pk).update(rev=locked.version)
        events.record(
            board=locked, kind=events.ATTACHMENT_ADDED, actor=actor, card_id=current.pk,
            attachment_id=attachment.pk, name=name, title=current.title,
        )  # fmt: skip
    except BaseException:  # nothing of a failed write stays in the storage
        remove_files([attachment.file.name, attachment.thumbnail.name])
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor: User | None = None) -> None:
    """Remove an attachment; its files go from the storage once this commits."""
    locked = lock_board(attachment.card.board)
    current = Attachment.objects.select_related("card").filter(pk=attachment.pk, card__board=locked).first()
    if current is None:
        raise Gone(_("This attachment is already gone: someone deleted it."))
    current.delete()
    Card.objects.filter(pk=current.card_id).update(rev=locked.version)
    events.record(
        board=locked, kind=events.ATTACHMENT_DELETED, actor=actor, card_id=current.card_id,
        attachment_id=attachment.pk, name=current.name, title=current.card.title,
    )  # fmt: skip


def remove_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


@receiver(post_delete, sender=Attachment, dispatch_uid="liveboard-attachment-files")
def files_go_with_their_row(sender: type, instance: Attachment, **kwargs) -> None:
    """However a row goes (its own deletion, its card's, pipeline's or board's), its files go once that commits."""
    names = [instance.file.name, instance.thumbnail.name]
    transaction.on_commit(lambda: remove_files(names))
