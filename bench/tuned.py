"""PostgreSQL stock and tuned, side by side: the whole harness (bench/run.py) twice on the same data set and machine,
first against the tier's private primary with PostgreSQL's stock settings, then with docs/postgresql.conf's.

    .venv/bin/python bench/tuned.py --tier 1m [run.py's options]

The primary is the one bench/replicas.py keeps in /var/tmp/er-bench-replicas/<tier>/primary (generated there if
missing); the harness starts it on a port of its own, never touching the machine's shared server. Reports go to
bench/out/stock/<tier>.{json,md} and bench/out/tuned/<tier>.{json,md}.
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.clusters import PrivatePostgres  # noqa: E402 - bench/ is run as a script
from bench.replicas import BASE  # noqa: E402
from bench.run import OUT, TIERS  # noqa: E402

CONFIGURATION = ROOT / "docs" / "postgresql.conf"


def tuned_settings() -> dict[str, str]:
    """docs/postgresql.conf's settings (name = value lines)."""
    settings = {}
    for line in CONFIGURATION.read_text().splitlines():
        if match := re.fullmatch(r"\s*(\w+)\s*=\s*(\S+)\s*(#.*)?", line):
            settings[match.group(1)] = match.group(2)
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tier", choices=TIERS, required=True)
    parser.add_argument("--only", choices=("stock", "tuned"), help="one of the two runs")
    args, passed = parser.parse_known_args()
    folder = BASE / args.tier
    folder.mkdir(parents=True, exist_ok=True)
    for path in (BASE, folder):
        os.chmod(path, 0o755)  # noqa: S103 - the cluster runs as `postgres` and goes through these folders
    for name, settings in (("stock", {}), ("tuned", tuned_settings())):
        if args.only and name != args.only:
            continue
        primary = PrivatePostgres(folder / "primary", database=f"er_bench_{args.tier}", settings=settings)
        if primary.running():
            primary.stop()
        if primary.initialised:
            primary.start(timeout=600)
        else:
            primary.create(createdb=False)
        try:
            print(f"== {name}: {settings or 'stock settings'}", flush=True)
            subprocess.run(
                [sys.executable, "bench/run.py", "--tier", args.tier, "--out", str(OUT / name), *passed],
                cwd=ROOT,
                env={**os.environ, "BENCH_PG": primary.server},
                check=True,
            )
        finally:
            primary.stop()


if __name__ == "__main__":
    main()
