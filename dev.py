#!/usr/bin/env python3
"""Set up and run Enforcement Registry on a machine that has Python 3.11+ and nothing else.

    python3 dev.py start   # install, migrate, load demo data, serve on http://127.0.0.1:8000 with a clerk login
    python3 dev.py test    # install, run the whole test suite (pytest arguments may follow)

Both create `.venv/` and install the locked dependencies (requirements/dev.txt) the first time, and again
whenever the lock file changes. Settings come from the environment (see README); with none set, the
application runs on the embedded default: SQLite in db.sqlite3, tasks in-process, mail to the console.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "dev.txt"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*args: str | Path, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, check=False, **kwargs)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".installed-lock"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing the locked dependencies ...", flush=True)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", LOCK)
        stamp.write_text(digest)


def start(args: argparse.Namespace) -> None:
    ensure_environment()
    run(PYTHON, "manage.py", "quickstart", "--addrport", f"{args.host}:{args.port}")


def test(args: argparse.Namespace) -> None:
    ensure_environment()
    run(PYTHON, "-m", "pytest", *args.pytest_args)


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must run, and say so, on an older Python too
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="install, migrate, load demo data and serve")
    start_parser.add_argument("--host", default="127.0.0.1")
    start_parser.add_argument("--port", default="8000")
    start_parser.set_defaults(func=start)
    test_parser = commands.add_parser("test", help="install and run the test suite (pytest arguments may follow)")
    test_parser.set_defaults(func=test)
    args, rest = parser.parse_known_args()
    if rest and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.pytest_args = rest  # everything after `test` goes to pytest
    args.func(args)


if __name__ == "__main__":
    main()
