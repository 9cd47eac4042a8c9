#!/usr/bin/env python3
"""What asyncio costs on real firmware images: stock MicroPython's and uaio's
in each profile, over the same board built without asyncio. Run by
`make size` (mk/size.mk), which builds the images this reads:

  base     MICROPY_PY_ASYNCIO=0, nothing frozen for asyncio
  stock    the port as shipped (its _asyncio module, extmod/asyncio frozen)
  PROFILE  uaio: port/manifest.py with profile=PROFILE, UAIO_PROFILE=PROFILE

flash = what the image loads (code, read-only and initial data), RAM =
what lives in RAM at run time (data, bss, code copied to RAM): by each
section's flags and addresses, as arm-none-eabi-size would count them if it
did not file rp2's .data (code in RAM, flagged AX) as text. An image's cost is its size minus base's. Its parts come from the
link maps: each input section of the image minus the same of base, grouped
(Rust core, Rust compiler_builtins, libgcc, each C file, each frozen module,
qstrs); "other" is what the named parts leave of the cost (module tables,
alignment, code elsewhere that the change pulled in or dropped). A
"subpackage" row (a folder inside a frozen package) sums its modules' rows.

The goals of issue 14: lean costs at most 2x stock's flash, default 2.5x.
"""

import argparse
import json
import os
import re
import subprocess

GOALS = {"lean": 2.0, "default": 2.5}
FROZEN_PREFIX = re.compile(r"^(fun_data|proto_fun|children|const_qstr_table_data|"
                           r"const_obj_table_data|const_obj|frozen_module)_(.*)$")


