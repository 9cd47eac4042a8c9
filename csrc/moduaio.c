// _uaio: MicroPython's side of uaio. Thin C over include/uaio.h.
//
// The run loop lives here: it resumes coroutines from C and acts on what
// they yield. Scheduling decisions (deadline order, FIFO among equals,
// cancel, which object waits for what, how long to sleep) are the Rust
// core's. Everything that can raise (nlr) stays in this file and never runs
// while a Rust frame is on the stack: the core gets integer tokens and
// returns status codes; the port hook it calls (object readiness) catches
// exceptions itself.
//
// GC: tasks are kept alive by GC memory only. The state below is a GC block
// reachable from a root pointer; the timer and I/O slots and the run queue
// are GC blocks reachable from it, and a queued task's pointer is the token
// stored in them (scanned conservatively like any GC block).

#include <string.h>

#include "py/runtime.h"
#include "py/mphal.h"
#include "py/stream.h"
#include "py/objtype.h"
#include "py/objint.h"
#include "py/smallint.h"

#include "uaio.h"

#define INITIAL_CAPACITY (16)

// Task flags.
#define TASK_DONE (1)     // the coroutine has finished
#define TASK_IO_READ (2)  // parked in the I/O registry, reading `io_obj`
#define TASK_IO_WRITE (4) // ... writing
#define TASK_QUEUED (8)   // in the run queue
#define TASK_FAILED (16)  // finished with the exception in `data`

typedef struct _uaio_task_t {
    mp_obj_base_t base;
    mp_obj_t coro;
    mp_obj_t data;    // free for the Python layer (result, waiters, ...)
    mp_obj_t state;   // free for the Python layer
    mp_obj_t throw;   // exception to throw in at the next resume, or NULL
    mp_obj_t io_obj;  // object waited on while TASK_IO_*
    uint64_t timer;   // timing-queue handle while sleeping, else 0
    mp_uint_t flags;
} uaio_task_t;

typedef struct _uaio_state_t {
    uaio_timerq timers;
    uaio_io io;
    uaio_clock clock;
    mp_obj_t *runq;  // ring of tasks and callables
    size_t runq_cap, runq_head, runq_len;
    mp_obj_t loop;   // the Python loop: _yielded, _done, _error
    mp_obj_t cancelled_error; // the Python layer's CancelledError class
    uaio_task_t *cur;
    bool stop;
} uaio_state_t;

MP_REGISTER_ROOT_POINTER(struct _uaio_state_t *uaio_state);

static uaio_state_t *state(void) {
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    if (st == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("uaio: no event loop (call _uaio.init)"));
    }
    return st;
}

// A uaio result code as a Python exception (only after Rust has returned).
static NORETURN void raise_code(int32_t code) {
    if (code == UAIO_EBUSY) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("uaio: another task already waits on this object"));
    }
    mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("uaio: %s"), uaio_strerror(code));
}

static void check(int32_t code) {
    if (code < 0) {
        raise_code(code);
    }
}

/******************************************************************************/
// Time: the core's monotonic µs, extended from the port's µs counter.

#define HAL_US_BITS (sizeof(mp_uint_t) * 8)

static uint64_t now_us(uaio_state_t *st) {
    uint64_t now = 0;
    uaio_clock_extend(&st->clock, mp_hal_ticks_us(), &now);
    return now;
}

/******************************************************************************/
// Run queue: a growable ring of GC-visible objects.

// Room for one more entry; may raise MemoryError, so call it before taking
// an entry out of a timer or I/O slot.
static void runq_reserve(uaio_state_t *st) {
    if (st->runq_len == st->runq_cap) {
        size_t cap = st->runq_cap * 2;
        mp_obj_t *ring = m_new(mp_obj_t, cap); // may raise: nothing changed yet
        for (size_t i = 0; i < st->runq_len; ++i) {
            ring[i] = st->runq[(st->runq_head + i) % st->runq_cap];
        }
        m_del(mp_obj_t, st->runq, st->runq_cap);
        st->runq = ring;
        st->runq_cap = cap;
        st->runq_head = 0;
    }
}

static const mp_obj_type_t uaio_task_type;

static void runq_push(uaio_state_t *st, mp_obj_t obj) {
    runq_reserve(st);
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->flags |= TASK_QUEUED;
    }
    st->runq[(st->runq_head + st->runq_len) % st->runq_cap] = obj;
    st->runq_len += 1;
}

