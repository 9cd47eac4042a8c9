//! The wait: readiness of every armed object, sleeping at most `timeout_us`.
//!
//! Objects with a file descriptor are waited for by the host's poll(2)
//! (`ppoll` on Linux, for microsecond timeouts). Objects without one are
//! asked through the port hook `poll_object`. On targets without poll(2)
//! (bare metal) the sleep is the port hook `idle_wait`. Hooks are C
//! functions that must return normally: a MicroPython port wraps anything
//! that may raise in `nlr_push` and returns a status instead.
use super::io::{parts, uaio_io};
#[cfg(unix)]
use super::io::{pollfds, uaio_pollfd};
use super::UAIO_EINVAL;
use crate::poll::{IoSlot, Registry, ERROR, FDS};
#[cfg(unix)]
use crate::poll::{READ, WRITE};

pub use super::port_sys::{
    uaio_idle_wait_fn, uaio_poll_object_fn, uaio_port_hooks, UAIO_OBJECT_POLL_US, UAIO_WAIT_FOREVER,
};

/// Waits for readiness of the armed objects of `r`, at most `timeout_us`
/// (-1: no limit, 0: just look). Fired directions are disarmed and queued
/// for `uaio_io_take_ready`. Returns how many fired (>= 0), or
/// `UAIO_EINTR` (a signal arrived: nothing fired), `UAIO_EIO`,
/// `UAIO_ENOTSUP` (no wait here and no `idle_wait` hook).
///
/// # Safety
/// `r` is NULL or initialised; `hooks` is NULL or valid, with hooks that
/// are safe to call with its `ctx`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_wait(
    r: *mut uaio_io,
    timeout_us: i64,
    hooks: *const uaio_port_hooks,
) -> i32 {
    if r.is_null() {
        return UAIO_EINVAL;
    }
    #[cfg(unix)]
    // SAFETY: checked non-NULL; initialised by contract.
    let mut epfd = unsafe { (*r).epfd };
    #[cfg(unix)]
    // SAFETY: checked non-NULL; initialised by contract.
    let Some(fds) = (unsafe { pollfds(r) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(r) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: by contract.
    let hooks = unsafe { hooks.as_ref() };
    // SAFETY: hooks valid by contract.
    let mut fired = unsafe { poll_objects(core, slots, hooks) };
    let timeout = if fired > 0 || core.has_ready() {
        0
    } else {
        timeout_us.max(i64::from(UAIO_WAIT_FOREVER))
    };
    #[cfg(unix)]
    // SAFETY: hooks valid by contract.
    let result = unsafe { host_wait(core, slots, fds, &mut epfd, hooks, timeout) };
    #[cfg(unix)]
    // SAFETY: checked non-NULL above; the borrows of `parts` have ended.
    unsafe {
        (*r).epfd = epfd
    };
    #[cfg(not(unix))]
    // SAFETY: hooks valid by contract.
    let result = unsafe { port_wait(core, slots, hooks, timeout) };
    match result {
        Ok(n) => fired += n,
        Err(e) => return e,
    }
    i32::try_from(fired).unwrap_or(i32::MAX)
}

/// Asks the hook about every armed object without fd.
///
/// # Safety
/// The hook, if any, is safe to call with `ctx`.
unsafe fn poll_objects(
    core: &mut Registry,
    slots: &mut [IoSlot],
    hooks: Option<&uaio_port_hooks>,
) -> u32 {
    let Some(h) = hooks else { return 0 };
    let Some(poll) = h.poll_object else { return 0 };
    // Where there are no fds, every armed slot is an object (not counted).
    if FDS && core.object_count() == 0 {
        return 0;
    }
    let mut fired = 0;
    for i in 0..core.high_water() {
        let Some((handle, fd, armed)) = core.armed_at(slots, i) else {
            continue;
        };
        if FDS && fd >= 0 {
            continue;
        }
        // SAFETY: by contract.
        let ev = unsafe { poll(h.ctx, handle, armed) };
        fired += core.fire(slots, i, ev & (armed | ERROR));
    }
    fired
}

/// poll(2) over the armed fds, then the objects again.
///
/// # Safety
/// The hooks, if any, are safe to call with `ctx`.
#[cfg(unix)]
unsafe fn host_wait(
    core: &mut Registry,
    slots: &mut [IoSlot],
    fds: &mut [uaio_pollfd],
    epfd: &mut i32,
    hooks: Option<&uaio_port_hooks>,
    mut timeout: i64,
) -> Result<u32, i32> {
    use super::{UAIO_EINTR, UAIO_EIO};
    const _: () =
        assert!(core::mem::size_of::<uaio_pollfd>() == core::mem::size_of::<libc::pollfd>());
    const _: () =
        assert!(core::mem::align_of::<uaio_pollfd>() == core::mem::align_of::<libc::pollfd>());

    let objects = core.object_count() > 0 && hooks.is_some_and(|h| h.poll_object.is_some());
    let slice = i64::from(UAIO_OBJECT_POLL_US);
    if objects && !(0..=slice).contains(&timeout) {
        timeout = slice;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if *epfd >= 0 || core.fd_count() >= epoll::FROM_FDS {
        if *epfd < 0 {
            // SAFETY: no pointers involved.
            *epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            core.mark_all_changed(slots);
        }
        if *epfd >= 0 {
            let mut fired = epoll::wait(*epfd, core, slots, timeout)?;
            if objects && timeout != 0 {
                // SAFETY: by contract.
                fired += unsafe { poll_objects(core, slots, hooks) };
            }
            return Ok(fired);
        }
    }
    let mut n = 0usize;
    for i in 0..core.high_water() {
        let Some((_, fd, armed)) = core.armed_at(slots, i) else {
            continue;
        };
        if fd < 0 {
            continue;
        }
        let Some(p) = fds.get_mut(n) else {
            return Err(UAIO_EINVAL);
        };
        *p = uaio_pollfd {
            fd,
            events: poll_events(armed),
            revents: 0,
        };
        n += 1;
    }
    let ptr = fds.as_mut_ptr().cast::<libc::pollfd>();
    // SAFETY: `ptr` is valid for `n` pollfds (or unused when n is 0), whose
    // layout matches (asserted above).
    let rc = unsafe { sys_poll(ptr, n, timeout) };
    if rc < 0 {
        return Err(if errno_is_eintr() {
            UAIO_EINTR
        } else {
            UAIO_EIO
        });
    }
    let mut fired = 0;
    let mut k = 0usize;
    for i in 0..core.high_water() {
        if k >= n {
            break;
        }
        let Some((_, fd, armed)) = core.armed_at(slots, i) else {
            continue;
        };
        if fd < 0 {
            continue;
        }
        let revents = fds.get(k).map_or(0, |p| p.revents);
        k += 1;
        let mut ev = 0;
        if revents & libc::POLLIN != 0 {
            ev |= READ;
        }
        if revents & libc::POLLOUT != 0 {
            ev |= WRITE;
        }
        if revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            ev |= ERROR;
        }
        fired += core.fire(slots, i, ev & (armed | ERROR));
    }
    if objects && timeout != 0 {
        // SAFETY: by contract.
        fired += unsafe { poll_objects(core, slots, hooks) };
    }
    Ok(fired)
}

/// poll(2)'s events for armed directions.
#[cfg(unix)]
fn poll_events(armed: u32) -> i16 {
    (if armed & READ != 0 { libc::POLLIN } else { 0 })
        | (if armed & WRITE != 0 { libc::POLLOUT } else { 0 })
}

/// poll(2) with a µs timeout: `ppoll` where there is one, else `poll` with
/// the timeout rounded up to whole ms (a wait never ends early).
///
/// # Safety
/// `fds` is valid for `n` pollfds.
#[cfg(unix)]
unsafe fn sys_poll(fds: *mut libc::pollfd, n: usize, timeout_us: i64) -> i32 {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        let ts;
        let tsp = if timeout_us < 0 {
            core::ptr::null()
        } else {
            ts = libc::timespec {
                tv_sec: (timeout_us / 1_000_000) as libc::time_t,
                tv_nsec: ((timeout_us % 1_000_000) * 1000) as _,
            };
            &ts as *const libc::timespec
        };
        // SAFETY: valid pointers by contract; a NULL sigmask keeps the mask.
        unsafe { libc::ppoll(fds, n as libc::nfds_t, tsp, core::ptr::null()) }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        let ms = if timeout_us < 0 {
            -1
        } else {
            i32::try_from((timeout_us + 999) / 1000).unwrap_or(i32::MAX)
        };
        // SAFETY: valid pointers by contract.
        unsafe { libc::poll(fds, n as libc::nfds_t, ms) }
    }
}

#[cfg(unix)]
fn errno_is_eintr() -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: returns this thread's errno location, always valid.
    let e = unsafe { *libc::__errno_location() };
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    // SAFETY: as above.
    let e = unsafe { *libc::__error() };
    e == libc::EINTR
}

