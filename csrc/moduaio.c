// _uaio: MicroPython's side of uaio (the module table and its functions).
// The loop is in loop.c, Task in task.c, awaitables and sync types in sync.c.

#include <math.h>

#include "py/objint.h"
#include "py/mperrno.h"
#include "py/gc.h"
#include "py/smallint.h"
#include "py/stream.h"
#include "uaio_mp.h"

// UAIO_PROFILE_LEAN (make/CMake UAIO_PROFILE=lean): without what only the
// 2.x layer (python/v2) calls: its absence makes that layer's import fail.
// UAIO_STREAMIO (UAIO_PROFILE=full): with the C Stream (streamio.c); without
// it the package's Python Stream (python/uasyncio/stream.py) is used.


// A duration in `scale` µs units as µs: ints exactly, floats rounded up
// (a sleep never ends early); negative means 0.
static int64_t duration_us(mp_obj_t d, int32_t scale) {
    #if MICROPY_PY_BUILTINS_FLOAT
    if (mp_obj_is_float(d)) {
        mp_float_t f = mp_obj_get_float(d);
        if (!isfinite(f)) {
            mp_raise_ValueError(MP_ERROR_TEXT("sleep time must be a finite number"));
        }
        f = MICROPY_FLOAT_C_FUN(ceil)(f * (mp_float_t)scale);
        if (f > (mp_float_t)MAX_INTERVAL_US) {
            nlr_raise(uaio_interval_overflow());
        }
        return f < 0 ? 0 : (int64_t)uaio_float_to_u64(f);
    }
    #endif
    mp_int_t v = mp_obj_get_int(d);
    if (v <= 0) {
        return 0;
    }
    // Constant bounds: no 64-bit division at run time.
    if ((uint64_t)v > (scale == 1000 ? MAX_INTERVAL_US / 1000 : MAX_INTERVAL_US / 1000000)) {
        nlr_raise(uaio_interval_overflow());
    }
    return (int64_t)v * scale;
}

// init(loop, CancelledError, py_time, py_wait) -> a fresh scheduler for
// `loop`, now the current one.
static mp_obj_t mod_init(size_t n_args, const mp_obj_t *args) {
    #if UAIO_PROFILE_LEAN
    return uaio_init(args[0], args[1], false, false); // the loop calls no time() / wait() (2.x)
    #else
    return uaio_init(args[0], args[1], mp_obj_is_true(args[2]), mp_obj_is_true(args[3]));
    #endif
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_init_obj, 4, 4, mod_init);

static MP_DEFINE_CONST_FUN_OBJ_1(mod_run_obj, uaio_run);

// check_idle(): RuntimeError if a loop is running (before run() schedules
// anything, so that a refused run leaves no task behind).
static mp_obj_t mod_check_idle(void) {
    uaio_check_idle(uaio_state());
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_check_idle_obj, mod_check_idle);

// running() -> bool: some loop is inside run().
static mp_obj_t mod_running(void) {
    return mp_obj_new_bool(uaio_any_running);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_running_obj, mod_running);

