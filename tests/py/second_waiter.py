# A second task waiting on what another task already waits on (the same
# ThreadSafeFlag, or a read of the same stream) gets a clear RuntimeError;
# the first waiter is not forgotten: it still wakes when the flag is set or
# the data comes.
import _uaio
import uasyncio as asyncio

HOST = "127.0.0.1"
PORT = 18501
log = []


async def flag_waiter(name, flag):
    try:
        await flag.wait()
        log.append(name + " woke")
    except RuntimeError as e:
        log.append((name, "RuntimeError", len(str(e)) > 0))


async def stream_reader(name, reader):
    try:
        log.append((name, "read", await reader.read(100)))
    except RuntimeError as e:
        log.append((name, "RuntimeError", len(str(e)) > 0))


go = asyncio.Event()


async def handler(reader, writer):
    await go.wait()
    await writer.awrite(b"for the first reader")
    await writer.aclose()


async def main():
    global log
    base = _uaio.counts()[2]
    flag = asyncio.ThreadSafeFlag()
    asyncio.create_task(flag_waiter("first", flag))
    await asyncio.sleep_ms(5)
    asyncio.create_task(flag_waiter("second", flag))
    await asyncio.sleep_ms(5)
    print(log)
    flag.set()
    await asyncio.sleep_ms(5)
    print(log)
    print("no registration left", _uaio.counts()[2] == base)
    # The flag still works for the next waiter.
    log = []
    asyncio.create_task(flag_waiter("third", flag))
    await asyncio.sleep_ms(5)
    flag.set()
    await asyncio.sleep_ms(5)
    print(log)

    # The same with a stream.
    log = []
    server = await asyncio.start_server(handler, HOST, PORT)
    reader, writer = await asyncio.open_connection(HOST, PORT)
    await asyncio.sleep_ms(10)
    base = _uaio.counts()[2]
    asyncio.create_task(stream_reader("first", reader))
    await asyncio.sleep_ms(5)
    asyncio.create_task(stream_reader("second", reader))
    await asyncio.sleep_ms(5)
    print(log)
    go.set()
    await asyncio.sleep_ms(20)
    print(log)
    print("registrations back to", _uaio.counts()[2] - base)
    await writer.aclose()
    server.close()
    await server.wait_closed()


asyncio.run(main())
