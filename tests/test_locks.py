"""`lock` and `lock --check` on baked projects: what a lock is written from, that it always
installs, that it repairs itself, and what it refuses."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from helpers import LOCKS, OFFLINE, bake, clean_env, moved_back, pins, served

# The package index of PyPI alone, as the shipped locks were written: the machine's own pip
# settings (local mirrors) would give other files, and so other hashes.
PYPI = {"PIP_CONFIG_FILE": "/dev/null"}


def test_an_added_requirement_is_locked_installed_and_checked(cookies):
    project = bake(cookies, init_git=False)
    project.add_requirement("six                 # Python 2 and 3 compatibility")
    project.env_py("lock")
    for lock in LOCKS:
        assert "\nsix==" in project.read(lock)
    before = project.locks()
    project.env_py("setup")
    project.run(project.python, "-c", "import six")
    assert project.env_py("check").returncode == 0
    project.env_py("lock")  # locking again with nothing changed rewrites nothing
    assert project.locks() == before


def test_setup_locks_first_when_the_requirements_changed(cookies):
    project = bake(cookies, init_git=False)
    project.add_requirement("six")
    done = project.env_py("setup")
    assert ("requirements.lock and requirements-dev.lock missing or older than requirements*.txt:"
            " locking first") in done.stdout
    project.run(project.python, "-c", "import six")


def test_lock_keeps_pins_and_upgrade_moves_them(cookies):
    project = bake(cookies, init_git=False)
    lock = project.path / "requirements-dev.lock"
    pinned = re.search(r"(?m)^iniconfig==(\S+) ", lock.read_text()).group(1)
    lock.write_text(lock.read_text().replace(f"iniconfig=={pinned}", "iniconfig==2.0.0"))
    project.env_py("lock", env=PYPI)  # the hand-set older pin is still allowed: kept, hashes taken anew
    assert "\niniconfig==2.0.0 \\\n    --hash=sha256:" in lock.read_text()
    project.env_py("lock", "--upgrade", env=PYPI)
    assert "\niniconfig==2.0.0 " not in lock.read_text()


def tamper_hash(text: str) -> str:
    head, _, rest = text.partition("\npluggy==")
    entry, via, tail = rest.partition("# via")
    return head + "\npluggy==" + re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, entry) + via + tail


# (id, what happened to the lock)
DAMAGED_LOCKS = [
    ("hash-edited", tamper_hash),
    ("pin-line-deleted", lambda text: re.sub(r"(?m)^pluggy==.*\n", "", text)),
    ("truncated", lambda text: text[: len(text) // 2]),
    ("emptied", lambda text: ""),
    ("garbage", lambda text: "\x00\x01 not a lock at all\n"),
]


@pytest.mark.parametrize("damage", [pytest.param(d, id=i) for i, d in DAMAGED_LOCKS])
def test_lock_repairs_a_damaged_lock(cookies, damage):
    project = bake(cookies, create_venv=False, init_git=False)
    project.env_py("lock", env=PYPI)
    good = project.locks()
    path = project.path / "requirements-dev.lock"
    path.write_text(damage(path.read_text()))
    project.env_py("lock", env=PYPI)  # one command, no hashes or lines taken from the damaged file
    repaired = project.locks()
    assert repaired["requirements.lock"] == good["requirements.lock"]
    old, new = (pins(lock["requirements-dev.lock"].decode()) for lock in (good, repaired))
    assert set(new) == set(old) and not moved_back(old, new)
    for name, version in old.items():  # a pin kept keeps the index's hashes, not the damaged ones
        if new[name] == version:
            assert entry(good, name) == entry(repaired, name)
    project.env_py("lock", "--check", env=PYPI)


def entry(locks: dict[str, bytes], name: str) -> str:
    """One package's pin line and hashes in the dev lock."""
    text = locks["requirements-dev.lock"].decode()
    return re.search(rf"(?ms)^{re.escape(name)}==.*?(?=^\S)", text + "\nend").group(0)


def test_a_version_that_does_not_exist_shows_uvs_own_message_and_names_it(cookies):
    """networkx holds "network" and mysql-connector-python "connect": neither is taken for a
    network failure, and uv's own explanation is shown."""
    project = bake(cookies, create_venv=False, init_git=False)
    project.add_requirement("networkx==0.0.0.1")
    done = project.env_py("lock", check=False)
    assert done.returncode == 1
    assert "Because there is no version of networkx==0.0.0.1" in done.stderr  # uv's own words
    assert ("env.py: lock stopped: writing requirements.lock failed (exit status 1): no version of"
            " networkx==0.0.0.1 was found") in done.stderr
    assert "cannot be reached" not in done.stderr


