"""manage.py for containers: `python -m django_runtime.manage COMMAND`.

As PID 1 (a Kubernetes Job's only process) a process gets no default action for SIGTERM, so a
Job asked to stop would run on until SIGKILL; here SIGTERM ends the command at once.
"""

import signal
import sys


def stop(signum: int, frame: object) -> None:
    sys.exit(128 + signum)


if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    signal.signal(signal.SIGTERM, stop)
    execute_from_command_line(["manage.py", *sys.argv[1:]])
