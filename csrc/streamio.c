// _uaio.StreamIO: uasyncio's Stream (also StreamReader and StreamWriter),
// in C, so that the calls of a stream's hot path (read(n), readinto, write,
// drain, awrite) run no Python frame, and waiting allocates nothing: each
// stream has one reusable awaitable for its reads and one for its writes (a
// stream belongs to one task per direction, the uasyncio rule). The rarer
// operations (readline, read to EOF, readexactly, awriteiter, closing) get
// an awaitable of their own per call, as a coroutine would.
//
// The rule (MicroPython's own stream layer, extmod/asyncio/stream.py): an
// object whose readiness only its ioctl(MP_STREAM_POLL) knows (a UART,
// micropython.RingIO, a driver on io.IOBase) is waited for before *each*
// read and write, through its own read/readinto/readline/write methods, and
// what they return is the result (a text stream's str stays str; None means
// "would block": wait again). Only a binary C stream with a non-blocking fd
// the kernel polls (a socket, a pipe) is tried first and waited for only
// when it would block: there EAGAIN is reliable. drain() and awrite() always
// yield at least once, so a writing loop cannot starve the other tasks.

#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#endif

#include "py/stream.h"
#include "py/mperrno.h"
#include "py/objtype.h"
#include "uaio_mp.h"

enum { OP_NONE, OP_READ, OP_READINTO, OP_WRITE, OP_READALL, OP_READLINE, OP_READEXACTLY, OP_WRITEITER, OP_CLOSE, OP_VALUE };

typedef struct _uaio_stream_t uaio_stream_t;

// An awaitable operation on a stream.
typedef struct _uaio_op_t {
    mp_obj_base_t base;
    uaio_stream_t *stream;
    mp_obj_t obj;    // READINTO, WRITE: the buffer; READLINE: what was read so
                     // far; WRITEITER: the iterator; VALUE: the result
    mp_obj_t cur;    // WRITEITER: the write being awaited
    byte *data;      // READEXACTLY, READALL: the result being filled (a GC block)
    size_t off, end; // READINTO, WRITE: obj[off:end]; READ: up to `end` bytes;
                     // READEXACTLY: `off` of `end` bytes read; READALL: `off`
                     // bytes read, `end` allocated
    int op;
    bool waited;     // waited for readiness before this attempt (see wait_turn)
    bool parked;     // WRITE: has yielded to the loop (else it yields once at the end)
    bool started;    // WRITE: iterated (an awrite() never awaited is not in flight)
} uaio_op_t;

struct _uaio_stream_t {
    mp_obj_base_t base;
    mp_obj_t s;      // the stream; None once closed
    mp_obj_t e;      // for get_extra_info()
    mp_obj_t poll;   // what readiness is waited on: `s`, or the object given
    mp_obj_t out;    // bytes that write() could not send yet, from out_off on
    size_t out_off, out_len; // out_len 0: nothing buffered
    uaio_op_t *rd, *wr; // the reused awaitables of read/readinto and drain/awrite
    bool fast;       // try first, wait only when it would block (kernel_polled)
};

static const mp_obj_type_t uaio_stream_op_type;
extern const mp_obj_module_t uaio_module; // moduaio.c

static uaio_op_t *new_op(uaio_stream_t *stream, int kind) {
    uaio_op_t *op = mp_obj_malloc(uaio_op_t, &uaio_stream_op_type);
    op->stream = stream;
    op->obj = op->cur = MP_OBJ_NULL;
    op->data = NULL;
    op->off = op->end = 0;
    op->op = kind;
    op->waited = op->parked = op->started = false;
    return op;
}

