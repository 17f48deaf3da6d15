"""Jinja extension used by cookiecutter.json (listed under `_extensions`).

It offers, to every template file and hook:
- `running_python`: the MAJOR.MINOR of the interpreter running cookiecutter, so the default
  `python_version` is one that a default bake is sure to find;
- `template_data`: the JSON files of template_data/, kept up to date by
  maintenance/refresh_locks.py: `starter_imports` (the import names each starter set installs,
  which a project name must not shadow) and `base_images` (the image digest of each Python's
  base image).
"""

import json
import sys
from pathlib import Path

from jinja2.ext import Extension

DATA = Path(__file__).resolve().parent / "template_data"


class TemplateData(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["running_python"] = "{}.{}".format(*sys.version_info)
        environment.globals["template_data"] = {
            path.stem.replace("-", "_"): json.loads(path.read_text()) for path in sorted(DATA.glob("*.json"))
        }
