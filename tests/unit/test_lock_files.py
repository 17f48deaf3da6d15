"""scripts/locks.py, imported straight from the template: reading locks and requirements,
the header both ways, and when a lock is stale."""

from __future__ import annotations

import hashlib

import pytest
from helpers import scripts_module

locks = scripts_module("locks")

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
    assert [tuple(entry) for entry in locks.read(lock)] == [
        ("numpy", "2.2.6", "python_full_version < '3.11'", {"aaaa", "bbbb"}),
        ("numpy", "2.4.6", "python_full_version >= '3.11'", {"cccc"}),
        ("typing-extensions", "4.15.0", "", {"dddd"}),
        ("colorama", "0.4.6", "sys_platform == 'win32'", {"eeee"}),
    ]
    assert str(locks.read(lock)[0]) == "numpy==2.2.6 ; python_full_version < '3.11'"


@pytest.mark.parametrize("line", ["six @ https://example.org/six.whl", "six>=1.0", "pandas"])
def test_a_lock_line_that_is_no_pin_is_one_clear_error(tmp_path, line):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"{line}\n")
    with pytest.raises(locks.LockError, match="requirements.lock: not a `name==version` pin"):
        locks.read(lock)


def test_only_the_pins_of_a_damaged_lock_are_kept_for_uv_never_its_hashes():
    lock = ("# header\nnumpy==2.4.6 ; python_full_version >= '3.11' \\\n    --hash=sha256:aaaa \\\n"
            "    --hash=sha256:bbbb\n    # via -r requirements.txt\n    --hash=sha256:orphan\nsix==1.17.0 \\\n")
    kept = [str(entry) for entry in locks.entries(lock, strict=False)]
    assert kept == ["numpy==2.4.6 ; python_full_version >= '3.11'", "six==1.17.0"]
    assert locks.entries("\x00 garbage\nsix>=1\n", strict=False) == []


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
    with pytest.raises(locks.LockError, match=message):
        locks.read_text(path)


