"""The production topology of deploy/, on this machine: nginx with a self-signed certificate, in front
of daphne processes started as deploy/systemd/liveboard@.service starts them.

nginx runs as the current user from a temporary directory (pid, logs, temp files, certificate and the
site rendered from deploy/nginx/liveboard.conf.template with ports and paths filled in).
"""

from __future__ import annotations

import getpass
import http.cookiejar
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.procs import free_port, wait_for_port
from tests.servers import ROOT, stop

DEPLOY = ROOT / "deploy"
SITE_TEMPLATE = DEPLOY / "nginx" / "liveboard.conf.template"
UNIT = DEPLOY / "systemd" / "liveboard@.service"
ENV_EXAMPLE = DEPLOY / "liveboard.env.example"
PLACEHOLDER = re.compile(r"\$\{(LIVEBOARD_[A-Z0-9_]+)\}")
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
DOMAIN = "localhost"


def render_site(values: dict[str, str]) -> str:
    """The site template with its ${LIVEBOARD_*} names filled in, as `envsubst '<those names>'` does."""
    text = SITE_TEMPLATE.read_text()
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def unit_daphne_args() -> list[str]:
    """The options liveboard@.service gives daphne, but for the address and port (a test's own)."""
    line = next(line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart="))
    assert words[0].endswith("/daphne") and words[-1] == "project.asgi:application", line
    options, rest = [], iter(words[1:-1])
    for word in rest:
        if word in ("--bind", "--port", "-b", "-p"):
            next(rest)
        else:
            options.append(word)
    return options


def env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The variables an environment file sets (comments and blank lines skipped, as systemd reads it)."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 and its key, made by openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={DOMAIN}"]
        + ["-addext", f"subjectAltName=DNS:{DOMAIN},IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    return cert, key


def main_config(directory: Path, site: Path) -> str:
    """nginx.conf for a test: Debian's shape (the site inside http {}), everything kept in `directory`."""
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {directory}/{kind};" for kind in kinds)
    # As root nginx would hand its workers to another user, who could not read the test's files.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {directory}/access.log;\n{temp}\n    include {site};\n}}\n"
    )


@dataclass
class Nginx:
    https: str  # https://localhost:PORT
    http: str
    cert: Path
    directory: Path

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def log(self) -> str:
        return (self.directory / "error.log").read_text(errors="replace")


def write_config(directory: Path, daphnes: list[str], static_root: Path) -> tuple[Path, int, int, Path]:
    """The rendered site and main config in `directory`; returns the config, both ports and the cert."""
    cert, key = self_signed(directory)
    http_port, https_port = free_port(), free_port()
    values = {
        "LIVEBOARD_DOMAIN": DOMAIN,
        "LIVEBOARD_HTTP_PORT": str(http_port),
        "LIVEBOARD_HTTPS_PORT": str(https_port),
        "LIVEBOARD_CERTIFICATE": str(cert),
        "LIVEBOARD_CERTIFICATE_KEY": str(key),
        "LIVEBOARD_STATIC_ROOT": str(static_root),
        "LIVEBOARD_ACME_ROOT": str(directory / "acme"),
        "LIVEBOARD_DAPHNE_1": daphnes[0],
        "LIVEBOARD_DAPHNE_2": daphnes[1],
    }
    text = render_site(values)
    if not ipv6():  # a machine without IPv6: nginx could not open the site's [::] listeners
        text = "\n".join(line for line in text.splitlines() if "listen [::]" not in line)
    site = directory / "liveboard.conf"
    site.write_text(text)
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, site))
    return conf, http_port, https_port, cert


def ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def nginx_command(directory: Path, conf: Path, *extra: str) -> list[str]:
    return [NGINX, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log"), *extra]


@contextmanager
def nginx(directory: Path, *, daphnes: list[str], static_root: Path) -> Iterator[Nginx]:
    """nginx in the foreground, in front of the daphnes ("127.0.0.1:PORT"); stopped by its pid."""
    conf, http_port, https_port, cert = write_config(directory, daphnes, static_root)
    process = subprocess.Popen(
        nginx_command(directory, conf, "-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(https_port, process)
        yield Nginx(f"https://{DOMAIN}:{https_port}", f"http://{DOMAIN}:{http_port}", cert, directory)
    finally:
        stop(process)  # TERM: nginx stops its workers too


class Browser:
    """HTTPS requests as a browser makes them: cookies kept, the page's Origin on POSTs, no redirect followed."""

    def __init__(self, site: Nginx) -> None:
        self.site = site
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=site.ssl_context()),
            urllib.request.HTTPCookieProcessor(self.cookies),
            _NoRedirect(),
        )

    def request(self, path: str, data: dict[str, str] | None = None, headers: dict[str, str] | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.site.https + path, data=body, headers=headers or {})
        if body is not None:
            request.add_header("Origin", self.site.https)
            request.add_header("Referer", self.site.https + path)
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return response.status, dict(response.headers), response.read().decode()

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def log_in(self, username: str, password: str) -> tuple[int, dict]:
        """Through the login form: its CSRF token from the page, then the POST."""
        status, _, html = self.request("/accounts/login/")
        assert status == 200, html[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        status, headers, _ = self.request(
            "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        return status, headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