static mp_obj_t runq_pop(uaio_state_t *st) {
    mp_obj_t obj = st->runq[st->runq_head];
    st->runq[st->runq_head] = MP_OBJ_NULL;
    st->runq_head = (st->runq_head + 1) % st->runq_cap;
    st->runq_len -= 1;
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->flags &= ~TASK_QUEUED;
    }
    return obj;
}

/******************************************************************************/
// Timers: tokens are object pointers, kept alive by the GC-allocated slots.

static uint64_t timer_push(uaio_state_t *st, uint64_t deadline, mp_obj_t obj) {
    uint64_t handle = 0;
    int32_t rc = uaio_timerq_push(&st->timers, deadline, (uintptr_t)obj, &handle);
    if (rc == UAIO_EFULL) {
        uint32_t cap = uaio_timerq_capacity(&st->timers);
        uaio_timer_slot *old = st->timers.slots;
        uaio_timer_slot *slots = m_new(uaio_timer_slot, cap * 2); // may raise: nothing changed yet
        check(uaio_timerq_move(&st->timers, slots, cap * 2));
        m_del(uaio_timer_slot, old, cap);
        rc = uaio_timerq_push(&st->timers, deadline, (uintptr_t)obj, &handle);
    }
    check(rc);
    return handle;
}

/******************************************************************************/
// I/O: objects with a file descriptor wait in poll(2); others are asked
// through their stream ioctl by the core's poll_object hook.

static int object_fd(mp_obj_t obj) {
    if (mp_obj_is_int(obj)) {
        return mp_obj_get_int(obj);
    }
    const mp_stream_p_t *stream = mp_get_stream(obj);
    if (stream == NULL || stream->ioctl == NULL) {
        return -1;
    }
    int err;
    mp_uint_t fd = stream->ioctl(obj, MP_STREAM_GET_FILENO, 0, &err);
    return fd == MP_STREAM_ERROR ? -1 : (int)fd;
}

// Called by the core (a Rust frame is below us): must not raise.
static uint32_t poll_object_hook(void *ctx, uint64_t handle, uint32_t events) {
    (void)ctx;
    mp_obj_t obj = (mp_obj_t)(uintptr_t)handle;
    uint32_t ready = 0;
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_uint_t flags = (events & UAIO_READ ? MP_STREAM_POLL_RD : 0) | (events & UAIO_WRITE ? MP_STREAM_POLL_WR : 0);
        const mp_stream_p_t *stream = mp_get_stream(obj);
        int err = 0;
        mp_uint_t ret = stream && stream->ioctl ? stream->ioctl(obj, MP_STREAM_POLL, flags, &err) : MP_STREAM_POLL_ERR;
        if (ret == MP_STREAM_ERROR) {
            ready = UAIO_ERROR;
        } else {
            ready = (ret & MP_STREAM_POLL_RD ? UAIO_READ : 0) | (ret & MP_STREAM_POLL_WR ? UAIO_WRITE : 0)
                | (ret & (MP_STREAM_POLL_ERR | MP_STREAM_POLL_HUP | MP_STREAM_POLL_NVAL) ? UAIO_ERROR : 0);
        }
        nlr_pop();
    } else {
        // The object raised: wake its waiter, whose next call will raise too.
        ready = UAIO_ERROR;
    }
    return ready;
}

static const uaio_port_hooks hooks = { .ctx = NULL, .poll_object = poll_object_hook, .idle_wait = NULL };

static void io_arm(uaio_state_t *st, mp_obj_t obj, uint32_t dir, uaio_task_t *task) {
    int fd = object_fd(obj);
    int32_t rc = uaio_io_arm(&st->io, (uintptr_t)obj, fd, dir, (uintptr_t)task);
    if (rc == UAIO_EFULL) {
        uint32_t cap = uaio_io_capacity(&st->io);
        uaio_io_slot *old_slots = st->io.slots;
        uaio_pollfd *old_fds = st->io.pollfds;
        uaio_io_slot *slots = m_new(uaio_io_slot, cap * 2);
        uaio_pollfd *fds = m_new(uaio_pollfd, cap * 2);
        check(uaio_io_move(&st->io, slots, fds, cap * 2));
        m_del(uaio_io_slot, old_slots, cap);
        m_del(uaio_pollfd, old_fds, cap);
        rc = uaio_io_arm(&st->io, (uintptr_t)obj, fd, dir, (uintptr_t)task);
    }
    check(rc);
    task->io_obj = obj;
    task->flags |= dir == UAIO_READ ? TASK_IO_READ : TASK_IO_WRITE;
}

