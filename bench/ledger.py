#!/usr/bin/env python3
"""leadroute ledger benchmark (issue #11): what --ledger costs.

    python3 bench/ledger.py              # all three figures, 5 runs each, prints a Markdown section
    python3 bench/ledger.py --runs 3 --big-rows 10000000

1. Rerun: `assign` of the 1M-row benchmark export without a ledger, then the same
   export recorded in a fresh ledger, then rerun against it (every routed lead is
   `assigned_before`). Capacities are lifted with --set so every lead a team takes is
   recorded. Goal: the rerun takes at most 2x the run without a ledger.
2. Size: bytes of the ledger file per assignment after that first run (goal <= 120).
3. Five-minute run: a ledger of --big-rows assignments (built with `ledger import`,
   100 imports of rows spread over 100 days, 8 reps, 5,000 accounts), then runs of
   1,000 new leads against it, each with new ids (so each records its leads).
   Goal: under 0.3 s each.

Needs the release build (cargo build --release --examples) and GNU time. Data goes
to bench/data/ (ignored by git). Every figure is the median of --runs runs.

    python3 bench/ledger.py --engine postgres --url postgres://user@localhost/bench

measures the same on a PostgreSQL ledger (reference §10.4; needs `psql`; the schema
leadroute of that database is dropped first): the rerun and the first run against
SQLite's, and 1,000 new leads against the big ledger, copied in with `ledger copy`.
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench", "data")
BIN = os.path.join(ROOT, "target", "release", "leadroute")
GEN = os.path.join(ROOT, "target", "release", "examples", "gen_leads")
RULES = os.path.join(ROOT, "rules.example.toml")
AS_OF = "2026-11-01"
REPS = ["Brent", "Matti", "Liisa", "Anna", "Jukka", "Sanna", "Olli", "Päivi"]
TEAMS = {"Brent": "product sales", "Matti": "product sales", "Liisa": "product sales",
         "Anna": "consulting", "Jukka": "consulting", "Sanna": "inside sales",
         "Olli": "inside sales", "Päivi": "inside sales"}
UNLIMITED = [a for r in REPS for a in ("--set", f"reps.{r}.capacity=100000000")]
# SLAs (issue #20): `Last Activity` read as the first touch, SLAs on both routed stages.
SLA = ["--set", 'input.touched="Last Activity"', "--set", "stages.sql.sla_minutes=30",
       "--set", "stages.mql.sla_minutes=240"]


def run(args, **kw):
    """Wall time of one run (s) and its peak memory (KB)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, capture_output=True, text=True, **kw)
    took = time.perf_counter() - start
    if p.returncode not in (0, 3):
        sys.exit(f"failed ({p.returncode}): {' '.join(args)}\n{p.stderr}")
    return took, int(p.stderr.strip().splitlines()[-1])


def export(rows, name, seed=1):
    path = os.path.join(DATA, name)
    if not os.path.exists(path):
        with open(path, "w") as f:
            subprocess.run([GEN, "--rows", str(rows), "--seed", str(seed), "--as-of", AS_OF], stdout=f, check=True)
    return path


def remove(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


ENGINE = {"name": "sqlite", "url": None}


def psql(query):
    out = subprocess.run(["psql", ENGINE["url"], "-tAc", query], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def reset(db):
    """A new, empty ledger: the file removed, or the schema dropped."""
    if ENGINE["name"] == "postgres":
        psql("DROP SCHEMA IF EXISTS leadroute CASCADE")
        return ENGINE["url"]
    remove(db)
    return db


def count(ledger):
    if ENGINE["name"] == "postgres":
        return int(psql("SELECT count(*) FROM leadroute.assigned"))
    return sql(ledger, "SELECT count(*) FROM assigned")[0][0]


def size_of(ledger):
    if ENGINE["name"] == "postgres":
        return int(psql("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE n.nspname = 'leadroute' AND c.relkind = 'r'"))
    return os.path.getsize(ledger)


def sql(db, query):
    import sqlite3
    con = sqlite3.connect(db)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def rerun(runs):
    leads = export(1_000_000, "leads_1000000.csv")
    db = reset(os.path.join(DATA, "rerun.db"))
    base = [BIN, "assign", "-r", RULES, "--as-of", AS_OF, "-q", "-o", os.path.join(DATA, "ledger_out.csv")] + UNLIMITED
    first = run(base + ["--ledger", db, leads])
    without, again, sla = [], [], []
    for _ in range(runs):
        without.append(run(base + [leads]))
        again.append(run(base + ["--ledger", db, leads]))
        # The same rerun with SLAs: every lead's touch read, judged (at the
        # first run's clock none has missed) and its response time counted.
        sla.append(run(base + SLA + ["--ledger", db, leads]))
    return without, first, again, sla, count(db), size_of(db)


def big_ledger(rows, db):
    """A ledger of `rows` assignments: 100 imports, one a day, ending the day before AS_OF."""
    if os.path.exists(db) and sql(db, "SELECT count(*) FROM assigned")[0][0] >= rows:
        return 0.0
    remove(db)
    rng = random.Random(7)
    per = rows // 100
    started = time.perf_counter()
    csv_path = os.path.join(DATA, "import.csv")
    for day in range(100):
        date = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(AS_OF, "%Y-%m-%d")) - (100 - day) * 86400 + 43200))
        with open(csv_path, "w") as f:
            f.write("id,rep,team,company\n")
            for i in range(per):
                rep = REPS[rng.randrange(len(REPS))]
                f.write(f"H-{day:03d}-{i:07d},{rep},{TEAMS[rep]},Company {rng.randrange(5000)} Oy\n")
        subprocess.run([BIN, "ledger", "import", db, "--as-of", date, "--id", "id", "--rep", "rep", "--team", "team",
                        "--account", "company", csv_path], check=True, capture_output=True)
    os.remove(csv_path)
    return time.perf_counter() - started


