#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-docs.py - checks that keep the documentation true (tests/t0002-docs.sh).

Prints one "ok - ..." or "not ok - ..." line per check (the lines
tests/run.sh counts) and exits 1 if any failed.

  paths     every repository path the docs name exists: README.md, docs/*.md,
            every */README.md and the man pages; a path is a word starting
            with a top-level directory of the repository (cli/main.c,
            `tests/lab/README.md`, docs/man/*.1; globs must match), or a
            backquoted file name with a source extension (`model.c`), which
            must be a file of the project (not checked in kernel-paths.md,
            which names kernel files); a table named with its file
            (`rules[]` of `record/normalize.c`) is defined there
  options   per command: every option line of `foliotrace CMD --help` is an
            option (a .TP tag under OPTIONS) of docs/man/foliotrace-CMD.1; every
            option tag and SYNOPSIS option of the man page is an option line
            of that --help; every long option the man page mentions anywhere
            appears in some --help (the global options: `foliotrace --help`
            against foliotrace.1); an option's argument has the same name in
            both (--timeout=T); the long options of every command line
            in the README and docs (foliotrace CMD ... --opt) are in CMD's --help
  commands  the commands `foliotrace --help` lists are the rows of commands[]
            in cli/main.c, the README's "Commands" table and the COMMANDS of
            foliotrace.1, in the same order
  keys      every key of tui/actions.c's keys[] (the help screen's list) is
            named in the KEYS section of foliotrace-tui.1, and every glyph of
            tui/scr_timeline.c's glyphs[] in its Timeline legend

usage: check-docs.py ROOT FOLIOTRACE [MANDIR [README]]
MANDIR (default ROOT/docs/man) and README (default ROOT/README.md) let the
test run the checks on altered copies, to see that they fail.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1])
FT = sys.argv[2]
MANDIR = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else os.path.join(ROOT, "docs/man")
README = os.path.abspath(sys.argv[4]) if len(sys.argv) > 4 else os.path.join(ROOT, "README.md")
fails = 0


def ok(cond, desc, detail=""):
    global fails
    if cond:
        print("ok - " + desc)
    else:
        fails += 1
        print("not ok - " + desc + (": " + detail if detail else ""))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def run_help(args):
    p = subprocess.run([FT] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    return p.stdout


# --- paths ---------------------------------------------------------------------

def repo_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True, check=True).stdout
        return [f for f in out.splitlines() if os.path.exists(os.path.join(ROOT, f))]
    except (OSError, subprocess.CalledProcessError):
        out = []
        for d, _, fs in os.walk(ROOT):
            out += [os.path.relpath(os.path.join(d, f), ROOT) for f in fs]
        return [f for f in out if not f.startswith(("build", ".git/"))]


FILES = repo_files()
TOP_DIRS = sorted(set(f.split("/")[0] for f in FILES if "/" in f and not f.startswith(".")))
BASENAMES = set(os.path.basename(f) for f in FILES)
SRC_EXT = r"\.(?:c|h|sh|py|awk|scn|sql|supp)"
PATH_RE = re.compile(r"(?<![\w./~$-])((?:%s)/[\w.*/+-]*)" % "|".join(map(re.escape, TOP_DIRS)))
LOCAL_RE = re.compile(r"`([\w+-]+%s)`" % SRC_EXT)


def doc_files():
    files = [README]
    files += sorted(glob.glob(os.path.join(ROOT, "docs/*.md")))
    files += sorted(glob.glob(os.path.join(ROOT, "*/README.md")))
    files += sorted(glob.glob(os.path.join(ROOT, "*/*/README.md")))
    files += sorted(glob.glob(os.path.join(MANDIR, "*.1")))
    return [f for f in files if not os.path.relpath(f, ROOT).startswith("build")]


def path_exists(p, docdir):
    """p may be a glob, "core/kinds.h/.c" (both), tests/tNNNN-*.sh (N a
    digit) or a test named by its number (tests/t6001)."""
    p = p.rstrip(".,:;")
    m = re.match(r"^(.*)\.(\w+)/\.(\w+)$", p)
    if m:
        return (path_exists(m.group(1) + "." + m.group(2), docdir) and
                path_exists(m.group(1) + "." + m.group(3), docdir))
    p = p.replace("NNNN", "[0-9][0-9][0-9][0-9]")
    if p.endswith("/") and "*" not in p:
        return os.path.isdir(os.path.join(ROOT, p))
    for base in (ROOT, docdir):
        if glob.glob(os.path.join(base, p)):
            return True
    if re.search(r"/t[0-9]{4}$", p):
        return bool(glob.glob(os.path.join(ROOT, p + "-*")))
    return False


