#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The time functions of the C API against models in unbounded (i128 /
//! u128) arithmetic: the clock extension is a running sum, `ticks_diff` is
//! MicroPython's definition, the conversions are exact division.

use std::mem::MaybeUninit;

use proptest::prelude::*;
use uaio::ffi::{
    uaio_clock_extend, uaio_clock_init, uaio_ticks_diff, uaio_ticks_to_time, uaio_time_to_ticks,
    UAIO_EINVAL, UAIO_OK,
};
use uaio::time::Clock;

const SENTINEL: u64 = 0x5E47_1E55_DEAD_BEEF;

fn period(bits: u32) -> i128 {
    1i128 << bits
}

fn mask(bits: u32) -> u64 {
    (period(bits) - 1) as u64
}

/// MicroPython: `((a - b + half) mod period) - half`.
fn model_diff(a: u64, b: u64, bits: u32) -> i128 {
    let p = period(bits);
    let half = p / 2;
    (i128::from(a) - i128::from(b) + half).rem_euclid(p) - half
}

/// `now + diff * unit`, clamped to the u64 range.
fn model_ticks_to_time(ticks: u64, now_ticks: u64, now: u64, unit: u64, bits: u32) -> u64 {
    let t = i128::from(now) + model_diff(ticks, now_ticks, bits) * i128::from(unit);
    t.clamp(0, i128::from(u64::MAX)) as u64
}

/// `now_ticks + floor((time - now) / unit)`, modulo the period.
fn model_time_to_ticks(time: u64, now_ticks: u64, now: u64, unit: u64, bits: u32) -> u64 {
    let q = (i128::from(time) - i128::from(now)).div_euclid(i128::from(unit));
    (i128::from(now_ticks) + q).rem_euclid(period(bits)) as u64
}

fn new_clock(bits: u32, raw: u64, start: u64) -> Clock {
    let mut c = MaybeUninit::<Clock>::uninit();
    // SAFETY: valid for writes; initialised on success, checked.
    assert_eq!(
        unsafe { uaio_clock_init(c.as_mut_ptr(), bits, raw, start) },
        UAIO_OK
    );
    // SAFETY: init returned UAIO_OK.
    unsafe { c.assume_init() }
}

fn bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        proptest::sample::select(&[8u32, 16, 30, 32, 62, 64][..]),
        1u32..=64,
    ]
}

/// A step of the counter, `< period`: tiny, anything, or almost a full period.
fn step(bits: u32) -> impl Strategy<Value = u64> {
    let m = mask(bits);
    prop_oneof![
        (0u64..16).prop_map(move |s| s.min(m)),
        any::<u64>().prop_map(move |s| s & m),
        (0u64..16).prop_map(move |s| m.saturating_sub(s)),
    ]
}

/// A start time: anywhere, at 0, or near the top so that the sum saturates.
fn start_time() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        any::<u64>(),
        (0u64..1 << 20).prop_map(|d| u64::MAX - d),
    ]
}

fn unit() -> impl Strategy<Value = u64> {
    prop_oneof![Just(1u64), Just(1000), 1u64..=1 << 20, 1u64..=u64::MAX]
}

/// Ticks of a `bits` counter: anywhere, or near the wrap.
fn ticks(bits: u32) -> impl Strategy<Value = u64> {
    let m = mask(bits);
    prop_oneof![
        any::<u64>().prop_map(move |t| t & m),
        (0u64..8).prop_map(move |d| m.wrapping_sub(d) & m),
        (0u64..8).prop_map(move |d| d & m),
        (0u64..8).prop_map(move |d| ((m >> 1) + d) & m),
    ]
}

fn case_with_steps() -> impl Strategy<Value = (u32, u64, u64, Vec<(u64, bool)>)> {
    bits().prop_flat_map(|b| {
        let m = mask(b);
        (
            Just(b),
            // The counter starts just before its wrap.
            (0u64..8).prop_map(move |k| m.saturating_sub(k)),
            start_time(),
            proptest::collection::vec(
                (step(b), proptest::bool::weighted(0.1)),
                1..if cfg!(miri) { 50 } else { 200 },
            ),
        )
    })
}

