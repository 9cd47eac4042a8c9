//! C API of [`crate::poll`]: registering and disarming waits, taking events.
use super::{
    put, put_result, slice_mut, UAIO_EBUSY, UAIO_EFULL, UAIO_EINVAL, UAIO_ENOENT, UAIO_ETOOSMALL,
    UAIO_OK,
};
use crate::poll::{IoError, IoSlot, Registry};

/// Same layout as the host's `struct pollfd`: scratch for the host wait.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct uaio_pollfd {
    /// File descriptor.
    pub fd: i32,
    /// Requested events.
    pub events: i16,
    /// Returned events.
    pub revents: i16,
}

/// The registry of I/O waits over caller storage (fields private).
#[repr(C)]
pub struct uaio_io {
    pub(super) slots: *mut IoSlot,
    pub(super) pollfds: *mut uaio_pollfd,
    pub(super) cap: u32,
    /// The host's event queue (Linux epoll) once many fds wait; else -1.
    pub(super) epfd: i32,
    pub(super) core: Registry,
}

pub(super) fn code(e: IoError) -> i32 {
    match e {
        IoError::Full => UAIO_EFULL,
        IoError::Busy => UAIO_EBUSY,
        IoError::NotFound => UAIO_ENOENT,
        IoError::Invalid => UAIO_EINVAL,
    }
}

/// The registry and its slots.
///
/// # Safety
/// `r` is NULL or an initialised registry whose storage is still valid.
pub(super) unsafe fn parts<'a>(r: *mut uaio_io) -> Option<(&'a mut Registry, &'a mut [IoSlot])> {
    // SAFETY: by contract.
    let r = unsafe { r.as_mut() }?;
    // SAFETY: storage given at init/move, valid by contract.
    let slots = unsafe { slice_mut(r.slots, r.cap) }?;
    Some((&mut r.core, slots))
}

/// The registry's pollfd scratch (empty when NULL): only the host's wait
/// uses it.
///
/// # Safety
/// `r` is an initialised registry whose storage is still valid.
#[cfg(unix)]
pub(super) unsafe fn pollfds<'a>(r: *mut uaio_io) -> Option<&'a mut [uaio_pollfd]> {
    // SAFETY: by contract.
    let (p, cap) = unsafe { ((*r).pollfds, (*r).cap) };
    let n = if p.is_null() { 0 } else { cap };
    // SAFETY: as above; NULL means no host wait for fds.
    unsafe { slice_mut(p, n) }
}

/// Makes `r` an empty registry over `cap` slots and, where the host wait is
/// used, `cap` pollfds of scratch (`pollfds` may be NULL on targets that
/// wait through port hooks only). Writes every slot: what the storage held
/// does not matter. Slot `i` also holds bucket `i` of the registry's hash
/// tables (by object and by fd), so lookups cost O(1) however many wait
/// (on targets with poll(2); bare metal scans the slots, as its wait does).
///
/// # Safety
/// `r` is NULL or valid for writes; `slots` / `pollfds` are NULL or valid
/// for `cap` elements for as long as the registry uses them.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_init(
    r: *mut uaio_io,
    slots: *mut IoSlot,
    pollfds: *mut uaio_pollfd,
    cap: u32,
) -> i32 {
    if r.is_null() || (slots.is_null() && cap != 0) || cap == u32::MAX {
        return UAIO_EINVAL;
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe {
        put(
            r,
            uaio_io {
                slots,
                pollfds,
                cap,
                epfd: -1,
                core: Registry::new(),
            },
        )
    };
    // Free slots, as deinit leaves them. SAFETY: initialised just now, its
    // storage valid by contract.
    unsafe { uaio_io_deinit(r) }
}

/// Arms direction `dir` (`UAIO_READ` or `UAIO_WRITE`) of the object
/// `handle`, polled through `fd` (-1: the object has none and is polled by
/// the `poll_object` hook), for `token`. `UAIO_EBUSY` if that direction
/// already has a waiter, `UAIO_EFULL` if no slot is free. On targets
/// without poll(2) (bare metal) `fd` is ignored: every object is polled by
/// the `poll_object` hook (as stock MicroPython's `select.poll` does there).
///
/// # Safety
/// `r` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_arm(
    r: *mut uaio_io,
    handle: u64,
    fd: i32,
    dir: u32,
    token: u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(r) }) else {
        return UAIO_EINVAL;
    };
    match core.arm(slots, handle, fd, dir, token) {
        Ok(()) => UAIO_OK,
        Err(e) => code(e),
    }
}

