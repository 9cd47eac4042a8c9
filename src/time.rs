//! Time: the one place that knows about wrap-around.
//!
//! The queue orders `u64` monotonic time in the caller's unit (µs for
//! MicroPython). Hardware and Python counters wrap; [`Clock`] extends such a
//! counter into that monotonic time, and [`ticks_diff`] / [`ticks_to_time`] /
//! [`time_to_ticks`] convert Python's wrap-around millisecond ticks (as used
//! by `call_at_`) to and from it.

/// Errors of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// The counter period is not 2^1 .. 2^64.
    BadPeriod,
}

/// Mask of a counter that wraps at `2^bits`, or `None` for a bad period.
#[inline(always)]
pub fn period_mask(bits: u32) -> Result<u64, TimeError> {
    if !(1..=64).contains(&bits) {
        return Err(TimeError::BadPeriod);
    }
    // In 32-bit halves: a 64-bit shift by a variable is a library call on
    // 32-bit targets.
    let low = u32::MAX >> (32 - bits.min(32));
    let high = if bits > 32 {
        u32::MAX >> (64 - bits)
    } else {
        0
    };
    Ok(u64::from(high) << 32 | u64::from(low))
}

/// Extends a counter that wraps at `2^bits` into monotonic `u64` time.
///
/// Extend (`uaio_clock_extend`) at least once per counter period (each call may
/// see the counter advance by less than one full period); the result never
/// goes backwards.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Last raw reading, masked.
    last: u64,
    /// Monotonic time at `last`.
    now: u64,
    /// `2^bits - 1`.
    mask: u64,
}

impl Clock {
    /// A clock for a counter of period `2^bits` whose first reading is `raw`;
    /// the monotonic time starts at `start`.
    pub fn new(bits: u32, raw: u64, start: u64) -> Result<Self, TimeError> {
        let mask = period_mask(bits)?;
        Ok(Clock {
            last: raw & mask,
            now: start,
            mask,
        })
    }

    /// Monotonic time at the raw counter value `raw`.
    pub fn extend(&mut self, raw: u64) -> u64 {
        let raw = raw & self.mask;
        let delta = raw.wrapping_sub(self.last) & self.mask;
        self.last = raw;
        self.now = self.now.saturating_add(delta);
        self.now
    }

    /// The time returned by the last call of [`Clock::extend`].
    pub fn now(&self) -> u64 {
        self.now
    }
}

/// Signed distance `a - b` between two ticks of a counter wrapping at
/// `2^bits`, in `[-2^(bits-1), 2^(bits-1))` (MicroPython's `ticks_diff`).
pub fn ticks_diff(a: u64, b: u64, bits: u32) -> Result<i64, TimeError> {
    let mask = period_mask(bits)?;
    let d = a.wrapping_sub(b) & mask;
    let half = (mask >> 1).wrapping_add(1);
    // Values at or above half the period are negative distances.
    Ok(if d >= half {
        (d as i64).wrapping_sub(mask as i64).wrapping_sub(1)
    } else {
        d as i64
    })
}

/// The monotonic time (unit: `unit` per tick, e.g. 1000 µs per ms tick) of
/// `ticks`, given that `now_ticks` corresponds to `now`. Clamped to
/// `0..=u64::MAX` at the ends.
pub fn ticks_to_time(
    ticks: u64,
    now_ticks: u64,
    now: u64,
    unit: u64,
    bits: u32,
) -> Result<u64, TimeError> {
    if unit == 0 {
        return Err(TimeError::BadPeriod);
    }
    let diff = ticks_diff(ticks, now_ticks, bits)?;
    let offset = diff.unsigned_abs().saturating_mul(unit);
    Ok(if diff >= 0 {
        now.saturating_add(offset)
    } else {
        now.saturating_sub(offset)
    })
}

