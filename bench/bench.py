#!/usr/bin/env python3
"""leadroute benchmark: leadroute vs DuckDB on generated exports.

    python3 bench/bench.py                 # 1M and 10M rows, 3 runs each, writes BENCHMARKS.md
    python3 bench/bench.py --sizes 1000000 --runs 5
    python3 bench/bench.py --no-duckdb-10m # skip DuckDB at 10M (slow, memory-hungry)

Needs: the Rust toolchain, /usr/bin/time (GNU time), `pip install duckdb`.
It generates the exports with the project's generator (examples/gen_leads.rs) into
bench/data/ (ignored by git), runs `leadroute score` and `leadroute assign` with
rules.example.toml (15 criteria incl. contains_any on titles, per-unit caps, a date
window, 3 stages, 3 teams with overflow, 8 reps with weights, capacities, require and
prefer), and runs the same scoring, staging and ranking as one DuckDB SQL query that
writes the same CSV. Before timing it checks that DuckDB's ids, scores, stages and
order equal leadroute's, so the comparison is like for like. Every figure is the
median of the runs: wall time, CPU time (user + system) and peak memory (max RSS).
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data")
BIN = os.path.join(ROOT, "target", "release", "leadroute")
GEN = os.path.join(ROOT, "target", "release", "examples", "gen_leads")
RULES = os.path.join(ROOT, "rules.example.toml")
AS_OF = "2026-11-01"
# Where the sections of other benchmark scripts (and hand-recorded ones) start in BENCHMARKS.md.
MARKS = ["<!-- crm -->", "<!-- ledger -->"]

COLUMNS = [
    "Lead ID", "First Name", "Last Name", "Email", "Company", "Job Title", "Industry", "Country",
    "Employees", "Annual Revenue", "Lead Source", "Interest", "Page Views", "Sessions", "Downloads",
    "Newsletter Opens", "Demo Requested", "Contact Request", "Last Activity", "Create Date", "Notes",
]


def duckdb_sql(src, out):
    """rules.example.toml as SQL: same criteria, caps, stages and order."""
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    any_of = lambda col, fn, words: " OR ".join(f"{fn}({col}, '{w}')" for w in words)
    return textwrap.dedent(f"""
    COPY (
      WITH src AS (
        SELECT *, row_number() OVER () AS pos
        FROM read_csv('{src}', all_varchar = true, header = true, delim = ',', quote = '"', escape = '"')
      ), t AS (
        SELECT *,
          lower(trim("Job Title")) AS title, lower(trim("Industry")) AS ind,
          lower(trim("Country")) AS ctry, lower(trim("Email")) AS email,
          TRY_CAST(trim("Employees") AS DECIMAL(38, 6)) AS emp,
          TRY_CAST(trim("Page Views") AS DECIMAL(38, 6)) AS pv,
          TRY_CAST(trim("Downloads") AS DECIMAL(38, 6)) AS dl,
          TRY_CAST(trim("Newsletter Opens") AS DECIMAL(38, 6)) AS nl,
          lower(trim("Demo Requested")) AS demo, lower(trim("Contact Request")) AS contact,
          TRY_CAST(trim("Last Activity") AS DATE) AS last_act,
          TRY_CAST(trim("Create Date") AS DATE) AS created
        FROM src
      ), s AS (
        SELECT *,
            (CASE WHEN {any_of('title', 'contains', ['chief', 'head of', 'director', 'vp', 'ceo', 'johtaja'])} THEN 15 ELSE 0 END)
          + (CASE WHEN {any_of('title', 'contains', ['purchasing', 'procurement', 'hankinta', 'logistics manager'])} THEN 10 ELSE 0 END)
          + (CASE WHEN title IN ('student', 'intern') THEN -20 ELSE 0 END)
          + (CASE WHEN ind IN ('logistics', 'manufacturing', 'aerospace') THEN 10 ELSE 0 END)
          + (CASE WHEN ctry IN ('fi', 'se', 'no', 'dk') THEN 5 ELSE 0 END)
          + (CASE WHEN emp >= 50 AND emp <= 5000 THEN 10 ELSE 0 END)
          + (CASE WHEN {any_of('email', 'ends_with', ['@gmail.com', '@yahoo.com'])} THEN -10 ELSE 0 END) AS fit_raw,
            (CASE WHEN pv > 0 THEN least(floor(pv / 2) * 1, 15) ELSE 0 END)
          + (CASE WHEN dl > 0 THEN least(floor(dl / 1) * 4, 12) ELSE 0 END)
          + (CASE WHEN nl >= 4 THEN 5 ELSE 0 END)
          + (CASE WHEN demo = 'yes' THEN 20 ELSE 0 END)
          + (CASE WHEN contact = 'yes' THEN 15 ELSE 0 END)
          + (CASE WHEN last_act >= DATE '{AS_OF}' - 14 THEN 10 ELSE 0 END)
          + (CASE WHEN last_act < DATE '{AS_OF}' - 90 THEN -5 ELSE 0 END) AS eng_raw,
          ends_with(email, '@rival.example') AS dq
        FROM t
      ), f AS (
        SELECT *, least(fit_raw, 60) AS fit, least(eng_raw, 60) AS engagement FROM s
      )
      SELECT {cols}, fit + engagement AS score, fit, engagement,
        CASE WHEN dq THEN 'disqualified'
             WHEN fit + engagement >= 60 AND fit >= 15 AND contact = 'yes' THEN 'sql'
             WHEN fit + engagement >= 35 THEN 'mql'
             ELSE 'lead' END AS stage
      FROM f
      ORDER BY score DESC, created ASC NULLS LAST, pos
    ) TO '{out}' (HEADER, DELIMITER ',');
    """)


DUCKDB = """
import sys, time
import duckdb
con = duckdb.connect()
con.sql("SET enable_progress_bar = false")
sql = open(sys.argv[1]).read()
t = time.perf_counter()
con.sql(sql)
print(f"QUERY_SECONDS={time.perf_counter() - t:.4f}", file=sys.stderr)
"""


def run(cmd, env=None):
    """Runs under GNU time; returns (wall s, cpu s, max RSS MB, in-process query s or None)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if p.returncode not in (0, 3):
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    t = p.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)", t).group(1)
    parts = [float(x) for x in wall.split(":")]
    wall_s = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1)) + float(
        re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    q = re.search(r"QUERY_SECONDS=([\d.]+)", t)
    return wall_s, cpu, rss, float(q.group(1)) if q else None


def fresh(out):
    """Before every timed run (untimed): the previous run's output removed and
    everything flushed, so that no run pays for the one before it."""
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["sync"], check=True)


