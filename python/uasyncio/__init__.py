# uasyncio on uaio: MicroPython's asyncio with a Rust scheduling core.
from .core import *  # noqa: F401,F403

__version__ = (3, 0, 0)