/// The ticks of monotonic time `time`, given that `now` corresponds to
/// `now_ticks`; time between two ticks rounds down to the earlier tick.
pub fn time_to_ticks(
    time: u64,
    now_ticks: u64,
    now: u64,
    unit: u64,
    bits: u32,
) -> Result<u64, TimeError> {
    let mask = period_mask(bits)?;
    if unit == 0 {
        return Err(TimeError::BadPeriod);
    }
    // Ticks are reduced modulo the period, which divides 2^64, so wrapping
    // arithmetic on the low bits is exact.
    let ticks = if time >= now {
        now_ticks.wrapping_add((time - now) / unit)
    } else {
        now_ticks.wrapping_sub((now - time).div_ceil(unit))
    };
    Ok(ticks & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_periods_are_rejected() {
        assert_eq!(period_mask(0), Err(TimeError::BadPeriod));
        assert_eq!(period_mask(65), Err(TimeError::BadPeriod));
        assert!(Clock::new(0, 0, 0).is_err());
        assert_eq!(time_to_ticks(0, 0, 0, 0, 30), Err(TimeError::BadPeriod));
        assert_eq!(ticks_to_time(0, 0, 0, 0, 30), Err(TimeError::BadPeriod));
        assert_eq!(period_mask(64), Ok(u64::MAX));
        assert_eq!(period_mask(30), Ok((1 << 30) - 1));
    }

    #[test]
    fn ticks_diff_matches_micropython() {
        let p = 1u64 << 30;
        assert_eq!(ticks_diff(5, 3, 30), Ok(2));
        assert_eq!(ticks_diff(3, 5, 30), Ok(-2));
        assert_eq!(ticks_diff(1, p - 1, 30), Ok(2));
        assert_eq!(ticks_diff(p - 1, 1, 30), Ok(-2));
        assert_eq!(ticks_diff(p / 2, 0, 30), Ok(-(1 << 29)));
        assert_eq!(ticks_diff(p / 2 - 1, 0, 30), Ok((1 << 29) - 1));
        assert_eq!(ticks_diff(0, u64::MAX, 64), Ok(1));
        assert_eq!(ticks_diff(1 << 63, 0, 64), Ok(i64::MIN));
    }

    #[test]
    fn clock_extends_across_every_wrap_point() {
        for bits in [16u32, 30, 32, 62, 64] {
            let mask = period_mask(bits).unwrap_or(0);
            let start = mask - 5;
            let mut c = Clock::new(bits, start, 1000).unwrap_or(Clock {
                last: 0,
                now: 0,
                mask: 0,
            });
            let mut raw = start;
            let mut expect = 1000u64;
            for step in [1u64, 3, 7, 100, mask / 3, mask / 2] {
                raw = raw.wrapping_add(step) & mask;
                expect += step;
                assert_eq!(c.extend(raw), expect, "bits {bits} step {step}");
            }
            // Same reading twice does not advance.
            assert_eq!(c.extend(raw), expect);
            assert_eq!(c.now(), expect);
        }
    }

    #[test]
    fn ticks_round_trip_across_the_wrap() {
        let bits = 30;
        let mask = (1u64 << bits) - 1;
        let now_ticks = mask - 2; // just before the wrap
        let now = 5_000_000u64; // µs
                                // 10 ms in the future lies past the wrap.
        let t = (now_ticks + 10) & mask;
        assert_eq!(
            ticks_to_time(t, now_ticks, now, 1000, bits),
            Ok(now + 10_000)
        );
        assert_eq!(
            time_to_ticks(now + 10_000, now_ticks, now, 1000, bits),
            Ok(t)
        );
        // Partial ms rounds down; past times work too.
        assert_eq!(
            time_to_ticks(now + 10_999, now_ticks, now, 1000, bits),
            Ok(t)
        );
        assert_eq!(
            time_to_ticks(now - 1, now_ticks, now, 1000, bits),
            Ok(now_ticks - 1)
        );
        assert_eq!(
            ticks_to_time((now_ticks - 3) & mask, now_ticks, now, 1000, bits),
            Ok(now - 3000)
        );
        // Clamped at zero.
        assert_eq!(
            ticks_to_time((now_ticks - 10_000) & mask, now_ticks, now, 1000, bits),
            Ok(0)
        );
    }
}
