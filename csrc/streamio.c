// _uaio.StreamIO: the awaitable reads and writes of one stream, so that
// `await stream.readinto(buf)` and writing an existing buffer allocate
// nothing, however often they have to wait. One per stream direction: a
// stream belongs to one task (the uasyncio rule), so its state can live
// here while the task waits.

#include "py/stream.h"
#include "py/mperrno.h"
#include "uaio_mp.h"

enum { OP_NONE, OP_READINTO, OP_WRITE, OP_READ };

typedef struct _uaio_streamio_t {
    mp_obj_base_t base;
    mp_obj_t stream; // read from / written to
    mp_obj_t poll;   // waited on (the stream itself, or its socket)
    mp_obj_t buf;
    size_t off;      // write: the next byte of `buf` to write
    size_t end;      // write: where to stop
    int op;
} uaio_streamio_t;

static mp_obj_t streamio_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 2, false);
    uaio_streamio_t *s = mp_obj_malloc(uaio_streamio_t, type);
    s->stream = args[0];
    s->poll = n_args > 1 && args[1] != mp_const_none ? args[1] : args[0];
    s->buf = MP_OBJ_NULL;
    s->off = 0;
    s->op = OP_NONE;
    return MP_OBJ_FROM_PTR(s);
}

// A closed stream's fd number may already belong to a new socket: never
// touch it again.
static void check_open(uaio_streamio_t *s) {
    if (s->stream == MP_OBJ_NULL) {
        mp_raise_OSError(MP_EBADF);
    }
}