// Whether the try-first path is sound: `s` is a binary stream in C (not a
// Python class, whose methods are the stream) and `poll` has an fd that the
// kernel polls, set non-blocking (checked once: open_connection and
// start_server make their sockets non-blocking before the Stream).
static bool kernel_polled(mp_obj_t s, mp_obj_t poll) {
    const mp_stream_p_t *p = uaio_stream_of(s);
    if (p == NULL || p->is_text || p->read == NULL || p->write == NULL || mp_obj_is_instance_type(mp_obj_get_type(s))) {
        return false;
    }
    mp_int_t fd;
    if (mp_obj_is_small_int(poll)) {
        fd = MP_OBJ_SMALL_INT_VALUE(poll);
    } else {
        const mp_stream_p_t *pp = uaio_stream_of(poll);
        if (pp == NULL || pp->ioctl == NULL || mp_obj_is_instance_type(mp_obj_get_type(poll))) {
            return false;
        }
        int err = 0;
        mp_uint_t r = pp->ioctl(poll, MP_STREAM_GET_FILENO, 0, &err);
        fd = r == MP_STREAM_ERROR ? -1 : (mp_int_t)r;
    }
    if (fd < 0) {
        return false;
    }
    #if defined(__unix__) || defined(__APPLE__)
    int fl = fcntl((int)fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
    #else
    return true;
    #endif
}

static mp_obj_t stream_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    enum { ARG_s, ARG_e, ARG_poll };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_s, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_e, MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_poll, MP_ARG_OBJ, {.u_obj = mp_const_none} },
    };
    mp_arg_val_t a[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all_kw_array(n_args, n_kw, args, MP_ARRAY_SIZE(allowed), allowed, a);
    uaio_stream_t *self = mp_obj_malloc(uaio_stream_t, type);
    self->s = a[ARG_s].u_obj;
    self->e = a[ARG_e].u_obj != MP_OBJ_NULL ? a[ARG_e].u_obj : mp_obj_new_dict(0);
    self->poll = a[ARG_poll].u_obj != mp_const_none ? a[ARG_poll].u_obj : self->s;
    self->out = MP_OBJ_NULL;
    self->out_off = self->out_len = 0;
    self->rd = new_op(self, OP_NONE);
    self->wr = new_op(self, OP_NONE);
    self->fast = kernel_polled(self->s, self->poll);
    return MP_OBJ_FROM_PTR(self);
}

// A closed stream's fd number may already belong to a new socket: never
// touch it again.
static void check_open(uaio_stream_t *self) {
    if (self->s == mp_const_none) {
        mp_raise_OSError(MP_EBADF);
    }
}

static void reset(uaio_op_t *op) {
    op->op = OP_NONE;
    op->obj = op->cur = MP_OBJ_NULL;
    op->data = NULL;
}

static mp_obj_t finish(uaio_op_t *op, mp_obj_t value) {
    reset(op);
    MP_STATE_THREAD(stop_iteration_arg) = value;
    return MP_OBJ_STOP_ITERATION;
}

static mp_obj_t park(uaio_op_t *op, uint32_t dir) {
    uaio_state_t *st = uaio_state();
    uaio_io_park(st, op->stream->poll, dir, uaio_cur_task(st, "stream I/O"));
    op->parked = true;
    return mp_const_false;
}

// The slow path waits for readiness before each attempt: every other step
// parks. True when the op must park now.
static bool wait_turn(uaio_op_t *op) {
    check_open(op->stream);
    op->waited = !op->waited;
    return op->waited;
}

// A write awaitable is in flight from its first step until it finishes,
// raises, or a cancel is thrown into it: write() then queues behind it.
static bool writing(uaio_stream_t *self) {
    return self->wr->op == OP_WRITE && self->wr->started;
}

/******************************************************************************/
// Writing

// One write of data[off:end] of `buf` by the stream's own write: the count
// taken, 0 if it would block. The fast path calls the protocol's write once;
// the slow path does what the object's write method does: a C stream's is
// mp_stream_write (called without allocating here), a Python object's is its
// own write(), which gets the buffer (a memoryview of the rest after a
// partial write) and answers a count or None.
static size_t write_once(uaio_stream_t *self, mp_obj_t buf, size_t off, size_t end) {
    mp_obj_t s = self->s;
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, MP_BUFFER_READ);
    const byte *data = (const byte *)info.buf + off;
    size_t len = end - off;
    const mp_stream_p_t *p = uaio_stream_of(s);
    mp_int_t n;
    if (p != NULL && p->write != NULL && !mp_obj_is_instance_type(mp_obj_get_type(s))) {
        int err = 0;
        mp_uint_t r = self->fast ? p->write(s, data, len, &err) : mp_stream_rw(s, (void *)data, len, &err, MP_STREAM_RW_WRITE);
        if (r == MP_STREAM_ERROR || (err != 0 && !self->fast)) {
            if (!mp_is_nonblocking_error(err)) {
                mp_raise_OSError(err);
            }
            r = 0;
        }
        n = r;
    } else {
        if (off != 0 || end != info.len) {
            #if MICROPY_PY_BUILTINS_MEMORYVIEW
            buf = mp_obj_new_memoryview('B', len, (void *)data);
            #else
            buf = mp_obj_new_bytes(data, len);
            #endif
        }
        mp_obj_t r = uaio_call_method(s, MP_QSTR_write, buf);
        n = r == mp_const_none ? 0 : mp_obj_get_int(r);
    }
    if (n < 0 || (size_t)n > len) {
        mp_raise_ValueError(MP_ERROR_TEXT("write() returned a bad count"));
    }
    return n;
}

