# A Python driver whose ioctl answers requests it does not know with 0,
# MP_STREAM_GET_FILENO too. On ports without poll(2) (bare metal) that 0 is
# no fd: stock's poller asks the driver's ioctl alone there, and so
# must uaio (its core ignores fds there; it used to wait for that "fd"
# forever). On ports with poll(2) both wait on it as fd 0
# (docs/DIFFERENCES.md): skipped there.
import sys
import io
import asyncio

if sys.platform in ("linux", "darwin", "freebsd", "esp32"):
    print("SKIP")
    raise SystemExit

MP_STREAM_POLL = 3
POLL_RD = 1


class Sensor(io.IOBase):
    def __init__(self):
        self.fresh = False

    def read(self, n=-1):
        self.fresh = False
        return b"data"

    def readinto(self, buf):
        buf[:4] = b"data"
        self.fresh = False
        return 4

    def ioctl(self, req, arg):
        if req == MP_STREAM_POLL:
            return arg & POLL_RD if self.fresh else 0
        return 0  # MP_STREAM_GET_FILENO (10) too: "fd 0"


async def main():
    s = Sensor()

    async def feed():
        await asyncio.sleep_ms(20)
        s.fresh = True

    asyncio.create_task(feed())
    got = await asyncio.wait_for(asyncio.StreamReader(s).read(4), 2)
    print("read", got)


asyncio.run(main())