proptest! {
    // Miri interprets every step: a few cases there.
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 3 } else { 512 }, ..ProptestConfig::default() })]

    /// Extending equals the running sum of the steps, saturating at the top.
    #[test]
    fn clock_extend_is_the_running_sum((bits, raw0, start, steps) in case_with_steps()) {
        let m = mask(bits);
        let mut clock = new_clock(bits, raw0, start);
        let mut raw = raw0;
        let mut sum = u128::from(start);
        for (i, (s, null_out)) in steps.into_iter().enumerate() {
            raw = raw.wrapping_add(s) & m;
            sum += u128::from(s);
            let want = sum.min(u128::from(u64::MAX)) as u64;
            if null_out {
                // SAFETY: an initialised clock; NULL out is allowed.
                let rc = unsafe { uaio_clock_extend(&mut clock, raw, std::ptr::null_mut()) };
                prop_assert_eq!(rc, UAIO_OK);
                continue;
            }
            let mut now = SENTINEL;
            // SAFETY: an initialised clock and a valid out-pointer.
            let rc = unsafe { uaio_clock_extend(&mut clock, raw, &mut now) };
            prop_assert_eq!((rc, now), (UAIO_OK, want), "bits {} step {} (+{})", bits, i, s);
        }
    }

    #[test]
    fn ticks_diff_is_micropythons(bits in bits(), a in any::<u64>(), b in any::<u64>(),
                                  masked in any::<bool>()) {
        let (a, b) = if masked { (a & mask(bits), b & mask(bits)) } else { (a, b) };
        let mut out = i64::MIN + 7;
        // SAFETY: valid out-pointer.
        let rc = unsafe { uaio_ticks_diff(a, b, bits, &mut out) };
        prop_assert_eq!(rc, UAIO_OK);
        prop_assert_eq!(i128::from(out), model_diff(a, b, bits));
    }

    #[test]
    fn ticks_to_time_matches_model((bits, t, nt) in bits().prop_flat_map(|b| (Just(b), ticks(b), ticks(b))),
                                   now in start_time(), unit in unit()) {
        let mut out = SENTINEL;
        // SAFETY: valid out-pointer.
        let rc = unsafe { uaio_ticks_to_time(t, nt, now, unit, bits, &mut out) };
        prop_assert_eq!((rc, out), (UAIO_OK, model_ticks_to_time(t, nt, now, unit, bits)));
    }

    #[test]
    fn time_to_ticks_matches_model((bits, nt) in bits().prop_flat_map(|b| (Just(b), ticks(b))),
                                   time in start_time(), now in start_time(), unit in unit()) {
        let mut out = SENTINEL;
        // SAFETY: valid out-pointer.
        let rc = unsafe { uaio_time_to_ticks(time, nt, now, unit, bits, &mut out) };
        prop_assert_eq!((rc, out), (UAIO_OK, model_time_to_ticks(time, nt, now, unit, bits)));
    }

    /// Ticks within half a period of now survive the trip to time and back
    /// (unit 1000: ms ticks, µs time), as long as the time is representable.
    #[test]
    fn ticks_round_trip_within_half_a_period(
        (bits, nt) in bits().prop_flat_map(|b| (Just(b), ticks(b))),
        now in start_time(), which in 0u8..4, frac in 0.0f64..=1.0, small in -20i64..20,
        partial in 0u64..1000) {
        const UNIT: u64 = 1000;
        let half = period(bits) / 2;
        // Offsets in [-half, half) that keep now + diff * UNIT within u64.
        let lo = (-half).max(-(i128::from(now) / i128::from(UNIT)));
        let hi = (half - 1).min(i128::from(u64::MAX - now) / i128::from(UNIT));
        let diff = match which {
            0 => i128::from(small),
            1 => lo,
            2 => hi,
            _ => lo + ((hi - lo) as f64 * frac) as i128,
        }
        .clamp(lo, hi);
        let t = (i128::from(nt) + diff).rem_euclid(period(bits)) as u64;

        let mut time = SENTINEL;
        // SAFETY: valid out-pointer.
        prop_assert_eq!(unsafe { uaio_ticks_to_time(t, nt, now, UNIT, bits, &mut time) }, UAIO_OK);
        prop_assert_eq!(i128::from(time), i128::from(now) + diff * i128::from(UNIT));
        let mut back = SENTINEL;
        // SAFETY: valid out-pointer.
        prop_assert_eq!(unsafe { uaio_time_to_ticks(time, nt, now, UNIT, bits, &mut back) }, UAIO_OK);
        prop_assert_eq!(back, t);
        // Part of a tick later still rounds down to the same tick.
        if let Some(later) = time.checked_add(partial) {
            // SAFETY: valid out-pointer.
            prop_assert_eq!(unsafe { uaio_time_to_ticks(later, nt, now, UNIT, bits, &mut back) }, UAIO_OK);
            prop_assert_eq!(back, t);
        }
    }

    /// Bad periods and unit 0 are rejected and leave every output alone.
    #[test]
    fn invalid_arguments_leave_outputs_untouched(
        bad in prop_oneof![Just(0u32), Just(65), Just(100), 65u32..=u32::MAX],
        good in 1u32..=64, a in any::<u64>(), b in any::<u64>(), c in any::<u64>()) {
        for (bits, unit) in [(bad, 1000), (bad, 0), (good, 0)] {
            let (mut u, mut i) = (SENTINEL, i64::MIN + 7);
            // SAFETY: valid out-pointers.
            unsafe {
                prop_assert_eq!(uaio_ticks_to_time(a, b, c, unit, bits, &mut u), UAIO_EINVAL);
                prop_assert_eq!(uaio_time_to_ticks(a, b, c, unit, bits, &mut u), UAIO_EINVAL);
                if bits == bad {
                    prop_assert_eq!(uaio_ticks_diff(a, b, bits, &mut i), UAIO_EINVAL);
                }
            }
            prop_assert_eq!((u, i), (SENTINEL, i64::MIN + 7));
        }

        // A running clock is not reset by a failed init.
        let mut clock = new_clock(good, a, b);
        let before = clock;
        // SAFETY: a valid clock.
        prop_assert_eq!(unsafe { uaio_clock_init(&mut clock, bad, c, c) }, UAIO_EINVAL);
        prop_assert_eq!(clock, before);

        // Nor is uninitialised memory written.
        let mut raw = MaybeUninit::<Clock>::uninit();
        // SAFETY: writing bytes into our own buffer.
        unsafe { std::ptr::write_bytes(raw.as_mut_ptr(), 0xA5, 1) };
        // SAFETY: valid for writes.
        prop_assert_eq!(unsafe { uaio_clock_init(raw.as_mut_ptr(), bad, a, b) }, UAIO_EINVAL);
        // SAFETY: every byte was written above.
        let bytes: [u8; std::mem::size_of::<Clock>()] = unsafe { std::mem::transmute(raw) };
        prop_assert!(bytes.iter().all(|&x| x == 0xA5));
    }
}