// Whether write() may try at once: the fast path always; the slow path when
// the object says it is writable now (or cannot say: its write() decides).
static bool writable_now(uaio_stream_t *self) {
    if (self->fast) {
        return true;
    }
    const mp_stream_p_t *p = uaio_stream_of(self->poll);
    if (p == NULL || p->ioctl == NULL) {
        return true; // not a stream: its write() says (None: it would block)
    }
    int err = 0;
    mp_uint_t r = p->ioctl(self->poll, MP_STREAM_POLL, MP_STREAM_POLL_WR, &err);
    return r == MP_STREAM_ERROR || (r & MP_STREAM_POLL_WR);
}

// write(buf): buffered; drain() sends what is left. Tried at once when
// nothing is queued before it and the stream is writable, so a stream that
// takes it all needs no buffer.
static mp_obj_t stream_write(mp_obj_t self_in, mp_obj_t buf) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self);
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, MP_BUFFER_READ);
    if (self->out_len == 0 && !writing(self)) {
        size_t n = writable_now(self) ? write_once(self, buf, 0, info.len) : 0;
        if (n == info.len) {
            return mp_const_none;
        }
        mp_get_buffer_raise(buf, &info, MP_BUFFER_READ); // write() may have resized it
        if (n > info.len) {
            n = info.len;
        }
        if (!mp_obj_is_exact_type(buf, &mp_type_bytes)) {
            buf = mp_obj_new_bytes(info.buf, info.len); // the caller may reuse a mutable buffer
        }
        self->out = buf;
        self->out_off = n;
        self->out_len = info.len;
    } else {
        // Appended to what is queued already.
        size_t old = self->out_len - self->out_off;
        vstr_t vstr;
        vstr_init_len(&vstr, old + info.len);
        if (old > 0) {
            size_t len;
            const char *data = mp_obj_str_get_data(self->out, &len);
            memcpy(vstr.buf, data + self->out_off, old);
        }
        memcpy(vstr.buf + old, info.buf, info.len);
        self->out = mp_obj_new_bytes_from_vstr(&vstr);
        self->out_off = 0;
        self->out_len = old + info.len;
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(stream_write_obj, stream_write);

// buf's data, with the end of buf[off:end] (end < 0: to the end) clamped
// to it; ValueError for an offset outside.
static mp_int_t write_range(mp_obj_t buf, mp_int_t off, mp_int_t end, mp_buffer_info_t *info) {
    mp_get_buffer_raise(buf, info, MP_BUFFER_READ);
    if (end < 0 || (size_t)end > info->len) {
        end = info->len;
    }
    if (off < 0 || off > end) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset out of range"));
    }
    return end;
}

// Arms the stream's write awaitable for buf[off:end] (end < 0: to the end).
static mp_obj_t arm_write(uaio_stream_t *self, mp_obj_t buf, mp_int_t off, mp_int_t end) {
    check_open(self);
    mp_buffer_info_t info;
    end = write_range(buf, off, end, &info);
    uaio_op_t *op = self->wr;
    op->obj = buf;
    op->off = off;
    op->end = end;
    op->op = OP_WRITE;
    op->waited = op->parked = op->started = false;
    return MP_OBJ_FROM_PTR(op);
}

// drain(): awaitable; what write() buffered is sent. With nothing buffered
// (or a write in flight, which sends it) it yields once, as stock's does, so
// that a loop of write() and drain() on a stream that takes everything lets
// the other tasks run: the sleep_ms(0) singleton, nothing allocated.
static mp_obj_t stream_drain(mp_obj_t self_in) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(self_in);
    if (self->out_len == 0 || writing(self)) {
        return uaio_await_sleep(0);
    }
    mp_obj_t buf = self->out;
    self->out = MP_OBJ_NULL;
    self->out_len = 0;
    return arm_write(self, buf, self->out_off, -1);
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_drain_obj, stream_drain);

