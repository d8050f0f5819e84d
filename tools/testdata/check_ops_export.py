#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Exports op scripts with `closesem_tool ops export --c`, builds each export with a C
compiler (warnings are errors), runs it, and checks that its verdict equals `ops run`'s on
the same script and platform: both 0 (every op held), both 1 (a deviation or a failed ->),
or the runner's "skipped" (a transport or mechanism this platform lacks) where the export
exits 2. With --wine-run, the tool and the exports are Windows programs run under Wine.

Exit status: 0 every verdict agreed, 1 a disagreement (or an export that failed to build),
2 bad usage or an empty set of scripts.
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import time


def windows_path(path):
    return "Z:" + str(pathlib.Path(path).resolve()).replace("/", "\\")


class Runner:
    def __init__(self, args):
        self.args = args
        self.wine = args.wine_run is not None
        self.profile = ["--profile", args.profile] if args.profile else []

    def tool(self, arguments, timeout):
        command = ([self.args.wine_run] if self.wine else []) + [self.args.tool] + arguments
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, errors="replace")

    def path(self, path):
        return windows_path(path) if self.wine else str(path)

    def program(self, binary, timeout):
        command = ([self.args.wine_run] if self.wine else []) + [str(binary)]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, errors="replace")


def check_one(runner, script, work):
    """(ok, line) for one script."""
    name = script.stem
    source = work / (name + ".c")
    binary = work / (name + (".exe" if runner.wine else ""))
    started = time.monotonic()
    exported = runner.tool(["ops", "export", "--c"] + runner.profile + [runner.path(script), "-o", runner.path(source)], 120)
    if exported.returncode != 0:
        # A script the model calls invalid is refused by both (exit 2, FILE:LINE:COLUMN).
        reference = runner.tool(["ops", "run"] + runner.profile + [runner.path(script)], 300)
        if exported.returncode == 2 and reference.returncode == 2 and "ops run: 1 script: 0 held, 0 diverged or failed a ->, 1 with an error" in reference.stdout:
            return True, f"{script.name}: a script error (2) both: {(exported.stdout + exported.stderr).strip().splitlines()[-1:]}"
        return False, f"{script}: export failed with {exported.returncode}: {(exported.stdout + exported.stderr).strip()}"
    text = source.read_text(encoding="utf-8", errors="replace")
    flags = ["-std=c11", "-O1", "-Wall", "-Wextra", "-Werror"]
    libraries = ["-lws2_32"] if runner.wine else ["-pthread"] + (["-luring"] if "#define CS_USE_URING 1" in text else [])
    built = subprocess.run([runner.args.cc] + flags + [str(source), "-o", str(binary)] + libraries,
                           capture_output=True, text=True, timeout=300, errors="replace")
    if built.returncode != 0:
        return False, f"{script}: the export does not build ({runner.args.cc}):\n{built.stderr.strip()[:4000]}"
    try:
        ran = runner.program(binary, 300)
        exported_status = ran.returncode
        exported_output = ran.stdout + ran.stderr
    except subprocess.TimeoutExpired:
        return False, f"{script}: the export did not end within 300 s"
    (work / (name + ".export.log")).write_text(exported_output, encoding="utf-8")
    reference = runner.tool(["ops", "run"] + runner.profile + [runner.path(script)], 300)
    reference_output = reference.stdout + reference.stderr
    (work / (name + ".run.log")).write_text(reference_output, encoding="utf-8")
    skipped = re.search(r"^\s*skipped: ", reference.stdout, re.M) is not None
    if reference.returncode not in (0, 1):
        return False, f"{script}: ops run exited {reference.returncode}:\n{reference_output.strip()[:2000]}"
    wanted = 2 if (reference.returncode == 0 and skipped) else reference.returncode
    seconds = time.monotonic() - started
    verdict = {0: "held", 1: "deviation", 2: "not run here"}
    if exported_status != wanted:
        return False, (f"{script}: export exited {exported_status}, ops run's verdict is "
                       f"{verdict.get(wanted, wanted)} ({wanted}); logs in {work}/{name}.export.log and .run.log\n"
                       f"--- export ---\n{exported_output.strip()[-3000:]}\n--- ops run ---\n{reference_output.strip()[-3000:]}")
    return True, f"{script.name}: {verdict[wanted]} ({wanted}) both, {seconds:.1f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tool", required=True, help="closesem_tool (or closesem_tool.exe with --wine-run)")
    parser.add_argument("--cc", required=True, help="the C compiler for the exports")
    parser.add_argument("--wine-run", help="the mingw build's wine-run script: Windows binaries under Wine")
    parser.add_argument("--work", required=True, help="a folder for the exports, binaries and logs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--profile", help="one model profile for both the export and ops run (default: each's own)")
    parser.add_argument("--malformed", nargs="*", default=[], help="scripts the export must refuse (exit 2)")
    parser.add_argument("scripts", nargs="+", help=".ops files or folders of them")
    args = parser.parse_args()

    scripts = []
    for argument in args.scripts:
        path = pathlib.Path(argument)
        if path.is_dir():
            found = sorted(path.glob("*.ops"))
            if not found:
                print(f"check_ops_export: {path}: no .ops scripts in this folder", file=sys.stderr)
                return 2
            scripts += found
        elif path.is_file():
            scripts.append(path)
        else:
            print(f"check_ops_export: {path}: no such file or folder", file=sys.stderr)
            return 2
    if not scripts:
        print("check_ops_export: no scripts to check", file=sys.stderr)
        return 2
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    runner = Runner(args)

    failures = 0
    for bad in args.malformed:
        refused = runner.tool(["ops", "export", "--c", runner.path(bad), "-o", runner.path(work / "malformed.c")], 120)
        message = (refused.stdout + refused.stderr).strip()
        located = re.search(r"\.ops:\d+:\d+: ", message) is not None
        if refused.returncode != 2 or not located:
            failures += 1
            print(f"FAIL {bad}: a malformed script must be refused with exit 2 and FILE:LINE:COLUMN; got "
                  f"{refused.returncode}: {message[:500]}")
        else:
            print(f"ok   {pathlib.Path(bad).name}: refused (2): {message.splitlines()[0]}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for ok, line in pool.map(lambda s: check_one(runner, s, work), scripts):
            print(("ok   " if ok else "FAIL ") + line, flush=True)
            failures += 0 if ok else 1
    print(f"check_ops_export: {len(scripts)} scripts, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
