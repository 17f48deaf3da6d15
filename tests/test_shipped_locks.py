"""The locks the template ships: complete, current, used by every bake, and enough to bake offline."""

from __future__ import annotations

import shutil
import sys

import pytest
from helpers import FINISH, HOST_PYTHON, TEMPLATE, Baked, bake, copy_template, load_module

SHIPPED = TEMPLATE / "{{cookiecutter.project_slug}}" / ".shipped-locks"
REFRESH = load_module("refresh_locks", TEMPLATE / "maintenance" / "refresh_locks.py")
LOCKS = ["requirements.lock", "requirements-dev.lock"]
# No network at all: uv in offline mode and every proxy a closed port on loopback. The index
# settings stay as they are: uv keeps its cache per index.
NO_NETWORK = {**{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
              "UV_OFFLINE": "1", "NO_PROXY": ""}


def test_a_pair_ships_for_every_starter_set_and_python_and_nothing_else():
    expected = {f"{python}/{starter}/{lock}" for python in REFRESH.PYTHONS for starter in REFRESH.STARTERS
                for lock in LOCKS}
    assert {p.relative_to(SHIPPED).as_posix() for p in SHIPPED.rglob("*") if p.is_file()} == expected


@pytest.mark.parametrize("starter", REFRESH.STARTERS)
def test_each_shipped_pair_matches_its_inputs_without_network(cookies, starter):
    """Fails when a starter's requirements, the dev requirements or a Python version moved on
    without `maintenance/refresh_locks.py`: the locks' header digest no longer matches."""
    project = bake(cookies, starter_requirements=starter, create_venv=False, init_git=False)
    for python in REFRESH.PYTHONS:
        (project.path / ".python-version").write_text(f"{python}\n")
        for lock in LOCKS:
            shutil.copyfile(SHIPPED / python / starter / lock, project.path / lock)
        done = project.env_py("lock", "--check", check=False, env=NO_NETWORK)
        assert done.returncode == 0, f"{starter}, Python {python}:\n{done.stdout}"


def test_two_bakes_get_the_very_same_locks_the_template_ships(cookies):
    first, second = (bake(cookies, starter_requirements="data-science", create_venv=False) for _ in range(2))
    assert first.path != second.path
    for lock in LOCKS:
        shipped = (SHIPPED / HOST_PYTHON / "data-science" / lock).read_bytes()
        assert (first.path / lock).read_bytes() == (second.path / lock).read_bytes() == shipped


def test_with_the_index_unreachable_a_bake_installs_from_the_cache(baked, cookies, monkeypatch):
    baked(starter_requirements="data-science")  # an online bake first: the wheels are in uv's cache
    for name, value in NO_NETWORK.items():
        monkeypatch.setenv(name, value)
    project = bake(cookies, starter_requirements="data-science")
    assert project.env_py("check").returncode == 0
    theirs = project.run(sys.executable, "-m", "uv", "pip", "sync", "--dry-run", "--python", project.python,
                         "requirements-dev.lock")
    assert "Would make no changes" in theirs.stderr


def test_with_the_index_unreachable_and_nothing_cached_the_bake_says_how_to_finish(cookies, capfd, monkeypatch,
                                                                                  tmp_path):
    for name, value in {**NO_NETWORK, "UV_CACHE_DIR": str(tmp_path / "empty-cache")}.items():
        monkeypatch.setenv(name, value)
    project = bake(cookies, starter_requirements="data-science")
    out, err = capfd.readouterr()
    assert FINISH.search(out)
    assert all((project.path / lock).exists() for lock in LOCKS)


def test_a_python_without_shipped_locks_resolves_them_at_bake_time(cookies, capfd, tmp_path):
    template = tmp_path / "template"
    copy_template(template)
    shutil.rmtree(template / "{{cookiecutter.project_slug}}" / ".shipped-locks" / HOST_PYTHON)
    project = Baked(cookies.bake(template=str(template)))
    out, _ = capfd.readouterr()
    assert f"The template ships no locks for Python {HOST_PYTHON}: setup resolves them" in out
    assert "env.py: ready in" in out
    assert project.env_py("lock", "--check", env=NO_NETWORK).returncode == 0
    assert project.env_py("check").returncode == 0