def check_paths():
    for f in doc_files():
        text = read(f)
        if f.endswith(".1"):
            text = man_text(text)
        rel = os.path.relpath(f, ROOT)
        docdir = os.path.dirname(f)
        missing = []
        named = 0
        for m in PATH_RE.finditer(text):
            after = text[m.end():m.end() + 1]
            p = m.group(1)
            if after in ("<", "$", "{", "%") or p.endswith("-"):
                continue	# a placeholder: docs/man/foliotrace-<name>.1
            named += 1
            if not path_exists(p, docdir):
                missing.append(p)
        # a bare file name (not in kernel-paths.md and the families'
        # documents docs/family-*.md, which name kernel files)
        if rel != "docs/kernel-paths.md" and not rel.startswith("docs/family-"):
            for m in LOCAL_RE.finditer(text):
                named += 1
                if m.group(1) not in BASENAMES:
                    missing.append(m.group(1))
        ok(not missing, "the %d repository paths %s names exist" % (named, rel),
           "missing " + ", ".join(sorted(set(missing))))


TABLE_RE = re.compile(r"`([A-Za-z_]\w*)\[\]`(?: of| in|,? in)? \(?`?([\w/.-]+\.[ch])\b")


def check_tables():
    """A table the docs name with its file (`rules[]` of `record/normalize.c`,
    `keys[]` (`actions.c`)) is defined in that file."""
    for f in doc_files():
        if f.endswith(".1"):
            continue
        docdir = os.path.dirname(f)
        bad = []
        named = 0
        for m in TABLE_RE.finditer(read(f)):
            name, src = m.group(1), m.group(2)
            cands = [os.path.join(b, src) for b in (ROOT, docdir)]
            cands += [os.path.join(ROOT, x) for x in FILES if os.path.basename(x) == src]
            path = next((c for c in cands if os.path.isfile(c)), None)
            if "/" not in src and path is None:
                continue	# not a file of the project (checked with the paths)
            named += 1
            if not path or not re.search(r"\b%s\s*\[\s*\w*\s*\]\s*=" % re.escape(name), read(path)):
                bad.append("%s[] in %s" % (name, src))
        ok(not bad, "the %d tables %s names are defined in the files it names"
           % (named, os.path.relpath(f, ROOT)), "not found: " + ", ".join(bad))


# --- options -------------------------------------------------------------------

OPT_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9?][A-Za-z0-9-]*)")
LONG_RE = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)")


def opts_in(s):
    """Options in an option column: '-o, --output=DB', '--from=NS, --to=NS'."""
    s = re.sub(r"=[^\s,]*", "", s)
    s = re.sub(r"\[=?[^\]]*\]", "", s)
    return set(o for o in OPT_RE.findall(s) if len(o) > 1 and o != "--")


def help_options(text):
    """Options the help lists: its option lines (indented 1-8 columns and
    starting with -), and the options in brackets on its usage line."""
    found = set()
    for line in text.splitlines():
        m = re.match(r"^ {1,8}(-\S.*)$", line)
        if m:
            col = re.split(r"\s{2,}", m.group(1))[0]
            # "--variant V the code variant": stop at the first word that is
            # not an option or an upper-case argument
            words = []
            for w in col.split(" "):
                if w.startswith("-") or (words and re.match(r"^[A-Z][A-Z0-9_:.\[\]]*,?$", w)):
                    words.append(w)
                else:
                    break
            found |= opts_in(" ".join(words))
        if line.startswith("usage:"):
            for b in re.findall(r"\[([^\]]*)\]", line):
                if b.startswith("-"):
                    found |= opts_in(b.replace("|", " "))
    return found


def man_text(src):
    """The text of a roff source, font changes and escapes removed."""
    s = src.replace("\\-", "-").replace("\\(em", "-").replace("\\(en", "-")
    s = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\ |\\c", "", s)
    s = s.replace('"', "")
    s = re.sub(r"^\.(B|I|BR|RB|BI|IB|IR|RI|SM|SB)\s+", "", s, flags=re.M)
    return s


