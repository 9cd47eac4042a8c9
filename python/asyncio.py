# `asyncio` is uasyncio under its modern name: one package, two names.
import sys
import uasyncio

sys.modules["asyncio"] = uasyncio


# The first import returns this module: it looks its names up in uasyncio
# (`from asyncio import *` too, through uasyncio's __all__).
def __getattr__(attr):
    return getattr(uasyncio, attr)
