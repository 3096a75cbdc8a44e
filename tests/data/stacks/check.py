#!/usr/bin/env python3
# check.py FORMAT FILE PID [user]: the output of a stack tool holds, for process PID (the test
# target), a stack whose user frames hold gamma, beta, alpha, main in this order (innermost
# first) and whose kernel frames hold a syscall entry symbol (not checked with `user`: samples
# taken in user mode have no kernel stack). Prints what it saw on failure. FORMAT: plain, json
# or folded.
import json
import sys

fmt, path, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
user_only = sys.argv[4:] == ["user"]
CHAIN = ["gamma", "beta", "alpha", "main"]
ENTRY = ("entry_SYSCALL_64", "do_syscall_64", "x64_sys_call")
text = open(path).read()


def fail(msg):
    print(msg, file=sys.stderr)
    print(text[:4000], file=sys.stderr)
    sys.exit(1)


def in_order(names, want):
    """want appears in names as a contiguous run, in this order."""
    for i in range(len(names) - len(want) + 1):
        if names[i:i + len(want)] == want:
            return True
    return False


def has_entry(knames):
    if user_only:
        return True
    return any(n.startswith(ENTRY) for n in knames)


stacks = []  # (kernel names, user names) innermost first, of PID
if fmt == "plain":
    # blocks: frames (4 spaces), `comm (pid)` (4 spaces), the count (8 spaces)
    cur = []
    for line in text.splitlines():
        s = line.strip()
        if line.startswith("        ") and s.isdigit():
            if cur and cur[-1].endswith("(%d)" % pid):
                frames = cur[:-1]
                name = lambda f: f.split()[0].split("+0x")[0]
                if "--" in frames:
                    cut = frames.index("--")
                    kern, user = frames[:cut], frames[cut + 1:]
                elif user_only:
                    kern, user = [], frames  # no kernel stack: no delimiter
                else:
                    fail("no -- between kernel and user frames in: %r" % cur)
                stacks.append(([name(f) for f in kern], [name(f) for f in user]))
            cur = []
        elif line.startswith("    ") and s:
            cur.append(s)
        else:
            cur = []  # a blank line, a sample time stamp, other output
elif fmt == "json":
    for l in text.splitlines():
        if not l.startswith("{"):
            continue
        e = json.loads(l)
        ev = e["key"] if isinstance(e.get("key"), dict) else e  # sampled map: the key
        if ev.get("pid") != pid or "user_stack" not in e:
            continue
        for f in e["kernel_stack"] + e["user_stack"]:
            assert set(f) == {"addr", "sym", "offset", "module", "file", "line"}, f
            assert isinstance(f["addr"], int) and f["addr"] > 0, f
        for f in e["user_stack"]:
            if f["sym"] in CHAIN:
                assert f["module"].endswith("/stacktarget"), f
                assert f["file"].endswith("target.c") and f["line"] > 0, f
        for f in e["kernel_stack"]:
            if f["sym"]:
                assert f["module"] == "kernel" or f["module"], f
        stacks.append(([f["sym"] for f in e["kernel_stack"]], [f["sym"] for f in e["user_stack"]]))
elif fmt == "folded":
    for l in text.splitlines():
        if not l.startswith("stacktarget;"):
            continue
        frames, count = l.rsplit(" ", 1)
        assert int(count) > 0, l
        names = frames.split(";")[1:]
        # outermost first: user frames (main...gamma), then kernel ones (entry...)
        try:
            g = names.index("gamma")
        except ValueError:
            stacks.append(([], names))
            continue
        user, kern = names[:g + 1], names[g + 1:]
        stacks.append((kern[::-1], user[::-1]))
else:
    fail("unknown format " + fmt)

if not stacks:
    fail("no stack of pid %d" % pid)
good = [s for s in stacks if in_order(s[1], CHAIN) and has_entry(s[0])]
if not good:
    fail("no stack of pid %d with user frames %s in order and a syscall entry kernel frame; "
         "first: %r" % (pid, CHAIN, stacks[0]))
print("%d stacks of pid %d, %d with the full chain" % (len(stacks), pid, len(good)))