def medians(cmds, runs):
    """Runs every command `runs` times, round-robin (machine drift hits all alike);
    returns per command the medians of (wall, cpu, rss, query)."""
    results = {name: [] for name in cmds}
    for _ in range(runs):
        for name, (cmd, out) in cmds.items():
            fresh(out)
            results[name].append(run(cmd))
    meds = {}
    for name, rs in results.items():
        med = [statistics.median(r[i] for r in rs) for i in range(3)]
        q = [r[3] for r in rs if r[3] is not None]
        meds[name] = (*med, statistics.median(q) if q else None)
    return meds


def same_ranking(a, b):
    """leadroute's and DuckDB's outputs: same ids, scores and stages in the same order."""
    with open(a, newline="", encoding="utf-8") as fa, open(b, newline="", encoding="utf-8") as fb:
        ra, rb = csv.reader(fa), csv.reader(fb)
        ha, hb = next(ra), next(rb)
        ia = [ha.index(c) for c in ("Lead ID", "score", "stage")]
        ib = [hb.index(c) for c in ("Lead ID", "score", "stage")]
        n = 0
        for x, y in zip(ra, rb):
            n += 1
            kx = (x[ia[0]], float(x[ia[1]]), x[ia[2]])
            ky = (y[ib[0]], float(y[ib[1]]), y[ib[2]])
            if kx != ky:
                return f"row {n}: leadroute {kx} vs DuckDB {ky}"
        rest = sum(1 for _ in ra) + sum(1 for _ in rb)
        return None if rest == 0 else f"different row counts after row {n}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-duckdb-10m", action="store_true", help="skip DuckDB for sizes above 1M")
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--bin", help="the leadroute binary to measure (default: the release build); e.g. an older build for a before/after")
    args = ap.parse_args()
    if args.bin:
        global BIN
        BIN = os.path.abspath(args.bin)

    subprocess.run(["cargo", "build", "--release", "--locked", "--bins", "--examples"], cwd=ROOT, check=True)
    import duckdb  # noqa: F401  (fail early when it is missing: pip install duckdb)
    os.makedirs(DATA, exist_ok=True)
    rows = []
    for n in args.sizes:
        src = os.path.join(DATA, f"leads_{n}.csv")
        if not os.path.exists(src):
            print(f"generating {src}", flush=True)
            with open(src, "wb") as f:
                subprocess.run([GEN, "--rows", str(n), "--seed", "1", "--as-of", AS_OF], stdout=f, check=True)
        size_mb = os.path.getsize(src) / 2**20
        out_lr = os.path.join(DATA, f"out_score_{n}.csv")
        out_as = os.path.join(DATA, f"out_assign_{n}.csv")
        out_db = os.path.join(DATA, f"out_duckdb_{n}.csv")
        sql = os.path.join(DATA, f"score_{n}.sql")
        with open(sql, "w") as f:
            f.write(duckdb_sql(src, out_db))
        base = ["--as-of", AS_OF, "-r", RULES, "-q"]
        out_ns = os.path.join(DATA, f"out_assign_nosync_{n}.csv")
        cmds = {
            "leadroute score": ([BIN, "score", *base, "-o", out_lr, src], out_lr),
            "leadroute assign": ([BIN, "assign", *base, "-o", out_as, src], out_as),
            "leadroute assign --no-sync": ([BIN, "assign", *base, "--no-sync", "-o", out_ns, src], out_ns),
        }
        with_duckdb = n <= 1_000_000 or not args.no_duckdb_10m
        if with_duckdb:
            cmds["DuckDB (score only)"] = ([sys.executable, "-c", DUCKDB, sql], out_db)
        print(f"{n:>10,} rows: {', '.join(cmds)} x {args.runs} ...", flush=True)
        results = medians(cmds, args.runs)
        check = same_ranking(out_lr, out_db) if with_duckdb else "not run"
        print(f"   DuckDB vs leadroute ranking: {check or 'identical'}", flush=True)
        rows.append((n, size_mb, results, check))

    write_report(args, rows)
    print(f"wrote {args.out}")


