# Echo server for the load test (tests/load/clients.py drives it).
#   micropython echo_server.py PORT NCONN [SNDBUF]
# Serves NCONN connections with uasyncio's start_server and the modern
# Stream API, then reports and exits. Prints "READY" once listening, then
# "MEM before after" (gc.mem_free() after gc.collect(), both taken while the
# server listens and no client is connected) and "SERVED conns bytes errors".
import sys
import gc
import socket
import asyncio

port = int(sys.argv[1])
nconn = int(sys.argv[2])
sndbuf = int(sys.argv[3]) if len(sys.argv) > 3 else 0
SO_SNDBUF = 7  # Linux; not in MicroPython's socket module

closed = 0
nbytes = 0
errors = 0
all_closed = asyncio.Event()


async def echo(reader, writer):
    global closed, nbytes, errors
    if sndbuf:
        # A small send buffer, so that writes block and drain() waits.
        writer.s.setsockopt(socket.SOL_SOCKET, SO_SNDBUF, sndbuf)
    try:
        while True:
            data = await reader.read(4096)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            nbytes += len(data)
    except Exception as e:
        errors += 1
        print("handler error:", repr(e))
    finally:
        writer.close()
        await writer.wait_closed()
        closed += 1
        if closed == nconn:
            all_closed.set()


def mem():
    gc.collect()
    return gc.mem_free()


async def main():
    server = await asyncio.start_server(echo, "127.0.0.1", port, backlog=nconn)
    before = mem()
    print("READY")
    await all_closed.wait()
    after = mem()
    server.close()
    await server.wait_closed()
    print("MEM", before, after)
    print("SERVED", closed, nbytes, errors)


asyncio.run(main())
