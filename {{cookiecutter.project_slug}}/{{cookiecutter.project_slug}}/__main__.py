{%- if cookiecutter.starter_requirements == "machine-learning" -%}
"""Runs with `python -m {{ cookiecutter.project_slug }}` (the image's command), and the worked example:

    python -m {{ cookiecutter.project_slug }} train OUT_DIR [--seed N]
    python -m {{ cookiecutter.project_slug }} predict OUT_DIR [CSV] [--allow-mismatch]
"""

import argparse
import sys
from pathlib import Path

from {{ cookiecutter.project_slug }} import greeting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {{ cookiecutter.project_slug }}")
    commands = parser.add_subparsers(dest="command")
    train = commands.add_parser("train", help="train the example model into OUT_DIR")
    train.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    train.add_argument("--seed", type=int, default=0, help="seed of all randomness (default 0)")
    predict = commands.add_parser("predict", help="check the environment, then predict")
    predict.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    predict.add_argument("csv", type=Path, nargs="?", metavar="CSV",
                         help="features, with the header of OUT_DIR/test.csv (default: that file)")
    predict.add_argument("--allow-mismatch", action="store_true",
                         help="use the model even if this environment differs from its own")
    args = parser.parse_args(argv)
    if args.command is None:
        print(greeting())
        return 0
    from {{ cookiecutter.project_slug }} import model  # scikit-learn loads only for these commands

    if args.command == "train":
        return model.train(args.out_dir, args.seed)
    return model.predict(args.out_dir, args.csv, args.allow_mismatch)


if __name__ == "__main__":
    sys.exit(main())
{%- else -%}
"""Runs with `python -m {{ cookiecutter.project_slug }}`{% if cookiecutter.starter_requirements != "web-api" %}, the image's command{% endif %}."""

from {{ cookiecutter.project_slug }} import greeting


def main() -> None:
    print(greeting())


if __name__ == "__main__":
    main()
{%- endif %}
