# A stand-in for the `espnow` module of MicroPython's ESP32/ESP8266 ports,
# so that micropython-lib's aioespnow runs on unix. ESPNow objects in one
# process are stations on one simulated radio, addressed by MAC. Each one
# receives into a micropython.RingIO; like the C object, it has no file
# descriptor and tells its readiness only through
# ioctl(MP_STREAM_POLL): POLLIN while a message waits. One deliberate
# difference: POLLOUT only while every peer has room for a full message
# (the real one is always writable and drops what does not fit), so that a
# sender must wait for its receiver and the write wait gets exercised.
import errno
import io
import micropython
from micropython import const

MAX_DATA_LEN = const(250)
ADDR_LEN = const(6)
_POLL = const(3)  # MP_STREAM_POLL
_CLOSE = const(4)  # MP_STREAM_CLOSE
_POLLIN = const(1)
_POLLOUT = const(4)
_HEADER = const(7)  # sender's MAC, then one length byte
_RX_SIZE = const(1024)  # bytes of frames a station buffers

_stations = {}  # MAC -> active ESPNow


class ESPNow(io.IOBase):
    def __init__(self, mac=b"\x02\x00\x00\x00\x00\x01"):
        if not isinstance(mac, (bytes, bytearray)) or len(mac) != ADDR_LEN:
            raise ValueError("mac must be 6 bytes")
        self.mac = bytes(mac)
        self._rx = None
        self._peers = []
        self._msg = [None, bytearray(MAX_DATA_LEN)]  # irecv()'s reused result
        self.write_waits = 0  # ioctl answers "not writable" (for the tests)

    def active(self, flag=None):
        if flag is None:
            return self._rx is not None
        if flag and self._rx is None:
            if self.mac in _stations:
                raise OSError(errno.EEXIST)
            self._rx = micropython.RingIO(_RX_SIZE)
            _stations[self.mac] = self
        elif not flag and self._rx is not None:
            del _stations[self.mac]
            self._rx = None
        return self._rx is not None

    def add_peer(self, mac):
        if len(mac) != ADDR_LEN:
            raise ValueError("mac must be 6 bytes")
        if bytes(mac) in self._peers:
            raise OSError(errno.EEXIST)
        self._peers.append(bytes(mac))

    def _active(self):
        if self._rx is None:
            raise OSError(errno.EPERM, "ESPNow not active")

    def _room(self, mac):
        st = _stations.get(mac)
        return st is None or _RX_SIZE - st._rx.any() >= _HEADER + MAX_DATA_LEN

    def send(self, mac, msg=None, sync=True):
        if msg is None:
            msg, mac = mac, None
        self._active()
        if len(msg) > MAX_DATA_LEN:
            raise ValueError("msg too long")
        for dest in self._peers if mac is None else [bytes(mac)]:
            if dest not in self._peers:
                raise OSError(errno.ENOENT, "peer not found")
            st = _stations.get(dest)
            if st is None:
                if sync:
                    return False  # no station answered
                continue
            if not self._room(dest):
                raise OSError(errno.ENOMEM, "receiver full")
            st._rx.write(self.mac + bytes([len(msg)]) + msg)
        return True

    def _take(self):
        header = self._rx.read(_HEADER)
        return header[:ADDR_LEN], self._rx.read(header[ADDR_LEN])

    def recv(self, timeout_ms=None):
        # Nothing can arrive while this single-threaded stand-in waits, so
        # any timeout ends at once.
        self._active()
        if not self._rx.any():
            return [None, None]
        return list(self._take())

    def irecv(self, timeout_ms=None):
        self._active()
        if not self._rx.any():
            return [None, None]
        mac, msg = self._take()
        buf = self._msg[1]
        buf[:] = msg
        self._msg[0] = mac
        return self._msg

    def any(self):
        return self._rx is not None and self._rx.any() > 0

    def ioctl(self, req, arg):
        if req == _POLL:
            ready = 0
            if arg & _POLLIN and self._rx is not None and self._rx.any():
                ready |= _POLLIN
            if arg & _POLLOUT:
                if all(self._room(p) for p in self._peers):
                    ready |= _POLLOUT
                else:
                    self.write_waits += 1
            return ready
        if req == _CLOSE:
            self.active(False)
            return 0
        return -1
