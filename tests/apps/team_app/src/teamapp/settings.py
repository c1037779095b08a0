"""Settings of a team's notes service: admin, auth, sessions and messages, Japanese first."""

from pathlib import Path

from django_runtime.settings import apply_runtime_settings

BASE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "notes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "notes.middleware.TeamHeaderMiddleware",
]

ROOT_URLCONF = "teamapp.urls"
ASGI_APPLICATION = "teamapp.asgi.application"
WSGI_APPLICATION = "teamapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

# The build step (`manage.py bundle_assets`) writes the CSS bundle here before collectstatic.
STATICFILES_DIRS = [BASE_DIR / "generated"]
MEDIA_ROOT = Path("/tmp/media")

apply_runtime_settings(globals())
