"""The hooks' own logic, called directly: every refusal, the files each answer set drops,
how cruft's throw-away renders are told apart, and how a path is printed for shells."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from answers import ODD_NAMES, REFUSED
from helpers import QUESTIONS, STARTERS, TEMPLATE, load_module

pre_gen = load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py")
post_gen = load_module("post_gen", TEMPLATE / "hooks" / "post_gen_project.py")
IMPORTS = json.loads((TEMPLATE / "template_data" / "starter-imports.json").read_text())
DEFAULTS = {**QUESTIONS, "project_slug": "my_project", "python_version": "3.12", "starter_requirements": "none",
            "ci": "github-actions"}


def test_the_defaults_are_accepted():
    assert pre_gen.problem(DEFAULTS, IMPORTS) is None


@pytest.mark.parametrize("answers, words", [pytest.param(a, w, id=i) for i, a, w in REFUSED])
def test_each_refusal_is_one_line_naming_the_field_and_the_value(answers, words):
    merged = {**DEFAULTS, **answers}
    if "project_name" in answers and "project_slug" not in answers:  # the slug follows the name
        merged["project_slug"] = answers["project_name"]
    found = pre_gen.problem(merged, IMPORTS)
    assert found is not None and "\n" not in found
    for word in words:
        assert word in found


@pytest.mark.parametrize("name", [row[1] for row in ODD_NAMES], ids=[row[0] for row in ODD_NAMES])
def test_odd_names_are_accepted(name):
    assert pre_gen.problem({**DEFAULTS, "project_name": name}, IMPORTS) is None


@pytest.mark.parametrize("starter", STARTERS)
def test_no_slug_may_shadow_what_its_starter_installs(starter):
    for name in IMPORTS[starter]:
        answers = {**DEFAULTS, "project_slug": name, "starter_requirements": starter}
        found = pre_gen.problem(answers, IMPORTS)
        assert found and "project_slug" in found, name


def test_every_starter_has_its_import_names_and_the_dev_tools_are_among_them():
    assert set(IMPORTS) == set(STARTERS)
    for starter in STARTERS:
        assert {"pytest", "uv", "pluggy"} <= set(IMPORTS[starter]), starter
    assert {"numpy", "pandas", "matplotlib", "dateutil"} <= set(IMPORTS["data-science"])
    assert {"sklearn", "scipy", "joblib", "threadpoolctl"} <= set(IMPORTS["machine-learning"])
    assert {"fastapi", "uvicorn", "starlette", "pydantic"} <= set(IMPORTS["web-api"])


@pytest.mark.parametrize("starter, docker, ci, gone", [
    ("none", True, "github-actions", {"my_project/app.py", "my_project/model.py", "notebooks", "data"}),
    ("web-api", False, "none", {"Dockerfile", ".dockerignore", ".github", "my_project/reproducibility.py"}),
    ("machine-learning", True, "github-actions", {"my_project/app.py"}),
])
def test_the_files_each_answer_set_drops(starter, docker, ci, gone):
    answers = {**DEFAULTS, "starter_requirements": starter, "use_docker": docker, "ci": ci}
    dropped = set(post_gen.unused_paths(answers))
    assert gone <= dropped
    if starter == "machine-learning":
        assert not {"my_project/model.py", "models", "notebooks"} & dropped


def test_only_cruft_throw_away_renders_count_as_throw_away(tmp_path):
    temp = Path(tempfile.gettempdir()).resolve()
    render = temp / "tmpab12cd_3" / "my_project"
    assert post_gen.throwaway_render({}, render)
    assert not post_gen.throwaway_render({"_output_dir": str(temp)}, render)  # cookiecutter's own bake
    assert not post_gen.throwaway_render({}, tmp_path / "my_project")  # cruft create into a folder
    assert not post_gen.throwaway_render({}, temp / "refresh-locks-x" / "my_project")


@pytest.mark.parametrize("folder, typed", [
    ("plain", "plain"),
    ("with space", "'with space'"),
    ("R&D $HOME", "'R&D $HOME'"),
    ("it's", '"it\'s"'),
], ids=["plain", "space", "ampersand-and-dollar", "quote"])
def test_the_printed_cd_path_is_read_the_same_by_every_shell(tmp_path, monkeypatch, folder, typed):
    (tmp_path / folder).mkdir()
    monkeypatch.setenv("PWD", str(tmp_path))
    assert post_gen.typed_path(tmp_path / folder) == typed
    for shell in ("bash", "sh"):  # fish and PowerShell read '...' and "..." (no $) literally too
        done = subprocess.run([shell, "-c", f"cd {typed} && pwd"], cwd=tmp_path, capture_output=True, text=True)
        assert done.stdout.strip() == str(tmp_path / folder), done.stderr


def test_the_next_steps_activate_line_comes_from_the_projects_scripts(tmp_path, monkeypatch):
    """One home: the hook asks the project's scripts/, which setup uses too; the hook runs in
    the project folder, and the next steps `cd` there first."""
    project = tmp_path / "project"
    shutil.copytree(TEMPLATE / "{{cookiecutter.project_slug}}" / "scripts", project / "scripts")
    (project / "pyproject.toml").write_text('[tool.env-py]\nvenv = ".venv"\n')
    monkeypatch.chdir(project)
    assert post_gen.project_of(project).activate_command("bash") == "source .venv/bin/activate"
    monkeypatch.chdir(tmp_path)  # elsewhere, the path is whole
    assert post_gen.project_of(project).activate_command("fish") == f"source {project}/.venv/bin/activate.fish"