def man_sections(src):
    secs = {}
    cur = None
    lines = src.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r'^\.SH\s+"?([^"]*)"?', line)
        if m:
            cur = m.group(1).strip()
            secs[cur] = []
            continue
        if cur is not None:
            secs[cur].append(line)
    return secs


def man_tags(lines):
    tags = []
    for i, line in enumerate(lines):
        if line.startswith(".TP") and i + 1 < len(lines):
            tags.append(man_text(lines[i + 1]).strip())
    return tags


def man_options(path):
    src = read(path)
    secs = man_sections(src)
    tagged = set()
    for t in man_tags(secs.get("OPTIONS", [])):
        tagged |= opts_in(t.replace(" ", ", ").replace(",,", ","))
    syn = set()
    for line in secs.get("SYNOPSIS", []):
        syn |= opts_in(man_text(line).replace("[", " ").replace("]", " "))
    mentioned = set(LONG_RE.findall(man_text(src)))
    return tagged, syn, mentioned


ARG_RE = re.compile(r"(--[a-z0-9][a-z0-9-]*)(?:\[?=([A-Za-z][A-Za-z0-9:\[\]._-]*)\]?|\s+([A-Z][A-Z0-9_:]*)\b)?")


def option_args(cols):
    """--opt -> its argument's name ("" for none) in option columns."""
    args = {}
    for col in cols:
        for m in ARG_RE.finditer(re.sub(r"\s*=\s*", "=", col)):
            args[m.group(1)] = (m.group(2) or m.group(3) or "").strip("[]")
    return args


def help_columns(text):
    cols = []
    for line in text.splitlines():
        m = re.match(r"^ {1,8}(-\S.*)$", line)
        if m:
            cols.append(re.split(r"\s{2,}", m.group(1))[0])
    return cols


def commands(top_help):
    cmds = []
    inside = False
    for line in top_help.splitlines():
        if line.startswith("commands:"):
            inside = True
            continue
        if inside:
            m = re.match(r"^\s+([a-z][a-z-]*)\s{2,}\S", line)
            if not m:
                break
            cmds.append(m.group(1))
    return cmds


def check_options(cmds, top_help):
    helps = {c: run_help([c, "--help"]) for c in cmds}
    every = set()
    for h in list(helps.values()) + [top_help]:
        every |= set(LONG_RE.findall(h)) | help_options(h)
    pages = [(c, helps[c], os.path.join(MANDIR, "foliotrace-%s.1" % c)) for c in cmds]
    pages.append(("foliotrace", top_help, os.path.join(MANDIR, "foliotrace.1")))
    for c, h, page in pages:
        name = os.path.basename(page)
        if not os.path.exists(page):
            ok(False, "%s exists" % name)
            continue
        hopts = help_options(h)
        tagged, syn, mentioned = man_options(page)
        what = "foliotrace --help" if c == "foliotrace" else "foliotrace %s --help" % c
        ok(hopts and not hopts - tagged,
           "every option of %s is an option of %s" % (what, name),
           "not under OPTIONS: " + " ".join(sorted(hopts - tagged)) if hopts else "no options parsed")
        extra = (tagged | syn) - hopts
        ok(not extra, "every option %s lists (OPTIONS, SYNOPSIS) is in %s" % (name, what),
           "not in --help: " + " ".join(sorted(extra)))
        hargs = option_args(help_columns(h))
        margs = option_args(man_tags(man_sections(read(page)).get("OPTIONS", [])))
        differ = ["%s=%s (man: %s)" % (o, hargs[o], margs[o]) for o in sorted(set(hargs) & set(margs))
                  if hargs[o] and margs[o] and hargs[o] != margs[o]]
        ok(not differ, "the options of %s and of %s take the same argument names" % (what, name),
           "; ".join(differ))
        stale = mentioned - every
        ok(not stale, "every long option %s mentions is in some --help" % name,
           "in no --help: " + " ".join(sorted(stale)))


