"""What the board page makes a slow phone download: every script, gzipped, within budget."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from django.contrib.staticfiles import finders

SCRIPT_BUDGET = 6_500  # bytes gzip: the one hand-written script
PAGE_BUDGET = 25_000  # bytes gzip: all JavaScript the board page loads, htmx included


def gzipped(path: str) -> int:
    return len(gzip.compress(Path(path).read_bytes(), 9))


def test_the_board_script_and_all_page_javascript_fit_their_budgets(world, as_user):
    html = as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode()
    sources = re.findall(r'<script src="/static/([^"]+)"', html)
    assert "board.js" in sources and any(s.startswith("django_htmx/htmx-2") for s in sources)
    sizes = {source: gzipped(finders.find(source)) for source in sources if "django-htmx.js" not in source}
    assert sizes["board.js"] < SCRIPT_BUDGET, sizes
    assert sum(sizes.values()) < PAGE_BUDGET, sizes


def test_the_page_loads_no_script_from_anywhere_else(world, as_user):
    html = as_user(world.owner).get(f"/b/{world.board.pk}/").content.decode()
    assert not re.findall(r'<script src="(?!/static/)', html)
