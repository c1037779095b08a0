"""Session fixtures for the integration tests: the image built for the app invoke.yaml names
(INVOKE_RUNTIME_CONFIG can name another), MySQL and the app on one docker network, started
with testcontainers and removed at the end (also on failure). The images come from the same
function as the benchmark's and `invoke up`'s."""

import re
from pathlib import Path

import httpx
import MySQLdb
import pytest
from testcontainers.core.network import Network

from lifecycle.errors import LifecycleError
from lifecycle.harness.stack import (
    INGRESS_HEADERS,
    Database,
    app_environment,
    app_server,
    mysql_server,
    network_address,
    run_migrations,
    static_root,
    use_ryuk_only_if_available,
    write_big_static_dir,
)
from lifecycle.steps.images import StackImages, stack_images
from lifecycle.toolchain import Toolchain

HASHED_STATIC = re.compile(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js|svg|png))"')


@pytest.fixture(scope="session")
def tools() -> Toolchain:
    tools = Toolchain()
    try:
        use_ryuk_only_if_available(tools.docker)
    except LifecycleError as error:
        pytest.exit(error.one_line(), returncode=1)
    return tools


@pytest.fixture(scope="session")
def docker_client(tools):
    return tools.docker


@pytest.fixture(scope="session")
def app_settings(tools):
    return tools.settings.app


@pytest.fixture(scope="session")
def images(tools) -> StackImages:
    try:
        return stack_images(tools)
    except LifecycleError as error:
        pytest.exit(error.one_line(), returncode=1)


@pytest.fixture(scope="session")
def network(docker_client):
    with Network() as net:
        yield net


@pytest.fixture(scope="session")
def database(images, network) -> Database:
    with mysql_server(images.mysql, network) as db:
        yield db


@pytest.fixture(scope="session")
def app_env(docker_client, images, network, database, app_settings) -> dict[str, str]:
    env = app_environment(database, app_settings.test_environment)
    run_migrations(docker_client, images.app, network, env)
    return env


@pytest.fixture(scope="session")
def big_static(tmp_path_factory, docker_client, images, app_env) -> tuple[Path, str]:
    """A 50 MB file to mount in the image's own STATIC_ROOT."""
    folder = write_big_static_dir(tmp_path_factory.mktemp("big-static"))
    return folder, static_root(docker_client, images.app, app_env)


@pytest.fixture(scope="session")
def app(images, app_settings, network, app_env, big_static):
    """The app with its default worker count (from the container's CPU quota)."""
    with app_server(images.app, app_settings.port, network, app_env, big_static) as server:
        yield server


@pytest.fixture(scope="session")
def app_with(images, app_settings, network, app_env, big_static):
    """An app container of its own, with extra environment, for tests that signal, kill or
    reconfigure it: `with app_with(GRACEFUL_SHUTDOWN_SECONDS="1") as app: ...`."""

    def start(alias_name: str | None = None, **extra: str):
        env = {**app_env, **extra}
        return app_server(images.app, app_settings.port, network, env, big_static, alias=alias_name)

    return start


@pytest.fixture
def disposable_app(app_with):
    """An app container of its own, for tests that signal or kill it."""
    with app_with() as server:
        yield server


@pytest.fixture(scope="module")
def web(app):
    """An HTTP client that reaches the app as the ingress does (public host, HTTPS scheme)."""
    with httpx.Client(base_url=app.base_url, headers=INGRESS_HEADERS, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def page(web) -> httpx.Response:
    """The app's home page, as a browser gets it (following redirects)."""
    response = web.get("/", follow_redirects=True)
    assert response.status_code == 200, response.text[-500:]
    return response


@pytest.fixture(scope="module")
def hashed_static(page) -> str:
    """A hashed static file the page links, as collectstatic named it."""
    match = HASHED_STATIC.search(page.text)
    assert match, f"the page links no hashed static file: {page.text[:500]}"
    return match.group(1)


def as_root(database, sql: str, args: list) -> tuple:
    """The first row of a query made over a root connection from the test process."""
    host, port = database.host_port()
    connection = MySQLdb.connect(host=host, port=port, user="root", password=database.root_password)
    try:
        cursor = connection.cursor()
        cursor.execute(sql, args)
        return cursor.fetchone()
    finally:
        connection.close()


@pytest.fixture
def mysql_status(database):
    """Reads a MySQL global status value."""
    return lambda name: int(as_root(database, "SHOW GLOBAL STATUS LIKE %s", [name])[1])


@pytest.fixture
def kill_connections_from(database):
    """KILL every connection an app container holds to MySQL, as a DBA or a failover does; how
    many there were."""
    query = "SELECT ID FROM information_schema.PROCESSLIST WHERE HOST LIKE %s"

    def kill(server) -> int:
        host, port = database.host_port()
        root = MySQLdb.connect(host=host, port=port, user="root", password=database.root_password)
        try:
            cursor = root.cursor()
            cursor.execute(query, [f"{network_address(server)}:%"])
            ids = [row[0] for row in cursor.fetchall()]
            for thread_id in ids:
                cursor.execute(f"KILL {int(thread_id)}")
            return len(ids)
        finally:
            root.close()

    return kill


@pytest.fixture
def connections_from(database):
    """How many connections an app container holds open to MySQL."""
    query = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE HOST LIKE %s"
    return lambda server: as_root(database, query, [f"{network_address(server)}:%"])[0]
