// The scheduler state and the run loop of _uaio.
//
// Scheduling decisions are the Rust core's (include/uaio.h): deadline
// order, FIFO among equal deadlines, cancel, which object waits for what,
// how long to sleep. Everything that can raise (nlr) stays in C and never
// runs while a Rust frame is on the stack: the core gets integer tokens and
// returns status codes, and the one hook it calls catches exceptions.
//
// GC: tasks live only in GC memory. The state is a GC block reachable from a
// root pointer; the I/O slots and the run queue are GC blocks reachable from
// it, and a task's pointer is the token kept in them (scanned
// conservatively, like any GC block). The timing queue links the items'
// own objects from its root in the state, pointer to object start.

#include <string.h>

#include "py/mphal.h"
#include "py/stream.h"
#include "py/smallint.h"
#include "py/objgenerator.h"
#include "py/gc.h"
#if defined(__unix__)
#include <stdlib.h>
#endif
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include "uaio_mp.h"

#define INITIAL_CAPACITY (16)
#define HAL_US_BITS ((uint32_t)(sizeof(mp_uint_t) * 8))

// The µs counter the scheduler's clock extends: it must never step back.
#if UAIO_CORTEXM
uint32_t uaio_cortexm_ticks_us(void); // port_cortexm.c
#define CLOCK_US() uaio_cortexm_ticks_us()
#else
#define CLOCK_US() mp_hal_ticks_us()
#endif
#define TICKS_BITS ((uint32_t)__builtin_ctzll((unsigned long long)MICROPY_PY_TIME_TICKS_PERIOD))

MP_REGISTER_ROOT_POINTER(struct _uaio_state_t *uaio_state);

// The default loop, made on first need: objects that need a scheduler (a
// sleep's deadline, a Task, a woken waiter) may be made before any loop
// exists, as with stock MicroPython and CPython. The loop is the Python
// one (uasyncio.get_event_loop()), which the C loop calls back.
static MP_NOINLINE uaio_state_t *default_state(void) {
    mp_obj_t pkg = mp_import_name(MP_QSTR_uasyncio, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    uaio_call_method(pkg, MP_QSTR_get_event_loop, MP_OBJ_NULL);
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    if (st == NULL) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("uaio: no event loop"));
    }
    return st;
}

// obj.name(arg), or obj.name() when arg is MP_OBJ_NULL: no bound method
// object is made (mp_load_method), unlike calling mp_load_attr's result.
mp_obj_t uaio_call_method(mp_obj_t obj, qstr name, mp_obj_t arg) {
    mp_obj_t dest[3];
    mp_load_method(obj, name, dest);
    dest[2] = arg;
    return mp_call_method_n_kw(arg != MP_OBJ_NULL, 0, dest);
}

uaio_state_t *uaio_state(void) {
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    return st != NULL ? st : default_state();
}

// A uaio result code as a Python exception (only after Rust has returned).
NORETURN void uaio_raise_code(int32_t code) {
    if (code == UAIO_EBUSY) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("another task already waits on this object"));
    }
    mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("uaio: %s"), uaio_strerror(code));
}

void uaio_check(int32_t code) {
    if (code < 0) {
        uaio_raise_code(code);
    }
}

uaio_task_t *uaio_cur_task(uaio_state_t *st, const char *what) {
    if (st->cur == NULL) {
        mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s outside a task"), what);
    }
    return st->cur;
}

/******************************************************************************/
// Time. The scheduler counts µs: the port's µs counter, extended (so tick T
// of the ms ticks begins at µs T * 1000 on ports whose two counters agree).
// With loop.time() overridden (2.x), it is that ms clock, read once a round.

static void read_py_time(uaio_state_t *st);

uint64_t uaio_now_us(uaio_state_t *st) {
    if (PY_TIME(st)) {
        if (!st->running) {
            read_py_time(st); // in a round, the round's reading
        }
        return st->py_now;
    }
    uint64_t now = 0;
    uaio_clock_extend(&st->clock, CLOCK_US(), &now);
    return now;
}