def test_a_lock_edited_by_hand_is_named_without_network_and_setup_rewrites_it(cookies):
    project = bake(cookies, init_git=False)
    lock = project.path / "requirements-dev.lock"
    good = lock.read_bytes()
    lock.write_text(tamper_hash(lock.read_text()))
    for command in (["lock", "--check"], ["check"]):
        done = project.env_py(*command, check=False, env=OFFLINE)
        assert done.returncode == 1, command
        assert "requirements-dev.lock was edited by hand since `lock` wrote it" in done.stdout, command
    repaired = project.env_py("setup", env=PYPI)
    assert "requirements-dev.lock was edited by hand (its pins are kept where they fit" \
        " requirements*.txt): locking first" in repaired.stdout
    assert lock.read_bytes() == good
    assert project.env_py("check").returncode == 0


def test_a_hash_the_index_does_not_match_stops_setup_and_the_suggested_fix_works(cookies):
    """A lock whose header vouches for a wrong hash (written against another index, say)."""
    from helpers import scripts_module

    locks = scripts_module("locks")
    project = bake(cookies, init_git=False)
    lock = project.path / "requirements-dev.lock"
    text = tamper_hash(lock.read_text())
    header = locks.HEADER.search(text)
    body = text[header.end() + 1 :]
    lock.write_text(text[: header.start(3)] + locks.content_digest(body) + text[header.end(3) :])
    project.run(project.python, "-m", "pip", "uninstall", "--yes", "pluggy")
    done = project.env_py("setup", check=False, env={"UV_NO_CACHE": "1"})
    assert done.returncode == 1
    assert ("a downloaded file does not match its hash in the lock (was the lock edited by hand?): rewrite it"
            " with `python3 scripts/env.py lock`") in done.stderr
    assert project.env_py("check", check=False).returncode == 1
    project.env_py("lock")  # what the message says, then setup
    project.env_py("setup")
    assert project.env_py("check").returncode == 0


STALE = [
    pytest.param("requirements.txt", "six\n", LOCKS, id="runtime-requirement-added"),
    pytest.param("requirements-dev.txt", "six\n", ["requirements-dev.lock"], id="dev-requirement-added"),
    pytest.param(".python-version", None, LOCKS, id="python-version-changed"),
]


@pytest.mark.parametrize("edited, line, stale", STALE)
def test_lock_check_names_each_stale_lock_and_the_fix_without_network(cookies, edited, line, stale):
    project = bake(cookies, init_git=False)
    fresh = project.env_py("lock", "--check", env=OFFLINE)
    assert "requirements.lock and requirements-dev.lock match" in fresh.stdout
    path = project.path / edited
    path.write_text(path.read_text() + line if line else "3.99\n")
    drift = project.env_py("lock", "--check", check=False, env=OFFLINE)
    assert drift.returncode == 1
    for lock in LOCKS:
        assert (f"{lock} is stale" in drift.stdout) == (lock in stale), drift.stdout
    assert "fix: run `python3 scripts/env.py lock` (then `setup`), and commit the locks" in drift.stdout
    if line:  # the fix it names works
        project.env_py("lock")
        assert project.env_py("lock", "--check", env=OFFLINE).returncode == 0


def test_an_included_file_is_an_input_of_the_lock(cookies):
    project = bake(cookies, init_git=False)
    project.add_requirement("-r requirements-extra.txt")
    (project.path / "requirements-extra.txt").write_text("six\n")
    project.env_py("setup")
    assert project.env_py("check").returncode == 0
    (project.path / "requirements-extra.txt").write_text("six==1.16.0\n")  # an edit of the included file only
    for command in (["lock", "--check"], ["check"]):
        done = project.env_py(*command, check=False, env=OFFLINE)
        assert done.returncode == 1 and "requirements.lock is stale" in done.stdout, command
    project.env_py("setup")
    assert project.run(project.python, "-c", "import six; print(six.__version__)").stdout == "1.16.0\n"


