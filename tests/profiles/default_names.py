# The default profile: the modern interface, streams and the 2.x layer;
# the optional subpackages are not there, and importing one is an
# ImportError that names it.
import uasyncio
import uasyncio.core as core
import asyncio

v2 = ("EventLoop", "SleepMs", "StopLoop", "IORead", "IOWrite", "IOReadDone", "IOWriteDone", "SysCall",
      "SysCall1", "cancel", "coroutine", "ensure_future", "set_debug", "get_event_loop", "sleep_ms")
print("2.x missing", [n for n in v2 if not hasattr(uasyncio, n)])
print("core is the 2.x module", [n for n in v2 if getattr(core, n, None) is not getattr(uasyncio, n)])
print("one loop class", uasyncio.Loop is uasyncio.EventLoop, core.EventLoop is uasyncio.EventLoop,
      asyncio.EventLoop is uasyncio.EventLoop)
loop = uasyncio.get_event_loop()
print("loop", type(loop) is uasyncio.EventLoop, isinstance(loop, uasyncio.EventLoop))
print("Stream 2.x", [n for n in ("awrite", "awriteiter", "aclose") if hasattr(uasyncio.StreamWriter, n)])

for stmt in ("import uasyncio.queues", "from uasyncio import Queue", "from uasyncio import queues",
             "from uasyncio.synchro import Lock", "import uasyncio.udp", "import uasyncio.websocket.server",
             "from uasyncio import Semaphore"):
    try:
        exec(stmt)
        print(stmt, "imported")
    except ImportError as e:
        print(stmt, "ImportError:", e)


# A 2.x program: call_soon, yield n, StopLoop.
def gen(log):
    log.append("gen")
    yield 5
    log.append("slept")
    yield uasyncio.StopLoop(42)


log = []
loop.call_soon(log.append, "cb")
loop.create_task(gen(log))
print("run_forever", loop.run_forever(), log)
