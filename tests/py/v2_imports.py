# The package layout of UASYNCIO_V2.md: uasyncio (streams, servers, the
# loop), uasyncio.core (importable on its own), uasyncio.queues,
# uasyncio.synchro, uasyncio.udp, uasyncio.websocket.server, in every import
# form 2.x programs use; `asyncio` is the same package under its modern name.
import uasyncio.core
import uasyncio.core as core

print("core", core.get_event_loop is not None, core.EventLoop is not None)

import uasyncio

print("uasyncio re-exports core", uasyncio.get_event_loop is core.get_event_loop, uasyncio.sleep_ms is core.sleep_ms)

for name in ("core", "queues", "synchro", "udp"):
    try:
        exec("from uasyncio import " + name)
        print("from uasyncio import", name, "ok")
    except Exception as e:
        print("from uasyncio import", name, repr(e))

import uasyncio.queues
import uasyncio.synchro
import uasyncio.udp
import uasyncio.websocket.server
from uasyncio.queues import Queue, QueueEmpty, QueueFull
from uasyncio.synchro import Lock
from uasyncio.websocket.server import WSReader, WSWriter

print("submodules", uasyncio.queues.Queue is Queue, uasyncio.synchro.Lock is Lock, callable(uasyncio.udp.socket))
print("websocket.server", callable(WSReader), callable(WSWriter))

for name in ("open_connection", "start_server", "StreamReader", "StreamWriter", "Event", "ThreadSafeFlag",
             "Lock", "gather", "wait_for", "wait_for_ms", "Semaphore", "BoundedSemaphore", "Queue",
             "create_task", "run", "current_task", "new_event_loop", "Loop", "Task", "CancelledError",
             "TimeoutError"):
    if not hasattr(uasyncio, name):
        print("missing", name)

import asyncio

print("asyncio is uasyncio", asyncio.Event is uasyncio.Event, asyncio.sleep_ms is uasyncio.sleep_ms,
      asyncio.get_event_loop() is uasyncio.get_event_loop(), asyncio.CancelledError is uasyncio.CancelledError)
print("asyncio.open_connection", asyncio.open_connection is uasyncio.open_connection)
