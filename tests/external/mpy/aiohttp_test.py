# micropython-lib's aiohttp client against http_server.py (CPython) on
# 127.0.0.1. Usage: micropython aiohttp_test.py PORT. Prints
# "CASE name ok|FAIL detail" lines for part_aiohttp.py.
import sys

import asyncio
import aiohttp

BASE = "http://127.0.0.1:%d" % int(sys.argv[1])
BIG = bytes(i * 7 & 0xFF for i in range(200000))
STEP_MS = 10000


def case(name, ok, detail=""):
    print("CASE %s %s" % (name, "ok" if ok else "FAIL " + detail))


async def get(path, **kw):
    async with aiohttp.ClientSession(BASE) as session:
        async with session.get(path, **kw) as resp:
            return resp.status, resp.headers, await resp.read()


async def t_get():
    status, _, body = await get("/hello")
    return status == 200 and body == b"hello world", repr((status, body))


async def t_params():
    status, _, body = await get("/params", params={"a": 1, "b": "x"})
    return body == b"a=1&b=x", repr(body)


async def t_post_body():
    data = bytes(i & 0xFF for i in range(50000))
    async with aiohttp.ClientSession(BASE) as session:
        async with session.post("/echo", data=data) as resp:
            body = await resp.read()
            length = resp.headers.get("X-Body-Length")
    detail = "%d bytes back, X-Body-Length %r" % (len(body), length)
    return body == data and length == "50000", detail


async def t_post_json():
    async with aiohttp.ClientSession(BASE) as session:
        async with session.post("/echo", json={"k": [1, 2, "three"]}) as resp:
            got = await resp.json()
    return got == {"k": [1, 2, "three"]}, repr(got)


async def t_big():
    status, _, body = await get("/big")
    return body == BIG, "%d bytes, equal: %s" % (len(body), body == BIG)


async def t_chunked():
    expected = b"".join(b"chunk %d;" % i * (i + 1) for i in range(5))
    async with aiohttp.ClientSession(BASE, version=aiohttp.HttpVersion11) as session:
        async with session.get("/chunked") as resp:
            chunks = []
            for _ in range(20):  # bounded: 5 chunks and the end
                data = await resp.read()
                if not data:
                    break
                chunks.append(data)
            kind = type(resp).__name__
    body = b"".join(chunks)
    return (kind == "ChunkedClientResponse" and body == expected and len(chunks) == 5,
            "%s, %d chunks, %r" % (kind, len(chunks), body[:60]))


async def t_concurrent():
    results = await asyncio.gather(*(get("/hello") for _ in range(10)))
    bad = [r for r in results if r[0] != 200 or r[2] != b"hello world"]
    return not bad, "%d of 10 wrong: %r" % (len(bad), bad[:1])


async def t_websocket():
    url = BASE.replace("http:", "ws:") + "/ws"
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            await ws.send_str("hello")
            text = await ws.receive_str()
            blob = bytes(range(256)) * 4  # 1 KB: the 16-bit length form
            await ws.send_bytes(blob)
            back = await ws.receive_bytes()
            await ws.send_json({"n": 7})
            obj = await ws.receive_json()
            await ws.close()
    return (text == "hello" and back == blob and obj == {"n": 7},
            repr((text, len(back), back == blob, obj)))


async def main():
    for name, test in [("get", t_get), ("get_params", t_params), ("post_body", t_post_body),
                       ("post_json", t_post_json), ("get_big", t_big), ("chunked", t_chunked),
                       ("concurrent_get", t_concurrent), ("websocket", t_websocket)]:
        try:
            ok, detail = await asyncio.wait_for_ms(test(), STEP_MS)
            case(name, ok, detail)
        except asyncio.TimeoutError:
            case(name, False, "no answer within %d ms" % STEP_MS)
        except Exception as e:
            case(name, False, "%s: %s" % (type(e).__name__, e))


asyncio.run(main())