// The 2.x writes: UAIO_PROFILE=lean leaves them out.
#if !UAIO_PROFILE_LEAN
// awrite(buf, off=0, sz=-1): awaitable; buf[off:off+sz] all written. The
// buffer stays the caller's: nothing is copied or allocated (unless write()
// buffered something, which goes first).
static mp_obj_t awrite(mp_obj_t self_in, mp_obj_t buf, mp_int_t off, mp_int_t sz) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(self_in);
    mp_int_t end = sz < 0 ? -1 : off + sz;
    if (self->out_len == 0 && !writing(self)) {
        return arm_write(self, buf, off, end);
    }
    mp_buffer_info_t info;
    end = write_range(buf, off, end, &info);
    stream_write(self_in, mp_obj_new_bytes((const byte *)info.buf + off, end - off));
    return stream_drain(self_in);
}

// Positional arguments at once; keywords (rare) through the parser.
static mp_obj_t stream_awrite(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    if (kw->used == 0 && n_args >= 2 && n_args <= 4) {
        return awrite(args[0], args[1], n_args > 2 ? mp_obj_get_int(args[2]) : 0, n_args > 3 ? mp_obj_get_int(args[3]) : -1);
    }
    static const mp_arg_t allowed[] = {
        { MP_QSTR_buf, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_obj = MP_OBJ_NULL} },
        { MP_QSTR_off, MP_ARG_INT, {.u_int = 0} },
        { MP_QSTR_sz, MP_ARG_INT, {.u_int = -1} },
    };
    mp_arg_val_t a[3];
    mp_arg_parse_all(n_args - 1, args + 1, kw, 3, allowed, a);
    return awrite(args[0], a[0].u_obj, a[1].u_int, a[2].u_int);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(stream_awrite_obj, 1, stream_awrite);

// awriteiter(iterable): awaitable; awrite() of each buffer in turn.
static mp_obj_t stream_awriteiter(mp_obj_t self_in, mp_obj_t iterable) {
    uaio_op_t *op = new_op(MP_OBJ_TO_PTR(self_in), OP_WRITEITER);
    op->obj = mp_getiter(iterable, NULL);
    return MP_OBJ_FROM_PTR(op);
}
static MP_DEFINE_CONST_FUN_OBJ_2(stream_awriteiter_obj, stream_awriteiter);
#endif

/******************************************************************************/
// Reading

// read(n=-1): awaitable; n >= 0: up to n bytes, whatever is there (b"" at
// EOF); n < 0: everything up to EOF.
static mp_obj_t stream_read(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_int_t n = -1;
    if (kw->used == 0 && n_args <= 2) {
        if (n_args > 1) {
            n = mp_obj_get_int(args[1]);
        }
    } else {
        static const mp_arg_t allowed[] = { { MP_QSTR_n, MP_ARG_INT, {.u_int = -1} } };
        mp_arg_val_t a[1];
        mp_arg_parse_all(n_args - 1, args + 1, kw, 1, allowed, a);
        n = a[0].u_int;
    }
    if (n < 0) {
        return MP_OBJ_FROM_PTR(new_op(self, OP_READALL));
    }
    check_open(self);
    uaio_op_t *op = self->rd;
    op->obj = MP_OBJ_NULL;
    op->end = n;
    op->op = OP_READ;
    op->waited = false;
    return MP_OBJ_FROM_PTR(op);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(stream_read_obj, 1, stream_read);

// readinto(buf): awaitable; the number of bytes read (0 at EOF).
static mp_obj_t stream_readinto(mp_obj_t self_in, mp_obj_t buf) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self);
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, MP_BUFFER_WRITE);
    uaio_op_t *op = self->rd;
    op->obj = buf;
    op->op = OP_READINTO;
    op->waited = false;
    return MP_OBJ_FROM_PTR(op);
}
static MP_DEFINE_CONST_FUN_OBJ_2(stream_readinto_obj, stream_readinto);

// readline(): awaitable; a line with its b"\n"; the partial tail at EOF,
// then b"" (str from a text stream).
static mp_obj_t stream_readline(mp_obj_t self_in) {
    return MP_OBJ_FROM_PTR(new_op(MP_OBJ_TO_PTR(self_in), OP_READLINE));
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_readline_obj, stream_readline);

