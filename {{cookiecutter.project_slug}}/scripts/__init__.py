"""The project's setup tool, env.py, and its modules (see env.py's docstring). A package, so
that `from scripts import ...` finds this folder before any other `scripts`."""
