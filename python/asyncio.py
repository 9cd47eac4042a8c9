# `asyncio` is uasyncio under its modern name: one package, two names.
import sys
import uasyncio

sys.modules["asyncio"] = uasyncio
# The first import returns this module: it gets uasyncio's names (its
# __getattr__ too, for the names that load on first use).
globals().update(uasyncio.__dict__)
