// The awaitables of the hot path, wait queues, Lock and ThreadSafeFlag.
//
// An awaitable here parks the current task where it belongs on its first
// step and yields False (parked); on its next step it finishes. Those with
// per-call arguments are singletons: `await sleep_ms(n)` sets the singleton
// up and the awaiting coroutine iterates it at once, so one per kind is
// enough and waiting allocates nothing.

#include <errno.h>
#include <unistd.h>

#include "py/stream.h"
#include "uaio_mp.h"

#if defined(__linux__)
#include <sys/eventfd.h>
#define TSF_HAS_FD (1)
#elif defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#define TSF_HAS_FD (1)
#else
#define TSF_HAS_FD (0)
#endif

/******************************************************************************/
// WaitQueue: a FIFO of parked tasks, linked through the tasks.

void uaio_waitq_push(uaio_waitq_t *q, uaio_task_t *t) {
    t->node.left = NULL;
    if (q->tail) {
        q->tail->node.left = t;
    } else {
        q->head = t;
    }
    q->tail = t;
}

// Bumped by whatever can change the answer of an Event.wait(),
// Lock.acquire() ...: each goes through a pop or a remove of a wait queue
// (set, release, a waiter cancelled), even when nobody waits.
static uint32_t waitq_epoch;

uaio_task_t *uaio_waitq_pop(uaio_waitq_t *q) {
    ++waitq_epoch;
    uaio_task_t *t = q->head;
    if (t) {
        q->head = t->node.left;
        if (q->head == NULL) {
            q->tail = NULL;
        }
        t->node.left = NULL;
    }
    return t;
}

bool uaio_waitq_remove(uaio_waitq_t *q, uaio_task_t *t) {
    ++waitq_epoch;
    uaio_task_t *prev = NULL;
    for (uaio_task_t *c = q->head; c; prev = c, c = c->node.left) {
        if (c == t) {
            if (prev) {
                prev->node.left = t->node.left;
            } else {
                q->head = t->node.left;
            }
            if (q->tail == t) {
                q->tail = prev;
            }
            t->node.left = NULL;
            return true;
        }
    }
    return false;
}

static mp_obj_t waitq_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    uaio_waitq_t *q = mp_obj_malloc(uaio_waitq_t, type);
    q->head = q->tail = NULL;
    return MP_OBJ_FROM_PTR(q);
}

// bool(q): somebody waits.
static mp_obj_t waitq_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    uaio_waitq_t *q = MP_OBJ_TO_PTR(self_in);
    if (op == MP_UNARY_OP_BOOL) {
        return mp_obj_new_bool(q->head != NULL);
    }
    return MP_OBJ_NULL;
}

#if !UAIO_PROFILE_LEAN
// push(task): park `task` here (the current task parks with park(q); 2.x's
// add_reader parks another).
static mp_obj_t waitq_push(mp_obj_t self_in, mp_obj_t task_in) {
    uaio_task_t *t = uaio_to_task(task_in);
    if (t->flags & (TASK_SLEEPING | TASK_DONE)) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("can't park a sleeping or done task"));
    }
    uaio_waitq_push(MP_OBJ_TO_PTR(self_in), t);
    t->data = self_in;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(waitq_push_obj, waitq_push);
#endif

