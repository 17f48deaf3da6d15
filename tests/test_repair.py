"""A venv is either right or rebuilt: each way a real venv breaks, `check` names it, and one
`setup` repairs it; a setup that fails or is interrupted leaves the previous venv working.

Damage is done the way machines do it, on a baked project's real venv. Files are removed or
replaced, never written through: uv links installed files to its cache (see replace_file).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import FINISH, OFFLINE, Baked, bake, copy_template, replace_file


def pip_files(project):
    site = project.site_packages()
    for name in ("pip/__init__.py", "pip/_internal/cli/main.py"):
        (site / name).unlink()


def dangling_python(project):
    """What a pyenv, Homebrew or system upgrade leaves: the link to the base Python points nowhere."""
    link = project.venv / "bin" / "python"
    link.unlink()
    link.symlink_to("/nonexistent/python3")


def truncated_uv(project):
    """A full disk while uv was copied into the venv."""
    uv = project.venv / "bin" / "uv"
    replace_file(uv, uv.read_bytes()[:1000])


def metadata_gone(project):
    next(project.site_packages().glob("iniconfig-*.dist-info")).joinpath("METADATA").unlink()


def record_gone(project):
    next(project.site_packages().glob("pygments-*.dist-info")).joinpath("RECORD").unlink()


def file_deleted(project):
    (project.site_packages() / "_pytest" / "python.py").unlink()


def file_replaced(project):
    replace_file(project.site_packages() / "pluggy" / "__init__.py", b"raise ImportError('edited')\n")


def link_gone(project):
    (project.site_packages() / "project-root.pth").unlink()


def pip_run(*args):
    return lambda project: project.run(project.python, "-m", "pip", "--quiet", *args)


# (id, how the venv breaks, what `check` says)
DAMAGE = [
    ("base-python-gone", dangling_python, "venv/bin/python does not start: the Python it was made from ("),
    ("pip-half-unpacked", pip_files, "pip: 2 of its files are missing or changed"),
    ("uv-truncated", truncated_uv, "uv: 1 of its files is missing or changed (../../../bin/uv)"),
    ("metadata-missing", metadata_gone, "iniconfig: its metadata is missing (iniconfig-2.3.1.dist-info)"),
    ("record-missing", record_gone, "pygments: its list of files (RECORD) is missing"),
    ("package-file-deleted", file_deleted, "pytest: 1 of its files is missing or changed (_pytest/python.py)"),
    ("package-file-changed", file_replaced, "pluggy: 1 of its files is missing or changed"),
    ("project-link-missing", link_gone, "project link: project-root.pth is missing"),
    ("extra-package", pip_run("install", "six"), "extra: six=="),
    ("downgraded", pip_run("install", "iniconfig==2.0.0"), "changed: iniconfig is 2.0.0, requirements-dev.lock says"),
    ("uninstalled", pip_run("uninstall", "--yes", "pluggy"), "missing: pluggy=="),
]


def assert_works(project: Baked, root: Path | None = None) -> None:
    """In sync, and used as a person uses it: console scripts, the package from a subfolder."""
    root = root or project.path
    done = subprocess.run([sys.executable, "scripts/env.py", "check"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0 and "in sync" in done.stdout, done.stdout + done.stderr
    script = "source venv/bin/activate && cd tests && pytest -q -p no:cacheprovider && python -c 'import my_project'"
    used = subprocess.run(["bash", "-c", script], cwd=root, capture_output=True, text=True)
    assert used.returncode == 0 and "passed" in used.stdout, used.stdout + used.stderr


@pytest.mark.parametrize("damage, words", [pytest.param(d, w, id=i) for i, d, w in DAMAGE])
def test_check_names_the_damage_and_one_setup_repairs_it(cookies, damage, words):
    project = bake(cookies, init_git=False)
    assert project.env_py("check").returncode == 0
    damage(project)
    found = project.env_py("check", check=False)
    assert found.returncode == 1 and words in found.stdout, found.stdout + found.stderr
    assert "run `python3 scripts/env.py setup` to repair" in found.stdout
    repaired = project.env_py("setup")
    assert "ready in" in repaired.stdout
    assert_works(project)


def test_check_says_setup_builds_anew_only_when_it_does(cookies):
    project = bake(cookies, init_git=False)
    pip_run("install", "six")(project)
    assert "builds a new venv/" not in project.env_py("check", check=False).stdout
    assert "it removes six==" in project.env_py("check", check=False).stdout
    file_deleted(project)
    assert "builds a new venv/ beside this one" in project.env_py("check", check=False).stdout


@pytest.mark.parametrize("edit", [b"# a debugging edit, written through the hard link\n", b"#"],
                         ids=["appended", "same-size"])
def test_a_change_written_through_to_uvs_cache_is_fetched_afresh(cookies, monkeypatch, tmp_path, edit):
    """Editing an installed file edits uv's cache too (hard links): a new venv alone would get
    the same edit. setup fetches such packages afresh. An edit that keeps the size is found by
    its hash. (A cache of this test's own.)"""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    project = bake(cookies, init_git=False)
    with open(project.site_packages() / "iniconfig" / "__init__.py", "ab" if len(edit) > 1 else "r+b") as installed:
        installed.write(edit)  # appended, or its first byte made a comment sign
    assert "iniconfig: 1 of its files is missing or changed" in project.env_py("check", check=False).stdout
    done = project.env_py("setup", env={"UV_CACHE_DIR": str(tmp_path / "uv-cache")})
    assert "fetching iniconfig afresh (uv's cache holds the same damaged files)" in done.stdout
    assert_works(project)


@pytest.mark.parametrize("backend", ["uv", "pip"])
def test_a_moved_project_works_after_one_setup(cookies, tmp_path, backend):
    project = bake(cookies, init_git=False)
    if backend == "pip":  # a venv of the standard venv module, as --backend pip makes them
        shutil.rmtree(project.venv)
        project.env_py("setup", "--backend", "pip")
    moved = tmp_path / "renamed folder"
    shutil.move(project.path, moved)
    if backend == "uv":  # uv's venv is relocatable, and the project link names the folder that holds it
        imported = subprocess.run([moved / "venv/bin/python", "-c", "import my_project; print(my_project.__file__)"],
                                  cwd=moved / "tests", capture_output=True, text=True)
        assert imported.stdout == f"{moved / 'my_project' / '__init__.py'}\n", imported.stderr
    check = subprocess.run([sys.executable, "scripts/env.py", "check"], cwd=moved, capture_output=True, text=True)
    assert check.returncode == 1
    assert f"project link: the venv was made for {project.path}, not {moved} (was the project moved?)" in check.stdout
    setup = subprocess.run([sys.executable, "scripts/env.py", "setup", "--backend", backend], cwd=moved,
                           capture_output=True, text=True)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    # A venv of the standard venv module holds absolute paths: it is built anew; uv's is relocatable.
    assert ("built anew" in setup.stdout) == (backend == "pip")
    assert (f"the project link now points to {moved} (the project moved)" in setup.stdout) == (backend == "uv")
    assert_works(project, moved)


def test_an_egg_info_folder_in_the_project_is_not_taken_for_an_installed_package(cookies):
    project = bake(cookies, init_git=False)
    (project.path / "my_project.egg-info").mkdir()
    (project.path / "my_project.egg-info" / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: my-project\n"
                                                                  "Version: 0.1\n")
    assert project.env_py("check").returncode == 0


def test_without_a_venv_check_says_how_to_make_one(cookies):
    project = bake(cookies, create_venv=False)
    done = project.env_py("check", check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == "env.py: no venv at venv/: run `python3 scripts/env.py setup`"
    project.env_py("setup")
    assert_works(project)


# ---- faults during setup: the previous venv stays ----------------------------------------


@pytest.fixture
def slow_uv(tmp_path):
    """A uv first on PATH that takes 3 s for every install, so a setup can be stopped midway."""
    from uv import find_uv_bin

    folder = tmp_path / "slow-bin"
    folder.mkdir()
    (folder / "uv").write_text(f'#!/bin/sh\n[ "$2" = sync ] && sleep 3\nexec {find_uv_bin()} "$@"\n')
    (folder / "uv").chmod(0o755)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def start_setup(project: Baked, *args, env: dict) -> subprocess.Popen:
    from helpers import clean_env

    return subprocess.Popen([sys.executable, "scripts/env.py", "setup", *args], cwd=project.path,
                            env=clean_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def wait_for(process: subprocess.Popen, project: Baked, path: str) -> None:
    deadline = time.monotonic() + 30
    while not (project.path / path).exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    time.sleep(0.5)


def old_venv_works(project: Baked) -> None:
    project.run(project.python, "-c", "import pytest, pluggy, my_project")


def test_ctrl_c_during_a_rebuild_leaves_the_old_venv_and_says_what_is_left(cookies, slow_uv):
    project = bake(cookies, init_git=False)
    truncated_uv(project)  # a rebuild is due, and find_uv takes the slow uv from PATH
    setup = start_setup(project, env=slow_uv)
    wait_for(setup, project, "venv.new/bin/python")
    os.killpg(setup.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the whole group
    out, err = setup.communicate(timeout=30)
    assert setup.returncode == 130, out + err
    assert "env.py: setup interrupted: venv/ is as it was (run setup again to build it)" in err
    assert not (project.path / "venv.new").exists()
    old_venv_works(project)
    project.env_py("setup")
    assert project.env_py("check").returncode == 0


def test_a_killed_rebuild_leaves_the_old_venv_and_the_next_setup_finishes(cookies, slow_uv):
    project = bake(cookies, init_git=False)
    truncated_uv(project)
    setup = start_setup(project, env=slow_uv)
    wait_for(setup, project, "venv.new/bin/python")
    os.killpg(setup.pid, signal.SIGKILL)  # no chance to clean up: power loss, OOM killer
    setup.communicate(timeout=30)
    old_venv_works(project)  # untouched: the new venv was being built beside it
    project.env_py("setup")
    assert not (project.path / "venv.new").exists()
    assert project.env_py("check").returncode == 0


def test_a_killed_standard_venv_rebuild_is_undone_by_the_next_setup(cookies):
    """The standard venv module builds in place (absolute paths): the old venv waits in venv.old."""
    project = bake(cookies, init_git=False)
    record_gone(project)
    setup = start_setup(project, "--backend", "pip", env={})
    wait_for(setup, project, "venv.old/bin/python")
    os.killpg(setup.pid, signal.SIGKILL)
    setup.communicate(timeout=30)
    assert (project.path / "venv.old").exists()
    check = project.env_py("check", check=False)
    assert check.returncode != 0
    done = project.env_py("setup")
    assert "a previous setup did not finish: putting back the venv/ it had set aside" in done.stdout
    assert project.env_py("check").returncode == 0


def test_two_setups_at_once_take_turns(cookies, slow_uv):
    project = bake(cookies, init_git=False)
    truncated_uv(project)  # a rebuild for the first, with the slow uv
    first = start_setup(project, env=slow_uv)
    wait_for(first, project, "venv.new/bin/python")
    second = project.env_py("setup", env=slow_uv)
    assert "another setup or lock is running in this project: this setup waits" in second.stdout
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, out + err
    assert project.env_py("check").returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a small disk needs root")
def test_a_full_disk_during_a_rebuild_keeps_the_old_venv_and_says_so(cookies, tmp_path):
    project = bake(cookies, init_git=False)
    disk = tmp_path / "small-disk"
    disk.mkdir()
    used = sum(path.lstat().st_size for path in project.path.rglob("*"))
    size = f"size={2 * used // 2**20 + 40}m"  # room for the project, not for a second venv beside it
    if subprocess.run(["mount", "-t", "tmpfs", "-o", size, "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        copy = disk / "my_project"
        shutil.copytree(project.path, copy, symlinks=True)
        next((copy / "venv/lib").glob("python*/site-packages/pygments-*.dist-info")).joinpath("RECORD").unlink()
        free = shutil.disk_usage(disk).free
        filler = disk / "filler"
        shutil.rmtree(copy / "scripts" / "__pycache__", ignore_errors=True)
        filler.write_bytes(b"\0" * (free - 2_000_000))  # 2 MB left: not enough for a new venv
        full = subprocess.run([sys.executable, "scripts/env.py", "setup"], cwd=copy, capture_output=True, text=True)
        assert full.returncode == 1
        assert "the disk is full: free some space, then run it again" in full.stderr, full.stderr
        assert re.search(r"; venv/ \(\d+ MB\) is kept until its new copy is complete: free that much, or"
                         r" delete venv/", full.stderr), full.stderr
        assert not (copy / "scripts" / "__pycache__").exists()  # no .pyc a full disk could cut short
        assert not (copy / "venv.new").exists()
        subprocess.run([copy / "venv/bin/python", "-c", "import pytest"], check=True)
        filler.unlink()
        again = subprocess.run([sys.executable, "scripts/env.py", "setup"], cwd=copy, capture_output=True, text=True)
        assert again.returncode == 0, again.stdout + again.stderr
        assert_works(project, copy)
    finally:
        subprocess.run(["umount", "--lazy", str(disk)])


# ---- a bake whose environment step fails keeps the project -------------------------------


def test_offline_bake_keeps_the_project_and_a_later_setup_completes_it(cookies, capfd, monkeypatch):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    project = bake(cookies)
    out, err = capfd.readouterr()
    assert re.search(r"http://127.0.0.1:9/simple/\S+/ cannot be reached", err), err
    assert FINISH.search(out)
    assert (project.path / "README.md").is_file()
    assert (project.path / "requirements-dev.lock").exists()  # shipped with the template
    for name in OFFLINE:
        monkeypatch.delenv(name)
    project.env_py("setup")
    assert project.env_py("check").returncode == 0


def test_a_requirement_that_does_not_exist_keeps_the_project(cookies, capfd, tmp_path):
    template = tmp_path / "template"
    copy_template(template)
    requirements = template / "{{cookiecutter.project_slug}}" / "requirements.txt"
    with open(requirements, "a") as file:
        file.write("no-such-package-f7c1e9\n")
    project = Baked(cookies.bake(template=str(template)))
    out, err = capfd.readouterr()
    assert "no version of no-such-package-f7c1e9 was found" in err
    assert FINISH.search(out)
    # The user fixes the name, and the same command finishes the job.
    text = (project.path / "requirements.txt").read_text()
    (project.path / "requirements.txt").write_text(text.replace("no-such-package-f7c1e9", "six"))
    project.env_py("setup")
    project.run(project.python, "-c", "import six")


def test_a_missing_python_keeps_the_project_and_says_so(cookies, capfd):
    project = bake(cookies, python_version="3.99")
    out, err = capfd.readouterr()
    assert "no Python 3.99 found" in err
    assert FINISH.search(out)
    assert (project.path / ".python-version").read_text() == "3.99\n"
    assert not project.venv.exists()


def test_setup_names_what_it_removes_and_where_it_belongs(cookies):
    project = bake(cookies, init_git=False)
    project.run(project.python, "-m", "pip", "install", "--quiet", "six")
    done = project.env_py("setup")
    assert re.search(r"removing what the locks do not list: six==[\d.]+ \(to keep one: `python3 scripts/env.py add"
                     r" NAME`\)", done.stdout)
    assert project.run(project.python, "-c", "import six", check=False).returncode == 1


def test_installs_print_progress_lines_not_the_installers_log(cookies):
    project = bake(cookies, starter_requirements="data-science", create_venv=False, init_git=False)
    done = project.env_py("setup")
    assert "installing requirements-dev.lock into venv/ (uv) ..." in done.stdout
    assert not re.search(r"^( \+ |Collecting|Installed \d+ packages)", done.stdout + done.stderr, re.M)


def test_env_py_is_executable(baked):
    project = baked()
    assert os.access(project.path / "scripts/env.py", os.X_OK)
    assert "in sync" in project.run("./scripts/env.py", "check").stdout
