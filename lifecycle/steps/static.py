"""collectstatic on this machine, into the app's STATIC_ROOT, as the image build does."""

import os

from lifecycle.adapters.commands import run
from lifecycle.toolchain import Toolchain

# Settings refuse to load without a key; collectstatic needs one but never uses it.
COLLECTSTATIC_KEY = "collectstatic-only"


def collect(tools: Toolchain) -> None:
    env = {**os.environ}
    env.setdefault("DJANGO_SECRET_KEY", COLLECTSTATIC_KEY)
    run(
        ["pipenv", "run", "python", "manage.py", "collectstatic", "--noinput"],
        cwd=tools.settings.app_dir,
        env=env,
    )
