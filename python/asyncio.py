# `asyncio` is uasyncio under its modern name: one package, two names.
import sys
import uasyncio

sys.modules["asyncio"] = uasyncio
# The first import returns this module: it gets uasyncio's names. Not by
# `from uasyncio import *`: since 1.26 that consults __all__, which would
# load every lazily loaded part.
for _k, _v in uasyncio.__dict__.items():
    if _k[:2] != "__" or _k in ("__getattr__", "__version__"):
        globals()[_k] = _v
del _k, _v
