#!/usr/bin/env python3
"""A simulated working week of five-minute runs with SLAs (issue #20).

    python3 bench/sla_week.py                 # Mon 2026-11-02 to Fri 2026-11-06, every 5 minutes
    python3 bench/sla_week.py --days 1        # one day
    python3 bench/sla_week.py --days 30 --every 15 --per-day 400 --outcomes
                                              # a month, with outcomes: does `response` recover the curve?

Leads arrive around the clock (a CRM export that grows: every lead so far, with a
`First Contacted` column). Every five minutes, `leadroute assign
--ledger` routes them with rules.example.toml plus SLAs (an SQL worked within 30
working minutes, an MQL within 240) in Helsinki working hours (08:00-17:00,
Monday to Friday). Each rep answers a lead it is given after a random delay drawn
from its own profile (some fast, one slow, a few leads never), counted in working
hours (a lead given out at night is answered in the morning); a touch shows in the
export once its time has come. A lead moved for a missed SLA is answered (or not)
by its new rep; the rep who missed it no longer does.

Prints how many leads were routed and moved, and the last run's summary (the
response table). Needs the release build (cargo build --release --examples).
Data goes to bench/data/week/ (ignored by git).
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "leadroute")
GEN = os.path.join(ROOT, "target", "release", "examples", "gen_leads")
RULES = os.path.join(ROOT, "rules.example.toml")
HELSINKI = dt.timezone(dt.timedelta(hours=2))  # EET: no daylight saving in November
SLA = ["--set", 'input.touched="First Contacted"', "--set", 'routing.timezone="Europe/Helsinki"',
       "--set", 'routing.working_hours="08:00-17:00"', "--set", "stages.sql.sla_minutes=30",
       "--set", "stages.mql.sla_minutes=240"]
# Per rep: median answer delay in minutes (log-normal around it), and the share of
# leads it never answers.
PROFILES = {"Brent": (12, 0.03), "Matti": (25, 0.05), "Liisa": (8, 0.02), "Anna": (40, 0.05),
            "Jukka": (90, 0.15), "Sanna": (6, 0.02), "Olli": (20, 0.05), "Päivi": (35, 0.08)}
NEW = {"balanced", "expertise", "account_owner", "sla_reassigned"}


def next_work(t):
    """The first working minute at or after t: 08:00-17:00 local, Monday to Friday."""
    while True:
        if t.weekday() < 5 and 8 <= t.hour < 17:
            return t
        if t.weekday() < 5 and t.hour < 8:
            t = t.replace(hour=8, minute=0, second=0, microsecond=0)
        else:
            t = (t + dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)


def after_working(t, minutes):
    """t plus `minutes` of working time: reps answer during working hours."""
    t = next_work(t)
    while True:
        end = t.replace(hour=17, minute=0, second=0, microsecond=0)
        left = (end - t).total_seconds() / 60
        if minutes <= left:
            return t + dt.timedelta(minutes=minutes)
        minutes -= left
        t = next_work(end)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--per-day", type=int, default=160, help="leads arriving per day")
    ap.add_argument("--seed", type=int, default=20261102)
    ap.add_argument("--every", type=int, default=5, help="minutes between runs")
    ap.add_argument("--outcomes", action="store_true",
                    help="also write a Won column: each lead converts with a probability that falls with the "
                         "wall-clock time from its first assignment to its first touch (CURVE), then run "
                         "`leadroute response --outcome Won` and compare its curve with CURVE")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = os.path.join(ROOT, "bench", "data", "week")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    start = dt.datetime(2026, 11, 2, 0, 0, tzinfo=HELSINKI)
    end = start + dt.timedelta(days=a.days)
    pool_text = subprocess.run([GEN, "--rows", str(a.days * a.per_day + 50), "--seed", str(a.seed), "--as-of",
                                "2026-11-02"], capture_output=True, text=True, check=True).stdout
    pool = list(csv.reader(io.StringIO(pool_text)))
    header, rows = pool[0], pool[1:]
    created_col = header.index("Create Date")
    # Arrival times, uniform over the days.
    arrivals = sorted(start + dt.timedelta(seconds=rng.uniform(0, a.days * 86400)) for _ in rows)
    for row, at in zip(rows, arrivals):
        row[created_col] = at.strftime("%Y-%m-%d %H:%M")
    touch = {}      # lead id -> touch time (datetime), once scheduled by its holder
    holder = {}     # lead id -> rep
    routed, moved, runs = 0, 0, 0
    ledger = os.path.join(work, "ledger.db")
    tick = start + dt.timedelta(minutes=a.every)
    first_at = {}   # lead id -> its first assignment
    summary = ""
    while tick <= end:
        here = [r for r, at in zip(rows, arrivals) if at <= tick]
        export = os.path.join(work, "leads.csv")
        with open(export, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header + ["First Contacted"])
            for r in here:
                t = touch.get(r[0])
                w.writerow(r + [t.strftime("%Y-%m-%d %H:%M") if t and t <= tick else ""])
        last = tick + dt.timedelta(minutes=a.every) > end
        args = [BIN, "assign", "-r", RULES, *SLA, "--ledger", ledger, "--as-of", tick.strftime("%Y-%m-%dT%H:%M"),
                "-o", os.path.join(work, "out.csv"), "--summary-json", os.path.join(work, "summary.json"), export]
        if not last:
            args.insert(2, "-q")
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode not in (0, 3):
            sys.exit(f"run at {tick} failed ({p.returncode}):\n{p.stderr}")
        runs += 1
        if last:
            summary = p.stdout
        with open(os.path.join(work, "out.csv"), newline="") as f:
            for r in csv.DictReader(f):
                if r["reason"] not in NEW:
                    continue
                lead, rep = r["Lead ID"], r["rep"]
                routed += r["reason"] != "sla_reassigned"
                moved += r["reason"] == "sla_reassigned"
                holder[lead] = rep
                first_at.setdefault(lead, tick)
                median, never = PROFILES.get(rep, (30, 0.05))
                if rng.random() < never:
                    touch.pop(lead, None)
                else:
                    delay = median * rng.lognormvariate(0, 0.8)
                    touch[lead] = after_working(tick, delay)
        tick += dt.timedelta(minutes=a.every)
    data = json.load(open(os.path.join(work, "summary.json")))
    print(f"{runs} runs from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} (+02:00), {len(rows)} leads generated, "
          f"{sum(1 for at in arrivals if at <= end)} arrived")
    print(f"leads routed: {routed}; moved for a missed SLA: {moved}")
    print(json.dumps(data.get("response"), indent=1))
    print(summary)
    if a.outcomes:
        outcome_curve(a, rng, work, header, rows, touch, first_at, end)


# The generated speed-to-lead curve: the chance a lead converts by the wall-clock
# minutes from its first assignment to its first touch (the buckets of `response`).
CURVE = [("≤ 5 min", 5, 0.30), ("≤ 30 min", 30, 0.22), ("≤ 1 h", 60, 0.16), ("≤ 4 h", 240, 0.11),
         ("≤ 24 h", 1440, 0.07), ("> 24 h", None, 0.04), ("never worked", None, 0.02)]


def bucket_of(minutes):
    if minutes is None:
        return len(CURVE) - 1
    for k, (_, bound, _) in enumerate(CURVE[:5]):
        if minutes <= bound:
            return k
    return 5


def outcome_curve(a, rng, work, header, rows, touch, first_at, end):
    export = os.path.join(work, "final.csv")
    with open(export, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header + ["First Contacted", "Won"])
        for r in rows:
            t = touch.get(r[0])
            t = t if t and t <= end else None
            first = first_at.get(r[0])
            minutes = int((t - first).total_seconds() // 60) if t and first and t >= first else None
            won = first is not None and rng.random() < CURVE[bucket_of(minutes)][2]
            w.writerow(r + [t.strftime("%Y-%m-%d %H:%M") if t else "", "yes" if won else "no"])
    args = [BIN, "response", "-r", RULES, *SLA, "--ledger", os.path.join(work, "ledger.db"), "--as-of",
            end.strftime("%Y-%m-%dT%H:%M"), "--since", "2026-11-01", "--outcome", "Won",
            "--summary-json", os.path.join(work, "response.json"), "--report", os.path.join(work, "response.html"),
            export]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"response failed ({p.returncode}):\n{p.stderr}")
    print(p.stdout)
    got = json.load(open(os.path.join(work, "response.json")))["conversion"]
    print("| bucket | generated rate | leads | converted | measured rate | 95% interval |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for (label, _, rate), b in zip(CURVE, got):
        n, k = b["leads"], b["converted"]
        lo, hi = wilson(k, n)
        print(f"| {label} | {rate:.0%} | {n} | {k} | {(k / n if n else 0):.1%} | {lo:.1%}-{hi:.1%} |")


def wilson(k, n, z=1.96):
    """The Wilson score interval of k successes in n trials."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / d
    return c - h, c + h


if __name__ == "__main__":
    main()
