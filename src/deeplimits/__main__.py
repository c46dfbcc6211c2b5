"""Command line: ``python -m deeplimits new-document KEY [--title TEXT] [--root DIR]``."""

from __future__ import annotations

import argparse
import sys

from deeplimits.scaffold import new_document


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deeplimits")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new-document", help="create a working skeleton of a new document")
    new.add_argument("key", help="the document's key: a lower-case identifier, e.g. smith2024")
    new.add_argument("--title", help="one line naming the document (authors, title)")
    new.add_argument("--root", default=".", help="the project folder (Snakefile, config.yaml); default: here")
    args = parser.parse_args(argv)
    try:
        folder = new_document(args.key, args.root, args.title)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"created {folder} and its section in config.yaml; run:\n"
          f"  snakemake --cores all --config preset=smoke results/audit/{args.key}.json "
          f"results/figures/{args.key}/norms.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
