"""Two people on one board in real Chromium: mouse, touch, keyboard and no-JS moves, live."""

from __future__ import annotations

import pytest

from board import services
from board.models import Card, Membership, Pipeline, Role
from tests import servers
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 1000  # ms: a change must reach the other open page within a second


def in_pipeline(pipeline, card) -> str:
    return f"#pipeline-{pipeline.pk} #card-{card.pk}"


def test_mouse_drag_across_pipelines_reaches_the_other_member_within_a_second(world, live_url, open_board):
    card = world.cards[0]
    mover = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.editor, world.board)
    mover.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    watcher.wait_for_selector(in_pipeline(world.doing, card), timeout=LIVE)
    mover.wait_for_selector(in_pipeline(world.doing, card))
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk
    rest = [c.pk for c in world.cards[1:]]
    assert list(Card.objects.filter(pipeline=world.todo).values_list("pk", flat=True)) == rest


def test_mouse_drag_within_a_pipeline_reorders_it(world, live_url, open_board):
    first, _, last = world.cards
    mover = open_board(live_url, world.owner, world.board)
    watcher = open_board(live_url, world.viewer, world.board)
    mover.drag_and_drop(f"#card-{last.pk}", f"#card-{first.pk}", target_position={"x": 10, "y": 2})
    watcher.wait_for_function(
        f"() => document.querySelector('#pipeline-{world.todo.pk} .card').id === 'card-{last.pk}'", timeout=LIVE
    )
    assert list(Card.objects.filter(pipeline=world.todo).values_list("pk", flat=True)) == [
        last.pk,
        first.pk,
        world.cards[1].pk,
    ]


def test_pipeline_drag_reorders_pipelines_for_the_other_member(world, live_url, open_board):
    mover = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    mover.drag_and_drop(
        f"#pipeline-{world.doing.pk} .pipeline-head",
        f"#pipeline-{world.todo.pk} .pipeline-head",
        target_position={"x": 5, "y": 5},
    )
    watcher.wait_for_function(
        f"() => document.querySelector('#pipelines > .pipeline').id === 'pipeline-{world.doing.pk}'", timeout=LIVE
    )
    assert list(Pipeline.objects.filter(board=world.board).values_list("pk", flat=True)) == [
        world.doing.pk,
        world.todo.pk,
    ]
    for page in (watcher, mover):  # the menus' move forms count the new order
        page.wait_for_function(
            f"() => document.querySelector('#pipeline-{world.doing.pk} input[name=position]').value === '1'"
        )
        assert page.input_value(f"#pipeline-{world.todo.pk} input[name=position]") == "2"


def test_a_pipeline_rename_reaches_the_other_member_and_its_delete_asks_first(world, live_url, open_board):
    renamer = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.owner, world.board)
    renamer.click(f"#pipeline-{world.doing.pk} summary")
    renamer.fill(f"#pipeline-{world.doing.pk}-rename", "Underway")
    renamer.click(f"#pipeline-{world.doing.pk} button:has-text('Rename')")
    watcher.wait_for_selector(f"#pipeline-{world.doing.pk}-name:has-text('Underway')", timeout=LIVE)
    assert watcher.input_value(f"#pipeline-{world.doing.pk}-rename") == "Underway"
    label = watcher.get_attribute(f"#pipeline-{world.doing.pk} summary", "aria-labelledby").split()
    assert " ".join(watcher.text_content(f"#{i}") for i in label) == "Actions for Underway"
    watcher.click(f"#pipeline-{world.doing.pk} summary")
    watcher.click(f"#pipeline-{world.doing.pk} a:has-text('Delete pipeline')")
    watcher.wait_for_selector("#panel:has-text('Delete the pipeline “Underway”')")
    assert Pipeline.objects.filter(pk=world.doing.pk).exists()


