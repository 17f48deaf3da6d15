"""The data starters' reproducibility kit, run for real in baked venvs.

The same model in the production image is proven in test_image.py; `verify`'s rules are the
generated project's own tests (tests/test_reproducibility.py), run here too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from helpers import bake


def assert_one_error_line(done, words: str) -> None:
    """Failed, nothing on stdout, and one line on stderr: `error: ...` with these words."""
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and words in done.stderr, done.stderr


def ml(project, *args, check: bool = True):
    """`python -m my_project ARGS` in the project's venv. Python caches the bytecode of what it
    imports, as by default: where PYTHONDONTWRITEBYTECODE is set, each start would compile
    scikit-learn, pandas and SciPy afresh (seconds of CPU each time)."""
    return project.run(project.python, "-m", project.context["project_slug"], *map(str, args), check=check,
                       env={"PYTHONDONTWRITEBYTECODE": ""})


@pytest.mark.parametrize("starter", ["data-science", "machine-learning"])
def test_the_generated_projects_tests_pass_reproducibility_and_model_included(baked, starter):
    project = baked(starter_requirements=starter)
    done = project.run(project.python, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert ("27 passed" if starter == "machine-learning" else "7 passed") in done.stdout


def test_training_twice_with_one_seed_gives_the_same_bytes_and_predictions(baked, tmp_path):
    project = baked(starter_requirements="machine-learning")
    for name in ("first", "second"):
        ml(project, "train", tmp_path / name, "--seed", 5)
    for name in ("model.pkl", "test.csv"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name
    first, second = (ml(project, "predict", tmp_path / name) for name in ("first", "second"))
    assert first.stdout == second.stdout and first.stderr == ""
    rows = len((tmp_path / "first/test.csv").read_text().splitlines()) - 1
    assert first.stdout.split() and set(first.stdout.split()) <= {"0", "1", "2"}  # the three wine classes
    assert len(first.stdout.splitlines()) == rows
    record = json.loads((tmp_path / "first/environment.json").read_text())
    assert record["seed"] == 5 and record["command"] == f"python -m my_project train {tmp_path / 'first'} --seed 5"
    assert record["fingerprint"]["packages"]["scikit-learn"]
    # Another seed is another model.
    ml(project, "train", tmp_path / "other", "--seed", 6)
    assert (tmp_path / "other/model.pkl").read_bytes() != (tmp_path / "first/model.pkl").read_bytes()


def test_predict_refuses_a_drifted_venv_until_told_or_repaired(cookies, tmp_path):
    project = bake(cookies, starter_requirements="machine-learning", init_git=False)
    ml(project, "train", tmp_path / "model")
    expected = ml(project, "predict", tmp_path / "model").stdout
    recorded = json.loads((tmp_path / "model/environment.json").read_text())["fingerprint"]["packages"]["joblib"]
    other = "1.4.2" if recorded != "1.4.2" else "1.5.0"
    project.run(project.python, "-m", "pip", "install", "--quiet", f"joblib=={other}")

    refused = ml(project, "predict", tmp_path / "model", check=False)
    assert refused.returncode == 1 and refused.stdout == ""
    assert f"joblib: recorded {recorded}, here {other}" in refused.stderr
    assert "--allow-mismatch uses it anyway" in refused.stderr and "Traceback" not in refused.stderr
    assert "bring this one back to the locks (`python3 scripts/env.py setup`" in refused.stderr
    # Nor does it train there: the image, which installs the lock, could not load that model.
    training = ml(project, "train", tmp_path / "drifted", check=False)
    assert training.returncode == 1 and f"joblib: requirements.lock says {recorded}, here {other}" in training.stderr

    allowed = ml(project, "predict", tmp_path / "model", "--allow-mismatch")
    assert allowed.stdout == expected
    assert allowed.stderr.startswith("warning: this environment differs") and "--allow-mismatch" in allowed.stderr

    project.env_py("setup")  # back to the locks: accepted again
    assert ml(project, "predict", tmp_path / "model").stdout == expected

    # A package of the lock deleted from the venv: one line that says where to look, not an
    # import traceback; setup brings it back.
    project.run(project.python, "-m", "pip", "uninstall", "--quiet", "--yes", "joblib")
    for command in ("train", "predict"):
        assert_one_error_line(ml(project, command, tmp_path / "model", check=False),
                              "No module named 'joblib': `python3 scripts/env.py check` names what differs")
    assert "missing: joblib==" in project.env_py("check", check=False).stdout
    project.env_py("setup")
    assert ml(project, "predict", tmp_path / "model").stdout == expected


def test_a_model_made_with_other_locks_is_refused_with_the_advice_that_works(baked, tmp_path):
    """The venv matches today's locks and the model was trained before they changed (its record
    names another version): setup would change nothing, so the advice is to train again or to
    check out the model's commit."""
    project = baked(starter_requirements="machine-learning")
    ml(project, "train", tmp_path / "model")
    record_file = tmp_path / "model/environment.json"
    record = json.loads(record_file.read_text())
    record["fingerprint"]["packages"]["joblib"] = "0.1"
    record_file.write_text(json.dumps(record))
    refused = ml(project, "predict", tmp_path / "model", check=False)
    assert refused.returncode == 1 and "joblib: recorded 0.1, here" in refused.stderr
    assert ("this one matches the locks, so the model was made with others: train it again, or check out"
            " the commit it records, then run setup") in refused.stderr
    assert "bring this one back" not in refused.stderr and "Traceback" not in refused.stderr


