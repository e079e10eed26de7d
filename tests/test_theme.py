"""Dark mode: the theme each person chose is painted from the first byte, and every colour of the
style sheet comes from the theme blocks, readable in both themes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from board import services
from board.models import Profile

CSS = (Path(__file__).resolve().parent.parent / "static" / "board.css").read_text()
HTML_THEME = re.compile(r'<html [^>]*data-theme="(?P<theme>\w+)"')


def painted(response) -> str:
    return HTML_THEME.search(response.content.decode())["theme"]


def test_a_member_s_choice_is_saved_on_their_profile_and_rendered_on_every_page(world, as_user):
    client = as_user(world.editor)
    assert painted(client.get("/")) == "system"
    answer = client.post("/settings/theme/", {"theme": "dark", "next": f"/b/{world.board.pk}/?q=Card"})
    assert answer.status_code == 302 and answer["Location"] == f"/b/{world.board.pk}/?q=Card"
    assert Profile.objects.get(user=world.editor).theme == "dark"
    assert painted(client.get(f"/b/{world.board.pk}/")) == "dark"
    assert painted(client.get("/")) == "dark"
    assert painted(as_user(world.owner).get("/")) == "system"  # one person's choice only
    client.post("/settings/theme/", {"theme": "light", "next": "/"})
    page = client.get("/").content.decode()
    assert HTML_THEME.search(page)["theme"] == "light"
    assert re.search(r'<button name="theme" value="light" aria-pressed="true">', page)
    assert re.search(r'<button name="theme" value="dark" aria-pressed="false">', page)


def test_a_visitor_who_is_not_logged_in_keeps_the_choice_in_a_cookie(db, as_user):
    client = as_user(None)
    answer = client.post("/settings/theme/", {"theme": "dark", "next": "/accounts/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert answer.cookies["theme"].value == "dark" and answer.cookies["theme"]["samesite"] == "Lax"
    assert painted(client.get("/accounts/login/")) == "dark"
    assert painted(client.get("/accounts/signup/")) == "dark"
    assert not Profile.objects.exists()


@pytest.mark.parametrize("value", ["purple", "", "DARK", "dark\x00", "x" * 5000])
def test_a_theme_that_is_not_one_of_the_three_is_refused_with_a_message_and_changes_nothing(world, as_user, value):
    client = as_user(world.editor)
    client.post("/settings/theme/", {"theme": "dark", "next": "/"})
    answer = client.post("/settings/theme/", {"theme": value, "next": "/"})
    assert answer.status_code == 400
    assert b"Choose a theme" in answer.content or b"This field is required" in answer.content
    assert Profile.objects.get(user=world.editor).theme == "dark"
    htmx = as_user(world.editor, htmx=True).post("/settings/theme/", {"theme": value})
    assert htmx.status_code == 400 and htmx["X-LiveBoard-Message"]


def test_an_unknown_stored_or_cookie_theme_is_ignored_for_the_default(world, as_user):
    Profile.objects.create(user=world.editor, theme="neon")  # a value from some older release
    assert painted(as_user(world.editor).get("/")) == "system"
    visitor = as_user(None)
    visitor.cookies["theme"] = "<script>"
    answer = visitor.get("/accounts/login/")
    assert answer.status_code == 200 and painted(answer) == "system"


def test_the_way_back_is_only_ever_this_site(world, as_user):
    client = as_user(world.editor)
    for elsewhere in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        answer = client.post("/settings/theme/", {"theme": "dark", "next": elsewhere})
        assert answer.status_code == 302 and answer["Location"] == "/"


def test_choosing_a_theme_needs_a_post(world, as_user):
    assert as_user(world.editor).get("/settings/theme/?theme=dark").status_code == 405
    assert not Profile.objects.exists()


def test_profile_update_changes_only_what_it_is_given_and_refuses_other_values(world):
    profile = services.profile_update(user=world.owner, theme="dark")
    assert profile.theme == "dark" and Profile.objects.get(user=world.owner).theme == "dark"
    assert services.profile_update(user=world.owner).theme == "dark"
    with pytest.raises(ValidationError):
        services.profile_update(user=world.owner, theme="sepia")
    assert Profile.objects.get(user=world.owner).theme == "dark"


# --- the style sheet ---------------------------------------------------------------------------

DARK_MEDIA = '@media (prefers-color-scheme: dark) {\n  :root:not([data-theme="light"]) {'
DARK_CHOSEN = ':root[data-theme="dark"] {'
# A colour keyword on its own is a literal; inside a name (--label-red, .label-red) it is not.
COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|(?<![-\w])(?:white|black|red|blue|gray|grey)\b(?![-\w])"
)


def block(opening: str) -> str:
    start = CSS.index(opening) + len(opening)
    return CSS[start : CSS.index("}", start)]


def tokens(opening: str) -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*([^;]+);", block(opening)))


LIGHT, DARK = tokens(":root {"), tokens(DARK_CHOSEN)


def test_no_colour_is_written_outside_the_theme_blocks():
    rest = CSS
    for opening in (":root {", DARK_CHOSEN, DARK_MEDIA):
        rest = rest.replace(block(opening), "")
    assert not COLOUR.findall(re.sub(r"/\*.*?\*/", "", rest, flags=re.S))


def test_the_system_s_dark_theme_is_the_chosen_dark_theme_and_both_set_every_colour():
    assert tokens(DARK_MEDIA) == DARK
    colours = {name for name, value in LIGHT.items() if COLOUR.search(value)}
    assert colours <= set(DARK), colours - set(DARK)
    assert re.search(r"color-scheme:\s*dark", block(DARK_CHOSEN))


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Text colour -> the backgrounds it is drawn on.
TEXT_ON = {
    "fg": ["bg", "card", "pipe", "surface", "warn-bg"],
    "muted": ["bg", "card", "pipe", "surface"],
    "accent": ["bg", "card", "pipe", "surface"],
    "danger": ["surface", "danger-bg"],
    "warn": ["warn-bg"],
    "top-fg": ["top"],
    "on-accent": ["avatar", "owner", "viewer", "here", "more"],
}
LABELS = sorted(name for name in LIGHT if name.startswith("label-") and not name.endswith("-text"))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_colour_reads_at_4_5_to_1_on_what_it_is_drawn_on_in_both_themes(theme):
    palette = LIGHT if theme == "light" else DARK
    pairs = [(text, ground) for text, grounds in TEXT_ON.items() for ground in grounds]
    pairs += [(f"{label}-text", label) for label in LABELS]
    ratios = {f"{text} on {ground}": round(contrast(palette[text], palette[ground]), 2) for text, ground in pairs}
    assert len(LABELS) >= 10
    assert all(ratio >= 4.5 for ratio in ratios.values()), {k: v for k, v in ratios.items() if v < 4.5}
