"""Django settings of the sample: what the project is; what differs between environments comes
from the environment through django_runtime (see its apply_runtime_settings)."""

from pathlib import Path

from django_runtime.env import env_bool
from django_runtime.settings import apply_runtime_settings

BASE_DIR = Path(__file__).resolve().parent.parent

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "service",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The sample has no translations of its own; the image then keeps none of Django's.
USE_I18N = False
USE_TZ = True

apply_runtime_settings(globals())

# The demo endpoints exist for the concurrency tests and benchmarks; production leaves them off.
DEMO_ENDPOINTS = env_bool("DJANGO_DEMO_ENDPOINTS", env_bool("DJANGO_DEBUG", False))