static void read_py_time(uaio_state_t *st) {
    mp_obj_t t = uaio_call_method(st->loop, MP_QSTR_time, MP_OBJ_NULL);
    uint64_t ticks = (uint64_t)mp_obj_get_int(t) & (MICROPY_PY_TIME_TICKS_PERIOD - 1), ms = 0;
    if (st->py_now == 0) {
        // The extended clock starts small (not at the tick value), so that
        // its µs never overflow.
        uaio_check(uaio_clock_init(&st->py_clock, TICKS_BITS, ticks, 1));
    }
    uaio_clock_extend(&st->py_clock, ticks, &ms);
    st->py_ticks = ticks;
    st->py_now = ms * 1000;
}

// The error of an interval over MAX_INTERVAL_US (as time.ticks_add's).
mp_obj_t uaio_interval_overflow(void) {
    return mp_obj_new_exception_msg(&mp_type_OverflowError, MP_ERROR_TEXT("ticks interval overflow"));
}

// The deadline `us` from now; 0 (just yield) when us <= 0.
uint64_t uaio_deadline_us(uaio_state_t *st, int64_t us) {
    if (us <= 0) {
        return 0;
    }
    uint64_t d = uaio_now_us(st) + (uint64_t)us;
    return d == 0 ? 1 : d;
}

// The current ms tick, and the µs time at which it began.
static uint64_t tick_now(uaio_state_t *st, uint64_t *began) {
    uint64_t now = uaio_now_us(st);
    if (PY_TIME(st)) {
        *began = now;
        return st->py_ticks;
    }
    uint64_t ms = uaio_div1000(now);
    *began = ms * 1000;
    return ms;
}

// Ms ticks as the scheduler sees them (loop.time() of the default loop).
mp_obj_t uaio_ticks(uaio_state_t *st) {
    uint64_t began;
    return MP_OBJ_NEW_SMALL_INT(tick_now(st, &began) & (MICROPY_PY_TIME_TICKS_PERIOD - 1));
}

// The µs time at which ms tick `ticks` begins.
uint64_t uaio_ticks_time(uaio_state_t *st, mp_int_t ticks) {
    uint64_t began, t = 0;
    uint64_t now_ticks = tick_now(st, &began);
    uaio_check(uaio_ticks_to_time((uint64_t)ticks, now_ticks, began, 1000, TICKS_BITS, &t));
    return t;
}

/******************************************************************************/
// Run queue: a growable ring. Reserve room before taking an entry out of a
// timer or I/O slot, so that a MemoryError cannot lose it.

static void runq_reserve(uaio_state_t *st) {
    if (st->runq_len < st->runq_cap) {
        return;
    }
    size_t cap = st->runq_cap * 2;
    mp_obj_t *ring = m_new(mp_obj_t, cap);
    for (size_t i = 0; i < st->runq_len; ++i) {
        ring[i] = st->runq[(st->runq_head + i) % st->runq_cap];
    }
    m_del(mp_obj_t, st->runq, st->runq_cap);
    st->runq = ring;
    st->runq_cap = cap;
    st->runq_head = 0;
}

static void runq_append(uaio_state_t *st, mp_obj_t obj) {
    runq_reserve(st);
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->flags |= TASK_QUEUED;
    }
    st->runq[(st->runq_head + st->runq_len) % st->runq_cap] = obj;
    st->runq_len += 1;
}

// Timers due by now go to the run queue (in deadline order).
static void collect_due(uaio_state_t *st) {
    uint64_t now = uaio_now_us(st);
    void *item;
    runq_reserve(st);
    while (uaio_nodeq_pop_due(&st->timers, now, &item) == UAIO_OK) {
        mp_obj_t obj = MP_OBJ_FROM_PTR(item);
        #if !UAIO_PROFILE_LEAN
        if (mp_obj_is_type(obj, &uaio_timer_type)) {
            obj = ((uaio_timer_t *)item)->callback;
        } else
        #endif
        {
            uaio_task_live_add(st, item); // lean has no timers (call_later): only tasks
        }
        runq_append(st, obj);
        runq_reserve(st);
    }
}

