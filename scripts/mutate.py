"""Mutation testing of the core modules, one module at a time, each against its own tests.

`make mutate` runs this. For each module it copies the working tree into
build/mutate/<module>/, runs mutmut there (nice'd, one worker: the machine is shared),
and prints killed / survived / equivalent per module. A survivor is `equivalent` only
when it matches an entry of scripts/mutation_equivalents.toml (function, removed and
added lines), so a mutant that changes when its function is edited shows up again for
review. Mutants of functions listed there as `import_time` (run only while the module is
imported, before mutmut can switch a mutant on) are counted apart. The exit status is 1 when a module kills fewer than --min-score percent of its
non-equivalent mutants. docs/testing.md explains the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / "build" / "mutate"
EQUIVALENTS_FILE = ROOT / "scripts" / "mutation_equivalents.toml"
MIN_SCORE_PERCENT = 85.0
SOURCE_PACKAGES = ("bench", "adapters", "reports")
# Where each folder sits in the import package (src/vidbench links them; mutmut copies files,
# so the work tree gets them as real folders under src/, whose prefix mutmut strips).
LINKED_AS = {
    "bench": "src/vidbench/core",
    "adapters": "src/vidbench/adapters",
    "reports": "src/vidbench/reports",
}

# Module → the test files meant to cover it (missing files are skipped).
CORE_MODULES: dict[str, tuple[str, ...]] = {
    "bench/seam/retry.py": (
        "tests/bench/test_retry.py",
        "tests/bench/test_retry_props.py",
        "tests/bench/test_poll_schedule.py",
        "tests/bench/test_poll_timing.py",
    ),
    "bench/store/journal.py": ("tests/bench/test_runner.py", "tests/bench/test_journal_props.py"),
    "bench/store/store.py": ("tests/bench/test_runner.py", "tests/bench/test_store_props.py"),
    "bench/plan/plan.py": ("tests/bench/test_plan.py", "tests/bench/test_plan_props.py"),
    # test_keyhosts.py is left out: its judge tests import `scorers`, which mutmut does not
    # copy, so they see another `ScorerUnavailable` class and fail the clean run.
    "bench/seam/secrets.py": ("tests/bench/test_secrets.py", "tests/bench/test_secrets_props.py"),
    "bench/seam/money.py": ("tests/bench/test_money.py",),
    "bench/run/reconcile.py": (
        "tests/bench/test_reconcile.py",
        "tests/bench/test_reconcile_props.py",
    ),
    "bench/suites/inputs.py": ("tests/bench/test_inputs.py",),
    "reports/stats.py": (
        "tests/reports/test_reports_stats.py",
        "tests/reports/test_reports_stats_props.py",
    ),
    "reports/intervals.py": (
        "tests/reports/test_reports_intervals.py",
        "tests/reports/test_reports_intervals_props.py",
        "tests/reports/test_intervals_degenerate.py",
    ),
    "reports/draws.py": (
        "tests/reports/test_draws.py",
        "tests/reports/test_draws_beta_binomial.py",
    ),
    "reports/beta_binomial.py": ("tests/reports/test_draws_beta_binomial.py",),
    "reports/signed_rank.py": (
        "tests/reports/test_signed_rank.py",
        "tests/reports/test_reports_stats.py",
    ),
    "reports/power.py": (
        "tests/reports/test_reports_power.py",
        "tests/reports/test_compare_changed_pairs.py",
    ),
    "reports/power_exact.py": ("tests/reports/test_reports_power.py",),
    "reports/bradley_terry.py": ("tests/reports/test_bradley_terry.py",),
    "reports/davidson.py": ("tests/reports/test_davidson.py",),
    "reports/history_window.py": (
        "tests/reports/test_history_window.py",
        "tests/reports/test_history.py",
    ),
    "reports/stratified_exact.py": ("tests/reports/test_history_window.py",),
    # Security (issue 25): what a run directory or an answer from a stranger can reach.
    "bench/store/confine.py": (
        "tests/bench/test_confine_open.py",
        "tests/reports/test_hostile_publish.py",
        "tests/reports/test_hostile_run_reads.py",
    ),
    "bench/store/safe_files.py": (
        "tests/bench/test_safe_files.py",
        "tests/reports/test_hostile_links.py",
    ),
    "bench/seam/bounded_json.py": ("tests/hostile/test_bounded_answers.py",),
    "bench/config/keyhosts.py": ("tests/bench/test_keyhosts.py",),
    # Statistics behind the gates and intervals.
    "reports/bounded.py": (
        "tests/reports/test_reports_intervals_bounds.py",
        "tests/reports/test_reports_intervals.py",
    ),
    "reports/gate.py": (
        "tests/reports/test_reports_compare.py",
        "tests/reports/test_compare_changed_pairs.py",
    ),
    "reports/compare.py": (
        "tests/reports/test_reports_compare.py",
        "tests/reports/test_compare_changed_pairs.py",
    ),
    "reports/history_intervals.py": ("tests/reports/test_history_intervals.py",),
    "reports/judge_check.py": (
        "tests/reports/test_judge_check.py",
        "tests/reports/test_report_judge_check.py",
    ),
}
# mutmut's words for outcomes that count as a detection.
DETECTED = frozenset({"killed", "timeout", "caught by type check", "segfault"})


@dataclass
class ModuleResult:
    """The outcome of one module's mutation run."""

    module: str
    statuses: dict[str, str] = field(default_factory=dict)  # mutant name → mutmut status
    equivalent: set[str] = field(default_factory=set)
    import_time: set[str] = field(default_factory=set)  # mutants mutmut can never activate
    diffs: dict[str, str] = field(default_factory=dict)  # survivor → its diff
    error: str | None = None

    @property
    def killed(self) -> int:
        return sum(1 for status in self.statuses.values() if status in DETECTED)

    @property
    def survivors(self) -> list[str]:
        return [
            name
            for name, status in self.statuses.items()
            if status not in DETECTED and name not in self.equivalent | self.import_time
        ]

    @property
    def score_percent(self) -> float:
        judged = len(self.statuses) - len(self.equivalent) - len(self.import_time)
        return 100.0 * self.killed / judged if judged else 100.0


