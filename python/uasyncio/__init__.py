# uasyncio on uaio: MicroPython's asyncio (and the uasyncio 2.x interface)
# on a Rust scheduling core. Also importable as `asyncio`.
from .core import *  # noqa: F401,F403

try:
    from ._v2 import *  # noqa: F401,F403  the 2.x layer (profiles default, full)
except ImportError as e:
    if str(e)[:5] == "uaio:":
        raise  # present, but the C module was built without it

__version__ = (3, 0, 0)

# Names that load on first use: streams (in every profile), and those of
# the optional subpackages (port/README.md).
_stream = ("open_connection", "start_server", "Stream", "StreamReader", "StreamWriter", "Server")


def __getattr__(name):
    # `from uasyncio import *` asks for __all__ (since MicroPython 1.26): the
    # names of every profile (a subpackage's only once it is loaded).
    if name == "__all__":
        names = list(_stream)
        for k in globals():
            if k[0] != "_":
                names.append(k)
        return names
    # Queue, QueueEmpty, QueueFull: queues; (Bounded)Semaphore: semaphore.
    mod = (
        "stream" if name in _stream
        else "queues" if name[:5] == "Queue"
        else "semaphore" if name[-9:] == "Semaphore"
        else name
    )
    try:
        value = __import__(mod, None, None, True, 1)
    except ImportError as e:
        if mod == name and mod not in ("queues", "semaphore", "synchro", "udp", "websocket"):
            raise AttributeError(name)  # no submodule of that name
        # Named, not a bare "can't import name": a subpackage left out.
        raise ImportError("uasyncio.%s is not installed (%s)" % (mod, e))
    if mod != name:
        value = getattr(value, name)
    globals()[name] = value
    return value
