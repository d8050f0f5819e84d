#!/usr/bin/env python3
"""Checks GitHub Actions workflow files for what GitHub would reject or silently ignore.

Usage: check_workflows.py FILE...   (exit 0: all good; 1: problems, one per line as
FILE: JOB: what is wrong; 2: bad usage or a file that is not YAML)

What it checks, per file: a name, an `on` trigger of known events, `jobs`; per job:
`runs-on` (or `uses` for a reusable workflow), `needs` naming jobs of the file, steps
each with exactly one of `uses` or `run`, actions pinned to a version (`owner/repo@v`),
`${{ matrix.X }}` only where the job's matrix defines X, `timeout-minutes` a number.
"""
import re
import sys

import yaml

EVENTS = {"push", "pull_request", "schedule", "workflow_dispatch", "workflow_call", "release", "pull_request_target"}
STEP_KEYS = {"name", "id", "if", "uses", "run", "with", "env", "shell", "continue-on-error", "timeout-minutes",
             "working-directory"}
JOB_KEYS = {"name", "runs-on", "needs", "if", "steps", "strategy", "container", "services", "env", "outputs",
            "timeout-minutes", "concurrency", "permissions", "defaults", "continue-on-error", "uses", "with",
            "secrets", "environment"}


def matrix_keys(job):
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    keys = {k for k in matrix if k not in ("include", "exclude")}
    for entry in matrix.get("include", []) or []:
        keys.update(entry)
    return keys


def check(path):
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        print(f"{path}: not readable YAML: {e}", file=sys.stderr)
        sys.exit(2)
    if not isinstance(doc, dict):
        return [f"{path}: not a mapping"]
    # YAML 1.1 reads a bare `on` key as True.
    trigger = doc.get("on", doc.get(True))
    if "name" not in doc:
        problems.append(f"{path}: no name")
    if trigger is None:
        problems.append(f"{path}: no `on` trigger")
    else:
        events = [trigger] if isinstance(trigger, str) else list(trigger)
        for event in events:
            if event not in EVENTS:
                problems.append(f"{path}: unknown event `{event}`")
        if isinstance(trigger, dict) and "schedule" in trigger:
            for entry in trigger["schedule"] or []:
                if len(str(entry.get("cron", "")).split()) != 5:
                    problems.append(f"{path}: schedule cron needs five fields: {entry}")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return problems + [f"{path}: no jobs"]
    for name, job in jobs.items():
        where = f"{path}: {name}"
        if not isinstance(job, dict):
            problems.append(f"{where}: not a mapping")
            continue
        for key in job:
            if key not in JOB_KEYS:
                problems.append(f"{where}: unknown job key `{key}`")
        if "runs-on" not in job and "uses" not in job:
            problems.append(f"{where}: no runs-on")
        needs = job.get("needs", [])
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in jobs:
                problems.append(f"{where}: needs `{need}`, which is not a job of this file")
        if "timeout-minutes" in job and not isinstance(job["timeout-minutes"], int):
            problems.append(f"{where}: timeout-minutes is not a number")
        keys = matrix_keys(job)
        text = yaml.safe_dump(job)
        for used in re.findall(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)", text):
            if used not in keys:
                problems.append(f"{where}: uses matrix.{used}, which its matrix does not define")
        for i, step in enumerate(job.get("steps", []) or [], 1):
            at = f"{where}: step {i}"
            if not isinstance(step, dict):
                problems.append(f"{at}: not a mapping")
                continue
            for key in step:
                if key not in STEP_KEYS:
                    problems.append(f"{at}: unknown step key `{key}`")
            if ("uses" in step) == ("run" in step):
                problems.append(f"{at}: needs exactly one of `uses` and `run`")
            if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", str(step["uses"])):
                problems.append(f"{at}: action `{step['uses']}` is not owner/repo@version")
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    problems = []
    for path in argv[1:]:
        problems += check(path)
    for problem in problems:
        print(problem)
    print(f"check_workflows: {len(argv) - 1} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
