// _uaio internals shared by the files of csrc/: the scheduler state, tasks
// and the operations the awaitables and the loop share.
#ifndef UAIO_MP_H
#define UAIO_MP_H

#include "py/runtime.h"
#include "uaio.h"

// Task flags: the caller bits of the task's node key (UAIO_NODE_CALLER_BITS),
// so that they cost no word of their own.
#define TASK_DONE (1)      // the coroutine has finished; `data` is its outcome
#define TASK_FAILED (2)    // ... with the exception in `data`
#define TASK_QUEUED (4)    // in the run queue
#define TASK_THROW (8)     // `data` is an exception to throw in at the next step
#define TASK_IO_READ (16)  // parked in the I/O registry; `data` is the object
#define TASK_IO_WRITE (32)
#define TASK_HANDOFF (64)  // woken owning a unit of `data` (a lock): give it back if cancelled
#define TASK_SLEEPING UAIO_NODE_QUEUED // in the timing queue (the queue's own bit)

// A task: 8 words, as small as MicroPython's own (a sleeping task costs its
// object and its coroutine, nothing more). `state` and `data` follow
// MicroPython's asyncio: `state` is True while running, a WaitQueue of tasks
// awaiting it, or a callable called when it is done (gather); when done,
// None until its outcome is retrieved, then False. `data` is what the task
// waits on while parked (a WaitQueue, an awaited Task, an I/O object), its
// outcome when done.
typedef struct _uaio_task_t {
    mp_obj_base_t base;
    // While it sleeps, its node in the timing queue. Otherwise `node.left`
    // links the WaitQueue it is parked in, and `node.parent` / `node.right`
    // the list of live tasks (prev / next). `flags` is the node's key.
    union {
        uint64_t flags;
        uaio_node node;
    };
    mp_obj_t coro;
    mp_obj_t data;
    mp_obj_t state;
} uaio_task_t;

// A callback due at a deadline (call_later): laid out as a task up to its
// node, which the timing queue finds at the same offset.
typedef struct _uaio_timer_t {
    mp_obj_base_t base;
    uaio_node node;
    mp_obj_t callback;
} uaio_timer_t;

// A FIFO of parked tasks, linked through the tasks (parking allocates nothing).
typedef struct _uaio_waitq_t {
    mp_obj_base_t base;
    uaio_task_t *head, *tail;
} uaio_waitq_t;

typedef struct _uaio_state_t {
    mp_obj_base_t base;    // an object, so that each EventLoop keeps its own
    uaio_nodeq timers;     // sleeping tasks and uaio_timer_t, by deadline
    uaio_io io;
    uaio_clock clock;      // the port's µs counter, extended
    uaio_clock py_clock;   // loop.time() ms ticks, extended (overridden time())
    uint64_t py_now;       // µs time of this round's loop.time()
    uint64_t py_ticks;     // ... and that reading itself
    mp_obj_t *runq;        // ring of tasks and callables
    size_t runq_cap, runq_head, runq_len;
    mp_obj_t loop;         // the Python loop object
    mp_obj_t cancelled_error; // the Python layer's CancelledError class
    uaio_task_t *cur;      // the task being stepped
    uaio_task_t *main;     // the task run() waits for
    uaio_task_t live;      // sentinel of the list of live tasks not sleeping
    bool stop, running;
    bool py_time, py_wait; // loop.time() / loop.wait() are overridden
    bool gc_stress;        // collect garbage before every step (GC safety tests)
} uaio_state_t;

extern const mp_obj_type_t uaio_task_type;
extern const mp_obj_type_t uaio_waitq_type;

// loop.c
extern const mp_obj_type_t uaio_sched_type;
// A loop whose class overrides time() / wait(): only the 2.x layer makes
// one, so a lean build (UAIO_PROFILE_LEAN) compiles those paths out.
#if UAIO_PROFILE_LEAN
#define PY_TIME(st) (false)
#define PY_WAIT(st) (false)
#else
#define PY_TIME(st) ((st)->py_time)
#define PY_WAIT(st) ((st)->py_wait)
#endif
mp_obj_t uaio_init(mp_obj_t loop, mp_obj_t cancelled_error, bool py_time, bool py_wait);
mp_obj_t uaio_run(mp_obj_t main);
extern bool uaio_any_running;
void uaio_check_idle(uaio_state_t *st);
void uaio_wait_io(uaio_state_t *st, int64_t timeout_us);
mp_obj_t uaio_ticks(uaio_state_t *st);
uint64_t uaio_ticks_time(uaio_state_t *st, mp_int_t ticks);
uaio_state_t *uaio_state(void);
mp_obj_t uaio_call_method(mp_obj_t obj, qstr name, mp_obj_t arg);
NORETURN void uaio_raise_code(int32_t code);
void uaio_check(int32_t code);
uint64_t uaio_now_us(uaio_state_t *st);
uint64_t uaio_deadline_us(uaio_state_t *st, int64_t us);
mp_obj_t uaio_interval_overflow(void);
void uaio_runq_push(uaio_state_t *st, mp_obj_t obj);
void uaio_sleep_task(uaio_state_t *st, uaio_task_t *t, uint64_t deadline);
void uaio_timer_push(uaio_state_t *st, void *item, uint64_t deadline);
extern const mp_obj_type_t uaio_timer_type;
void uaio_io_park(uaio_state_t *st, mp_obj_t obj, uint32_t dir, uaio_task_t *task);
uaio_task_t *uaio_cur_task(uaio_state_t *st, const char *what);
const struct _mp_stream_p_t *uaio_stream_of(mp_obj_t obj);

