"""scripts/venvs.py and scripts/inspector.py without a bake: what is wrong with a venv, what
setup does about it, and a new venv swapped in only when complete."""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path

import pytest
from helpers import scripts_module

venvs = scripts_module("venvs")
inspector = scripts_module("inspector")
ROOT = Path("/project")
WHOLE = {"env": {"python_version": "3.12", "python_full_version": "3.12.4"}, "dists": {"pip": "25.0", "six": "1.17.0"},
         "broken": {}, "link": str(ROOT), "relocatable": True, "pins": {"six": "1.17.0"}, "isolated": False,
         "failing": [], "clashes": []}


def problems(tmp_path, **changes):
    """The problems of a venv that exists and answers WHOLE with `changes`."""
    venv = venvs.Venv(tmp_path / "venv")
    for script in venv.activation_scripts():
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text("")
    return venvs.problems(venv, venvs.Snapshot(**{**WHOLE, **changes}), "3.12", ROOT, "requirements-dev.lock")


def test_differences_name_what_is_missing_changed_and_extra():
    pins = {"numpy": "2.4.6", "pandas": "3.0.0", "six": "1.17.0"}
    have = {"numpy": "2.4.6", "pandas": "2.2.0", "left-pad": "1.0", "pip": "25.0"}
    assert [str(d) for d in venvs.differences(pins, have, "requirements-dev.lock")] == [
        "extra: left-pad==1.0 (not in requirements-dev.lock)",
        "changed: pandas is 2.2.0, requirements-dev.lock says 3.0.0",
        "missing: six==1.17.0",
    ]


@pytest.mark.parametrize("changes, lines, decision", [
    ({}, [], "keep"),
    ({"dists": {"pip": "25.0", "six": "1.17.0", "left-pad": "1.0"}},
     ["extra: left-pad==1.0 (not in requirements-dev.lock)"], "sync"),
    ({"link": None}, ["project link: project-root.pth is missing, so the package may not import"], "sync"),
    ({"link": "/elsewhere", "relocatable": False},
     ["project link: the venv was made for /elsewhere, not /project (was the project moved?)"], "build"),
    ({"broken": {"six": "1 of its files is missing or changed (six.py)"}},
     ["six: 1 of its files is missing or changed (six.py)"], "build"),
    ({"dists": {"six": "1.17.0"}}, ["pip: missing, so the venv cannot install anything"], "build"),
    ({"env": {"python_version": "3.11", "python_full_version": "3.11.7"}},
     ["python: the venv has 3.11.7, .python-version says 3.12"], "build"),
    ({"pins": None, "dists": {"pip": "25.0", "left-pad": "1.0"}}, [], "keep"),  # a stale lock is no measure
], ids=["whole", "extra-package", "link-missing", "moved-standard-venv", "damaged-file", "no-pip", "other-python",
        "lock-not-asked"])
def test_what_is_wrong_with_a_venv_decides_between_sync_and_a_new_one(tmp_path, changes, lines, decision):
    found = problems(tmp_path, **changes)
    assert [str(item) for item in found] == lines
    assert venvs.plan(found) == decision


def test_a_venv_whose_python_does_not_start_names_the_python_it_was_made_from(tmp_path):
    venv = venvs.Venv(tmp_path / "venv")
    venv.path.mkdir()
    [found] = venvs.problems(venv, None, "3.12", ROOT, "requirements-dev.lock")
    assert str(found) == "python: venv/bin/python is missing: the venv is incomplete"
    venv.config.write_text("home = /gone/bin\nversion = 3.12.4\n")
    [found] = venvs.problems(venv, "exit status 1: Fatal Python error", "3.12", ROOT, "requirements-dev.lock")
    assert str(found) == "python: venv/bin/python does not start: the Python it was made from (/gone/bin) is gone"
    assert venvs.plan([found]) == "build"
    venv.config.write_text(f"home = {Path(sys.executable).parent}\n")  # its Python is there: something else
    [found] = venvs.problems(venv, "exit status 1: Fatal Python error", "3.12", ROOT, "requirements-dev.lock")
    assert str(found) == "python: venv/bin/python does not start (exit status 1: Fatal Python error)"
    assert str(venvs.problems(venvs.Venv(tmp_path / "none"), None, "3.12", ROOT, "x")[0]) == "no venv at none/"