/******************************************************************************/
// Making a parked task runnable, e.g. to throw CancelledError into it.

static void task_unpark(uaio_state_t *st, uaio_task_t *t) {
    if (t->timer != 0) {
        uaio_timerq_cancel(&st->timers, t->timer, NULL);
        t->timer = 0;
    }
    if (t->flags & (TASK_IO_READ | TASK_IO_WRITE)) {
        uint32_t dir = t->flags & TASK_IO_READ ? UAIO_READ : UAIO_WRITE;
        uaio_io_disarm(&st->io, (uintptr_t)t->io_obj, dir, NULL);
        t->flags &= ~(TASK_IO_READ | TASK_IO_WRITE);
        t->io_obj = MP_OBJ_NULL;
    }
}

/******************************************************************************/
// Task

static mp_obj_t task_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    uaio_task_t *t = mp_obj_malloc(uaio_task_t, type);
    t->coro = args[0];
    t->data = mp_const_none;
    t->state = mp_const_true;
    t->throw = MP_OBJ_NULL;
    t->io_obj = MP_OBJ_NULL;
    t->timer = 0;
    t->flags = 0;
    return MP_OBJ_FROM_PTR(t);
}

static void task_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    mp_obj_t *field = NULL;
    switch (attr) {
        case MP_QSTR_coro: field = &t->coro; break;
        case MP_QSTR_data: field = &t->data; break;
        case MP_QSTR_state: field = &t->state; break;
        default:
            dest[1] = MP_OBJ_SENTINEL; // look in locals_dict
            return;
    }
    if (dest[0] == MP_OBJ_NULL) {
        dest[0] = *field;
    } else if (dest[1] != MP_OBJ_NULL) {
        *field = dest[1];
        dest[0] = MP_OBJ_NULL;
    }
}

static mp_obj_t task_done(mp_obj_t self_in) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    return mp_obj_new_bool(t->flags & TASK_DONE);
}
static MP_DEFINE_CONST_FUN_OBJ_1(task_done_obj, task_done);

static const mp_rom_map_elem_t task_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_done), MP_ROM_PTR(&task_done_obj) },
};
static MP_DEFINE_CONST_DICT(task_locals, task_locals_table);

// `await task`: the result once done; until then the awaiting task parks
// in the list `task.state` (and records it in its own `data`, so that
// cancelling it can take it out), and the Python layer wakes it.
static mp_obj_t task_iternext(mp_obj_t self_in) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    if (t->flags & TASK_DONE) {
        t->state = mp_const_false; // awaited: its exception is retrieved
        if (t->flags & TASK_FAILED) {
            nlr_raise(t->data);
        }
        MP_STATE_THREAD(stop_iteration_arg) = t->data;
        return MP_OBJ_STOP_ITERATION;
    }
    uaio_state_t *st = state();
    if (st->cur == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("await outside a task"));
    }
    if (!mp_obj_is_type(t->state, &mp_type_list)) {
        t->state = mp_obj_new_list(0, NULL);
    }
    mp_obj_list_append(t->state, MP_OBJ_FROM_PTR(st->cur));
    st->cur->data = t->state;
    return mp_const_false;
}

static MP_DEFINE_CONST_OBJ_TYPE(
    uaio_task_type,
    MP_QSTR_Task,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    make_new, task_make_new,
    iter, task_iternext,
    attr, task_attr,
    locals_dict, &task_locals
    );

static uaio_task_t *to_task(mp_obj_t obj) {
    if (!mp_obj_is_type(obj, &uaio_task_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a Task"));
    }
    return MP_OBJ_TO_PTR(obj);
}

/******************************************************************************/
// Awaitables of the hot path. Each is a singleton: `await sleep_ms(n)` sets
// it up and the awaiting coroutine iterates it at once, so one per kind is
// enough and waiting allocates nothing. On its first step it parks the
// current task where it belongs and yields False (parked); on the next,
// it finishes.

typedef struct _uaio_wait_t {
    mp_obj_base_t base;
    uint64_t deadline;  // sleep: when to wake; 0: back of the run queue
    mp_obj_t io_obj;    // io wait: the object
    uint32_t dir;       // io wait: UAIO_READ / UAIO_WRITE
    bool armed;
} uaio_wait_t;

static mp_obj_t sleep_iternext(mp_obj_t self_in) {
    uaio_wait_t *w = MP_OBJ_TO_PTR(self_in);
    if (!w->armed) {
        return MP_OBJ_STOP_ITERATION;
    }
    w->armed = false;
    uaio_state_t *st = state();
    if (st->cur == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("sleep outside a task"));
    }
    if (w->deadline == 0) {
        runq_push(st, MP_OBJ_FROM_PTR(st->cur));
    } else {
        st->cur->timer = timer_push(st, w->deadline, MP_OBJ_FROM_PTR(st->cur));
    }
    return mp_const_false;
}

