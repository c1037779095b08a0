"""Session fixtures for the integration tests: the image built for this checkout, MySQL and
the app, on one docker network, started with testcontainers and removed at the end (also on
failure). The images come from the same function as the benchmark's and `invoke up`'s."""

from pathlib import Path

import MySQLdb
import pytest
from testcontainers.core.network import Network

from lifecycle.errors import LifecycleError
from lifecycle.harness.stack import (
    Database,
    app_environment,
    app_server,
    mysql_server,
    run_migrations,
    use_ryuk_only_if_available,
    write_big_static_dir,
)
from lifecycle.steps.images import StackImages, stack_images
from lifecycle.toolchain import Toolchain


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
def app_port(tools) -> int:
    return tools.settings.app.port


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
def app_env(docker_client, images, network, database) -> dict[str, str]:
    env = app_environment(database)
    run_migrations(docker_client, images.app, network, env)
    return env


@pytest.fixture(scope="session")
def big_static_dir(tmp_path_factory) -> Path:
    return write_big_static_dir(tmp_path_factory.mktemp("big-static"))


@pytest.fixture(scope="session")
def app(images, app_port, network, app_env, big_static_dir):
    """The app with its default worker count (from the container's CPU quota)."""
    with app_server(images.app, app_port, network, app_env, big_static_dir) as server:
        yield server


@pytest.fixture(scope="session")
def app_one_worker(images, app_port, network, app_env):
    env = {**app_env, "WEB_CONCURRENCY": "1"}
    with app_server(images.app, app_port, network, env) as server:
        yield server


@pytest.fixture
def disposable_app(images, app_port, network, app_env):
    """An app container of its own, for tests that signal or kill it."""
    with app_server(images.app, app_port, network, app_env) as server:
        yield server


@pytest.fixture
def mysql_status(database):
    """Reads a MySQL global status value over a root connection from the test process."""

    def read(name: str) -> int:
        host, port = database.host_port()
        connection = MySQLdb.connect(
            host=host, port=port, user="root", password=database.root_password
        )
        try:
            cursor = connection.cursor()
            cursor.execute("SHOW GLOBAL STATUS LIKE %s", [name])
            return int(cursor.fetchone()[1])
        finally:
            connection.close()

    return read