// readexactly(n): awaitable; n bytes (EOFError if EOF comes first).
static mp_obj_t stream_readexactly(size_t n_args, const mp_obj_t *args, mp_map_t *kw) {
    static const mp_arg_t allowed[] = { { MP_QSTR_n, MP_ARG_REQUIRED | MP_ARG_INT, {.u_int = 0} } };
    mp_arg_val_t a[1];
    mp_arg_parse_all(n_args - 1, args + 1, kw, 1, allowed, a);
    mp_int_t n = a[0].u_int;
    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("size must be >= 0"));
    }
    uaio_op_t *op = new_op(MP_OBJ_TO_PTR(args[0]), OP_READEXACTLY);
    op->end = n;
    if (n > 0 && op->stream->fast) {
        op->data = m_new(byte, n + 1); // the result's buffer, as a vstr has it
    }
    return MP_OBJ_FROM_PTR(op);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(stream_readexactly_obj, 1, stream_readexactly);

// Up to `n` bytes into `buf` without waiting, as the stream's own read(n)
// does it (until it would block; an error such as a reset wins over what
// was read). False if it would block.
static bool read_some(uaio_stream_t *self, byte *buf, size_t n, mp_uint_t *got) {
    mp_get_stream_raise(self->s, MP_STREAM_OP_READ);
    int err = 0;
    *got = mp_stream_rw(self->s, buf, n, &err, MP_STREAM_RW_READ);
    if (err != 0) {
        if (mp_is_nonblocking_error(err)) {
            return false;
        }
        mp_raise_OSError(err);
    }
    return true;
}

// read(n) without waiting: the bytes, or NULL if it would block.
static mp_obj_t read_now(uaio_op_t *op) {
    // Small reads go through the stack: one allocation, the result.
    byte small[64];
    vstr_t vstr;
    byte *buf = small;
    if (op->end > sizeof(small)) {
        vstr_init_len(&vstr, op->end);
        buf = (byte *)vstr.buf;
    }
    mp_uint_t n;
    if (!read_some(op->stream, buf, op->end, &n)) {
        if (buf != small) {
            vstr_clear(&vstr);
        }
        return MP_OBJ_NULL;
    }
    if (buf == small) {
        return mp_obj_new_bytes(small, n);
    }
    vstr.len = n;
    return mp_obj_new_bytes_from_vstr(&vstr);
}

// One non-blocking readinto; false if it would block.
static bool readinto_now(uaio_op_t *op, mp_uint_t *n) {
    mp_obj_t s = op->stream->s;
    const mp_stream_p_t *p = mp_get_stream_raise(s, MP_STREAM_OP_READ);
    mp_buffer_info_t info;
    mp_get_buffer_raise(op->obj, &info, MP_BUFFER_WRITE);
    int err = 0;
    *n = p->read(s, info.buf, info.len, &err);
    if (*n == MP_STREAM_ERROR) {
        if (mp_is_nonblocking_error(err)) {
            return false;
        }
        op->op = OP_NONE;
        mp_raise_OSError(err);
    }
    return true;
}

// `acc` + `part`, of the part's type (str from a text stream); MP_OBJ_NULL
// is nothing yet.
static mp_obj_t append(mp_obj_t acc, mp_obj_t part) {
    return acc == MP_OBJ_NULL ? part : mp_binary_op(MP_BINARY_OP_INPLACE_ADD, acc, part);
}

// The slow path's reads: after each wait for readiness, one call of the
// object's own method (read(n), readinto(buf)); None: wait again.
static mp_obj_t read_waiting(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    for (;;) {
        if (wait_turn(op)) {
            return park(op, UAIO_READ);
        }
        mp_obj_t r = op->op == OP_READ
            ? uaio_call_method(self->s, MP_QSTR_read, MP_OBJ_NEW_SMALL_INT(op->end))
            : uaio_call_method(self->s, MP_QSTR_readinto, op->obj);
        if (r != mp_const_none) {
            return finish(op, r);
        }
    }
}

// readline(): as in stock uasyncio, each call of the stream's own
// readline() comes after a wait for readiness.
static mp_obj_t read_line(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    for (;;) {
        if (wait_turn(op)) {
            return park(op, UAIO_READ);
        }
        mp_obj_t part = uaio_call_method(self->s, MP_QSTR_readline, MP_OBJ_NULL);
        if (part == mp_const_none) {
            continue; // it would block after all
        }
        op->obj = append(op->obj, part);
        mp_buffer_info_t line;
        mp_get_buffer_raise(op->obj, &line, MP_BUFFER_READ);
        if (!mp_obj_is_true(part) || (line.len > 0 && ((const byte *)line.buf)[line.len - 1] == '\n')) {
            return finish(op, op->obj);
        }
    }
}