def test_the_inspector_reads_this_python_and_evaluates_markers_with_pips_packaging(tmp_path):
    lock = tmp_path / "requirements-dev.lock"
    here = "{}.{}".format(*sys.version_info)
    lock.write_text(f"pytest=={pytest.__version__} ; python_version == '{here}'\n"
                    "colorama==0.4.6 ; sys_platform == 'win32'\nsix==1.17.0 ; python_version < '3.0'\n")
    state = venvs.Snapshot(**inspector.snapshot(lock), failing=[])
    assert state.env["python_full_version"].startswith(f"{here}.")
    assert state.dists["pytest"] == pytest.__version__ and state.broken == {}
    assert state.pins == ({"colorama": "0.4.6"} if sys.platform == "win32" else {}) | {"pytest": pytest.__version__}
    assert inspector.snapshot(None)["pins"] is None


def test_damage_is_a_missing_resized_or_rewritten_file_of_a_record(tmp_path):
    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo/__init__.py").write_text("x = 1\n")
    (tmp_path / "demo/gone.py").write_text("")
    digest = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b"x = 1\n").digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(f"demo/__init__.py,{digest},6\ndemo/gone.py,,\ndemo/__pycache__/a.pyc,,\n"
                                 "demo-1.0.dist-info/RECORD,,\n")
    rows, unpacked = inspector.record(info), (0, 0)  # all written after: all read
    assert inspector.damage(rows, tmp_path, set(), unpacked) is None  # all as recorded
    (tmp_path / "demo/gone.py").unlink()
    assert inspector.damage(rows, tmp_path, set(), unpacked) == "1 of its files is missing or changed (demo/gone.py)"
    (tmp_path / "demo/gone.py").write_text("")
    (tmp_path / "demo/__init__.py").write_text("x = 12\n")
    assert "(demo/__init__.py)" in inspector.damage(rows, tmp_path, set(), unpacked)
    assert inspector.damage(rows, tmp_path, {"demo/__init__.py"}, unpacked) is None  # another package's copy
    (tmp_path / "demo/__init__.py").write_text("x = 2\n")  # the same size, written after the install
    assert "(demo/__init__.py)" in inspector.damage(rows, tmp_path, set(), unpacked)
    later = (tmp_path / "demo/__init__.py").stat().st_mtime + 1
    assert inspector.damage(rows, tmp_path, set(), since=(later, 0)) is None  # unpacked after: not read
    assert inspector.damage(rows, tmp_path, set(), since=(0, later))  # install time: for ../bin/ alone
    (info / "RECORD").unlink()
    assert inspector.damage(inspector.record(info), tmp_path, set(), (0, 0)) == "its list of files (RECORD) is missing"


@pytest.mark.parametrize("beside", [True, False], ids=["built-beside", "built-in-place"])
def test_a_new_venv_replaces_the_old_one_only_when_complete(tmp_path, beside):
    venv = venvs.Venv(tmp_path / "venv")
    venv.path.mkdir()
    (venv.path / "old-file").write_text("")

    def fails(target):
        target.path.mkdir()
        (target.path / "half").write_text("")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        venvs.swap_in(venv, fails, beside)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["venv"] and (venv.path / "old-file").exists()

    def builds(target):
        target.path.mkdir()
        (target.path / "new-file").write_text("")

    removal = venvs.swap_in(venv, builds, beside)  # the old venv goes in a thread of its own
    assert removal is not None and (venv.path / "new-file").exists()
    removal.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["venv"]


def test_what_an_interrupted_build_left_is_undone(tmp_path):
    venv = venvs.Venv(tmp_path / ".venv")
    venv.sibling("old").path.mkdir()
    (venv.sibling("old").path / "mine").write_text("")
    venv.sibling("new").path.mkdir()
    venv.path.mkdir()  # the half-built one, in place
    assert venvs.recover(venv) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == [".venv"] and (venv.path / "mine").exists()
    assert venvs.recover(venv) is False


def test_a_failing_pth_file_is_named_once_with_the_error_it_raises():
    """What Python prints at start for a .pth line that fails, once per site folder it reads
    (a venv's lib64 is its lib again), and what the report of an earlier Python looks like."""
    report = ["Error processing line 1 of /p/venv/lib/python3.11/site-packages/bad.pth:", "",
              "  Traceback (most recent call last):", '    File "<frozen site>", line 186, in addpackage',
              '    File "<string>", line 1, in <module>',
              "  ModuleNotFoundError: No module named 'nonexistent_module_xyz'", "", "Remainder of file ignored"]
    said = venvs.start_up_failures(["ignored", *report, *report, '{"json": "last"}'])
    assert said == ["/p/venv/lib/python3.11/site-packages/bad.pth, line 1:"
                    " ModuleNotFoundError: No module named 'nonexistent_module_xyz'"]
    assert venvs.start_up_failures(report[:1]) == ["/p/venv/lib/python3.11/site-packages/bad.pth, line 1"]