def wire_modules(root: Path) -> dict[str, tuple[str, ...]]:
    """Every provider package's wire module (`adapters/<provider>/wire.py`) and its tests."""
    found: dict[str, tuple[str, ...]] = {}
    paths = sorted(root.glob("adapters/*/wire.py"))
    providers = [path.parent.name for path in paths]
    for path in paths:
        provider = path.parent.name
        # `veo` must not pick up `vertex_veo`'s tests (they never run adapters/veo/wire.py).
        longer = [other for other in providers if other != provider and provider in other]
        tests = [
            t
            for t in sorted(root.glob(f"tests/adapters/test_*{provider}*.py"))
            if not any(other in t.name for other in longer)
        ]
        found[path.relative_to(root).as_posix()] = tuple(
            t.relative_to(root).as_posix() for t in tests
        )
    return found


def all_modules(root: Path) -> dict[str, tuple[str, ...]]:
    """The modules under mutation testing, each with its existing test files."""
    modules = {**CORE_MODULES, **wire_modules(root)}
    return {m: tuple(t for t in tests if (root / t).is_file()) for m, tests in modules.items()}


def tree_files(root: Path) -> list[str]:
    """The working tree's files (tracked and new, not ignored), relative to root."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [p for p in listed.split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        keep = (*SOURCE_PACKAGES, "tests", "configs", "prompts")
        return [
            p.relative_to(root).as_posix()
            for top in keep
            for p in (root / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ] + ["pyproject.toml"]


def mutmut_config(module: str, tests: tuple[str, ...]) -> str:
    """The [mutmut] section of setup.cfg for one module (pyproject.toml has none)."""
    selected = "".join(f"\n    {t}" for t in tests)
    return (
        f"[mutmut]\nsource_paths =\n    src\nonly_mutate =\n    {import_path(module)}\n"
        f"pytest_add_cli_args_test_selection ={selected}\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n"
        "use_git_change_detection = false\n"
    )


def import_path(module: str) -> str:
    """`bench/seam/retry.py` → `src/vidbench/core/seam/retry.py`, the file tests import."""
    top, _, rest = module.partition("/")
    return f"{LINKED_AS[top]}/{rest}" if top in LINKED_AS else module


def prepare(root: Path, module: str, tests: tuple[str, ...]) -> Path:
    """A fresh copy of the working tree for one module's run."""
    work = work_dir(module)
    shutil.rmtree(work, ignore_errors=True)
    for rel in tree_files(root):
        target = work / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, target)
        top = rel.partition("/")[0]
        # Every file, not only modules: templates, bundled configs and data files are read
        # from beside the code (mutmut copies all of src/, so a missing one fails a test).
        if top in LINKED_AS:
            linked = work / import_path(rel)
            linked.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, linked)
    (work / "setup.cfg").write_text(mutmut_config(module, tests), encoding="utf-8")
    return work