// task.c
mp_obj_t uaio_task_new(mp_obj_t coro);
uaio_task_t *uaio_to_task(mp_obj_t obj);
void uaio_task_live_add(uaio_state_t *st, uaio_task_t *t);
void uaio_task_live_remove(uaio_task_t *t);
bool uaio_task_is_live(uaio_task_t *t);
void uaio_task_scheduled(uaio_state_t *st, uaio_task_t *t);
void uaio_task_finish(uaio_state_t *st, uaio_task_t *t, bool failed, mp_obj_t value);
void uaio_task_wake(uaio_state_t *st, uaio_task_t *t);
bool uaio_task_cancel(uaio_state_t *st, uaio_task_t *t, mp_obj_t exc);
void uaio_task_report(uaio_state_t *st, uaio_task_t *t);

// sync.c
extern const mp_obj_type_t uaio_lock_type;
extern const mp_obj_type_t uaio_tsf_type;
extern const mp_obj_type_t uaio_streamio_type; // streamio.c
extern const struct _uaio_done_t uaio_done_true_obj, uaio_done_none_obj; // already-done awaitables
mp_obj_t uaio_await_sleep(int64_t us);
uint32_t uaio_io_dir(mp_obj_t dir);
mp_obj_t uaio_await_io(mp_obj_t obj, uint32_t dir);
void uaio_waitq_push(uaio_waitq_t *q, uaio_task_t *t);
uaio_task_t *uaio_waitq_pop(uaio_waitq_t *q);
bool uaio_waitq_remove(uaio_waitq_t *q, uaio_task_t *t);
mp_obj_t uaio_park(uaio_waitq_t *q, mp_obj_t owner, qstr name);
void uaio_sync_reset(void);
mp_obj_t uaio_detach(mp_obj_t aw);
mp_obj_t uaio_awaitable_coro(mp_obj_t aw);
void uaio_handoff_taken(mp_obj_t owner);
void uaio_handoff_return(mp_obj_t owner);

// Longest interval, in µs: as with time.ticks_add, under half the ms
// ticks period (a deadline must be expressible in ticks), and at most 2^54
// µs (571 years), so that a deadline fits the timing queue's 56 bits
// (UAIO_NODEQ_MAX_DEADLINE) for the first 1,142 years of the µs clock (on
// 64-bit unix, half the ticks period is 2^61 ms).
#define HALF_PERIOD_MS ((uint64_t)MICROPY_PY_TIME_TICKS_PERIOD / 2)
#define MAX_INTERVAL_US (HALF_PERIOD_MS <= (1ull << 54) / 1000 ? HALF_PERIOD_MS * 1000 - 1 : 1ull << 54)

// 64-bit time arithmetic without libgcc's 64-bit division and float-to-
// int64 routines, which would add ~1.6 KB of flash on a 32-bit MCU (the
// latter pulls in double-precision arithmetic).

// us / 1000 by long division in 32-bit steps (a hardware UDIV on Cortex-M3+).
static inline uint64_t uaio_div1000(uint64_t us) {
    #if UINTPTR_MAX > 0xffffffffu
    return us / 1000;
    #else
    uint32_t hi = (uint32_t)(us >> 32), lo = (uint32_t)us;
    uint32_t mid = (hi % 1000) << 16 | lo >> 16;
    uint32_t low = (mid % 1000) << 16 | (lo & 0xffff);
    return ((uint64_t)(hi / 1000) << 32) + ((uint64_t)(mid / 1000) << 16) + low / 1000;
    #endif
}

#if MICROPY_PY_BUILTINS_FLOAT
// A non-negative float as an integer (truncated); on 32-bit targets it must
// be under 2^51, and goes through two int32 halves.
static inline uint64_t uaio_float_to_u64(mp_float_t f) {
    #if UINTPTR_MAX > 0xffffffffu
    return (uint64_t)f;
    #else
    int32_t hi = (int32_t)(f * MICROPY_FLOAT_CONST(0.00000095367431640625) /* 2^-20 */);
    int32_t lo = (int32_t)(f - (mp_float_t)hi * MICROPY_FLOAT_CONST(1048576.0));
    return ((uint64_t)hi << 20) + (uint64_t)lo;
    #endif
}
#endif

#endif // UAIO_MP_H
