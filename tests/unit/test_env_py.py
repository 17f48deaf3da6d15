"""scripts/env.py's decisions, in seconds, without a bake: what setup does to each kind of venv,
what check advises, what lock refuses. The commands env.py would run go to a fake runner that
answers as uv and a venv's Python would; files and folders are real."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers import GENERATED, TEMPLATE, load_module, scripts_module

env_py = scripts_module("env")
locks = scripts_module("locks")
pythons = scripts_module("pythons")
project_module = scripts_module("project")
venv_module = scripts_module("venvs")
HERE = "{}.{}".format(*sys.version_info)


class FakeRunner:
    """Plays uv and the venvs' Pythons. Each venv it makes carries an id file; `venvs` holds what
    each one has installed, so renaming a folder keeps its contents, as on disk."""

    def __init__(self, root: Path):
        self.root, self.commands, self.venvs = root, [], {}
        self.interrupt_on = None  # a word of the command to stop at with Ctrl-C
        self.cache_damage = {}  # damage a plain sync brings back: files uv links from its cache
        self.cached = True  # uv's cache holds every file of the locks
        self.answers = {}  # a word of a command: the output and exit status it gets instead

    def make_venv(self, folder: Path, dists: dict[str, str], **state) -> None:
        (folder / "bin").mkdir(parents=True)
        for name in ("python", "activate", "activate.fish"):
            (folder / "bin" / name).write_text("")
        venv_module.Venv(folder).site(HERE).mkdir(parents=True)
        (folder / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\nrelocatable = true\n")
        key = uuid.uuid4().hex
        (folder / "fake-id").write_text(key)
        self.venvs[key] = {"dists": dists, "broken": {}, "starts": True, **state}

    def state(self, folder: Path) -> dict:
        return self.venvs[(folder / "fake-id").read_text()]

    def __call__(self, cmd, env=None):
        cmd = [str(part) for part in cmd]
        self.commands.append(cmd)
        if self.interrupt_on and self.interrupt_on in " ".join(cmd):
            raise KeyboardInterrupt
        for word, answer in self.answers.items():
            if word in " ".join(cmd):
                return done(*answer)
        if cmd[1:] == ["--version"]:
            return done("uv 0.13.9")
        if cmd[1:3] == ["venv", "--prompt"]:
            seed = "--seed" in cmd  # uv's newest pip
            self.make_venv(Path(cmd[cmd.index("--python") + 2]), {"pip": "25.0"} if seed else {}, seed=seed)
            return done()
        folder = Path(cmd[cmd.index("--python") + 1] if "--python" in cmd else cmd[0]).parent.parent
        if cmd[1:3] == ["pip", "sync"]:
            lock = next(part for part in cmd if part.endswith(".lock"))
            pins = {entry.name: entry.version for entry in locks.read(self.root / lock)}
            if "--offline" in cmd and not self.cached:
                return done("error: Because six was not found in the cache ... the network was disabled", 1)
            for name in [name for name in self.cache_damage if f"--refresh-package={name}" in cmd]:
                del self.cache_damage[name]
            seeded = {"pip": "25.0"} if self.state(folder).get("seed", True) else {}
            self.state(folder).update(dists={**seeded, **pins}, broken=dict(self.cache_damage))
            return done()
        if cmd[1:3] == ["pip", "check"]:
            return done()
        if cmd[1:3] == ["pip", "compile"]:
            return self.compile(cmd)
        if cmd[2].endswith("inspector.py"):
            state = self.state(folder)
            if not state["starts"]:
                return done("Fatal Python error", 1)
            link = venv_module.Venv(folder).site(HERE) / "project-root.pth"
            pins = {entry.name: entry.version for entry in locks.read(Path(cmd[3]))} if cmd[3:] else None
            snapshot = {"env": {"python_version": HERE, "python_full_version": platform.python_version()},
                        "dists": state["dists"], "broken": state["broken"], "relocatable": True, "pins": pins,
                        "isolated": False, "clashes": [],
                        "link": venv_module.linked_folder(link.read_text()) if link.exists() else None}
            return done(json.dumps(snapshot))
        raise AssertionError(f"unexpected command {cmd}")

    def compile(self, cmd):
        """uv pip compile: a lock of every requirement at 1.0 with one hash (kept pins stay), or,
        for a platform, the pylock.toml of the lock's files."""
        out = self.root / cmd[cmd.index("-o") + 1]
        if "pylock.toml" in cmd:
            entries = locks.read(self.root / cmd[4])
            out.write_text("".join(f'[[packages]]\nname = "{e.name}"\nversion = "{e.version}"\n'
                                   f'wheels = [{{ hashes = {{ sha256 = "{min(e.hashes)}" }} }}]\n' for e in entries))
            return done()
        kept = {e.name: e.version for e in locks.entries(out.read_text(), strict=False)} if out.exists() else {}
        names = [line for _, _, line in locks.requirement_lines(self.root / cmd[3]) if not line.startswith("-")]
        out.write_text("".join(f"{name}=={kept.get(name, '1.0')} --hash=sha256:{'a' * 64}\n" for name in names))
        return done()

    def ran(self, word: str) -> list[list[str]]:
        return [cmd for cmd in self.commands if word in " ".join(cmd)]


