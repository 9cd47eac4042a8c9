#!/usr/bin/env python3
# Tests of the difftest driver itself, with CPython standing in for all
# three interpreters (programs of the scenes CPython runs): no divergence
# when they agree; a changed output, a hang and a dead interpreter are each
# reported with the seed and the program's index, and the program is left
# to replay; a missing binary is a clear error.
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCENES = "scene_tasks,scene_event,scene_gather"
failures = []

# A stand-in interpreter: runs the batch driver with CPython, and misbehaves
# on the program whose file name ends with the index in DT_FAKE_AT.
FAKE = r"""
import os, subprocess, sys, time
mode, at = os.environ["DT_FAKE"], os.environ.get("DT_FAKE_AT", "")
if os.environ.get("DT_ROLE") != "uaio":
    mode = "none"  # only the stand-in for uaio misbehaves
src = open(sys.argv[-1]).read()
paths = eval(src[src.index("["):src.index("]") + 1])
for p in paths:
    print("#### difftest " + p, flush=True)
    sys.stderr.write("#### difftest " + p + "\n")
    out = subprocess.run([sys.executable, p], capture_output=True, text=True).stdout
    if p.endswith("p%05d.py" % int(at or -1)):
        if mode == "change":
            out = out.replace("'s0'", "'s0 changed'").replace("s0 ", "s0 changed ", 1)
        elif mode == "hang":
            time.sleep(1000)
        elif mode == "die":
            os._exit(3)
    sys.stdout.write(out)
    sys.stdout.flush()
"""


def run(out, uaio_env=None, uaio=None, n=12):
    fake = os.path.join(out, "fake.py")
    with open(fake, "w") as f:
        f.write(FAKE)
    wrapper = os.path.join(out, "fake.sh")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec %s %s "$@"\n' % (sys.executable, fake))
    fake_uaio = os.path.join(out, "fake_uaio.sh")
    with open(fake_uaio, "w") as f:
        f.write('#!/bin/sh\nDT_ROLE=uaio exec %s %s "$@"\n' % (sys.executable, fake))
    for w in (wrapper, fake_uaio):
        os.chmod(w, 0o755)
    env = dict(os.environ, DT_FAKE="none")
    env.update(uaio_env or {})
    cmd = [sys.executable, os.path.join(HERE, "difftest.py"), "--seed", "5", "--n", str(n), "--scenes", SCENES,
           "--uaio", uaio or fake_uaio, "--stock", wrapper, "--python", sys.executable,
           "--out", out, "--hang", "3", "--batch", "5"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def check(name, cond, text):
    if not cond:
        failures.append(name)
        print("FAIL", name)
        print(text)
    else:
        print("ok  ", name)


with tempfile.TemporaryDirectory() as out:
    rc, text = run(out)
    check("agreeing interpreters: no divergence", rc == 0 and "0 divergence(s)" in text, text)

    rc, text = run(out, {"DT_FAKE": "change", "DT_FAKE_AT": "4"})
    check(
        "changed output: seed and index reported, program left",
        rc == 1 and "seed 5, program 4:" in text and "differs from stock" in text
        and os.path.exists(os.path.join(out, "fail-5-4.py")) and "program 3:" not in text and "program 5:" not in text,
        text,
    )

    rc, text = run(out, {"DT_FAKE": "hang", "DT_FAKE_AT": "2"})
    check(
        "hang: that program reported, the rest of its batch still run",
        rc == 1 and "seed 5, program 2:" in text and "+HANG" in text and "program 3:" not in text,
        text,
    )

    rc, text = run(out, {"DT_FAKE": "die", "DT_FAKE_AT": "1"})
    check(
        "interpreter death: that program reported, the rest of its batch still run",
        rc == 1 and "program 1:" in text and "+EXIT 3" in text and "program 2:" not in text,
        text,
    )

    rc, text = run(out, uaio=os.path.join(out, "no-such-micropython"))
    check("missing binary: clear error", rc != 0 and "not found" in text, text)

sys.exit(1 if failures else 0)