// pop() -> the oldest waiter, taken out (IndexError when empty).
static mp_obj_t waitq_pop(mp_obj_t self_in) {
    uaio_task_t *t = uaio_waitq_pop(MP_OBJ_TO_PTR(self_in));
    if (t == NULL) {
        mp_raise_msg(&mp_type_IndexError, MP_ERROR_TEXT("empty queue"));
    }
    t->data = mp_const_none;
    return MP_OBJ_FROM_PTR(t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(waitq_pop_obj, waitq_pop);

// wake_all() -> n: every waiter becomes runnable, in FIFO order.
// Nobody waiting needs no scheduler: Event.set() works before any loop
// exists (a driver's constructor, an early IRQ callback).
static mp_obj_t waitq_wake_all(mp_obj_t self_in) {
    mp_int_t n = 0;
    uaio_task_t *t;
    while ((t = uaio_waitq_pop(MP_OBJ_TO_PTR(self_in))) != NULL) {
        t->data = mp_const_none;
        uaio_task_wake(uaio_state(), t);
        ++n;
    }
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(waitq_wake_all_obj, waitq_wake_all);

// handoff(owner) -> bool: the oldest waiter becomes runnable owning a unit
// of `owner` (a lock or semaphore); if it is cancelled before it runs, the
// unit goes back through owner.release(). False when nobody waits.
static mp_obj_t waitq_handoff(mp_obj_t self_in, mp_obj_t owner) {
    uaio_task_t *t = uaio_waitq_pop(MP_OBJ_TO_PTR(self_in));
    if (t == NULL) {
        return mp_const_false;
    }
    t->data = owner;
    t->flags |= TASK_HANDOFF;
    uaio_task_wake(uaio_state(), t);
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_2(waitq_handoff_obj, waitq_handoff);

static const mp_rom_map_elem_t waitq_locals_table[] = {
    #if !UAIO_PROFILE_LEAN
    { MP_ROM_QSTR(MP_QSTR_push), MP_ROM_PTR(&waitq_push_obj) },
    #endif
    { MP_ROM_QSTR(MP_QSTR_pop), MP_ROM_PTR(&waitq_pop_obj) },
    { MP_ROM_QSTR(MP_QSTR_wake_all), MP_ROM_PTR(&waitq_wake_all_obj) },
    { MP_ROM_QSTR(MP_QSTR_handoff), MP_ROM_PTR(&waitq_handoff_obj) },
};
static MP_DEFINE_CONST_DICT(waitq_locals, waitq_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_waitq_type, MP_QSTR_WaitQueue, MP_TYPE_FLAG_NONE,
    make_new, waitq_make_new,
    unary_op, waitq_unary_op,
    locals_dict, &waitq_locals
    );

/******************************************************************************/
// Singleton awaitables

typedef struct _uaio_wait_t {
    mp_obj_base_t base;
    mp_obj_t obj;       // io_wait: the object; park: the WaitQueue
    mp_obj_t owner;     // park: the Event, Lock ... whose method made it, or NULL
    uint32_t dir;       // io_wait: UAIO_READ / UAIO_WRITE; park: that method's name
    uint32_t epoch;     // park: waitq_epoch when it was made
    bool armed;
} uaio_wait_t;

// The sleep's deadline (0: just yield) is kept apart: initialised data must
// stay 4-aligned, as the qemu MPS2 port's startup copies .data upwards from
// a load address that is only 4-aligned, in the same RAM.
static uint64_t sleep_deadline;

// Common to all: the second step finishes, with the result True for park.
static bool disarm(uaio_wait_t *w) {
    if (!w->armed) {
        return false;
    }
    w->armed = false;
    return true;
}

// A sleep's step: the first parks the task until `deadline`, the second ends.
static inline MP_ALWAYSINLINE mp_obj_t sleep_step(bool *armed, uint64_t deadline) {
    if (!*armed) {
        return MP_OBJ_STOP_ITERATION;
    }
    *armed = false;
    uaio_state_t *st = uaio_state();
    uaio_sleep_task(st, uaio_cur_task(st, "sleep"), deadline);
    return mp_const_false;
}

static mp_obj_t sleep_iternext(mp_obj_t self_in) {
    return sleep_step(&((uaio_wait_t *)MP_OBJ_TO_PTR(self_in))->armed, sleep_deadline);
}

static mp_obj_t io_wait_iternext(mp_obj_t self_in) {
    uaio_wait_t *w = MP_OBJ_TO_PTR(self_in);
    if (!disarm(w)) {
        return MP_OBJ_STOP_ITERATION;
    }
    uaio_state_t *st = uaio_state();
    mp_obj_t obj = w->obj;
    w->obj = MP_OBJ_NULL;
    uaio_io_park(st, obj, w->dir, uaio_cur_task(st, "I/O wait"));
    return mp_const_false;
}

static mp_obj_t park_iternext(mp_obj_t self_in) {
    uaio_wait_t *w = MP_OBJ_TO_PTR(self_in);
    uaio_state_t *st = uaio_state();
    if (!disarm(w)) {
        // Woken: by a handoff, the unit is now the task's own.
        uaio_task_t *t = st->cur;
        if (t && (t->flags & TASK_HANDOFF)) {
            t->flags &= ~TASK_HANDOFF;
            uaio_handoff_taken(t->data);
            t->data = mp_const_none;
        }
        MP_STATE_THREAD(stop_iteration_arg) = mp_const_true;
        return MP_OBJ_STOP_ITERATION;
    }
    mp_obj_t q = w->obj;
    mp_obj_t owner = w->owner;
    w->obj = w->owner = MP_OBJ_NULL;
    if (owner != MP_OBJ_NULL && w->epoch != waitq_epoch) {
        // Made earlier than awaited (create_task(ev.wait()), gather, or an
        // Event set in between) and something changed since: asked again
        // now, as a generator's body would only run now. The answer is
        // done, or this same wait.
        mp_obj_t again = uaio_call_method(owner, (qstr)w->dir, MP_OBJ_NULL);
        if (again == MP_OBJ_FROM_PTR(&uaio_done_true_obj)) {
            MP_STATE_THREAD(stop_iteration_arg) = mp_const_true;
            return MP_OBJ_STOP_ITERATION;
        }
        if (mp_obj_get_type(again) == mp_obj_get_type(self_in)) {
            uaio_wait_t *a = MP_OBJ_TO_PTR(again); // a park in the same queue: unused
            a->armed = false;
            a->obj = a->owner = MP_OBJ_NULL;
        }
    }
    uaio_task_t *t = uaio_cur_task(st, "wait");
    uaio_waitq_push(MP_OBJ_TO_PTR(q), t);
    t->data = q;
    return mp_const_false;
}

// Already done: finishes at once with its value.
typedef struct _uaio_done_t {
    mp_obj_base_t base;
    mp_obj_t value;
} uaio_done_t;

static mp_obj_t done_iternext(mp_obj_t self_in) {
    MP_STATE_THREAD(stop_iteration_arg) = ((uaio_done_t *)MP_OBJ_TO_PTR(self_in))->value;
    return MP_OBJ_STOP_ITERATION;
}

static MP_DEFINE_CONST_OBJ_TYPE(uaio_sleep_type, MP_QSTR_sleep, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, sleep_iternext);
static MP_DEFINE_CONST_OBJ_TYPE(uaio_io_wait_type, MP_QSTR_io_wait, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, io_wait_iternext);
static MP_DEFINE_CONST_OBJ_TYPE(uaio_park_type, MP_QSTR_park, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, park_iternext);
static MP_DEFINE_CONST_OBJ_TYPE(uaio_done_type, MP_QSTR_done, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, done_iternext);

static uaio_wait_t sleep_singleton = { { &uaio_sleep_type }, MP_OBJ_NULL, MP_OBJ_NULL, 0, 0, false };
static uaio_wait_t io_wait_singleton = { { &uaio_io_wait_type }, MP_OBJ_NULL, MP_OBJ_NULL, 0, 0, false };
static uaio_wait_t park_singleton = { { &uaio_park_type }, MP_OBJ_NULL, MP_OBJ_NULL, 0, 0, false };
const uaio_done_t uaio_done_true_obj = { { &uaio_done_type }, mp_const_true };
const uaio_done_t uaio_done_none_obj = { { &uaio_done_type }, mp_const_none };

// A detached sleep: one that is not awaited at once (wait_for, gather) keeps
// its own deadline, out of reach of the singleton's next use.
typedef struct _uaio_sleep_t {
    mp_obj_base_t base;
    uint64_t deadline;
    bool armed;
} uaio_sleep_t;

static mp_obj_t detached_sleep_iternext(mp_obj_t self_in) {
    uaio_sleep_t *s = MP_OBJ_TO_PTR(self_in);
    return sleep_step(&s->armed, s->deadline);
}
static MP_DEFINE_CONST_OBJ_TYPE(uaio_detached_sleep_type, MP_QSTR_sleep, MP_TYPE_FLAG_ITER_IS_ITERNEXT, iter, detached_sleep_iternext);

static mp_obj_t new_sleep(uint64_t deadline) {
    uaio_sleep_t *s = mp_obj_malloc(uaio_sleep_t, &uaio_detached_sleep_type);
    s->deadline = deadline;
    s->armed = true;
    return MP_OBJ_FROM_PTR(s);
}

// A singleton still armed means its last result is not awaited yet (e.g.
// gather(sleep_ms(60), sleep_ms(10))): the new call gets an object of its own.
// The singletons live outside the GC heap: what an armed one refers to is
// kept reachable here too (`aw = Event().wait()` keeps only `aw`).
MP_REGISTER_ROOT_POINTER(mp_obj_t uaio_wait_refs[2]);

static mp_obj_t new_wait(uaio_wait_t *w, mp_obj_t obj, uint32_t dir, mp_obj_t owner) {
    if (w->armed) {
        w = mp_obj_malloc(uaio_wait_t, w->base.type);
    } else {
        MP_STATE_VM(uaio_wait_refs)[w == &park_singleton] = owner != MP_OBJ_NULL ? owner : obj;
    }
    w->obj = obj;
    w->owner = owner;
    w->dir = dir;
    w->epoch = waitq_epoch;
    w->armed = true;
    return MP_OBJ_FROM_PTR(w);
}


// A fresh VM (after a soft reset): a singleton left armed by the old one
// would make every next wait allocate, and its refs would pin blocks of the
// new heap.
void uaio_sync_reset(void) {
    uaio_wait_t *all[] = { &sleep_singleton, &io_wait_singleton, &park_singleton };
    for (size_t i = 0; i < MP_ARRAY_SIZE(all); ++i) {
        all[i]->armed = false;
        all[i]->obj = all[i]->owner = MP_OBJ_NULL;
    }
    MP_STATE_VM(uaio_wait_refs)[0] = MP_STATE_VM(uaio_wait_refs)[1] = MP_OBJ_NULL;
}

mp_obj_t uaio_await_sleep(int64_t us) {
    uint64_t deadline = uaio_deadline_us(uaio_state(), us);
    if (sleep_singleton.armed) {
        return new_sleep(deadline);
    }
    sleep_deadline = deadline;
    sleep_singleton.armed = true;
    return MP_OBJ_FROM_PTR(&sleep_singleton);
}

// An I/O direction from Python: READ or WRITE, else ValueError.
uint32_t uaio_io_dir(mp_obj_t dir_in) {
    mp_int_t dir = mp_obj_get_int(dir_in);
    if (dir != UAIO_READ && dir != UAIO_WRITE) {
        mp_raise_ValueError(MP_ERROR_TEXT("direction must be READ or WRITE"));
    }
    return (uint32_t)dir;
}

mp_obj_t uaio_await_io(mp_obj_t obj, uint32_t dir) {
    return new_wait(&io_wait_singleton, obj, dir, MP_OBJ_NULL);
}

// detach(aw): an armed singleton awaitable as an object of its own (the
// singleton is free again); anything else as it is.
mp_obj_t uaio_detach(mp_obj_t aw) {
    if (aw == MP_OBJ_FROM_PTR(&sleep_singleton) && sleep_singleton.armed) {
        sleep_singleton.armed = false;
        return new_sleep(sleep_deadline);
    }
    if (aw == MP_OBJ_FROM_PTR(&io_wait_singleton) || aw == MP_OBJ_FROM_PTR(&park_singleton)) {
        uaio_wait_t *w = MP_OBJ_TO_PTR(aw);
        if (w->armed) {
            mp_obj_t copy = new_wait(w, w->obj, w->dir, w->owner); // armed: a new object
            ((uaio_wait_t *)MP_OBJ_TO_PTR(copy))->epoch = w->epoch;
            w->armed = false;
            w->obj = w->owner = MP_OBJ_NULL;
            return copy;
        }
    }
    return aw;
}

// uaio's own awaitables, detached, as a task's coroutine; NULL for anything
// else. Stock's Event.wait(), Lock.acquire() ... are generators, so
// create_task(ev.wait()) must work with ours too.
mp_obj_t uaio_awaitable_coro(mp_obj_t aw) {
    aw = uaio_detach(aw);
    const mp_obj_type_t *type = mp_obj_get_type(aw);
    if (type == &uaio_sleep_type || type == &uaio_detached_sleep_type || type == &uaio_io_wait_type
        || type == &uaio_park_type || type == &uaio_done_type || type == &uaio_tsf_type) {
        return aw;
    }
    return MP_OBJ_NULL;
}

// owner.name() made the wait (NULL: awaited at once, by our own code): it
// is asked again when the wait is first stepped.
mp_obj_t uaio_park(uaio_waitq_t *q, mp_obj_t owner, qstr name) {
    return new_wait(&park_singleton, MP_OBJ_FROM_PTR(q), name, owner);
}

/******************************************************************************/
// Lock: FIFO; release() hands the lock to the oldest waiter.

// As in MicroPython's asyncio, a lock handed to a waiter that has not run
// yet is not locked() (but cannot be acquired either).
enum { UNLOCKED, LOCKED, HANDED_OFF };

typedef struct _uaio_lock_t {
    mp_obj_base_t base;
    mp_obj_t waiting; // a WaitQueue
    int state;
} uaio_lock_t;

static mp_obj_t lock_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    uaio_lock_t *l = mp_obj_malloc(uaio_lock_t, type);
    l->waiting = waitq_make_new(&uaio_waitq_type, 0, 0, NULL);
    l->state = UNLOCKED;
    return MP_OBJ_FROM_PTR(l);
}

static mp_obj_t lock_locked(mp_obj_t self_in) {
    return mp_obj_new_bool(((uaio_lock_t *)MP_OBJ_TO_PTR(self_in))->state == LOCKED);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lock_locked_obj, lock_locked);

static mp_obj_t lock_acquire(mp_obj_t self_in) {
    uaio_lock_t *l = MP_OBJ_TO_PTR(self_in);
    if (l->state == UNLOCKED) {
        l->state = LOCKED;
        return MP_OBJ_FROM_PTR(&uaio_done_true_obj);
    }
    return uaio_park(MP_OBJ_TO_PTR(l->waiting), self_in, MP_QSTR_acquire);
}
static MP_DEFINE_CONST_FUN_OBJ_1(lock_acquire_obj, lock_acquire);

static mp_obj_t lock_release(mp_obj_t self_in) {
    uaio_lock_t *l = MP_OBJ_TO_PTR(self_in);
    if (l->state != LOCKED) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("Lock not acquired"));
    }
    l->state = waitq_handoff(l->waiting, self_in) == mp_const_true ? HANDED_OFF : UNLOCKED;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(lock_release_obj, lock_release);

// The task a lock was handed to took it.
void uaio_handoff_taken(mp_obj_t owner) {
    if (mp_obj_is_type(owner, &uaio_lock_type)) {
        ((uaio_lock_t *)MP_OBJ_TO_PTR(owner))->state = LOCKED;
    }
}

// The task a unit of `owner` was handed to was cancelled first: pass it on.
void uaio_handoff_return(mp_obj_t owner) {
    uaio_handoff_taken(owner);
    uaio_call_method(owner, MP_QSTR_release, MP_OBJ_NULL);
}

static mp_obj_t lock_aexit(size_t n_args, const mp_obj_t *args) {
    lock_release(args[0]);
    return MP_OBJ_FROM_PTR(&uaio_done_none_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(lock_aexit_obj, 1, 4, lock_aexit);

static const mp_rom_map_elem_t lock_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_locked), MP_ROM_PTR(&lock_locked_obj) },
    { MP_ROM_QSTR(MP_QSTR_acquire), MP_ROM_PTR(&lock_acquire_obj) },
    { MP_ROM_QSTR(MP_QSTR_release), MP_ROM_PTR(&lock_release_obj) },
    { MP_ROM_QSTR(MP_QSTR___aenter__), MP_ROM_PTR(&lock_acquire_obj) },
    { MP_ROM_QSTR(MP_QSTR___aexit__), MP_ROM_PTR(&lock_aexit_obj) },
};
static MP_DEFINE_CONST_DICT(lock_locals, lock_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_lock_type, MP_QSTR_Lock, MP_TYPE_FLAG_NONE,
    make_new, lock_make_new,
    locals_dict, &lock_locals
    );

/******************************************************************************/
// ThreadSafeFlag: set() from another thread or an IRQ wakes one waiting task.
// Where the host has fds, set() also writes an eventfd (or pipe) that the
// loop's poll(2) watches, so the wake needs no polling; elsewhere the idle
// wait returns on the IRQ and the flag is asked through its ioctl.

typedef struct _uaio_tsf_t {
    mp_obj_base_t base;
    volatile int state;
    #if TSF_HAS_FD
    int rfd, wfd;
    #endif
} uaio_tsf_t;

static void tsf_drain(uaio_tsf_t *f) {
    #if TSF_HAS_FD
    uint64_t buf;
    while (f->rfd >= 0 && read(f->rfd, &buf, sizeof(buf)) > 0) {
    }
    #else
    (void)f;
    #endif
}

static mp_obj_t tsf_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    #if TSF_HAS_FD
    uaio_tsf_t *f = mp_obj_malloc_with_finaliser(uaio_tsf_t, type);
    f->rfd = f->wfd = -1;
    #else
    uaio_tsf_t *f = mp_obj_malloc(uaio_tsf_t, type);
    #endif
    f->state = 0;
    #if defined(__linux__)
    f->rfd = f->wfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    #elif TSF_HAS_FD
    int p[2];
    if (pipe(p) == 0) {
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        f->rfd = p[0];
        f->wfd = p[1];
    }
    #endif
    return MP_OBJ_FROM_PTR(f);
}