static mp_obj_t io_wait_iternext(mp_obj_t self_in) {
    uaio_wait_t *w = MP_OBJ_TO_PTR(self_in);
    if (!w->armed) {
        return MP_OBJ_STOP_ITERATION;
    }
    w->armed = false;
    uaio_state_t *st = state();
    if (st->cur == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("I/O wait outside a task"));
    }
    mp_obj_t obj = w->io_obj;
    w->io_obj = MP_OBJ_NULL;
    io_arm(st, obj, w->dir, st->cur);
    return mp_const_false;
}

static MP_DEFINE_CONST_OBJ_TYPE(
    uaio_sleep_type, MP_QSTR_sleep, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, sleep_iternext);
static MP_DEFINE_CONST_OBJ_TYPE(
    uaio_io_wait_type, MP_QSTR_io_wait, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, io_wait_iternext);

static uaio_wait_t sleep_singleton = { { &uaio_sleep_type }, 0, MP_OBJ_NULL, 0, false };
static uaio_wait_t io_wait_singleton = { { &uaio_io_wait_type }, 0, MP_OBJ_NULL, 0, false };

// The deadline `ms` from now; ms <= 0 means "just yield".
static uint64_t deadline_ms(uaio_state_t *st, mp_int_t ms) {
    if (ms <= 0) {
        return 0;
    }
    uint64_t d = now_us(st) + (uint64_t)ms * 1000u;
    return d == 0 ? 1 : d;
}

static mp_obj_t mod_sleep_ms(mp_obj_t ms_in) {
    sleep_singleton.deadline = deadline_ms(state(), mp_obj_get_int(ms_in));
    sleep_singleton.armed = true;
    return MP_OBJ_FROM_PTR(&sleep_singleton);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_sleep_ms_obj, mod_sleep_ms);

static mp_obj_t mod_sleep(mp_obj_t s_in) {
    #if MICROPY_PY_BUILTINS_FLOAT
    mp_int_t ms = (mp_int_t)(mp_obj_get_float(s_in) * 1000);
    #else
    mp_int_t ms = mp_obj_get_int(s_in) * 1000;
    #endif
    return mod_sleep_ms(MP_OBJ_NEW_SMALL_INT(ms));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_sleep_obj, mod_sleep);

static mp_obj_t mod_io_wait(mp_obj_t obj, mp_obj_t dir_in) {
    mp_int_t dir = mp_obj_get_int(dir_in);
    if (dir != UAIO_READ && dir != UAIO_WRITE) {
        mp_raise_ValueError(MP_ERROR_TEXT("direction must be READ or WRITE"));
    }
    io_wait_singleton.io_obj = obj;
    io_wait_singleton.dir = dir;
    io_wait_singleton.armed = true;
    return MP_OBJ_FROM_PTR(&io_wait_singleton);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_io_wait_obj, mod_io_wait);

/******************************************************************************/
// The loop

// Calls loop.<name>(*args).
static mp_obj_t call_loop(uaio_state_t *st, qstr name, size_t n, const mp_obj_t *args) {
    mp_obj_t dest[2 + 3];
    mp_load_method(st->loop, name, dest);
    memcpy(dest + 2, args, n * sizeof(mp_obj_t));
    return mp_call_method_n_kw(n, 0, dest);
}

static bool is_exception(mp_obj_t exc) {
    return mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), MP_OBJ_FROM_PTR(&mp_type_Exception));
}

