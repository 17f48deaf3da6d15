"""An environment problem during a bake keeps the project and says how to finish it."""

from __future__ import annotations

from helpers import FINISH, OFFLINE, Baked, bake, copy_template


def test_offline_bake_keeps_the_project_and_a_later_setup_completes_it(cookies, capfd, monkeypatch):
    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    project = bake(cookies)
    out, err = capfd.readouterr()
    assert "the package index (http://127.0.0.1:9/simple) cannot be reached" in err
    assert FINISH.search(out)
    assert (project.path / "README.md").is_file()
    assert project.python.exists()  # the venv is there, with pip, just not filled
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
    assert "no-such-package-f7c1e9" in err
    assert FINISH.search(out)
    assert project.python.exists()
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
