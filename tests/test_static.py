"""What the board page makes a slow phone download: every script, compressed, within budget,
under hashed names that are served compressed and cached for ever.

Browsers take brotli (over HTTPS, as in production); gzip is for the clients that do not.
"""

from __future__ import annotations

import gzip
import re
import urllib.request
from pathlib import Path

import brotli
import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

from tests import servers

SCRIPT_BUDGET = 7_300  # bytes brotli: the one hand-written script (7,221: news, IME waits, words from the page)
PAGE_BUDGET = 25_000  # bytes brotli: all JavaScript the board page loads, htmx included
GZIP_PAGE_BUDGET = 26_800  # bytes gzip, for clients without brotli (26,740 on the wire)
HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{12}(?P<ext>\.\w+)$")  # board.0123456789ab.js
FOREVER = "max-age=315360000"


def gzipped(path: str) -> int:
    return len(gzip.compress(Path(path).read_bytes(), 9))


def brotlied(path: str) -> int:
    return len(brotli.compress(Path(path).read_bytes()))


def unhashed(name: str) -> str:
    match = HASHED.match(name)
    assert match, f"{name} has no hash in its name"
    return match["stem"] + match["ext"]


def test_the_board_script_and_all_page_javascript_fit_their_budgets(world, as_user):
    html = as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode()
    served = re.findall(r'<script src="/static/([^"]+)"', html)
    sources = {unhashed(name): name for name in served}
    assert "board.js" in sources and any(s.startswith("django_htmx/htmx-2") for s in sources)
    sizes = {source: brotlied(staticfiles_storage.path(name)) for source, name in sources.items()}
    assert sizes["board.js"] < SCRIPT_BUDGET, sizes
    assert sum(sizes.values()) < PAGE_BUDGET, sizes
    gzip_sizes = {source: gzipped(staticfiles_storage.path(name)) for source, name in sources.items()}
    assert sum(gzip_sizes.values()) < GZIP_PAGE_BUDGET, gzip_sizes


def test_the_page_loads_no_script_from_anywhere_else(world, as_user):
    html = as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode()
    assert not re.findall(r'<script src="(?!/static/)', html)


def get(url: str, **headers: str):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
        return response.headers, response.read()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("debug", ["1", "0"], ids=["make-run", "production"])
def test_daphne_serves_scripts_and_styles_hashed_compressed_and_cached_for_ever(debug):
    extra = {"DEBUG": debug}
    if debug == "0":
        extra |= {"SECRET_KEY": "test-only-" + "k" * 50, "SECURE_SSL_REDIRECT": "0"}
    with servers.daphne(extra=extra) as url:
        _, page = get(url + "/accounts/login/")
        assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page.decode())
        assert "board.js" in {unhashed(name) for name in assets} and "board.css" in {unhashed(n) for n in assets}
        on_the_wire = {"br": 0, "gzip": 0}
        for name in assets:
            for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
                headers, body = get(f"{url}/static/{name}", **{"Accept-Encoding": f"{encoding}, identity;q=0.5"})
                assert headers["Content-Encoding"] == encoding, (name, dict(headers))
                assert FOREVER in headers["Cache-Control"] and "immutable" in headers["Cache-Control"], name
                source = Path(finders.find(unhashed(name))).read_bytes()
                if name.endswith(".js"):
                    assert decompress(body) == source, f"{name} is not the current {unhashed(name)}"
                    if "django-htmx.js" not in unhashed(name):  # DEBUG's error helper
                        on_the_wire[encoding] += len(body)
        assert on_the_wire["br"] < PAGE_BUDGET and on_the_wire["gzip"] < GZIP_PAGE_BUDGET, (assets, on_the_wire)