// Makes `obj` runnable. Timers already due go first, so the run queue stays
// in the order things became runnable, as one time-ordered queue would.
void uaio_runq_push(uaio_state_t *st, mp_obj_t obj) {
    if (uaio_nodeq_len(&st->timers) > 0) {
        collect_due(st);
    }
    runq_append(st, obj);
}

// Sleeps `t` until `deadline` (0: only yields to what is queued already).
void uaio_sleep_task(uaio_state_t *st, uaio_task_t *t, uint64_t deadline) {
    if (deadline == 0) {
        uaio_runq_push(st, MP_OBJ_FROM_PTR(t));
    } else {
        uaio_task_live_remove(t);
        uaio_timer_push(st, t, deadline);
    }
}

static mp_obj_t runq_pop(uaio_state_t *st) {
    mp_obj_t obj = st->runq[st->runq_head];
    st->runq[st->runq_head] = MP_OBJ_NULL;
    st->runq_head = (st->runq_head + 1) % st->runq_cap;
    st->runq_len -= 1;
    if (st->runq_len == 0) {
        st->runq_head = 0;
        if (st->runq_cap > INITIAL_CAPACITY) {
            // Give back what a burst needed (shrinking never moves or fails).
            mp_obj_t *ring = m_renew_maybe(mp_obj_t, st->runq, st->runq_cap, INITIAL_CAPACITY, false);
            if (ring != NULL) {
                st->runq = ring;
                st->runq_cap = INITIAL_CAPACITY;
            }
        }
    }
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        ((uaio_task_t *)MP_OBJ_TO_PTR(obj))->flags &= ~TASK_QUEUED;
    }
    return obj;
}

/******************************************************************************/
// Timers: the timing queue links the items themselves (a task or a
// uaio_timer_t). I/O waits: the token is the object's pointer, and full
// storage is moved into storage twice as big (allocated before anything
// changes).

// Queues `item` (not queued) until `deadline`. A deadline past what the
// queue holds (2^56 µs of clock time, 2,284 years; a sleep is at most 2^54
// µs) is never: it waits for a cancel.
void uaio_timer_push(uaio_state_t *st, void *item, uint64_t deadline) {
    uaio_check(uaio_nodeq_push(&st->timers, item, MIN(deadline, UAIO_NODEQ_MAX_DEADLINE)));
}

// The stream protocol of `obj`, or NULL (mp_get_stream assumes a type
// that has a protocol slot; a plain Python object has none).
const mp_stream_p_t *uaio_stream_of(mp_obj_t obj) {
    const mp_obj_type_t *type = mp_obj_get_type(obj);
    return MP_OBJ_TYPE_HAS_SLOT(type, protocol) ? MP_OBJ_TYPE_GET_SLOT(type, protocol) : NULL;
}

// The fd an object is polled by: an int is one, a stream may have one (its
// MP_STREAM_GET_FILENO), anything else is asked through its ioctl (-1).
static int object_fd(mp_obj_t obj) {
    if (mp_obj_is_int(obj)) {
        return mp_obj_get_int(obj);
    }
    const mp_stream_p_t *stream = uaio_stream_of(obj);
    if (stream == NULL || stream->ioctl == NULL) {
        mp_raise_TypeError(MP_ERROR_TEXT("object is not a stream"));
    }
    int err;
    mp_uint_t fd = stream->ioctl(obj, MP_STREAM_GET_FILENO, 0, &err);
    return fd == MP_STREAM_ERROR ? -1 : (int)fd;
}

