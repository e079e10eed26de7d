"""A Japanese browser in real Chromium: the page, the script's own words and a live change, all in Japanese."""

from __future__ import annotations

import pytest

from board import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_japanese_page_speaks_japanese_and_gets_live_changes_in_japanese(world, live_url, open_board):
    ja = open_board(live_url, world.owner, world.board, locale="ja-JP")
    en = open_board(live_url, world.editor, world.board, locale="en-US")
    assert ja.locator("html").get_attribute("lang") == "ja"
    assert ja.locator(".here-now .muted").inner_text() == "閲覧中"

    card = world.cards[0]
    ja.focus(f"#card-{card.pk}")
    ja.keyboard.press("Space")  # the script's own words: from the page, in its language
    ja.wait_for_selector("#announcer:has-text('Card 0を持ち上げました')", state="attached")
    ja.keyboard.press("ArrowDown")
    ja.wait_for_selector("#announcer:has-text('To doの 3 件中 2 番目。')", state="attached")
    ja.keyboard.press("Escape")
    ja.wait_for_selector("#announcer:has-text('移動を取り消しました。')", state="attached")

    services.card_move(card=world.cards[1], pipeline=world.doing, actor=world.editor)  # another member's change
    ja.wait_for_selector(f"#pipeline-{world.doing.pk} #card-{world.cards[1].pk}", state="attached")
    en.wait_for_selector(f"#pipeline-{world.doing.pk} #card-{world.cards[1].pk}", state="attached")
    ja.click("#activity summary")
    ja.wait_for_selector("#activity-list li:has-text('eddie さんが「Card 1」をTo doからDoingへ移動しました')")
    en.click("#activity summary")
    en.wait_for_selector("#activity-list li:has-text('eddie moved “Card 1” from To do to Doing')")
    # Relative times, as the script keeps them up to date.
    three_minutes_ago = "new Date(Date.now() - 180000).toISOString()"
    ja.evaluate(f"document.querySelector('#activity-list time').setAttribute('datetime', {three_minutes_ago})")
    ja.evaluate("document.dispatchEvent(new Event('DOMContentLoaded'))")
    assert ja.locator("#activity-list time").first.inner_text() == "3分前"
