"""Mutation testing of ``model/`` with mutmut 3 against the fast test subset.

Run from the project's root (outside the default test run; see README.md here)::

    .venv/bin/python tests/mutation/run.py                  # the three targets, score >= 80 %
    .venv/bin/python tests/mutation/run.py --paths model/ptce/pmsmp.py
    .venv/bin/python tests/mutation/run.py --all            # every file of model/

mutmut reads ``[tool.mutmut]`` in pyproject.toml (``source_paths = ["model"]`` and the fast
test subset). It mutates a copy of ``model/`` in ``mutants/`` and runs, for each mutant, the
tests of the subset that call the mutated function. This script starts from an empty
``mutants/`` (no cached verdicts, so the same code and tests give the same score), runs only the
mutants of the chosen files, prints the counts per file and in total, the score and the
surviving mutants, and exits 1 when the score of the chosen files is under ``--target``.

Score = (killed + timeout) / (mutants - skipped). A timeout is a mutant whose tests ran past
mutmut's CPU limit (an endless loop, say): the change was detected. "No tests" mutants (no test
of the subset calls their function) and "suspicious" ones count as not killed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ("model/territory.py", "model/ptce", "model/indicators.py")
MAX_CHILDREN = 2  # the machine has two cores shared with others
#: mutmut exit codes (mutmut.stats.status_by_exit_code) -> the statuses reported here
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          -11: "segfault", -9: "segfault", 37: "type check", None: "not checked"}
COLUMNS = ("killed", "timeout", "survived", "no tests", "suspicious", "other")
DETECTED = ("killed", "timeout", "segfault", "type check")


def python_files(paths: list[str]) -> list[Path]:
    """The .py files (relative to the root) under each of ``paths``."""
    files: list[Path] = []
    for raw in paths:
        path = (ROOT / raw).resolve()
        if not path.exists():
            sys.exit(f"no such path: {raw}")
        rel = path.relative_to(ROOT)
        if rel.parts[0] != "model":
            sys.exit(f"{raw} is not under model/ (the [tool.mutmut] source_paths)")
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files += [f.relative_to(ROOT) for f in found if f.relative_to(ROOT) not in files]
    return files


def module_glob(file: Path) -> str:
    """mutmut's mutant-name pattern of the mutants of ``file`` (``model.ptce.levers.*``)."""
    parts = list(file.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts) + ".x*"


def run_mutmut(files: list[Path], max_children: int, log: Path) -> int:
    cmd = [str(ROOT / ".venv/bin/mutmut"), "run", "--max-children", str(max_children),
           *[module_glob(f) for f in files]]
    print("$", " ".join(cmd[1:]), f"(log: {log.relative_to(ROOT)})", flush=True)
    with log.open("w") as out:
        return subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode


def verdicts(file: Path) -> dict[str, str]:
    """Mutant name -> status, from mutmut's ``mutants/<file>.meta``."""
    meta = ROOT / "mutants" / (str(file) + ".meta")
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: STATUS.get(code, "suspicious") for name, code in sorted(codes.items())}


def one_line_diff(name: str) -> str:
    """The changed line of mutant ``name``, ``old  ->  new`` (from ``mutmut show``)."""
    out = subprocess.run([str(ROOT / ".venv/bin/mutmut"), "show", name], cwd=ROOT,
                         capture_output=True, text=True).stdout
    minus = [ln[1:].strip() for ln in out.splitlines()
             if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln[1:].strip() for ln in out.splitlines()
            if ln.startswith("+") and not ln.startswith("+++")]
    old, new = " / ".join(minus), " / ".join(plus)
    text = f"{old}  ->  {new}" if new else f"{old}  ->  (removed)"
    return text if len(text) <= 160 else text[:157] + "..."


def row(label: str, counts: Counter[str]) -> str:
    total = sum(counts.values()) - counts["skipped"]
    detected = sum(counts[k] for k in DETECTED)
    other = total - sum(counts[k] for k in COLUMNS if k != "other") - counts["segfault"] \
        - counts["type check"]
    counts = Counter(counts)
    counts["other"] = other
    score = 100.0 * detected / total if total else 100.0
    cells = "".join(f"{counts[c]:>11}" for c in COLUMNS)
    return f"{label:<32}{total:>8}{cells}{score:>9.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paths", nargs="+", default=list(TARGETS),
                        help="files or folders under model/ (default: %(default)s)")
    parser.add_argument("--all", action="store_true", help="every file of model/")
    parser.add_argument("--target", type=float, default=80.0, help="score to reach, %%")
    parser.add_argument("--max-children", type=int, default=MAX_CHILDREN,
                        help=f"parallel mutmut workers (at most {MAX_CHILDREN})")
    parser.add_argument("--keep", action="store_true",
                        help="reuse mutants/ and its cached verdicts (faster, not reproducible)")
    parser.add_argument("--no-diff", action="store_true", help="list survivors without diffs")
    args = parser.parse_args(argv)
    files = python_files(["model"] if args.all else args.paths)
    workers = max(1, min(args.max_children, MAX_CHILDREN))

    start = time.monotonic()
    if not args.keep:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    (ROOT / "mutants").mkdir(exist_ok=True)
    log = ROOT / "mutants" / "run.log"
    code = run_mutmut(files, workers, log)
    wall = time.monotonic() - start
    if code != 0:
        print(log.read_text()[-3000:])
        print(f"mutmut run failed (exit code {code}); full output in {log}")
        return 2

    by_file = {f: verdicts(f) for f in files}
    print()
    header = "".join(f"{c:>11}" for c in COLUMNS)
    print(f"{'file':<32}{'mutants':>8}{header}{'score':>10}")
    total: Counter[str] = Counter()
    for f, v in by_file.items():
        if not v:
            continue
        counts = Counter(v.values())
        total += counts
        print(row(str(f), counts))
    print(row("total", total))

    survivors = [(n, s) for v in by_file.values() for n, s in v.items()
                 if s not in DETECTED and s != "skipped"]
    print(f"\nmutants not killed: {len(survivors)}")
    for name, status in survivors:
        diff = "" if args.no_diff else "  " + one_line_diff(name)
        print(f"  [{status}] {name}{diff}")

    counted = sum(total.values()) - total["skipped"]
    score = 100.0 * sum(total[k] for k in DETECTED) / counted if counted else 100.0
    total_wall = time.monotonic() - start
    print(f"\nscore {score:.1f}% (target {args.target:.0f}%) over {counted} mutants of "
          f"{len(files)} files; wall time {total_wall / 60:.1f} min with {workers} workers "
          f"({wall / 60:.1f} min of mutmut run, the rest listing the survivors)")
    return 0 if score >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
