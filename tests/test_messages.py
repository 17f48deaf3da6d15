"""What the bake prints: next steps that work from where cookiecutter ran, and a way back
after a refused answer."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TEMPLATE, clean_env

CD = [
    pytest.param(".", [], "my_project", id="no-output-dir"),
    pytest.param(".", ["-o", "projects"], "projects/my_project", id="output-dir-below"),
    pytest.param("work", ["-o", ".."], "../my_project", id="output-dir-above"),
]

@pytest.mark.parametrize("cwd, options, typed", CD)
def test_next_steps_cd_path_is_right_from_where_cookiecutter_ran(tmp_path, cwd, options, typed):
    start = tmp_path / cwd
    start.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", *options, str(TEMPLATE),
                           "create_venv=false", "init_git=false"],
                          cwd=start, capture_output=True, text=True, env=clean_env(PWD=str(start)))
    assert done.returncode == 0, done.stderr
    assert f"    cd {typed} && python3 scripts/env.py setup" in done.stdout
    assert (start / typed / "README.md").is_file()

def test_a_refused_answer_says_how_to_bake_again_with_the_saved_answers(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(HOME=str(home), PWD=str(tmp_path))  # cookiecutter's default config, in a home of its own
    del env["COOKIECUTTER_CONFIG"]
    bake_cmd = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), "project_slug=json",
                "create_venv=false", "init_git=false"]
    refused = subprocess.run(bake_cmd, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert refused.returncode != 0 and "error: project_slug: 'json'" in refused.stderr
    match = re.search(r"Your answers are saved in (\S+): fix the value there, then bake again with `(.+?)`",
                      refused.stderr)
    assert match, refused.stderr
    replay = Path(match.group(1))
    answers = json.loads(replay.read_text())
    answers["cookiecutter"]["project_slug"] = "json_tools"
    replay.write_text(json.dumps(answers))
    command = shlex.split(match.group(2))
    again = subprocess.run([sys.executable, "-m", *command], cwd=tmp_path, capture_output=True, text=True,
                           env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "json_tools" / "README.md").is_file()

def test_prompts_say_the_rules_up_front():
    prompts = json.loads((TEMPLATE / "cookiecutter.json").read_text())["__prompts__"]
    assert "lowercase letters, digits and _" in prompts["project_slug"]
    assert "3.10 or newer" in prompts["python_version"] and "installed" in prompts["python_version"]
    assert "default" not in prompts["python_version"]  # cookiecutter shows the default itself