// Resumes task `t` once and acts on what it yields or how it ends.
static void step_task(uaio_state_t *st, uaio_task_t *t) {
    mp_obj_t throw = t->throw;
    t->throw = MP_OBJ_NULL;
    st->cur = t;
    mp_obj_t value;
    mp_vm_return_kind_t kind = mp_resume(t->coro, throw ? MP_OBJ_NULL : mp_const_none, throw, &value);
    st->cur = NULL;
    if (kind == MP_VM_RETURN_YIELD) {
        if (value == mp_const_none) {
            // 2.x `yield`: back of the run queue.
            runq_push(st, MP_OBJ_FROM_PTR(t));
        } else if (value == mp_const_false) {
            // Parked: whatever it waits for makes it runnable again.
        } else if (mp_obj_is_small_int(value)) {
            // 2.x `yield n`: sleep n ms.
            uint64_t d = deadline_ms(st, MP_OBJ_SMALL_INT_VALUE(value));
            if (d == 0) {
                runq_push(st, MP_OBJ_FROM_PTR(t));
            } else {
                t->timer = timer_push(st, d, MP_OBJ_FROM_PTR(t));
            }
        } else {
            mp_obj_t args[2] = { MP_OBJ_FROM_PTR(t), value };
            call_loop(st, MP_QSTR__yielded, 2, args);
        }
        return;
    }
    t->flags |= TASK_DONE | (kind == MP_VM_RETURN_EXCEPTION ? TASK_FAILED : 0);
    t->data = value;
    if (kind == MP_VM_RETURN_EXCEPTION && !is_exception(value)
        && !mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(value)), st->cancelled_error)) {
        // KeyboardInterrupt, SystemExit, ...: leave the loop.
        nlr_raise(value);
    }
    mp_obj_t args[3] = { MP_OBJ_FROM_PTR(t), mp_const_none, mp_const_none };
    args[kind == MP_VM_RETURN_NORMAL ? 1 : 2] = value;
    call_loop(st, MP_QSTR__done, 3, args);
}

// Runs one run-queue entry: a task, or a callable (call_soon).
static void run_entry(uaio_state_t *st, mp_obj_t obj) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        if (mp_obj_is_type(obj, &uaio_task_type)) {
            uaio_task_t *t = MP_OBJ_TO_PTR(obj);
            if (!(t->flags & TASK_DONE)) {
                step_task(st, t);
            }
        } else {
            mp_call_function_0(obj);
        }
        nlr_pop();
    } else {
        st->cur = NULL;
        mp_obj_t exc = MP_OBJ_FROM_PTR(nlr.ret_val);
        if (!is_exception(exc)) {
            nlr_jump(nlr.ret_val);
        }
        mp_obj_t args[2] = { exc, obj };
        call_loop(st, MP_QSTR__error, 2, args);
    }
}

// Moves due timers and ready I/O waits to the run queue; sleeps first (up
// to the next deadline) when nothing is runnable.
static void collect(uaio_state_t *st) {
    uint64_t token;
    runq_reserve(st);
    while (uaio_timerq_pop_due(&st->timers, now_us(st), &token) == UAIO_OK) {
        mp_obj_t obj = (mp_obj_t)(uintptr_t)token;
        if (mp_obj_is_type(obj, &uaio_task_type)) {
            ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->timer = 0;
        }
        runq_push(st, obj);
        runq_reserve(st);
    }
    if (st->runq_len > 0 && uaio_io_len(&st->io) == 0) {
        return;
    }
    int64_t timeout = 0;
    if (st->runq_len == 0) {
        uaio_timerq_timeout(&st->timers, now_us(st), &timeout);
    }
    MP_THREAD_GIL_EXIT();
    int32_t n = uaio_io_wait(&st->io, timeout, &hooks);
    MP_THREAD_GIL_ENTER();
    if (n == UAIO_EINTR) {
        mp_handle_pending(true); // raises KeyboardInterrupt after Ctrl-C
        return;
    }
    check(n);
    uint32_t events;
    while (uaio_io_take_ready(&st->io, &token, &events) == UAIO_OK) {
        uaio_task_t *t = (uaio_task_t *)(uintptr_t)token;
        t->flags &= ~(TASK_IO_READ | TASK_IO_WRITE);
        t->io_obj = MP_OBJ_NULL;
        runq_push(st, MP_OBJ_FROM_PTR(t));
        runq_reserve(st);
    }
}

