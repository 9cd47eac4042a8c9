# The lean profile: the modern asyncio interface and streams (what stock
# asyncio offers), no 2.x layer, no optional subpackage; importing one that
# is not there is an ImportError that names it.
import uasyncio
import asyncio
import _uaio

modern = ("create_task", "run", "sleep", "sleep_ms", "gather", "wait_for", "wait_for_ms", "Event",
          "ThreadSafeFlag", "Lock", "open_connection", "start_server", "Stream", "StreamReader",
          "StreamWriter", "Server", "Loop", "Task", "CancelledError", "TimeoutError", "current_task",
          "new_event_loop", "get_event_loop", "run_until_complete", "all_tasks")
print("modern missing", [n for n in modern if not hasattr(uasyncio, n)])

v2 = ("EventLoop", "SleepMs", "StopLoop", "IORead", "IOWrite", "IOReadDone", "IOWriteDone", "SysCall",
      "SysCall1", "Handle", "cancel", "coroutine", "ensure_future", "set_debug")
print("2.x present", [n for n in v2 if hasattr(uasyncio, n) or hasattr(uasyncio.core, n)])
loop = asyncio.get_event_loop()
print("loop", type(loop) is uasyncio.Loop, asyncio.Loop is uasyncio.Loop)
print("loop 2.x methods", [n for n in ("call_soon", "call_later", "call_later_ms", "call_at_", "add_reader",
                                       "remove_reader", "time", "wait", "cur_task") if hasattr(loop, n)])
# The C module was built with UAIO_PROFILE=lean: without what only 2.x calls.
print("_uaio 2.x", [n for n in ("find_task", "call_at", "call_later", "new_task", "push", "wait_io", "ticks",
                                "cancel_timer") if hasattr(_uaio, n)])
print("Stream 2.x", [n for n in ("awrite", "awriteiter", "aclose") if hasattr(uasyncio.Stream, n)])
print("Stream modern", [n for n in ("read", "readinto", "readline", "readexactly", "write", "drain", "close",
                                    "wait_closed") if hasattr(uasyncio.Stream, n)])

for stmt in ("import uasyncio.queues", "from uasyncio import Queue", "from uasyncio import QueueFull",
             "from uasyncio import queues", "from uasyncio.synchro import Lock", "import uasyncio.udp",
             "import uasyncio.websocket.server", "from uasyncio import Semaphore",
             "from asyncio import BoundedSemaphore", "import uasyncio._v2"):
    try:
        exec(stmt)
        print(stmt, "imported")
    except ImportError as e:
        print(stmt, "ImportError:", e)

# A name that is no subpackage's stays an AttributeError.
try:
    uasyncio.no_such_name
except AttributeError as e:
    print("AttributeError", e)

# `from uasyncio import *` gives what is installed (no error for the rest).
ns = {}
exec("from uasyncio import *", ns)
print("star", "open_connection" in ns, "Event" in ns, "Queue" in ns, "Semaphore" in ns, "EventLoop" in ns)


# The interface works.
async def main():
    ev = asyncio.Event()

    async def setter():
        await asyncio.sleep_ms(5)
        ev.set()
        return 1

    r = await asyncio.gather(setter(), ev.wait())
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    except asyncio.TimeoutError:
        print("timeout")
    return r


print("run", asyncio.run(main()))