// read() to EOF: after each wait for readiness, all there is. The fast path
// reads into one growing buffer (no copy per chunk); the slow path calls the
// object's read(-1) and joins what it returns, until it returns nothing.
static mp_obj_t read_all(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    for (;;) {
        if (wait_turn(op)) {
            return park(op, UAIO_READ);
        }
        if (!self->fast) {
            mp_obj_t part = uaio_call_method(self->s, MP_QSTR_read, MP_OBJ_NEW_SMALL_INT(-1));
            if (part == mp_const_none) {
                continue;
            }
            if (!mp_obj_is_true(part)) {
                return finish(op, op->obj != MP_OBJ_NULL ? op->obj : part);
            }
            op->obj = append(op->obj, part);
            continue;
        }
        const mp_stream_p_t *p = mp_get_stream_raise(self->s, MP_STREAM_OP_READ);
        for (;;) {
            if (op->off == op->end) {
                size_t alloc = op->end < 128 ? 256 : op->end * 2;
                op->data = m_renew(byte, op->data, op->end, alloc);
                op->end = alloc;
            }
            int err = 0;
            mp_uint_t n = p->read(self->s, op->data + op->off, op->end - op->off, &err);
            if (n == MP_STREAM_ERROR) {
                if (!mp_is_nonblocking_error(err)) {
                    finish(op, MP_OBJ_NULL);
                    mp_raise_OSError(err);
                }
                break; // all there is for now: wait for more
            }
            if (n == 0) {
                vstr_t vstr = { .alloc = op->end, .len = op->off, .buf = (char *)op->data, .fixed_buf = false };
                return finish(op, mp_obj_new_bytes_from_vstr(&vstr));
            }
            op->off += n;
        }
    }
}

// readexactly(n) on the slow path: read(n - got) after each wait, joined
// (lengths in the parts' own unit: characters for a text stream).
static mp_obj_t read_exactly_waiting(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    while (op->off < op->end) {
        if (wait_turn(op)) {
            return park(op, UAIO_READ);
        }
        mp_obj_t part = uaio_call_method(self->s, MP_QSTR_read, MP_OBJ_NEW_SMALL_INT(op->end - op->off));
        if (part == mp_const_none) {
            continue;
        }
        size_t n = mp_obj_get_int(mp_obj_len(part));
        if (n == 0) {
            finish(op, MP_OBJ_NULL);
            mp_raise_type(&mp_type_EOFError);
        }
        op->obj = append(op->obj, part);
        op->off += n;
    }
    return finish(op, op->obj != MP_OBJ_NULL ? op->obj : mp_const_empty_bytes);
}

static mp_obj_t read_exactly(uaio_op_t *op) {
    if (!op->stream->fast) {
        return read_exactly_waiting(op);
    }
    if (op->off < op->end) {
        check_open(op->stream);
    }
    while (op->off < op->end) {
        mp_uint_t n;
        if (!read_some(op->stream, op->data + op->off, op->end - op->off, &n)) {
            return park(op, UAIO_READ);
        }
        if (n == 0) {
            finish(op, MP_OBJ_NULL);
            mp_raise_type(&mp_type_EOFError);
        }
        op->off += n;
    }
    if (op->end == 0) {
        return finish(op, mp_const_empty_bytes);
    }
    vstr_t vstr = { .alloc = op->end + 1, .len = op->end, .buf = (char *)op->data, .fixed_buf = false };
    return finish(op, mp_obj_new_bytes_from_vstr(&vstr));
}

