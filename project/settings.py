"""LiveBoard settings: one file, driven by environment variables with safe dev defaults."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used on a developer's machine: DEBUG is on and no key was given.
    SECRET_KEY = "dev-only-insecure-key-liveboard-0123456789-abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Origins besides a socket's own (scheme, host and port) whose pages may open board sockets:
# pages served through a proxy on another origin (board.live.same_origin).
LIVEBOARD_ORIGINS = env_list("LIVEBOARD_ORIGINS", "")

INSTALLED_APPS = [
    # daphne first: `runserver` then serves ASGI, websockets included.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "board",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (its cookie, else Accept-Language); a person's saved one wins (below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "board.i18n.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "board.live.origin.OriginPageMiddleware",
    # Before any process_view (the CSRF check reads the form there): refuses what cannot be read.
    "board.views.errors.UnreadableRequestMiddleware",
]

ROOT_URLCONF = "project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "board.context_processors.theme",
            ],
        },
    },
]

WSGI_APPLICATION = None
ASGI_APPLICATION = "project.asgi.application"

# HTTP requests run on this many long-lived threads (project/lanes.py); each keeps its
# database connection this many seconds, checked before reuse.
HTTP_THREADS = int(os.environ.get("HTTP_THREADS", "4"))
CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "600"))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
            # failing with "database is locked" when a read lock would need upgrading.
            # WAL: pages keep reading while a write commits; NORMAL: no fsync per commit
            # (a power cut can lose the last commits, never corrupt the file).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: the browser tests' daphne process shares it.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "test_db.sqlite3"))},
        }
    }

# How long a board's steps are kept for pages that reconnect (board.live.steps).
STEPS_SECONDS = 15 * 60


def deployment_prefix(explicit: str, database: dict, secret_key: str) -> str:
    """The prefix of this deployment's channels and cache keys on a shared Redis.

    Redis Pub/Sub ignores database numbers, so two deployments on one Redis server would
    share every board group whose id they share. Unless one is named, the prefix is derived
    from what the processes of one deployment share and two deployments do not: the
    database they write to and their SECRET_KEY (hashed: the key itself never leaves).
    """
    if explicit.strip():
        return explicit.strip()
    identity = "\n".join(str(database.get(key) or "") for key in ("ENGINE", "HOST", "PORT", "NAME"))
    return "lb-" + hashlib.sha256(f"{identity}\n{secret_key}".encode()).hexdigest()[:16]


def redis_layers(redis_url: str, deployment: str) -> tuple[dict, dict]:
    """The channel layer and caches of a deployment sharing `redis_url`, all under its prefix."""
    # Redis Pub/Sub: a broadcast is one PUBLISH, pushed to each process's one subscription
    # (group_send 0.15 ms against 0.9 ms for channels_redis.core's four round trips). A
    # process cut off from Redis misses what is published meanwhile; its hub resyncs the
    # pages of boards whose version moved on (live.Hub._watch_loop).
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": f"{deployment}:"},
        }
    }
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": deployment,
        },
        # Rendered card fragments, shared by every process (keyed by what they show: never stale).
        "fragments": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"{deployment}:fragments",
            "TIMEOUT": 24 * 3600,
        },
        # Each board's recent steps, for pages that reconnect (board.live.steps).
        "steps": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"{deployment}:steps",
            "TIMEOUT": STEPS_SECONDS,
        },
    }
    return layers, caches


REDIS_URL = os.environ.get("REDIS_URL", "")
DEPLOYMENT = deployment_prefix(os.environ.get("LIVEBOARD_DEPLOYMENT", ""), DATABASES["default"], SECRET_KEY)
if REDIS_URL:
    CHANNEL_LAYERS, CACHES = redis_layers(REDIS_URL, DEPLOYMENT)
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 30},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        # Rendered card fragments (keyed by what they show: never stale) and one entry per pipeline
        # (its cards as one piece): three boards of 5000 cards fit.
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
            "TIMEOUT": 24 * 3600,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
        "steps": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "steps",
            "TIMEOUT": STEPS_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

# Django's database sessions and model backend. Sessions logged in before this release name
# the backend "board.auth.ModelBackend": it stays listed so those people stay logged in.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "board.auth.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if env_bool("FAST_PASSWORD_HASHING", False):
    # Test servers only: the suite creates many users; real hashing is slow by design.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# Every page, fragment and message comes in these; the catalogue is locale/ja/LC_MESSAGES.
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A visitor's choice (board.views.profiles); a logged-in person's is saved on their profile too.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "project.storage.StaticFilesStorage"},
}
# When debugging whitenoise also finds files straight from the sources; in production it
# serves only what collectstatic wrote.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CSRF_FAILURE_VIEW = "board.views.accounts.csrf_failure"

# Security: strict unless debugging on a laptop.
SESSION_COOKIE_HTTPONLY = True
# Pages send the CSRF token in a header from the page itself (base.html): no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come from our own files only; the one inline style (board.html) carries
# the request's nonce. No inline handlers anywhere, and htmx adds no style of its own
# (includeIndicatorStyles off in base.html). Sockets go to this same origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Background work (webhook deliveries): Django's tasks (the django-tasks backport) on the
# database, run by `manage.py db_worker` (started by `make run` next to daphne).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The REST API (board.api): personal Bearer tokens only. No session authentication, so a
# logged-in browser's cookies never authorise an API request (no CSRF question arises).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["board.api.auth.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "board.api.auth.TokenScopeAllows"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "board.api.pages.Pages",
    "EXCEPTION_HANDLER": "board.api.errors.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LiveBoard API",
    "DESCRIPTION": "Boards, pipelines, cards and comments; personal tokens as `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
}

# Imports (board.transfer): a file over this many bytes, or holding more cards, is refused.
LIVEBOARD_IMPORT_MAX_BYTES = int(os.environ.get("LIVEBOARD_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
LIVEBOARD_IMPORT_MAX_CARDS = int(os.environ.get("LIVEBOARD_IMPORT_MAX_CARDS", "10000"))
# Webhooks (board.hooks): deliveries to loopback, link-local and private addresses are refused
# unless this is on (tests; a receiver on your own network).
LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE = env_bool("LIVEBOARD_WEBHOOKS_ALLOW_PRIVATE", False)
LIVEBOARD_WEBHOOKS_TIMEOUT = float(os.environ.get("LIVEBOARD_WEBHOOKS_TIMEOUT", "10"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"board": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")}},
}
