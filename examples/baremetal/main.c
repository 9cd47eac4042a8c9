/*
 * uaio on bare metal, without MicroPython: a timer loop on qemu's
 * mps2-an385 (Cortex-M3) over include/uaio.h and libuaio.a.
 *
 * Eight timers are queued (four share a deadline, one is cancelled) and a
 * periodic one re-arms itself; the loop pops what is due
 * (uaio_timerq_pop_due) and otherwise sleeps in uaio_io_wait until the next
 * deadline (uaio_timerq_timeout): with no poll(2) here the core calls this
 * port's idle_wait hook, which sleeps in WFI. Time is µs from a SysTick
 * tick whose 32-bit counter starts 25 ms before it wraps, extended to
 * 64 bits by uaio_clock_extend.
 *
 * Lines starting with '#' carry measured times, which vary from run to
 * run; every other line is deterministic. The program checks itself and
 * exits 1 (through semihosting) if anything is out of order or early.
 */
#include "board.h"

#define MS 1000u
#define PERIODIC 100 /* token of the periodic timer */
#define PERIOD_US (15 * MS)
#define PERIODIC_RUNS 3
#define WRAP_BEFORE_US (25 * MS) /* the raw counter wraps this far into the run */

static const struct {
    const char *name;
    uint32_t at_us;
} plan[] = {
    {"alpha", 30 * MS}, {"bravo", 10 * MS}, {"charlie", 20 * MS}, {"delta", 20 * MS},
    {"echo", 40 * MS},  {"foxtrot", 25 * MS}, {"golf", 20 * MS}, {"hotel", 5 * MS},
};
enum { NPLAN = sizeof plan / sizeof plan[0], CANCELLED = 5 };

/* Deadline order, FIFO among equal deadlines: charlie, delta, golf were
   queued in that order; the periodic timer's second run (due at 30 ms) is
   queued at 15 ms, after alpha (30 ms, queued at the start). */
#ifndef BREAK_ORDER
static const int expected[] = {7, 1, PERIODIC, 2, 3, 6, 0, PERIODIC, 4, PERIODIC};
#else /* the test's check that a wrong order is reported (make baremetal-test) */
static const int expected[] = {7, 1, PERIODIC, 3, 2, 6, 0, PERIODIC, 4, PERIODIC};
#endif
enum { NEXPECTED = sizeof expected / sizeof expected[0] };

static int failed;

static void check(int ok, const char *what)
{
    if (!ok) {
        uart_puts("FAILED: ");
        uart_puts(what);
        uart_puts("\n");
        failed = 1;
    }
}

static int call(int32_t rc, const char *what)
{
    if (rc != UAIO_OK) {
        uart_puts(what);
        uart_puts(": ");
        uart_puts(uaio_strerror(rc));
        uart_puts("\n");
        failed = 1;
    }
    return rc == UAIO_OK;
}

/* The archive's Cortex-M port (include/uaio_cortexm.h), before the demo
   starts its tick: what it refuses, the tick from a RAM vector table, a
   wake, `pending`, a timed wait, the wait that ends at each tick, and a
   tick attached to a count of the program's own. Bounds on measured times
   are loose: qemu's clock follows the host's, which may be busy. */
#define SCB_VTOR (*(volatile uint32_t *)0xe000ed08)
static uint32_t ram_vectors[32] __attribute__((aligned(128)));

static uint32_t fixed_ms(void)
{
    return 5000;
}

static int32_t say_eintr(void *arg)
{
    (void)arg;
    return UAIO_EINTR;
}

static uint32_t waited_us(uaio_cm_idle *cfg, int64_t timeout_us, int32_t *rc)
{
    uint32_t t = uaio_cm_ticks_us();
    *rc = uaio_cm_idle_wait(cfg, timeout_us);
    return uaio_cm_ticks_us() - t;
}

