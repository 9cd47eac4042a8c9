#!/usr/bin/env python3
"""Compares two run-tests.py result files: the stock image's and uaio's.

Prints each one's counts; fails if a test that passed on stock did not pass
on uaio, or if any test failed on uaio.

usage: compare.py <stock _results.json> <uaio _results.json> [name, default rp2]
"""
import json
import sys


def load(path):
    with open(path) as f:
        return {test: status for test, status, _reason in json.load(f)["results"]}


def counts(results):
    statuses = sorted(set(results.values()))
    return ", ".join("%d %s" % (list(results.values()).count(s), s) for s in statuses)


def main():
    stock, uaio = load(sys.argv[1]), load(sys.argv[2])
    name = sys.argv[3] if len(sys.argv) > 3 else "rp2"
    print("%s stock: %d tests: %s" % (name, len(stock), counts(stock)))
    print("%s uaio:  %d tests: %s" % (name, len(uaio), counts(uaio)))
    lost = sorted(t for t, s in stock.items() if s == "pass" and uaio.get(t) != "pass")
    failed = sorted(t for t, s in uaio.items() if s == "fail")
    for t in lost:
        print("passes on stock, not on uaio:", t)
    for t in failed:
        print("fails on uaio:", t)
    return 1 if lost or failed else 0


if __name__ == "__main__":
    sys.exit(main())
