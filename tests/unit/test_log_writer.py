"""The log is written by a thread of its own: a log reader that stops reading (a full stdout pipe)
does not stop whoever logs, the event loop among them, and no record is lost on the way."""

import http.client
import logging
import os
import socket
import subprocess
import sys
import threading
import time

from django_runtime.log_writer import BackgroundStreamHandler
from tests.unit.manage_py import APP_DIR, WORKER_ENV, app_environment, python_in_app

# More than a pipe holds (64 KiB on Linux), in lines of about 90 bytes.
RECORDS = 2_000
PADDING = "x" * 70
EXPECTED = [f"record {n:04d} {PADDING}" for n in range(RECORDS)]


def unread_pipe():
    """A pipe's reading end no one reads yet, and its writing end as a text stream."""
    read_end, write_end = os.pipe()
    return read_end, os.fdopen(write_end, "w")


def read_all(read_end: int) -> list[str]:
    with os.fdopen(read_end) as reader:
        return reader.read().splitlines()


def logger_to(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.propagate = False
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    return logger


def in_thread(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def log_numbered(logger: logging.Logger, logged: list[int]) -> None:
    for n in range(RECORDS):
        logger.info("record %04d %s", n, PADDING)
        logged.append(n)


def test_logging_goes_on_while_the_reader_does_not_read_and_every_record_arrives_in_order():
    read_end, stream = unread_pipe()
    handler = BackgroundStreamHandler(stream)
    logger = logger_to(handler, "test_log_writer.stalled")

    logging_all = in_thread(lambda: log_numbered(logger, []))
    logging_all.join(5)
    assert not logging_all.is_alive(), "a log call waited for the pipe's reader"

    reading = []
    reader = in_thread(lambda: reading.extend(read_all(read_end)))
    handler.close()
    stream.close()
    reader.join(10)
    assert reading == EXPECTED


def test_a_full_queue_makes_the_caller_wait_instead_of_dropping_a_record():
    read_end, stream = unread_pipe()
    handler = BackgroundStreamHandler(stream, capacity=50)
    logger = logger_to(handler, "test_log_writer.full")
    logged: list[int] = []
    logging_all = in_thread(lambda: log_numbered(logger, logged))
    time.sleep(1)
    assert logging_all.is_alive() and len(logged) < RECORDS

    reading = []
    reader = in_thread(lambda: reading.extend(read_all(read_end)))
    logging_all.join(10)
    handler.close()
    stream.close()
    reader.join(10)
    assert reading == EXPECTED


def test_lines_are_formatted_by_whoever_logs_and_the_writer_only_writes_them(monkeypatch):
    """While the writer thread holds the GIL the event loop waits: it takes a batch and joins
    it, with no work per line (a format, a record, a lock) that would hold the GIL longer."""
    formatted_in = []
    format_line = logging.Formatter.format

    def recording(formatter: logging.Formatter, record: logging.LogRecord) -> str:
        formatted_in.append(threading.current_thread().name)
        return format_line(formatter, record)

    monkeypatch.setattr(logging.Formatter, "format", recording)
    read_end, stream = unread_pipe()
    reading: list[str] = []
    reader = in_thread(lambda: reading.extend(read_all(read_end)))
    handler = BackgroundStreamHandler(stream)
    log_numbered(logger_to(handler, "test_log_writer.formats"), [])
    handler.close()
    stream.close()
    reader.join(10)
    assert reading == EXPECTED
    assert set(formatted_in) == {threading.current_thread().name}


# Logging configured as a worker's start does it: Django's settings, then uvicorn's own config,
# whose dictConfig closes every handler it finds, the root's included; then records and an exit
# right away, and a forked child's records.
CONFIGURED_TWICE_THEN_EXIT = """
import logging, logging.config, os, sys
from django_runtime.settings import logging_settings
logging.config.dictConfig(logging_settings())
logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
log = logging.getLogger("app")
for n in range(RECORDS):
    log.info("record %04d %s", n, "x" * 70)
if os.fork() == 0:
    for n in range(RECORDS):
        log.info("child %04d", n)
    sys.exit(0)
os.wait()
"""


def test_a_handler_closed_by_a_later_config_keeps_writing_and_an_exit_writes_what_is_queued():
    result = python_in_app("-c", CONFIGURED_TWICE_THEN_EXIT.replace("RECORDS", str(RECORDS)))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" app ")[1] for line in lines if "record" in line] == EXPECTED
    assert len([line for line in lines if "child" in line]) == RECORDS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_server_answers_while_its_stdout_is_not_read():
    """The container's start command, uvicorn serving an async view whose requests each log a
    line, with a stdout pipe that no one reads: the event loop logs each one."""
    port = free_port()
    env = app_environment(
        **{**WORKER_ENV, "PORT": str(port)},
        DJANGO_DEMO_ENDPOINTS="1",
        DJANGO_SECURE_SSL_REDIRECT="0",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "django_runtime.serve"],
        cwd=APP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        connection = wait_for_server(port)
        headers = {"Host": WORKER_ENV["DJANGO_ALLOWED_HOSTS"]}
        for _ in range(RECORDS):
            connection.request("GET", "/demo/async-sleep?ms=0", headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert output.count("GET /demo/async-sleep 200") == RECORDS


def wait_for_server(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.connect()
            return connection
        except ConnectionRefusedError:
            assert time.monotonic() < deadline, "the server did not start within 30 s"
            time.sleep(0.1)
