"""uvicorn's worker processes inside an app container, read from its /proc."""

from lifecycle.stack import AppServer

# uvicorn's workers are spawned by multiprocessing; a killed one stays a zombie until reaped.
LIST_WORKERS = """
import os
for pid in sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()):
    try:
        state = open(f'/proc/{pid}/stat').read().rsplit(') ', 1)[1].split()[0]
        command = open(f'/proc/{pid}/cmdline').read()
    except OSError:
        continue
    if 'spawn_main' in command and state != 'Z':
        print(pid)
"""


def worker_pids(server: AppServer) -> list[int]:
    result = server.docker.exec_run(["python", "-c", LIST_WORKERS])
    assert result.exit_code == 0, result.output
    return [int(line) for line in result.output.decode().split()]
