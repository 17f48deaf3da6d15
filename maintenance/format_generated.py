"""Formats the generated project's Python sources with the ruff it is checked with.

    .venv/bin/python maintenance/format_generated.py

scripts/env.py holds one Jinja expression, which is swapped for a plain string while ruff
formats the file. The tests check that every bake is clean under `ruff format --check`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
SCRIPTS = TEMPLATE / "{{cookiecutter.project_slug}}" / "scripts"
JINJA, PLAIN = "{{ cookiecutter.venv_dir | tojson }}", '"venv"'


def main() -> None:
    env_py = SCRIPTS / "env.py"
    env_py.write_text(env_py.read_text().replace(f"VENV_DIR = {JINJA}", f"VENV_DIR = {PLAIN}"))
    try:
        ruff = Path(sys.executable).parent / "ruff"
        subprocess.run([ruff, "format", "--isolated", "--line-length", "100", str(SCRIPTS)], check=True)
    finally:
        env_py.write_text(env_py.read_text().replace(f"VENV_DIR = {PLAIN}", f"VENV_DIR = {JINJA}"))


if __name__ == "__main__":
    main()