// run(main): runs rounds until `main` (a Task, or None) is done, stop() is
// called, or (with a main task) nothing at all is left that could run.
// A round: collect due timers and ready I/O (sleeping if nothing is
// runnable), then run every entry queued at its start, in FIFO order.
// Returns main's result or raises its exception; None if it did not finish.
static mp_obj_t mod_run(mp_obj_t main_in) {
    uaio_state_t *st = state();
    uaio_task_t *main = main_in == mp_const_none ? NULL : to_task(main_in);
    st->stop = false;
    while (!st->stop && !(main && (main->flags & TASK_DONE))) {
        if (main && st->runq_len == 0 && uaio_timerq_len(&st->timers) == 0 && uaio_io_len(&st->io) == 0) {
            break; // deadlocked: nothing can ever wake main
        }
        collect(st);
        for (size_t n = st->runq_len; n > 0 && !st->stop; --n) {
            run_entry(st, runq_pop(st));
            if (main && (main->flags & TASK_DONE)) {
                break;
            }
        }
    }
    st->stop = false;
    if (main == NULL || !(main->flags & TASK_DONE)) {
        return mp_const_none;
    }
    main->state = mp_const_false; // its outcome is retrieved here
    if (main->flags & TASK_FAILED) {
        nlr_raise(main->data);
    }
    return main->data;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_run_obj, mod_run);

/******************************************************************************/
// Module functions

// init(loop, CancelledError): a fresh scheduler state driven for `loop`.
static mp_obj_t mod_init(mp_obj_t loop, mp_obj_t cancelled_error) {
    uaio_state_t *st = m_new_obj(uaio_state_t);
    memset(st, 0, sizeof(*st));
    uaio_timer_slot *tslots = m_new(uaio_timer_slot, INITIAL_CAPACITY);
    uaio_io_slot *islots = m_new(uaio_io_slot, INITIAL_CAPACITY);
    uaio_pollfd *pfds = m_new(uaio_pollfd, INITIAL_CAPACITY);
    st->runq = m_new(mp_obj_t, INITIAL_CAPACITY);
    st->runq_cap = INITIAL_CAPACITY;
    check(uaio_timerq_init(&st->timers, tslots, INITIAL_CAPACITY));
    check(uaio_io_init(&st->io, islots, pfds, INITIAL_CAPACITY));
    mp_uint_t raw = mp_hal_ticks_us();
    check(uaio_clock_init(&st->clock, HAL_US_BITS, raw, raw));
    st->loop = loop;
    st->cancelled_error = cancelled_error;
    MP_STATE_VM(uaio_state) = st;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_init_obj, mod_init);

// push(obj): a task or callable to the back of the run queue.
static mp_obj_t mod_push(mp_obj_t obj) {
    runq_push(state(), obj);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_push_obj, mod_push);

// A timer that runs `obj` (task or callable) at `deadline`; its handle as
// a Python int (for cancel_timer).
static mp_obj_t schedule_at(uaio_state_t *st, uint64_t deadline, mp_obj_t obj) {
    uint64_t h = timer_push(st, deadline, obj);
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->timer = h;
    }
    return mp_obj_new_int_from_ull(h);
}

// call_later(ms, obj): run `obj` in `ms` ms.
static mp_obj_t mod_call_later(mp_obj_t ms_in, mp_obj_t obj) {
    uaio_state_t *st = state();
    uint64_t d = deadline_ms(st, mp_obj_get_int(ms_in));
    return schedule_at(st, d == 0 ? now_us(st) : d, obj);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_call_later_obj, mod_call_later);

// Python's wrap-around ms ticks, as the scheduler's clock sees them: tick T
// starts at µs time T * 1000 (the clock counts the port's raw µs), so equal
// ticks are equal deadlines and keep FIFO order.
#define TICKS_BITS ((uint32_t)__builtin_ctzll((unsigned long long)MICROPY_PY_TIME_TICKS_PERIOD))

static mp_obj_t mod_ticks(void) {
    uint64_t ms = now_us(state()) / 1000;
    return MP_OBJ_NEW_SMALL_INT(ms & (MICROPY_PY_TIME_TICKS_PERIOD - 1));
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_ticks_obj, mod_ticks);

// call_at(ticks, obj): run `obj` when tick `ticks` (wrap-around ms) begins.
static mp_obj_t mod_call_at(mp_obj_t ticks_in, mp_obj_t obj) {
    uaio_state_t *st = state();
    uint64_t now_ms = now_us(st) / 1000, deadline = 0;
    check(uaio_ticks_to_time(mp_obj_get_int(ticks_in), now_ms, now_ms * 1000, 1000, TICKS_BITS, &deadline));
    return schedule_at(st, deadline, obj);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_call_at_obj, mod_call_at);

