"""Formats the generated project's Python sources with ruff, as each bake is checked.

    .venv/bin/python maintenance/format_generated.py

ruff cannot read Jinja, so the expressions a file holds are swapped for plain Python of the
default bake's length (`my_project`, `"VDIR"`) while ruff formats it, then put back. Files
with `{% %}` blocks are left to the hand and named; the tests run `ruff format --check` on
every bake, so nothing unformatted goes unnoticed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
GENERATED = TEMPLATE / "{{cookiecutter.project_slug}}"
SWAPS = {"{{ cookiecutter.project_slug }}": "my_project", "{{ cookiecutter.venv_dir | tojson }}": '"VDIR"'}


def main() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    for path in sorted(GENERATED.rglob("*.py")):
        text = path.read_text()
        plain = text
        for jinja, python in SWAPS.items():
            plain = plain.replace(jinja, python)
        if re.search(r"\{\{\s*cookiecutter|\{%", plain):  # Jinja left: not Python ruff can read
            print(f"by hand: {path.relative_to(TEMPLATE)}")
            continue
        done = subprocess.run([ruff, "format", "--isolated", "--line-length", "100", "-"], input=plain,
                              capture_output=True, text=True, check=True)
        formatted = done.stdout
        for jinja, python in SWAPS.items():
            formatted = formatted.replace(python, jinja)
        if formatted != text:
            path.write_text(formatted)
            print(f"formatted: {path.relative_to(TEMPLATE)}")


if __name__ == "__main__":
    main()
