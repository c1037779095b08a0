"""The steps a user runs, one module each: tasks.py calls them through the toolchain."""
