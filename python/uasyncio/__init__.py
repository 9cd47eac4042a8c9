# uasyncio on uaio: MicroPython's asyncio (and the uasyncio 2.x interface)
# on a Rust scheduling core. Also importable as `asyncio`.
from .core import *  # noqa: F401,F403
from .core import TimeoutError  # shadows the builtin, as in MicroPython
from .event import Event, ThreadSafeFlag
from .lock import Lock
from .funcs import gather, wait_for, wait_for_ms
from .semaphore import Semaphore, BoundedSemaphore

__version__ = (3, 0, 0)

_lazy = {
    "open_connection": "stream",
    "start_server": "stream",
    "Stream": "stream",
    "StreamReader": "stream",
    "StreamWriter": "stream",
    "Server": "stream",
    "Queue": "queues",
    "QueueEmpty": "queues",
    "QueueFull": "queues",
}


def __getattr__(attr):
    # Streams and queues load on first use; so do submodules
    # (`from uasyncio import queues`). `from uasyncio import *` asks for
    # __all__ (since MicroPython 1.26): every public name, the lazy ones too.
    if attr == "__all__":
        return [k for k in globals() if k[0] != "_"] + list(_lazy)
    mod = _lazy.get(attr)
    try:
        value = __import__(mod or attr, None, None, True, 1)
    except ImportError:
        raise AttributeError(attr)
    if mod:
        value = getattr(value, attr)
    globals()[attr] = value
    return value