// Parks `task` until `obj` is ready for `dir`.
void uaio_io_park(uaio_state_t *st, mp_obj_t obj, uint32_t dir, uaio_task_t *task) {
    int fd = object_fd(obj);
    int32_t rc = uaio_io_arm(&st->io, (uintptr_t)obj, fd, dir, (uintptr_t)task);
    if (rc == UAIO_EFULL) {
        uint32_t cap = uaio_io_capacity(&st->io);
        uaio_io_slot *old_slots = st->io.slots;
        uaio_pollfd *old_fds = st->io.pollfds;
        uaio_io_slot *slots = m_new(uaio_io_slot, cap * 2);
        uaio_pollfd *fds = m_new(uaio_pollfd, cap * 2);
        uaio_check(uaio_io_move(&st->io, slots, fds, cap * 2));
        m_del(uaio_io_slot, old_slots, cap);
        m_del(uaio_pollfd, old_fds, cap);
        rc = uaio_io_arm(&st->io, (uintptr_t)obj, fd, dir, (uintptr_t)task);
    }
    uaio_check(rc);
    task->data = obj;
    task->flags |= dir == UAIO_READ ? TASK_IO_READ : TASK_IO_WRITE;
}

// Readiness of an object without fd, through its stream ioctl. Called by the
// core, with a Rust frame below: catches every exception.
static uint32_t poll_object_hook(void *ctx, uint64_t handle, uint32_t events) {
    (void)ctx;
    mp_obj_t obj = (mp_obj_t)(uintptr_t)handle;
    uint32_t ready = UAIO_ERROR; // an object that raises wakes its waiter
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_uint_t flags = (events & UAIO_READ ? MP_STREAM_POLL_RD : 0) | (events & UAIO_WRITE ? MP_STREAM_POLL_WR : 0);
        const mp_stream_p_t *stream = uaio_stream_of(obj);
        int err = 0;
        mp_uint_t ret = stream && stream->ioctl ? stream->ioctl(obj, MP_STREAM_POLL, flags, &err) : MP_STREAM_ERROR;
        if (ret != MP_STREAM_ERROR) {
            ready = (ret & MP_STREAM_POLL_RD ? UAIO_READ : 0) | (ret & MP_STREAM_POLL_WR ? UAIO_WRITE : 0)
                | (ret & (MP_STREAM_POLL_ERR | MP_STREAM_POLL_HUP | MP_STREAM_POLL_NVAL) ? UAIO_ERROR : 0);
        }
        nlr_pop();
    }
    return ready;
}

// The idle wait: one per kind of host, picked by the build; none is an error.
#if UAIO_CORTEXM
int32_t uaio_cortexm_idle_wait(void *ctx, int64_t timeout_us); // port_cortexm.c: WFI
#define IDLE_WAIT uaio_cortexm_idle_wait
#elif UAIO_MPEVENT
int32_t uaio_mpevent_idle_wait(void *ctx, int64_t timeout_us); // port_mpevent.c: the port's event wait
#define IDLE_WAIT uaio_mpevent_idle_wait
#elif defined(__unix__) || defined(__APPLE__)
#define IDLE_WAIT NULL // poll(2) sleeps
#else
#error "uaio: no idle wait for this target: build csrc/port_mpevent.c with UAIO_MPEVENT=1 (ports with an event wait) or csrc/port_cortexm.c with UAIO_CORTEXM=1 (bare Cortex-M)"
#endif

static const uaio_port_hooks hooks = { .ctx = NULL, .poll_object = poll_object_hook, .idle_wait = IDLE_WAIT };

// Waits for I/O (at most `timeout_us`; -1: no limit) and makes the tasks of
// ready objects runnable.
void uaio_wait_io(uaio_state_t *st, int64_t timeout_us) {
    MP_THREAD_GIL_EXIT();
    int32_t n = uaio_io_wait(&st->io, timeout_us, &hooks);
    MP_THREAD_GIL_ENTER();
    if (n == UAIO_EINTR) {
        mp_handle_pending(true); // raises KeyboardInterrupt after Ctrl-C
        return;
    }
    uaio_check(n);
    uint64_t token;
    uint32_t events;
    runq_reserve(st);
    while (uaio_io_take_ready(&st->io, &token, &events) == UAIO_OK) {
        uaio_task_t *t = (uaio_task_t *)(uintptr_t)token;
        t->flags &= ~(TASK_IO_READ | TASK_IO_WRITE);
        t->data = mp_const_none;
        uaio_runq_push(st, MP_OBJ_FROM_PTR(t));
        runq_reserve(st);
    }
}