def mutmut(work: Path, *args: str, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the venv's mutmut in `work`, nice'd so other users of the machine keep their CPU."""
    exe = Path(sys.executable).with_name("mutmut")
    command = [str(exe), *args]
    if shutil.which("nice"):
        command = ["nice", "-n", "10", *command]
    if log is None:
        return subprocess.run(command, cwd=work, capture_output=True, text=True)
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT, text=True)


def read_statuses(work: Path) -> dict[str, str]:
    """mutant name → status, from `mutmut results --all true`."""
    listed = mutmut(work, "results", "--all", "true").stdout
    statuses = {}
    for line in listed.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status
    return statuses


# One process for every diff: `mutmut show` per mutant costs seconds each on a busy machine.
_DIFF_WORKER = (
    "import json, sys\n"
    "from mutmut.mutation.diff_apply import get_diff_for_mutant\n"
    "print(json.dumps({n: get_diff_for_mutant(n) for n in json.load(sys.stdin)}))\n"
)


def diffs_of(work: Path, names: list[str]) -> dict[str, str]:
    """mutant name → its unified diff, read from the mutants in `work`."""
    if not names:
        return {}
    shown = subprocess.run(
        [sys.executable, "-c", _DIFF_WORKER],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    )
    diffs: dict[str, str] = json.loads(shown.stdout.strip().splitlines()[-1])
    return diffs


def function_of(mutant: str) -> str:
    """`vidbench.core.seam.retry.x_backoff_s__mutmut_3` → `backoff_s`; methods → `Class.method`."""
    base = re.sub(r"__mutmut_\d+$", "", mutant).rpartition(".")[2]
    return base.removeprefix("x_").removeprefix("xǁ").replace("ǁ", ".")


def changed_lines(diff: str) -> tuple[str, str]:
    """(removed, added) lines of a unified diff, stripped and joined by newlines."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    removed = "\n".join(line[1:].strip() for line in lines if line.startswith("-"))
    added = "\n".join(line[1:].strip() for line in lines if line.startswith("+"))
    return removed, added


def load_equivalents(
    path: Path = EQUIVALENTS_FILE, table: str = "equivalent"
) -> list[dict[str, str]]:
    """Entries of one table of the equivalents file (`equivalent` or `import_time`)."""
    if not path.is_file():
        return []
    entries: list[dict[str, str]] = tomllib.loads(path.read_text(encoding="utf-8")).get(table, [])
    return entries


def is_equivalent(module: str, mutant: str, diff: str, entries: list[dict[str, str]]) -> bool:
    """Whether a survivor matches an accepted equivalent mutant exactly."""
    removed, added = changed_lines(diff)
    return any(
        e["module"] == module
        and e["function"] == function_of(mutant)
        and e["removed"].strip() == removed
        and e["added"].strip() == added
        for e in entries
    )


def work_dir(module: str) -> Path:
    """Where one module's mutation run lives."""
    return WORK_DIR / module.replace("/", "_").removesuffix(".py")


def run_module(root: Path, module: str, tests: tuple[str, ...], *, run: bool) -> ModuleResult:
    """Mutate one module against its tests (or reread the last run) and classify every mutant."""
    result = ModuleResult(module)
    if not tests:
        result.error = "no test files found for this module"
        return result
    work = prepare(root, module, tests) if run else work_dir(module)
    log = work / "mutmut-run.log"
    returncode = mutmut(work, "run", "--max-children", "1", log=log).returncode if run else 0
    result.statuses = read_statuses(work) if work.is_dir() else {}
    if returncode != 0 or not result.statuses:
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:] if log.is_file() else ""
        result.error = f"mutmut run exited {returncode} or left no results; end of {log}:\n{tail}"
        return result
    classify(result, work)
    return result