static mp_obj_t tsf_set(mp_obj_t self_in) {
    uaio_tsf_t *f = MP_OBJ_TO_PTR(self_in);
    f->state = 1;
    #if TSF_HAS_FD
    if (f->wfd >= 0) {
        uint64_t one = 1;
        (void)!write(f->wfd, &one, f->rfd == f->wfd ? sizeof(one) : 1);
    }
    #endif
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tsf_set_obj, tsf_set);

static mp_obj_t tsf_clear(mp_obj_t self_in) {
    uaio_tsf_t *f = MP_OBJ_TO_PTR(self_in);
    f->state = 0;
    tsf_drain(f);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tsf_clear_obj, tsf_clear);

// wait(): the flag itself is the awaitable.
static mp_obj_t tsf_wait(mp_obj_t self_in) {
    return self_in;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tsf_wait_obj, tsf_wait);

static mp_obj_t tsf_iternext(mp_obj_t self_in) {
    uaio_tsf_t *f = MP_OBJ_TO_PTR(self_in);
    if (f->state) {
        tsf_clear(self_in);
        return MP_OBJ_STOP_ITERATION;
    }
    uaio_state_t *st = uaio_state();
    uaio_io_park(st, self_in, UAIO_READ, uaio_cur_task(st, "ThreadSafeFlag.wait"));
    return mp_const_false;
}