/******************************************************************************/
// The loop

static bool is_exception(mp_obj_t exc) {
    return mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), MP_OBJ_FROM_PTR(&mp_type_Exception));
}

// Rare paths only: not inlined into the loop.
static MP_NOINLINE void call_loop(uaio_state_t *st, qstr name, size_t n, const mp_obj_t *args) {
    mp_obj_t dest[2 + 2];
    mp_load_method(st->loop, name, dest);
    memcpy(dest + 2, args, n * sizeof(mp_obj_t));
    mp_call_method_n_kw(n, 0, dest);
}

// Flags of a task that waits somewhere already.
#define PARKED (TASK_QUEUED | TASK_SLEEPING | TASK_IO_READ | TASK_IO_WRITE)

// Resumes task `t` once and acts on what it yields or how it ends.
static void step_task(uaio_state_t *st, uaio_task_t *t) {
    mp_obj_t throw = MP_OBJ_NULL;
    if (t->flags & TASK_THROW) {
        throw = t->data;
        t->data = mp_const_none;
        t->flags &= ~TASK_THROW;
        if (t->flags & TASK_HANDOFF) {
            // Cancelled after a lock was handed to it: pass the lock on.
            mp_obj_t owner = MP_OBJ_FROM_PTR(t->node.left);
            t->node.left = NULL;
            t->flags &= ~TASK_HANDOFF;
            uaio_handoff_return(owner);
        }
    }
    st->cur = t;
    mp_obj_t value;
    mp_vm_return_kind_t kind;
    if (throw && mp_obj_is_type(t->coro, &mp_type_gen_instance)) {
        // As gen.throw() does, so that a task cancelled before it started
        // gets the exception at its first line.
        kind = mp_obj_gen_resume(t->coro, mp_const_none, throw, &value);
    } else {
        kind = mp_resume(t->coro, throw ? MP_OBJ_NULL : mp_const_none, throw, &value);
    }
    st->cur = NULL;
    if (kind != MP_VM_RETURN_YIELD) {
        uaio_task_finish(st, t, kind == MP_VM_RETURN_EXCEPTION, value);
    } else if (value == mp_const_false || (value == mp_const_none && (t->flags & PARKED))) {
        // Parked: whatever it waits for makes it runnable again. A `yield`
        // after the task put itself somewhere (stock's protocol, e.g.
        // `yield core._io_queue.queue_read(s)`) parks it too.
    #if UAIO_PROFILE_LEAN
    } else if (value == mp_const_none) {
        uaio_runq_push(st, MP_OBJ_FROM_PTR(t)); // a bare `yield`: after the work already queued
    #else
    } else if (value == mp_const_none || mp_obj_is_small_int(value)) {
        // 2.x `yield` (after the work already queued) and `yield n` (sleep n
        // ms); an n too long for the clock raises in the task, as sleep_ms(n).
        mp_int_t ms = value == mp_const_none ? 0 : MP_OBJ_SMALL_INT_VALUE(value);
        if (ms > 0 && (uint64_t)ms > MAX_INTERVAL_US / 1000) {
            t->data = uaio_interval_overflow();
            t->flags |= TASK_THROW;
            uaio_runq_push(st, MP_OBJ_FROM_PTR(t));
        } else {
            uaio_sleep_task(st, t, uaio_deadline_us(st, (int64_t)ms * 1000));
        }
    #endif
    } else {
        // Syscall objects, `yield coro` and the like: the Python layer.
        mp_obj_t args[2] = { MP_OBJ_FROM_PTR(t), value };
        call_loop(st, MP_QSTR__yielded, 2, args);
    }
}

