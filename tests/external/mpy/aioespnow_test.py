# micropython-lib's aioespnow on the espnow stand-in (espnow.py): two
# stations send N messages each way through the async API (asend, arecv,
# airecv, async for) and every byte must arrive, in order. Prints
# "CASE name ok|FAIL detail" lines for part_aioespnow.py.
import asyncio
import aioespnow

N = 300
A = b"\x02\x00\x00\x00\x00\x0a"
B = b"\x02\x00\x00\x00\x00\x0b"


def message(i):
    # 8 to 207 bytes, different for every i.
    return b"msg%05d" % i + bytes((i + k) & 0xFF for k in range(i % 200))


def case(name, ok, detail=""):
    print("CASE %s %s" % (name, "ok" if ok else "FAIL " + detail))


async def send_all(node, dest, n):
    for i in range(n):
        if not await node.asend(dest, message(i)):
            raise OSError("asend %d returned False" % i)


async def recv_with_airecv(node, n, src):
    """async for (airecv): the message buffer is reused, so copy it."""
    errors, got = [], 0
    async for mac, msg in node:
        if mac != src or bytes(msg) != message(got):
            errors.append(got)
        got += 1
        if got == n:
            break
    return got, errors


async def recv_with_arecv(node, n, src, slow_start_ms=0):
    await asyncio.sleep_ms(slow_start_ms)
    errors = []
    for i in range(n):
        mac, msg = await node.arecv()
        if mac != src or msg != message(i):
            errors.append(i)
    return n, errors


async def main():
    a = aioespnow.AIOESPNow(A)
    b = aioespnow.AIOESPNow(B)
    a.active(True)
    b.active(True)
    a.add_peer(B)
    b.add_peer(A)

    # A -> B, received with `async for`.
    got, errors = (await asyncio.wait_for_ms(
        asyncio.gather(send_all(a, B, N), recv_with_airecv(b, N, A)), 10000))[1]
    case("async_for", got == N and not errors,
         "%d of %d received, %d wrong" % (got, N, len(errors)))

    # B -> A with a receiver that starts 50 ms late: B's sends must wait
    # for room (the write readiness wait), and nothing may be lost.
    got, errors = (await asyncio.wait_for_ms(
        asyncio.gather(send_all(b, A, N), recv_with_arecv(a, N, B, 50)), 10000))[1]
    case("arecv_backpressure", got == N and not errors and b.write_waits > 0,
         "%d received, %d wrong, sender waited %d times" % (got, len(errors), b.write_waits))

    # asend(msg) without a MAC goes to every peer.
    await a.asend(b"to all")
    mac, msg = await asyncio.wait_for_ms(b.arecv(), 1000)
    case("broadcast", (mac, msg) == (A, b"to all"), repr((mac, msg)))

    # A receive with nothing to receive waits, and a timeout cancels it.
    try:
        await asyncio.wait_for_ms(b.arecv(), 50)
        case("recv_timeout", False, "arecv returned with nothing sent")
    except asyncio.TimeoutError:
        case("recv_timeout", True)

    # After that cancelled wait the station still receives.
    await a.asend(B, b"after timeout")
    mac, msg = await asyncio.wait_for_ms(b.arecv(), 1000)
    case("recv_after_timeout", msg == b"after timeout", repr(msg))

    # Bad input reaches the caller as an exception, through the async API.
    try:
        await a.asend(B, bytes(251))
        case("too_long", False, "no exception")
    except ValueError:
        case("too_long", True)
    await standin_errors(a)


async def standin_errors(a):
    """The stand-in's own checks, so that it fails as the real one would."""
    wrong = []
    for what, call, exc, code in [
        ("unknown peer", lambda: a.asend(b"\x02\x00\x00\x00\x00\x0c", b"x"), OSError, 2),
        ("peer added twice", lambda: a.add_peer(B), OSError, 17),
        ("second station on one MAC", lambda: aioespnow.AIOESPNow(A).active(True), OSError, 17),
        ("5-byte MAC", lambda: aioespnow.AIOESPNow(b"12345"), ValueError, None),
    ]:
        try:
            r = call()
            if hasattr(r, "send"):  # a coroutine: await it
                await r
            wrong.append(what + ": no exception")
        except exc as e:
            if code is not None and e.errno != code:
                wrong.append("%s: errno %s" % (what, e.errno))
    a.active(False)
    try:
        a.send(B, b"x")
        wrong.append("inactive: no exception")
    except OSError as e:
        if e.errno != 1:
            wrong.append("inactive: errno %s" % e.errno)
    case("standin_errors", not wrong, "; ".join(wrong))


asyncio.run(main())
