#!/usr/bin/env python3
"""Flash and RAM that uaio adds to the qemu MPS2_AN385 image, next to what
MicroPython's stock asyncio adds. Run by `make size` (mk/size.mk), which
builds the three images this reads:

  uaio   the image of `make qemu`
  base   the same port and heap, no user C modules, nothing frozen
  stock  base plus stock asyncio's frozen package (extmod/asyncio)

uaio's addition is uaio - base, split by the link map. Stock's C modules
(_asyncio, select) cannot be switched on in the qemu port (its
mpconfigport.h #defines them to 0 and builds with -Werror), so they are
compiled alone with the port's own compile command and a config header
that includes the port's and switches them on; their qstrs and module
table entries are estimated.

flash = text + data, RAM = data + bss (arm-none-eabi-size's columns).
"""

import argparse
import json
import os
import re
import shlex
import subprocess

from size import map_sections  # scripts/size.py

SIZE = "arm-none-eabi-size"
STOCK_SRC = ("extmod/modasyncio.c", "extmod/modselect.c")
ROWS = (
    ("rust", "Rust core (libuaio.a)"),
    ("cmod", "C module objects"),
    ("frozen", "frozen Python package"),
    ("time", "time module / SysTick"),
    ("libgcc", "libgcc helpers (64-bit div, float)"),
    ("other", "qstrs, module table, padding"),
)