def test_card_rename_reaches_the_other_member(world, live_url, open_board):
    card = world.cards[1]
    editor = open_board(live_url, world.editor, world.board)
    watcher = open_board(live_url, world.viewer, world.board)
    editor.click(f"#card-{card.pk} .card-link")
    editor.click("#panel a[href$='/edit/']")
    editor.fill("#panel input[name=title]", "Renamed in the browser")
    editor.click("#panel >> button:has-text('Save')")
    watcher.wait_for_selector(f"#card-{card.pk}:has-text('Renamed in the browser')", timeout=LIVE)
    editor.wait_for_selector("#panel h2:has-text('Renamed in the browser')")
    # The viewer sees no edit controls, and the editor's page shows the change once.
    assert watcher.locator(f"#pipeline-{world.todo.pk} form.add-card").is_hidden()
    assert editor.locator(f"#card-{card.pk}").count() == 1


def test_keyboard_move_ends_where_expected_and_is_announced(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.owner, world.board)
    page.focus(f"#card-{card.pk}")
    page.keyboard.press("Space")
    page.wait_for_selector("#announcer:has-text('Picked up')", state="attached")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("#announcer:has-text('position 2 of 3')", state="attached")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#announcer:has-text('in Doing')", state="attached")
    with page.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200
    page.wait_for_selector("#announcer:has-text('Dropped')", state="attached")
    page.wait_for_function(f"() => document.activeElement && document.activeElement.id === 'card-{card.pk}'")
    page.wait_for_selector(in_pipeline(world.doing, card))
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk


def test_keyboard_escape_cancels_a_move(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.owner, world.board)
    page.focus(f"#card-{card.pk}")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    page.wait_for_selector("#announcer:has-text('cancelled')", state="attached")
    assert page.locator(in_pipeline(world.todo, card)).count() == 1
    card.refresh_from_db()
    assert card.pipeline_id == world.todo.pk


def test_touch_press_hold_and_drag_moves_a_card(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.owner, world.board, has_touch=True, is_mobile=True)
    watcher = open_board(live_url, world.editor, world.board)
    cdp = page.context.new_cdp_session(page)
    source = page.locator(f"#card-{card.pk}").bounding_box()
    target = page.locator(f"#pipeline-{world.doing.pk} ol.cards").bounding_box()
    x, y = source["x"] + 20, source["y"] + source["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    page.wait_for_selector(f"#card-{card.pk}.moving")  # held long enough: the drag has begun
    tx, ty = target["x"] + target["width"] / 2, target["y"] + 5
    for step in range(1, 11):
        point = {"x": x + (tx - x) * step / 10, "y": y + (ty - y) * step / 10}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    watcher.wait_for_selector(in_pipeline(world.doing, card), timeout=LIVE)
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk


def test_touch_tap_still_opens_the_card(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.owner, world.board, has_touch=True, is_mobile=True)
    page.tap(f"#card-{card.pk} .card-link")
    page.wait_for_selector(f"#panel h2:has-text('{card.title}')")


def test_without_javascript_a_person_logs_in_and_moves_a_card_with_the_plain_form(world, live_url, open_board):
    card = world.cards[2]
    page = open_board(live_url, None, java_script_enabled=False)
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", world.editor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button")
    page.goto(f"{live_url}/b/{world.board.pk}/")
    page.click(f"#card-{card.pk} .card-link")
    page.select_option("#panel select[name=pipeline]", str(world.doing.pk))
    page.fill("#panel input[name=position]", "1")
    page.click("#panel .move-form button")
    page.wait_for_url(f"{live_url}/b/{world.board.pk}/")
    assert page.locator(in_pipeline(world.doing, card)).count() == 1
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk


def test_refused_move_snaps_back_and_says_why(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.editor, world.board)
    # Demoted behind the page's back (no broadcast): the next move must be refused.
    Membership.objects.filter(board=world.board, user=world.editor).update(role=Role.VIEWER)
    page.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    page.wait_for_selector("#flash.error:has-text('Viewers cannot change this board')")
    page.wait_for_selector(in_pipeline(world.todo, card), state="attached")
    card.refresh_from_db()
    assert card.pipeline_id == world.todo.pk


