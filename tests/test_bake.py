"""Bakes as a user would make them, and what they contain."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import pytest
from helpers import (
    GENERATED,
    HOST_PYTHON,
    STARTERS,
    TEMPLATE,
    assert_run_steps_pass_shellcheck,
    assert_zizmor_ignores_give_their_reason,
    bake,
    clean_env,
    tool,
)

# Every starter with and without Docker under the default CI; CI off, with and without Docker.
# Each is baked with the longest slug allowed: every rendered line must pass the code checks
# whatever the length of the name that lands in it.
LONGEST_SLUG = "quarterly_revenue_forecast_for_the_northern_retail_stores_v2_api"
COMBINATIONS = [
    pytest.param(starter, docker, ci, id=f"{starter}-{'docker' if docker else 'no-docker'}-{ci}")
    for starter, ci in [(s, "github-actions") for s in STARTERS] + [("none", "none")]
    for docker in (True, False)
]
# Every bake gets its locks: the template ships them for each starter set and Python version.
ALWAYS = {"README.md", "requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock",
          ".python-version", "pyproject.toml",
          ".gitignore", ".pre-commit-config.yaml", "tests/test_smoke.py",
          *(f"scripts/{path.name}" for path in (TEMPLATE / "{{cookiecutter.project_slug}}/scripts").iterdir()
            if path.suffix in (".py", ".lock"))}
DOCKER = {"Dockerfile", ".dockerignore"}
GITHUB = {".github/workflows/ci.yml", ".github/workflows/refresh-locks.yml", ".github/dependabot.yml",
          ".github/workflows/update-template.yml", ".github/propose.py"}
PUBLISH = {".github/workflows/publish.yml"}  # with Docker: the image of each v* tag
BASE_IMAGES = json.loads((TEMPLATE / "template_data" / "base-images.json").read_text())
# GitHub Actions expressions, which must come out of Jinja exactly as they went in.
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def files(path):
    return {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("starter, docker, ci", COMBINATIONS)
def test_every_combination_renders_clean_files(cookies, baked, starter, docker, ci):
    project = bake(cookies, starter_requirements=starter, use_docker=docker, ci=ci, create_venv=False,
                   init_git=False, project_slug=LONGEST_SLUG)
    slug = project.context["project_slug"]
    assert len(slug) == 64  # hooks/pre_gen_project.py: LONGEST
    data = {f"{slug}/reproducibility.py", "tests/test_reproducibility.py", "notebooks/README.md", "data/README.md"}
    package = {f"{slug}/__init__.py", f"{slug}/__main__.py"} | {
        "none": set(),
        "data-science": data,
        "machine-learning": data | {f"{slug}/model.py", "tests/test_model.py", "models/README.md"},
        "web-api": {f"{slug}/app.py"},
    }[starter]
    github = (GITHUB | (PUBLISH if docker else set())) if ci == "github-actions" else set()
    # .cruft.json links the bake when the template is a clean git checkout (test_linking.py)
    assert files(project.path) - {".cruft.json"} == ALWAYS | package | (DOCKER if docker else set()) | github
    for path in project.path.rglob("*"):
        if path.is_file():
            text = EXPRESSION.sub("", path.read_text(encoding="utf-8"))
            if path.parent.name == "scripts":  # copied as they are, so importable without a bake
                assert path.read_bytes() == (GENERATED / "scripts" / path.name).read_bytes()
            else:
                assert "{{" not in text and "{%" not in text and "{#" not in text, path
            assert "\r\n" not in text, path
    for name in sorted(github - {".github/propose.py"}):
        # Each ${{ }} of the template file arrives unchanged (all of them when Docker is on).
        source = (TEMPLATE / "{{cookiecutter.project_slug}}" / name).read_text()
        rendered = (project.path / name).read_text()
        expected, found = Counter(EXPRESSION.findall(source)), Counter(EXPRESSION.findall(rendered))
        assert found == expected if docker else found <= expected, name
        schema = "vendor.dependabot" if name.endswith("dependabot.yml") else "vendor.github-workflows"
        valid = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema, project.path / name],
                               capture_output=True, text=True)
        assert valid.returncode == 0, valid.stdout + valid.stderr
        if "workflows" in name:
            assert_run_steps_pass_shellcheck(project.path / name)
    if github:  # no finding of zizmor's, even as an auditor: actions pinned by commit, no kept
        # credentials, no caches on tags, a timeout and a concurrency group everywhere
        audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor",
                                project.path / ".github"], capture_output=True, text=True)
        assert audit.returncode == 0 and "No findings" in audit.stdout, audit.stdout + audit.stderr
        assert_zizmor_ignores_give_their_reason(project.path / ".github/workflows")
    # The project's own code checks, with its settings, by the tools its dev lock pins (from a
    # venv of the same starter set: mypy needs the packages the code imports).
    tools = baked(starter_requirements=starter).venv / "bin"
    for check in (["ruff", "check", "--no-cache"], ["ruff", "format", "--check", "--no-cache"], ["mypy"]):
        done = subprocess.run([tools / check[0], *check[1:]], cwd=project.path, capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(check)}\n{done.stdout}{done.stderr}"
    if docker:
        dockerfile = project.path / "Dockerfile"
        # BuildKit's built-in Dockerfile frontend has the cache mount: no frontend image to pull.
        assert "# syntax=" not in dockerfile.read_text() and "RUN --mount=type=cache" in dockerfile.read_text()
        lint = subprocess.run([tool("hadolint"), "--failure-threshold", "style", "--format", "json", str(dockerfile)],
                              capture_output=True, text=True)
        assert lint.returncode == 0 and json.loads(lint.stdout) == [], lint.stdout
        # The base is .python-version's Python, pinned by the digest the template ships.
        base = f"python:{HOST_PYTHON}-slim-trixie@{BASE_IMAGES['digests'][HOST_PYTHON]}"
        assert re.findall(r"(?m)^FROM (\S+)", dockerfile.read_text()) == [base, base]


def test_new_user_bake_ends_with_a_working_venv_and_next_steps(tmp_path):
    """`cookiecutter --no-input <checkout>`, run the way a new user runs it."""
    done = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE)], cwd=tmp_path,
                          capture_output=True, text=True, env=clean_env(PWD=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert ("Next steps:\n    cd my_project\n    source venv/bin/activate    (or the alias p: define it once,"
            ' see "Activate the venv" in README.md)') in done.stdout
    assert re.search(r"env\.py: ready in \d+\.\d s", done.stdout)
    project = tmp_path / "my_project"
    version = subprocess.run([project / "venv/bin/python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == HOST_PYTHON
    assert (project / "requirements.lock").is_file() and (project / "requirements-dev.lock").is_file()
    # A git repository with one commit, the locks in it, and nothing left to commit.
    git = ["git", "-C", str(project)]
    assert subprocess.run([*git, "rev-list", "--count", "HEAD"], capture_output=True, text=True).stdout == "1\n"
    assert subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout == ""
    assert "requirements.lock" in subprocess.run([*git, "ls-files"], capture_output=True, text=True).stdout


def test_the_readmes_stay_a_newcomers_read(baked):
    """The template's README under 10 KB, a default bake's under 6 KB: details live one link away."""
    assert len((TEMPLATE / "README.md").read_bytes()) < 10_000
    assert len((baked().path / "README.md").read_bytes()) < 6_000


def test_default_bake_has_every_file_and_locks(baked):
    project = baked()
    slug = project.context["project_slug"]
    assert slug == "my_project" and project.context["venv_dir"] == "venv"
    expected = ALWAYS | DOCKER | {f"{slug}/__init__.py", "requirements.lock", "requirements-dev.lock"}
    assert expected <= files(project.path)
    assert (project.path / ".python-version").read_text() == HOST_PYTHON + "\n"


def test_default_venv_runs_the_requested_python_and_the_projects_tests(baked):
    project = baked()
    version = project.run(project.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    assert version.stdout.strip() == HOST_PYTHON
    tests = project.run(project.python, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert "1 passed" in tests.stdout
    assert project.run(project.python, "-m", project.context["project_slug"]).stdout == "Hello from my_project\n"


def test_gitignore_keeps_the_venv_and_caches_out_and_the_sources_in(baked):
    project = baked()
    project.run("git", "init", "-q")
    project.run(project.python, "-m", "pytest", "-q")  # makes __pycache__ and .pytest_cache
    ignored = ["venv/bin/python", "venv/pyvenv.cfg", ".pytest_cache/README.md", ".env",
               "my_project/__pycache__/__init__.cpython-311.pyc", "dist/x.whl", ".DS_Store"]
    kept = ["README.md", "requirements.txt", "requirements.lock", "requirements-dev.lock",
            ".python-version", "scripts/env.py", "my_project/__init__.py", "tests/test_smoke.py",
            "Dockerfile", ".dockerignore", ".gitignore"]
    out = project.run("git", "check-ignore", "--no-index", *ignored).stdout.split()
    assert out == ignored
    none = project.run("git", "check-ignore", "--no-index", *kept, check=False)
    assert none.returncode == 1 and none.stdout == ""


def test_readme_documents_the_alias_for_every_shell_and_its_bash_is_clean(baked, tmp_path):
    project = baked()
    readme = (project.path / "README.md").read_text()
    # p, for every shell (run for real in test_daily.py)
    for shell_line in ['. "${d:-.}/venv/bin/activate"; }', 'source "$d/venv/bin/activate.fish"; end',
                       r'& "$d\venv\Scripts\Activate.ps1" }']:
        assert shell_line in readme
    for where in ["~/.bashrc", "~/.zshrc", "~/.config/fish/config.fish", "$PROFILE"]:
        assert where in readme
    for command in ["python3 scripts/env.py setup", "python3 scripts/env.py lock",
                    "python3 scripts/env.py check", "pytest", "docker build", "docker run --rm my_project"]:
        assert command in readme
    blocks = re.findall(r"```bash\n(.*?)```", readme, re.S)
    assert len(blocks) >= 4
    script = tmp_path / "readme.sh"
    script.write_text("#!/bin/bash\n" + "\n".join(blocks))
    # SC1090/SC1091: the venv's activate script does not exist when the README is written.
    lint = subprocess.run([tool("shellcheck"), "--exclude=SC1090,SC1091", str(script)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_no_docker_leaves_no_docker_files(cookies):
    project = bake(cookies, use_docker=False, create_venv=False)
    assert not DOCKER & files(project.path)
    assert "docker" not in (project.path / "README.md").read_text().lower()


def test_no_venv_bakes_no_venv_and_says_how_to_make_one(cookies, capfd):
    project = bake(cookies, create_venv=False)
    assert not project.venv.exists()
    out, _ = capfd.readouterr()
    assert re.search(r"No venv was made \(create_venv is false\). Make it with:\n"
                     r"    cd \S*my_project && python3 scripts/env.py setup", out)


def test_venv_dir_is_used_everywhere(cookies):
    project = bake(cookies, venv_dir=".venv", create_venv=False)
    assert (project.path / ".gitignore").read_text().count("/.venv/") == 1
    assert ".venv/" in (project.path / ".dockerignore").read_text()
    assert '. "${d:-.}/.venv/bin/activate"; }' in (project.path / "README.md").read_text()
    assert 'venv = ".venv"' in (project.path / "pyproject.toml").read_text()
    assert "the venv has" not in project.env_py("check", check=False).stderr  # env.py reads the name
    assert project.env_py("check", check=False).stderr.startswith("env.py: no venv at .venv/")


def test_another_python_version_builds_its_venv_with_that_version(cookies, other_python):
    version = other_python
    project = bake(cookies, python_version=version)
    out = project.run(project.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
    assert out.stdout.strip() == version
    assert f"# Python {version}, for Linux x86_64, macOS arm64, Windows x86_64;" in project.read("requirements.lock")
    check = project.run(sys.executable, "scripts/env.py", "check")
    assert check.returncode == 0


@pytest.mark.parametrize("python", list(BASE_IMAGES["digests"]))
def test_each_supported_python_gets_its_base_pinned_by_digest_in_lines_dependabot_reads(cookies, python):
    project = bake(cookies, python_version=python, create_venv=False, init_git=False)
    lines = re.findall(r"(?m)^FROM (.*)$", project.read("Dockerfile"))
    base = f"python:{python}-slim-trixie@{BASE_IMAGES['digests'][python]}"
    assert lines == [f"{base} AS build", base]
    for line in lines:  # Dependabot skips a FROM whose image holds `${`
        assert "${" not in line and re.fullmatch(r"python:3\.\d+-slim-trixie@sha256:[0-9a-f]{64}( AS build)?", line)
