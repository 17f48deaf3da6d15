"""Jinja extension used by cookiecutter.json (listed under `_extensions`).

It offers, to every template file and hook:
- `running_python`: the MAJOR.MINOR of the interpreter running cookiecutter, so the default
  `python_version` is one that a default bake is sure to find;
- `template_data`: the JSON files of template_data/, kept up to date by
  maintenance/refresh_locks.py: `template_data.starter_imports` (the import names each starter
  set installs, which a project name must not shadow) and `template_data.base_images` (the
  digest of each Python's base image).

The data are read when a file is rendered, from the template being rendered (cookiecutter
renders from inside it): `cruft update` renders two template versions in one process, and
Python imports this module once, from whichever comes first. So this file must stay small and
keep working for older versions too; its name is new for the same reason (an older version's
`local_extensions` may already be loaded).
"""

import json
import sys
from pathlib import Path

from jinja2.ext import Extension


class Data:
    """template_data.NAME: template_data/NAME.json (with - for _), of the template rendered now."""

    def __getattr__(self, name: str):
        for folder in (Path.cwd(), Path.cwd().parent):  # a hook, or a file of the project
            path = folder / "template_data" / f"{name.replace('_', '-')}.json"
            if path.is_file():
                return json.loads(path.read_text(encoding="utf-8"))
        raise AttributeError(f"no template_data/{name.replace('_', '-')}.json beside {Path.cwd()}")


LONGEST_SLUG = 64  # as hooks/pre_gen_project.py allows
FOLDER = "{{cookiecutter.project_slug}}"  # the name of the project's folder, and its package's


def folder_name(slug):
    """The slug, if a folder can have it as its name. The folder is made before any hook runs,
    so a longer slug is refused here, in the pre_gen_project hook's words, not in a traceback."""
    if len(slug.encode()) > 255:
        print(f"error: project_slug: {slug!r} is not allowed: it has {len(slug)} characters,"
              f" at most {LONGEST_SLUG} are allowed", file=sys.stderr)
        from cookiecutter.exceptions import FailedHookException  # which cookiecutter says in a line

        raise FailedHookException("no project was made")
    return slug


class TemplateData(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["running_python"] = "{}.{}".format(*sys.version_info)
        environment.globals["template_data"] = Data()
        environment.filters["folder_name"] = folder_name

    def preprocess(self, source, name, filename=None):
        return "{{ cookiecutter.project_slug | folder_name }}" if source == FOLDER else source
