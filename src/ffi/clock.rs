//! C API of [`crate::time`].
use super::{put, put_result, UAIO_EINVAL, UAIO_OK};
use crate::time::{self, Clock, TimeError};

fn code(_: TimeError) -> i32 {
    UAIO_EINVAL
}

/// Starts `clock` for a counter that wraps at `2^period_bits` (1..=64) and
/// reads `raw` now; monotonic time starts at `start`.
///
/// # Safety
/// `clock` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_clock_init(
    clock: *mut Clock,
    period_bits: u32,
    raw: u64,
    start: u64,
) -> i32 {
    if clock.is_null() {
        return UAIO_EINVAL;
    }
    // SAFETY: checked non-NULL; valid by contract.
    unsafe { put_result(clock, Clock::new(period_bits, raw, start), code) }
}

/// The monotonic time at counter value `raw`, into `*out_now`. Call at least
/// once per counter period.
///
/// # Safety
/// `clock` was initialised by `uaio_clock_init`; `out_now` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_clock_extend(clock: *mut Clock, raw: u64, out_now: *mut u64) -> i32 {
    // SAFETY: NULL or a valid, initialised clock by contract.
    let Some(c) = (unsafe { clock.as_mut() }) else {
        return UAIO_EINVAL;
    };
    let now = c.extend(raw);
    // SAFETY: NULL or valid by contract.
    unsafe { put(out_now, now) };
    UAIO_OK
}

/// `a - b` for ticks wrapping at `2^period_bits`, in `[-2^(bits-1), 2^(bits-1))`.
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_ticks_diff(a: u64, b: u64, period_bits: u32, out: *mut i64) -> i32 {
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out, time::ticks_diff(a, b, period_bits), code) }
}

/// The monotonic time of wrap-around `ticks`, given that `now_ticks` is
/// monotonic time `now` and one tick is `unit` (not 0) time units (1000
/// for ms ticks and µs time).
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_ticks_to_time(
    ticks: u64,
    now_ticks: u64,
    now: u64,
    unit: u64,
    period_bits: u32,
    out: *mut u64,
) -> i32 {
    let r = time::ticks_to_time(ticks, now_ticks, now, unit, period_bits);
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out, r, code) }
}

/// The wrap-around ticks of monotonic time `time` (the inverse of
/// `uaio_ticks_to_time`; partial ticks round down). `unit` must not be 0.
///
/// # Safety
/// `out` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_time_to_ticks(
    time: u64,
    now_ticks: u64,
    now: u64,
    unit: u64,
    period_bits: u32,
    out: *mut u64,
) -> i32 {
    let r = time::time_to_ticks(time, now_ticks, now, unit, period_bits);
    // SAFETY: NULL or valid by contract.
    unsafe { put_result(out, r, code) }
}
