# Cancelling a task whose chain of awaits ends at the running task: uaio
# refuses with RuntimeError, as for cancelling itself (docs/DIFFERENCES.md;
# stock returns and cancels nothing, CPython cancels the chain).
import asyncio

async def child():
    await asyncio.sleep_ms(0)
    try:
        parent.cancel()
        print("cancel returned")
    except RuntimeError as e:
        print("RuntimeError:", e)
    try:
        await asyncio.sleep_ms(10)
        print("child slept on")
    except asyncio.CancelledError:
        print("child cancelled")
        raise

async def parent_fn():
    global c
    c = asyncio.create_task(child())
    try:
        await c
        print("parent: child done")
    except asyncio.CancelledError:
        print("parent cancelled")

async def main():
    global parent
    parent = asyncio.create_task(parent_fn())
    await asyncio.sleep_ms(50)
    print("parent done", parent.done(), "child done", c.done())

asyncio.run(main())
