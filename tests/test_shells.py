"""The README's daily commands in real shells: `p` from any folder, pytest and imports anywhere."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

BASH = shutil.which("bash")

FISH = shutil.which("fish")

def readme_block(project, language: str) -> str:
    [block] = [b for b in re.findall(rf"```{language}\n(.*?)```", (project.path / "README.md").read_text(), re.S)
               if "p()" in b or "function p" in b]
    return block

@pytest.mark.parametrize("folder", [".", "tests", "notebooks"])
def test_pytest_and_imports_work_as_typed_from_any_folder(baked, folder):
    project = baked(starter_requirements="data-science")
    tests = "../tests" if folder == "notebooks" else ""  # notebooks/ holds no tests of its own
    script = (f"source venv/bin/activate && cd {folder} && pytest -q -p no:cacheprovider {tests}"
              f" && python -m pytest -q -p no:cacheprovider {tests} && python -c 'import my_project'")
    done = project.run(BASH, "-c", script)
    assert done.stdout.count("7 passed") == 2, done.stdout

@pytest.mark.parametrize("folder", [".", "tests", "my_project"])
def test_p_activates_the_venv_from_any_folder_in_bash(baked, folder):
    project = baked()
    script = f'{readme_block(project, "bash")}\ncd {folder} && p && echo "$VIRTUAL_ENV|$PS1"'
    done = project.run(BASH, "--norc", "-c", script)
    venv, prompt = done.stdout.strip().split("|", 1)
    assert Path(venv).resolve() == project.venv.resolve()
    assert "(my_project)" in prompt  # the prompt names the project, not "venv"

@pytest.mark.skipif(not FISH and not os.environ.get("CI"), reason="fish is not installed (apt-get install fish)")
@pytest.mark.parametrize("folder", [".", "tests"])
def test_p_activates_the_venv_from_any_folder_in_fish(baked, folder):
    project = baked()
    done = project.run(FISH or "fish", "--no-config", "-c",
                       f"{readme_block(project, 'fish')}\ncd {folder}; and p; and echo $VIRTUAL_ENV")
    assert Path(done.stdout.strip()).resolve() == project.venv.resolve()

def test_the_powershell_p_looks_up_the_tree_for_the_venvs_activate_script(baked):
    """PowerShell cannot be installed here: its definition is read (Windows CI runs it)."""
    block = readme_block(baked(), "powershell")
    assert block.startswith("function p {") and "Split-Path $d" in block and r"\venv\Scripts\Activate.ps1" in block