// cancel_timer(handle) -> bool: False if it already fired or was cancelled.
static mp_obj_t mod_cancel_timer(mp_obj_t h_in) {
    uint64_t h = 0;
    if (mp_obj_is_small_int(h_in)) {
        h = (uint64_t)MP_OBJ_SMALL_INT_VALUE(h_in);
    } else if (mp_obj_is_int(h_in)) {
        mp_obj_int_to_bytes_impl(h_in, false, sizeof(h), (byte *)&h); // little-endian hosts and MCUs
    } else {
        mp_raise_TypeError(MP_ERROR_TEXT("timer handle must be an int"));
    }

    return mp_obj_new_bool(uaio_timerq_cancel(&state()->timers, h, NULL) == UAIO_OK);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_cancel_timer_obj, mod_cancel_timer);

// wake(task, exc=None) -> bool: make a parked task runnable, throwing `exc`
// into it at its next step (how cancel delivers CancelledError). False if
// the task is done already.
static mp_obj_t mod_wake(size_t n_args, const mp_obj_t *args) {
    uaio_state_t *st = state();
    uaio_task_t *t = to_task(args[0]);
    if (t->flags & TASK_DONE) {
        return mp_const_false;
    }
    runq_reserve(st);
    task_unpark(st, t);
    if (n_args > 1 && args[1] != mp_const_none) {
        t->throw = args[1];
    }
    if (!(t->flags & TASK_QUEUED)) {
        runq_push(st, MP_OBJ_FROM_PTR(t));
    }
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_wake_obj, 1, 2, mod_wake);

static mp_obj_t mod_stop(void) {
    state()->stop = true;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_stop_obj, mod_stop);

static mp_obj_t mod_cur_task(void) {
    uaio_state_t *st = state();
    return st->cur ? MP_OBJ_FROM_PTR(st->cur) : mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_cur_task_obj, mod_cur_task);

// counts() -> (runnable, timers, I/O objects): for tests and introspection.
static mp_obj_t mod_counts(void) {
    uaio_state_t *st = state();
    mp_obj_t items[3] = {
        MP_OBJ_NEW_SMALL_INT(st->runq_len),
        MP_OBJ_NEW_SMALL_INT(uaio_timerq_len(&st->timers)),
        MP_OBJ_NEW_SMALL_INT(uaio_io_len(&st->io)),
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_counts_obj, mod_counts);

static const mp_rom_map_elem_t uaio_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__uaio) },
    { MP_ROM_QSTR(MP_QSTR_Task), MP_ROM_PTR(&uaio_task_type) },
    { MP_ROM_QSTR(MP_QSTR_init), MP_ROM_PTR(&mod_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_run), MP_ROM_PTR(&mod_run_obj) },
    { MP_ROM_QSTR(MP_QSTR_stop), MP_ROM_PTR(&mod_stop_obj) },
    { MP_ROM_QSTR(MP_QSTR_push), MP_ROM_PTR(&mod_push_obj) },
    { MP_ROM_QSTR(MP_QSTR_call_later), MP_ROM_PTR(&mod_call_later_obj) },
    { MP_ROM_QSTR(MP_QSTR_call_at), MP_ROM_PTR(&mod_call_at_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks), MP_ROM_PTR(&mod_ticks_obj) },
    { MP_ROM_QSTR(MP_QSTR_cancel_timer), MP_ROM_PTR(&mod_cancel_timer_obj) },
    { MP_ROM_QSTR(MP_QSTR_wake), MP_ROM_PTR(&mod_wake_obj) },
    { MP_ROM_QSTR(MP_QSTR_cur_task), MP_ROM_PTR(&mod_cur_task_obj) },
    { MP_ROM_QSTR(MP_QSTR_counts), MP_ROM_PTR(&mod_counts_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&mod_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&mod_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_io_wait), MP_ROM_PTR(&mod_io_wait_obj) },
    { MP_ROM_QSTR(MP_QSTR_READ), MP_ROM_INT(UAIO_READ) },
    { MP_ROM_QSTR(MP_QSTR_WRITE), MP_ROM_INT(UAIO_WRITE) },
};
static MP_DEFINE_CONST_DICT(uaio_module_globals, uaio_module_globals_table);

const mp_obj_module_t uaio_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&uaio_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__uaio, uaio_module);
