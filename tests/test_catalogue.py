"""The Japanese catalogue: every string of every template, module and script translated, and compiled."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
needs_gettext = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")


def statistics(po: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.strip()


def msgids(po: Path) -> set[str]:
    text = po.read_text(encoding="utf-8")
    return {m.replace('"\n"', "") for m in re.findall(r'^msgid ("(?:.|\n")*?")\nmsg', text, re.M)} - {'""'}


@needs_gettext
def test_every_string_of_the_sources_is_in_the_catalogue_and_translated(tmp_path):
    """makemessages over a copy of the sources: nothing new, nothing untranslated or fuzzy, nothing stale."""
    for part in ("board", "project", "static", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    fresh = tmp_path / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    stats = statistics(fresh)
    assert re.fullmatch(r"\d+ translated messages\.", stats), stats  # no "fuzzy", no "untranslated"
    assert msgids(fresh) == msgids(PO)
    assert int(stats.split()[0]) >= 200


@needs_gettext
def test_the_committed_catalogue_is_compiled_from_the_po(tmp_path):
    """A fresh clone shows Japanese without gettext installed: the .mo is committed, and current."""
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == MO.read_bytes()
    assert not re.search(r"^#, fuzzy", PO.read_text(encoding="utf-8"), re.M)


def test_the_script_holds_no_words_of_its_own():
    """static/board.js says only what the page gives it (board_tags.script_strings), in the page's language."""
    script = (ROOT / "static" / "board.js").read_text(encoding="utf-8")
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", script, flags=re.S)  # comments are for us
    literals = re.findall(r'"((?:[^"\\\n]|\\.)*)"', code)
    prose = [s for s in literals if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", s) and not re.search(r"[.#\[=:>(]", s)]
    assert set(prose) <= {"use strict", "flash error"}  # a directive and class names
    assert not [s for s in literals if re.fullmatch(r"[A-Z][a-z]+[.…!?]", s)]  # "Reconnecting…", "Moved."
    assert 'getElementById("lb-text")' in script