#if TSF_HAS_FD
static mp_obj_t tsf_del(mp_obj_t self_in) {
    uaio_tsf_t *f = MP_OBJ_TO_PTR(self_in);
    if (f->wfd >= 0 && f->wfd != f->rfd) {
        close(f->wfd);
    }
    if (f->rfd >= 0) {
        close(f->rfd);
    }
    f->rfd = f->wfd = -1;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(tsf_del_obj, tsf_del);
#endif

static mp_uint_t tsf_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    uaio_tsf_t *f = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_POLL) {
        return f->state ? (arg & MP_STREAM_POLL_RD) : 0;
    }
    #if TSF_HAS_FD
    if (request == MP_STREAM_GET_FILENO && f->rfd >= 0) {
        return f->rfd;
    }
    #endif
    *errcode = MP_EINVAL;
    return MP_STREAM_ERROR;
}

static const mp_stream_p_t tsf_stream_p = { .ioctl = tsf_ioctl };

static const mp_rom_map_elem_t tsf_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_set), MP_ROM_PTR(&tsf_set_obj) },
    { MP_ROM_QSTR(MP_QSTR_clear), MP_ROM_PTR(&tsf_clear_obj) },
    { MP_ROM_QSTR(MP_QSTR_wait), MP_ROM_PTR(&tsf_wait_obj) },
    #if TSF_HAS_FD
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&tsf_del_obj) },
    #endif
};
static MP_DEFINE_CONST_DICT(tsf_locals, tsf_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_tsf_type, MP_QSTR_ThreadSafeFlag, MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    make_new, tsf_make_new,
    iter, tsf_iternext,
    protocol, &tsf_stream_p,
    locals_dict, &tsf_locals
    );
