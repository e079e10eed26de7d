"""The accessibility audit: axe-core (bundled by axe-playwright-python) finds nothing at WCAG 2.2 AA
on any page a person uses, in the light theme and the dark one, in English and in Japanese."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.django_db(transaction=True)

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()


def audit(page) -> list[str]:
    """Every violation axe finds on the page as it is painted now: rule, impact, where."""
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in results.response["violations"]
        for node in v["nodes"]
    ]


def open_card(page, world):
    page.click(f"#card-{world.cards[0].pk} .card-link")
    page.wait_for_selector("#panel[open] .comment-form")


def open_members(page, world):
    page.click("#board-head a[href$='/members/']")
    page.wait_for_selector("#panel[open] #member-list")


def open_menus(page, world):
    # The menus a person opens: the theme control and a pipeline's actions.
    page.click(".theme-menu > summary")
    page.click(f"#pipeline-{world.todo.pk} details.menu > summary")


def over_limit(page, world):
    # A pipeline over its limit (marked live), and the owner's menu of soft or hard limits.
    from board import services

    services.pipeline_set_limit(pipeline=world.todo, limit=2, actor=world.owner)
    page.wait_for_selector(f"#count-{world.todo.pk}.over")
    page.click("#board-head details.menu.owner-only > summary")


def with_labels(world) -> None:
    from board import services

    labels = [
        services.label_create(board=world.board, name=name, colour=colour, actor=world.owner)
        for name, colour in (("Bug", "red"), ("Design", "purple"), ("Later", "gray"), ("Ok", "lime"))
    ]
    services.card_labels_set(card=world.cards[0], label_ids=[label.pk for label in labels], actor=world.owner)


def open_labels(page, world):
    with_labels(world)
    page.reload()
    page.wait_for_selector('#live-status[data-state="live"]', state="attached")
    page.click("#labels > summary")


def open_labelled_card(page, world):
    open_labels(page, world)
    open_card(page, world)


PAGES = {
    "home": ("/", "owner", None),
    "board": ("board", "owner", None),
    "board-menus": ("board", "editor", open_menus),
    "card-dialog": ("board", "owner", open_card),
    "members-panel": ("board", "owner", open_members),
    "labels-panel": ("board", "editor", open_labels),
    "labelled-card": ("board", "owner", open_labelled_card),
    "viewer-labels": ("board", "viewer", open_labels),
    "viewer-board": ("board", "viewer", None),
    "over-limit": ("board", "owner", over_limit),
    "login": ("/accounts/login/", None, None),
    "signup": ("/accounts/signup/", None, None),
}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_2_2_aa_violation(world, live_url, open_board, name, scheme, language):
    where, who, then = PAGES[name]
    user = getattr(world, who) if who else None
    browser = {"color_scheme": scheme, "locale": "ja-JP" if language == "ja" else "en-US"}
    if where == "board":
        page = open_board(live_url, user, world.board, **browser)
    else:
        page = open_board(live_url, user, **browser)
        page.goto(live_url + where)
    assert page.get_attribute("html", "lang") == language
    if then is not None:
        then(page, world)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(29, 33, 37)" if scheme == "dark" else "rgb(244, 245, 247)")
    assert audit(page) == []


def test_the_audit_does_see_what_it_is_there_to_find(world, live_url, open_board):
    page = open_board(live_url, world.owner, world.board)
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'faint';
        p.style.color = '#c1c7d0';
        document.querySelector('main').append(p, Object.assign(document.createElement('img'), {src: 'data:,'})); }""")
    found = " ".join(audit(page))
    assert "color-contrast" in found and "image-alt" in found
