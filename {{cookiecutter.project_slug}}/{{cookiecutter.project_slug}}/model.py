"""A worked example: a model that carries the environment it was trained in.

`train` fits a small pipeline on scikit-learn's bundled wine data (no download) and writes
OUT_DIR/model.pkl, OUT_DIR/test.csv (the held-out rows) and OUT_DIR/environment.json (the
fingerprint, the model's digest, the seed, the command, the time). The same seed gives the same
bytes. `predict` refuses to load the model where the environment differs from its fingerprint,
or where model.pkl is not the model the record describes.
Model files are pickles: loading one runs code, so only load models from a trusted source.
Replace the data and the pipeline with your own; keep the fingerprint around them.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.project_slug }} import reproducibility

MODEL, TEST_SET, ENVIRONMENT = "model.pkl", "test.csv", "environment.json"
MAX_SEED = 2**32 - 1  # the largest seed NumPy (and so scikit-learn's random_state) takes
# scikit-learn's trees compare features as float32: beyond its range, or inf or nan, they cannot.
LIMIT = float(np.finfo(np.float32).max)


class ModelError(Exception):
    """A problem with a model folder or its input, said in one line."""


def train(out_dir: str | Path, seed: int = 0, command: str | None = None) -> None:
    """Trains the example model into `out_dir` (its files are replaced, all or none).

    Refuses a venv that differs from requirements.lock: the image, which installs that lock,
    could never load the model.
    """
    out_dir = Path(out_dir)
    if not 0 <= seed <= MAX_SEED:  # checked first: nothing is written, nothing is seeded
        raise ModelError(f"seed {seed} is out of range: use a whole number from 0 to {MAX_SEED}")
    drift = reproducibility.lock_drift()
    if drift:
        raise ModelError(
            "this venv differs from requirements.lock (" + "; ".join(drift) + "):"
            " run `python3 scripts/env.py setup` first"
        )
    reproducibility.seed_everything(seed)
    data = load_wine(as_frame=True)
    x_train, x_test, y_train, _ = train_test_split(
        data.data, data.target, test_size=0.25, random_state=seed, stratify=data.target
    )
    model = make_pipeline(StandardScaler(), RandomForestClassifier(random_state=seed, n_jobs=1))
    model.fit(x_train, y_train)
    pickled = pickle.dumps(model, protocol=5)
    record = {
        "fingerprint": reproducibility.fingerprint(),
        "model_sha256": hashlib.sha256(pickled).hexdigest(),  # `load` refuses another model.pkl
        "seed": seed,
        "command": command,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # seed, command and time are never compared
    files = {
        MODEL: pickled,
        TEST_SET: x_test.to_csv(index=False, lineterminator="\n").encode(),
        ENVIRONMENT: (json.dumps(record, indent=2) + "\n").encode(),
    }
    # Each file is written in full beside the old one, then swapped in: a full disk or a
    # crash leaves the previous model whole.
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            written.append(out_dir / f".{name}.new")
            written[-1].write_bytes(data)
        for name in files:
            os.replace(out_dir / f".{name}.new", out_dir / name)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise ModelError(f"cannot write {error.filename or out_dir} ({error.strerror})") from None


def load(out_dir: str | Path, *, check: bool = True) -> tuple[Any, list[str], dict[str, Any]]:
    """The model of `out_dir`, once its environment record agrees with this environment.

    Returns the model, the notes (differences that do not change results) and the record.
    Raises ModelError, or EnvironmentMismatch (not with `check=False`: then nothing is compared).
    """
    out_dir = Path(out_dir)
    try:
        record = json.loads((out_dir / ENVIRONMENT).read_text())
        if not isinstance(record["fingerprint"].get("packages"), dict):
            raise TypeError
    except OSError as error:
        raise ModelError(
            f"cannot read {out_dir / ENVIRONMENT} ({error.strerror}): train a model there first"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ModelError(
            f"{out_dir / ENVIRONMENT} is not an environment record written by `train`"
        ) from None
    notes = reproducibility.verify(record["fingerprint"]) if check else []
    try:
        pickled = (out_dir / MODEL).read_bytes()
    except OSError as error:
        raise ModelError(f"cannot read {out_dir / MODEL} ({error.strerror})") from None
    # Checked before unpickling, which runs code: a model.pkl swapped in is never loaded.
    digest = hashlib.sha256(pickled).hexdigest()
    if record.get("model_sha256", digest) != digest:  # (older records have none to compare)
        raise ModelError(
            f"{out_dir / MODEL} is not the model {ENVIRONMENT} describes: train it again there"
        )
    try:
        fitted = pickle.loads(pickled)
    except Exception:  # unpickling other bytes can raise almost anything
        raise ModelError(f"{out_dir / MODEL} is not a model written by `train`") from None
    # `predict` needs a fitted model that knows its columns by name; any other object (a dict,
    # a list, an unfitted pipeline) is refused here rather than failing halfway through.
    if not (hasattr(fitted, "predict") and hasattr(fitted, "feature_names_in_")):
        kind = type(fitted).__name__
        raise ModelError(f"{out_dir / MODEL} holds a {kind}, not a model written by `train`")
    return fitted, notes, record


def predict(model: Any, csv: str | Path) -> list[Any]:
    """The model's class for each row of `csv`, whose columns are matched by name. A row
    with an empty value, or one that is not a finite number the model can use (inf, nan,
    1e400, text), is refused, naming the column and the line."""
    try:
        features = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except OSError as error:
        raise ModelError(f"cannot read {csv} ({error.strerror})") from None
    except ValueError as error:  # pandas: empty or malformed
        raise ModelError(f"{csv} is not a CSV of features: {error}") from None
    names = list(model.feature_names_in_)
    missing = [name for name in names if name not in features.columns]
    if missing or features.empty:
        raise ModelError(
            f"{csv} has no rows"
            if not missing
            else f"{csv} lacks the column(s) {', '.join(missing)}"
        )
    values = features[names].apply(pd.to_numeric, errors="coerce")  # text becomes nan
    for name in names:
        bad = ~values[name].abs().le(LIMIT)  # nan, inf (1e400 is read as inf) and beyond float32
        if bad.any():
            row = int(bad.to_numpy().argmax())
            value = features[name].iloc[row]
            raise ModelError(
                f"{csv}: column {name!r} has {repr(value) if value.strip() else 'an empty value'}"
                f" on line {row + 2}; allowed: numbers from {-LIMIT:.4g} to {LIMIT:.4g}"
            )
    try:
        with np.errstate(all="ignore"):  # the ValueError below says it, in one line
            return list(model.predict(values).tolist())
    except ValueError as error:  # a value the model's scaling took beyond what it can use
        reason = str(error).splitlines()[0]
        raise ModelError(f"{csv}: the model cannot use these features: {reason}") from None
    except (TypeError, AttributeError) as error:  # an object that only looks like a model
        raise ModelError(f"the model cannot predict ({type(error).__name__}: {error})") from None
