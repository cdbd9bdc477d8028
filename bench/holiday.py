#!/usr/bin/env python3
"""A rep back from two weeks away, on real data (issue #18, item 1).

    python3 bench/holiday.py XEDUCATION_CSV [OLD_BINARY] [NEW_BINARY]

Thirty nightly `assign --ledger` runs of 300 X Education leads each (the public
"Lead Scoring" data set; not in this repository) with examples/xeducation.rules.toml,
Karan Singh (admissions) away 2026-11-02..11-15. Prints the admissions team's leads per
rep per day around his return, for each binary given, from `ledger export`. Runs in a
scratch folder (the current one).
"""
import subprocess, csv, sys, os, datetime, collections, io
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = sys.argv[1]
bins = {"old": sys.argv[2]} if len(sys.argv) > 2 else {}
bins["new"] = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "target", "release", "leadroute")
rules = open(os.path.join(ROOT, "examples", "xeducation.rules.toml")).read()
rules = rules.replace('name = "Karan Singh"\n', 'name = "Karan Singh"\naway = [{ from = "2026-11-02", to = "2026-11-15" }]\n', 1)
open("rules.toml", "w").write(rules)
lines = open(src, encoding="utf-8").read().splitlines(keepends=True)
header, rows = lines[0], lines[1:]
DAYS, PER = 30, 300
for label, b in bins.items():
    db = f"ledger-{label}.db"
    for f in (db, db + "-wal", db + "-shm", db + ".lock"):
        if os.path.exists(f): os.remove(f)
    for d in range(DAYS):
        day = (datetime.date(2026, 11, 2) + datetime.timedelta(days=d)).isoformat()
        open("day.csv", "w", encoding="utf-8").writelines([header] + rows[d * PER:(d + 1) * PER])
        r = subprocess.run([b, "assign", "-r", "rules.toml", "--as-of", day, "--ledger", db, "-q", "-o", "out.csv", "day.csv"], capture_output=True, text=True)
        if r.returncode not in (0, 3): print(label, day, r.returncode, r.stderr[:300]); sys.exit(1)
    out = subprocess.run([b, "ledger", "export", db], capture_output=True, text=True).stdout
    per = collections.defaultdict(collections.Counter)
    for row in csv.DictReader(io.StringIO(out)):
        if row["team"] == "admissions": per[row["as_of"]][row["rep"]] += 1
    reps = ["Priya Nair", "Karan Singh", "Sara Thomas"]
    print(f"\n{label}: admissions leads per rep per day (Karan away 11-02..11-15)")
    print("as_of       " + "  ".join(f"{r:>11}" for r in reps))
    for day in sorted(per):
        if day >= "2026-11-12" and day <= "2026-11-22":
            print(day + "  " + "  ".join(f"{per[day][r]:>11}" for r in reps))
    tot = collections.Counter()
    for day in per:
        if day >= "2026-11-16": tot.update(per[day])
    print("from 11-16 on: " + ", ".join(f"{r} {tot[r]}" for r in reps))