def test_the_inputs_digest_follows_includes_and_ignores_comments(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy  # arrays\n-r more.txt\n")
    (tmp_path / "more.txt").write_text("six\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    dev = tmp_path / "requirements-dev.txt"
    lines = [(path.name, text) for path, _, text in locks.requirement_lines(dev)]
    assert lines == [("more.txt", "six"), ("requirements.txt", "numpy"), ("requirements.txt", "-r more.txt"),
                     ("requirements-dev.txt", "-r requirements.txt"), ("requirements-dev.txt", "pytest")]
    before = locks.inputs_digest(dev, "3.12")
    (tmp_path / "requirements.txt").write_text("# a comment\nnumpy\n\n-r more.txt   \n")
    assert locks.inputs_digest(dev, "3.12") == before
    (tmp_path / "more.txt").write_text("six==1.16.0\n")  # an edit in an included file
    assert locks.inputs_digest(dev, "3.12") != before
    assert locks.inputs_digest(dev, "3.13") != locks.inputs_digest(dev, "3.12")
    (tmp_path / "more.txt").unlink()
    with pytest.raises(locks.LockError, match="requirements.txt, line 4, includes more.txt, which is missing"):
        locks.inputs_digest(dev, "3.12")


def test_the_digest_of_the_two_usual_files_is_what_earlier_versions_wrote(tmp_path):
    """Locks written before includes counted stay current: the same lines in the same order."""
    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    old = hashlib.sha256(b"python 3.12\nnumpy\n-r requirements.txt\npytest\n").hexdigest()[:16]
    assert locks.inputs_digest(tmp_path / "requirements-dev.txt", "3.12") == old


def project_with_locks(folder, python="3.12"):
    (folder / "requirements.txt").write_text("six\n")
    (folder / "requirements-dev.txt").write_text("-r requirements.txt\npytest\n")
    for lock, source in locks.LOCKS.items():
        body = "six==1.17.0 \\\n    --hash=sha256:aaaa\n"
        head = locks.header(source, python, locks.inputs_digest(folder / source, python), body)
        (folder / lock).write_text(head + body)


def test_the_header_written_is_the_header_read_and_names_what_made_the_lock(tmp_path):
    project_with_locks(tmp_path)
    text = (tmp_path / "requirements.lock").read_text()
    assert text.startswith("# Written by `python3 scripts/env.py lock` from requirements.txt: do not edit.\n")
    assert "# Python 3.12, for Linux x86_64, macOS arm64, Windows x86_64; inputs " in text
    assert locks.staleness(tmp_path, "3.12") == []


def test_a_lock_is_stale_missing_or_edited_and_says_so_in_one_line(tmp_path):
    project_with_locks(tmp_path)
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\npytest\nruff\n")
    lock = tmp_path / "requirements.lock"
    lock.write_text(lock.read_text().replace("aaaa", "bbbb"))
    found = {item.lock: str(item) for item in locks.staleness(tmp_path, "3.12")}
    assert found == {
        "requirements.lock": "requirements.lock was edited by hand since `lock` wrote it"
                             " (`git checkout requirements.lock` brings back the one last committed)",
        "requirements-dev.lock": "requirements-dev.lock is stale: requirements-dev.txt (or a file it includes)"
                                 " or the Python version (3.12) changed since it was written",
    }
    lock.unlink()
    assert str(locks.staleness(tmp_path, "3.12")[0]) == "requirements.lock is missing"


@pytest.mark.parametrize("change, reason", [
    ("nothing", None),
    ("python", "the locks were written for Python 3.12, the project now uses 3.13"),
    ("edit", "requirements.lock was edited by hand (its pins are kept where they fit requirements*.txt)"),
    ("requirement", "requirements.lock and requirements-dev.lock missing or older than requirements*.txt"),
    ("no-locks", "no locks yet"),
])
def test_setup_says_why_it_locks_first(tmp_path, change, reason):
    project_with_locks(tmp_path)
    python = "3.13" if change == "python" else "3.12"
    if change == "edit":
        (tmp_path / "requirements.lock").write_text((tmp_path / "requirements.lock").read_text() + "\n")
    elif change == "requirement":
        (tmp_path / "requirements.txt").write_text("six\nnumpy\n")
    elif change == "no-locks":
        for lock in locks.LOCKS:
            (tmp_path / lock).unlink()
    stale = locks.staleness(tmp_path, python)
    assert (locks.why_lock_first(stale) if stale else None) == reason


def test_a_pin_without_a_file_for_a_platform_is_named():
    lock = locks.entries("numpy==2.4.6 --hash=sha256:" + "a" * 64 + "\nsix==1.17.0 --hash=sha256:" + "b" * 64)
    pylock = ('[[packages]]\nname = "numpy"\nversion = "2.4.6"\nwheels = [{ hashes = { sha256 = "' + "c" * 64
              + '" } }]\n[[packages]]\nname = "six"\nversion = "1.17.0"\nwheels = [{ hashes = { sha256 = "'
              + "b" * 64 + '" } }]\n')
    assert locks.without_files(lock, pylock) == ["numpy==2.4.6"]


@pytest.mark.parametrize("line, words", [
    ("six @ https://example.org/six-1.17.0-py3-none-any.whl", "installs from a URL or a folder"),
    ("git+https://github.com/org/tool.git", "installs from a URL or a folder"),
    ("./libs/tool", "installs from a URL or a folder"),
    ("-e .", "is not needed: setup puts the project folder on the venv's import path"),
    (".", "is not needed"),
], ids=["name-at-url", "vcs-url", "folder", "editable-project", "the-project"])
def test_direct_references_are_refused_with_what_to_do_instead(line, words):
    assert words in locks.direct_reference(line)
    for fine in ("numpy", "six>=1.16 ; python_version >= '3.10'", "-i https://x/simple", "-r more.txt"):
        assert locks.direct_reference(fine) is None
