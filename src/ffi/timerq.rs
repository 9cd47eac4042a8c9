//! C API of [`crate::timerq`].
use super::{
    put, put_result, slice_mut, UAIO_EFULL, UAIO_EINVAL, UAIO_ENOENT, UAIO_ETOOSMALL, UAIO_OK,
};
use crate::timerq::{QueueError, TimerQueue, TimerSlot};

/// A timing queue over caller storage. Fields are private; the struct is
/// public so that it can live in static or caller memory.
#[repr(C)]
pub struct uaio_timerq {
    slots: *mut TimerSlot,
    cap: u32,
    core: TimerQueue,
}

fn code(e: QueueError) -> i32 {
    match e {
        QueueError::Full => UAIO_EFULL,
        QueueError::NotFound => UAIO_ENOENT,
        QueueError::TooSmall => UAIO_ETOOSMALL,
    }
}

/// The queue and its storage, or None for NULL pointers.
///
/// # Safety
/// `q` is NULL or an initialised queue whose storage is still valid.
unsafe fn parts<'a>(q: *mut uaio_timerq) -> Option<(&'a mut TimerQueue, &'a mut [TimerSlot])> {
    // SAFETY: by contract.
    let q = unsafe { q.as_mut() }?;
    // SAFETY: storage given at init/move, valid by contract.
    let slots = unsafe { slice_mut(q.slots, q.cap) }?;
    Some((&mut q.core, slots))
}

/// Makes `q` an empty queue over `cap` slots at `slots` (NULL if `cap` is 0).
///
/// # Safety
/// `q` is NULL or valid for writes; `slots` is NULL or valid for `cap` slots
/// for as long as the queue uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_init(
    q: *mut uaio_timerq,
    slots: *mut TimerSlot,
    cap: u32,
) -> i32 {
    if q.is_null() || (slots.is_null() && cap != 0) || cap == u32::MAX {
        return UAIO_EINVAL;
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe {
        put(
            q,
            uaio_timerq {
                slots,
                cap,
                core: TimerQueue::new(),
            },
        )
    };
    UAIO_OK
}

/// Queues `token` to fire at `deadline`; its handle (never 0) into
/// `*out_handle`. `UAIO_EFULL` when every slot is in use.
///
/// # Safety
/// `q` is NULL or initialised; `out_handle` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_push(
    q: *mut uaio_timerq,
    deadline: u64,
    token: u64,
    out_handle: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out_handle, core.push(slots, deadline, token), code) }
}

/// The earliest timer without removing it; `UAIO_ENOENT` when empty.
///
/// # Safety
/// `q` is NULL or initialised; the out-pointers are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_peek(
    q: *mut uaio_timerq,
    out_deadline: *mut u64,
    out_token: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    let Some(t) = core.peek(slots) else {
        return UAIO_ENOENT;
    };
    // SAFETY: NULL or valid by contract.
    unsafe {
        put(out_deadline, t.deadline);
        put(out_token, t.token);
    }
    UAIO_OK
}

/// Removes the earliest timer; `UAIO_ENOENT` when empty.
///
/// # Safety
/// `q` is NULL or initialised; the out-pointers are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_pop(
    q: *mut uaio_timerq,
    out_deadline: *mut u64,
    out_token: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    let Some(t) = core.pop(slots) else {
        return UAIO_ENOENT;
    };
    // SAFETY: NULL or valid by contract.
    unsafe {
        put(out_deadline, t.deadline);
        put(out_token, t.token);
    }
    UAIO_OK
}

/// Removes the earliest timer if its deadline is at or before `now`;
/// `UAIO_ENOENT` when none is due.
///
/// # Safety
/// `q` is NULL or initialised; `out_token` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_pop_due(
    q: *mut uaio_timerq,
    now: u64,
    out_token: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    let Some(t) = core.pop_due(slots, now) else {
        return UAIO_ENOENT;
    };
    // SAFETY: NULL or valid by contract.
    unsafe { put(out_token, t.token) };
    UAIO_OK
}

/// Cancels the timer `handle`, its token into `*out_token`; `UAIO_ENOENT`
/// for a handle that already fired, was cancelled, or never existed.
/// Handles are values local to their queue (slot and generation): a handle
/// of another queue is refused unless it equals one of this queue's.
///
/// # Safety
/// `q` is NULL or initialised; `out_token` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_cancel(
    q: *mut uaio_timerq,
    handle: u64,
    out_token: *mut u64,
) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out_token, core.cancel(slots, handle).map(|t| t.token), code) }
}

/// Time from `now` to the earliest deadline into `*out`: -1 when the queue
/// is empty, 0 when a timer is due, else the positive difference (clamped to
/// `INT64_MAX`).
///
/// # Safety
/// `q` is NULL or initialised; `out` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_timeout(q: *mut uaio_timerq, now: u64, out: *mut i64) -> i32 {
    // SAFETY: by contract.
    let Some((core, slots)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    let t = match core.peek(slots) {
        None => -1,
        Some(t) => i64::try_from(t.deadline.saturating_sub(now)).unwrap_or(i64::MAX),
    };
    // SAFETY: NULL or valid by contract.
    unsafe { put(out, t) };
    UAIO_OK
}

/// Number of queued timers (0 for NULL).
///
/// # Safety
/// `q` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_len(q: *const uaio_timerq) -> u32 {
    // SAFETY: by contract.
    unsafe { q.as_ref() }.map_or(0, |q| q.core.len())
}

/// Number of slots of the queue's storage (0 for NULL).
///
/// # Safety
/// `q` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_capacity(q: *const uaio_timerq) -> u32 {
    // SAFETY: by contract.
    unsafe { q.as_ref() }.map_or(0, |q| q.cap)
}

/// Moves the queue into `cap` slots at `slots` (bigger, usually); handles
/// stay valid and the old storage is no longer used. `UAIO_ETOOSMALL` if the
/// new storage cannot hold every slot ever handed out (handles are slot indices); the queue is then unchanged.
///
/// # Safety
/// `q` is NULL or initialised; `slots` is NULL or valid for `cap` slots and
/// does not overlap the old storage.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_timerq_move(
    q: *mut uaio_timerq,
    slots: *mut TimerSlot,
    cap: u32,
) -> i32 {
    if q.is_null() || cap == u32::MAX {
        return UAIO_EINVAL;
    }
    // SAFETY: by contract.
    let Some((core, old)) = (unsafe { parts(q) }) else {
        return UAIO_EINVAL;
    };
    // SAFETY: by contract; does not overlap `old`.
    let Some(new) = (unsafe { slice_mut(slots, cap) }) else {
        return UAIO_EINVAL;
    };
    if let Err(e) = core.relocate(old, new) {
        return code(e);
    }
    // SAFETY: checked non-NULL above.
    let q = unsafe { &mut *q };
    q.slots = slots;
    q.cap = cap;
    UAIO_OK
}
