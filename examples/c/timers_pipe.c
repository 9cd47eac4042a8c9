/*
 * A tiny event loop on libuaio, in plain C: timers and a pipe.
 *
 * Six timers are queued (two share a deadline, one is cancelled). Each one
 * that fires writes its name into a pipe; the loop sleeps in uaio_io_wait()
 * until the next deadline or until the pipe's read end is readable, and
 * echoes what it reads. Time is CLOCK_MONOTONIC in µs, the unit of both
 * uaio_timerq_timeout() and uaio_io_wait().
 *
 * Output is deterministic (no times are printed): a timer fires only once
 * the previous echo is back. Exit status 1 if anything came out of order.
 */
#define _POSIX_C_SOURCE 200809L

#include "uaio.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIPE_HANDLE 1 /* the registry's name for the pipe */
#define ECHO_TOKEN 100

static const struct {
    const char *name;
    unsigned ms;
} plan[] = {
    {"alpha", 30}, {"bravo", 10}, {"charlie", 20}, {"delta", 20}, {"echo", 40}, {"foxtrot", 25},
};
enum { NPLAN = sizeof plan / sizeof plan[0], CANCELLED = 5 };
/* Deadline order; charlie before delta because it was queued first. */
static const int expected[] = {1, 2, 3, 0, 4};
enum { NEXPECTED = sizeof expected / sizeof expected[0] };

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fail(const char *what, int32_t rc)
{
    fprintf(stderr, "timers_pipe: %s: %s\n", what, uaio_strerror(rc));
    return 1;
}

int main(void)
{
    static uaio_timer_slot tslots[8];
    static uaio_io_slot islots[2];
    static uaio_pollfd pollfds[2];
    uaio_timerq timers;
    uaio_io io;
    uint64_t handles[NPLAN], start, token, deadline;
    uint32_t events;
    int32_t rc;
    int p[2], i, fired = 0, echoed = 0, waiting = 0, ok = 1;
    char line[64];
    size_t have = 0;

    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    if ((rc = uaio_timerq_init(&timers, tslots, 8)) != UAIO_OK)
        return fail("uaio_timerq_init", rc);
    if ((rc = uaio_io_init(&io, islots, pollfds, 2)) != UAIO_OK)
        return fail("uaio_io_init", rc);

    start = now_us();
    for (i = 0; i < NPLAN; i++) {
        deadline = start + plan[i].ms * 1000u;
        if ((rc = uaio_timerq_push(&timers, deadline, (uint64_t)i, &handles[i])) != UAIO_OK)
            return fail("uaio_timerq_push", rc);
    }
    if ((rc = uaio_timerq_cancel(&timers, handles[CANCELLED], &token)) != UAIO_OK)
        return fail("uaio_timerq_cancel", rc);
    printf("cancelled %s\n", plan[token].name);
    if ((rc = uaio_io_arm(&io, PIPE_HANDLE, p[0], UAIO_READ, ECHO_TOKEN)) != UAIO_OK)
        return fail("uaio_io_arm", rc);

    while (fired < NEXPECTED || echoed < fired) {
        int64_t timeout = -1;
        uint64_t now = now_us();

        /* Fire one due timer, unless its predecessor's echo is still out. */
        if (!waiting && uaio_timerq_pop_due(&timers, now, &token) == UAIO_OK) {
            int n = snprintf(line, sizeof line, "%s\n", plan[token].name);
            printf("timer %s\n", plan[token].name);
            if (fired >= NEXPECTED || (int)token != expected[fired] ||
                now < start + plan[token].ms * 1000u) {
                printf("  out of order or early!\n");
                ok = 0;
            }
            fired++;
            waiting = 1;
            if (write(p[1], line, (size_t)n) != n) {
                perror("write");
                return 1;
            }
            continue;
        }
        /* While an echo is out, only the pipe can wake us. */
        if (!waiting)
            uaio_timerq_timeout(&timers, now, &timeout);

        rc = uaio_io_wait(&io, timeout, NULL);
        if (rc == UAIO_EINTR)
            continue;
        if (rc < 0)
            return fail("uaio_io_wait", rc);

        while (uaio_io_take_ready(&io, &token, &events) == UAIO_OK) {
            ssize_t n;
            char *nl;
            if (token != ECHO_TOKEN || !(events & UAIO_READ))
                continue;
            n = read(p[0], line + have, sizeof line - 1 - have);
            if (n > 0)
                have += (size_t)n;
            line[have] = '\0';
            /* Echo whole lines; keep a partial one for the next read. */
            while ((nl = strchr(line, '\n')) != NULL) {
                *nl = '\0';
                printf("echo: %s\n", line);
                if (echoed >= fired || strcmp(line, plan[expected[echoed]].name) != 0) {
                    printf("  unexpected echo!\n");
                    ok = 0;
                }
                echoed++;
                waiting = 0;
                have -= (size_t)(nl + 1 - line);
                memmove(line, nl + 1, have + 1);
            }
            /* A wait fires once: arm it again for the next line. */
            if ((rc = uaio_io_arm(&io, PIPE_HANDLE, p[0], UAIO_READ, ECHO_TOKEN)) != UAIO_OK)
                return fail("uaio_io_arm", rc);
        }
    }

    if (uaio_timerq_len(&timers) != 0 || uaio_timerq_cancel(&timers, handles[0], &token) !=
                                             UAIO_ENOENT) {
        printf("timers left behind!\n");
        ok = 0;
    }
    uaio_io_disarm(&io, PIPE_HANDLE, UAIO_READ, &token);
    close(p[0]);
    close(p[1]);
    printf("%s: %d timers, %d echoes\n", ok ? "ok" : "FAILED", fired, echoed);
    return ok ? 0 : 1;
}
