"""Rewrites what the template ships resolved: locks for every starter set and Python version,
and the import names each starter set installs.

    .venv/bin/python maintenance/refresh_locks.py

Each starter set is rendered (no venv, no git), then the generated project's own
`scripts/env.py lock` resolves its requirements afresh for each Python version: the same
code and header a project's `lock` uses, so a bake can use the result unchanged. The pairs
land in `{{cookiecutter.project_slug}}/.shipped-locks/<python>/<starter>/`. Then a venv is
made from each starter's dev lock, and the top-level names it can import are written to
template_data/starter-imports.json (a project may not be named like one of them). Needs uv
(from requirements-dev.txt) and the package index; a Python version need not be installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
SHIPPED = TEMPLATE / "{{cookiecutter.project_slug}}" / ".shipped-locks"
DATA = TEMPLATE / "template_data"
# The Python versions a bake finds locks for; other versions are resolved at bake time.
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]
STARTERS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["starter_requirements"]
LOCKS = ["requirements.lock", "requirements-dev.lock"]

# The locks come from PyPI alone, whatever this machine's pip is set to use.
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith(("PIP_INDEX", "PIP_EXTRA_INDEX", "UV_"))},
       "PIP_CONFIG_FILE": os.devnull}
# Top-level names a venv can import, from each installed package's RECORD.
IMPORTS = """
import json, re, sys
from importlib.metadata import distributions
names = set()
for dist in distributions():
    for file in dist.files or []:
        top = file.parts[0]
        if top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__") or top.endswith(".pth"):
            continue
        names.add(top[:-3] if top.endswith(".py") else top.split(".")[0])
print(json.dumps(sorted(n for n in names if re.fullmatch(r"[a-z][a-z0-9_]*", n))))
"""


def render(starter: str, out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(TEMPLATE),
                    f"starter_requirements={starter}", "create_venv=false", "init_git=false"],
                   check=True, stdout=subprocess.DEVNULL)
    return out / "my_project"


def imports(project: Path) -> list[str]:
    """What a venv of the project's dev lock can import: installed for real (this Python's
    platform), plus the names of pins for other platforms (colorama on Windows, ...)."""
    from uv import find_uv_bin

    venv = project / "imports-venv"
    subprocess.run([find_uv_bin(), "venv", "--quiet", "--python", sys.executable, venv], check=True, env=ENV)
    subprocess.run([find_uv_bin(), "pip", "sync", "--quiet", "--python", venv / "bin/python", "requirements-dev.lock"],
                   check=True, cwd=project, env=ENV)
    found = set(json.loads(subprocess.run([venv / "bin/python", "-c", IMPORTS], check=True, capture_output=True,
                                          text=True).stdout))
    pins = re.findall(r"(?m)^([A-Za-z0-9][\w.-]*)==", (project / "requirements-dev.lock").read_text())
    shutil.rmtree(venv)
    return sorted(found | {re.sub(r"[-.]+", "_", pin).lower() for pin in pins})


def main() -> None:
    names = {}
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
                if python == "{}.{}".format(*sys.version_info):
                    names[starter] = imports(project)
    (DATA / "starter-imports.json").write_text(json.dumps(names, indent=1) + "\n")
    print(f"import names of each starter set: {(DATA / 'starter-imports.json').relative_to(TEMPLATE)}")


if __name__ == "__main__":
    main()
