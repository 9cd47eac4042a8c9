# The first interface: get_event_loop, create_task, run_until_complete,
# run_forever, stop, run, sleep, sleep_ms, call_soon, call_later_ms.
import uasyncio as asyncio

log = []


async def worker(name, n, ms):
    for i in range(n):
        log.append((name, i))
        await asyncio.sleep_ms(ms)
    return name * 2


async def main():
    a = asyncio.create_task(worker("a", 3, 0))
    b = asyncio.create_task(worker("b", 3, 0))
    await asyncio.sleep(0.01)
    print("round robin", log)
    print("results", await a, await b)
    return "main done"


print(asyncio.run(main()))

loop = asyncio.get_event_loop()
print("same loop", loop is asyncio.get_event_loop())
print("run_until_complete", loop.run_until_complete(worker("c", 1, 5)))

# call_soon runs in FIFO order; call_later_ms after its delay; stop() ends
# run_forever.
order = []
loop.call_later_ms(30, lambda: (order.append("later"), loop.stop()))
loop.call_soon(order.append, 1)
loop.call_soon(order.append, 2)
h = loop.call_later_ms(10, order.append, "cancelled")
h.cancel()
loop.run_forever()
print("callbacks", order)

# An exception ends run_until_complete with that exception.
async def fails():
    await asyncio.sleep_ms(1)
    raise ValueError("boom")


try:
    loop.run_until_complete(fails())
except ValueError as e:
    print("raised", e)

# The loop is still usable afterwards.
print(asyncio.run(worker("d", 2, 1)))
