"""The worked example: same seed, same bytes; columns matched by name; clear errors."""

import errno
import re
import shutil
from pathlib import Path

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


@pytest.mark.parametrize("value, words", [("abc", "'abc', not a number,"), ("", "an empty value")])
def test_a_row_with_text_or_nothing_in_a_column_is_refused_naming_it(
    trained: Path, tmp_path: Path, value: str, words: str
) -> None:
    header, first, *rest = (trained / model.TEST_SET).read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, first, value + first[first.index(",") :], *rest]) + "\n")
    fitted, _, _ = model.load(trained)
    column = header.split(",")[0]
    with pytest.raises(
        model.ModelError, match=re.escape(f"column '{column}' has {words} on line 3")
    ):
        model.predict(fitted, bad)


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
