"""What the template refuses, and the odd-but-valid answers it accepts.

A refusal is one line on stderr naming the field, the bad value and what is allowed,
a failed bake, and no project folder left behind.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest
from answers import ODD_NAMES, REFUSED
from helpers import TEMPLATE, bake, tool


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


def test_no_slug_may_shadow_a_package_a_baked_venv_holds(baked):
    """Every top-level name in a real venv's site-packages (the seed packages pip, setuptools
    and wheel, and what the locks install) is refused as a slug: the venv comes before the
    project on sys.path, so its package would be imported instead."""
    from helpers import load_module

    pre_gen = load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py")
    imports = json.loads((TEMPLATE / "template_data" / "starter-imports.json").read_text())
    project = baked()
    names = {entry.name.split(".")[0] for entry in project.site_packages().iterdir()
             if entry.suffix in (".py", ".so") or (entry / "__init__.py").is_file()}
    assert {"pip", "pytest"} <= names
    for name in sorted(names):
        answers = {**project.context, "project_slug": name}
        if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name):
            assert pre_gen.problem(answers, imports), name
