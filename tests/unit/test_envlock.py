"""scripts/envlock.py, imported straight from the template (it has no Jinja): reading locks
and requirements, markers against `packaging` itself, and a venv's snapshot."""

from __future__ import annotations

import itertools
import sys

import pytest
from helpers import GENERATED, load_module
from packaging.markers import Marker

envlock = load_module("envlock", GENERATED / "scripts" / "envlock.py")

LOCK = """\
# Written by `python3 scripts/env.py lock` from requirements.txt: do not edit.
numpy==2.2.6 ; python_full_version < '3.11' \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
    # via -r requirements.txt
numpy==2.4.6 ; python_full_version >= '3.11' \\
    --hash=sha256:cccc
    # via
    #   -r requirements.txt
    #   pandas
Typing_Extensions==4.15.0 \\
    --hash=sha256:dddd
colorama==0.4.6 ; sys_platform == 'win32' --hash=sha256:eeee
"""


def test_a_lock_is_read_as_pins_markers_and_hashes(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(LOCK)
    assert envlock.read_lock(lock) == [
        ("numpy", "2.2.6", "python_full_version < '3.11'", {"aaaa", "bbbb"}),
        ("numpy", "2.4.6", "python_full_version >= '3.11'", {"cccc"}),
        ("typing-extensions", "4.15.0", "", {"dddd"}),
        ("colorama", "0.4.6", "sys_platform == 'win32'", {"eeee"}),
    ]
    linux_311 = {**envlock.marker_environment(), "python_full_version": "3.11.7", "sys_platform": "linux"}
    assert envlock.pins_for(lock, linux_311) == {"numpy": "2.4.6", "typing-extensions": "4.15.0"}


@pytest.mark.parametrize("line", ["six @ https://example.org/six.whl", "six>=1.0", "pandas"])
def test_a_lock_line_that_is_no_pin_is_one_clear_error(tmp_path, line):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"{line}\n")
    with pytest.raises(envlock.LockError, match="not a `name==version` pin"):
        envlock.read_lock(lock)


@pytest.mark.parametrize("content, message", [
    (None, "requirements.txt is missing"),
    (b"six\ncaf\xe9\n", "requirements.txt, line 2, is not UTF-8 text"),
    ("folder", "requirements.txt cannot be read"),
], ids=["missing", "not-utf-8", "a-folder"])
def test_unreadable_inputs_are_one_line(tmp_path, content, message):
    path = tmp_path / "requirements.txt"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(envlock.LockError, match=message):
        envlock.read_text(path)


