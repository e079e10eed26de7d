"""Japanese and English: chosen from the browser, saved per person, on every page and message."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from board import services
from board.live import languages
from board.models import Activity, Profile, Role
from tests.conftest import make_user

JA = {"HTTP_ACCEPT_LANGUAGE": "ja,en;q=0.5"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}

# Words of the English interface: none may be left on a Japanese page (user content aside).
ENGLISH = re.compile(
    r"\b(delete|edit|save|cancel|members?|filter|activity|comments?|log ?in|log ?out|sign ?up|rename|move|add|close|"
    r"history|here now|pipelines?|cards?|boards?|username|password|ago|just now|owner|editor|viewer|someone|details|"
    r"create|remove|change|description|position|title|name|older|newer|error|language|browser|yes|no)\b",
    re.IGNORECASE,
)
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "hx-confirm", "alt", "value")


class Shown(HTMLParser):
    """What a person reads or hears on a page: text, and the attributes browsers show or speak."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        attrs = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name) and not (name == "value" and attrs.get("type") in ("hidden", None) and tag != "button"):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def english_left(html: str, content: tuple[str, ...] = ()) -> list[str]:
    shown = Shown()
    shown.feed(html)
    found = []
    for part in shown.parts:
        for own in (*content, "LiveBoard", "English", "Markdown", "UTF-8"):
            part = part.replace(own, "")
        found += ENGLISH.findall(part)
    return found


@pytest.fixture
def japanese_board(db):
    """A board whose own content is Japanese, with a member, a comment and some history."""
    taro, hanako = make_user("taro"), make_user("hanako")
    board = services.board_create(owner=taro, name="開発ボード")
    todo = services.pipeline_create(board=board, name="未着手", actor=taro)
    done = services.pipeline_create(board=board, name="完了", actor=taro)
    card = services.card_create(pipeline=todo, title="仕様を書く", actor=taro)
    services.card_update(card=card, title="仕様を書く", description="**下書き**", actor=hanako)
    services.member_add(board=board, username="hanako", role=Role.EDITOR, actor=taro)
    services.comment_create(card=card, author=hanako, body="了解です")
    services.card_move(card=card, pipeline=done, actor=taro)
    board.refresh_from_db()
    return board, card, taro, hanako


def test_a_japanese_browser_gets_japanese_and_an_english_one_english(world, as_user):
    client = as_user(world.owner)
    ja = client.get("/", **JA)
    en = client.get("/", **EN)
    assert ja["Content-Language"] == "ja" and '<html lang="ja"' in ja.content.decode()
    assert "あなたのボード" in ja.content.decode() and "Your boards" not in ja.content.decode()
    assert en["Content-Language"] == "en" and "Your boards" in en.content.decode()
    assert "Your boards" in client.get("/").content.decode()  # no header: the default, English