# Hands the page a socket message as the websocket extension would.
SOCKET_MESSAGE = """(html) => document.dispatchEvent(
    new CustomEvent('htmx:wsBeforeMessage', {detail: {message: html}, cancelable: true}))"""


def step(version: int, html: str) -> str:
    return f'<template data-step="{version}">{html}</template>'


def title_swap(card, title: str) -> str:
    return f'<li id="card-{card.pk}" class="card" hx-swap-oob="true"><a class="card-link">{title}</a></li>'


def test_steps_apply_in_version_order_once_whatever_order_they_come_in(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.viewer, world.board)
    page.wait_for_selector('#live-status[data-state="live"]', state="attached")
    page.wait_for_function(f"() => window.LiveBoard.shown() === {world.board.version}")
    v = world.board.version
    link = f"#card-{card.pk} .card-link"
    page.evaluate(SOCKET_MESSAGE, step(v + 2, title_swap(card, "Second")))
    assert page.text_content(link).strip() == card.title  # waits for v + 1
    page.evaluate(SOCKET_MESSAGE, step(v + 1, title_swap(card, "First")))
    assert page.text_content(link).strip() == "Second"  # both, in order
    assert page.evaluate("window.LiveBoard.shown()") == v + 2
    page.evaluate(SOCKET_MESSAGE, step(v + 1, title_swap(card, "First again")))  # already shown
    page.evaluate(SOCKET_MESSAGE, step(v, title_swap(card, "Older")))
    assert page.text_content(link).strip() == "Second"


def watched_page(open_board, live_url, world):
    """A viewer's page showing the board's version, and the sockets it opens from now on."""
    page = open_board(live_url, world.viewer, world.board)
    page.wait_for_function(f"() => window.LiveBoard.shown() === {world.board.version}")
    opened = []
    page.on("websocket", lambda ws: opened.append(ws))
    return page, opened


def test_a_step_that_does_not_fit_the_page_brings_the_whole_board(world, live_url, open_board):
    card = world.cards[0]
    page, opened = watched_page(open_board, live_url, world)
    # The page shows version v; a step v + 1 places a card after one the page does not have.
    lost = f'<i id="card-{card.pk}" data-in="cards-{world.doing.pk}" data-after="card-987654" hidden></i>'
    page.evaluate(SOCKET_MESSAGE, step(world.board.version + 1, lost))
    page.wait_for_function(f"() => window.LiveBoard.shown() === {world.board.version}", timeout=5000)
    for _ in range(100):  # the new socket's event reaches the test a moment after the page opened it
        if opened:
            break
        page.wait_for_timeout(50)
    page.wait_for_selector(in_pipeline(world.todo, card), state="attached")  # where the server says it is
    assert len(opened) == 1  # it asked for the board again, on one new socket


def test_a_step_whose_predecessor_never_comes_makes_the_page_resume(world, live_url, open_board):
    card = world.cards[0]
    page, opened = watched_page(open_board, live_url, world)
    page.evaluate(SOCKET_MESSAGE, step(world.board.version + 5, title_swap(card, "From the future")))
    page.wait_for_timeout(500)
    assert not opened  # a while to let the missing answer arrive
    page.wait_for_event("websocket", timeout=5000)
    page.wait_for_function(f"() => window.LiveBoard.shown() === {world.board.version}")
    assert page.text_content(f"#card-{card.pk} .card-link").strip() == card.title
    page.wait_for_timeout(2000)
    assert len(opened) == 1  # what it could not place was dropped: it does not resume again and again