static void check_port(void)
{
    uaio_cm_idle pending = {.pending = say_eintr}, timed = {0};
    uaio_cm_idle each_tick = {.flags = UAIO_CM_IDLE_EACH_TICK};
    uint32_t i, el;
    int32_t rc;

    check(!uaio_cm_tick_running(), "no tick before a start");
    check(uaio_cm_idle_wait(0, 1000) == UAIO_ENOTSUP, "no idle wait without a tick");
    check(uaio_cm_tick_start(999999) == UAIO_EINVAL, "a core clock under 1 MHz is refused");
    check(uaio_cm_tick_start(CORE_HZ + 1) == UAIO_EINVAL, "a clock of no whole cycles per ms is refused");
    check(uaio_cm_tick_start_vtor(CORE_HZ, 0, 16) == UAIO_EINVAL, "no vector table is refused");
    check(uaio_cm_tick_start_vtor(CORE_HZ, ram_vectors + 1, 16) == UAIO_EINVAL,
          "a misaligned vector table is refused");
    check(uaio_cm_tick_start_vtor(CORE_HZ, ram_vectors, 15) == UAIO_EINVAL &&
              uaio_cm_tick_start_vtor(CORE_HZ, ram_vectors, 257) == UAIO_EINVAL,
          "a vector count out of 16..256 is refused");
    check(uaio_cm_tick_attach(CORE_HZ, 0) == UAIO_EINVAL, "attaching no ms count is refused");
    check(!uaio_cm_tick_running() && SCB_VTOR != (uint32_t)ram_vectors,
          "a refused start changes nothing");

    check(uaio_cm_tick_start_vtor(CORE_HZ, ram_vectors, 16) == UAIO_OK, "uaio_cm_tick_start_vtor");
    check(SCB_VTOR == (uint32_t)ram_vectors && ram_vectors[1] == (uint32_t)reset_handler &&
              ram_vectors[15] == (uint32_t)uaio_cm_systick_handler,
          "VTOR points at the RAM copy, with the tick handler in it");
    for (i = 0; i < 10000000u && uaio_cm_ticks_ms() < 2; i++) {
    }
    check(uaio_cm_ticks_ms() >= 2, "the tick runs from the RAM vector table");

    uaio_cm_wake();
    el = waited_us(0, 50000, &rc);
    check(rc == 0 && el < 20000, "a wake ends the next idle wait at once");
    el = waited_us(&pending, 50000, &rc);
    check(rc == UAIO_EINTR && pending.wfis == 0 && el < 20000, "pending ends the wait with its result");
    el = waited_us(&timed, 3000, &rc);
    check(rc == 0 && el >= 3000 && timed.wfis >= 2, "a timed wait is not early, and sleeps");
    el = waited_us(&each_tick, 50000, &rc);
    check(rc == 0 && each_tick.wfis == 1 && el < 20000, "UAIO_CM_IDLE_EACH_TICK ends the wait at a tick");

    check(uaio_cm_tick_attach(CORE_HZ, fixed_ms) == UAIO_OK, "uaio_cm_tick_attach");
    check(uaio_cm_ticks_ms() - 5000u <= 1, "an attached tick reads the program's ms count");
    uart_puts(failed ? "Cortex-M port: FAILED\n"
                     : "Cortex-M port: bad arguments refused, RAM vector table, wake, pending, "
                       "each tick, attached count\n");
}

/* The I/O registry on bare metal: no fds (an fd given is ignored), every
   object asked through the poll_object hook, storage moved with a wait in
   it, a disarm. */
static uint32_t object_ready; /* what the hook reports for object 7 */

static uint32_t poll_object(void *ctx, uint64_t handle, uint32_t events)
{
    (void)ctx;
    return handle == 7 ? object_ready & events : 0;
}

static void check_io(void)
{
    static uaio_io_slot small[1], big[4];
    static uaio_io r;
    const uaio_port_hooks hooks = {.ctx = 0, .poll_object = poll_object, .idle_wait = 0};
    uint64_t token = 0;
    uint32_t events = 0;

    check(uaio_io_init(&r, small, 0, 1) == UAIO_OK, "uaio_io_init with one slot");
    check(uaio_io_arm(&r, 7, 3, UAIO_READ, 70) == UAIO_OK, "an object with an fd is armed");
    check(uaio_io_arm(&r, 8, -1, UAIO_READ, 80) == UAIO_EFULL, "a full registry says so");
    check(uaio_io_move(&r, big, 0, 4) == UAIO_OK && uaio_io_capacity(&r) == 4, "uaio_io_move");
    check(uaio_io_arm(&r, 8, -1, UAIO_WRITE, 81) == UAIO_OK && uaio_io_len(&r) == 2,
          "a second object after the move");
    check(uaio_io_wait(&r, 0, &hooks) == 0, "nothing ready: nothing fires");
    object_ready = UAIO_READ;
    check(uaio_io_wait(&r, 0, &hooks) == 1, "the hook's readiness fires the wait");
    check(uaio_io_take_ready(&r, &token, &events) == UAIO_OK && token == 70 &&
              events == UAIO_READ,
          "the fired wait is taken with its token");
    check(uaio_io_take_ready(&r, &token, &events) == UAIO_ENOENT, "one-shot: nothing more");
    check(uaio_io_disarm(&r, 8, UAIO_WRITE, &token) == UAIO_OK && token == 81 &&
              uaio_io_len(&r) == 0,
          "a disarm gives the token back and frees the object");
    check(uaio_io_wait(&r, 1000, &hooks) == UAIO_ENOTSUP, "no idle_wait hook: no sleep");
    check(uaio_io_deinit(&r) == UAIO_OK, "uaio_io_deinit");
    uart_puts(failed ? "I/O registry: FAILED\n"
                     : "I/O registry: fds ignored, objects polled by the hook, moved, disarmed\n");
}

static const char *name_of(uint64_t token)
{
    return token == PERIODIC ? "tick" : plan[token].name;
}

