"""The app as production runs it, with its MySQL, on this machine until Ctrl-C."""

import signal
import time

from lifecycle.adapters.engine import local_image
from lifecycle.harness.stack import (
    app_server,
    migrated_database,
    use_ryuk_only_if_available,
)
from lifecycle.steps.bases import Role, resolve
from lifecycle.steps.build import current_tag
from lifecycle.toolchain import Toolchain

# Plain HTTP on localhost: no redirect to HTTPS, and no HSTS for the browser to remember.
LOCAL_SETTINGS = {
    "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
}


def stop_once(signum: int, frame: object) -> None:
    """The first Ctrl-C or SIGTERM stops; more (a `timeout` wrapper forwards its own, impatient
    people press again) must not interrupt the removal of what was started."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def run_until_interrupted(tools: Toolchain, host_port: int = 0) -> None:
    """The image `invoke build` made for this checkout, with MySQL, published on host_port
    (default: the app's own port)."""
    client, settings = tools.docker, tools.settings
    host_port = host_port or settings.app.port
    app_image = current_tag(settings)
    local_image(client, app_image)  # fail here, not in a pull of an image never built
    mysql_image = resolve(tools, Role.MYSQL).reference
    use_ryuk_only_if_available(client)
    # `docker stop`, `timeout` and CI send SIGTERM: clean up as for Ctrl-C.
    signal.signal(signal.SIGINT, stop_once)
    signal.signal(signal.SIGTERM, stop_once)
    print("starting MySQL and applying migrations ...", flush=True)
    with migrated_database(client, app_image, mysql_image, settings.app.test_environment) as db:
        env = {**db.app_env, **LOCAL_SETTINGS}
        with app_server(app_image, settings.app.port, db.network, env, host_port=host_port):
            print(f"the app is up at http://localhost:{host_port}/ (Ctrl-C stops and removes it)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopping ...", flush=True)