BROKEN = [
    pytest.param(None, "cannot read", id="missing"),
    pytest.param('{"fingerprint": ', "is not an environment record written by `train`", id="not-json"),
    pytest.param('{"seed": 1}', "is not an environment record written by `train`", id="no-fingerprint"),
    pytest.param('["a list"]', "is not an environment record written by `train`", id="wrong-shape"),
]


BAD_CSV = [
    pytest.param(None, "cannot read", id="missing"),
    pytest.param("", "is not a CSV of features", id="empty"),
    pytest.param("alcohol,malic_acid\n", "lacks the column(s) ash,", id="missing-columns"),
]


@pytest.mark.parametrize("content, words", BAD_CSV)
def test_a_bad_csv_is_one_clear_line(baked, tmp_path, content, words):
    project = baked(starter_requirements="machine-learning")
    ml(project, "train", tmp_path / "model")
    if content is not None:
        (tmp_path / "features.csv").write_text(content)
    assert_one_error_line(ml(project, "predict", tmp_path / "model", tmp_path / "features.csv", check=False), words)


def test_a_corrupt_model_file_is_one_clear_line(baked, tmp_path):
    project = baked(starter_requirements="machine-learning")
    ml(project, "train", tmp_path / "model")
    (tmp_path / "model/model.pkl").write_text("garbage\n")
    assert_one_error_line(ml(project, "predict", tmp_path / "model", check=False),
                          "model.pkl is not the model environment.json describes: train it again there")


@pytest.fixture(scope="module")
def wine(baked, tmp_path_factory):
    """The machine-learning bake and a model trained in it once, for tests that copy it."""
    project = baked(starter_requirements="machine-learning")
    trained = tmp_path_factory.mktemp("wine")
    ml(project, "train", trained, "--seed", 1)
    return project, trained


def files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400"])
def test_a_value_that_is_not_a_finite_number_is_one_clear_line(wine, tmp_path, value):
    project, trained = wine
    header, first, *rest = (trained / "test.csv").read_text().splitlines()
    features = tmp_path / "features.csv"
    features.write_text("\n".join([header, first, value + first[first.index(","):], *rest]) + "\n")
    done = ml(project, "predict", trained, features, check=False)
    assert_one_error_line(done, f"features.csv: column 'alcohol' has '{value}' on line 3;"
                                " allowed: numbers from -3.403e+38 to 3.403e+38")


@pytest.mark.parametrize("seed", ["-1", "4294967296"])  # 4294967295 trains: the project's own tests
def test_a_seed_numpy_cannot_take_is_one_clear_line_and_the_model_stays(wine, tmp_path, seed):
    project, trained = wine
    folder = shutil.copytree(trained, tmp_path / "model")
    done = ml(project, "train", folder, "--seed", seed, check=False)
    assert_one_error_line(done, f"seed {seed} is out of range: use a whole number from 0 to 4294967295")
    assert files(folder) == files(trained)


OTHER_MODELS = {  # what people put in model.pkl: other objects, and other fitted models
    "dict": "{'weights': [0.5]}",
    "looks-like-a-model": "types.SimpleNamespace(predict=1, feature_names_in_=['alcohol'])",
    "another-fitted-model": "sklearn.linear_model.LinearRegression().fit([[1.0], [2.0]], [1, 2])",
}


