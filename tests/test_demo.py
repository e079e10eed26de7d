"""`make run` prints the address it serves: the demo command is told HOST and PORT."""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess

import pytest
from django.core.management import call_command

from tests.servers import ROOT


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "url"),
    [
        ((), "http://127.0.0.1:8000/"),
        (("--port", "8101"), "http://127.0.0.1:8101/"),
        (("--host", "0.0.0.0", "--port", "8102"), "http://127.0.0.1:8102/"),
        (("--host", "::1", "--port", "8103"), "http://[::1]:8103/"),
    ],
)
def test_the_demo_prints_the_address_it_is_told(args, url):
    assert f"Log in at {url} as demo" in demo(*args)


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_prints_the_port_it_serves():
    # The commands `make run PORT=8101` would run, not run: the demo line is then run here.
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8101", "HOST=127.0.0.1", "PY=python"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    [line] = [line for line in plan if "manage.py demo" in line]
    [serve] = [line for line in plan if "daphne" in line]
    assert "-p 8101" in serve
    argv = shlex.split(line)
    assert "Log in at http://127.0.0.1:8101/ as demo" in demo(*argv[argv.index("demo") + 1 :])
