"""Settings every deployment of a Django project needs, read from the environment in one place.

The project's settings module ends with `apply_runtime_settings(globals())`; what it set itself
(apps, templates, URLs, languages) stays, and what differs between environments comes from here.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from django_runtime.env import env_bool, env_int, env_list

# Ahead of everything: probes come from the kubelet with the pod IP as Host, so they are answered
# before host validation and the HTTPS redirect, and the request log sees every answer.
FIRST_MIDDLEWARE = [
    "django_runtime.middleware.RequestLogMiddleware",
    "django_runtime.middleware.HealthCheckMiddleware",
]
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
STATIC_MIDDLEWARE = "django_runtime.static_streaming.StreamingWhiteNoiseMiddleware"
WHITENOISE_MIDDLEWARE = "whitenoise.middleware.WhiteNoiseMiddleware"
SEVEN_DAYS = 7 * 24 * 60 * 60
# Suspicious requests that are plainly the client's error (Django logs them under
# django.security.<name>).
CLIENT_ERRORS = ("DisallowedHost", "TooManyFieldsSent", "TooManyFilesSent", "RequestDataTooBig")


def apply_runtime_settings(namespace: dict) -> None:
    """Update a settings module's namespace (its globals()); it must define BASE_DIR."""
    namespace.update(runtime_settings(Path(namespace["BASE_DIR"]), namespace))


def runtime_settings(base_dir: Path, project: dict) -> dict:
    debug = env_bool("DJANGO_DEBUG", False)
    settings = {
        "DEBUG": debug,
        "SECRET_KEY": secret_key(debug),
        "ALLOWED_HOSTS": env_list(
            "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if debug else []
        ),
        "CSRF_TRUSTED_ORIGINS": env_list("DJANGO_CSRF_TRUSTED_ORIGINS", []),
        "DATABASES": {"default": database_from_environment(base_dir)},
        "MIDDLEWARE": with_runtime_middleware(project.get("MIDDLEWARE", [])),
        "STATIC_URL": project.get("STATIC_URL", "static/"),
        "STATIC_ROOT": Path(os.environ.get("DJANGO_STATIC_ROOT", base_dir / "staticfiles")),
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            **project.get("STORAGES", {}),
            # Hashed names plus .gz and .br siblings, which WhiteNoise serves by Accept-Encoding.
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
        "WHITENOISE_MAX_AGE": 0 if debug else SEVEN_DAYS,
        "LOGGING": logging_settings(),
    }
    if not debug:
        settings.update(behind_tls_proxy())
    return settings


def secret_key(debug: bool) -> str:
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    if key:
        return key
    if not debug:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: set it to a long random value "
            "(or set DJANGO_DEBUG=1 for local development)"
        )
    return "local-development-only-key-never-used-with-debug-off"


def with_runtime_middleware(middleware: list[str]) -> list[str]:
    """The project's middleware with the probes and request log first, and WhiteNoise (ours,
    streaming under ASGI) right after SecurityMiddleware, as WhiteNoise asks."""
    ours = {*FIRST_MIDDLEWARE, STATIC_MIDDLEWARE, WHITENOISE_MIDDLEWARE}
    rest = [path for path in middleware if path not in ours]
    if SECURITY_MIDDLEWARE not in rest:
        rest.insert(0, SECURITY_MIDDLEWARE)
    at = rest.index(SECURITY_MIDDLEWARE) + 1
    return [*FIRST_MIDDLEWARE, *rest[:at], STATIC_MIDDLEWARE, *rest[at:]]


def database_from_environment(base_dir: Path) -> dict:
    """DATABASE_URL wins; otherwise MYSQL_* variables; otherwise SQLite for local work."""
    # Kept a few per worker and lent to its request threads (django_runtime/kept_connections.py);
    # a kept connection is checked before a request's first query (CONN_HEALTH_CHECKS), so a
    # database restart costs a reconnect, not an error.
    conn_max_age = env_int("DJANGO_CONN_MAX_AGE", 60)
    url = os.environ.get("DATABASE_URL")
    if url:
        database = dj_database_url.parse(url)
    elif os.environ.get("MYSQL_HOST"):
        database = {
            "ENGINE": "django.db.backends.mysql",
            "HOST": os.environ["MYSQL_HOST"],
            "PORT": env_int("MYSQL_PORT", 3306),
            "NAME": os.environ.get("MYSQL_DATABASE", "app"),
            "USER": os.environ.get("MYSQL_USER", "app"),
            "PASSWORD": os.environ.get("MYSQL_PASSWORD", ""),
            "OPTIONS": {"charset": "utf8mb4"},
        }
    else:
        database = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(base_dir / "db.sqlite3")),
        }
    database.update(CONN_MAX_AGE=conn_max_age, CONN_HEALTH_CHECKS=conn_max_age > 0)
    if database["ENGINE"] == "django.db.backends.mysql":
        database.setdefault("OPTIONS", {}).update(
            # A dead or frozen database must fail a request or a probe quickly, not hold a
            # worker thread for as long as it stays away.
            connect_timeout=env_int("MYSQL_CONNECT_TIMEOUT", 3),
            read_timeout=env_int("MYSQL_READ_TIMEOUT", 10),
            write_timeout=env_int("MYSQL_WRITE_TIMEOUT", 10),
        )
    return database


def logging_settings() -> dict:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": {
            "stdout": {
                "class": "django_runtime.log_writer.BackgroundStreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
            }
        },
        "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
        # Our request log replaces Django's own per-request warnings for 4xx and 5xx. A bad
        # Host header or too many fields is the client's error, in the request log as a 400;
        # Django would log each with a full traceback.
        "loggers": {
            "django.request": {"level": "ERROR"},
            **{f"django.security.{name}": {"level": "CRITICAL"} for name in CLIENT_ERRORS},
        },
    }


def behind_tls_proxy() -> dict:
    """Production serves behind a TLS-terminating ingress, which sets X-Forwarded-Proto."""
    return {
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_SSL_REDIRECT": env_bool("DJANGO_SECURE_SSL_REDIRECT", True),
        "SECURE_HSTS_SECONDS": env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
        "SECURE_HSTS_PRELOAD": env_bool("DJANGO_SECURE_HSTS_PRELOAD", True),
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
