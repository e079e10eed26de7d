"""deploy/: the environment file names every setting, `check --deploy` is clean with it, nginx takes the site."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys

import pytest

from tests import proxy
from tests.servers import ROOT

SETTINGS = ROOT / "project" / "settings.py"


def read_by_settings() -> set[str]:
    text = SETTINGS.read_text()
    return set(re.findall(r'(?:os\.environ\.get|os\.environ\[|env_bool|env_list)\(?\s*"([A-Z][A-Z0-9_]*)"', text))


def test_the_environment_example_names_every_variable_the_settings_read():
    read = read_by_settings()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "LIVEBOARD_ORIGINS"} <= read  # the pattern finds them
    example = proxy.ENV_EXAMPLE.read_text()
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert read - named == set(), "deploy/liveboard.env.example lacks these"


def manage(env_path, *args: str) -> subprocess.CompletedProcess:
    """deploy/manage with an environment file, as the operator runs it (this test run's python)."""
    env = {"PATH": "/usr/bin:/bin", "LIVEBOARD_ENV": str(env_path), "LIVEBOARD_PYTHON": sys.executable}
    return subprocess.run([str(proxy.DEPLOY / "manage"), *args], env=env, capture_output=True, text=True, timeout=60)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    example = proxy.ENV_EXAMPLE.read_text()
    placeholder = proxy.env_file()["SECRET_KEY"]
    filled = tmp_path / "liveboard.env"
    filled.write_text(example.replace(f"SECRET_KEY={placeholder}", f"SECRET_KEY={secrets.token_urlsafe(50)}"))
    result = manage(filled, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # The file as shipped is not enough: its placeholder key is refused as weak.
    unfilled = manage(proxy.ENV_EXAMPLE, "check", "--deploy", "--fail-level", "WARNING")
    assert unfilled.returncode != 0 and "security.W009" in unfilled.stdout + unfilled.stderr


def test_the_daphne_units_options_are_ones_daphne_takes():
    options = proxy.unit_daphne_args()
    assert "--proxy-headers" in options  # nginx's X-Forwarded-* are believed, so the bind is loopback only
    assert "--bind 127.0.0.1" in proxy.UNIT.read_text()
    from daphne.cli import CommandLineInterface

    parsed = CommandLineInterface().parser.parse_args([*options, "project.asgi:application"])  # exits if unknown
    assert parsed.proxy_headers and parsed.proxy_headers_port == "X-Client-Port"


@pytest.mark.skipif(proxy.NGINX is None, reason="nginx is not installed (apt-get install -y nginx; CI installs it)")
def test_nginx_accepts_the_rendered_site(tmp_path):
    conf, *_ = proxy.write_config(tmp_path, ["127.0.0.1:8001", "127.0.0.1:8002"], tmp_path)
    result = subprocess.run(proxy.nginx_command(tmp_path, conf, "-t"), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    with pytest.raises(KeyError):  # every name of the template needs a value
        proxy.render_site({"LIVEBOARD_DOMAIN": "board.example.com"})


@pytest.mark.skipif(shutil.which("envsubst") is None, reason="envsubst is not installed (Debian: gettext-base)")
def test_the_render_script_fills_in_the_template_as_the_topology_test_does(tmp_path):
    values = {
        "LIVEBOARD_DOMAIN": "board.example.com",
        "LIVEBOARD_HTTP_PORT": "80",
        "LIVEBOARD_HTTPS_PORT": "443",
        "LIVEBOARD_CERTIFICATE": "/etc/letsencrypt/live/board.example.com/fullchain.pem",
        "LIVEBOARD_CERTIFICATE_KEY": "/etc/letsencrypt/live/board.example.com/privkey.pem",
        "LIVEBOARD_STATIC_ROOT": "/srv/liveboard/static",
        "LIVEBOARD_ACME_ROOT": "/var/www/letsencrypt",
        "LIVEBOARD_DAPHNE_1": "127.0.0.1:8001",
        "LIVEBOARD_DAPHNE_2": "127.0.0.1:8002",
    }
    script = str(proxy.DEPLOY / "nginx" / "render")
    env = {"PATH": os.environ["PATH"]}
    defaults = subprocess.run([script], env={**env, "LIVEBOARD_DOMAIN": "board.example.com"}, capture_output=True)
    assert defaults.returncode == 0, defaults.stderr
    assert defaults.stdout.decode() == proxy.render_site(values)  # the documented defaults
    assert "$http_upgrade" in defaults.stdout.decode() and "${" not in defaults.stdout.decode()
    unset = subprocess.run([script], env=env, capture_output=True, text=True)
    assert unset.returncode != 0 and "LIVEBOARD_DOMAIN" in unset.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_takes_the_units_as_written(tmp_path):
    for unit in ("liveboard@.service", "liveboard-worker.service", "liveboard.target"):
        shutil.copy(proxy.DEPLOY / "systemd" / unit, tmp_path / unit)
    (tmp_path / "liveboard@8001.service").symlink_to(tmp_path / "liveboard@.service")
    result = subprocess.run(
        ["systemd-analyze", "verify", "liveboard@8001.service", "liveboard-worker.service", "liveboard.target"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # The one thing this machine lacks: the production virtualenv.
        if line.strip() and not re.search(r"/srv/liveboard/venv/bin/(daphne|python) is not executable", line)
    ]
    assert complaints == []