/// Without poll(2): the port's idle wait, then the objects again.
///
/// # Safety
/// The hooks, if any, are safe to call with `ctx`.
#[cfg(not(unix))]
unsafe fn port_wait(
    core: &mut Registry,
    slots: &mut [IoSlot],
    hooks: Option<&uaio_port_hooks>,
    timeout: i64,
) -> Result<u32, i32> {
    if timeout == 0 {
        return Ok(0);
    }
    let Some(wait) = hooks.and_then(|h| h.idle_wait.map(|w| (w, h.ctx))) else {
        return Err(super::UAIO_ENOTSUP);
    };
    // SAFETY: by contract.
    let rc = unsafe { (wait.0)(wait.1, timeout) };
    if rc < 0 {
        return Err(rc);
    }
    // SAFETY: by contract.
    Ok(unsafe { poll_objects(core, slots, hooks) })
}

/// Closes the event queue `epfd` (where there is one: >= 0).
pub(super) fn close_event_queue(epfd: i32) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if epfd >= 0 {
        // SAFETY: an fd this module opened; no pointers involved.
        unsafe { libc::close(epfd) };
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = epfd;
}

/// Linux: once many fds wait, an epoll set, so that idle fds cost nothing
/// per wait. Its registrations follow the registry's armed fds, brought up to
/// date before each wait. The kernel keeps one registration per fd, so
/// objects that share an fd share it: it watches the union of their
/// directions, and its events (which carry the fd) wake each of them.
/// Registrations are one-shot: an event disables the fd's registration.
///
/// A registration whose waiter went away (fired or disarmed) is stale: the
/// fd may have been closed and its number reused by a file that the set
/// does not watch. When such a slot waits again on the same fd, the waits
/// poll that fd themselves, beside the epoll fd, in one ppoll (which takes
/// the fd afresh, as the ppoll path does); only if it is still waiting after
/// DIRECT_WAITS of them is its registration checked and re-enabled (one
/// epoll_ctl). So a socket that fires every wait or two, as in a
/// request-response exchange, costs no epoll_ctl at all, and an idle one
/// costs nothing per wait.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll {
    use super::super::{UAIO_EINTR, UAIO_EIO};
    use crate::poll::{IoSlot, Registry, ERROR, READ, WRITE};

    /// Below this many armed fds, one ppoll is cheaper than keeping epoll
    /// registrations up to date.
    pub const FROM_FDS: u32 = 32;
    const BATCH: usize = 64;
    /// At most this many stale slots are polled directly in one wait; the
    /// others have their registrations checked at once.
    const DIRECT: usize = 8;
    /// Waits in a row that poll a stale slot directly before its
    /// registration is checked.
    const DIRECT_WAITS: u32 = 4;

    /// The kernel's timespec (64-bit on every Linux ABI).
    #[repr(C)]
    struct KernelTimespec {
        tv_sec: i64,
        tv_nsec: i64,
    }

    fn errno() -> i32 {
        // SAFETY: this thread's errno location, always valid.
        unsafe { *libc::__errno_location() }
    }

    fn ctl(epfd: i32, op: i32, fd: i32, dirs: u32) -> i32 {
        let mut events = 0u32;
        if dirs & READ != 0 {
            events |= libc::EPOLLIN as u32;
        }
        if dirs & WRITE != 0 {
            events |= libc::EPOLLOUT as u32;
        }
        if events != 0 {
            events |= libc::EPOLLONESHOT as u32;
        }
        let mut ev = libc::epoll_event {
            events,
            u64: fd as u64,
        };
        // SAFETY: `ev` is valid for the call.
        unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) }
    }

    /// Brings the epoll set up to date with the armed fds; an fd the kernel
    /// refuses (closed) wakes its waiter with ERROR. Stale slots that wait on
    /// their registration's fd again go into `direct` (up to DIRECT; their
    /// count is returned beside the fired count) to be polled directly.
    fn sync(
        epfd: i32,
        core: &mut Registry,
        slots: &mut [IoSlot],
        direct: &mut [u32; DIRECT],
    ) -> (u32, usize) {
        let mut fired = 0;
        let mut nd = 0;
        while let Some(i) = core.pop_changed(slots) {
            let Some((want, have)) = core.kernel_state(slots, i) else {
                continue;
            };
            let stale = core.kernel_stale(slots, i);
            if want == have && !stale {
                continue;
            }
            if stale
                && want.0 >= 0
                && want.0 == have.0
                && core.direct_waits(slots, i) < DIRECT_WAITS
            {
                if let Some(d) = direct.get_mut(nd) {
                    *d = i;
                    nd += 1;
                    continue;
                }
            }
            // This slot's directions leave the registration of its old fd
            // (which is gone already if the fd was closed).
            if have.0 >= 0 && have.0 != want.0 {
                let others = core.watched_on(slots, have.0, i);
                let op = if others == 0 {
                    libc::EPOLL_CTL_DEL
                } else {
                    libc::EPOLL_CTL_MOD
                };
                ctl(epfd, op, have.0, others);
                core.set_kernel_state(slots, i, -1, 0);
            }
            if want.0 < 0 {
                core.set_kernel_state(slots, i, -1, 0);
                continue;
            }
            let others = core.watched_on(slots, want.0, i);
            let (op, other) = if others == 0 && have.0 != want.0 {
                (libc::EPOLL_CTL_ADD, libc::EPOLL_CTL_MOD)
            } else {
                (libc::EPOLL_CTL_MOD, libc::EPOLL_CTL_ADD)
            };
            let dirs = others | want.1;
            let mut rc = ctl(epfd, op, want.0, dirs);
            if rc < 0 && (errno() == libc::EEXIST || errno() == libc::ENOENT) {
                rc = ctl(epfd, other, want.0, dirs);
            }
            if rc < 0 {
                core.set_kernel_state(slots, i, -1, 0);
                fired += core.fire(slots, i, ERROR);
            } else {
                core.set_kernel_state(slots, i, want.0, want.1);
            }
        }
        (fired, nd)
    }

    pub fn wait(
        epfd: i32,
        core: &mut Registry,
        slots: &mut [IoSlot],
        timeout_us: i64,
    ) -> Result<u32, i32> {
        let mut direct = [0u32; DIRECT];
        let (mut fired, nd) = sync(epfd, core, slots, &mut direct);
        let timeout_us = if fired > 0 { 0 } else { timeout_us };
        let direct = direct.get(..nd).unwrap_or(&[]);
        let result = if direct.is_empty() {
            collect(epfd, core, slots, timeout_us)
        } else {
            poll_direct(epfd, core, slots, direct, timeout_us)
        };
        // Counts the waits a direct slot went without firing; the next wait
        // looks at it again.
        for &i in direct {
            let waits = core
                .kernel_state(slots, i)
                .is_some_and(|(want, _)| want.0 >= 0);
            let n = if waits {
                core.direct_waits(slots, i) + 1
            } else {
                0
            };
            core.set_direct_waits(slots, i, n);
            core.touch(slots, i);
        }
        fired += result?;
        Ok(fired)
    }

    /// One ppoll over the epoll fd and the direct slots' fds; then the epoll
    /// set's events if it has any.
    fn poll_direct(
        epfd: i32,
        core: &mut Registry,
        slots: &mut [IoSlot],
        direct: &[u32],
        timeout_us: i64,
    ) -> Result<u32, i32> {
        let idle = libc::pollfd {
            fd: -1,
            events: 0,
            revents: 0,
        };
        let mut fds = [idle; DIRECT + 1];
        if let Some(p) = fds.first_mut() {
            *p = libc::pollfd {
                fd: epfd,
                events: libc::POLLIN,
                revents: 0,
            };
        }
        for (p, &i) in fds.iter_mut().skip(1).zip(direct) {
            if let Some((_, fd, armed)) = core.armed_at(slots, i) {
                *p = libc::pollfd {
                    fd,
                    events: super::poll_events(armed),
                    revents: 0,
                };
            }
        }
        let n = direct.len() + 1;
        // SAFETY: `fds` holds DIRECT + 1 >= n pollfds.
        let rc = unsafe { super::sys_poll(fds.as_mut_ptr(), n, timeout_us) };
        if rc < 0 {
            return Err(if errno() == libc::EINTR {
                UAIO_EINTR
            } else {
                UAIO_EIO
            });
        }
        let mut fired = 0;
        for (p, &i) in fds.iter().skip(1).zip(direct) {
            let Some((_, fd, armed)) = core.armed_at(slots, i) else {
                continue;
            };
            if fd != p.fd {
                continue;
            }
            let mut ev = 0;
            if p.revents & libc::POLLIN != 0 {
                ev |= READ;
            }
            if p.revents & libc::POLLOUT != 0 {
                ev |= WRITE;
            }
            if p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
                ev |= ERROR;
            }
            fired += core.fire(slots, i, ev & (armed | ERROR));
        }
        if fds.first().is_some_and(|p| p.revents != 0) {
            fired += collect(epfd, core, slots, 0)?;
        }
        Ok(fired)
    }

    /// Waits on the epoll set at most `timeout_us` and fires its events.
    fn collect(
        epfd: i32,
        core: &mut Registry,
        slots: &mut [IoSlot],
        timeout_us: i64,
    ) -> Result<u32, i32> {
        let mut fired = 0;
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; BATCH];
        let ts = KernelTimespec {
            tv_sec: timeout_us / 1_000_000,
            tv_nsec: (timeout_us % 1_000_000) * 1000,
        };
        let tsp: *const KernelTimespec = if timeout_us < 0 {
            core::ptr::null()
        } else {
            &ts
        };
        // SAFETY: `events` holds BATCH entries; `tsp` is NULL or valid; a
        // NULL sigmask keeps the thread's mask.
        let mut n = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                epfd,
                events.as_mut_ptr(),
                BATCH as i32,
                tsp,
                core::ptr::null::<u8>(),
                0usize,
            )
        } as i32;
        if n < 0 && errno() == libc::ENOSYS {
            // Kernels before 5.11: whole ms, rounded up (never early).
            let ms = if timeout_us < 0 {
                -1
            } else {
                i32::try_from((timeout_us + 999) / 1000).unwrap_or(i32::MAX)
            };
            // SAFETY: as above.
            n = unsafe { libc::epoll_wait(epfd, events.as_mut_ptr(), BATCH as i32, ms) };
        }
        if n < 0 {
            return Err(if errno() == libc::EINTR {
                UAIO_EINTR
            } else {
                UAIO_EIO
            });
        }
        for e in events.iter().take(n as usize) {
            let (bits, data) = (e.events, e.u64);
            let Ok(fd) = i32::try_from(data) else {
                continue;
            };
            let mut ev = 0;
            if bits & libc::EPOLLIN as u32 != 0 {
                ev |= READ;
            }
            if bits & libc::EPOLLOUT as u32 != 0 {
                ev |= WRITE;
            }
            if bits & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0 {
                ev |= ERROR;
            }
            // Every slot waiting on that fd (fire masks by armed).
            fired += core.fire_fd(slots, fd, ev);
        }
        Ok(fired)
    }
}
