"""The edge between the library and a person: user errors become one line and a non-zero exit."""

import functools
import sys
from collections.abc import Callable

from invoke.exceptions import Exit

from lifecycle.commands import CommandFailed
from lifecycle.errors import LifecycleError

USER_ERRORS = (LifecycleError, CommandFailed)


def one_line(error: LifecycleError | CommandFailed) -> str:
    """What went wrong, in one line; a failed command's full output is already on screen."""
    if isinstance(error, CommandFailed):
        last_line = error.output_tail.strip().splitlines()[-1:] or [""]
        return (
            f"error: `{error.argv[0]} {' '.join(error.argv[1:3])} ...` exited "
            f"{error.returncode}: {last_line[0]} (full output above)"
        )
    return f"error: {error}"


def one_line_errors(task_body: Callable) -> Callable:
    """Turn the library's user-facing errors into invoke's Exit, with no traceback."""

    @functools.wraps(task_body)
    def wrapper(*args, **kwargs):
        try:
            return task_body(*args, **kwargs)
        except USER_ERRORS as error:
            raise Exit(one_line(error), code=1) from None

    return wrapper


def run_as_command(main: Callable, *args) -> None:
    """For `python -m lifecycle.X` entry points: the same one line and exit 1 as the tasks."""
    try:
        main(*args)
    except USER_ERRORS as error:
        sys.exit(one_line(error))