// use(scheduler) -> the previous one: makes a loop's scheduler current.
static mp_obj_t mod_use(mp_obj_t sched) {
    if (!mp_obj_is_type(sched, &uaio_sched_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a Scheduler"));
    }
    uaio_state_t *prev = MP_STATE_VM(uaio_state);
    MP_STATE_VM(uaio_state) = MP_OBJ_TO_PTR(sched);
    return prev ? MP_OBJ_FROM_PTR(prev) : mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_use_obj, mod_use);

#if !UAIO_PROFILE_LEAN
// new_task(coro) -> a Task that is not scheduled yet (for call_later); it is
// live (all_tasks) once its timer is set.
static mp_obj_t mod_new_task(mp_obj_t coro) {
    return uaio_task_new(coro);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_new_task_obj, mod_new_task);
#endif

static mp_obj_t mod_stop(void) {
    uaio_state()->stop = true;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_stop_obj, mod_stop);

#if !UAIO_PROFILE_LEAN
// push(obj): a task or callable to the back of the run queue.
static mp_obj_t mod_push(mp_obj_t obj) {
    uaio_runq_push(uaio_state(), obj);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_push_obj, mod_push);
#endif

#if !UAIO_PROFILE_LEAN
// A callback's place in the timing queue (what call_later returns for one).
MP_DEFINE_CONST_OBJ_TYPE(uaio_timer_type, MP_QSTR_Timer, MP_TYPE_FLAG_NONE);

// A task (neither queued nor done) or a callable to run at `deadline`; the
// task, or the callable's timer (for cancel_timer).
static mp_obj_t schedule_at(uaio_state_t *st, uint64_t deadline, mp_obj_t obj) {
    if (mp_obj_is_type(obj, &uaio_task_type)) {
        uaio_task_t *t = MP_OBJ_TO_PTR(obj);
        if (t->flags & (TASK_SLEEPING | TASK_QUEUED | TASK_DONE)) {
            mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("task already scheduled"));
        }
        uaio_task_live_remove(t);
        uaio_timer_push(st, t, deadline);
        return obj;
    }
    uaio_timer_t *timer = mp_obj_malloc(uaio_timer_t, &uaio_timer_type);
    timer->node = (uaio_node) { 0 };
    timer->callback = obj;
    uaio_timer_push(st, timer, deadline);
    return MP_OBJ_FROM_PTR(timer);
}

// call_later(ms, obj): run `obj` in `ms` ms (int or float).
static mp_obj_t mod_call_later(mp_obj_t ms_in, mp_obj_t obj) {
    uaio_state_t *st = uaio_state();
    uint64_t d = uaio_deadline_us(st, duration_us(ms_in, 1000));
    return schedule_at(st, d == 0 ? uaio_now_us(st) : d, obj);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_call_later_obj, mod_call_later);

// call_at(ticks, obj): run `obj` when ms tick `ticks` begins.
static mp_obj_t mod_call_at(mp_obj_t ticks_in, mp_obj_t obj) {
    uaio_state_t *st = uaio_state();
    return schedule_at(st, uaio_ticks_time(st, mp_obj_get_int(ticks_in)), obj);
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_call_at_obj, mod_call_at);

static mp_obj_t mod_ticks(void) {
    return uaio_ticks(uaio_state());
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_ticks_obj, mod_ticks);