// Runs one run-queue entry: a task, or a callable (call_soon). Exceptions
// of callbacks go to the loop's exception handler; BaseExceptions that are
// not Exceptions (KeyboardInterrupt, SystemExit) leave the loop.
static void run_entry(uaio_state_t *st, mp_obj_t obj) {
    #if defined(__unix__)
    if (st->gc_stress) { // set from the environment: hosts only
        gc_collect();
    }
    #endif
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        if (!mp_obj_is_type(obj, &uaio_task_type)) {
            mp_call_function_0(obj);
        } else {
            uaio_task_t *t = MP_OBJ_TO_PTR(obj);
            if (!(t->flags & TASK_DONE)) {
                step_task(st, t);
            } else {
                uaio_task_report(st, t);
            }
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

// The round's time (2.x: loop.time(), once a round), and the due timers.
static void collect_timers(uaio_state_t *st) {
    if (PY_TIME(st)) {
        read_py_time(st);
    }
    collect_due(st);
}

// The longest sleep while nothing is registered (no timer, no I/O): then
// only a micropython.schedule() callback (an IRQ, a signal handler, another
// thread) can wake a task, and MicroPython 1.26+ keeps waiting for one (1.25
// left run()). On bare metal any interrupt ends the wait (WFI), and the
// wait checks for pending work with interrupts masked: no limit. On a host a
// signal ends poll(2) (EINTR), but a callback scheduled by another thread
// does not, nor a signal taken between the check for pending work and
// poll(2): waking every 3 ms, as stock asyncio polls then, bounds that
// delay at stock's, for under 1 % of a core (measured: ~330 wakes/s).
#if defined(__unix__) || defined(__APPLE__)
#define IDLE_SLICE_US (3000)
#else
#define IDLE_SLICE_US (-1)
#endif

// The wait between rounds: I/O readiness (and the sleep until the next
// deadline when nothing is runnable).
static void wait_phase(uaio_state_t *st) {
    // Callbacks from micropython.schedule() run now, not after the sleep.
    mp_handle_pending(true);
    int64_t timeout = 0;
    if (st->runq_len == 0) {
        uaio_nodeq_timeout(&st->timers, uaio_now_us(st), &timeout);
    }
    if (PY_WAIT(st)) {
        // 2.x: an overridden wait(delay_ms) replaces the I/O wait (-1: it
        // decides how to wait for nothing, as 2.x's wait(-1)).
        mp_int_t ms = timeout < 0 ? -1 : (mp_int_t)uaio_div1000((uint64_t)timeout + 999);
        mp_obj_t args[1] = { MP_OBJ_NEW_SMALL_INT(ms) };
        call_loop(st, MP_QSTR_wait, 1, args);
    } else if (timeout != 0 || uaio_io_len(&st->io) > 0) {
        uaio_wait_io(st, timeout < 0 && uaio_io_len(&st->io) == 0 ? IDLE_SLICE_US : timeout);
    }
}

static bool finished(uaio_state_t *st) {
    return st->stop || (st->main && (st->main->flags & TASK_DONE));
}

// run(main): runs rounds until `main` (a Task, or None) is done or stop()
// is called; while nothing can wake it, it waits for a scheduled callback
// (as MicroPython 1.26+). A round: due timers to the run queue; every entry
// queued at the round's start, in FIFO order; then the wait. Returns main's
// result or raises its exception; None after stop().
static mp_obj_t run_loop(uaio_state_t *st) {
    while (!finished(st)) {
        collect_timers(st);
        for (size_t n = st->runq_len; n > 0 && !finished(st); --n) {
            run_entry(st, runq_pop(st));
        }
        if (!finished(st)) {
            wait_phase(st);
        }
    }
    uaio_task_t *main = st->main;
    if (main == NULL || !(main->flags & TASK_DONE)) {
        return mp_const_none;
    }
    main->state = mp_const_false; // its outcome is retrieved here
    if (main->flags & TASK_FAILED) {
        nlr_raise(main->data);
    }
    return main->data;
}

// Whether some loop is inside run() (the scheduler state is the VM's, one
// at a time: a loop run from inside a task of another would share it).
bool uaio_any_running;

// RuntimeError if a loop runs already: run() from inside a task, of the
// same loop or another. Checked before anything is scheduled.
void uaio_check_idle(uaio_state_t *st) {
    if (st->running) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("the event loop is already running"));
    }
    if (uaio_any_running) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("another event loop is running"));
    }
}