def check_examples(cmds):
    """A command line in the docs (foliotrace CMD ... --opt) uses options
    CMD's --help names."""
    helps = {c: run_help([c, "--help"]) for c in cmds}
    pat = re.compile(r"\bfoliotrace (%s)\b([^`#|]*)" % "|".join(map(re.escape, cmds)))
    for f in doc_files():
        if f.endswith(".1"):
            continue
        bad = []
        used = 0
        for n, line in enumerate(read(f).splitlines(), 1):
            for m in pat.finditer(line):
                for o in LONG_RE.findall(m.group(2)):
                    used += 1
                    if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), helps[m.group(1)]):
                        bad.append("line %d: %s %s" % (n, m.group(1), o))
        ok(not bad, "the %d options of foliotrace command lines in %s are in the commands' --help"
           % (used, os.path.relpath(f, ROOT)), "; ".join(bad))


# --- commands ------------------------------------------------------------------

def check_commands(cmds):
    table = re.findall(r'^\s*\{\s*"([a-z][a-z-]*)",\s*cmd_', read(os.path.join(ROOT, "cli/main.c")),
                       flags=re.M)
    ok(cmds and cmds == table, "foliotrace --help lists the rows of commands[] in cli/main.c",
       "help %s, table %s" % (cmds, table))
    readme = read(README)
    m = re.search(r"^## Commands\n(.*?)(?=^## )", readme, flags=re.M | re.S)
    listed = re.findall(r"^\| `([a-z][a-z-]*)` \|", m.group(1), flags=re.M) if m else []
    ok(listed == cmds, "the README's Commands table lists the commands of foliotrace --help, in order",
       "README %s, --help %s" % (listed, cmds))
    secs = man_sections(read(os.path.join(MANDIR, "foliotrace.1")))
    man = [t.split()[0] for t in man_tags(secs.get("COMMANDS", [])) if t]
    ok(man == cmds, "foliotrace.1's COMMANDS are the commands of foliotrace --help, in order",
       "man %s, --help %s" % (man, cmds))


# --- TUI keys ------------------------------------------------------------------

def check_keys():
    src = read(os.path.join(ROOT, "tui/actions.c"))
    m = re.search(r"keys\[\]\s*=\s*\{(.*?)^\};", src, flags=re.M | re.S)
    names = re.findall(r'^\s*\{[^"\n]*,\s*"([^"]+)",\s*"', m.group(1), flags=re.M) if m else []
    keys = set()
    for n in names:
        keys |= set(n.split())
    secs = man_sections(read(os.path.join(MANDIR, "foliotrace-tui.1")))
    text = man_text("\n".join(secs.get("KEYS", [])))
    words = set(re.split(r"[\s,;()]+", text))
    words |= set(w[:-1] for w in words if w.endswith("."))
    missing = sorted(k for k in keys
                     if k not in words and not (k.startswith("^") and "Ctrl-" + k[1:] in words))
    ok(len(keys) > 10 and not missing,
       "the KEYS of foliotrace-tui.1 name the %d keys of tui/actions.c's keys[]" % len(keys),
       "missing " + " ".join(missing) if keys else "no keys parsed")


def check_glyphs():
    src = read(os.path.join(ROOT, "tui/scr_timeline.c"))
    m = re.search(r"glyphs\[\]\s*=\s*\{(.*?)^\};", src, flags=re.M | re.S)
    gl = set(g.replace("\\'", "'") for g in
             re.findall(r"\{\s*\"[a-z_]+\",\s*'(\\'|[^'])'\s*\}", m.group(1))) if m else set()
    page = read(os.path.join(MANDIR, "foliotrace-tui.1")).replace("\\(aq", "'")
    m = re.search(r"^\.SS Timeline\n(.*?)^\.S[SH] ", page, flags=re.M | re.S)
    shown = set()
    for line in (m.group(1) if m else "").splitlines():
        if line.startswith(".B "):
            shown |= set(man_text(line[3:]).split())
    missing = sorted(gl - shown)
    ok(len(gl) > 10 and not missing,
       "the Timeline legend of foliotrace-tui.1 shows the %d glyphs of tui/scr_timeline.c" % len(gl),
       "missing " + " ".join(missing) if gl else "no glyphs parsed")


top = run_help(["--help"])
cmds = commands(top)
check_paths()
check_tables()
check_commands(cmds)
check_options(cmds, top)
check_examples(cmds)
check_keys()
check_glyphs()
sys.exit(1 if fails else 0)
