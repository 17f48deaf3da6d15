"""Jinja extension used by cookiecutter.json (listed under `_extensions`).

It offers `running_python`, the MAJOR.MINOR of the interpreter running cookiecutter,
so the default `python_version` is one that a default bake is sure to find.
"""

import sys

from jinja2.ext import Extension


class RunningPython(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["running_python"] = "{}.{}".format(*sys.version_info)