@pytest.mark.parametrize(
    "header",
    ["xx-YY", "!!!", "ja;q=abc", ";;;,,,", "en;q=0.1,*;q=2", "a" * 5000, "ja-JP-" + "x" * 300, "\u00ff\u00fe"],
)
def test_an_unknown_or_malformed_accept_language_gets_a_page_never_a_500(world, as_user, header):
    response = as_user(world.owner).get("/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    assert response["Content-Language"] in ("en", "ja")


def test_a_saved_language_wins_over_the_browser(world, as_user):
    services.profile_update(user=world.owner, language="ja")
    client = as_user(world.owner)
    assert "あなたのボード" in client.get("/", **EN).content.decode()
    services.profile_update(user=world.owner, language="")  # the browser's again
    assert "Your boards" in client.get("/", **EN).content.decode()
    assert "あなたのボード" in client.get("/", **JA).content.decode()


def test_a_person_saves_their_language_with_a_plain_form(world, as_user):
    client = as_user(world.owner)
    page = client.get(f"/b/{world.board.pk}/").content.decode()
    assert f'action="{reverse("language")}"' in page  # the form is on every page
    response = client.post(reverse("language"), {"language": "ja", "next": f"/b/{world.board.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/b/{world.board.pk}/"
    assert Profile.objects.get(user=world.owner).language == "ja"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    shown = client.get(f"/b/{world.board.pk}/", **EN).content.decode()
    assert "閲覧中" in shown and '<option value="ja" selected lang="ja">日本語</option>' in shown


def test_a_visitor_chooses_a_language_for_the_login_page(db, client):
    response = client.post(reverse("language"), {"language": "ja", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login"), **EN).content.decode()
    assert "ログイン" in page and "パスワード" in page
    client.post(reverse("language"), {"language": "", "next": reverse("login")})  # the browser's again
    assert "Log in" in client.get(reverse("login"), **EN).content.decode()


@pytest.mark.parametrize("language", ["xx", "JA", "ja-evil", "<b>", "e" * 50])
def test_an_unknown_language_is_refused_clearly_and_changes_nothing(world, as_user, language):
    services.profile_update(user=world.owner, language="en")
    response = as_user(world.owner).post(reverse("language"), {"language": language, "next": "/"})
    assert response.status_code == 400
    assert "Choose a language" in response.content.decode()
    assert Profile.objects.get(user=world.owner).language == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_language_form_never_sends_anyone_to_another_site(world, as_user):
    response = as_user(world.owner).post(reverse("language"), {"language": "ja", "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_profile_update_refuses_what_is_no_language_and_keeps_the_rest(world):
    with pytest.raises(TypeError):
        services.profile_update(world.owner, "ja")  # keyword-only
    with pytest.raises(services.common.ValidationError):
        services.profile_update(user=world.owner, language="fr")
    assert not Profile.objects.filter(user=world.owner).exists()
    assert services.profile_update(user=world.owner, language="ja").language == "ja"
    assert services.profile_update(user=world.owner).language == "ja"  # nothing given: nothing changes


def test_an_old_activity_line_reads_in_the_readers_language(world, as_user):
    services.card_move(card=world.cards[0], pipeline=world.doing, actor=world.editor)  # recorded in English
    assert Activity.objects.filter(kind="card.moved").exists()
    url = reverse("activity", args=[world.board.pk])
    ja = as_user(world.viewer).get(url, **JA).content.decode()
    en = as_user(world.viewer).get(url, **EN).content.decode()
    assert "<strong>eddie</strong> さんが「Card 0」をTo doからDoingへ移動しました" in ja
    assert "<strong>eddie</strong> moved “Card 0” from To do to Doing" in en
    assert "たった今" in ja and "just now" in en


def test_service_refusals_come_in_the_readers_language(world, as_user):
    client = as_user(world.editor, htmx=True)
    response = client.post(reverse("pipeline-create", args=[world.board.pk]), {"name": "a\u202eb"}, **JA)
    assert response.status_code == 400
    assert "リスト名に制御文字や文字の向きを変える文字は使えません。" in response.content.decode()
    viewer = as_user(world.viewer, htmx=True).post(reverse("board-rename", args=[world.board.pk]), {"name": "x"}, **JA)
    assert viewer.status_code == 403 and "閲覧者はこのボードを変更できません。" in viewer.content.decode()


def test_error_pages_come_in_the_readers_language(world, as_user):
    response = as_user(world.owner).get("/no/such/page/", **JA)
    assert response.status_code == 404
    assert (
        "このアドレスには何もありません" in response.content.decode() and "見つかりません" in response.content.decode()
    )


def test_the_scripts_words_come_with_the_page_in_its_language(world, as_user):
    page = as_user(world.owner).get(f"/b/{world.board.pk}/", **JA).content.decode()
    words = json.loads(re.search(r'<script id="lb-text" type="application/json">(.*?)</script>', page, re.S)[1])
    assert words["reconnecting"] == "再接続しています…"
    assert words["ago"]["m"] == ["%(count)d分前", "%(count)d分前"] and words["justNow"] == "たった今"
    flat = [v for v in words.values() if isinstance(v, str)]
    assert all(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", v) or v == "{place}。" for v in flat), flat
    english = json.loads(
        re.search(
            r'<script id="lb-text" type="application/json">(.*?)</script>',
            as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode(),
            re.S,
        )[1]
    )
    assert english["ago"]["m"] == ["%(count)d minute ago", "%(count)d minutes ago"]
    assert set(english) == set(words)


def japanese_pages(board, card, client) -> dict[str, str]:
    b = board.pk
    return {
        "home": client.get("/", **JA).content.decode(),
        "board": client.get(reverse("board", args=[b]), **JA).content.decode(),
        "card dialog": client.get(reverse("card", args=[b, card.pk]), **JA).content.decode(),
        "card edit": client.get(reverse("card-edit", args=[b, card.pk]), **JA).content.decode(),
        "members panel": client.get(reverse("members", args=[b]), **JA).content.decode(),
        "activity": client.get(reverse("activity", args=[b]), **JA).content.decode(),
        "pipeline delete": client.get(reverse("pipeline-delete", args=[b, card.pipeline_id]), **JA).content.decode(),
        "board delete": client.get(reverse("board-delete", args=[b]), **JA).content.decode(),
        "not found": client.get(f"/b/{b}/c/999999/", **JA).content.decode(),
        "filtered": client.get(reverse("board", args=[b]), {"q": "ｶﾅ"}, **JA).content.decode(),
    }


def test_japanese_pages_leave_no_english_word_of_the_interface(japanese_board, as_user, client):
    board, card, taro, hanako = japanese_board
    content = (board.name, "taro", "hanako", "TA", "HA")
    pages = japanese_pages(board, card, as_user(taro))
    pages["login"] = client.get(reverse("login"), **JA).content.decode()
    pages["signup"] = client.get(reverse("signup"), **JA).content.decode()
    bad = client.post(reverse("signup"), {"username": "", "password1": "x", "password2": "y"}, **JA)
    pages["signup errors"] = bad.content.decode()
    comment = card.comments.get()
    pages["comment edit"] = (
        as_user(hanako).get(reverse("comment-edit", args=[board.pk, comment.pk]), **JA).content.decode()
    )
    services.claim_release(card=card, user=taro)  # taro closed the form he opened above; hanako opens it
    services.claim_take(card=card, user=hanako, page="hanakospage1")
    pages["edit while claimed"] = (
        as_user(taro).get(reverse("card-edit", args=[board.pk, card.pk]), **JA).content.decode()
    )
    wrong = as_user(taro).post(reverse("login"), {"username": "taro", "password": "wrong"}, **JA)
    pages["login error"] = wrong.content.decode()
    for name, html in pages.items():
        assert '<html lang="ja"' in html, name
        assert english_left(html, content) == [], name
    assert "hanako</strong> さんがこのカードを編集中です。" in pages["edit while claimed"]
    assert "了解です</textarea>" in pages["comment edit"] and "正しいユーザー名" in pages["login error"]
    assert "このアドレスには何もありません" in pages["not found"] or "そのカードはありません" in pages["not found"]
    assert "コメント 1 件" in pages["board"] and "hanako さんが編集 <time" in pages["board"]
    # The same pages in English are full of such words: the check sees them.
    english = as_user(taro).get(reverse("card", args=[board.pk, card.pk]), **EN).content.decode()
    assert {"Delete", "Edit", "Comments", "Members", "Filter"} <= set(english_left(english, content))
    assert "リスト「完了」とその 1 枚のカードを削除しますか？" in pages["pipeline delete"]


def test_the_same_card_is_cached_once_per_language(japanese_board, as_user):
    board, card, taro, hanako = japanese_board
    client = as_user(taro)
    for _ in range(2):  # the second round comes from the cache
        en = client.get(reverse("board", args=[board.pk]), **EN).content.decode()
        ja = client.get(reverse("board", args=[board.pk]), **JA).content.decode()
        assert "1 comment<" in en and "コメント 1 件" not in en
        assert "コメント 1 件" in ja and "1 comment<" not in ja


def test_a_japanese_writer_is_answered_in_japanese_with_the_bytes_japanese_pages_get(
    world, as_user, published, django_capture_on_commit_callbacks
):
    languages.seen([(world.board.pk, "en")])  # an English page is open on the board
    url = reverse("card-move", args=[world.board.pk, world.cards[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.editor, htmx=True).post(url, {"pipeline": world.doing.pk}, **JA)
    assert response.status_code == 200
    [message] = [m for _, m in published if m["type"] == "board.fragments"]
    assert list(message["html"]) == ["ja", "en"]  # the writer's language first, then the one read
    assert message["html"]["ja"] in response.content.decode()
    assert "さんが「Card 0」をTo doからDoingへ移動しました" in message["html"]["ja"]
    assert "moved “Card 0” from To do to Doing" in message["html"]["en"]


@pytest.mark.parametrize("cookie", ["zz", "", "ja" * 40, "<script>", "en-GB"])
def test_a_language_cookie_that_is_no_language_of_ours_is_ignored(world, as_user, cookie):
    client = as_user(world.owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.get("/", **JA)
    assert response.status_code == 200
    expected = "en" if cookie == "en-GB" else "ja"  # a variant of English is English; the rest: the header decides
    assert response["Content-Language"] == expected


def test_a_saved_language_that_is_no_longer_offered_falls_back_to_the_browser(world, as_user):
    Profile.objects.create(user=world.owner, language="fr")  # written by hand, or a language since dropped
    response = as_user(world.owner).get("/", **JA)
    assert response.status_code == 200 and response["Content-Language"] == "ja"