def test_page_shows_reconnecting_then_heals_with_what_it_missed(world, open_board):
    port = servers.free_port()
    card = world.cards[0]
    with servers.daphne(port=port) as url:
        page = open_board(url, world.editor, world.board)
    page.wait_for_selector('#live-status[data-state="reconnecting"]')
    assert page.locator("#live-status").is_visible()
    services.card_update(card=card, title="Changed while you were away", description="", actor=world.owner)
    with servers.daphne(port=port):
        page.wait_for_selector(f"#card-{card.pk}:has-text('Changed while you were away')", timeout=20_000)
        page.wait_for_selector('#live-status[data-state="live"]', state="attached")
        assert page.locator("#live-status").is_hidden()


def test_page_reconnects_after_daphne_closes_an_idle_socket_with_1000(world, open_board):
    cookie = servers.session_cookie(world.owner)
    with servers.daphne(args=("--websocket_timeout", "2")) as url:
        page = open_board(url, world.editor, world.board)
        page.evaluate(
            """() => { window.closes = []; window.opens = 0;
                document.addEventListener('htmx:wsClose', e => window.closes.push(e.detail.event.code));
                document.addEventListener('htmx:wsOpen', () => window.opens++); }"""
        )
        page.wait_for_function("() => window.closes.includes(1000) && window.opens >= 1", timeout=15_000)
        path = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
        status, _ = servers.post(url, path, {"title": "After the idle close"}, cookie=cookie)
        assert status == 200
        page.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('After the idle close')", timeout=5_000)


def test_a_live_update_during_a_move_neither_breaks_it_nor_is_lost(world, live_url, open_board):
    card, other = world.cards[0], world.cards[2]
    page = open_board(live_url, world.owner, world.board)
    page.focus(f"#card-{card.pk}")
    page.keyboard.press("Space")
    page.wait_for_selector(f"#card-{card.pk}.moving")
    # Someone else renames a card of the same pipeline while this one is picked up.
    cookie = servers.session_cookie(world.editor)
    path = f"/b/{world.board.pk}/c/{other.pk}/edit/"
    status, _ = servers.post(
        live_url, path, {"title": "Renamed meanwhile", "description": "", "version": other.version}, cookie=cookie
    )
    assert status == 200
    page.keyboard.press("ArrowRight")
    with page.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")):
        page.keyboard.press("Enter")
    page.wait_for_selector(in_pipeline(world.doing, card))
    page.wait_for_selector(f"#card-{other.pk}:has-text('Renamed meanwhile')")  # held, then applied
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk


def test_filter_stays_applied_through_live_updates(world, live_url, open_board):
    page = open_board(live_url, world.owner, world.board)
    page.fill("#filter", "card 1")
    page.wait_for_function(f"() => document.getElementById('card-{world.cards[0].pk}').hidden")
    assert page.locator(f"#card-{world.cards[1].pk}").is_visible()
    cookie = servers.session_cookie(world.editor)
    status, _ = servers.post(
        live_url, f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/", {"title": "Zed"}, cookie=cookie
    )
    assert status == 200
    page.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('Zed')", state="attached")
    page.wait_for_function(
        "() => { const shown = [...document.querySelectorAll('.card')].filter(c => !c.hidden);"
        " return shown.length > 0 && shown.every(c => c.textContent.includes('Card 1')); }"
    )
    assert "q=card+1" in page.url