// close(): the stream is closed; later operations raise OSError(EBADF).
static mp_obj_t streamio_close(mp_obj_t self_in) {
    uaio_streamio_t *s = MP_OBJ_TO_PTR(self_in);
    s->stream = s->poll = s->buf = MP_OBJ_NULL;
    s->op = OP_NONE;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(streamio_close_obj, streamio_close);

// write_now(buf) -> bytes written at once (None: it would block).
static mp_obj_t streamio_write_now(mp_obj_t self_in, mp_obj_t buf) {
    uaio_streamio_t *s = MP_OBJ_TO_PTR(self_in);
    check_open(s);
    const mp_stream_p_t *p = uaio_stream_of(s->stream);
    if (p == NULL || p->write == NULL) {
        // Not a stream object: its write() method says (None: would block).
        mp_obj_t dest[3];
        mp_load_method(s->stream, MP_QSTR_write, dest);
        dest[2] = buf;
        return mp_call_method_n_kw(1, 0, dest);
    }
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, MP_BUFFER_READ);
    int err = 0;
    mp_uint_t n = p->write(s->stream, info.buf, info.len, &err);
    if (n == MP_STREAM_ERROR) {
        if (mp_is_nonblocking_error(err)) {
            return mp_const_none;
        }
        mp_raise_OSError(err);
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_2(streamio_write_now_obj, streamio_write_now);

static mp_obj_t arm(mp_obj_t self_in, mp_obj_t buf, int op, mp_int_t off, mp_int_t end) {
    uaio_streamio_t *s = MP_OBJ_TO_PTR(self_in);
    check_open(s);
    mp_buffer_info_t info;
    mp_get_buffer_raise(buf, &info, op == OP_READINTO ? MP_BUFFER_WRITE : MP_BUFFER_READ);
    if (end < 0 || (size_t)end > info.len) {
        end = info.len;
    }
    if (off < 0 || off > end) {
        mp_raise_ValueError(MP_ERROR_TEXT("offset out of range"));
    }
    s->buf = buf;
    s->off = off;
    s->end = end;
    s->op = op;
    return self_in;
}

// read(n): awaitable; up to n bytes, whatever is there (b'' at EOF).
static mp_obj_t streamio_read(mp_obj_t self_in, mp_obj_t n_in) {
    uaio_streamio_t *s = MP_OBJ_TO_PTR(self_in);
    check_open(s);
    mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0) {
        mp_raise_ValueError(MP_ERROR_TEXT("size must be >= 0"));
    }
    s->buf = MP_OBJ_NULL;
    s->off = 0;
    s->end = n;
    s->op = OP_READ;
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_2(streamio_read_obj, streamio_read);

// readinto(buf): awaitable; the number of bytes read (0 at EOF).
static mp_obj_t streamio_readinto(mp_obj_t self_in, mp_obj_t buf) {
    return arm(self_in, buf, OP_READINTO, 0, -1);
}
static MP_DEFINE_CONST_FUN_OBJ_2(streamio_readinto_obj, streamio_readinto);

// write(buf, off=0, end=-1): awaitable; buf[off:end] all written.
static mp_obj_t streamio_write(size_t n_args, const mp_obj_t *args) {
    mp_int_t off = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    mp_int_t end = n_args > 3 ? mp_obj_get_int(args[3]) : -1;
    return arm(args[0], args[1], OP_WRITE, off, end);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(streamio_write_obj, 2, 4, streamio_write);

// read(n) without waiting, as the stream's own read(n) does it (up to n
// bytes until it would block; an error such as a reset wins over what was
// read): the bytes, or NULL if it would block.
static mp_obj_t read_now(uaio_streamio_t *s) {
    mp_get_stream_raise(s->stream, MP_STREAM_OP_READ);
    // Small reads go through the stack: one allocation, the result.
    byte small[64];
    vstr_t vstr;
    byte *buf = small;
    if (s->end > sizeof(small)) {
        vstr_init_len(&vstr, s->end);
        buf = (byte *)vstr.buf;
    }
    int err = 0;
    mp_uint_t n = mp_stream_rw(s->stream, buf, s->end, &err, MP_STREAM_RW_READ);
    if (err != 0) {
        if (buf != small) {
            vstr_clear(&vstr);
        }
        if (mp_is_nonblocking_error(err)) {
            return MP_OBJ_NULL;
        }
        s->op = OP_NONE;
        mp_raise_OSError(err);
    }
    if (buf == small) {
        return mp_obj_new_bytes(small, n);
    }
    vstr.len = n;
    return mp_obj_new_bytes_from_vstr(&vstr);
}

// One non-blocking read or write; false if it would block.
static bool transfer(uaio_streamio_t *s, mp_uint_t *n) {
    const mp_stream_p_t *p = mp_get_stream_raise(s->stream, s->op == OP_READINTO ? MP_STREAM_OP_READ : MP_STREAM_OP_WRITE);
    mp_buffer_info_t info;
    mp_get_buffer_raise(s->buf, &info, s->op == OP_READINTO ? MP_BUFFER_WRITE : MP_BUFFER_READ);
    int err = 0;
    if (s->op == OP_READINTO) {
        *n = p->read(s->stream, info.buf, info.len, &err);
    } else {
        *n = p->write(s->stream, (byte *)info.buf + s->off, s->end - s->off, &err);
    }
    if (*n == MP_STREAM_ERROR) {
        if (mp_is_nonblocking_error(err)) {
            return false;
        }
        s->op = OP_NONE;
        mp_raise_OSError(err);
    }
    return true;
}

// Tries at once; parks the task on the stream until ready when it would
// block, and tries again when woken.
static mp_obj_t streamio_iternext(mp_obj_t self_in) {
    uaio_streamio_t *s = MP_OBJ_TO_PTR(self_in);
    mp_uint_t n;
    if (s->op != OP_NONE) {
        check_open(s); // closed while it waited
    }
    if (s->op == OP_READ) {
        mp_obj_t data = read_now(s);
        if (data != MP_OBJ_NULL) {
            s->op = OP_NONE;
            MP_STATE_THREAD(stop_iteration_arg) = data;
            return MP_OBJ_STOP_ITERATION;
        }
    }
    if (s->op == OP_WRITE && s->off >= s->end) {
        s->op = OP_NONE; // nothing to write
    }
    while ((s->op == OP_READINTO || s->op == OP_WRITE) && transfer(s, &n)) {
        if (s->op == OP_READINTO) {
            s->op = OP_NONE;
            s->buf = MP_OBJ_NULL;
            MP_STATE_THREAD(stop_iteration_arg) = MP_OBJ_NEW_SMALL_INT(n);
            return MP_OBJ_STOP_ITERATION;
        }
        s->off += n;
        if (s->off >= s->end) {
            s->op = OP_NONE;
            s->buf = MP_OBJ_NULL;
            return MP_OBJ_STOP_ITERATION;
        }
    }
    if (s->op == OP_NONE) {
        return MP_OBJ_STOP_ITERATION;
    }
    uaio_state_t *st = uaio_state();
    uaio_io_park(st, s->poll, s->op == OP_WRITE ? UAIO_WRITE : UAIO_READ, uaio_cur_task(st, "stream I/O"));
    return mp_const_false;
}

static const mp_rom_map_elem_t streamio_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&streamio_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_write_now), MP_ROM_PTR(&streamio_write_now_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&streamio_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&streamio_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&streamio_write_obj) },
};
static MP_DEFINE_CONST_DICT(streamio_locals, streamio_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_streamio_type, MP_QSTR_StreamIO, MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    make_new, streamio_make_new,
    iter, streamio_iternext,
    locals_dict, &streamio_locals
    );