def elf_size(path):
    """(text, data, bss) of an ELF or object file."""
    out = subprocess.run([SIZE, path], check=True, capture_output=True, text=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return text, data, bss


def fr(text, data, bss):
    return {"flash": text + data, "ram": data + bss}


# Input sections by output section: (size, in flash, in RAM), as
# size.map_sections takes them.
SECTIONS = {".text": (0, True, False), ".data": (0, True, True), ".bss": (0, False, True)}


def map_by_file(path):
    """{input file: {'flash': n, 'ram': n}} from a GNU ld map (.text/.data/.bss)."""
    sizes = {}
    for _, obj, flash, ram in map_sections(path, SECTIONS):
        acc = sizes.setdefault(obj, {"flash": 0, "ram": 0})
        acc["flash"] += flash
        acc["ram"] += ram
    return sizes


def category(obj):
    if re.search(r"libuaio(_core|_rt)?\.a\(", obj):  # whole, or split (port/split_lib.sh)
        return "rust"
    if obj.endswith("/csrc/port_cortexm.o"):
        return "time"
    if "/csrc/" in obj:
        return "cmod"
    if obj.endswith("/frozen_content.o"):
        return "frozen"
    if "libgcc.a(" in obj:
        return "libgcc"
    return "other"


def uaio_added(uaio_dir, base_dir):
    total = {k: a - b for k, a, b in zip(
        ("flash", "ram"),
        fr(*elf_size(f"{uaio_dir}/firmware.elf")).values(),
        fr(*elf_size(f"{base_dir}/firmware.elf")).values())}
    # Object paths differ between the two builds only by their build directory.
    norm = lambda m, d: {k.replace(d, "<build>"): v for k, v in m.items()}
    new = norm(map_by_file(f"{uaio_dir}/firmware.map"), uaio_dir)
    old = norm(map_by_file(f"{base_dir}/firmware.map"), base_dir)
    rows = {k: {"flash": 0, "ram": 0} for k, _ in ROWS}
    detail = {}
    for obj in set(new) | set(old):
        d = {k: new.get(obj, {}).get(k, 0) - old.get(obj, {}).get(k, 0) for k in ("flash", "ram")}
        if d["flash"] or d["ram"]:
            detail[obj] = d
        cat = category(obj)
        if cat != "other":
            for k in d:
                rows[cat][k] += d[k]
    # The rest is whatever the named parts do not explain, so that rows sum to the total.
    for k in ("flash", "ram"):
        rows["other"][k] = total[k] - sum(rows[c][k] for c in rows if c != "other")
    others = sorted(((o, d) for o, d in detail.items() if category(o) == "other"),
                    key=lambda x: -abs(x[1]["flash"]) - abs(x[1]["ram"]))
    return rows, total, dict(others)


def stock_cc(cc_file, src):
    """The port's compile command for src, from `make -n V=1` output."""
    obj = os.path.splitext(src)[0] + ".o"
    for line in open(cc_file):
        if " -c " in line and line.rstrip().split("||")[0].rstrip().endswith(src) and obj in line:
            return shlex.split(line.split("||")[0])
    raise SystemExit(f"size.py: no compile command for {src} in {cc_file}")


def stock_c(mpy, base_dir, cc_file, out_dir):
    """Compile stock's _asyncio and select for the port; return rows' parts."""
    port = f"{mpy}/ports/qemu"
    cfg = f"{out_dir}/stockcfg"
    os.makedirs(cfg, exist_ok=True)
    # Found before the port's own (-I. comes first in its command line).
    with open(f"{cfg}/mpconfigport.h", "w") as f:
        f.write(f'#include "{port}/mpconfigport.h"\n'
                "#undef MICROPY_PY_ASYNCIO\n#define MICROPY_PY_ASYNCIO (1)\n"
                "#undef MICROPY_PY_SELECT\n#define MICROPY_PY_SELECT (1)\n")
    known = set(re.findall(r"QDEF[01]\((MP_QSTR_\w+)",
                           open(f"{base_dir}/genhdr/qstrdefs.generated.h").read()))
    cmds, needed = {}, set()
    for src in STOCK_SRC:
        cmd = stock_cc(cc_file, src)
        i = cmd.index("-o")
        cmd = [a for a in cmd[:i] + cmd[i + 2:] if a not in ("-MD",)]
        if "-MF" in cmd:
            j = cmd.index("-MF")
            del cmd[j:j + 2]
        cmd.insert(cmd.index("-I."), f"-I{cfg}")
        cmds[src] = cmd
        pre = subprocess.run(cmd[:-1] + ["-E", "-DNO_QSTR", cmd[-1]], cwd=port,
                             check=True, capture_output=True, text=True).stdout
        needed |= set(re.findall(r"\bMP_QSTR_\w+", pre))
    # qstrs the base image lacks: numbered past its own so that they compile.
    extra = sorted(needed - known)
    with open(f"{cfg}/extra_qstr.h", "w") as f:
        f.write("enum {\n" + "".join(f"    {q} = {1000 + i},\n" for i, q in enumerate(extra)) + "};\n")
    parts = {"flash": 0, "ram": 0}
    objs, objs_paths = {}, []
    for src, cmd in cmds.items():
        obj = f"{out_dir}/stock/{os.path.basename(src)[:-2]}.o"
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        subprocess.run(cmd[:-1] + ["-include", f"{cfg}/extra_qstr.h", "-o", obj, cmd[-1]],
                       cwd=port, check=True)
        objs[src] = fr(*elf_size(obj))
        objs_paths.append(obj)
        for k in parts:
            parts[k] += objs[src][k]
    libgcc = libgcc_added(cmds[STOCK_SRC[0]], list(objs_paths), f"{base_dir}/firmware.elf")
    # Each qstr: a pointer, a 2-byte hash, a 1-byte length and the string with
    # its NUL (MICROPY_QSTR_BYTES_IN_HASH is 2 at this ROM level); each module
    # an 8-byte entry in the builtin module table.
    tables = sum(4 + 2 + 1 + len(q) - len("MP_QSTR_") + 1 for q in extra) + 8 * len(STOCK_SRC)
    return parts, objs, extra, tables, libgcc


def libgcc_added(cmd, objs, base_elf):
    """Flash of the libgcc members that objs need and the base image lacks
    (the members alone, not what they in turn pull in)."""
    nm = lambda *a: subprocess.run(["arm-none-eabi-nm", *a], check=True,
                                   capture_output=True, text=True).stdout.split("\n")
    have = {l.split()[-1] for l in nm("--defined-only", base_elf) if l.strip()}
    need = {l.split()[-1] for l in nm("-u", *objs) if l.strip() and not l.endswith(":")} - have
    lib = subprocess.run([cmd[0], *(a for a in cmd if a.startswith("-m")), "-print-libgcc-file-name"],
                         check=True, capture_output=True, text=True).stdout.strip()
    members = {l.split(":")[1] for l in nm("-A", "--defined-only", lib)
               if l.count(":") >= 2 and l.split()[-1] in need}
    sizes = subprocess.run([SIZE, lib], check=True, capture_output=True, text=True).stdout
    return sum(int(l.split()[0]) + int(l.split()[1]) for l in sizes.splitlines()[1:]
               if l.split()[5] in members)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mpy", required=True)
    ap.add_argument("--uaio", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--stock", required=True)
    ap.add_argument("--cc", required=True, help="`make -n V=1` output with stock's compile commands")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    # The compiler runs in the port's directory.
    for k in ("mpy", "uaio", "base", "stock", "out"):
        setattr(a, k, os.path.abspath(getattr(a, k)))

    rows, total, others = uaio_added(a.uaio, a.base)
    c_parts, c_objs, extra_q, tables, libgcc = stock_c(a.mpy, a.base, a.cc, a.out)
    frozen = {k: s - b for k, s, b in zip(
        ("flash", "ram"), fr(*elf_size(f"{a.stock}/firmware.elf")).values(),
        fr(*elf_size(f"{a.base}/firmware.elf")).values())}
    stock = {
        "rust": {"flash": 0, "ram": 0},
        "cmod": c_parts,
        "frozen": frozen,
        # A port that has stock asyncio has a clock and `time` already.
        "time": {"flash": 0, "ram": 0},
        "libgcc": {"flash": libgcc, "ram": 0},
        "other": {"flash": tables, "ram": 0},
    }
    stock_total = {k: sum(r[k] for r in stock.values()) for k in ("flash", "ram")}

    w = max(len(label) for _, label in ROWS)
    print(f"Added to the qemu MPS2_AN385 image (bytes; flash = text+data, RAM = data+bss)")
    print(f"{'':{w}}  {'uaio flash':>10} {'uaio RAM':>9}  {'stock flash':>11} {'stock RAM':>9}")
    for key, label in ROWS:
        u, s = rows[key], stock[key]
        print(f"{label:{w}}  {u['flash']:10} {u['ram']:9}  {s['flash']:11} {s['ram']:9}")
    print(f"{'total':{w}}  {total['flash']:10} {total['ram']:9}  {stock_total['flash']:11} {stock_total['ram']:9}")
    met = total["flash"] <= stock_total["flash"]
    no_time = total["flash"] - rows["time"]["flash"]
    print(f"target 'uaio adds no more flash than stock': {'met' if met else 'NOT met'} "
          f"({total['flash'] - stock_total['flash']:+d} bytes; "
          f"{no_time - stock_total['flash']:+d} without the time/SysTick line)")
    print("stock: C modules compiled alone (the qemu port cannot enable them), its qstrs and "
          "module table entries estimated; frozen package measured in a qemu image.")

    with open(f"{a.out}/size.json", "w") as f:
        json.dump({
            "board": "MPS2_AN385",
            "units": "bytes; flash = text+data, ram = data+bss",
            "rows": {key: {"label": label, "uaio": rows[key], "stock": stock[key]} for key, label in ROWS},
            "total": {"uaio": total, "stock": stock_total},
            "target_no_more_flash_than_stock": met,
            "uaio_other_by_object": others,
            "stock_c_objects": c_objs,
            "stock_qstrs_estimated": [q[len("MP_QSTR_"):] for q in extra_q],
        }, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