// cancel_timer(timer) -> bool: False if it already fired or was cancelled.
static mp_obj_t mod_cancel_timer(mp_obj_t timer) {
    if (!mp_obj_is_type(timer, &uaio_timer_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a timer"));
    }
    return mp_obj_new_bool(uaio_nodeq_remove(&uaio_state()->timers, MP_OBJ_TO_PTR(timer)) == UAIO_OK);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_cancel_timer_obj, mod_cancel_timer);
#endif

// cancel(task, exc) -> bool: throw `exc` into `task` at its next step,
// waking it from whatever it waits for (Task.cancel with a given
// exception). False if it is done or has an exception pending already.
static mp_obj_t mod_cancel(mp_obj_t task, mp_obj_t exc) {
    uaio_task_t *t = uaio_to_task(task);
    if (t->flags & TASK_THROW) {
        return mp_const_false;
    }
    return mp_obj_new_bool(uaio_task_cancel(uaio_state(), t, exc));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_cancel_obj, mod_cancel);

// wake(task): make a task parked with `yield False` runnable (2.x, queues).
static mp_obj_t mod_wake(mp_obj_t task) {
    uaio_task_t *t = uaio_to_task(task);
    if (!(t->flags & TASK_DONE) && !(t->flags & (TASK_SLEEPING | TASK_IO_READ | TASK_IO_WRITE))
        && !mp_obj_is_type(t->data, &uaio_waitq_type) && !mp_obj_is_type(t->data, &uaio_task_type)) {
        uaio_task_wake(uaio_state(), t);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_wake_obj, mod_wake);

// cur_task() -> the running task, or None (also when no loop exists yet:
// asking makes none).
static mp_obj_t mod_cur_task(void) {
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    return st && st->cur ? MP_OBJ_FROM_PTR(st->cur) : mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_cur_task_obj, mod_cur_task);

// The live tasks one at a time, from NULL to NULL: the list of those not
// sleeping, then the sleeping ones in the timing queue.
static uaio_task_t *next_live(uaio_state_t *st, uaio_task_t *t) {
    if (t == NULL || !(t->flags & TASK_SLEEPING)) {
        uaio_task_t *next = t == NULL ? st->live.node.right : t->node.right;
        if (next != &st->live) {
            return next;
        }
        t = NULL;
    }
    void *item = t;
    while (uaio_nodeq_next(&st->timers, item, &item) == UAIO_OK) {
        #if !UAIO_PROFILE_LEAN
        if (!mp_obj_is_type(MP_OBJ_FROM_PTR(item), &uaio_task_type)) {
            continue; // a callback's timer
        }
        #endif
        return item;
    }
    return NULL;
}

// all_tasks() -> list of the tasks not yet done (none when no loop exists
// yet: asking makes none).
static mp_obj_t mod_all_tasks(void) {
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (uaio_task_t *t = st ? next_live(st, NULL) : NULL; t != NULL; t = next_live(st, t)) {
        mp_obj_list_append(list, MP_OBJ_FROM_PTR(t));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_all_tasks_obj, mod_all_tasks);

// find_task(coro) -> the live task running `coro`, or None (2.x names a
// task by its coroutine).
#if !UAIO_PROFILE_LEAN
static mp_obj_t mod_find_task(mp_obj_t coro) {
    uaio_state_t *st = uaio_state();
    for (uaio_task_t *t = next_live(st, NULL); t != NULL; t = next_live(st, t)) {
        if (t->coro == coro) {
            return MP_OBJ_FROM_PTR(t);
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_find_task_obj, mod_find_task);
#endif

// failed(task) -> bool: the task is done and ended with an exception
// (then in task.data).
static mp_obj_t mod_failed(mp_obj_t task) {
    return mp_obj_new_bool(uaio_to_task(task)->flags & TASK_FAILED);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_failed_obj, mod_failed);

#if !UAIO_PROFILE_LEAN
// counts() -> (runnable, timers, I/O objects): for tests and introspection
// (the tests run on default and full builds).
static mp_obj_t mod_counts(void) {
    uaio_state_t *st = uaio_state();
    mp_obj_t items[3] = {
        MP_OBJ_NEW_SMALL_INT(st->runq_len),
        MP_OBJ_NEW_SMALL_INT(uaio_nodeq_len(&st->timers)),
        MP_OBJ_NEW_SMALL_INT(uaio_io_len(&st->io)),
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod_counts_obj, mod_counts);
#endif

static mp_obj_t mod_sleep_ms(mp_obj_t ms) {
    return uaio_await_sleep(duration_us(ms, 1000));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_sleep_ms_obj, mod_sleep_ms);

static mp_obj_t mod_sleep(mp_obj_t s) {
    return uaio_await_sleep(duration_us(s, 1000000));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_sleep_obj, mod_sleep);

static mp_obj_t mod_io_wait(mp_obj_t obj, mp_obj_t dir) {
    return uaio_await_io(obj, uaio_io_dir(dir));
}
static MP_DEFINE_CONST_FUN_OBJ_2(mod_io_wait_obj, mod_io_wait);

static MP_DEFINE_CONST_FUN_OBJ_1(mod_detach_obj, uaio_detach);

// queue_read(obj) / queue_write(obj): park the current task until `obj` is
// ready (the module is stock's core._io_queue; the task then yields).
static MP_NOINLINE mp_obj_t io_park(mp_obj_t obj, uint32_t dir) {
    uaio_state_t *st = uaio_state();
    uaio_io_park(st, obj, dir, uaio_cur_task(st, "I/O wait"));
    return mp_const_none;
}

static mp_obj_t mod_queue_read(mp_obj_t obj) {
    return io_park(obj, UAIO_READ);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_queue_read_obj, mod_queue_read);

static mp_obj_t mod_queue_write(mp_obj_t obj) {
    return io_park(obj, UAIO_WRITE);
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_queue_write_obj, mod_queue_write);

// io_close(obj): `obj` is being closed: tasks waiting on it get OSError(EBADF)
// (with an epoll set, the kernel would forget a closed fd silently).
static mp_obj_t mod_io_close(mp_obj_t obj) {
    uaio_state_t *st = uaio_state();
    for (uint32_t dir = UAIO_READ; dir <= UAIO_WRITE; ++dir) {
        uint64_t token;
        if (uaio_io_disarm(&st->io, (uintptr_t)obj, dir, &token) == UAIO_OK) {
            uaio_task_t *t = (uaio_task_t *)(uintptr_t)token;
            t->flags &= ~(TASK_IO_READ | TASK_IO_WRITE);
            t->data = mp_const_none;
            uaio_task_cancel(st, t, mp_obj_new_exception_arg1(&mp_type_OSError, MP_OBJ_NEW_SMALL_INT(MP_EBADF)));
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_io_close_obj, mod_io_close);

#if !UAIO_STREAMIO
// writable(obj) -> bool: obj's ioctl(MP_STREAM_POLL) says a write goes now,
// or it cannot say (then its write() decides: None is "would block"). The
// Python Stream's write() asks before it writes without waiting.
static mp_obj_t mod_writable(mp_obj_t obj) {
    const mp_stream_p_t *p = uaio_stream_of(obj);
    mp_uint_t r = MP_STREAM_ERROR;
    if (p != NULL && p->ioctl != NULL) {
        int err = 0;
        r = p->ioctl(obj, MP_STREAM_POLL, MP_STREAM_POLL_WR, &err);
    }
    return mp_obj_new_bool(r == MP_STREAM_ERROR || (r & MP_STREAM_POLL_WR));
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_writable_obj, mod_writable);
#endif

// park(q[, owner, name]): an awaitable that parks the current task in
// WaitQueue `q`; made by owner.name() (Event.wait ...), which is asked again
// when it is awaited later than made.
static mp_obj_t mod_park(size_t n_args, const mp_obj_t *args) {
    if (!mp_obj_is_type(args[0], &uaio_waitq_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a WaitQueue"));
    }
    if (n_args == 2) {
        mp_raise_TypeError(MP_ERROR_TEXT("an owner needs a method name"));
    }
    return uaio_park(MP_OBJ_TO_PTR(args[0]), n_args > 1 ? args[1] : MP_OBJ_NULL, n_args > 2 ? mp_obj_str_get_qstr(args[2]) : 0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_park_obj, 1, 3, mod_park);

#if !UAIO_PROFILE_LEAN
// wait_io(ms): the I/O wait of the default EventLoop.wait (-1: no limit).
static mp_obj_t mod_wait_io(mp_obj_t ms) {
    mp_int_t v = mp_obj_get_int(ms);
    uaio_wait_io(uaio_state(), v < 0 ? -1 : (int64_t)v * 1000);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(mod_wait_io_obj, mod_wait_io);
#endif

// Called when the module is imported into a VM (again after a soft reset,
// or a del of sys.modules['_uaio']). After a soft reset the scheduler it
// points to went with the old heap: its block is no longer allocated. With
// no live scheduler, nothing of the old VM may stay armed either.
static mp_obj_t mod___init__(void) {
    uaio_state_t *st = MP_STATE_VM(uaio_state);
    if (st != NULL && (gc_nbytes(st) == 0 || st->base.type != &uaio_sched_type)) {
        MP_STATE_VM(uaio_state) = NULL;
        uaio_any_running = false; // a loop that ran went with it
    }
    if (MP_STATE_VM(uaio_state) == NULL) {
        uaio_sync_reset();
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(mod___init___obj, mod___init__);

static const mp_rom_map_elem_t uaio_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR__uaio) },
    { MP_ROM_QSTR(MP_QSTR___init__), MP_ROM_PTR(&mod___init___obj) },
    { MP_ROM_QSTR(MP_QSTR_Task), MP_ROM_PTR(&uaio_task_type) },
    { MP_ROM_QSTR(MP_QSTR_WaitQueue), MP_ROM_PTR(&uaio_waitq_type) },
    { MP_ROM_QSTR(MP_QSTR_Lock), MP_ROM_PTR(&uaio_lock_type) },
    { MP_ROM_QSTR(MP_QSTR_ThreadSafeFlag), MP_ROM_PTR(&uaio_tsf_type) },
    #if UAIO_STREAMIO
    { MP_ROM_QSTR(MP_QSTR_StreamIO), MP_ROM_PTR(&uaio_streamio_type) },
    #else
    { MP_ROM_QSTR(MP_QSTR_writable), MP_ROM_PTR(&mod_writable_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_init), MP_ROM_PTR(&mod_init_obj) },
    { MP_ROM_QSTR(MP_QSTR_run), MP_ROM_PTR(&mod_run_obj) },
    { MP_ROM_QSTR(MP_QSTR_check_idle), MP_ROM_PTR(&mod_check_idle_obj) },
    { MP_ROM_QSTR(MP_QSTR_running), MP_ROM_PTR(&mod_running_obj) },
    { MP_ROM_QSTR(MP_QSTR_use), MP_ROM_PTR(&mod_use_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_new_task), MP_ROM_PTR(&mod_new_task_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_stop), MP_ROM_PTR(&mod_stop_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_push), MP_ROM_PTR(&mod_push_obj) },
    #endif
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_call_later), MP_ROM_PTR(&mod_call_later_obj) },
    #endif
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_call_at), MP_ROM_PTR(&mod_call_at_obj) },
    #endif
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_ticks), MP_ROM_PTR(&mod_ticks_obj) },
    #endif
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_cancel_timer), MP_ROM_PTR(&mod_cancel_timer_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_cancel), MP_ROM_PTR(&mod_cancel_obj) },
    { MP_ROM_QSTR(MP_QSTR_wake), MP_ROM_PTR(&mod_wake_obj) },
    { MP_ROM_QSTR(MP_QSTR_cur_task), MP_ROM_PTR(&mod_cur_task_obj) },
    { MP_ROM_QSTR(MP_QSTR_all_tasks), MP_ROM_PTR(&mod_all_tasks_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_find_task), MP_ROM_PTR(&mod_find_task_obj) },
    #endif
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_counts), MP_ROM_PTR(&mod_counts_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_failed), MP_ROM_PTR(&mod_failed_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&mod_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&mod_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_io_wait), MP_ROM_PTR(&mod_io_wait_obj) },
    { MP_ROM_QSTR(MP_QSTR_queue_read), MP_ROM_PTR(&mod_queue_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_queue_write), MP_ROM_PTR(&mod_queue_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_park), MP_ROM_PTR(&mod_park_obj) },
    { MP_ROM_QSTR(MP_QSTR_detach), MP_ROM_PTR(&mod_detach_obj) },
    { MP_ROM_QSTR(MP_QSTR_io_close), MP_ROM_PTR(&mod_io_close_obj) },
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_wait_io), MP_ROM_PTR(&mod_wait_io_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_done_true), MP_ROM_PTR(&uaio_done_true_obj) },
    { MP_ROM_QSTR(MP_QSTR_done_none), MP_ROM_PTR(&uaio_done_none_obj) },
    { MP_ROM_QSTR(MP_QSTR_READ), MP_ROM_INT(UAIO_READ) },
    { MP_ROM_QSTR(MP_QSTR_WRITE), MP_ROM_INT(UAIO_WRITE) },
};
static MP_DEFINE_CONST_DICT(uaio_module_globals, uaio_module_globals_table);

const mp_obj_module_t uaio_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&uaio_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR__uaio, uaio_module);
