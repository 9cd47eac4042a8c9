# uasyncio on uaio: MicroPython's asyncio (and the uasyncio 2.x interface)
# on a Rust scheduling core. Also importable as `asyncio`.
from .core import *  # noqa: F401,F403
from .core import TimeoutError  # shadows the builtin, as in MicroPython
from .event import Event, ThreadSafeFlag
from .lock import Lock
from .funcs import gather, wait_for, wait_for_ms

try:
    from ._v2 import *  # noqa: F401,F403  the 2.x layer (profiles default, full)
except ImportError as e:
    if str(e)[:5] == "uaio:":
        raise  # present, but the C module was built without it

__version__ = (3, 0, 0)

# Names that load on first use: streams, and the optional subpackages.
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
    "Semaphore": "semaphore",
    "BoundedSemaphore": "semaphore",
}
# Subpackages frozen or installed only when asked for (port/README.md).
_optional = ("queues", "semaphore", "synchro", "udp", "websocket")


def _load(mod):
    try:
        return __import__(mod, None, None, True, 1)
    except ImportError as e:
        # Named, not a bare "can't import name": a subpackage left out.
        raise ImportError("uasyncio.%s is not installed (%s)" % (mod, e))


def __getattr__(attr):
    # `from uasyncio import *` asks for __all__ (since MicroPython 1.26):
    # every public name, those of installed subpackages too.
    if attr == "__all__":
        names = [k for k in globals() if k[0] != "_"]
        for k, mod in _lazy.items():
            try:
                _load(mod)
                names.append(k)
            except ImportError:
                pass
        return names
    mod = _lazy.get(attr, attr)
    if mod == attr and attr not in _optional:
        # Other submodules (`from uasyncio import core`) load on first use.
        try:
            value = __import__(attr, None, None, True, 1)
        except ImportError:
            raise AttributeError(attr)
    else:
        value = _load(mod)
        if mod != attr:
            value = getattr(value, attr)
    globals()[attr] = value
    return value