int main(void)
{
    static uaio_timer_slot slots[NPLAN + 1];
    static uaio_timerq timers;
    static uaio_io io; /* no objects: the wait is the idle wait alone */
    static idle_stats idle;
    const uaio_port_hooks hooks = {.ctx = &idle, .poll_object = 0, .idle_wait = board_idle_wait};
    /* Initialised and 8-aligned: in .data, so the startup's copy is exercised. */
    static uint64_t periodic_due = PERIOD_US;
    uint64_t handles[NPLAN], periodic, token, last = 0;
    uint32_t raw, last_raw, wraps = 0;
    int i, fired = 0, periodic_runs = 0;

    uart_puts("uaio bare-metal example: mps2-an385, Cortex-M3\n");
#ifdef FAULT
    /* The test's check of the fault handler: an undefined instruction. */
    __asm__ volatile("udf #0");
#endif
    check_port();
    check_io();
    tick_start((uint32_t)(0 - WRAP_BEFORE_US));
    last_raw = ticks_us();

    if (!call(uaio_timerq_init(&timers, slots, NPLAN + 1), "uaio_timerq_init") ||
        !call(uaio_io_init(&io, 0, 0, 0), "uaio_io_init"))
        return 1;
    for (i = 0; i < NPLAN; i++)
        if (!call(uaio_timerq_push(&timers, plan[i].at_us, (uint64_t)i, &handles[i]),
                  "uaio_timerq_push"))
            return 1;
    if (!call(uaio_timerq_push(&timers, periodic_due, PERIODIC, &periodic), "uaio_timerq_push"))
        return 1;
    uart_puts("queued ");
    uart_putu64(uaio_timerq_len(&timers));
    uart_puts(" timers\n");
    if (call(uaio_timerq_cancel(&timers, handles[CANCELLED], &token), "uaio_timerq_cancel")) {
        uart_puts("cancelled ");
        uart_puts(name_of(token));
        uart_puts("\n");
        check(token == CANCELLED, "the cancel returned the cancelled timer's token");
    }

    while (uaio_timerq_len(&timers) > 0) {
        int64_t timeout = -1;
        uint64_t now = now_us(&raw);

        if (raw < last_raw)
            wraps++;
        last_raw = raw;
        check(now >= last, "64-bit time never goes backwards");
        last = now;

        if (uaio_timerq_pop_due(&timers, now, &token) == UAIO_OK) {
            uint64_t due = token == PERIODIC ? periodic_due : plan[token].at_us;
            uart_puts("timer ");
            uart_puts(name_of(token));
            uart_puts(" (");
            uart_putu64(due / MS);
            uart_puts(" ms)\n");
            uart_puts("# at ");
            uart_putu64(now);
            uart_puts(" us, raw counter ");
            uart_puthex32(raw);
            uart_puts("\n");
            check(fired < NEXPECTED && (int)token == expected[fired], "deadline order");
            check(now >= due, "not before its deadline");
            fired++;
            if (token == PERIODIC && ++periodic_runs < PERIODIC_RUNS) {
                /* From the deadline, not from now: no drift. */
                periodic_due += PERIOD_US;
                call(uaio_timerq_push(&timers, periodic_due, PERIODIC, &periodic),
                     "uaio_timerq_push");
            }
            continue;
        }
        uaio_timerq_timeout(&timers, now, &timeout);
        int32_t rc = uaio_io_wait(&io, timeout, &hooks);
        if (rc < 0) {
            call(rc, "uaio_io_wait");
            return 1;
        }
    }

    check(fired == NEXPECTED, "every timer but the cancelled one fired");
    check(uaio_timerq_cancel(&timers, handles[0], &token) == UAIO_ENOENT,
          "a fired timer cannot be cancelled");
    check(uaio_timerq_cancel(&timers, handles[CANCELLED], &token) == UAIO_ENOENT,
          "a cancelled timer cannot be cancelled again");
    uart_puts("cancel after firing: ");
    uart_puts(uaio_strerror(UAIO_ENOENT));
    uart_puts("\n");

    /* The idle wait: every WFI ends at a 1 ms tick (the only interrupt), so
       a wait of n ms takes about n WFIs; a busy loop would go round
       thousands of times per ms. It must never return early. */
    uart_puts("# idle: ");
    uart_putu64(idle.waits);
    uart_puts(" waits, ");
    uart_putu64(idle.cm.wfis);
    uart_puts(" WFIs, asked ");
    uart_putu64(idle.asked_us);
    uart_puts(" us, slept ");
    uart_putu64(idle.slept_us);
    uart_puts(" us (at most ");
    uart_putu64(idle.max_late_us);
    uart_puts(" us late), ");
    uart_putu64(tick_count());
    uart_puts(" ticks\n");
    int never_early = idle.waits > 0 && idle.early == 0;
    int in_wfi = idle.cm.wfis >= idle.waits;
    int no_spin = idle.cm.wfis <= idle.asked_us / MS + 2 * idle.waits;
    check(never_early, "idle waits never end early");
    check(in_wfi, "each idle wait slept in WFI");
    check(no_spin, "at most one WFI per tick: no spinning");
    uart_puts(never_early && in_wfi && no_spin
                  ? "idle wait: WFI until the deadline, never early, one WFI per tick\n"
                  : "idle wait: FAILED\n");

    uart_puts("tick counter wrapped: ");
    uart_puts(wraps == 1 ? "once" : "FAILED");
    uart_puts(", 64-bit time kept going\n");
    check(wraps == 1, "the 32-bit counter wrapped once during the run");

    uart_puts(failed ? "FAILED\n" : "ok\n");
    return failed;
}
