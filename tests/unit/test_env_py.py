"""scripts/env.py's own rules, without a bake: the file is rendered by Jinja and imported."""

from __future__ import annotations

import json
import sys

import pytest
from helpers import GENERATED, TEMPLATE, load_module

env_py = load_module("env_py", GENERATED / "scripts" / "env.py", venv_dir="venv")

@pytest.mark.parametrize("version, words", [
    ("3.12", None), ("3.9", "Python 3.9 is past its end of life: use 3.10 or newer"),
    ("3", "is not a MAJOR.MINOR version"), ("3.12.1", "is not a MAJOR.MINOR version"),
])
def test_python_versions_are_checked_in_one_place(version, words):
    if words is None:
        assert env_py.valid_version(version, ".python-version") == version
    else:
        with pytest.raises(env_py.EnvError, match=words):
            env_py.valid_version(version, ".python-version")


def test_a_too_old_python_version_file_points_to_a_switch_that_works():
    """The command it suggests names this very Python, which setup is sure to find."""
    with pytest.raises(env_py.EnvError) as raised:
        env_py.valid_version("3.9", ".python-version")
    here = "{}.{}".format(*sys.version_info)
    assert f"`python3 scripts/env.py setup --python {here}` switches the project" in str(raised.value)


def test_the_oldest_python_has_one_value_everywhere():
    pre_gen = load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py")
    refresh = load_module("refresh_locks", TEMPLATE / "maintenance" / "refresh_locks.py")
    oldest = "{}.{}".format(*env_py.OLDEST_PYTHON)
    assert pre_gen.OLDEST_PYTHON == env_py.OLDEST_PYTHON
    assert refresh.PYTHONS[0] == oldest
    assert f"{oldest} or newer" in json.loads((TEMPLATE / "cookiecutter.json").read_text())["__prompts__"][
        "python_version"]


def test_the_lock_names_and_their_sources_are_the_templates():
    """env.py's names are the ones the template ships locks under and writes sources for."""
    for pair in (GENERATED / ".shipped-locks").glob("*/*"):
        assert {path.name for path in pair.iterdir()} == set(env_py.LOCKS), pair
    for source in env_py.LOCKS.values():
        assert (GENERATED / source).is_file(), source