@pytest.mark.parametrize("thing", OTHER_MODELS.values(), ids=OTHER_MODELS)
def test_a_model_file_train_did_not_write_is_one_clear_line_and_never_loaded(wine, tmp_path, thing):
    project, trained = wine
    folder = shutil.copytree(trained, tmp_path / "model")
    project.run(project.python, "-c", "import pickle, sys, types, sklearn.linear_model;"
                f" pickle.dump({thing}, open(sys.argv[1], 'wb'))", folder / "model.pkl")
    kept = files(folder)
    done = ml(project, "predict", folder, check=False)
    assert_one_error_line(done, "model.pkl is not the model environment.json describes: train it again there")
    assert files(folder) == kept


@pytest.mark.parametrize("content, words", BROKEN)
def test_a_missing_or_corrupt_environment_record_is_one_clear_line(baked, tmp_path, content, words):
    project = baked(starter_requirements="machine-learning")
    (tmp_path / "model").mkdir()
    if content is not None:
        (tmp_path / "model/environment.json").write_text(content)
    assert_one_error_line(ml(project, "predict", tmp_path / "model", check=False), words)


def test_the_data_science_readme_snippet_saves_a_fingerprint_that_verifies(baked, tmp_path):
    project = baked(starter_requirements="data-science")
    readme = (project.path / "README.md").read_text()
    [snippet] = re.findall(r"```python\n(.*?)```", readme, re.S)
    (tmp_path / "snippet.py").write_text(snippet.replace("...  #", "pass  #"))
    # Run from a folder of its own, as a script elsewhere would, with the project importable.
    project.run(project.python, "-c", "import os, runpy, sys; sys.path.insert(0, os.getcwd());"
                f" os.chdir({str(tmp_path)!r}); runpy.run_path('snippet.py')")
    saved = tmp_path / "results/environment.json"
    check = ("import json; from my_project.reproducibility import verify;"
             f" print(verify(json.load(open({str(saved)!r}))))")
    assert project.run(project.python, "-c", check).stdout == "[]\n"


def test_predictions_piped_into_head_end_quietly(baked, tmp_path):
    project = baked(starter_requirements="machine-learning")
    ml(project, "train", tmp_path / "model")
    done = project.run("bash", "-c", f"{project.python} -m my_project predict {tmp_path / 'model'} | head -2")
    assert len(done.stdout.splitlines()) == 2 and done.stderr == ""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="mounting a small disk needs root")
def test_a_retrain_on_a_full_disk_keeps_the_old_model(baked, tmp_path):
    project = baked(starter_requirements="machine-learning")
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        ml(project, "train", disk / "wine", "--seed", 1)
        before = {path.name: path.read_bytes() for path in (disk / "wine").iterdir()}
        expected = ml(project, "predict", disk / "wine").stdout
        (disk / "filler").write_bytes(b"\0" * (shutil.disk_usage(disk).free - 4096))
        assert_one_error_line(ml(project, "train", disk / "wine", "--seed", 2, check=False), "No space left")
        assert {path.name: path.read_bytes() for path in (disk / "wine").iterdir()} == before
        assert ml(project, "predict", disk / "wine").stdout == expected
    finally:
        subprocess.run(["umount", "--lazy", str(disk)])


def test_the_machine_learning_readme_snippet_loads_and_predicts(baked):
    project = baked(starter_requirements="machine-learning")
    [snippet] = re.findall(r"```python\n(.*?)```", project.read("README.md"), re.S)
    ml(project, "train", project.path / "models/wine")
    done = project.run(project.python, "-c", snippet + "\nprint(len(labels), notes)")
    assert re.fullmatch(r"\d+ \[\]\n", done.stdout), done.stdout


def test_the_data_science_readme_snippet_records_a_fingerprint_that_verifies(baked, tmp_path):
    project = baked(starter_requirements="data-science")
    [snippet] = re.findall(r"```python\n(.*?)```", project.read("README.md"), re.S)
    later = re.search(r"`(reproducibility\.verify\(.*?\))`", project.read("README.md"), re.S).group(1)
    done = project.run(project.python, "-c", f"{snippet}\nprint({later.replace(chr(10), ' ')})", cwd=tmp_path)
    assert done.stdout == "[]\n"  # the same environment: no mismatch, not even a note
    assert json.loads((tmp_path / "results/environment.json").read_text())["packages"]["numpy"]
