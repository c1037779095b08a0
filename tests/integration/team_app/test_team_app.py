"""A realistic team app through the same pipeline: Japanese admin with immutable CSS, a
superuser from `createsuperuser --noinput` who logs in through the CSRF-protected form, its
own form and C++-backed search, and its background process."""

import re
import time
from http.cookies import SimpleCookie

import httpx
import pytest

from lifecycle.adapters.engine import run_once
from lifecycle.harness.stack import PUBLIC_HOST

IMMUTABLE = "max-age=315360000, public, immutable"
ADMIN_USER, ADMIN_PASSWORD = "chiyo", "a-long-test-password-5d1e"


class Browser:
    """A browser behind the TLS-terminating ingress: it keeps the app's cookies, which are
    Secure (so httpx would not send them over the plain HTTP the ingress forwards), and sends
    the Referer that Django's CSRF check demands over HTTPS."""

    def __init__(self, web: httpx.Client) -> None:
        self.web = web
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {
            "Referer": f"https://{PUBLIC_HOST}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = self.web.request(method, path, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response

    def form_token(self, path: str) -> str:
        page = self.request("GET", path)
        assert page.status_code == 200, page.text[-300:]
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_admin_login_renders_in_japanese_with_immutable_css(web):
    page = web.get("/admin/login/")
    assert page.status_code == 200
    assert 'lang="ja"' in page.text
    assert "ログイン" in page.text  # Django's own Japanese catalog, kept by the build
    css = re.search(r'href="(/static/admin/css/[\w.]+\.[0-9a-f]{12}\.css)"', page.text).group(1)
    response = web.get(css)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE


def test_a_superuser_made_with_createsuperuser_logs_in(
    docker_client, images, network, app_env, web
):
    env = {
        **app_env,
        "DJANGO_SUPERUSER_USERNAME": ADMIN_USER,
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "DJANGO_SUPERUSER_EMAIL": "chiyo@team-app.test",
    }
    run_once(
        docker_client,
        images.app,
        ["python", "manage.py", "createsuperuser", "--noinput"],
        env,
        network.name,
    )
    browser = Browser(web)
    token = browser.form_token("/admin/login/")
    login = browser.request(
        "POST",
        "/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": ADMIN_USER, "password": ADMIN_PASSWORD},
    )
    assert login.status_code == 302, login.text[-500:]
    assert login.headers["location"] == "/admin/"
    admin = browser.request("GET", "/admin/")
    assert admin.status_code == 200
    assert ADMIN_USER in admin.text


def test_a_post_without_its_csrf_token_is_refused(web):
    assert Browser(web).request("POST", "/", data={"title": "no token"}).status_code == 403


def test_the_notes_form_saves_and_the_fuzzy_search_finds(web):
    browser = Browser(web)
    token = browser.form_token("/")
    saved = browser.request(
        "POST", "/", data={"csrfmiddlewaretoken": token, "title": "議事録 kickoff"}
    )
    assert saved.status_code == 302
    found = browser.request("GET", "/?q=kickof")
    assert "議事録 kickoff" in found.text
    assert "added" in found.text  # the messages framework, through the session


def run_python(docker_client, images, app_env, script: str) -> str:
    return run_once(docker_client, images.app, ["python", "-c", script], app_env).strip()


def test_only_the_languages_the_settings_enable_are_kept(docker_client, images, app_env):
    script = (
        "import django, pathlib; root = pathlib.Path(django.__file__).parent / 'conf/locale'; "
        "print(' '.join(sorted(p.parent.name for p in root.glob('*/LC_MESSAGES'))))"
    )
    assert run_python(docker_client, images, app_env, script) == "en ja"


def test_the_cpp_extension_loads_its_native_code(docker_client, images, app_env):
    script = "import rapidfuzz.fuzz_cpp as f; print(f.ratio('kickoff', 'kickof') > 90)"
    assert run_python(docker_client, images, app_env, script) == "True"


@pytest.fixture
def alert_sender(docker_client, images, network, app_env):
    """The app's background process, from the same image, as its Deployment runs it."""
    container = docker_client.containers.run(
        images.app,
        ["python", "manage.py", "send_alerts", "--interval", "0.2"],
        environment=app_env,
        network=network.name,
        read_only=True,
        tmpfs={"/tmp": "size=16m"},
        detach=True,
    )
    yield container
    container.remove(force=True)


def test_the_background_process_runs_until_sigterm(alert_sender):
    # Its start (Django set up, the handler installed) can take seconds on a busy machine.
    deadline = time.monotonic() + 60
    while b"watching for new notes" not in alert_sender.logs():
        assert time.monotonic() < deadline, alert_sender.logs().decode()[-500:]
        time.sleep(0.2)
    time.sleep(1)  # a few checks
    alert_sender.reload()
    assert alert_sender.status == "running", alert_sender.logs().decode()[-500:]
    alert_sender.kill(signal="SIGTERM")
    assert alert_sender.wait(timeout=10)["StatusCode"] == 0
    assert alert_sender.logs().decode().strip().endswith("stopped")