def test_on_a_phone_only_the_strip_scrolls_sideways_and_the_card_fits(world, live_url, open_board):
    page = open_board(
        live_url, world.owner, world.board, viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.tap(f"#card-{world.cards[0].pk} .card-link")
    page.wait_for_selector("#panel .card-detail")
    box = page.locator("#panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


@pytest.mark.parametrize("form", ["add-card", "add-pipeline"])
def test_enter_adds_once_and_leaves_the_input_empty_and_focused(world, live_url, open_board, form):
    page = open_board(live_url, world.editor, world.board)
    if form == "add-card":
        field, added = f"#pipeline-{world.todo.pk} form.add-card input[name=title]", f"#pipeline-{world.todo.pk} .card"
        model = Card
    else:
        field, added = "form.add-pipeline input[name=name]", "#pipelines > .pipeline"
        model = Pipeline
    empty_and_focused = "sel => document.querySelector(sel).value === '' && document.activeElement.matches(sel)"
    before = page.locator(added).count()
    page.click(field)
    page.keyboard.type("First of two")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an impatient second press must not add it again
    page.wait_for_selector(f"{added}:has-text('First of two')")
    page.wait_for_function(empty_and_focused, arg=field)
    page.keyboard.type("Second of two")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{added}:has-text('Second of two')")
    page.wait_for_function(empty_and_focused, arg=field)
    texts = page.locator(added).all_inner_texts()
    assert len(texts) == before + 2, texts
    assert [sum(title in t for t in texts) for title in ("First of two", "Second of two")] == [1, 1], texts
    field_name = "title" if model is Card else "name"
    for title in ("First of two", "Second of two"):
        assert model.objects.filter(**{field_name: title}).count() == 1


def test_one_resync_opens_exactly_one_new_socket_and_the_page_stays_live(world, live_url, open_board):
    page = open_board(live_url, world.editor, world.board)
    opened = []
    page.on("websocket", lambda ws: opened.append(ws))
    # The page's timers run on a clock the test moves on: every retry the script may have
    # scheduled comes due at once, with no waiting.
    page.clock.install()
    page.evaluate(
        """() => { window.connecting = 0; window.opens = 0; window.closes = 0;
            document.addEventListener('htmx:wsConnecting', () => window.connecting++);
            document.addEventListener('htmx:wsOpen', () => window.opens++);
            document.addEventListener('htmx:wsClose', () => window.closes++);
            window.LiveBoard.resync(); }"""
    )
    page.wait_for_function("() => window.opens === 1 && window.closes === 1")  # the new socket open, the old one closed
    page.clock.run_for(60_000)
    page.wait_for_selector('#live-status[data-state="live"]', state="attached")
    assert page.evaluate("[window.connecting, window.opens, window.closes]") == [1, 1, 1]
    assert len(opened) == 1 and not opened[0].is_closed()
    # Still live: someone else's change arrives on the one socket.
    cookie = servers.session_cookie(world.owner)
    path = f"/b/{world.board.pk}/p/{world.todo.pk}/cards/add/"
    assert servers.post(live_url, path, {"title": "After the resync"}, cookie=cookie)[0] == 200
    page.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('After the resync')")
    assert len(opened) == 1


UNREACHABLE = "Could not reach the server; your change was not saved."
NO_ANSWER = "The server did not answer in time; your change may not have been saved."


def fail_requests(page, pattern: str, how: str) -> None:
    """Requests matching `pattern` fail as if the network were down, or get no answer."""
    if how == "refused":
        page.route(pattern, lambda route: route.abort("connectionrefused"))
    else:
        page.evaluate("htmx.config.timeout = 300")  # the page's own limit is seconds long
        page.route(pattern, lambda route: None)  # never answered


def assert_error_is_shown(page, text: str) -> None:
    flash = page.locator("#flash")
    flash.wait_for(state="visible")
    assert text in flash.inner_text()
    assert flash.get_attribute("role") == "alert"
    assert flash.evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_the_page_sets_a_request_timeout(world, live_url, open_board):
    page = open_board(live_url, world.editor, world.board)
    assert 1000 <= page.evaluate("htmx.config.timeout") <= 30_000


@pytest.mark.parametrize("how", ["refused", "no answer"])
def test_an_add_that_cannot_reach_the_server_says_so_and_keeps_the_text(world, live_url, open_board, how):
    page = open_board(live_url, world.editor, world.board)
    fail_requests(page, "**/cards/add/", how)
    field = f"#pipeline-{world.todo.pk} form.add-card input[name=title]"
    page.click(field)
    page.keyboard.type("Typed on a train")
    page.keyboard.press("Enter")
    assert_error_is_shown(page, UNREACHABLE if how == "refused" else NO_ANSWER)
    assert page.input_value(field) == "Typed on a train"
    assert not Card.objects.filter(title="Typed on a train").exists()
    # Once the server is reachable again, the same text goes through as it was typed.
    page.unroute("**/cards/add/")
    page.evaluate("htmx.config.timeout = 10000")
    page.press(field, "Enter")
    page.wait_for_selector(f"#pipeline-{world.todo.pk} .card:has-text('Typed on a train')")
    page.wait_for_selector("#flash", state="hidden")


def test_a_move_that_cannot_reach_the_server_snaps_back_and_says_so(world, live_url, open_board):
    card = world.cards[0]
    page = open_board(live_url, world.editor, world.board)
    fail_requests(page, "**/move/", "refused")
    page.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    assert_error_is_shown(page, UNREACHABLE)
    page.wait_for_selector(in_pipeline(world.todo, card))
    card.refresh_from_db()
    assert card.pipeline_id == world.todo.pk
    # The page is not stuck in the failed move: the next one goes through.
    page.unroute("**/move/")
    with page.expect_response(lambda response: response.url.endswith(f"/c/{card.pk}/move/")) as answer:
        page.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    assert answer.value.status == 200
    page.wait_for_selector(in_pipeline(world.doing, card))
    card.refresh_from_db()
    assert card.pipeline_id == world.doing.pk


def test_a_page_that_reconnects_is_sent_only_the_steps_it_missed(world, live_url, open_board):
    page = open_board(live_url, world.editor, world.board)
    page_id = page.get_attribute("#live", "ws-connect").split("page=")[1]
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    # Three moves it does not see: made in its name (a page is not sent its own changes again)
    # by requests whose answers it never gets.
    cookie = servers.session_cookie(world.owner)
    for card in world.cards:
        path = f"/b/{world.board.pk}/c/{card.pk}/move/"
        status, _ = servers.post(live_url, path, {"pipeline": world.doing.pk, "after": ""}, cookie=cookie, page=page_id)
        assert status == 200
    assert page.locator(f"#cards-{world.doing.pk} .card").count() == 0
    page.evaluate("window.LiveBoard.resync(true)")
    page.wait_for_function(f"() => document.querySelectorAll('#cards-{world.doing.pk} .card').length === 3")
    order = page.eval_on_selector_all(f"#cards-{world.doing.pk} .card", "cards => cards.map(c => c.id)")
    assert order == [f"card-{c.pk}" for c in reversed(world.cards)]
    assert page.text_content(f"#count-{world.doing.pk}").strip() == "3"
    steps = [f for f in frames if "data-step" in f]
    assert len(steps) == 1 and steps[0].count("<template data-step=") == 3 and "data-whole" not in steps[0]


def test_where_websockets_are_blocked_the_page_polls_and_says_updates_are_delayed(world, live_url, open_board):
    blocked = {"on": True}

    def upgrade(ws):
        if blocked["on"]:
            ws.close()  # a proxy that drops the upgrade
        else:
            ws.connect_to_server()

    watcher = open_board(live_url, world.viewer)
    watcher.route_web_socket("**/ws/**", upgrade)
    watcher.goto(f"{live_url}/b/{world.board.pk}/")
    watcher.wait_for_selector('#live-status[data-state="delayed"]:has-text("Live updates are delayed")', timeout=15_000)
    assert watcher.locator("#live-status").is_visible()
    mover = open_board(live_url, world.editor, world.board)
    card = world.cards[0]
    mover.drag_and_drop(f"#card-{card.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    watcher.wait_for_selector(in_pipeline(world.doing, card), timeout=5000)  # a poll or two later
    blocked["on"] = False
    watcher.wait_for_selector('#live-status[data-state="live"]', state="attached", timeout=20_000)
    other = world.cards[1]
    mover.drag_and_drop(f"#card-{other.pk}", f"#pipeline-{world.doing.pk} ol.cards")
    watcher.wait_for_selector(in_pipeline(world.doing, other), timeout=LIVE)  # live again
