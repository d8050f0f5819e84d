#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Keeps docs/FINDINGS.md honest: every recorded deviation has an entry, every entry's
reproducer exists and, with --run, builds and shows its deviation.

Usage: check_findings.py [--require-exports] [--run] [--wine-run PATH] [--work DIR]
                         [--self-test] SOURCE_DIR

Always (exit 1 on a problem, each reported as file:line: problem):
  1. the deviation IDs of conformance/expectations/deviations.json, of the expectation
     files (conformance/expectations/*.json, their "deviation" fields) and of the model's
     Wine rows (core/src/model/profiles.cpp) each have an entry in docs/FINDINGS.md (a
     "### ID" heading with its "<!-- finding: ... -->" line) and a row in its index, and
     every entry is such an ID;
  2. an entry's reproducer (docs/findings/ID/ID.ops or .asio) exists, its deviating line
     holds the op the entry names (an .ops line without `->`: the model decides it), and
     no folder under docs/findings/ belongs to no entry;
  3. no entry cites a file of the repository that does not exist: relative markdown
     links, and `path/like/this` spans whose first part is a top-level folder of the
     repository (build/ excepted; the exports only with --require-exports or --run).
--require-exports: each reproducer's export (ID.c for .ops, ID.cpp for .asio) exists too.
--run (implies --require-exports; needs the compilers): builds each export for the
  platform its entry names and runs it: linux entries with the host cc/g++, wine-8
  entries with x86_64-w64-mingw32-gcc / x86_64-w64-mingw32-g++-posix, run through
  --wine-run PATH (a mingw build's wine-run script) or else wine64 with WINEDEBUG=-all
  and a WINEPREFIX under --work. Each must exit 1 and name its deviating op: an .ops
  export prints "DEVIATION at line N" (N: the entry's first-line when it has one, else
  its line); an .asio export prints "DEVIATION: step K ..." where K is the step of the
  entry's line or of a line in its handler-of list. windows entries are reported as
  not run, by name.
--work DIR: where --run builds (default: a temporary folder, removed at the end).
--platform linux|wine-8: with --run, only that platform's entries (ctest runs the linux
  ones natively and the wine-8 ones in the mingw build, through its wine-run).
--export-tool TOOL: each export must equal a fresh export of its reproducer made by TOOL
  (closesem_tool; .asio ones by closesem_asio_tool beside it, or --asio-export-tool) with
  the entry's export-args; --write-exports (re)writes them instead.
--self-test: first proves on a copy of the inputs that rules 1-3 fire.

Exit status: 0 all held, 1 a problem (or a --run failure), 2 bad usage, unreadable or
missing inputs, a missing compiler or Wine, or an empty set of entries.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FINDINGS = "docs/FINDINGS.md"
DEVIATIONS = "conformance/expectations/deviations.json"
EXPECTATIONS = "conformance/expectations"
PROFILES = "core/src/model/profiles.cpp"
REPRO_DIR = "docs/findings"
PLATFORMS = ("wine-8", "linux", "windows")
COMPILE_TIMEOUT = 600
RUN_TIMEOUT = 180

HEADING = re.compile(r"^###\s+(\S+)\s*$")
META = re.compile(r"^<!--\s*finding:\s*(.*?)\s*-->\s*$")
INDEX_ROW = re.compile(r"^\|\s*\[([^\]]+)\]\(#([^)]+)\)\s*\|")
PROFILE_ROW = re.compile(r"\{Fact::\w+,\s*\"[^\"]*\",\s*\"([a-z0-9][a-z0-9.-]*)\"\}")
MD_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")


class InputError(Exception):
    """A bad or missing input: exit 2."""


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text: {e}")


def read_json(path):
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}:{e.lineno}:{e.colno}: bad JSON: {e.msg}")


def recorded_ids(root):
    """ID -> where it was seen first (file), from the three sources of rule 1."""
    ids = {}
    path = os.path.join(root, DEVIATIONS)
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("deviations"), list):
        raise InputError(f"{path}: expected an object with a \"deviations\" list")
    for n, entry in enumerate(data["deviations"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise InputError(f"{path}: deviations[{n}] has no string \"id\"")
        ids.setdefault(entry["id"], DEVIATIONS)
    if not ids:
        raise InputError(f"{path}: no deviation IDs (an empty set is an error, never a pass)")
    known = set(ids)
    folder = os.path.join(root, EXPECTATIONS)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".json") and n != "deviations.json")
    except OSError as e:
        raise InputError(f"{folder}: cannot list: {e.strerror}")
    if not names:
        raise InputError(f"{folder}: no expectation files")
    extra = {}
    for name in names:
        path = os.path.join(folder, name)
        data = read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("deviations"), list):
            raise InputError(f"{path}: expected an object with a \"deviations\" list")
        for entry in data["deviations"]:
            if isinstance(entry, dict) and isinstance(entry.get("deviation"), str):
                extra.setdefault(entry["deviation"], f"{EXPECTATIONS}/{name}")
    text = read_text(os.path.join(root, PROFILES))
    for m in PROFILE_ROW.finditer(text):
        extra.setdefault(m.group(1), PROFILES)
    for k, where in extra.items():
        ids.setdefault(k, where)
    return ids, known


def parse_meta(text, where):
    meta = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputError(f"{where}: finding line: '{part}' is not key=value")
        key, value = part.split("=", 1)
        meta[key.strip()] = value.strip()
    return meta


def parse_findings(root):
    """(entries, index IDs, lines). entries: list of dicts with id, line, meta."""
    path = os.path.join(root, FINDINGS)
    lines = read_text(path).split("\n")
    entries, index = [], {}
    in_fence = False
    for n, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = INDEX_ROW.match(line)
        if m:
            index[m.group(1)] = n
            continue
        m = HEADING.match(line)
        if m:
            entries.append({"id": m.group(1), "line": n, "meta": None, "meta_line": None})
            continue
        m = META.match(line)
        if m:
            if not entries or entries[-1]["meta"] is not None:
                raise InputError(f"{FINDINGS}:{n}: a finding line outside an entry (or a second one)")
            entries[-1]["meta"] = parse_meta(m.group(1), f"{FINDINGS}:{n}")
            entries[-1]["meta_line"] = n
    if not entries:
        raise InputError(f"{path}: no entries (### ID headings): an empty dossier is an error, never a pass")
    return entries, index, lines


def op_text(line):
    """An .ops or .asio line without its comment and `->` part, whitespace-normalised."""
    line = line.split("#", 1)[0]
    return " ".join(line.split("->", 1)[0].split())


def asio_step(lines, number):
    """The step number of line `number` of an .asio program (steps count every line but
    comments, blank lines and the leading `threads` line), or None when it is no step."""
    step = 0
    for n, raw in enumerate(lines, 1):
        text = op_text(raw)
        if not text or text.startswith("threads "):
            if n == number:
                return None
            continue
        step += 1
        if n == number:
            return step
    return None


def cited_paths(root, lines):
    """(line number, path, is a link) of every repository path the dossier cites."""
    tops = {n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n))}
    tops -= {"build", ".git"}
    out = []
    in_fence = False
    for n, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for m in MD_LINK.finditer(line):
            target = m.group(1)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            out.append((n, os.path.normpath(os.path.join("docs", target.split("#", 1)[0])), True))
        for m in CODE_SPAN.finditer(line):
            span = m.group(1).strip()
            if " " in span or "<" in span or "*" in span or "/" not in span:
                continue
            span = span.rstrip(".,;:)")
            if span.split("/", 1)[0] in tops:
                out.append((n, span, False))
    return out


def check(root, require_exports):
    """Rules 1-3. Returns (problems, entries)."""
    problems = []
    ids, known = recorded_ids(root)
    entries, index, lines = parse_findings(root)
    seen = {}
    for e in entries:
        where = f"{FINDINGS}:{e['line']}"
        if e["id"] in seen:
            problems.append(f"{where}: a second entry for {e['id']} (first at line {seen[e['id']]})")
            continue
        seen[e["id"]] = e["line"]
        if e["meta"] is None:
            problems.append(f"{where}: entry {e['id']} has no '<!-- finding: ... -->' line")
            continue
        meta = e["meta"]
        if meta.get("id") != e["id"]:
            problems.append(f"{FINDINGS}:{e['meta_line']}: finding line names id={meta.get('id')}, "
                            f"the heading {e['id']}")
        if meta.get("platform") not in PLATFORMS:
            problems.append(f"{FINDINGS}:{e['meta_line']}: platform={meta.get('platform')}: expected one of "
                            f"{', '.join(PLATFORMS)}")
        if e["id"] not in ids:
            problems.append(f"{where}: entry {e['id']} is no recorded deviation (not in {DEVIATIONS}, the "
                            f"expectation files or {PROFILES})")
        elif e["id"] not in known:
            problems.append(f"{where}: {e['id']} is used by {ids[e['id']]} but missing from {DEVIATIONS}")
        if e["id"] not in index:
            problems.append(f"{where}: entry {e['id']} has no row in the index")
        problems.extend(check_reproducer(root, e, require_exports))
    for i, first in sorted(ids.items()):
        if i not in seen:
            problems.append(f"{FINDINGS}: no entry for the deviation {i} (recorded in {first})")
    for i, n in sorted(index.items(), key=lambda kv: kv[1]):
        if i not in seen:
            problems.append(f"{FINDINGS}:{n}: index row {i} has no entry")
    wanted = {e["id"] for e in entries if e["meta"] and e["meta"].get("reproducer", "none") != "none"}
    folder = os.path.join(root, REPRO_DIR)
    if os.path.isdir(folder):
        for name in sorted(os.listdir(folder)):
            if name not in wanted:
                problems.append(f"{REPRO_DIR}/{name}: a reproducer folder no entry names")
    exports = {e["meta"]["export"] for e in entries if e["meta"] and "export" in e["meta"]}
    for n, path, link in cited_paths(root, lines):
        if path in exports:
            continue  # the exports: check_reproducer, with --require-exports
        if not os.path.exists(os.path.join(root, path)):
            what = "link" if link else "path"
            problems.append(f"{FINDINGS}:{n}: {what} '{path}' names a file that does not exist")
    return problems, entries


def check_reproducer(root, e, require_exports):
    meta, where = e["meta"], f"{FINDINGS}:{e['meta_line']}"
    repro = meta.get("reproducer")
    if repro is None:
        return [f"{where}: no reproducer= (a file, or none)"]
    if repro == "none":
        return []
    out = []
    stem = f"{REPRO_DIR}/{e['id']}/{e['id']}"
    kind = os.path.splitext(repro)[1]
    if repro not in (stem + ".ops", stem + ".asio"):
        return [f"{where}: reproducer={repro}: expected {stem}.ops or {stem}.asio"]
    export = stem + (".c" if kind == ".ops" else ".cpp")
    if meta.get("export") != export:
        out.append(f"{where}: export={meta.get('export')}: expected {export}")
    path = os.path.join(root, repro)
    if not os.path.isfile(path):
        return out + [f"{where}: reproducer {repro} does not exist"]
    if require_exports and not os.path.isfile(os.path.join(root, export)):
        how = meta.get("export-args", "--c --profile winsock" if kind == ".ops" else "--cpp --documented")
        out.append(f"{where}: export {export} does not exist (write it with "
                   f"`./closesem {'ops' if kind == '.ops' else 'asio'} export {how} {repro} -o {export}`)")
    lines = read_text(path).split("\n")
    numbers = []
    for key in ("line", "first-line"):
        if key in meta:
            if not meta[key].isdigit() or not 1 <= int(meta[key]) <= len(lines):
                out.append(f"{where}: {key}={meta[key]} is no line of {repro}")
            else:
                numbers.append((key, int(meta[key])))
    if "line" not in meta:
        out.append(f"{where}: no line= (the deviating op's line)")
    for key, n in numbers:
        if key == "line":
            text = op_text(lines[n - 1])
            if text != " ".join(meta.get("op", "").split()):
                out.append(f"{repro}:{n}: holds '{text}', the entry names op={meta.get('op')}")
            if kind == ".ops" and "->" in lines[n - 1].split("#", 1)[0]:
                out.append(f"{repro}:{n}: the deviating op carries a `->`: leave it to the model's profile")
    for n in meta.get("handler-of", "").split(","):
        if n.strip() and (not n.strip().isdigit() or asio_step(lines, int(n)) is None):
            out.append(f"{where}: handler-of={meta['handler-of']}: line {n.strip()} is no step of {repro}")
    return out


# ---------------------------------------------------------------------------- --run

def which(*names):
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def asio_include(work):
    """A folder holding only asio's headers (mingw must not see the host's /usr/include)."""
    for base in ("/usr/include", "/usr/local/include"):
        if os.path.isfile(os.path.join(base, "asio.hpp")):
            stage = os.path.join(work, "asio-include")
            os.makedirs(stage, exist_ok=True)
            for name in ("asio.hpp", "asio"):
                link = os.path.join(stage, name)
                if not os.path.lexists(link):
                    os.symlink(os.path.join(base, name), link)
            return base, stage
    raise InputError("asio's headers (asio.hpp) are not in /usr/include or /usr/local/include: install libasio-dev")


def build_command(root, e, work):
    meta = e["meta"]
    src = os.path.join(root, meta["export"])
    cpp = src.endswith(".cpp")
    if meta["platform"] == "linux":
        exe = os.path.join(work, e["id"])
        if cpp:
            compiler = which("g++", "c++")
            base, _ = asio_include(work)
            cmd = [compiler, "-std=c++17", "-O1", "-pthread", "-I" + base, src, "-o", exe]
        else:
            compiler = which("cc", "gcc")
            cmd = [compiler, "-std=c11", "-O1", "-pthread", src, "-o", exe]
            if "CS_USE_URING 1" in read_text(src):
                cmd.append("-luring")
        if compiler is None:
            raise InputError(f"{e['id']}: no host {'C++' if cpp else 'C'} compiler (g++/cc) on PATH")
        return cmd, exe
    exe = os.path.join(work, e["id"] + ".exe")
    if cpp:
        compiler = which("x86_64-w64-mingw32-g++-posix")
        _, stage = asio_include(work) if compiler else (None, None)
        cmd = [compiler, "-std=c++17", "-O1", "-I" + str(stage), src, "-o", exe, "-lws2_32", "-lmswsock", "-static"]
    else:
        compiler = which("x86_64-w64-mingw32-gcc")
        cmd = [compiler, "-std=c11", "-O1", src, "-o", exe, "-lws2_32"]
    if compiler is None:
        raise InputError(f"{e['id']}: no mingw-w64 compiler ({'x86_64-w64-mingw32-g++-posix' if cpp else 'x86_64-w64-mingw32-gcc'}) on PATH")
    return cmd, exe


def wine_command(exe, args, work):
    if args.wine_run:
        return [args.wine_run, exe], None
    wine = which("wine64") or ("/usr/lib/wine/wine64" if os.path.isfile("/usr/lib/wine/wine64") else None)
    if wine is None:
        raise InputError("wine64 is not installed (or give --wine-run PATH)")
    env = dict(os.environ, WINEDEBUG="-all", WINEPREFIX=os.path.join(work, "wineprefix"),
               WINEDLLOVERRIDES="mscoree,mshtml=")
    return [wine, exe], env


def expected_names(root, e):
    meta = e["meta"]
    path = os.path.join(root, meta["reproducer"])
    if path.endswith(".ops"):
        n = int(meta.get("first-line", meta["line"]))
        return [re.compile(r"DEVIATION at line %d\b" % n)], f"DEVIATION at line {n}"
    lines = read_text(path).split("\n")
    numbers = [int(meta["line"])] + [int(x) for x in meta.get("handler-of", "").split(",") if x.strip()]
    steps = sorted({s for s in (asio_step(lines, n) for n in numbers) if s is not None})
    pats = [re.compile(r"DEVIATION: .*\bstep %d\b" % s) for s in steps]
    return pats, "DEVIATION: naming step " + " or ".join(str(s) for s in steps)


def run_entries(root, entries, args):
    work = args.work or tempfile.mkdtemp(prefix="closesem-findings-")
    os.makedirs(work, exist_ok=True)
    failures, ran, not_run = [], 0, []
    try:
        for e in entries:
            meta = e["meta"]
            if not meta or meta.get("reproducer", "none") == "none":
                continue
            if meta["platform"] == "windows":
                not_run.append(e["id"])
                print(f"not run (needs Windows): {e['id']}")
                continue
            if args.platform and meta["platform"] != args.platform:
                print(f"not run in this pass (--platform {args.platform}): {e['id']} ({meta['platform']})")
                continue
            cmd, exe = build_command(root, e, work)
            try:
                built = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
            except subprocess.TimeoutExpired:
                failures.append(f"{e['id']}: building {meta['export']} took over {COMPILE_TIMEOUT} s")
                continue
            if built.returncode != 0:
                failures.append(f"{e['id']}: building {meta['export']} failed (exit {built.returncode}): "
                                f"{' '.join(cmd)}\n{built.stderr.strip()[-2000:]}")
                continue
            if meta["platform"] == "wine-8":
                run, env = wine_command(exe, args, work)
            else:
                run, env = [exe], None
            try:
                done = subprocess.run(run, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env,
                                      stdin=subprocess.DEVNULL, errors="replace")
            except subprocess.TimeoutExpired:
                failures.append(f"{e['id']}: {' '.join(run)} did not end within {RUN_TIMEOUT} s")
                continue
            ran += 1
            output = done.stdout + done.stderr
            pats, wanted = expected_names(root, e)
            named = any(p.search(output) for p in pats)
            if done.returncode != 1 or not named:
                tail = "\n".join(output.strip().split("\n")[-12:])
                failures.append(f"{e['id']}: expected exit 1 and '{wanted}'; got exit {done.returncode}"
                                f"{'' if named else ', and the output does not name it'}:\n{tail}")
            else:
                line = next(l for l in output.split("\n") if any(p.search(l) for p in pats))
                print(f"ok {e['id']} ({meta['platform']}): exit 1, {line.strip()}")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if ran == 0 and not failures:
        raise InputError("--run: no entry could be run here (an empty set is an error, never a pass)")
    for f in failures:
        print(f"FAIL {f}")
    print(f"check_findings --run: {ran} run, {ran - len([f for f in failures])} showed their deviation, "
          f"{len(failures)} failed; not run (needs Windows): {', '.join(not_run) if not_run else 'none'}")
    return 1 if failures else 0


# ---------------------------------------------------------------------------- exports

def export_entries(root, entries, tool, asio_tool, write):
    """Each entry's export made afresh with TOOL and its export-args: equal to the file
    checked in (or, with write, written there). A stale export is a problem."""
    problems = []
    for e in entries:
        meta = e["meta"] or {}
        repro = meta.get("reproducer", "none")
        if repro == "none":
            continue
        kind = os.path.splitext(repro)[1]
        args = meta.get("export-args", "--c --profile winsock" if kind == ".ops" else "--cpp --documented").split()
        with tempfile.TemporaryDirectory(prefix="closesem-findings-export-") as work:
            fresh = os.path.join(work, os.path.basename(meta["export"]))
            command = ([tool, "ops"] if kind == ".ops" else [asio_tool, "asio"]) + ["export"] + args + \
                [os.path.join(root, repro), "-o", fresh]
            made = subprocess.run(command, capture_output=True, text=True, timeout=120)
            if made.returncode != 0:
                problems.append(f"{repro}: `{' '.join(command[1:])}` exited {made.returncode}: "
                                f"{(made.stdout + made.stderr).strip()[:500]}")
                continue
            text = read_text(fresh)
            # (The export names the script by its file name only: the same text wherever it is.)
            target = os.path.join(root, meta["export"])
            if write:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
            elif not os.path.isfile(target):
                problems.append(f"{meta['export']}: missing (write it with --write-exports)")
            elif read_text(target) != text:
                problems.append(f"{meta['export']}: differs from a fresh `{command[1]} export {' '.join(args)}` of {repro}: "
                                f"regenerate it (check_findings.py --export-tool TOOL --write-exports)")
    return problems


# ---------------------------------------------------------------------------- self-test

def self_test(root):
    """Each rule must fire on a copy of the inputs broken on purpose."""
    def copy_tree(dst):
        for rel in (FINDINGS, DEVIATIONS, PROFILES):
            os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
            shutil.copy(os.path.join(root, rel), os.path.join(dst, rel))
        for name in os.listdir(os.path.join(root, EXPECTATIONS)):
            if name.endswith(".json"):
                shutil.copy(os.path.join(root, EXPECTATIONS, name), os.path.join(dst, EXPECTATIONS, name))
        shutil.copytree(os.path.join(root, REPRO_DIR), os.path.join(dst, REPRO_DIR))
        # The folders the dossier cites, as empty stand-ins, so rule 3 sees the same tree.
        for n, path, _ in cited_paths(root, read_text(os.path.join(root, FINDINGS)).split("\n")):
            full = os.path.join(dst, path)
            if not os.path.exists(full) and os.path.exists(os.path.join(root, path)):
                if os.path.isdir(os.path.join(root, path)):
                    os.makedirs(full, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(full), exist_ok=True)
                    open(full, "w").close()

    def expect(name, mutate, needle):
        with tempfile.TemporaryDirectory(prefix="closesem-findings-self-") as dst:
            copy_tree(dst)
            problems, _ = check(dst, False)
            if problems:
                return [f"self-test {name}: the unbroken copy already fails: {problems[0]}"]
            mutate(dst)
            try:
                problems, _ = check(dst, False)
            except InputError as err:
                problems = [str(err)]
            if not any(needle in p for p in problems):
                return [f"self-test {name}: expected a problem containing '{needle}', got {problems[:3]}"]
            return []

    def edit(rel, old, new, count=1):
        def apply(dst):
            path = os.path.join(dst, rel)
            text = read_text(path)
            if old not in text:
                raise InputError(f"self-test: '{old}' not in {rel}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, count))
        return apply

    entries, _, _ = parse_findings(root)
    ops = next(e for e in entries if e["meta"] and e["meta"].get("reproducer", "").endswith(".ops"))
    first = entries[0]["id"]
    failures = []
    failures += expect("missing entry", edit(FINDINGS, f"### {first}\n", "### renamed-away\n"),
                       f"no entry for the deviation {first}")
    failures += expect("missing reproducer",
                       lambda d: os.remove(os.path.join(d, ops["meta"]["reproducer"])), "does not exist")
    failures += expect("unrecorded ID",
                       edit(FINDINGS, "## Index\n", "## Index\n\n### not-a-deviation\n\n<!-- finding: "
                            "id=not-a-deviation; platform=linux; reproducer=none -->\n\n"),
                       "entry not-a-deviation is no recorded deviation")
    failures += expect("ID missing from the table", edit(DEVIATIONS, f'"id": "{first}"', '"id": "renamed-away"'),
                       f"{first} is used by")
    failures += expect("cited file", edit(FINDINGS, "## Index\n", "## Index\n\nSee `core/no_such_file.cpp`.\n"),
                       "'core/no_such_file.cpp' names a file that does not exist")
    failures += expect("deviating op", edit(ops["meta"]["reproducer"], ops["meta"]["op"],
                                             ops["meta"]["op"] + " -> 0"),
                       "carries a `->`")
    failures += expect("stray folder", lambda d: os.makedirs(os.path.join(d, REPRO_DIR, "stray")),
                       "a reproducer folder no entry names")
    return failures


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(
        prog="check_findings.py", description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 all held, 1 a problem, 2 bad usage or inputs.")
    parser.add_argument("source_dir", metavar="SOURCE_DIR", help="the repository's root")
    parser.add_argument("--require-exports", action="store_true", help="each reproducer's export exists too")
    parser.add_argument("--run", action="store_true", help="build and run each export (implies --require-exports)")
    parser.add_argument("--wine-run", metavar="PATH", help="a mingw build's wine-run script (else wine64)")
    parser.add_argument("--work", metavar="DIR", help="where --run builds (default: a temporary folder)")
    parser.add_argument("--self-test", action="store_true", help="first prove that each rule fires")
    parser.add_argument("--platform", choices=("linux", "wine-8"),
                        help="with --run: only the entries of this platform (the native and the Wine pass of ctest)")
    parser.add_argument("--export-tool", metavar="TOOL",
                        help="closesem_tool: each export must equal a fresh one made with it (stale: a problem)")
    parser.add_argument("--asio-export-tool", metavar="TOOL",
                        help="closesem_asio_tool for the .asio exports (default: beside --export-tool)")
    parser.add_argument("--write-exports", action="store_true", help="with --export-tool: (re)write the exports")
    if any(a in ("-h", "--help") for a in argv):
        try:
            print(__doc__)
        except BrokenPipeError:
            pass
        return 0
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    root = os.path.abspath(args.source_dir)
    if not os.path.isdir(root):
        print(f"check_findings: {args.source_dir}: no such folder", file=sys.stderr)
        return 2
    if args.wine_run and not os.access(args.wine_run, os.X_OK):
        print(f"check_findings: --wine-run {args.wine_run}: not an executable file", file=sys.stderr)
        return 2
    try:
        if args.self_test:
            failures = self_test(root)
            for f in failures:
                print(f"check_findings: {f}", file=sys.stderr)
            if failures:
                return 1
            print("check_findings: self-test: every rule fired on its broken copy")
        if args.export_tool:
            if not os.access(args.export_tool, os.X_OK):
                print(f"check_findings: --export-tool {args.export_tool}: not an executable file", file=sys.stderr)
                return 2
            asio_tool = args.asio_export_tool or os.path.join(os.path.dirname(args.export_tool), "closesem_asio_tool")
            if not os.access(asio_tool, os.X_OK):
                print(f"check_findings: {asio_tool}: not an executable file (--asio-export-tool)", file=sys.stderr)
                return 2
            stale = export_entries(root, parse_findings(root)[0], args.export_tool, asio_tool, args.write_exports)
            for p in stale:
                print(p, file=sys.stderr)
            if stale:
                return 1
            print("check_findings: every export " + ("written" if args.write_exports else "is fresh"))
        problems, entries = check(root, args.require_exports or args.run)
        for p in problems:
            print(p, file=sys.stderr)
        repro = sum(1 for e in entries if e["meta"] and e["meta"].get("reproducer", "none") != "none")
        print(f"check_findings: {len(entries)} entries ({repro} with a reproducer), "
              f"{len(problems)} problem(s)")
        if problems:
            return 1
        if args.run:
            return run_entries(root, entries, args)
        return 0
    except InputError as e:
        print(f"check_findings: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
