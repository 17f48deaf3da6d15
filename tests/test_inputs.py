"""What the template refuses, and the odd-but-valid answers it accepts.

A refusal is one line on stderr naming the field, the bad value and what is allowed,
a failed bake, and no project folder left behind.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
from helpers import TEMPLATE, bake, load_module, tool

# (id, answers, words the one line must contain)
REFUSED = [
    ("slug-with-dash", {"project_slug": "my-project"}, ["project_slug", "'my-project'", "lowercase letters"]),
    ("slug-uppercase", {"project_slug": "MyProject"}, ["project_slug", "'MyProject'", "lowercase letters"]),
    ("slug-starts-with-digit", {"project_slug": "2fast"}, ["project_slug", "'2fast'", "starting with a letter"]),
    ("slug-double-underscore", {"project_slug": "my__project"},
     ["project_slug", "'my__project'", "single underscores"]),
    ("slug-keyword", {"project_slug": "class"}, ["project_slug", "'class'", "keyword"]),
    ("slug-soft-keyword", {"project_slug": "match"}, ["project_slug", "'match'", "keyword"]),
    ("slug-shadows-stdlib", {"project_slug": "json"}, ["project_slug", "'json'", "standard library"]),
    ("slug-shadows-stdlib-os", {"project_slug": "os"}, ["project_slug", "'os'", "standard library"]),
    ("slug-is-project-folder", {"project_slug": "scripts"}, ["project_slug", "'scripts'", "already has"]),
    ("slug-from-digit-name", {"project_name": "2048"}, ["project_slug", "'2048'", "starting with a letter"]),
    ("slug-shadows-starter-package",
     {"project_slug": "pandas", "starter_requirements": "data-science"},
     ["project_slug", "'pandas'", "'data-science'", "shadow"]),
    ("slug-shadows-dev-tool", {"project_slug": "pytest"}, ["project_slug", "'pytest'", "shadow"]),
    ("python-not-major-minor", {"python_version": "3.11.4"}, ["python_version", "'3.11.4'", "MAJOR.MINOR"]),
    ("python-2", {"python_version": "2.7"}, ["python_version", "'2.7'", "MAJOR.MINOR"]),
    ("python-words", {"python_version": "latest"}, ["python_version", "'latest'", "MAJOR.MINOR"]),
    ("python-end-of-life", {"python_version": "3.8"}, ["python_version", "'3.8'", "3.10 or newer"]),
    ("venv-nested", {"venv_dir": "envs/main"}, ["venv_dir", "'envs/main'", "plain folder name"]),
    ("venv-parent", {"venv_dir": ".."}, ["venv_dir", "'..'", "plain folder name"]),
    ("venv-escapes", {"venv_dir": "../venv"}, ["venv_dir", "'../venv'", "plain folder name"]),
    ("venv-absolute", {"venv_dir": "/tmp/venv"}, ["venv_dir", "'/tmp/venv'", "plain folder name"]),
    ("venv-windows-path", {"venv_dir": "C:\\venv"}, ["venv_dir", "'C:\\\\venv'", "plain folder name"]),
    ("venv-empty", {"venv_dir": ""}, ["venv_dir", "''", "plain folder name"]),
    ("venv-with-space", {"venv_dir": "my venv"}, ["venv_dir", "'my venv'", "plain folder name"]),
    ("venv-is-tests-folder", {"venv_dir": "tests"}, ["venv_dir", "'tests'", "already has"]),
    ("venv-is-github-folder", {"venv_dir": ".github"}, ["venv_dir", "'.github'", "already has"]),
    ("venv-is-package-folder", {"venv_dir": "my_project"}, ["venv_dir", "'my_project'", "already has"]),
    ("name-blank", {"project_name": "   ", "project_slug": "blank"}, ["project_name", "one line"]),
    ("name-two-lines", {"project_name": "two\nlines", "project_slug": "two_lines"},
     ["project_name", "one line"]),
]


@pytest.mark.parametrize("answers, words", [pytest.param(a, w, id=i) for i, a, w in REFUSED])
def test_bad_input_is_refused_with_one_clear_line(cookies, tmp_path, capfd, answers, words):
    result = cookies.bake(extra_context={"create_venv": False, **answers})
    assert result.exit_code != 0
    assert result.project_path is None
    out, err = capfd.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0]
    # pytest-cookies bakes into tmp_path/cookies/bakeNN: nothing may be left there.
    assert list((tmp_path / "cookies").glob("bake*/*")) == []


# Names with quotes, backslashes, unicode and template syntax. Cookiecutter itself
# renders answers given on the command line, so "{{ 7*7 }}" arrives as "49".
ODD_NAMES = [
    ("quotes", 'Bob\'s "Quoted" Project', "bob_s_quoted_project", 'Bob\'s "Quoted" Project'),
    ("triple-quotes", 'Say """hi"""', "say_hi", 'Say """hi"""'),
    ("backslashes", "C:\\new\\table $HOME", "c_new_table_home", "C:\\new\\table $HOME"),
    ("unicode", "Café Überlingen ☕", "cafe_uberlingen", "Café Überlingen ☕"),
    ("jinja-braces", "Calc {{ 7*7 }}", "calc_49", "Calc 49"),
]


@pytest.mark.parametrize("name, slug, shown", [pytest.param(*row[1:], id=row[0]) for row in ODD_NAMES])
def test_odd_but_valid_name_bakes_valid_files(cookies, tmp_path, name, slug, shown):
    project = bake(cookies, project_name=name, description=name + " \\ end", create_venv=False)
    assert project.path.name == slug
    # The package docstring is the name, character for character.
    init = project.path / slug / "__init__.py"
    assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))).startswith(shown + ": ")
    assert f"# {shown}\n" in (project.path / "README.md").read_text(encoding="utf-8")
    # The Dockerfile is well-formed (hadolint parses it) and its label holds the name.
    dockerfile = project.path / "Dockerfile"
    lint = subprocess.run([tool("hadolint"), "--format", "json", str(dockerfile)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    assert json.loads(lint.stdout) == []
    escaped = shown.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    assert f'org.opencontainers.image.title="{escaped}"' in dockerfile.read_text(encoding="utf-8")
    # The generated package still runs.
    run = subprocess.run([sys.executable, "-m", slug], cwd=project.path, capture_output=True, text=True)
    assert run.returncode == 0 and slug in run.stdout, run.stderr


def test_empty_slug_is_refused_on_the_command_line(tmp_path):
    # pytest-cookies pre-creates its output folder, which an empty slug would be, so
    # cookiecutter stops before the hook there: this case goes through the real CLI.
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(TEMPLATE),
         "project_slug=", "create_venv=false"],
        capture_output=True, text=True,
    )
    assert done.returncode != 0
    assert "error: project_slug: '' is not allowed: use lowercase letters" in done.stderr
    assert not out.exists()


def test_pre_gen_hook_accepts_the_defaults_directly():
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    answers.update(project_slug="my_project", python_version="3.12", starter_requirements="none")
    assert load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py").problem(answers) is None