def classify(result: ModuleResult, work: Path) -> None:
    """Split the undetected mutants into import-time, equivalent and real survivors."""
    entries = load_equivalents()
    import_time = {
        e["function"] for e in load_equivalents(table="import_time") if e["module"] == result.module
    }
    undetected = [name for name, status in result.statuses.items() if status not in DETECTED]
    for name in undetected:
        if function_of(name) in import_time:
            result.import_time.add(name)
    rest = [name for name in undetected if name not in result.import_time]
    for name, diff in diffs_of(work, rest).items():
        if is_equivalent(result.module, name, diff, entries):
            result.equivalent.add(name)
        else:
            result.diffs[name] = diff


def report_line(result: ModuleResult) -> str:
    """One row of the summary table."""
    if result.error:
        return f"| `{result.module}` | error: {result.error.splitlines()[0]} |"
    total = len(result.statuses)
    survived = len(result.survivors)
    return (
        f"| `{result.module}` | {total} | {result.killed} | {survived} | "
        f"{len(result.equivalent)} | {len(result.import_time)} | {result.score_percent:.1f}% |"
    )


def print_survivors(result: ModuleResult) -> None:
    """Every non-equivalent survivor with its status and diff."""
    for name in result.survivors:
        print(f"\n# {name}: {result.statuses[name]}")
        body = [
            line for line in result.diffs.get(name, "").splitlines() if not line.startswith("#")
        ]
        print("\n".join(body))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module paths (default: all)")
    parser.add_argument("--list", action="store_true", help="list modules and their tests")
    parser.add_argument("--min-score", type=float, default=MIN_SCORE_PERCENT)
    parser.add_argument("--quiet", action="store_true", help="do not print survivor diffs")
    parser.add_argument(
        "--no-run", action="store_true", help="reclassify the last run in build/mutate/"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the mutation check; 1 when a module is below the minimum score or errs."""
    args = parse_args(argv)
    modules = all_modules(ROOT)
    unknown = [m for m in args.modules if m not in modules]
    if unknown:
        print(f"unknown module(s): {', '.join(unknown)}; known: {', '.join(modules)}")
        return 2
    chosen = {m: modules[m] for m in (args.modules or modules)}
    if args.list:
        for module, tests in chosen.items():
            print(f"{module}: {' '.join(tests) or '(no tests)'}")
        return 0
    results = []
    for module, tests in chosen.items():
        print(f"mutating {module} against {len(tests)} test file(s) ...", flush=True)
        result = run_module(ROOT, module, tests, run=not args.no_run)
        results.append(result)
        print(report_line(result), flush=True)
        if not args.quiet:
            print_survivors(result)
    print(
        "\n| module | mutants | killed | survived | equivalent | import-time | killed of the rest |"
    )
    print("|---|---|---|---|---|---|---|")
    for result in results:
        print(report_line(result))
    failing = [r.module for r in results if r.error or r.score_percent < args.min_score]
    if failing:
        print(f"\nbelow {args.min_score:.0f}% or failed: {', '.join(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
