#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that the repository stands alone: nothing in it points outside it.

Usage: check_self_contained.py [--self-test] [SOURCE_DIR]
  SOURCE_DIR     scan the tree (exit 0 clean, 1 problems, 2 usage)
  --self-test    first prove that each rule fires on a small tree made to break it

Rules, each reported as file:line: problem
  1. no path into the parent folder's `shared` tree, and no name of the background
     documents that used to live there (the contract, the catalogue, the design and
     fuzzing notes): docs/ holds what the repository needs;
  2. a relative link in a markdown file resolves to a file inside the repository that
     exists, and its #fragment, when it points into a markdown file, to an anchor there;
  3. every citation of the close contract resolves to an anchor of docs/contract.md:
     IDs (D1, L3, S4, R2, E1, C1, H1), sections ("contract §1.2", a bare "§2.5"), rows
     ("§2.4 #7", "§4 #17 and #23") and rules ("§5 rule 2", "§5.3");
  4. every catalogue citation ("catalogue #29", "Catalogue §8 #6", "#41a") resolves to
     an anchor of docs/scenarios.md.
Anchors are explicit `<a id="..."></a>` tags (docs/README.md describes the scheme) or
headings (GitHub's slugs). Section signs after "RFC nnnn", "spec" or "WinSock 1.1" are
other documents' sections and are left alone.

The files are those git knows (tracked, plus new files not ignored) when SOURCE_DIR has
a .git, else every file under it except build/ and .git/. An empty file set, or a tree
without docs/contract.md and docs/scenarios.md, is an error, never a pass.
"""
import os
import re
import subprocess
import sys
import tempfile

CONTRACT = "docs/contract.md"
CATALOGUE = "docs/scenarios.md"
CHECKER = "docs/check_self_contained.py"

# Built from pieces so that this file does not match its own rule 1.
_UP = r"\.\./"
OUTSIDE = re.compile(_UP + "shared" + r"|" + "winsock" + r"-contract" + r"|" + "scenario" + r"-catalogue" +
                     r"|" + "fuzzing" + r"-notes" + r"|\b" + "DES" + r"IGN\.md")

# Contract IDs: the letter sets and ranges that exist are whatever docs/contract.md
# anchors; anything of this shape must be one of them.
CONTRACT_ID = re.compile(r"(?<![A-Za-z0-9_.\-/#])([DLSRECH])([0-9]{1,2})(?![A-Za-z0-9_\-])")
SECTION = re.compile(r"§\s*([0-9]+(?:\.[0-9]+)?)((?:\s*(?:,|and|or)?\s*#[0-9]+[ab]?)*)(?:\s+rule\s+([0-9]+))?")
CATALOGUE_REF = re.compile(r"\b[Cc]atalogue(?:\s+§\s*8)?((?:\s*(?:,|and|or)?\s*#[0-9]+[ab]?)+)")
NUMBER = re.compile(r"#([0-9]+)[ab]?")
# A section sign that belongs to another document: RFC 2525 §2.17, WinSock 1.1 spec §2.7.
FOREIGN_SECTION = re.compile(r"(RFC\s*[0-9]+|spec(ification)?|WinSock\s+1\.1|WS\s+1\.1)\W*$", re.I)
MD_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MD_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
ANCHOR_TAG = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
TEXT_SUFFIXES = (".md", ".cpp", ".hpp", ".c", ".h", ".cmake", ".txt", ".json", ".ops", ".asio", ".sh", ".py",
                 ".yml", ".yaml", ".in", ".dict", ".options", ".toml")
TEXT_NAMES = ("closesem", "run", "Dockerfile", "CMakeLists.txt", ".gitignore", ".yamllint", "build.sh")
# Fuzz inputs and recorded traces are data, not prose: only rule 1 applies to them.
SKIP_PARTS = ("/regressions/", "/seeds/", "/core/tests/traces/")


def list_files(root):
    out = None
    if os.path.exists(os.path.join(root, ".git")):
        try:
            out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                 check=True, stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.CalledProcessError) as e:
            print("note: git ls-files failed (%s); walking the folder instead" % e, file=sys.stderr)
    if out is not None:
        names = [n for n in out.split("\0") if n]
    else:
        names = []
        for top, dirs, files in os.walk(root):
            rel_top = os.path.relpath(top, root)
            dirs[:] = [d for d in dirs if not (rel_top == "." and d in ("build", ".git"))]
            for f in files:
                names.append(os.path.normpath(os.path.join(rel_top, f)).replace(os.sep, "/"))
    # A file deleted in the work tree but still in the index is not there to read.
    return sorted(n for n in set(names) if not n.startswith("build/") and os.path.isfile(os.path.join(root, n)))


def is_text(name):
    base = os.path.basename(name)
    return name.endswith(TEXT_SUFFIXES) or base in TEXT_NAMES


def read(root, name):
    with open(os.path.join(root, name), "rb") as f:
        data = f.read()
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


def slug(heading):
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors_of(text):
    found = set(ANCHOR_TAG.findall(text))
    seen = {}
    in_fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        m = None if in_fence else HEADING.match(line)
        if m:
            s = slug(m.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            found.add(s if n == 0 else "%s-%d" % (s, n))
    return found


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def strip_code(text):
    """Markdown without fenced blocks and code spans (same length, so positions hold)."""
    out = []
    in_fence = False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            out.append(" " * len(line))
        elif in_fence:
            out.append(" " * len(line))
        else:
            out.append(re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line))
    return "\n".join(out)


def section_anchor(section, number=None, rule=None):
    if rule is not None:
        return "sec-%s.%s" % (section, rule)
    if number is not None:
        return "sec-%s-%s" % (section, number)
    return "sec-%s" % section


def check(root):
    root = os.path.abspath(root)
    problems = []
    names = list_files(root)
    if not names:
        return ["%s: no files to check" % root], 0
    for doc in (CONTRACT, CATALOGUE):
        if doc not in names:
            problems.append("%s: missing %s (the document citations resolve to)" % (root, doc))
    # Without them every citation is unresolved: go on, so the report lists them all.
    contract = anchors_of(read(root, CONTRACT)) if CONTRACT in names else set()
    catalogue = anchors_of(read(root, CATALOGUE)) if CATALOGUE in names else set()
    md_anchor_cache = {}
    this_file = CHECKER  # its patterns and self-test data are not references
    checked = 0
    for name in names:
        if not is_text(name):
            continue
        text = read(root, name)
        if text is None:
            continue
        checked += 1
        citations = not any(part in "/" + name for part in SKIP_PARTS)
        where = lambda pos: "%s:%d" % (name, line_of(text, pos))  # noqa: E731
        if name != this_file:
            for m in OUTSIDE.finditer(text):
                problems.append("%s: refers to '%s', which is outside the repository (use docs/)" %
                                (where(m.start()), m.group(0)))
        scan = strip_code(text) if name.endswith(".md") else text
        if name.endswith(".md"):
            links = [(m.start(), m.group(1)) for m in MD_LINK.finditer(scan)]
            offset = 0
            for line in scan.split("\n"):
                m = MD_REF_DEF.match(line)
                if m:
                    links.append((offset + m.start(1), m.group(1)))
                offset += len(line) + 1
            for pos, target in links:
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", target):
                    continue  # https:, mailto:
                path, _, fragment = target.partition("#")
                if path:
                    full = os.path.normpath(os.path.join(root, os.path.dirname(name), path))
                    if os.path.commonpath([full, root]) != root:
                        problems.append("%s: link '%s' leads outside the repository" % (where(pos), target))
                        continue
                    if not os.path.exists(full):
                        problems.append("%s: link '%s' names a file that does not exist" % (where(pos), target))
                        continue
                else:
                    full = os.path.join(root, name)
                if fragment and full.endswith(".md"):
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    if rel not in md_anchor_cache:
                        md_anchor_cache[rel] = anchors_of(read(root, rel) or "")
                    if fragment not in md_anchor_cache[rel]:
                        problems.append("%s: link '%s': no anchor '%s' in %s" % (where(pos), target, fragment, rel))
        if name == this_file or not citations:
            continue
        for m in CONTRACT_ID.finditer(scan):
            ident = m.group(1) + m.group(2)
            if ident not in contract:
                problems.append("%s: contract ID %s has no anchor in %s" % (where(m.start()), ident, CONTRACT))
        for m in CATALOGUE_REF.finditer(scan):
            for n in NUMBER.findall(m.group(1)):
                if "scenario-%s" % n not in catalogue:
                    problems.append("%s: catalogue #%s has no anchor in %s" % (where(m.start()), n, CATALOGUE))
        for m in SECTION.finditer(scan):
            before = re.sub(r"(//|#|\*|\s)+", " ", scan[max(0, m.start() - 40):m.start()])
            if FOREIGN_SECTION.search(before):
                continue
            section, rows, rule = m.group(1), NUMBER.findall(m.group(2) or ""), m.group(3)
            if re.search(r"[Cc]atalogue\W*$", before):
                continue  # "catalogue §8 #N": checked above
            if section == "8":  # the catalogue's old section number
                for n in rows:
                    if "scenario-%s" % n not in catalogue:
                        problems.append("%s: catalogue #%s has no anchor in %s" % (where(m.start()), n, CATALOGUE))
                continue
            wanted = [section_anchor(section, n) for n in rows] if rows else [section_anchor(section, rule=rule)]
            for anchor in wanted:
                if anchor not in contract:
                    problems.append("%s: contract %s has no anchor '%s' in %s" %
                                    (where(m.start()), m.group(0).strip(), anchor, CONTRACT))
    problems = list(dict.fromkeys(problems))  # one report per problem and line
    if checked == 0:
        problems.append("%s: no text files among %d files" % (root, len(names)))
    return problems, checked


def self_test():
    """Each rule must fire on a tree made to break it, and a clean tree must pass."""
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "docs"))
        os.makedirs(os.path.join(tmp, "src"))

        def put(name, text):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)

        put(CONTRACT, '# Contract\n<a id="D1"></a> <a id="sec-1.2"></a> <a id="sec-4-17"></a> <a id="sec-5.2"></a>\n')
        put(CATALOGUE, '# Scenarios\n<a id="scenario-3"></a>\n')
        put("README.md", "[c](docs/contract.md#sec-1.2) [ok](https://example.org/x)\n")
        put("src/good.cpp", "// D1; contract §1.2; §4 #17; §5 rule 2; catalogue #3; RFC 2525 §2.17\n")
        problems, checked = check(tmp)
        if problems or checked != 4:
            return "a clean tree did not pass (%d files): %s" % (checked, problems)
        bad = {
            "src/a.cpp": ("// see " + ".." + "/shared/reference/x\n", "outside the repository"),
            "src/b.cpp": ("// " + "winsock" + "-contract.md\n", "outside the repository"),
            "src/c.cpp": ("// closesocket D9\n", "contract ID D9"),
            "src/d.cpp": ("// contract §2.4 #7\n", "sec-2.4-7"),
            "src/e.cpp": ("// §4 #17 and #99\n", "sec-4-99"),
            "src/f.cpp": ("// catalogue #44\n", "catalogue #44"),
            "src/g.cpp": ("// Catalogue §8 #12\n", "catalogue #12"),
            "src/h.cpp": ("// contract §5 rule 4\n", "sec-5.4"),
            "x.md": ("[up](../outside.md)\n", "leads outside"),
            "y.md": ("[gone](docs/nothing.md)\n", "does not exist"),
            "z.md": ("[frag](docs/contract.md#sec-9.9)\n", "no anchor 'sec-9.9'"),
        }
        for name, (text, needle) in bad.items():
            put(name, text)
            problems, _ = check(tmp)
            os.remove(os.path.join(tmp, name))
            if len(problems) != 1 or needle not in problems[0]:
                return "%s (%r) should give one problem about %r, gave %s" % (name, text, needle, problems)
        os.remove(os.path.join(tmp, CATALOGUE))
        problems, _ = check(tmp)
        if not problems or "missing" not in problems[0]:
            return "a tree without %s passed" % CATALOGUE
    with tempfile.TemporaryDirectory() as empty:
        problems, _ = check(empty)
        if not problems:
            return "an empty tree passed"
    return None


def main(argv):
    args = argv[1:]
    if args in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    run_self_test = bool(args) and args[0] == "--self-test"
    if run_self_test:
        args = args[1:]
    if len(args) > 1 or (not args and not run_self_test) or (args and not os.path.isdir(args[0])):
        print("usage: check_self_contained.py [--self-test] [SOURCE_DIR] | --help "
              "(SOURCE_DIR must be a folder)", file=sys.stderr)
        return 2
    if run_self_test:
        failure = self_test()
        if failure:
            print("check_self_contained self-test: " + failure)
            return 1
        print("check_self_contained self-test: every rule fires")
    if not args:
        return 0
    problems, checked = check(args[0])
    for p in problems:
        print(p)
    if problems:
        print("%d reference(s) outside the repository or unresolved, in %d files checked" % (len(problems), checked))
        return 1
    print("self-contained: %d files checked, every citation resolves in docs/" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
