"""The worked example: same seed, same bytes; columns matched by name; clear errors."""

import pytest

from {{ cookiecutter.project_slug }} import model


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    model.train(out, seed=3)
    return out


def test_the_same_seed_gives_the_same_files(trained, tmp_path):
    model.train(tmp_path, seed=3)
    for name in (model.MODEL, model.TEST_SET):
        assert (tmp_path / name).read_bytes() == (trained / name).read_bytes()


def test_predict_gives_one_class_per_row_and_matches_columns_by_name(trained, tmp_path):
    fitted, notes, record = model.load(trained)
    assert notes == [] and record["seed"] == 3
    labels = model.predict(fitted, trained / model.TEST_SET)
    rows = (trained / model.TEST_SET).read_text().splitlines()
    assert len(labels) == len(rows) - 1 and set(labels) <= {0, 1, 2}
    reordered = tmp_path / "reordered.csv"
    header, *lines = [row.split(",") for row in rows]
    reordered.write_text("\n".join(",".join(reversed(row)) for row in [header, *lines]) + "\n")
    assert model.predict(fitted, reordered) == labels


def test_a_csv_without_a_column_is_one_clear_error(trained, tmp_path):
    fitted, _, _ = model.load(trained)
    header, *rows = (trained / model.TEST_SET).read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(",".join(line.split(",")[1:]) for line in [header, *rows]) + "\n")
    with pytest.raises(model.ModelError, match="lacks the column"):
        model.predict(fitted, short)