def write_report(args, rows):
    lines = [
        "# Benchmarks",
        "",
        "Made by `python3 bench/bench.py` (see its header for options) on this project's",
        f"development machine ({os.cpu_count()} cores, shared: expect some noise). Medians of {args.runs} runs.",
        f"Rules: `rules.example.toml`; data: `examples/gen_leads.rs --seed 1 --as-of {AS_OF}`; every",
        "output is a real CSV file; before each run (untimed) the previous output is removed and `sync`",
        "runs, and the commands take turns. leadroute fsyncs its outputs before the rename unless",
        "`--no-sync` (DuckDB's COPY does not fsync: `--no-sync` is the like-for-like row). DuckDB runs the same",
        "scoring, staging and ranking as one SQL query (`bench/data/score_N.sql`) and writes the same",
        "columns with COPY; its ids, scores, stages and order are checked equal to `leadroute score`.",
        "*DuckDB query* is the query alone, timed inside Python (no interpreter start or import);",
        "the ratios compare against it. *wall*, *CPU* and *peak* are for whole processes (GNU time).",
        "",
        "| rows | input MB | command | wall s | CPU s | peak MB | peak / input | wall / DuckDB query |",
        "|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n, size_mb, results, check in rows:
        db = results.get("DuckDB (score only)")
        ref = db[3] if db else None
        for name, (wall, cpu, rss, q) in results.items():
            ratio = f"{wall / ref:.2f}" if ref else "-"
            lines.append(f"| {n:,} | {size_mb:,.0f} | {name} | {wall:.2f} | {cpu:.2f} | {rss:,.0f} | {rss / size_mb:.2f} | {ratio} |")
            if q is not None:
                lines.append(f"| {n:,} | {size_mb:,.0f} | DuckDB query alone | {q:.2f} | | | | 1.00 |")
    lines.append("")
    for n, _, _, check in rows:
        lines.append(f"- {n:,} rows: DuckDB vs leadroute ranking: {check or 'identical ids, scores, stages and order'}.")
    sizes = {n: r for n, _, r, _ in rows}
    if 1_000_000 in sizes and 10_000_000 in sizes:
        for name in ("leadroute score", "leadroute assign", "leadroute assign --no-sync"):
            k = sizes[10_000_000][name][0] / sizes[1_000_000][name][0]
            lines.append(f"- {name}: 10M rows take {k:.1f}x the 1M time.")
    lines.append("")
    # Sections other scripts write (bench/ledger.py) are kept.
    kept = ""
    if os.path.exists(args.out):
        old = open(args.out, encoding="utf-8").read()
        found = [i for i in (old.find(m) for m in MARKS) if i >= 0]
        kept = old[min(found):] if found else ""
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n" + kept)


if __name__ == "__main__":
    main()
