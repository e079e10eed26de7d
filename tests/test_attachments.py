"""Attachments: upload, download, permissions, the size limit, safe serving, previews, files removed with their rows."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from board import services
from board.models import Activity, Attachment, Card


def burl(w, name: str, *ids: int) -> str:
    return reverse(name, args=[w.board.pk, *ids])


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def png(size=(640, 480), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 0).save(out, "PNG")
    return out.getvalue()


def attach(world, name: str, content: bytes, who=None) -> Attachment:
    upload = SimpleUploadedFile(name, content)
    return services.attachment_create(card=world.cards[0], upload=upload, actor=who or world.owner)


def upload(client, world, name: str, content: bytes):
    return client.post(burl(world, "attachment-create", world.cards[0].pk), {"file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize("who", ["owner", "editor"])
def test_owners_and_editors_upload_with_a_plain_form_and_members_download_it(world, as_user, who):
    response = upload(as_user(getattr(world, who)), world, "plan.txt", b"the plan")
    assert response.status_code == 302 and response["Location"] == burl(world, "card", world.cards[0].pk)
    attachment = Attachment.objects.get()
    assert attachment.name == "plan.txt" and attachment.size == 8 and len(stored_files()) == 1
    for member in (world.owner, world.editor, world.viewer):
        got = as_user(member).get(burl(world, "attachment", attachment.pk))
        assert got.status_code == 200 and b"".join(got.streaming_content) == b"the plan"


def test_a_viewer_downloads_but_cannot_upload_or_delete(world, as_user):
    attachment = attach(world, "plan.txt", b"the plan")
    viewer = as_user(world.viewer)
    assert upload(viewer, world, "mine.txt", b"x").status_code == 403
    assert viewer.post(burl(world, "attachment-delete", attachment.pk)).status_code == 403
    assert viewer.get(burl(world, "attachment", attachment.pk)).status_code == 200
    assert Attachment.objects.count() == 1 and len(stored_files()) == 1


def test_a_stranger_or_a_guessed_url_gets_404(world, as_user):
    attachment = attach(world, "plan.txt", b"the plan")
    secret = services.attachment_create(
        card=world.other_card, upload=SimpleUploadedFile("secret.txt", b"secret"), actor=world.stranger
    )
    stranger = as_user(world.stranger)
    assert stranger.get(burl(world, "attachment", attachment.pk)).status_code == 404
    assert upload(stranger, world, "x.txt", b"x").status_code == 404
    owner = as_user(world.owner)
    assert owner.get(burl(world, "attachment", secret.pk)).status_code == 404  # another board's, by our board
    assert owner.get(burl(world, "attachment", secret.pk + 100)).status_code == 404
    assert as_user(None).get(burl(world, "attachment", attachment.pk)).status_code == 302  # to log in
    # The stored name is random and says nothing of the upload or the card.
    name = Path(attachment.file.name).name
    assert len(name) >= 32 and "plan" not in attachment.file.name


def test_a_file_over_the_limit_is_refused_clearly_and_writes_nothing(world, as_user, settings):
    settings.LIVEBOARD_ATTACHMENT_MAX_BYTES = 1000
    before = Activity.objects.count()
    for htmx in (False, True):
        response = upload(as_user(world.editor, htmx=htmx), world, "big.bin", b"x" * 1001)
        assert response.status_code == 400
        assert "files of at most 1000\xa0bytes can be attached" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files() == [] and Activity.objects.count() == before
    assert upload(as_user(world.editor), world, "fits.bin", b"x" * 1000).status_code == 302


def test_an_empty_file_or_no_file_is_refused(world, as_user):
    client = as_user(world.editor, htmx=True)
    assert "empty" in upload(client, world, "empty.txt", b"").content.decode()
    assert client.post(burl(world, "attachment-create", world.cards[0].pk)).status_code == 400
    assert not Attachment.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("page.html", b"<script>alert(1)</script>"), ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>')],
)
def test_html_and_svg_are_sent_as_opaque_downloads(world, as_user, name, content):
    attachment = attach(world, name, content)
    response = as_user(world.viewer).get(burl(world, "attachment", attachment.pk))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert not attachment.thumbnail  # no preview of anything but a raster picture


def test_a_japanese_file_name_survives_the_round_trip(world, as_user):
    name = "報告書 2026年12月.pdf"
    response = upload(as_user(world.editor), world, name, b"%PDF-1.4 ...")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == name
    got = as_user(world.viewer).get(burl(world, "attachment", attachment.pk))
    disposition = got["Content-Disposition"]
    found = re.search(r"filename\*=utf-8''(\S+)", disposition)
    assert disposition.startswith("attachment;") and found and unquote(found.group(1)) == name
    assert got["Content-Type"] == "application/pdf"
    card_page = as_user(world.viewer).get(burl(world, "card", world.cards[0].pk)).content.decode()
    assert name in card_page


def test_a_picture_gets_a_bounded_preview_served_inline(world, as_user):
    attachment = attach(world, "photo.png", png((2000, 1000)))
    assert attachment.thumbnail
    response = as_user(world.viewer).get(burl(world, "attachment-thumbnail", attachment.pk))
    assert response["Content-Type"] == "image/jpeg" and response["Content-Disposition"] == "inline"  # a photo: JPEG
    assert response["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as preview:
        assert preview.width <= 320 and preview.height <= 240 and preview.size == (320, 160)
    page = as_user(world.viewer).get(burl(world, "card", world.cards[0].pk)).content.decode()
    assert burl(world, "attachment-thumbnail", attachment.pk) in page
    assert as_user(world.stranger).get(burl(world, "attachment-thumbnail", attachment.pk)).status_code == 404


def test_a_decompression_bomb_gets_no_preview(world):
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000), 0).save(out, "PNG")  # small on disk, 144 megapixels decoded
    attachment = attach(world, "bomb.png", out.getvalue())
    assert not attachment.thumbnail and len(stored_files()) == 1


def test_deleting_an_attachment_removes_its_files_on_commit(world, as_user, django_capture_on_commit_callbacks):
    attachment = attach(world, "photo.png", png())
    assert len(stored_files()) == 2  # the file and its preview
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.editor).post(burl(world, "attachment-delete", attachment.pk))
    assert response.status_code == 302
    assert stored_files() == [] and not Attachment.objects.exists()


def test_deleting_a_card_removes_its_files_from_storage(world, django_capture_on_commit_callbacks):
    kept = services.attachment_create(
        card=world.cards[1], upload=SimpleUploadedFile("keep.txt", b"keep"), actor=world.owner
    )
    first, second = attach(world, "a.png", png()), attach(world, "b.txt", b"b")
    names = [first.file.name, first.thumbnail.name, second.file.name]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.card_delete(card=Card.objects.get(pk=world.cards[0].pk), actor=world.owner)
    assert not any(default_storage.exists(n) for n in names)
    assert default_storage.exists(kept.file.name)


def test_a_failed_write_leaves_no_file(world, monkeypatch):
    from board import events

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(events, "record", broken)
    with pytest.raises(RuntimeError):
        attach(world, "a.png", png())
    assert stored_files() == [] and not Attachment.objects.exists()


def test_the_card_face_counts_attachments_live(world, as_user, published, django_capture_on_commit_callbacks):
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attach(world, "a.txt", b"a")
    html = next(m for _, m in published if m["type"] == "board.fragments")["html"]["en"]
    assert '<span aria-hidden="true">1</span><span class="sr-only">1 attachment</span>' in html
    assert f'<ul id="attachments-{world.cards[0].pk}" class="attachment-list" hx-swap-oob="true" data-opt>' in html
    assert "attached “a.txt” to “Card 0”" in html
    attach(world, "b.txt", b"b")
    page = as_user(world.viewer).get(f"/b/{world.board.pk}/").content.decode()
    face = re.search(rf'<li id="card-{world.cards[0].pk}" .*?</li>', page, flags=re.S).group(0)
    assert '<span aria-hidden="true">2</span><span class="sr-only">2 attachments</span>' in face


def test_a_file_name_is_made_one_safe_line(world):
    with pytest.raises(ValidationError):
        attach(world, "x.txt", b"")
    attachment = attach(world, "..\\..\\etc/pass\u202ewd.txt", b"x")
    assert attachment.name == "pass" + "wd.txt"