def five_minute(runs, big_rows):
    db = os.path.join(DATA, f"big_{big_rows}.db")
    built = big_ledger(big_rows, db)
    if ENGINE["name"] == "postgres":
        started = time.perf_counter()
        target = reset(db)
        subprocess.run([BIN, "ledger", "copy", db, target], check=True, capture_output=True)
        built += time.perf_counter() - started
        db = target
    small = export(1000, "leads_1000.csv", seed=11)
    text = open(small).read().splitlines(keepends=True)
    times, sla_times = [], []
    for k in range(runs):
        for extra, into in (([], times), (SLA, sla_times)):
            path = os.path.join(DATA, f"five_{k}.csv")
            with open(path, "w") as f:
                f.write(text[0])
                # New ids each run, as a five-minute export has.
                f.writelines(line.replace("L-", f"N{k}{len(into)}{int(time.time())}-", 1) for line in text[1:])
            into.append(run([BIN, "assign", "-r", RULES, "--as-of", AS_OF, "--ledger", db, "-q",
                             "-o", os.path.join(DATA, "five_out.csv")] + extra + [path]))
            os.remove(path)
    return built, times, sla_times, count(db), size_of(db)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big-rows", type=int, default=10_000_000)
    ap.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--url", default=os.environ.get("LEADROUTE_BENCH_POSTGRES_URL"),
                    help="with --engine postgres: the database (its schema leadroute is dropped)")
    ap.add_argument("--bin", help="the leadroute binary to measure (default: the release build); e.g. an older build for a before/after")
    a = ap.parse_args()
    if a.bin:
        global BIN
        BIN = os.path.abspath(a.bin)
    if a.engine == "postgres" and not a.url:
        sys.exit("--engine postgres needs --url postgres://... (or LEADROUTE_BENCH_POSTGRES_URL)")
    ENGINE.update(name=a.engine, url=a.url)
    os.makedirs(DATA, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "--examples", "--bin", "leadroute"], cwd=ROOT, check=True)
    med = lambda xs: statistics.median(x[0] for x in xs)
    without, first, again, sla, assigned, size = rerun(a.runs)
    built, times, sla_times, big_assigned, big_size = five_minute(a.runs, a.big_rows)
    marker = "<!-- ledger -->" if a.engine == "sqlite" else "<!-- ledger-postgres -->"
    engine = "" if a.engine == "sqlite" else " --engine postgres"
    section = f"""{marker}
### The ledger{' in PostgreSQL' if engine else ''} (`python3 bench/ledger.py{engine} --runs {a.runs} --big-rows {a.big_rows}`)

| what | figure | goal |
| --- | --- | --- |
| assign, 1M rows, no ledger | {med(without):.2f} s (peak {statistics.median(x[1] for x in without) / 1024:.0f} MB) | |
| the same, first run into a new ledger ({assigned:,} leads recorded) | {first[0]:.2f} s (peak {first[1] / 1024:.0f} MB) | |
| the same, rerun (every routed lead `assigned_before`) | {med(again):.2f} s (peak {statistics.median(x[1] for x in again) / 1024:.0f} MB) | |
| rerun / no ledger | {med(again) / med(without):.2f}x | <= 2x |
| the same rerun with SLAs (`touched`, `sla_minutes`: every lead judged, response times counted) | {med(sla):.2f} s (peak {statistics.median(x[1] for x in sla) / 1024:.0f} MB) | |
| rerun with SLAs / rerun | {med(sla) / med(again):.2f}x | <= 1.10x |
| ledger size per assignment | {size / assigned:.0f} bytes ({size:,} bytes) | <= 120 |
| 1,000 new leads against {big_assigned - 0:,} assignments | {med(times):.3f} s (each of {a.runs}: {', '.join(f'{t[0]:.3f}' for t in times)}) | < 0.3 s |
| the same with SLAs | {med(sla_times):.3f} s (each of {a.runs}: {', '.join(f'{t[0]:.3f}' for t in sla_times)}) | < 0.3 s |
| that ledger's size per assignment | {big_size / big_assigned:.0f} bytes | <= 120 |

Machine: 2 shared cores (expect noise). Rerun figures are medians of {a.runs} runs taking turns with
the run without a ledger. The big ledger: ids like `H-042-0001234`, accounts like `Company 1234 Oy`.
"""
    if built:
        section += f"(Building the {a.big_rows:,}-row ledger with 100 `ledger import` runs took {built:.0f} s.)\n"
    print(section)
    out = os.path.join(ROOT, "BENCHMARKS.md")
    old = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
    at = old.find(marker)
    rest = ""
    if at >= 0:
        # Another engine's section after this one stays.
        other = old.find("<!-- ledger", at + len(marker))
        rest = old[other:] if other >= 0 else ""
    with open(out, "w", encoding="utf-8") as f:
        f.write((old[:at] if at >= 0 else old.rstrip("\n") + "\n\n") + section + ("\n" + rest if rest else ""))


if __name__ == "__main__":
    main()
