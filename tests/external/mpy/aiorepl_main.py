# micropython-lib's aiorepl with a task running beside it; the pty driver
# (part_aiorepl.py) types into it. `ticks` counts the background task's
# steps, so the driver can see that it ran while the REPL waited for input.
import asyncio
import aiorepl

ticks = 0


async def ticker():
    global ticks
    for _ in range(4000):  # bounded: 20 s at most
        ticks += 1
        await asyncio.sleep_ms(5)


async def main():
    asyncio.create_task(ticker())
    await aiorepl.task()


asyncio.run(main())
print("aiorepl returned")
