# `asyncio` is uasyncio under its modern name: one package, two names.
import sys
import uasyncio

sys.modules["asyncio"] = uasyncio
from uasyncio import *  # noqa: F401,F403 (the first import returns this module)


def __getattr__(attr):
    return getattr(uasyncio, attr)
