"""The worked example: same seed, same bytes; columns matched by name; clear errors for
values, seeds and files it cannot use."""

import errno
import json
import pickle
import re
import shutil
import types
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.project_slug }} import model


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    model.train(out, seed=3)
    return out


def test_the_same_seed_gives_the_same_files(trained: Path, tmp_path: Path) -> None:
    model.train(tmp_path, seed=3)
    for name in (model.MODEL, model.TEST_SET):
        assert (tmp_path / name).read_bytes() == (trained / name).read_bytes()


def test_predict_gives_one_class_per_row_and_matches_columns_by_name(
    trained: Path, tmp_path: Path
) -> None:
    fitted, notes, record = model.load(trained)
    assert notes == [] and record["seed"] == 3
    labels = model.predict(fitted, trained / model.TEST_SET)
    rows = (trained / model.TEST_SET).read_text().splitlines()
    assert len(labels) == len(rows) - 1 and set(labels) <= {0, 1, 2}
    reordered = tmp_path / "reordered.csv"
    header, *lines = [row.split(",") for row in rows]
    reordered.write_text("\n".join(",".join(reversed(row)) for row in [header, *lines]) + "\n")
    assert model.predict(fitted, reordered) == labels


def test_a_csv_without_a_column_is_one_clear_error(trained: Path, tmp_path: Path) -> None:
    fitted, _, _ = model.load(trained)
    header, *rows = (trained / model.TEST_SET).read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(",".join(line.split(",")[1:]) for line in [header, *rows]) + "\n")
    with pytest.raises(model.ModelError, match="lacks the column"):
        model.predict(fitted, short)


def test_paths_may_be_given_as_text_as_from_a_notebook(trained: Path) -> None:
    fitted, _, _ = model.load(str(trained))
    assert model.predict(fitted, str(trained / model.TEST_SET))


@pytest.mark.parametrize(
    "value, words",
    [("abc", "'abc'"), ("", "an empty value")]
    + [(value, repr(value)) for value in ("inf", "-inf", "nan", "1e400", "1e300")],
)
def test_a_value_that_is_not_a_finite_number_is_refused_naming_it(
    trained: Path, tmp_path: Path, value: str, words: str
) -> None:
    header, first, *rest = (trained / model.TEST_SET).read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, first, value + first[first.index(",") :], *rest]) + "\n")
    fitted, _, _ = model.load(trained)
    column = header.split(",")[0]
    expected = f"column '{column}' has {words} on line 3; allowed: numbers from -3.403e+38 to"
    with pytest.raises(model.ModelError, match=re.escape(expected)):
        model.predict(fitted, bad)


def test_a_value_the_models_scaling_overflows_is_one_clear_error(
    trained: Path, tmp_path: Path
) -> None:
    """Within float32's range, yet beyond it once scaled (the column varies by ~0.1)."""
    fitted, _, _ = model.load(trained)
    features = pd.read_csv(trained / model.TEST_SET)
    features.loc[0, "nonflavanoid_phenols"] = 3e38
    features.to_csv(tmp_path / "huge.csv", index=False)
    with pytest.raises(model.ModelError, match="the model cannot use these features: Input X"):
        model.predict(fitted, tmp_path / "huge.csv")


def test_the_largest_seed_numpy_takes_trains(tmp_path: Path) -> None:
    model.train(tmp_path, seed=model.MAX_SEED)
    assert model.load(tmp_path)[2]["seed"] == 2**32 - 1


@pytest.mark.parametrize("seed", [-1, model.MAX_SEED + 1])
def test_a_seed_numpy_cannot_take_is_refused_and_the_model_stays(
    trained: Path, tmp_path: Path, seed: int
) -> None:
    folder = shutil.copytree(trained, tmp_path / "model")
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    with pytest.raises(model.ModelError, match=f"seed {seed} is out of range: use a whole number"):
        model.train(folder, seed=seed)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


@pytest.mark.parametrize("thing", [{"model": "no"}, [1, 2], "text"])
def test_a_model_file_train_did_not_write_is_refused_before_it_is_loaded(
    trained: Path, tmp_path: Path, thing: object
) -> None:
    folder = shutil.copytree(trained, tmp_path / "model")
    (folder / model.MODEL).write_bytes(pickle.dumps(thing))
    other = re.escape("model.pkl is not the model environment.json describes")
    with pytest.raises(model.ModelError, match=other):
        model.load(folder)
    # A record written before model_sha256 has no digest: then the object itself is refused.
    record = json.loads((folder / model.ENVIRONMENT).read_text())
    del record["model_sha256"]
    (folder / model.ENVIRONMENT).write_text(json.dumps(record))
    kind = type(thing).__name__
    with pytest.raises(model.ModelError, match=f"model.pkl holds a {kind}, not a model written by"):
        model.load(folder)


def test_an_object_that_only_looks_like_a_model_is_one_clear_error(trained: Path) -> None:
    fake = types.SimpleNamespace(predict=1, feature_names_in_=["alcohol"])
    with pytest.raises(model.ModelError, match="the model cannot predict"):
        model.predict(fake, trained / model.TEST_SET)


def test_a_retrain_that_fails_keeps_the_previous_model_whole(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shutil.copytree(trained, tmp_path / "model")
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    write_bytes = Path.write_bytes

    def disk_full_at_the_test_set(path: Path, data: bytes) -> int:
        if path.name.startswith(".test.csv"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_the_test_set)
    with pytest.raises(model.ModelError, match="No space left on device"):
        model.train(folder, seed=4)
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