def run(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def section_kinds(elf):
    """{allocated output section: (size, in flash, in RAM)}: in flash when the
    image loads it, in RAM when it lives there at run time (written, zeroed,
    or copied there from its load address, as code in RAM is)."""
    kinds = {}
    lines = run("arm-none-eabi-objdump", "-h", elf).splitlines()
    for head, flags in zip(lines, lines[1:]):
        m = re.match(r"\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s", head)
        if not m or "ALLOC" not in flags:
            continue
        name, size, vma, lma = m.group(1), int(m.group(2), 16), m.group(3), m.group(4)
        load = "LOAD" in flags
        kinds[name] = (size, load, not load or vma != lma or "READONLY" not in flags)
    return kinds


def elf_size(elf):
    """{'flash': n, 'ram': n} of an ELF (section_kinds)."""
    k = section_kinds(elf).values()
    return {"flash": sum(n for n, f, _ in k if f), "ram": sum(n for n, _, r in k if r)}


def map_file(image):
    for name in ("firmware.map", "firmware.elf.map"):
        if os.path.exists(f"{image}/{name}"):
            return f"{image}/{name}"
    raise SystemExit(f"size.py: no link map in {image}")


def map_sections(path, kinds):
    """[(input section, object, flash, ram)] from a GNU ld map."""
    out = []
    sec = None
    pending = None  # an input section whose address and size wrap to the next line
    in_map = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not in_map:
                in_map = line.startswith("Linker script and memory map")
                continue
            m = re.match(r"^(\.\S+)", line)
            if m:  # an output section
                sec = m.group(1)
                pending = None
                continue
            m = re.match(r"^ (\S+)$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            name = m and (m.group(1) or pending)
            pending = None
            if not name or name.startswith("*") or sec not in kinds:
                continue
            n = int(m.group(3), 16)
            _, flash, ram = kinds[sec]
            out.append((name, m.group(4).strip(), n if flash else 0, n if ram else 0))
    return out


def frozen_modules(image):
    """{escaped name: source path} of the modules frozen into an image, from
    frozen_content.c (its symbols carry the path with / and . as _)."""
    with open(f"{image}/frozen_content.c") as f:
        text = f.read()
    m = re.search(r"mp_frozen_names\[\] = \{(.*?)\};", text, re.S)
    paths = re.findall(r'"([^"\\]+)\\0"', m.group(1)) if m else []
    escaped = {re.sub(r"\W", "_", p[:-3] if p.endswith(".py") else p): p for p in paths}
    return {e: escaped.get(e, e) for e in re.findall(r"\bfrozen_module_(\w+)\b", text)}


def part_of(sec, obj, modules):
    """The part of the cost an input section belongs to."""
    if "libuaio" in obj:
        if "(uaio-" in obj:
            return "Rust core"
        return "C port in libuaio.a" if re.search(r"\([0-9a-f]+-uaio_", obj) else "Rust compiler_builtins"
    if "libgcc.a(" in obj:
        return "libgcc"
    m = re.search(r"/csrc/(\w+)\.(?:c\.)?o$", obj)
    if m:
        return f"C {m.group(1)}.c"
    m = re.search(r"/extmod/(modasyncio)\.(?:c\.)?o$", obj)
    if m:
        return f"C {m.group(1)}.c"
    if re.search(r"frozen_content\.(?:c\.)?o$", obj):
        m = FROZEN_PREFIX.match(sec.split(".")[-1])
        if m:
            rest = m.group(2)
            found = [mod for mod in modules if rest == mod or rest.startswith(mod + "_")]
            if found:
                return "frozen " + modules[max(found, key=len)]
        return "frozen qstrs, names, tables"
    if re.search(r"/py/qstr\.(?:c\.)?o$", obj):
        return "qstrs (C module, pool)"
    return "other"


def parts(image, base, modules):
    """{part: {'flash': n, 'ram': n}}: image's input sections minus base's."""
    acc = {}
    for sign, d in ((1, image), (-1, base)):
        kinds = section_kinds(f"{d}/firmware.elf")
        for sec, obj, flash, ram in map_sections(map_file(d), kinds):
            p = part_of(sec, obj, modules)
            a = acc.setdefault(p, {"flash": 0, "ram": 0})
            a["flash"] += sign * flash
            a["ram"] += sign * ram
    return acc


def board_report(board, images, profiles):
    sizes = {k: elf_size(f"{d}/firmware.elf") for k, d in images.items()}
    kinds = [k for k in ["stock", *profiles] if k in images]
    cost = {k: {x: sizes[k][x] - sizes["base"][x] for x in ("flash", "ram")} for k in kinds}
    base_mods = frozen_modules(images["base"])
    split = {}
    for k in kinds:
        mods = {e: p for e, p in frozen_modules(images[k]).items() if e not in base_mods}
        p = parts(images[k], images["base"], mods)
        named = {n: v for n, v in p.items() if n != "other" and (v["flash"] or v["ram"])}
        named["other"] = {x: cost[k][x] - sum(v[x] for v in named.values()) for x in ("flash", "ram")}
        # Subpackages (a folder inside a package): their sum too, a row of its own.
        for n, v in list(named.items()):
            if n.startswith("frozen ") and n.count("/") >= 2:
                sub = named.setdefault("subpackage " + n[len("frozen "):].rsplit("/", 1)[0] + "/",
                                       {"flash": 0, "ram": 0})
                sub["flash"] += v["flash"]
                sub["ram"] += v["ram"]
        split[k] = named
    stock_flash = cost["stock"]["flash"] if "stock" in cost else 0
    ratio = {k: (cost[k]["flash"] / stock_flash if stock_flash else None) for k in kinds}

    lines = [f"{board}: bytes; cost = image - base"]
    lines.append(f"  {'image':<10} {'flash':>8} {'RAM':>7} {'cost flash':>11} {'cost RAM':>9} {'x stock':>8}")
    for k in ["base", *kinds]:
        c = cost.get(k)
        r = ratio.get(k)
        lines.append(f"  {k:<10} {sizes[k]['flash']:8} {sizes[k]['ram']:7} "
                     + (f"{c['flash']:11} {c['ram']:9} {r:8.2f}" if c else ""))
    order = ["Rust core", "C port in libuaio.a", "Rust compiler_builtins", "libgcc"]
    names = sorted({n for s in split.values() for n in s})
    rows = ([n for n in order if n in names] + [n for n in names if n.startswith("C ")]
            + [n for n in names if n.startswith("frozen ") and "qstrs" not in n]
            + [n for n in names if n.startswith("frozen qstrs")]
            + [n for n in names if n.startswith("subpackage ")]
            + [n for n in names if n.startswith("qstrs")] + ["other"])
    w = max(len(n) for n in rows)
    lines.append(f"  parts (flash/RAM over base):")
    lines.append(f"  {'':<{w}} " + " ".join(f"{k:>14}" for k in kinds))
    for n in rows:
        cells = []
        for k in kinds:
            v = split[k].get(n)
            cells.append(f"{v['flash']:>8}/{v['ram']:<5}" if v else f"{'-':>14}")
        lines.append(f"  {n:<{w}} " + " ".join(cells))
    lines.append(f"  {'total':<{w}} " + " ".join(f"{cost[k]['flash']:>8}/{cost[k]['ram']:<5}" for k in kinds))
    if any(n.startswith("subpackage ") for n in rows):
        lines.append("  (a subpackage row sums its modules' rows: it is not added to the total again)")
    verdicts = {}
    for k, goal in GOALS.items():
        if k in ratio and ratio[k] is not None:
            verdicts[k] = ratio[k] <= goal
            lines.append(f"  goal {k} <= {goal}x stock's flash cost: "
                         f"{'met' if verdicts[k] else 'NOT met'} ({ratio[k]:.2f}x, "
                         f"{cost[k]['flash'] - int(goal * stock_flash):+d} bytes)")
    return "\n".join(lines), {
        "images": {k: {"dir": images[k], **sizes[k]} for k in images},
        "cost": cost, "ratio_to_stock": ratio, "parts": split, "goals_met": verdicts,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--profiles", nargs="*", default=[])
    ap.add_argument("--board", nargs="+", action="append", required=True, metavar="NAME KIND=DIR",
                    help="a board and its images, e.g. RPI_PICO base=DIR stock=DIR default=DIR")
    a = ap.parse_args()
    report = {"units": "bytes; flash: loaded sections, ram: sections in RAM at run time; cost = image - base",
              "goals": GOALS, "boards": {}}
    for name, *imgs in a.board:
        images = dict(i.split("=", 1) for i in imgs)
        missing = [k for k, d in images.items() if not os.path.exists(f"{d}/firmware.elf")]
        if "base" not in images or missing:
            raise SystemExit(f"size.py: {name}: no firmware.elf for {missing or ['base']}")
        text, data = board_report(name, images, a.profiles)
        print(text + "\n")
        report["boards"][name] = data
    os.makedirs(a.out, exist_ok=True)
    with open(f"{a.out}/size.json", "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"JSON: {a.out}/size.json")


if __name__ == "__main__":
    main()