/// Disarms direction `dir` of `handle`, fired or not (its waiter went
/// away); the token it held into `*out_token`. `UAIO_ENOENT` if not armed.
///
/// # Safety
/// `r` is NULL or initialised; `out_token` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_disarm(
    r: *mut uaio_io,
    handle: u64,
    dir: u32,
    out_token: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(r) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out_token, core.disarm(slots, handle, dir), code) }
}

/// Takes one fired wait: its token and events (`UAIO_READ` or `UAIO_WRITE`,
/// with `UAIO_ERROR` on error or hang-up). `UAIO_ENOENT` when none is left.
///
/// # Safety
/// `r` is NULL or initialised; the out-pointers are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_take_ready(
    r: *mut uaio_io,
    out_token: *mut u64,
    out_events: *mut u32,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(r) }) else {
        return UAIO_EINVAL;
    };
    let Some(ready) = core.take_ready(slots) else {
        return UAIO_ENOENT;
    };
    // SAFETY: NULL or valid by contract.
    unsafe {
        put(out_token, ready.token);
        put(out_events, ready.events);
    }
    UAIO_OK
}

/// Releases what the registry holds besides its storage (the host's event
/// queue, where one was opened). The registry is empty afterwards.
///
/// # Safety
/// `r` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_deinit(r: *mut uaio_io) -> i32 {
    // SAFETY: by contract.
    let Some(r) = (unsafe { r.as_mut() }) else {
        return UAIO_EINVAL;
    };
    super::wait::close_event_queue(r.epfd);
    r.epfd = -1;
    r.core = Registry::new();
    // SAFETY: storage given at init/move, valid by contract (NULL only
    // with no slots).
    unsafe { clear(r.slots, r.cap) };
    UAIO_OK
}

/// Free slots and empty hash buckets in `cap` slots at `slots`, whatever
/// they held (deinit, which init ends with, and move).
///
/// # Safety
/// `slots` is valid for writes of `cap` elements.
unsafe fn clear(slots: *mut IoSlot, cap: u32) {
    for i in 0..cap as usize {
        // SAFETY: by contract.
        unsafe { slots.add(i).write(IoSlot::FREE) };
    }
}

/// Number of registered objects (0 for NULL).
///
/// # Safety
/// `r` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_len(r: *const uaio_io) -> u32 {
    // SAFETY: by contract.
    unsafe { r.as_ref() }.map_or(0, |r| r.core.len())
}

/// Number of slots of the registry's storage (0 for NULL).
///
/// # Safety
/// `r` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_capacity(r: *const uaio_io) -> u32 {
    // SAFETY: by contract.
    unsafe { r.as_ref() }.map_or(0, |r| r.cap)
}

/// Moves the registry into `cap` slots (and pollfds) of new storage (every
/// slot of it written, its hash tables rebuilt for `cap` buckets);
/// `UAIO_ETOOSMALL` if they cannot hold every slot ever handed out (handles are slot indices) (nothing changes).
///
/// # Safety
/// `r` is NULL or initialised; the new storage is NULL or valid for `cap`
/// elements and does not overlap the old.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_io_move(
    r: *mut uaio_io,
    slots: *mut IoSlot,
    pollfds: *mut uaio_pollfd,
    cap: u32,
) -> i32 {
    if r.is_null() || cap == u32::MAX {
        return UAIO_EINVAL;
    }
    // SAFETY: by contract.
    let Some((core, old)) = (unsafe { parts(r) }) else {
        return UAIO_EINVAL;
    };
    if slots.is_null() && cap != 0 {
        return UAIO_EINVAL;
    }
    if cap < core.high_water() {
        return UAIO_ETOOSMALL;
    }
    // SAFETY: by contract: valid for `cap` elements, not overlapping `old`.
    unsafe { clear(slots, cap) };
    // SAFETY: as above.
    let Some(new) = (unsafe { slice_mut(slots, cap) }) else {
        return UAIO_EINVAL;
    };
    if core.relocate(old, new).is_err() {
        return UAIO_ETOOSMALL;
    }
    // SAFETY: checked non-NULL above.
    let r = unsafe { &mut *r };
    r.slots = slots;
    r.pollfds = pollfds;
    r.cap = cap;
    UAIO_OK
}