// drain() / awrite(): the fast path writes until it would block, then waits;
// the slow path waits before each write. What write() queued meanwhile goes
// out after it (never before, never lost). An op that never had to wait
// yields once at the end, as stock's drain() does.
static mp_obj_t write_all(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    op->started = true;
    for (;;) {
        if (op->off >= op->end && op == self->wr && self->out_len > 0) {
            op->obj = self->out;
            op->off = self->out_off;
            op->end = self->out_len;
            self->out = MP_OBJ_NULL;
            self->out_len = 0;
        }
        if (op->off >= op->end && op->parked) {
            return finish(op, mp_const_none);
        }
        // While a write, a park or a yield may raise, the op is not in
        // flight: one that raises ends it, so write() does not queue behind it.
        op->op = OP_NONE;
        size_t n = 0;
        bool wait = op->off >= op->end;
        if (wait) {
            // Done without having waited: yield once, as sleep_ms(0).
            uaio_state_t *st = uaio_state();
            uaio_runq_push(st, MP_OBJ_FROM_PTR(uaio_cur_task(st, "stream I/O")));
            op->parked = true;
        } else {
            wait = !self->fast && wait_turn(op);
            if (!wait) {
                check_open(self);
                n = write_once(self, op->obj, op->off, op->end);
                wait = n == 0 && self->fast;
            }
            if (wait) {
                park(op, UAIO_WRITE);
            }
        }
        op->op = OP_WRITE;
        if (wait) {
            return mp_const_false;
        }
        op->off += n;
    }
}

static mp_obj_t op_iternext(mp_obj_t self_in);

#if !UAIO_PROFILE_LEAN
static mp_obj_t write_iter(uaio_op_t *op) {
    for (;;) {
        if (op->cur != MP_OBJ_NULL) {
            mp_obj_t ret = op_iternext(op->cur); // the stream's write awaitable
            if (ret != MP_OBJ_STOP_ITERATION) {
                return ret; // parked
            }
            op->cur = MP_OBJ_NULL;
        }
        mp_obj_t buf = mp_iternext(op->obj);
        if (buf == MP_OBJ_STOP_ITERATION) {
            return finish(op, mp_const_none);
        }
        mp_obj_t aw = awrite(MP_OBJ_FROM_PTR(op->stream), buf, 0, -1); // the write awaitable, or done
        op->cur = mp_obj_is_type(aw, &uaio_stream_op_type) ? aw : MP_OBJ_NULL;
    }
}
#endif

// wait_closed(), aclose(), __aexit__: closing twice, or after EOF, is
// harmless; a task still waiting on the stream gets OSError(EBADF).
static mp_obj_t close_now(uaio_op_t *op) {
    uaio_stream_t *self = op->stream;
    op->op = OP_NONE; // also if closing raises
    mp_obj_t s = self->s;
    if (s != mp_const_none) {
        self->s = mp_const_none;
        self->rd->op = self->wr->op = OP_NONE;
        self->rd->obj = self->wr->obj = MP_OBJ_NULL;
        // _uaio.io_close: a task still waiting on it gets OSError(EBADF).
        uaio_call_method(MP_OBJ_FROM_PTR(&uaio_module), MP_QSTR_io_close, self->poll);
        uaio_call_method(s, MP_QSTR_close, MP_OBJ_NULL);
    }
    return finish(op, mp_const_none);
}

// The fast path tries at once and parks the task on the stream until ready
// when it would block; the slow path parks first (see the rule at the top).
static mp_obj_t op_iternext(mp_obj_t self_in) {
    uaio_op_t *op = MP_OBJ_TO_PTR(self_in);
    switch (op->op) {
        case OP_READ:
        case OP_READINTO: {
            if (!op->stream->fast) {
                return read_waiting(op);
            }
            check_open(op->stream); // closed while it waited
            if (op->op == OP_READINTO) {
                mp_uint_t n;
                if (!readinto_now(op, &n)) {
                    return park(op, UAIO_READ);
                }
                return finish(op, MP_OBJ_NEW_SMALL_INT(n));
            }
            op->op = OP_NONE; // also if the read raises
            mp_obj_t data = read_now(op);
            if (data == MP_OBJ_NULL) {
                op->op = OP_READ;
                return park(op, UAIO_READ);
            }
            MP_STATE_THREAD(stop_iteration_arg) = data;
            return MP_OBJ_STOP_ITERATION;
        }
        case OP_WRITE:
            return write_all(op);
        case OP_READALL:
            return read_all(op);
        case OP_READLINE:
            return read_line(op);
        case OP_READEXACTLY:
            return read_exactly(op);
        #if !UAIO_PROFILE_LEAN
        case OP_WRITEITER:
            return write_iter(op);
        #endif
        case OP_CLOSE:
            return close_now(op);
        case OP_VALUE:
            return finish(op, op->obj);
        default:
            return MP_OBJ_STOP_ITERATION;
    }
}