def made_at(project) -> str:
    """Where the first `uv venv` made its venv."""
    cmd = project.run.ran("uv venv")[0]
    return cmd[cmd.index("--python") + 2]


def done(output: str = "", code: int = 0):
    return subprocess.CompletedProcess([], code, output)


@pytest.fixture
def project(tmp_path):
    """A project folder with current locks and no venv, and a fake runner for its commands."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.env-py]\nvenv = "venv"\n')
    (root / ".python-version").write_text(f"{HERE}\n")
    (root / "requirements.txt").write_text("six\n")
    (root / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    for lock, body in (("requirements.lock", "six==1.17.0 --hash=sha256:aa\n"),
                       ("requirements-dev.lock", "six==1.17.0 --hash=sha256:aa\npytest==9.0.0 --hash=sha256:bb\n")):
        head = locks.header(locks.LOCKS[lock], HERE, locks.inputs_digest(root / locks.LOCKS[lock], HERE), body)
        (root / lock).write_text(head + body)
    runner = FakeRunner(root)
    return project_module.Project(root, runner)


WHOLE = {"pip": "25.0", "six": "1.17.0", "pytest": "9.0.0"}


def whole_venv(project, **state):
    project.run.make_venv(project.venv.path, dict(WHOLE), **state)
    (project.venv.site(HERE) / "project-root.pth").write_text(venv_module.link_line(project.root))


def setup(project, capsys, *args):
    code = env_py.main(["setup", "--backend", "uv", *args], project)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_first_setup_builds_the_venv_in_place_and_reads_it_no_more(project, capsys):
    code, said = setup(project, capsys)
    assert code == 0, said
    assert made_at(project) == str(project.venv.path)
    assert project.run.ran("inspector.py") == []  # installed hash by hash: verification costs nothing
    assert project.run.state(project.venv.path)["dists"] == WHOLE
    assert (project.venv.site(HERE) / "project-root.pth").read_text() == venv_module.link_line(project.root)
    assert "env.py: ready in" in said


def pin_pip(project):
    """requirements-dev.txt lists pip, and the dev lock pins it, as in every generated project."""
    (project.root / "requirements-dev.txt").write_text("-r requirements.txt\npip\npytest\n")
    body = "pip==26.3 --hash=sha256:cc\nsix==1.17.0 --hash=sha256:aa\npytest==9.0.0 --hash=sha256:bb\n"
    inputs = locks.inputs_digest(project.root / "requirements-dev.txt", HERE)
    (project.root / "requirements-dev.lock").write_text(locks.header("requirements-dev.txt", HERE, inputs, body) + body)


def test_a_new_venv_gets_the_pip_the_lock_pins_and_no_other(project, capsys):
    pin_pip(project)
    code, said = setup(project, capsys)
    assert code == 0, said
    assert "--seed" not in project.run.ran("uv venv")[0]  # uv's seed would ask the index for the newest
    assert project.run.state(project.venv.path)["dists"]["pip"] == "26.3"


def test_without_a_pip_pin_uv_adds_its_own(project, capsys):
    code, said = setup(project, capsys)
    assert code == 0 and "--seed" in project.run.ran("uv venv")[0], said
    assert project.run.state(project.venv.path)["dists"]["pip"] == "25.0"


def test_the_lock_is_installed_from_uvs_cache_alone_when_it_holds_every_file(project, capsys):
    code, said = setup(project, capsys)
    assert code == 0, said
    assert [("--offline" in cmd) for cmd in project.run.ran("pip sync")] == [True]


def test_what_uvs_cache_lacks_comes_from_the_index_and_nothing_is_said_of_it(project, capsys):
    project.run.cached = False
    code, said = setup(project, capsys)
    assert code == 0, said
    assert [("--offline" in cmd) for cmd in project.run.ran("pip sync")] == [True, False]
    assert "uv's cache" not in said and project.run.state(project.venv.path)["dists"] == WHOLE


def test_with_uv_offline_set_the_cache_is_not_tried_twice(project, capsys, monkeypatch):
    monkeypatch.setenv("UV_OFFLINE", "1")
    code, said = setup(project, capsys)
    assert code == 0, said
    assert [("--offline" in cmd) for cmd in project.run.ran("pip sync")] == [False]  # uv reads UV_OFFLINE


def test_a_whole_venv_is_left_alone(project, capsys):
    whole_venv(project)
    code, said = setup(project, capsys)
    assert code == 0 and not project.run.ran("pip sync") and not project.run.ran("uv venv"), said
    assert len(project.run.ran("inspector.py")) == 1  # one look, file by file, and nothing to do


def test_a_venv_whose_python_does_not_start_is_built_anew_beside_and_swapped_in(project, capsys):
    whole_venv(project, starts=False)
    (project.venv.path / "mine").write_text("")
    code, said = setup(project, capsys)
    assert code == 0, said
    assert "venv/ is built anew beside the old one, because: python: venv/bin/python does not start" in said
    assert made_at(project) == str(project.venv.sibling("new").path)
    assert sorted(p.name for p in project.root.iterdir() if p.name.startswith("venv")) == ["venv"]
    assert not (project.venv.path / "mine").exists() and project.run.state(project.venv.path)["starts"]


def test_an_extra_package_is_named_then_removed_in_place(project, capsys):
    whole_venv(project)
    project.run.state(project.venv.path)["dists"]["left-pad"] = "1.0"
    code, said = setup(project, capsys)
    assert code == 0, said
    assert "removing what the locks do not list: left-pad" in said
    assert not project.run.ran("uv venv") and str(project.venv.python) in project.run.ran("pip sync")[0]


def test_after_a_rebuild_only_the_files_of_the_damaged_packages_are_read_again(project, capsys):
    whole_venv(project)
    project.run.state(project.venv.path)["broken"] = {"six": "1 of its files is missing or changed (six.py)"}
    code, said = setup(project, capsys)
    assert code == 0 and "built anew beside the old one" in said, said
    first, then = project.run.ran("inspector.py")
    assert not any(word.startswith("--files-of") for word in first) and then[-1] == "--files-of=six"


def test_damage_in_uvs_cache_is_fetched_afresh_for_that_package_only(project, capsys):
    whole_venv(project)
    damage = {"six": "1 of its files is missing or changed (six.py)"}
    project.run.state(project.venv.path)["broken"] = dict(damage)
    project.run.cache_damage = dict(damage)  # the new venv links the same damaged file
    code, said = setup(project, capsys)
    assert code == 0, said
    again = project.run.ran("pip sync")[-1]
    assert "--refresh-package=six" in again and "--reinstall-package=six" in again
    assert "--offline" not in again  # the cache's copy is the damaged one
    assert not project.run.ran("cache clean")  # the user's uv cache is never emptied


def test_setup_locks_first_when_a_requirement_was_added_then_installs_it(project, capsys):
    whole_venv(project)
    (project.root / "requirements.txt").write_text("six\nleft-pad\n")
    code, said = setup(project, capsys)
    assert code == 0, said
    assert "requirements.lock and requirements-dev.lock missing or older than requirements*.txt: locking first" in said
    assert len(project.run.ran("pip compile")) == 2 + len(locks.PLATFORMS)
    assert locks.staleness(project.root, HERE) == []
    assert project.run.state(project.venv.path)["dists"] == {**WHOLE, "left-pad": "1.0"}
    assert not project.run.ran("uv venv")  # a new package is a sync, not a new venv


def test_ctrl_c_during_a_rebuild_leaves_the_old_venv_as_it_was(project, capsys):
    whole_venv(project, starts=False)
    (project.venv.path / "mine").write_text("")
    project.run.interrupt_on = "pip sync"
    code, said = setup(project, capsys)
    assert code == 130
    assert "env.py: setup interrupted: venv/ is as it was (run setup again to build it)" in said
    assert (project.venv.path / "mine").exists()
    assert sorted(p.name for p in project.root.iterdir() if p.name.startswith("venv")) == ["venv"]


@pytest.mark.parametrize("damage, code, words", [
    ("none", 0, ["in sync: venv/ is whole and matches requirements-dev.lock (2 pins)"]),
    ("extra", 1, ["extra: left-pad==1.0 (not in requirements-dev.lock)",
                  "it removes left-pad==1.0: to keep one, `python3 scripts/env.py add` it (--dev: a tool)"]),
    ("broken", 1, ["six: 1 of its files is missing or changed (six.py)",
                   "(it builds a new venv/ beside this one, swapped in when complete)"]),
    ("stale", 1, ["requirements-dev.lock is stale", "(it writes the locks first, then makes the venv equal to them)"]),
    ("no-venv", 2, ["no venv at venv/: run `python3 scripts/env.py setup`"]),
])
def test_check_says_what_setup_will_do(project, capsys, damage, code, words):
    if damage != "no-venv":
        whole_venv(project)
    state = project.run.state(project.venv.path) if damage != "no-venv" else {}
    if damage == "extra":
        state["dists"]["left-pad"] = "1.0"
    elif damage == "broken":
        state["broken"] = {"six": "1 of its files is missing or changed (six.py)"}
    elif damage == "stale":
        state["dists"]["left-pad"] = "1.0"
        (project.root / "requirements-dev.txt").write_text("-r requirements.txt\npytest\nleft-pad\n")
    assert env_py.main(["check"], project) == code
    out = capsys.readouterr()
    for word in words:
        assert word in out.out + out.err
    if damage == "stale":  # the lock is to be rewritten: nothing is measured against the old one
        assert "extra:" not in out.out and "removes" not in out.out


@pytest.mark.parametrize("venv, args, words", [
    (False, ["pytest"], "env.py: venv/ does not exist: run `python3 scripts/env.py setup`"),
    (True, ["pytest"], "env.py: venv/ has no pytest: run `python3 scripts/env.py setup`"),  # a pin brings it
    (True, ["black"], "env.py: venv/ has no black, and no pin brings it: `python3 scripts/env.py add --dev PACKAGE`"
                      " adds the package that has it"),
    (True, [], "env.py: run names no tool (like `run ruff check`)"),
], ids=["no-venv", "pinned-tool-missing", "tool-of-no-pin", "no-tool"])
def test_run_says_what_is_missing_in_one_line(project, capsys, venv, args, words):
    if venv:
        whole_venv(project)
    assert env_py.main(["run", *args], project) == 2
    assert capsys.readouterr().err == words + "\n"


def test_setup_names_what_other_tools_left_and_deletes_none_of_it(project, capsys):
    whole_venv(project)
    (project.root / "uv.lock").write_text("version = 1\n")
    (project.root / ".venv").mkdir()
    code, said = setup(project, capsys)
    assert code == 0 and "env.py: but uv.lock: made by `uv add` or `uv sync`" in said
    assert "env.py: but .venv/: made by `uv sync` or `uv venv`" in said
    assert (project.root / "uv.lock").exists() and (project.root / ".venv").is_dir()


def test_lock_refuses_a_direct_reference_before_running_anything(project, capsys):
    (project.root / "requirements.txt").write_text("six\ngit+https://example.org/tool.git\n")
    assert env_py.main(["lock"], project) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["env.py: lock stopped: requirements.txt, line 2: `git+https://example.org/tool.git` installs from"
                   " a URL or a folder, which the locks cannot pin: publish it to a package index (a team index"
                   " works, see README.md) and require it by name"]
    assert project.run.commands == []


def test_lock_check_reads_files_only(project, capsys):
    assert env_py.main(["lock", "--check"], project) == 0
    (project.root / "requirements.txt").write_text("six\nnumpy\n")
    assert env_py.main(["lock", "--check"], project) == 1
    assert "requirements.lock is stale" in capsys.readouterr().out
    assert project.run.commands == []


@pytest.mark.parametrize("version, words", [
    ("3.12", None), ("3.9", "Python 3.9 is past its end of life: use 3.10 or newer"),
    ("3", "is not a MAJOR.MINOR version"), ("3.12.1", "is not a MAJOR.MINOR version"),
])
def test_python_versions_are_checked_in_one_place(version, words):
    if words is None:
        assert pythons.valid(version, ".python-version") == version
    else:
        with pytest.raises(project_module.EnvError, match=words):
            pythons.valid(version, ".python-version")


def test_a_too_old_python_version_file_points_to_a_switch_that_works():
    """The command it suggests names this very Python, which setup is sure to find."""
    with pytest.raises(project_module.EnvError) as raised:
        pythons.valid("3.9", ".python-version")
    assert f"`python3 scripts/env.py setup --python {HERE}` switches the project" in str(raised.value)


def test_the_oldest_python_has_one_value_everywhere():
    pre_gen = load_module("pre_gen", TEMPLATE / "hooks" / "pre_gen_project.py")
    refresh = load_module("refresh_locks", TEMPLATE / "maintenance" / "refresh_locks.py")
    oldest = "{}.{}".format(*pythons.OLDEST)
    assert pre_gen.OLDEST_PYTHON == pythons.OLDEST
    assert refresh.PYTHONS[0] == oldest
    assert f"{oldest} or newer" in json.loads((TEMPLATE / "cookiecutter.json").read_text())["__prompts__"][
        "python_version"]


def test_the_lock_names_and_their_sources_are_the_templates():
    """The names scripts/locks.py knows are the ones the template ships locks under."""
    for pair in (GENERATED / ".shipped-locks").glob("*/*"):
        assert {path.name for path in pair.iterdir()} == set(locks.LOCKS), pair
    for source in locks.LOCKS.values():
        assert (GENERATED / source).is_file(), source


@pytest.mark.parametrize("recorded, token, read", [
    ("gh:acme/template", "", "https://github.com/acme/template.git"),
    ("git+file:///srv/template", "", "file:///srv/template"),
    ("git@github.com:acme/template.git", "", "git@github.com:acme/template.git"),  # the user's SSH key
    ("git@github.com:acme/template.git", "t0ken", "https://github.com/acme/template.git"),  # a job: the token
    ("ssh://git@git.example.org/acme/template.git", "t0ken", "https://git.example.org/acme/template.git"),
], ids=["shortcut", "git+file", "ssh-without-token", "ssh-with-token", "ssh-url-with-token"])
def test_the_template_is_read_where_the_token_can_be_sent(monkeypatch, recorded, token, read):
    monkeypatch.setenv("TEMPLATE_TOKEN", token)
    assert scripts_module("update").template_url(recorded) == read


def test_every_module_of_scripts_stays_a_read_of_one_sitting():
    """Each module of scripts/ does one job in at most 300 lines, so a stranger can read it."""
    sizes = {path.name: len(path.read_text().splitlines()) for path in (GENERATED / "scripts").glob("*.py")}
    assert len(sizes) >= 10 and {name: size for name, size in sizes.items() if size > 300} == {}


def test_check_says_when_the_active_venv_is_another_projects(project, capsys, monkeypatch, tmp_path):
    whole_venv(project)
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "other" / "venv"))  # its pytest is the one run
    assert env_py.main(["check"], project) == 0
    said = capsys.readouterr().out
    assert "in sync" in said and f"but the active venv is {tmp_path / 'other' / 'venv'}, not this project's" in said
    monkeypatch.setenv("VIRTUAL_ENV", str(project.venv.path))
    assert env_py.main(["check"], project) == 0 and "active venv" not in capsys.readouterr().out


def test_a_rebuild_stopped_by_a_full_disk_says_how_much_room_it_needs(project, capsys):
    whole_venv(project, starts=False)
    (project.venv.path / "weight").write_bytes(b"0" * 3 * 2**20)
    project.run.answers["pip sync"] = ("error: failed to write to file `/p/venv.new/x`: No space left on device", 2)
    code, said = setup(project, capsys)
    assert code == 1 and "the disk is full (writing /p/venv.new/x)" in said
    assert "venv/ (3 MB) is kept until its new copy is complete: free that much, or delete venv/" in said
    assert (project.venv.path / "weight").exists()  # the old venv, whole, where it was


def git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)


def test_a_lock_cut_short_gets_back_the_pins_it_last_committed(project, capsys):
    whole_venv(project)
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "locks")
    lock = project.root / "requirements-dev.lock"
    lock.write_text("".join(line for line in lock.read_text().splitlines(True) if "pytest" not in line))
    code, said = setup(project, capsys)
    assert code == 0 and "requirements-dev.lock was edited by hand (its pins are kept where they fit" in said
    assert {e.name: e.version for e in locks.read(lock)} == {"six": "1.17.0", "pytest": "9.0.0"}  # not anew


def test_the_projects_own_install_is_removed_without_advice_to_keep_it(project, capsys):
    whole_venv(project)
    (project.root / "project.egg-info").mkdir()  # `pip install -e .` of a project named "project"
    project.run.state(project.venv.path)["dists"]["project"] = "0.0.0"
    code, said = setup(project, capsys)
    assert code == 0 and "removing the project's own install (`pip install -e .`)" in said
    assert "removing what the locks do not list" not in said


def test_the_lost_digest_of_a_base_comes_back_from_the_last_commit_when_the_registry_is_away(
        project, capsys, monkeypatch):
    digest = "@sha256:" + "d" * 64
    (project.root / "Dockerfile").write_text(f"FROM python:{HERE}-slim-trixie{digest}\n")
    git(project.root, "init", "-q")
    git(project.root, "add", "Dockerfile")
    git(project.root, "commit", "-qm", "base")
    (project.root / "Dockerfile").write_text(f"FROM python:{HERE}-slim-trixie\n")  # a switch and back, offline

    def unreachable(tag):
        raise project_module.EnvError("cannot ask the registry")

    monkeypatch.setattr(pythons, "image_digest", unreachable)
    pythons.follow(project, HERE)
    assert (project.root / "Dockerfile").read_text() == f"FROM python:{HERE}-slim-trixie{digest}\n"


def test_a_python_asked_for_by_version_and_not_found_says_it_can_be_named_by_path(project, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no Python to probe: found nowhere, at once
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    with pytest.raises(project_module.EnvError) as raised:
        pythons.find(project, "3.99", None, switching=True)
    assert "or name it by path: `python3 scripts/env.py setup --python /path/to/python3.99`" in str(raised.value)
    assert "decision for the whole team" not in str(raised.value)  # the switch is the user's own