def test_the_inputs_digest_follows_includes_and_ignores_comments(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy  # arrays\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("six\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    dev = tmp_path / "requirements-dev.txt"
    lines = [(path.name, text) for path, _, text in envlock.requirement_lines(dev)]
    assert lines == [("more.txt", "six"), ("requirements.txt", "numpy"), ("requirements.txt", "-r more.txt"),
                     ("requirements-dev.txt", "-r requirements.txt"), ("requirements-dev.txt", "pytest")]
    before = envlock.inputs_digest(dev, "3.12")
    (tmp_path / "requirements.txt").write_text("# a comment\nnumpy\n\n-r more.txt   \n")
    assert envlock.inputs_digest(dev, "3.12") == before
    (tmp_path / "more.txt").write_text("six==1.16.0\n")  # an edit in an included file
    assert envlock.inputs_digest(dev, "3.12") != before
    assert envlock.inputs_digest(dev, "3.13") != envlock.inputs_digest(dev, "3.12")
    (tmp_path / "more.txt").unlink()
    with pytest.raises(envlock.LockError, match="requirements.txt, line 4, includes more.txt, which is missing"):
        envlock.inputs_digest(dev, "3.12")


def test_the_digest_of_the_two_usual_files_is_what_earlier_versions_wrote(tmp_path):
    """Locks written before includes counted stay current: the same lines in the same order."""
    import hashlib

    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    old = hashlib.sha256(b"python 3.12\nnumpy\n-r requirements.txt\npytest\n").hexdigest()[:16]
    assert envlock.inputs_digest(tmp_path / "requirements-dev.txt", "3.12") == old


# ---- markers: the same answers as packaging, on what uv writes and on odd interpreters ----

INTERPRETERS = ["3.10.0", "3.11.7", "3.12.0a1", "3.12.0b2", "3.12.0rc1", "3.12.0", "3.12.1", "3.12.1.post1",
                "3.12.10", "3.13.0.dev0", "3.13.0a1+", "3.13.0+", "3.13.0", "3.13.0rc1", "3.14.0b3"]
VERSIONS = ["3.10", "3.11", "3.11.7", "3.12", "3.12.0", "3.12.1", "3.13", "3.13.0rc1", "3.12.1.post1",
            "3.12.0.dev0", "3.12.*", "3.13.*"]
# Markers as uv writes them in locks, and the other forms PEP 508 allows.
WRITTEN_BY_UV = [
    "",
    "sys_platform == 'win32'",
    "sys_platform != 'win32'",
    "python_full_version < '3.11'",
    "python_full_version >= '3.12' and python_full_version < '3.13'",
    "platform_machine == 'x86_64' and sys_platform == 'linux'",
    "implementation_name == 'pypy'",
    "platform_python_implementation != 'PyPy' and python_full_version >= '3.11'",
    "(sys_platform == 'darwin' or sys_platform == 'linux') and python_version >= '3.11'",
    "sys_platform == 'darwin' or (os_name == 'posix' and implementation_name == 'cpython')",
    "platform_system != 'Windows' and 'linux' in sys_platform",
    "'win' not in sys_platform",
]


def environment(full: str, system: str = "linux") -> dict:
    return {"python_version": ".".join(full.split(".")[:2]), "python_full_version": full,
            "implementation_name": "cpython", "implementation_version": full,
            "os_name": "nt" if system == "win32" else "posix", "sys_platform": system,
            "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[system],
            "platform_machine": "x86_64", "platform_release": "", "platform_version": "",
            "platform_python_implementation": "CPython"}


@pytest.mark.parametrize("system", ["linux", "darwin", "win32"])
def test_markers_uv_writes_agree_with_packaging(system):
    for marker, full in itertools.product(WRITTEN_BY_UV, INTERPRETERS):
        env = environment(full, system)
        assert envlock.marker_holds(marker, env) is (not marker or Marker(marker).evaluate(env)), (marker, env)


@pytest.mark.parametrize("variable", ["python_full_version", "python_version", "implementation_version"])
def test_version_comparisons_agree_with_packaging_on_pre_and_post_releases(variable):
    disagree = []
    for full, op, version in itertools.product(INTERPRETERS, ["<", "<=", ">", ">=", "==", "!=", "~="], VERSIONS):
        if version.endswith(".*") and op not in ("==", "!="):
            continue
        marker, env = f"{variable} {op} '{version}'", environment(full)
        if envlock.marker_holds(marker, env) is not Marker(marker).evaluate(env):
            disagree.append((full, marker))
    assert disagree == []


def test_a_release_candidate_is_not_yet_the_release():
    """The case that once disagreed: 3.13.0rc1 is below 3.13, as packaging says."""
    env = environment("3.13.0rc1")
    assert envlock.marker_holds("python_full_version >= '3.13'", env) is False


def test_an_unreadable_marker_is_one_clear_error():
    with pytest.raises(envlock.LockError, match="unknown marker variable"):
        envlock.marker_holds("python_size > '3'", environment("3.12.0"))


# ---- what a venv holds --------------------------------------------------------------------


def test_differences_name_what_is_missing_changed_and_extra():
    pins = {"numpy": "2.4.6", "pandas": "3.0.0", "six": "1.17.0"}
    have = {"numpy": "2.4.6", "pandas": "2.2.0", "left-pad": "1.0", "pip": "25.0"}
    assert envlock.differences(pins, have, "requirements-dev.lock") == [
        "extra: left-pad==1.0 (not in requirements-dev.lock)",
        "changed: pandas is 2.2.0, requirements-dev.lock says 3.0.0",
        "missing: six==1.17.0",
    ]


def test_the_snapshot_of_this_python_lists_its_packages_and_no_damage():
    state = envlock.snapshot()
    assert state["env"]["python_full_version"].startswith("{}.{}.".format(*sys.version_info))
    assert state["dists"]["pytest"] == pytest.__version__
    assert state["broken"] == {}


def test_damage_is_a_missing_or_resized_file_of_a_record(tmp_path):
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo/__init__.py").write_text("x = 1\n")
    (tmp_path / "demo/gone.py").write_text("")
    (info / "RECORD").write_text("demo/__init__.py,sha256=x,6\ndemo/gone.py,,\ndemo/__pycache__/a.pyc,,\n"
                                 "demo-1.0.dist-info/RECORD,,\n")
    assert envlock.damage(info, tmp_path, "demo") is None
    (tmp_path / "demo/gone.py").unlink()
    assert envlock.damage(info, tmp_path, "demo") == "demo: 1 of its files is missing or changed (demo/gone.py)"
    (tmp_path / "demo/gone.py").write_text("")
    (tmp_path / "demo/__init__.py").write_text("x = 12\n")
    assert "(demo/__init__.py)" in envlock.damage(info, tmp_path, "demo")
    (info / "RECORD").unlink()
    assert envlock.damage(info, tmp_path, "demo") == "demo: its list of files (RECORD) is missing"