def test_comments_and_blank_lines_do_not_make_a_lock_stale(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    path = project.path / "requirements.txt"
    path.write_text("# A new comment, as a template update may bring.\n\n" + path.read_text() + "   \n")
    assert project.env_py("lock", "--check", env=OFFLINE).returncode == 0


def test_lock_check_names_a_missing_lock(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    (project.path / "requirements.lock").unlink()
    done = project.env_py("lock", "--check", check=False, env=OFFLINE)
    assert done.returncode == 1
    assert "requirements.lock is missing" in done.stdout


# ---- inputs that cannot be locked: one line each -------------------------------------------


NOT_UTF8 = (b"numpy\ncaf\xe9\n", "requirements.txt, line 2, is not UTF-8 text: save the file as UTF-8")
DIRECT = (b"six @ https://example.org/six-1.17.0-py3-none-any.whl\n",
          "requirements.txt, line 1: `six @ https://example.org/six-1.17.0-py3-none-any.whl` installs from a URL")
NO_INCLUDE = (b"-r other.txt\n", "requirements.txt, line 1, includes other.txt, which is missing")
# (id, what requirements.txt holds, the one line, the commands that say it). check installs
# nothing, so a direct reference is only a stale lock to it (tested above).
UNLOCKABLE = [(f"{name}-{command}", *case, command) for name, case, commands in [
    ("not-utf-8", NOT_UTF8, ["lock", "setup", "check"]),
    ("direct-reference", DIRECT, ["lock", "setup"]),
    ("missing-include", NO_INCLUDE, ["lock", "setup", "check"]),
] for command in commands]


@pytest.mark.parametrize("content, words, command", [pytest.param(*row[1:], id=row[0]) for row in UNLOCKABLE])
def test_a_requirements_file_that_cannot_be_locked_is_one_line(cookies, content, words, command):
    project = bake(cookies, create_venv=command == "check", init_git=False)
    (project.path / "requirements.txt").write_bytes(content)
    before = project.locks()
    done = project.env_py(command, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"env.py: {command} stopped: ")
    assert words in done.stderr
    assert project.locks() == before


def test_an_unreadable_lock_is_one_line(cookies):
    project = bake(cookies, create_venv=False, init_git=False)
    (project.path / "requirements.lock").unlink()
    (project.path / "requirements.lock").mkdir()  # unreadable even for root
    done = project.env_py("lock", "--check", check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "requirements.lock cannot be read" in done.stderr


def test_two_locks_at_once_take_turns(cookies):
    import subprocess
    import sys

    project = bake(cookies, create_venv=False, init_git=False)
    project.add_requirement("six")
    first = subprocess.Popen([sys.executable, "scripts/env.py", "lock"], cwd=project.path, env=clean_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    second = project.env_py("lock")
    assert first.wait(timeout=60) == 0, first.stdout.read()
    assert project.env_py("lock", "--check").returncode == 0
    assert second.returncode == 0


# ---- every platform the header names ----------------------------------------------------


def platform_wheel(folder: Path, name: str, tag: str) -> Path:
    """A pure-Python wheel of `name` 1.0 that claims to be built for one platform only."""
    wheel = folder / f"{name}-1.0-py3-none-{tag}.whl"
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n",
        f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{name}-1.0.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: false\n"
                                      f"Tag: py3-none-{tag}\n".encode(),
    }
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for path, data in files.items()]
    files[f"{name}-1.0.dist-info/RECORD"] = ("\n".join([*record, f"{name}-1.0.dist-info/RECORD,,"]) + "\n").encode()
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return wheel


@pytest.fixture
def linux_only_index(tmp_path):
    """A team index on loopback whose mirror of `linuxonly` holds its Linux wheel alone."""
    root = tmp_path / "index"
    (root / "simple/linuxonly").mkdir(parents=True)
    wheel = platform_wheel(root, "linuxonly", "manylinux_2_17_x86_64")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    link = f'<a href="../../{wheel.name}#sha256={digest}">{wheel.name}</a>\n'
    (root / "simple/linuxonly/index.html").write_text(link)
    with served(root) as url:
        yield f"{url}/simple"


def test_a_pin_without_a_file_for_every_platform_is_refused_naming_pin_and_platform(cookies, linux_only_index):
    project = bake(cookies, init_git=False)
    before = project.locks()
    project.add_requirement("linuxonly")
    env = {"PIP_EXTRA_INDEX_URL": linux_only_index}
    done = project.env_py("lock", check=False, env=env)
    assert done.returncode == 1
    assert ("requirements-dev.lock would not install everywhere: linuxonly==1.0 has no file for macOS arm64;"
            " linuxonly==1.0 has no file for Windows x86_64") in done.stderr
    assert f"Those files are not on the package indexes (https://pypi.org/simple, {linux_only_index})" in done.stderr
    assert project.locks() == before
    # What the message offers: limit the requirement to where it installs.
    text = project.read("requirements.txt").replace("linuxonly\n", "linuxonly ; sys_platform == 'linux'\n")
    (project.path / "requirements.txt").write_text(text)
    project.env_py("setup", env=env)
    assert "# Python 3.11, for Linux x86_64, macOS arm64, Windows x86_64;" in project.read("requirements.lock") \
        or "for Linux x86_64, macOS arm64, Windows x86_64" in project.read("requirements.lock")
    project.run(project.python, "-c", "import linuxonly")


def test_check_fails_on_a_stale_lock_naming_it(cookies):
    project = bake(cookies, init_git=False)
    with open(project.path / "requirements.txt", "a") as requirements:
        requirements.write("six\n")
    done = project.env_py("check", check=False)
    assert done.returncode == 1
    assert ("requirements.lock is stale: requirements.txt (or a file it includes) or the Python version"
            in done.stdout)
    assert "run `python3 scripts/env.py setup` to repair" in done.stdout


def test_an_upgrade_under_a_cooldown_never_moves_a_pin_back(cookies):
    """The weekly refresh waits Dependabot's cooldown (UV_EXCLUDE_NEWER): a pin newer than the
    cooldown allows (six 1.17.0 is from December 2024) stays, and so does every pin when no
    set of versions is old enough."""
    project = bake(cookies, create_venv=False, init_git=False)
    project.add_requirement("six")
    project.env_py("lock")
    before = project.locks()
    project.env_py("lock", "--upgrade", env={"UV_EXCLUDE_NEWER": "2024-06-01T00:00:00Z"})
    assert project.locks() == before
    assert project.env_py("lock", "--check").returncode == 0