// throw(exc): a cancel (or any exception) thrown into the task while it
// awaits the op ends the op, so that a later write() does not queue behind
// a write that will never finish; then the exception goes on.
static mp_obj_t op_throw(size_t n_args, const mp_obj_t *args) {
    uaio_op_t *op = MP_OBJ_TO_PTR(args[0]);
    if (op->op == OP_WRITEITER && op->cur != MP_OBJ_NULL) {
        reset(MP_OBJ_TO_PTR(op->cur));
    }
    reset(op);
    mp_obj_t exc = n_args > 2 && args[2] != mp_const_none ? args[2] : args[1];
    nlr_raise(mp_make_raise_obj(exc));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(op_throw_obj, 2, 4, op_throw);

// close(): GeneratorExit thrown in (the awaiting coroutine was closed).
static mp_obj_t op_close(mp_obj_t self_in) {
    uaio_op_t *op = MP_OBJ_TO_PTR(self_in);
    if (op->op == OP_WRITEITER && op->cur != MP_OBJ_NULL) {
        reset(MP_OBJ_TO_PTR(op->cur));
    }
    reset(op);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(op_close_obj, op_close);

static const mp_rom_map_elem_t op_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_throw), MP_ROM_PTR(&op_throw_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&op_close_obj) },
};
static MP_DEFINE_CONST_DICT(op_locals, op_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    uaio_stream_op_type, MP_QSTR_StreamOp, MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, op_iternext,
    locals_dict, &op_locals
    );

/******************************************************************************/
// The rest of the Stream interface

static mp_obj_t stream_wait_closed(mp_obj_t self_in) {
    return MP_OBJ_FROM_PTR(new_op(MP_OBJ_TO_PTR(self_in), OP_CLOSE));
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_wait_closed_obj, stream_wait_closed);

static mp_obj_t stream_aexit(size_t n_args, const mp_obj_t *args) {
    return stream_wait_closed(args[0]);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(stream_aexit_obj, 1, 4, stream_aexit);

static mp_obj_t stream_aenter(mp_obj_t self_in) {
    uaio_op_t *op = new_op(MP_OBJ_TO_PTR(self_in), OP_VALUE);
    op->obj = self_in;
    return MP_OBJ_FROM_PTR(op);
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_aenter_obj, stream_aenter);

// close(): wait_closed() closes.
static mp_obj_t stream_close(mp_obj_t self_in) {
    (void)self_in;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(stream_close_obj, stream_close);

static mp_obj_t stream_get_extra_info(mp_obj_t self_in, mp_obj_t v) {
    return mp_obj_subscr(((uaio_stream_t *)MP_OBJ_TO_PTR(self_in))->e, v, MP_OBJ_SENTINEL);
}
static MP_DEFINE_CONST_FUN_OBJ_2(stream_get_extra_info_obj, stream_get_extra_info);

// The attributes `s` (the stream; None once closed) and `e` (extra info).
static void stream_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    uaio_stream_t *self = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return; // read-only
    }
    if (attr == MP_QSTR_s) {
        dest[0] = self->s;
    } else if (attr == MP_QSTR_e) {
        dest[0] = self->e;
    } else {
        dest[1] = MP_OBJ_SENTINEL; // methods: the locals dict
    }
}

// The hot path first: the lookup cache misses less often.
static const mp_rom_map_elem_t stream_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&stream_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_drain), MP_ROM_PTR(&stream_drain_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&stream_readinto_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_awrite), MP_ROM_PTR(&stream_awrite_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&stream_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readexactly), MP_ROM_PTR(&stream_readexactly_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_awriteiter), MP_ROM_PTR(&stream_awriteiter_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_get_extra_info), MP_ROM_PTR(&stream_get_extra_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_wait_closed), MP_ROM_PTR(&stream_wait_closed_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_aclose), MP_ROM_PTR(&stream_wait_closed_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR___aenter__), MP_ROM_PTR(&stream_aenter_obj) },
    { MP_ROM_QSTR(MP_QSTR___aexit__), MP_ROM_PTR(&stream_aexit_obj) },
};
static MP_DEFINE_CONST_DICT(stream_locals, stream_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_streamio_type, MP_QSTR_Stream, MP_TYPE_FLAG_NONE,
    make_new, stream_make_new,
    attr, stream_attr,
    locals_dict, &stream_locals
    );
