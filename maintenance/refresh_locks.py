"""Rewrites the locks the template ships, for every starter set and Python version.

    .venv/bin/python maintenance/refresh_locks.py

Each starter set is rendered (no venv, no git), then the generated project's own
`scripts/env.py lock` resolves its requirements afresh for each Python version: the same
code and header a project's `lock` uses, so a bake can use the result unchanged. The pairs
land in `{{cookiecutter.project_slug}}/.shipped-locks/<python>/<starter>/`. Needs uv (from
requirements-dev.txt) and the package index; a Python version need not be installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
SHIPPED = TEMPLATE / "{{cookiecutter.project_slug}}" / ".shipped-locks"
# The Python versions a bake finds locks for; other versions are resolved at bake time.
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]
STARTERS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["starter_requirements"]
LOCKS = ["requirements.lock", "requirements-dev.lock"]


# The locks come from PyPI alone, whatever this machine's pip is set to use.
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("PIP_INDEX", "PIP_EXTRA_INDEX", "UV_"))},
       "PIP_CONFIG_FILE": os.devnull}


def render(starter: str, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(TEMPLATE),
                    f"starter_requirements={starter}", "create_venv=false", "init_git=false"],
                   check=True, stdout=subprocess.DEVNULL)
    return out / "my_project"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="refresh-locks-") as tmp:
        for starter in STARTERS:
            project = render(starter, Path(tmp) / starter)
            for python in PYTHONS:
                for lock in LOCKS:  # resolve afresh: no earlier pins to keep
                    (project / lock).unlink(missing_ok=True)
                (project / ".python-version").write_text(f"{python}\n")
                subprocess.run([sys.executable, "scripts/env.py", "lock"], cwd=project, check=True,
                               stdout=subprocess.DEVNULL, env=ENV)
                target = SHIPPED / python / starter
                target.mkdir(parents=True, exist_ok=True)
                for lock in LOCKS:
                    shutil.copyfile(project / lock, target / lock)
                print(f"{starter}, Python {python}: {target.relative_to(TEMPLATE)}")


if __name__ == "__main__":
    main()