#[test]
fn null_pointers_are_rejected() {
    // SAFETY: NULL is allowed everywhere and must be rejected.
    unsafe {
        assert_eq!(uaio_clock_init(std::ptr::null_mut(), 32, 0, 0), UAIO_EINVAL);
        assert_eq!(
            uaio_clock_extend(std::ptr::null_mut(), 0, std::ptr::null_mut()),
            UAIO_EINVAL
        );
        // NULL outputs are fine where the call itself is valid.
        assert_eq!(uaio_ticks_diff(1, 2, 30, std::ptr::null_mut()), UAIO_OK);
        assert_eq!(
            uaio_ticks_to_time(1, 2, 3, 1000, 30, std::ptr::null_mut()),
            UAIO_OK
        );
        assert_eq!(
            uaio_time_to_ticks(1, 2, 3, 1000, 30, std::ptr::null_mut()),
            UAIO_OK
        );
    }
}

/// The same reading twice does not advance; a period minus one after the
/// wrap does, by exactly that much (saturating at 64 bits).
#[test]
fn clock_extremes_at_every_width() {
    for bits in 1..=64 {
        let m = mask(bits);
        let mut c = new_clock(bits, m, 10);
        let mut now = 0;
        // SAFETY: initialised clock, valid out-pointer.
        unsafe {
            assert_eq!(uaio_clock_extend(&mut c, m, &mut now), UAIO_OK);
            assert_eq!(now, 10, "bits {bits}: no movement");
            assert_eq!(uaio_clock_extend(&mut c, 0, &mut now), UAIO_OK);
            assert_eq!(now, 11, "bits {bits}: across the wrap");
            assert_eq!(uaio_clock_extend(&mut c, m, &mut now), UAIO_OK);
            let want = (11 + u128::from(m)).min(u128::from(u64::MAX));
            assert_eq!(u128::from(now), want, "bits {bits}: almost a period");
        }
    }
}
