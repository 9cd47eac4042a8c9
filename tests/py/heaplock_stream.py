# Stream readinto() and awrite() of existing buffers allocate nothing, even
# when they have to wait: 64 KB go through a loopback TCP connection with
# small socket buffers and the heap locked, so both sides wait many times.
# The C Stream's (UAIO_PROFILE=full); the Python Stream of the lean and
# default profiles allocates (its coroutines): skipped there.
import _uaio
import micropython
import socket
import uasyncio as asyncio

if not hasattr(_uaio, "StreamIO"):
    print("SKIP")
    raise SystemExit

SIZE = 64 * 1024
PORT = 8123
accepted = []


async def on_client(reader, writer):
    accepted.append((reader, writer))


async def send(writer, data, result):
    try:
        await writer.awrite(data)
        await writer.awrite(data, 0, 10)  # offset and size: the first 10 bytes again
        result.append("sent")
    except MemoryError:
        result.append("MemoryError in send")


async def receive(reader, buf, result):
    total = check = waits = 0
    try:
        while total < SIZE + 10:
            n = await reader.readinto(buf)
            if n == 0:
                break
            for i in range(n):
                check += buf[i]
            total += n
            waits += 1
        result.append(total)
        result.append(check)
        result.append(waits > 2)
    except MemoryError:
        result.append("MemoryError in receive")


async def main():
    server = await asyncio.start_server(on_client, "127.0.0.1", PORT)
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    while not accepted:
        await asyncio.sleep_ms(1)
    sreader, swriter = accepted[0]
    writer.s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_SNDBUF", 7), 8192)  # Linux values
    sreader.s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUF", 8), 8192)
    data = bytearray(SIZE)
    for i in range(0, SIZE, 997):
        data[i] = i & 0xFF
    expect = sum(data) + sum(data[:10])
    buf = bytearray(4096)
    result_send, result_recv = [], []
    asyncio.create_task(send(writer, data, result_send))
    asyncio.create_task(receive(sreader, buf, result_recv))
    micropython.heap_lock()
    try:
        while not (result_send and result_recv):
            await asyncio.sleep_ms(5)
    finally:
        micropython.heap_unlock()
    print(result_send)
    print(result_recv[0] == SIZE + 10, result_recv[1] == expect, result_recv[2:])
    writer.close()
    await writer.wait_closed()
    swriter.close()
    await swriter.wait_closed()
    server.close()
    await server.wait_closed()


asyncio.run(main())
