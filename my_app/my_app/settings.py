"""Django settings: what differs between environments is read from the environment here."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from my_app.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it to a long random value "
            "(or set DJANGO_DEBUG=1 for local development)"
        )
    SECRET_KEY = "local-development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The demo endpoints exist for the concurrency tests and benchmarks; production leaves them off.
DEMO_ENDPOINTS = env_bool("DJANGO_DEMO_ENDPOINTS", DEBUG)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "service",
]

MIDDLEWARE = [
    "service.middleware.RequestLogMiddleware",
    # Probes come from the kubelet with the pod IP as Host, so they are answered
    # before host validation and the HTTPS redirect.
    "service.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "service.static_streaming.StreamingWhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "my_app.urls"
ASGI_APPLICATION = "my_app.asgi.application"
WSGI_APPLICATION = "my_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]


def database_from_environment() -> dict:
    """DATABASE_URL wins; otherwise MYSQL_* variables; otherwise SQLite for local work."""
    # Persistent connections leak under ASGI: each request's sync code runs in a
    # fresh thread, and a connection kept open per thread is never reused or closed.
    conn_max_age = 0
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=conn_max_age)
    if os.environ.get("MYSQL_HOST"):
        return {
            "ENGINE": "django.db.backends.mysql",
            "HOST": os.environ["MYSQL_HOST"],
            "PORT": env_int("MYSQL_PORT", 3306),
            "NAME": os.environ.get("MYSQL_DATABASE", "my_app"),
            "USER": os.environ.get("MYSQL_USER", "my_app"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": {
                "charset": "utf8mb4",
                # A dead database must fail readiness quickly, not hang a worker thread.
                "connect_timeout": env_int("MYSQL_CONNECT_TIMEOUT", 3),
            },
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
    }


DATABASES = {"default": database_from_environment()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names plus .gz and .br siblings, which WhiteNoise serves by Accept-Encoding.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 0 if DEBUG else 7 * 24 * 60 * 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Our request log replaces Django's own per-request warnings for 4xx and 5xx.
    # A bad Host header is the client's error, already in the request log as a 400.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "CRITICAL"},
    },
}

if not DEBUG:
    # TLS ends at the ingress, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
