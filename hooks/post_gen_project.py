"""Drop the files the answers turned off, then let scripts/env.py build the venv.

It never exits non-zero for an environment problem (no Python of that version, no network,
a requirement that cannot be installed): cookiecutter would then delete the whole project.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

WINDOWS = os.name == "nt"


def unused_files(answers):
    files = []
    if not answers["use_docker"]:
        files += ["Dockerfile", ".dockerignore"]
    if answers["starter_requirements"] != "web-api":
        files.append(f"{answers['project_slug']}/app.py")
    return files


def main(answers, root):
    for name in unused_files(answers):
        (root / name).unlink()
    setup = r"py scripts\env.py setup" if WINDOWS else "python3 scripts/env.py setup"
    finish = f"cd {answers['project_slug']} && {setup}"
    if not answers["create_venv"]:
        print(f"\nNo venv was made (create_venv is false). Make it with:\n    {finish}")
        return
    try:
        code = subprocess.run([sys.executable, "scripts/env.py", "setup"], cwd=root).returncode
    except OSError as error:
        code = error
    if code != 0:
        print(f"\nThe project is in {root}, but its venv is not ready (see the line above)."
              f"\nFix the cause, then finish with:\n    {finish}")
        return
    venv = answers["venv_dir"]
    activate = rf"{venv}\Scripts\activate" if WINDOWS else f"source {venv}/bin/activate"
    print(f"\nNext steps:\n    cd {answers['project_slug']}\n    {activate}    (or your alias p)"
          "\n    python -m pytest")


if __name__ == "__main__":
    main(json.loads(r"""{{ cookiecutter | tojson }}"""), Path.cwd())