mp_obj_t uaio_run(mp_obj_t main_in) {
    uaio_state_t *st = uaio_state();
    uaio_check_idle(st);
    st->main = main_in == mp_const_none ? NULL : uaio_to_task(main_in);
    st->stop = false;
    st->running = true;
    uaio_any_running = true;
    nlr_buf_t nlr;
    mp_obj_t ret = mp_const_none;
    bool raised = nlr_push(&nlr) != 0;
    if (!raised) {
        ret = run_loop(st);
        nlr_pop();
    }
    uaio_any_running = false;
    st->running = st->stop = false;
    st->main = NULL;
    st->cur = NULL;
    if (raised) {
        nlr_jump(nlr.ret_val);
    }
    return ret;
}

#if defined(__linux__)
// A scheduler that is collected gives back what the core holds: its epoll
// fd, which only Linux has (elsewhere the core holds nothing but GC memory).
static mp_obj_t sched_del(mp_obj_t self_in) {
    uaio_io_deinit(&((uaio_state_t *)MP_OBJ_TO_PTR(self_in))->io);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(sched_del_obj, sched_del);

static const mp_rom_map_elem_t sched_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&sched_del_obj) },
};
static MP_DEFINE_CONST_DICT(sched_locals, sched_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(uaio_sched_type, MP_QSTR_Scheduler, MP_TYPE_FLAG_NONE, locals_dict, &sched_locals);
#define new_sched() mp_obj_malloc_with_finaliser(uaio_state_t, &uaio_sched_type)
#else
MP_DEFINE_CONST_OBJ_TYPE(uaio_sched_type, MP_QSTR_Scheduler, MP_TYPE_FLAG_NONE);
#define new_sched() mp_obj_malloc(uaio_state_t, &uaio_sched_type)
#endif

// A fresh scheduler state driven for `loop`, made the current one (unless
// a loop is running: that one stays current, as in CPython);
// `py_time` / `py_wait`: the loop's class overrides time() / wait() (2.x),
// which the loop then calls.
mp_obj_t uaio_init(mp_obj_t loop, mp_obj_t cancelled_error, bool py_time, bool py_wait) {
    uaio_state_t *st = new_sched();
    memset((char *)st + sizeof(st->base), 0, sizeof(*st) - sizeof(st->base));
    uaio_io_slot *islots = m_new(uaio_io_slot, INITIAL_CAPACITY);
    uaio_pollfd *pfds = m_new(uaio_pollfd, INITIAL_CAPACITY);
    st->runq = m_new(mp_obj_t, INITIAL_CAPACITY);
    st->runq_cap = INITIAL_CAPACITY;
    // One queue holds tasks and timers: their nodes are at the same offset.
    MP_STATIC_ASSERT(offsetof(uaio_task_t, node) == offsetof(uaio_timer_t, node));
    uaio_check(uaio_nodeq_init(&st->timers, offsetof(uaio_task_t, node)));
    uaio_check(uaio_io_init(&st->io, islots, pfds, INITIAL_CAPACITY));
    mp_uint_t raw = CLOCK_US();
    uaio_check(uaio_clock_init(&st->clock, HAL_US_BITS, raw, raw));
    st->live.node.parent = st->live.node.right = &st->live;
    st->loop = loop;
    st->cancelled_error = cancelled_error;
    st->py_time = py_time;
    st->py_wait = py_wait;
    #if defined(__unix__)
    st->gc_stress = getenv("UAIO_GC_STRESS") != NULL; // whole test suites under GC stress
    #endif
    #if defined(__linux__)
    // Wake at the deadline, not up to 50 µs after it (the default slack).
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    #endif
    if (!uaio_any_running) {
        MP_STATE_VM(uaio_state) = st;
    }
    return MP_OBJ_FROM_PTR(st);
}
