"""Rewrites what the template ships resolved: locks for every starter set and Python version,
the import names each starter set installs, and the digest of each Python's base image.

    .venv/bin/python maintenance/refresh_locks.py [--keep-pins | --base-images-only | --cruft-only]

Each starter set is rendered (no venv, no git), then the generated project's own
`scripts/env.py lock` resolves its requirements afresh for each Python version: the same
code and header a project's `lock` uses, so a bake can use the result unchanged. The pairs
land in `{{cookiecutter.project_slug}}/.shipped-locks/<python>/<starter>/`. Then a venv is
made from each starter's dev lock, and the top-level names it can import are written to
template_data/starter-imports.json (a project may not be named like one of them), and cruft,
which `scripts/env.py update` installs, is locked into scripts/cruft.lock. Last, the
digest of each `python:X.Y-slim-<debian>` is asked of Docker Hub (or of ENV_PY_REGISTRY) by the
generated project's own scripts/pythons.py, into template_data/base-images.json. Needs uv (from
requirements-dev.txt), the package index and Docker Hub; a Python version need not be installed.
With --keep-pins, only the locks and import names follow a change to the requirements files:
the shipped pins are kept, as a project's `lock` keeps its own.
"""

from __future__ import annotations

import argparse
import json
import os
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
# The generated project's own modules for locks and base images (they have no Jinja).
sys.path.insert(0, str(SHIPPED.parent))
sys.dont_write_bytecode = True  # no __pycache__ in the template, which bakes would copy
from scripts import locks, pythons  # noqa: E402

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
    pins = [entry.name for entry in locks.read(project / "requirements-dev.lock")]
    shutil.rmtree(venv)
    return sorted(found | {pin.replace("-", "_") for pin in pins})


def refresh_cruft_lock() -> None:
    """The lock of cruft that generated projects' update-template workflow installs."""
    from uv import find_uv_bin

    source, lock = DATA / "cruft-requirements.txt", SHIPPED.parent / "scripts" / "cruft.lock"
    oldest = PYTHONS[0]
    subprocess.run([find_uv_bin(), "pip", "compile", "--quiet", "--universal", "--generate-hashes", "--no-header",
                    "--python-version", oldest, "-o", lock, source], check=True, env=ENV)
    body = lock.read_text()
    writer = ".venv/bin/python maintenance/refresh_locks.py --cruft-only"
    header = locks.header(f"template_data/{source.name}", oldest, locks.inputs_digest(source, oldest), body, writer)
    lock.write_text(header + body)
    print(f"cruft: {lock.relative_to(TEMPLATE)}")


def refresh_base_images() -> None:
    path = DATA / "base-images.json"
    data = json.loads(path.read_text())
    registry = os.environ.get("ENV_PY_REGISTRY", "https://registry-1.docker.io")
    data["digests"] = {python: pythons.image_digest(f"{python}-slim-{data['debian']}", registry) for python in PYTHONS}
    data["source"] = f"the multi-platform index digest of python:X.Y-slim-{data['debian']}, asked of {registry}"
    path.write_text(json.dumps(data, indent=1) + "\n")
    print(f"base images: {path.relative_to(TEMPLATE)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-images-only", action="store_true", help="only the base images' digests")
    parser.add_argument("--cruft-only", action="store_true", help="only the lock of cruft")
    parser.add_argument("--keep-pins", action="store_true", help="the locks follow the requirements, pins kept")
    args = parser.parse_args()
    if args.base_images_only:
        return refresh_base_images()
    if args.cruft_only:
        return refresh_cruft_lock()
    names = {}
    with tempfile.TemporaryDirectory(prefix="refresh-locks-") as tmp:
        for starter in STARTERS:
            project = render(starter, Path(tmp) / starter)
            for python in PYTHONS:
                for lock in LOCKS:  # resolve afresh, or from the pins shipped
                    (project / lock).unlink(missing_ok=True)
                    if args.keep_pins:
                        shutil.copyfile(SHIPPED / python / starter / lock, project / lock)
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
    if args.keep_pins:
        return
    refresh_cruft_lock()
    refresh_base_images()


if __name__ == "__main__":
    main()
