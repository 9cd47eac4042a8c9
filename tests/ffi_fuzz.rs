#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Fuzzing the C API: long random sequences of `uaio_*` calls, made through
//! raw pointers as a C caller makes them (caller-owned storage full of junk,
//! out-parameters pre-filled with a sentinel, handles, result codes), each
//! checked against a reference model written from the header's contract:
//!
//! * timers: a `Vec` kept sorted by (deadline, push order) per queue, fed
//!   with time from a `uaio_clock` whose counter starts just before its wrap
//!   (every period from 2^1 to 2^64) and jumps across it; `call_at_`-style
//!   deadlines from wrap-around ticks; handles live, stale, foreign, garbage;
//!   storage grown, shrunk, emptied and full.
//! * I/O: per-object armed / fired-untaken waits and a FIFO of fired objects,
//!   with real fds (socket pairs, both ends of pipes) whose readiness the
//!   harness asks the kernel itself (poll with no timeout) just before each
//!   `uaio_io_wait`, objects without fd answered by a hook, fds closed and
//!   their numbers reused, and a world with enough fds for the epoll path.
//!
//! `UAIO_FUZZ_SEED` picks the sequence (printed; a failure prints how to
//! replay it), `UAIO_FUZZ_OPS` the number of operations over all worlds.
//! The sequence does not depend on the count: a failure at op N replays
//! with any count above N.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::{c_void, CStr};
use std::fmt::Debug;
use std::mem::MaybeUninit;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use uaio::ffi::*;
use uaio::poll::IoSlot;
use uaio::time::Clock;
use uaio::timerq::TimerSlot;

/// Pre-filled into every out-parameter: a call that fails must leave it.
const SENTINEL: u64 = 0x5E47_1E55_DEAD_BEEF;
const DEFAULT_SEED: u64 = 0x75A1_0F22_0000_0006;
/// Operations over all worlds when `UAIO_FUZZ_OPS` is not set.
const DEFAULT_OPS: u64 = if cfg!(miri) { 2_000 } else { 1_200_000 };
/// Last operations printed when a world fails.
const TRAIL: usize = 24;

// ---------------------------------------------------------------- set-up

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?.trim().replace('_', "");
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={v}: not a number")))
}

fn seed() -> u64 {
    env_u64("UAIO_FUZZ_SEED").unwrap_or(DEFAULT_SEED)
}

/// This world's operations: `permille` of the total.
fn budget(permille: u64) -> u64 {
    let total = env_u64("UAIO_FUZZ_OPS").unwrap_or(DEFAULT_OPS);
    (total.saturating_mul(permille) / 1000).max(1)
}

/// splitmix64: small, fixed, and a different generator from the model tests'.
struct Rng(u64);

impl Rng {
    fn for_world(seed: u64, world: &str) -> Rng {
        // FNV-1a of the name: each world draws its own sequence.
        let h = world.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
        });
        let mut r = Rng(seed ^ h);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn idx(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True `num` times in `den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.idx(xs.len())]
    }
}

/// Counts a world's operations and, if the world panics, says how to
/// replay it and what it did last.
struct Run<T: Debug> {
    world: &'static str,
    seed: u64,
    ops: u64,
    budget: u64,
    trail: VecDeque<T>,
}

impl<T: Debug> Run<T> {
    fn new(world: &'static str, permille: u64) -> Self {
        let (seed, budget) = (seed(), budget(permille));
        eprintln!("ffi_fuzz {world}: seed {seed:#x}, {budget} ops");
        Run {
            world,
            seed,
            ops: 0,
            budget,
            trail: VecDeque::with_capacity(TRAIL),
        }
    }

    fn more(&self) -> bool {
        self.ops < self.budget
    }

    fn record(&mut self, op: T) {
        if self.trail.len() == TRAIL {
            self.trail.pop_front();
        }
        self.trail.push_back(op);
        self.ops += 1;
    }
}

impl<T: Debug> Drop for Run<T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "ffi_fuzz {}: FAILED at op {} (seed {:#x}); replay with\n  \
                 UAIO_FUZZ_SEED={:#x} cargo test --release --test ffi_fuzz {}\n\
                 last operations, oldest first:",
                self.world, self.ops, self.seed, self.seed, self.world
            );
            for op in &self.trail {
                eprintln!("  {op:?}");
            }
        }
    }
}

/// `n` elements of junk: the library must not rely on what storage holds.
fn junk<T: Default + Clone>(n: u32, byte: u8) -> Vec<T> {
    let mut v = vec![T::default(); n as usize];
    // SAFETY: only used for the slot and pollfd types, plain integers for
    // which every byte pattern is valid.
    unsafe { std::ptr::write_bytes(v.as_mut_ptr(), byte, v.len()) };
    v
}

/// The storage pointer as C passes it: NULL for no elements.
fn ptr_or_null<T>(v: &mut [T]) -> *mut T {
    if v.is_empty() {
        null_mut()
    } else {
        v.as_mut_ptr()
    }
}

/// Storage the library moved away from: overwritten and kept allocated, so
/// that a library still using it reads garbage (and fails the model), not
/// freed memory.
fn bury<T>(graveyard: &mut VecDeque<Vec<T>>, mut old: Vec<T>) {
    // SAFETY: plain integers, any byte pattern is valid.
    unsafe { std::ptr::write_bytes(old.as_mut_ptr(), 0x5A, old.len()) };
    graveyard.push_back(old);
    if graveyard.len() > 4 {
        graveyard.pop_front();
    }
}

// ---------------------------------------------------------------- models of time

/// MicroPython's `ticks_diff`: `((a - b + half) mod period) - half`.
fn model_diff(a: u64, b: u64, bits: u32) -> i128 {
    let p = 1i128 << bits;
    (i128::from(a) - i128::from(b) + p / 2).rem_euclid(p) - p / 2
}

fn clamp_u64(x: i128) -> u64 {
    x.clamp(0, i128::from(u64::MAX)) as u64
}

fn mask_of(bits: u32) -> u64 {
    ((1u128 << bits) - 1) as u64
}

/// Where monotonic time and deadlines cluster: the wrap points of the
/// counters a caller extends, and the end of u64 time.
const TIME_BASES: [u64; 8] = [
    0,
    1 << 30,
    1 << 32,
    1 << 62,
    1 << 63,
    u64::MAX - (1 << 40),
    u64::MAX - 1_000_000,
    u64::MAX,
];

/// Counter periods, in bits, that ports have; any of 1..=64 is also drawn.
const PERIODS: [u32; 8] = [8, 16, 24, 30, 32, 48, 62, 64];

const CODES: [i32; 9] = [
    UAIO_OK,
    UAIO_EINVAL,
    UAIO_EFULL,
    UAIO_ENOENT,
    UAIO_EBUSY,
    UAIO_EINTR,
    UAIO_EIO,
    UAIO_ENOTSUP,
    UAIO_ETOOSMALL,
];

fn strerror(code: i32) -> String {
    let p = uaio_strerror(code);
    assert!(!p.is_null(), "strerror({code}) is NULL");
    // SAFETY: the API returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .expect("strerror is UTF-8")
        .to_owned()
}

// ---------------------------------------------------------------- timers

/// What a cancelled handle was, for the trail and the statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
enum HandleKind {
    Live,
    Issued,
    Foreign,
    Zero,
    Random,
    Flipped,
    NextGen,
    NextSlot,
}

#[derive(Debug, Clone, Copy)]
enum TOp {
    Tick {
        raw: u64,
        null_out: bool,
    },
    ClockInit {
        bits: u32,
        raw: u64,
        start: u64,
    },
    Push {
        q: usize,
        deadline: u64,
        null_out: bool,
        grow: bool,
    },
    /// `call_at_`: a deadline in wrap-around ticks `diff` from now.
    CallAt {
        q: usize,
        bits: u32,
        unit: u64,
        now_ticks: u64,
        diff: i128,
    },
    PopDue {
        q: usize,
        now: u64,
        all: bool,
        null_out: bool,
    },
    Pop {
        q: usize,
        null_d: bool,
        null_t: bool,
    },
    Peek {
        q: usize,
        null_d: bool,
        null_t: bool,
    },
    Timeout {
        q: usize,
        now: u64,
        null_out: bool,
    },
    Cancel {
        q: usize,
        handle: u64,
        kind: HandleKind,
        null_out: bool,
    },
    Grow {
        q: usize,
        extra: u32,
    },
    /// Into `below` slots fewer than were ever handed out (0: exactly that).
    Shrink {
        q: usize,
        below: u32,
    },
    /// Into no storage at all (NULL, 0 slots).
    MoveToNothing {
        q: usize,
    },
    Reinit {
        q: usize,
        cap: u32,
    },
    Null(u32),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: u64,
    seq: u64,
    token: u64,
    /// None when pushed with a NULL `out_handle`.
    handle: Option<u64>,
}

struct Tq {
    q: Box<MaybeUninit<uaio_timerq>>,
    slots: Vec<TimerSlot>,
    graveyard: VecDeque<Vec<TimerSlot>>,
    max_cap: u32,
    /// Queued timers, sorted by (deadline, seq).
    model: Vec<Entry>,
    next_seq: u64,
    /// Every handle issued since the queue was initialised: none twice.
    epoch: HashSet<u64>,
    /// Handles issued, recent ones (any epoch): stale and foreign picks.
    issued: Vec<u64>,
    /// Most timers queued at once since init: the slots handed out.
    peak: u32,
}

impl Tq {
    fn new(cap: u32, max_cap: u32) -> Tq {
        let mut t = Tq {
            q: Box::new(MaybeUninit::uninit()),
            slots: junk(cap, 0xA5),
            graveyard: VecDeque::new(),
            max_cap,
            model: Vec::new(),
            next_seq: 0,
            epoch: HashSet::new(),
            issued: Vec::new(),
            peak: 0,
        };
        let p = ptr_or_null(&mut t.slots);
        // SAFETY: the queue and its storage live as long as `t`.
        assert_eq!(unsafe { uaio_timerq_init(t.ptr(), p, cap) }, UAIO_OK);
        t.check();
        t
    }

    fn ptr(&mut self) -> *mut uaio_timerq {
        self.q.as_mut_ptr()
    }

    fn cap(&self) -> u32 {
        self.slots.len() as u32
    }

    fn unknown_handles(&self) -> bool {
        self.model.iter().any(|e| e.handle.is_none())
    }

    fn move_to(&mut self, cap: u32) -> i32 {
        let mut fresh = junk(cap, 0xA5);
        let p = ptr_or_null(&mut fresh);
        let q = self.ptr();
        // SAFETY: `fresh` is valid for `cap` slots and apart from the old.
        let rc = unsafe { uaio_timerq_move(q, p, cap) };
        if rc == UAIO_OK {
            let old = std::mem::replace(&mut self.slots, fresh);
            bury(&mut self.graveyard, old);
        }
        rc
    }

    fn push(&mut self, deadline: u64, token: u64, null_out: bool) -> i32 {
        let mut h = SENTINEL;
        let out: *mut u64 = if null_out { null_mut() } else { &mut h };
        let q = self.ptr();
        // SAFETY: initialised queue; out NULL or valid.
        let rc = unsafe { uaio_timerq_push(q, deadline, token, out) };
        if self.model.len() == self.cap() as usize {
            assert_eq!((rc, h), (UAIO_EFULL, SENTINEL), "push into a full queue");
            return rc;
        }
        assert_eq!(
            rc,
            UAIO_OK,
            "push with {} of {} slots used",
            self.model.len(),
            self.cap()
        );
        let handle = if null_out {
            None
        } else {
            assert_ne!(h, 0, "handle 0");
            assert!(self.epoch.insert(h), "handle {h:#x} issued twice");
            // The header: handles are slot indices.
            assert!((h & 0xffff_ffff) < u64::from(self.cap()), "handle {h:#x}");
            if self.issued.len() >= 4096 {
                let i = (h as usize) % self.issued.len();
                self.issued[i] = h;
            } else {
                self.issued.push(h);
            }
            Some(h)
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        let at = self
            .model
            .partition_point(|e| (e.deadline, e.seq) < (deadline, seq));
        self.model.insert(
            at,
            Entry {
                deadline,
                seq,
                token,
                handle,
            },
        );
        self.peak = self.peak.max(self.model.len() as u32);
        rc
    }

    fn cancel(&mut self, h: u64, null_out: bool) -> i32 {
        let known = self.model.iter().position(|e| e.handle == Some(h));
        // With a NULL out the model could not tell which unknown timer went.
        let null_out = null_out && (known.is_some() || !self.unknown_handles());
        let mut t = SENTINEL;
        let out: *mut u64 = if null_out { null_mut() } else { &mut t };
        let q = self.ptr();
        // SAFETY: initialised queue; out NULL or valid.
        let rc = unsafe { uaio_timerq_cancel(q, h, out) };
        match known {
            Some(i) => {
                let e = self.model.remove(i);
                assert_eq!(rc, UAIO_OK, "cancel of live {h:#x}");
                if !null_out {
                    assert_eq!(t, e.token, "token of cancelled {h:#x}");
                }
            }
            None if rc == UAIO_OK => {
                // Only a timer pushed without taking its handle may have it.
                assert!(
                    !self.epoch.contains(&h),
                    "cancel of stale {h:#x} removed a timer"
                );
                let i = self
                    .model
                    .iter()
                    .position(|e| e.handle.is_none() && e.token == t)
                    .unwrap_or_else(|| panic!("cancel({h:#x}) gave token {t:#x}, not queued"));
                self.model.remove(i);
                self.epoch.insert(h);
            }
            None => assert_eq!((rc, t), (UAIO_ENOENT, SENTINEL), "cancel of {h:#x}"),
        }
        rc
    }

    fn pop(&mut self, null_d: bool, null_t: bool) {
        let (mut d, mut t) = (SENTINEL, SENTINEL);
        let pd: *mut u64 = if null_d { null_mut() } else { &mut d };
        let pt: *mut u64 = if null_t { null_mut() } else { &mut t };
        let q = self.ptr();
        // SAFETY: initialised queue; outs NULL or valid.
        let rc = unsafe { uaio_timerq_pop(q, pd, pt) };
        if self.model.is_empty() {
            assert_eq!(
                (rc, d, t),
                (UAIO_ENOENT, SENTINEL, SENTINEL),
                "pop of empty"
            );
            return;
        }
        let e = self.model.remove(0);
        assert_eq!(rc, UAIO_OK, "pop");
        let want_d = if null_d { SENTINEL } else { e.deadline };
        let want_t = if null_t { SENTINEL } else { e.token };
        assert_eq!((d, t), (want_d, want_t), "pop: (deadline, token) of {e:?}");
    }

    fn pop_due(&mut self, now: u64, null_out: bool) -> bool {
        let mut t = SENTINEL;
        let out: *mut u64 = if null_out { null_mut() } else { &mut t };
        let q = self.ptr();
        // SAFETY: initialised queue; out NULL or valid.
        let rc = unsafe { uaio_timerq_pop_due(q, now, out) };
        match self.model.first() {
            Some(e) if e.deadline <= now => {
                let e = self.model.remove(0);
                let want = if null_out { SENTINEL } else { e.token };
                assert_eq!((rc, t), (UAIO_OK, want), "pop_due({now}) of {e:?}");
                true
            }
            head => {
                assert_eq!(
                    (rc, t),
                    (UAIO_ENOENT, SENTINEL),
                    "pop_due({now}), head {head:?}"
                );
                false
            }
        }
    }

    fn peek(&mut self, null_d: bool, null_t: bool) {
        let (mut d, mut t) = (SENTINEL, SENTINEL);
        let pd: *mut u64 = if null_d { null_mut() } else { &mut d };
        let pt: *mut u64 = if null_t { null_mut() } else { &mut t };
        let q = self.ptr();
        // SAFETY: initialised queue; outs NULL or valid.
        let rc = unsafe { uaio_timerq_peek(q, pd, pt) };
        match self.model.first() {
            None => assert_eq!(
                (rc, d, t),
                (UAIO_ENOENT, SENTINEL, SENTINEL),
                "peek of empty"
            ),
            Some(e) => {
                let want_d = if null_d { SENTINEL } else { e.deadline };
                let want_t = if null_t { SENTINEL } else { e.token };
                assert_eq!((rc, d, t), (UAIO_OK, want_d, want_t), "peek");
            }
        }
    }

    fn timeout(&mut self, now: u64, null_out: bool) {
        let mut t = i64::MIN + 3;
        let out: *mut i64 = if null_out { null_mut() } else { &mut t };
        let q = self.ptr();
        // SAFETY: initialised queue; out NULL or valid.
        let rc = unsafe { uaio_timerq_timeout(q, now, out) };
        let want = match self.model.first() {
            None => -1,
            Some(e) if e.deadline <= now => 0,
            Some(e) => i64::try_from(e.deadline - now).unwrap_or(i64::MAX),
        };
        let want = if null_out { i64::MIN + 3 } else { want };
        assert_eq!((rc, t), (UAIO_OK, want), "timeout({now})");
    }

    /// The queue's observable state equals the model's.
    fn check(&mut self) {
        let q = self.ptr();
        // SAFETY: initialised queue.
        let (len, cap) = unsafe { (uaio_timerq_len(q), uaio_timerq_capacity(q)) };
        assert_eq!(len as usize, self.model.len(), "len");
        assert_eq!(cap, self.cap(), "capacity");
        self.peek(false, false);
    }
}

struct TimerWorld {
    rng: Rng,
    run: Run<TOp>,
    clock: Box<MaybeUninit<Clock>>,
    bits: u32,
    raw: u64,
    /// The model's monotonic time: the running sum of the counter's steps.
    now: u64,
    qs: [Tq; 2],
    next_token: u64,
    stats: HashMap<&'static str, u64>,
}

impl TimerWorld {
    fn new(permille: u64) -> Self {
        let run = Run::new("timers", permille);
        let mut w = TimerWorld {
            rng: Rng::for_world(run.seed, "timers"),
            run,
            clock: Box::new(MaybeUninit::uninit()),
            bits: 0,
            raw: 0,
            now: 0,
            // A deep queue, and a small one that is often full.
            qs: [Tq::new(2, 512), Tq::new(1, 12)],
            next_token: 1,
            stats: HashMap::new(),
        };
        let op = w.clock_init_op();
        w.apply(op);
        w
    }

    fn stat(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    fn token(&mut self) -> u64 {
        self.next_token += 1;
        // An odd multiplier is a bijection: unique tokens in no order.
        self.next_token.wrapping_mul(0xD6E8_FEB8_6659_FD93)
    }

    fn clock_init_op(&mut self) -> TOp {
        let bits = if self.rng.chance(1, 4) {
            1 + self.rng.below(64) as u32
        } else {
            self.rng.pick(&PERIODS)
        };
        let mask = mask_of(bits);
        // The counter starts just before its wrap.
        let raw = mask.wrapping_sub(self.rng.below(8)) & mask;
        let start = if self.rng.chance(3, 4) {
            self.now
        } else {
            self.rng
                .pick(&TIME_BASES)
                .wrapping_sub(self.rng.below(5000))
        };
        TOp::ClockInit { bits, raw, start }
    }

    /// The next counter reading: less than a period on, often across the wrap.
    fn tick_op(&mut self) -> TOp {
        let mask = mask_of(self.bits);
        let to_wrap = mask - self.raw;
        let step = match self.rng.below(16) {
            0 => 0,
            1..=5 => self.rng.below(17),
            6..=9 => self.rng.below(1001),
            10 | 11 => to_wrap.saturating_add(self.rng.below(4)).min(mask),
            12 => mask.saturating_sub(self.rng.below(4)),
            // Large jumps make 64-bit time saturate: keep them rare there.
            13 if self.bits <= 40 || self.rng.chance(1, 50) => self.rng.next() & mask,
            _ => self.rng.below(1 << 20) & mask,
        };
        TOp::Tick {
            raw: self.raw.wrapping_add(step) & mask,
            null_out: self.rng.chance(1, 16),
        }
    }

    fn deadline(&mut self) -> u64 {
        let now = self.now;
        match self.rng.below(20) {
            // Equal deadlines are common: FIFO among them.
            0..=5 => now.saturating_add(self.rng.below(4)),
            6..=10 => now.saturating_add(self.rng.below(5000)),
            11 | 12 => now.saturating_add(self.rng.next() >> 32),
            13 | 14 => now.saturating_sub(self.rng.below(1000)),
            15 | 16 => self
                .rng
                .pick(&TIME_BASES)
                .wrapping_add(self.rng.below(7))
                .wrapping_sub(3),
            17 => u64::MAX,
            18 => 0,
            _ => self.rng.next(),
        }
    }

    /// A time to compare deadlines with: mostly now.
    fn at(&mut self) -> u64 {
        match self.rng.below(8) {
            0..=4 => self.now,
            5 => self.now.saturating_add(self.rng.below(5000)),
            6 => self.now.saturating_sub(self.rng.below(5000)),
            _ => self.deadline(),
        }
    }

    fn pick_handle(&mut self, q: usize) -> (u64, HandleKind) {
        let live: Vec<u64> = self.qs[q].model.iter().filter_map(|e| e.handle).collect();
        let any_live = |rng: &mut Rng| (!live.is_empty()).then(|| live[rng.idx(live.len())]);
        let kind = match self.rng.below(20) {
            0..=6 => HandleKind::Live,
            7..=9 => HandleKind::Issued,
            10..=12 => HandleKind::Foreign,
            13 => HandleKind::Zero,
            14 | 15 => HandleKind::Random,
            16 | 17 => HandleKind::Flipped,
            18 => HandleKind::NextGen,
            _ => HandleKind::NextSlot,
        };
        let h = match kind {
            HandleKind::Live => any_live(&mut self.rng),
            HandleKind::Issued => {
                let v = &self.qs[q].issued;
                (!v.is_empty()).then(|| v[self.rng.idx(v.len())])
            }
            HandleKind::Foreign => {
                let v = &self.qs[1 - q].issued;
                (!v.is_empty()).then(|| v[self.rng.idx(v.len())])
            }
            HandleKind::Zero => Some(0),
            HandleKind::Random => Some(match self.rng.below(3) {
                0 => u64::MAX,
                1 => self.rng.below(64) | (self.rng.below(4) << 32),
                _ => self.rng.next(),
            }),
            HandleKind::Flipped => {
                let bit = self.rng.below(64);
                any_live(&mut self.rng).map(|h| h ^ (1 << bit))
            }
            HandleKind::NextGen => any_live(&mut self.rng).map(|h| h.wrapping_add(1 << 32)),
            HandleKind::NextSlot => any_live(&mut self.rng).map(|h| h.wrapping_add(1)),
        };
        match h {
            Some(h) => (h, kind),
            None => (0, HandleKind::Zero),
        }
    }

    fn gen(&mut self) -> TOp {
        let q = usize::from(self.rng.chance(1, 3));
        // Long phases of filling, then of emptying, so that the queue
        // passes through every depth and storage size.
        let filling = (self.run.ops / 20_000) % 2 == 0;
        let pushes = if filling { 30 } else { 14 };
        let r = self.rng.below(pushes + 60);
        if r < pushes {
            return TOp::Push {
                q,
                deadline: self.deadline(),
                null_out: self.rng.chance(1, 20),
                grow: self.rng.chance(4, 5),
            };
        }
        let rng = &mut self.rng;
        match r - pushes {
            0..=13 => self.tick_op(),
            14 if rng.chance(1, 8) => self.clock_init_op(),
            14..=18 => {
                let bits = rng.pick(&[30, 62, 32, 16, 8, 64]);
                let unit = rng.pick(&[1000, 1000, 1000, 1, 1_000_000, 7]);
                let mask = mask_of(bits);
                let now_ticks = match rng.below(3) {
                    0 => mask.wrapping_sub(rng.below(8)) & mask,
                    1 => rng.below(8) & mask,
                    _ => rng.next() & mask,
                };
                let half = 1i128 << (bits - 1);
                let diff = match rng.below(6) {
                    0..=2 => i128::from(rng.below(60)) - 5,
                    3 => -half + i128::from(rng.below(3)),
                    4 => half - 1 - i128::from(rng.below(3)),
                    _ => i128::from(rng.next()).rem_euclid(2 * half) - half,
                };
                TOp::CallAt {
                    q,
                    bits,
                    unit,
                    now_ticks,
                    diff,
                }
            }
            19..=26 => TOp::PopDue {
                q,
                now: self.at(),
                all: self.rng.chance(2, 3),
                null_out: self.rng.chance(1, 10),
            },
            27..=29 => TOp::Pop {
                q,
                null_d: rng.chance(1, 4),
                null_t: rng.chance(1, 4),
            },
            30 | 31 => TOp::Peek {
                q,
                null_d: rng.chance(1, 3),
                null_t: rng.chance(1, 3),
            },
            32..=35 => TOp::Timeout {
                q,
                now: self.at(),
                null_out: self.rng.chance(1, 10),
            },
            36..=50 => {
                let (handle, kind) = self.pick_handle(q);
                TOp::Cancel {
                    q,
                    handle,
                    kind,
                    null_out: self.rng.chance(1, 8),
                }
            }
            51 | 52 => TOp::Grow {
                q,
                extra: 1 + rng.below(16) as u32,
            },
            53 | 54 => TOp::Shrink {
                q,
                below: rng.below(3) as u32,
            },
            55 if rng.chance(1, 8) => TOp::MoveToNothing { q },
            55 if rng.chance(1, 50) => TOp::Reinit {
                q,
                cap: rng.below(6) as u32,
            },
            _ => TOp::Null(rng.below(16) as u32),
        }
    }

    fn apply(&mut self, op: TOp) {
        self.run.record(op);
        match op {
            TOp::Tick { raw, null_out } => {
                let mask = mask_of(self.bits);
                let step = raw.wrapping_sub(self.raw) & mask;
                self.now = clamp_u64(i128::from(self.now) + i128::from(step));
                self.raw = raw;
                let mut out = SENTINEL;
                let p: *mut u64 = if null_out { null_mut() } else { &mut out };
                // SAFETY: an initialised clock; out NULL or valid.
                let rc = unsafe { uaio_clock_extend(self.clock.as_mut_ptr(), raw, p) };
                let want = if null_out { SENTINEL } else { self.now };
                assert_eq!(
                    (rc, out),
                    (UAIO_OK, want),
                    "extend: {} bits, +{step}",
                    self.bits
                );
                if step > mask / 2 {
                    self.stat("clock: long jumps");
                }
                if raw < step {
                    self.stat("clock: wraps crossed");
                }
            }
            TOp::ClockInit { bits, raw, start } => {
                // SAFETY: valid for writes.
                let rc = unsafe { uaio_clock_init(self.clock.as_mut_ptr(), bits, raw, start) };
                assert_eq!(rc, UAIO_OK, "clock_init({bits})");
                (self.bits, self.raw, self.now) = (bits, raw, start);
                self.stat("clock: inits");
            }
            TOp::Push {
                q,
                deadline,
                null_out,
                grow,
            } => {
                let token = self.token();
                let t = &mut self.qs[q];
                if t.push(deadline, token, null_out) == UAIO_EFULL {
                    *self.stats.entry("timerq: EFULL").or_default() += 1;
                    let t = &mut self.qs[q];
                    if grow && t.cap() < t.max_cap {
                        let cap = (t.cap() * 2).clamp(1, t.max_cap);
                        assert_eq!(t.move_to(cap), UAIO_OK, "grow to {cap}");
                        assert_eq!(t.push(deadline, token, null_out), UAIO_OK, "after growing");
                    }
                }
            }
            TOp::CallAt {
                q,
                bits,
                unit,
                now_ticks,
                diff,
            } => {
                let p = 1i128 << bits;
                let ticks = (i128::from(now_ticks) + diff).rem_euclid(p) as u64;
                let now = self.now;
                let (mut d, mut time, mut back) = (i64::MIN + 1, SENTINEL, SENTINEL);
                // SAFETY: valid out-pointers.
                let rcs = unsafe {
                    (
                        uaio_ticks_diff(ticks, now_ticks, bits, &mut d),
                        uaio_ticks_to_time(ticks, now_ticks, now, unit, bits, &mut time),
                    )
                };
                let want_diff = model_diff(ticks, now_ticks, bits);
                assert_eq!(want_diff, diff, "model: the diff drawn is in range");
                let want_time = clamp_u64(i128::from(now) + want_diff * i128::from(unit));
                assert_eq!(
                    (rcs, i128::from(d), time),
                    ((UAIO_OK, UAIO_OK), want_diff, want_time),
                    "ticks {ticks} at {now_ticks} ({bits} bits), unit {unit}, now {now}"
                );
                // And back: the tick that time falls in (rounding down).
                // SAFETY: valid out-pointer.
                let rc = unsafe { uaio_time_to_ticks(time, now_ticks, now, unit, bits, &mut back) };
                let floor = (i128::from(time) - i128::from(now)).div_euclid(i128::from(unit));
                let want_back = (i128::from(now_ticks) + floor).rem_euclid(p) as u64;
                assert_eq!((rc, back), (UAIO_OK, want_back), "time_to_ticks({time})");
                if time == want_time && time != 0 && time != u64::MAX {
                    assert_eq!(back, ticks, "round trip of ticks {ticks}");
                }
                let token = self.token();
                self.qs[q].push(time, token, false);
                self.stat("call_at pushes");
            }
            TOp::PopDue {
                q,
                now,
                all,
                null_out,
            } => {
                let t = &mut self.qs[q];
                while t.pop_due(now, null_out) && all {}
                if all {
                    // None is left behind: the head is not due.
                    assert!(!t.model.first().is_some_and(|e| e.deadline <= now));
                }
            }
            TOp::Pop { q, null_d, null_t } => self.qs[q].pop(null_d, null_t),
            TOp::Peek { q, null_d, null_t } => self.qs[q].peek(null_d, null_t),
            TOp::Timeout { q, now, null_out } => self.qs[q].timeout(now, null_out),
            TOp::Cancel {
                q,
                handle,
                kind,
                null_out,
            } => {
                let rc = self.qs[q].cancel(handle, null_out);
                if rc == UAIO_OK && kind == HandleKind::Foreign {
                    // Handles are values local to their queue (the header):
                    // this one is also a live handle of this queue.
                    self.stat("timerq: foreign handle equal to a live one");
                }
                self.stat(if rc == UAIO_OK {
                    "timerq: cancels"
                } else {
                    "timerq: cancels refused"
                });
            }
            TOp::Grow { q, extra } => {
                let t = &mut self.qs[q];
                let cap = (t.cap() + extra).min(t.max_cap).max(t.cap());
                assert_eq!(t.move_to(cap), UAIO_OK, "grow to {cap}");
            }
            TOp::Shrink { q, below } => {
                let t = &mut self.qs[q];
                let cap = t.peak.saturating_sub(below);
                let rc = t.move_to(cap);
                let want = if cap < t.peak {
                    UAIO_ETOOSMALL
                } else {
                    UAIO_OK
                };
                assert_eq!(rc, want, "move into {cap}, {} handed out", t.peak);
            }
            TOp::MoveToNothing { q } => {
                let t = &mut self.qs[q];
                let tp = t.ptr();
                // SAFETY: NULL storage with 0 slots is allowed.
                let rc = unsafe { uaio_timerq_move(tp, null_mut(), 0) };
                if t.peak == 0 {
                    assert_eq!(rc, UAIO_OK, "move of an unused queue into nothing");
                    let old = std::mem::take(&mut t.slots);
                    bury(&mut t.graveyard, old);
                } else {
                    assert_eq!(rc, UAIO_ETOOSMALL, "move into nothing");
                }
            }
            TOp::Reinit { q, cap } => {
                let t = &mut self.qs[q];
                let mut fresh = junk(cap, 0xC3);
                let p = ptr_or_null(&mut fresh);
                let tp = t.ptr();
                // SAFETY: valid for writes; storage valid for `cap` slots.
                assert_eq!(unsafe { uaio_timerq_init(tp, p, cap) }, UAIO_OK);
                let old = std::mem::replace(&mut t.slots, fresh);
                bury(&mut t.graveyard, old);
                t.model.clear();
                t.epoch.clear();
                t.peak = 0;
                self.stat("timerq: re-inits");
            }
            TOp::Null(which) => self.null_probe(which),
        }
        for t in &mut self.qs {
            t.check();
        }
    }

    /// One call with a NULL (or otherwise invalid) argument: refused with
    /// UAIO_EINVAL, or done without writing a NULL out-parameter.
    fn null_probe(&mut self, which: u32) {
        let q = self.rng.idx(2);
        let (mut a, mut b, mut i) = (SENTINEL, SENTINEL, i64::MIN + 5);
        let mut storage = junk::<TimerSlot>(4, 0xA5);
        // SAFETY: every pointer is NULL or valid; NULL ones are what the
        // probe tests.
        unsafe {
            match which {
                0 => assert_eq!(uaio_timerq_push(null_mut(), 1, 2, &mut a), UAIO_EINVAL),
                1 => assert_eq!(uaio_timerq_peek(null_mut(), &mut a, &mut b), UAIO_EINVAL),
                2 => assert_eq!(uaio_timerq_pop(null_mut(), &mut a, &mut b), UAIO_EINVAL),
                3 => assert_eq!(
                    uaio_timerq_pop_due(null_mut(), u64::MAX, &mut a),
                    UAIO_EINVAL
                ),
                4 => assert_eq!(uaio_timerq_cancel(null_mut(), 1 << 32, &mut a), UAIO_EINVAL),
                5 => assert_eq!(uaio_timerq_timeout(null_mut(), 0, &mut i), UAIO_EINVAL),
                6 => assert_eq!(
                    (uaio_timerq_len(null()), uaio_timerq_capacity(null())),
                    (0, 0)
                ),
                7 => assert_eq!(
                    uaio_timerq_init(null_mut(), storage.as_mut_ptr(), 4),
                    UAIO_EINVAL
                ),
                // A live queue is left as it was by a refused init or move.
                8 => assert_eq!(
                    uaio_timerq_init(self.qs[q].ptr(), null_mut(), 3),
                    UAIO_EINVAL
                ),
                9 => assert_eq!(
                    uaio_timerq_move(null_mut(), storage.as_mut_ptr(), 4),
                    UAIO_EINVAL
                ),
                10 => assert_eq!(
                    uaio_timerq_move(self.qs[q].ptr(), null_mut(), 5),
                    UAIO_EINVAL
                ),
                11 => {
                    assert_eq!(uaio_clock_init(null_mut(), 32, 0, 0), UAIO_EINVAL);
                    assert_eq!(uaio_clock_extend(null_mut(), 5, &mut a), UAIO_EINVAL);
                }
                12 => {
                    // A bad period leaves the running clock alone (the
                    // next tick checks it still counts from where it was).
                    let bad = self.rng.pick(&[0, 65, 100, u32::MAX]);
                    let c = self.clock.as_mut_ptr();
                    assert_eq!(uaio_clock_init(c, bad, 0, 0), UAIO_EINVAL);
                }
                13 => {
                    let (bad, good) = (self.rng.pick(&[0, 65, u32::MAX]), 30);
                    assert_eq!(uaio_ticks_diff(1, 2, bad, &mut i), UAIO_EINVAL);
                    assert_eq!(uaio_ticks_to_time(1, 2, 3, 1000, bad, &mut a), UAIO_EINVAL);
                    assert_eq!(uaio_ticks_to_time(1, 2, 3, 0, good, &mut a), UAIO_EINVAL);
                    assert_eq!(uaio_time_to_ticks(1, 2, 3, 1000, bad, &mut a), UAIO_EINVAL);
                    assert_eq!(uaio_time_to_ticks(1, 2, 3, 0, good, &mut a), UAIO_EINVAL);
                }
                14 => {
                    assert_eq!(uaio_ticks_diff(1, 2, 30, null_mut()), UAIO_OK);
                    assert_eq!(uaio_ticks_to_time(1, 2, 3, 1000, 30, null_mut()), UAIO_OK);
                    assert_eq!(uaio_time_to_ticks(1, 2, 3, 1000, 30, null_mut()), UAIO_OK);
                }
                _ => {
                    let known: Vec<String> = CODES.iter().map(|&c| strerror(c)).collect();
                    let set: HashSet<&String> = known.iter().collect();
                    assert_eq!(set.len(), CODES.len(), "strerror: distinct texts");
                    assert!(known.iter().all(|s| !s.is_empty()));
                    let code = self.rng.pick(&[1, -9, 100, i32::MIN, i32::MAX]);
                    let unknown = strerror(code);
                    assert!(!set.contains(&unknown), "strerror({code}) = {unknown:?}");
                }
            }
        }
        assert_eq!(
            (a, b, i),
            (SENTINEL, SENTINEL, i64::MIN + 5),
            "outs written"
        );
        self.stat("null probes");
    }

    /// Empties both queues by popping, checking the whole order.
    fn drain(&mut self) {
        for q in 0..2 {
            while !self.qs[q].model.is_empty() {
                self.apply(TOp::Pop {
                    q,
                    null_d: false,
                    null_t: false,
                });
            }
            self.apply(TOp::Pop {
                q,
                null_d: false,
                null_t: false,
            });
        }
    }
}

#[test]
fn timers_clock_and_ticks() {
    let start = Instant::now();
    let mut w = TimerWorld::new(if cfg!(miri) { 1000 } else { 520 });
    while w.run.more() {
        let op = w.gen();
        w.apply(op);
    }
    w.drain();
    let mut stats: Vec<_> = w.stats.iter().collect();
    stats.sort();
    eprintln!(
        "ffi_fuzz timers: {} ops in {:?}: {stats:?}",
        w.run.ops,
        start.elapsed()
    );
    if w.run.budget >= 100_000 {
        for what in [
            "timerq: EFULL",
            "timerq: cancels",
            "clock: wraps crossed",
            "clock: long jumps",
            "timerq: re-inits",
        ] {
            assert!(w.stats.get(what).is_some_and(|&n| n > 10), "few {what}");
        }
    }
}

// ---------------------------------------------------------------- I/O

thread_local! {
    /// What the hook answers for each object without fd.
    static HOOK_READY: RefCell<HashMap<u64, u32>> = RefCell::new(HashMap::new());
    /// Every call of the hook: (ctx, handle, events asked for).
    static HOOK_CALLS: RefCell<Vec<(usize, u64, u32)>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn poll_object(ctx: *mut c_void, handle: u64, events: u32) -> u32 {
    HOOK_CALLS.with(|c| c.borrow_mut().push((ctx as usize, handle, events)));
    HOOK_READY.with(|r| r.borrow().get(&handle).copied().unwrap_or(0))
}

const HOOK_CTX: usize = 0x0DD_BA11;
const DIRS: [u32; 2] = [UAIO_READ, UAIO_WRITE];

/// The prefix of `uaio_io` as the header declares it: C may read `epfd`.
#[repr(C)]
struct IoHeaderPrefix {
    slots: *mut c_void,
    pollfds: *mut c_void,
    cap: u32,
    epfd: i32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A Unix socket pair: the registered end and its peer.
    Sock,
    /// The read end of a pipe (the peer writes).
    PipeRead,
    /// The write end of a pipe (the peer reads).
    PipeWrite,
}

/// An fd the harness owns, and the other end that changes its readiness.
#[derive(Debug)]
struct Endpoint {
    kind: Kind,
    fd: i32,
    /// -1 once closed (hang-up or error for `fd`).
    peer: i32,
}

fn sys(rc: i32, what: &str) -> i32 {
    assert!(rc >= 0, "{what}: {}", std::io::Error::last_os_error());
    rc
}

impl Endpoint {
    fn open(kind: Kind) -> Endpoint {
        let mut p = [-1i32; 2];
        // SAFETY: `p` is valid for two fds.
        unsafe {
            if kind == Kind::Sock {
                let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
                sys(
                    libc::socketpair(libc::AF_UNIX, ty, 0, p.as_mut_ptr()),
                    "socketpair",
                );
                // Small buffers: filling one to "not writable" is cheap.
                let size: libc::c_int = 4096;
                for fd in p {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_SNDBUF,
                        (&size as *const libc::c_int).cast(),
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    );
                }
            } else {
                let flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
                sys(libc::pipe2(p.as_mut_ptr(), flags), "pipe2");
                libc::fcntl(p[0], libc::F_SETPIPE_SZ, 4096);
            }
        }
        let (fd, peer) = if kind == Kind::PipeWrite {
            (p[1], p[0])
        } else {
            (p[0], p[1])
        };
        Endpoint { kind, fd, peer }
    }

    fn close(&mut self) {
        for fd in [self.fd, self.peer] {
            if fd >= 0 {
                // SAFETY: an fd this endpoint owns.
                unsafe { libc::close(fd) };
            }
        }
        (self.fd, self.peer) = (-1, -1);
    }

    /// Bytes into `fd` until it would block (or `limit` writes).
    fn write_until_full(fd: i32, limit: usize) {
        let buf = [0x55u8; 1024];
        for _ in 0..limit {
            // SAFETY: `buf` is valid for its length.
            if unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) } <= 0 {
                break;
            }
        }
    }

    fn drain(fd: i32) {
        let mut buf = [0u8; 4096];
        for _ in 0..1024 {
            // SAFETY: `buf` is valid for its length.
            if unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) } <= 0 {
                break;
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum HookSel {
    Hooks,
    Null,
    NoPollObject,
}

#[derive(Debug, Clone, Copy)]
enum IoOp {
    /// `dir` may be invalid; `grow`: on EFULL move into bigger storage and retry.
    Arm {
        obj: usize,
        dir: u32,
        grow: bool,
    },
    /// `obj` past the last object: a handle never registered.
    Disarm {
        obj: usize,
        dir: u32,
        null_out: bool,
    },
    /// The peer writes a byte: `fd` readable (sockets, pipe read ends).
    PeerWrite(usize),
    /// `fd` read empty.
    Drain(usize),
    /// `fd` written full: not writable (sockets, pipe write ends).
    Fill(usize),
    /// The peer reads everything: `fd` writable again.
    PeerDrain(usize),
    /// Hang-up (or a broken pipe) from now on.
    PeerClose(usize),
    /// Waits on the endpoint's objects go, the fds close, and new ones
    /// open (usually with the same numbers); `rearm` arms one at once.
    Replace {
        ep: usize,
        kind: Kind,
        rearm: bool,
    },
    /// The hook's answer for an object without fd.
    SetHook {
        obj: usize,
        bits: u32,
    },
    /// `long`: a long timeout when something is due to fire (returns at once).
    Wait {
        sel: HookSel,
        tiny: bool,
        long: bool,
    },
    Take {
        null_tok: bool,
        null_ev: bool,
    },
    TakeAll,
    Grow(u32),
    Shrink(u32),
    MoveToNothing,
    Deinit,
    Null(u32),
}

#[derive(Debug, Clone, Copy, Default)]
struct Obj {
    handle: u64,
    /// The endpoint it polls by; None: an object without fd.
    ep: Option<usize>,
    /// Waiting token per direction (READ, WRITE).
    armed: [Option<u64>; 2],
    /// Fired, not yet taken: token, and whether an error woke it.
    pending: [Option<(u64, bool)>; 2],
}

impl Obj {
    fn registered(&self) -> bool {
        self.armed.iter().any(Option::is_some) || self.pending.iter().any(Option::is_some)
    }

    fn armed_bits(&self) -> u32 {
        (0..2)
            .filter(|&d| self.armed[d].is_some())
            .map(|d| DIRS[d])
            .sum()
    }
}

/// Never registered: disarming it is ENOENT.
const FOREIGN: u64 = 0xF0F0_0000_F0F0;

struct IoWorld {
    rng: Rng,
    run: Run<IoOp>,
    r: Box<MaybeUninit<uaio_io>>,
    slots: Vec<IoSlot>,
    pollfds: Vec<uaio_pollfd>,
    graveyard: VecDeque<Vec<IoSlot>>,
    fd_graveyard: VecDeque<Vec<uaio_pollfd>>,
    max_cap: u32,
    eps: Vec<Endpoint>,
    objs: Vec<Obj>,
    /// Objects with fired, untaken waits, with the wait that queued them.
    queue: Vec<(u64, usize)>,
    waits: u64,
    next_token: u64,
    /// Most objects registered at once since init: the slots handed out.
    peak: u32,
    stats: HashMap<&'static str, u64>,
}

impl IoWorld {
    /// `n_eps` endpoints; objects: one or two per endpoint, and `no_fd`
    /// objects without fd.
    fn new(name: &'static str, permille: u64, n_eps: usize, no_fd: usize, max_cap: u32) -> Self {
        let run = Run::new(name, permille);
        let mut rng = Rng::for_world(run.seed, name);
        let kinds = [Kind::Sock, Kind::Sock, Kind::PipeRead, Kind::PipeWrite];
        let eps: Vec<Endpoint> = (0..n_eps)
            .map(|_| Endpoint::open(rng.pick(&kinds)))
            .collect();
        let mut objs = Vec::new();
        let special = [0, u64::MAX, 1 << 63, 1];
        let mut handles = HashSet::new();
        let mut handle = |rng: &mut Rng, i: usize| loop {
            let h = special.get(i).copied().unwrap_or_else(|| rng.next());
            if h != FOREIGN && handles.insert(h) {
                break h;
            }
        };
        for e in 0..n_eps {
            let h = handle(&mut rng, objs.len());
            objs.push(Obj {
                handle: h,
                ep: Some(e),
                ..Obj::default()
            });
        }
        // Two objects on one fd (a stream and its socket, an int fd).
        for e in 0..(n_eps / 4).max(1).min(n_eps) {
            let h = handle(&mut rng, objs.len());
            objs.push(Obj {
                handle: h,
                ep: Some(e),
                ..Obj::default()
            });
        }
        for _ in 0..no_fd {
            let h = handle(&mut rng, objs.len());
            objs.push(Obj {
                handle: h,
                ep: None,
                ..Obj::default()
            });
        }
        HOOK_READY.with(|r| r.borrow_mut().clear());
        HOOK_CALLS.with(|c| c.borrow_mut().clear());
        let mut w = IoWorld {
            rng,
            run,
            r: Box::new(MaybeUninit::uninit()),
            slots: junk(1, 0xA5),
            pollfds: junk(1, 0xA5),
            graveyard: VecDeque::new(),
            fd_graveyard: VecDeque::new(),
            max_cap,
            eps,
            objs,
            queue: Vec::new(),
            waits: 0,
            next_token: 1,
            peak: 0,
            stats: HashMap::new(),
        };
        let (s, p) = (w.slots.as_mut_ptr(), w.pollfds.as_mut_ptr());
        // SAFETY: the registry and its storage live as long as `w`.
        assert_eq!(unsafe { uaio_io_init(w.ptr(), s, p, 1) }, UAIO_OK);
        w.check();
        w
    }

    fn ptr(&mut self) -> *mut uaio_io {
        self.r.as_mut_ptr()
    }

    fn stat(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    fn cap(&self) -> u32 {
        self.slots.len() as u32
    }

    fn registered(&self) -> u32 {
        self.objs.iter().filter(|o| o.registered()).count() as u32
    }

    fn epfd(&mut self) -> i32 {
        // SAFETY: `uaio_io` begins with the header's fields, as in C.
        unsafe { (*self.ptr().cast::<IoHeaderPrefix>()).epfd }
    }

    fn fd_of(&self, obj: usize) -> i32 {
        self.objs[obj].ep.map_or(-1, |e| self.eps[e].fd)
    }

    fn move_to(&mut self, cap: u32) -> i32 {
        let (mut s, mut p) = (junk::<IoSlot>(cap, 0xA5), junk::<uaio_pollfd>(cap, 0xA5));
        let (sp, pp) = (ptr_or_null(&mut s), ptr_or_null(&mut p));
        let r = self.ptr();
        // SAFETY: fresh storage for `cap` elements, apart from the old.
        let rc = unsafe { uaio_io_move(r, sp, pp, cap) };
        if rc == UAIO_OK {
            let old = std::mem::replace(&mut self.slots, s);
            bury(&mut self.graveyard, old);
            let old = std::mem::replace(&mut self.pollfds, p);
            bury(&mut self.fd_graveyard, old);
        }
        rc
    }

    fn arm(&mut self, obj: usize, dir: u32) -> i32 {
        self.next_token += 1;
        let token = self.next_token.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (handle, fd) = (self.objs[obj].handle, self.fd_of(obj));
        let r = self.ptr();
        // SAFETY: an initialised registry.
        let rc = unsafe { uaio_io_arm(r, handle, fd, dir, token) };
        let Some(d) = DIRS.iter().position(|&x| x == dir) else {
            assert_eq!(rc, UAIO_EINVAL, "arm with direction {dir}");
            return rc;
        };
        let o = self.objs[obj];
        let want = if o.armed[d].is_some() || o.pending[d].is_some() {
            UAIO_EBUSY
        } else if !o.registered() && self.registered() == self.cap() {
            UAIO_EFULL
        } else {
            UAIO_OK
        };
        assert_eq!(rc, want, "arm {handle:#x} fd {fd} dir {dir}: {o:?}");
        match rc {
            UAIO_OK => {
                self.objs[obj].armed[d] = Some(token);
                self.peak = self.peak.max(self.registered());
            }
            UAIO_EBUSY => self.stat("io: EBUSY"),
            _ => self.stat("io: EFULL"),
        }
        rc
    }

    fn disarm(&mut self, obj: usize, dir: u32, null_out: bool) {
        let handle = self.objs.get(obj).map_or(FOREIGN, |o| o.handle);
        let mut tok = SENTINEL;
        let out: *mut u64 = if null_out { null_mut() } else { &mut tok };
        let r = self.ptr();
        // SAFETY: an initialised registry; out NULL or valid.
        let rc = unsafe { uaio_io_disarm(r, handle, dir, out) };
        let Some(d) = DIRS.iter().position(|&x| x == dir) else {
            assert_eq!((rc, tok), (UAIO_EINVAL, SENTINEL), "disarm dir {dir}");
            return;
        };
        let Some(o) = self.objs.get_mut(obj) else {
            assert_eq!(
                (rc, tok),
                (UAIO_ENOENT, SENTINEL),
                "disarm of a foreign handle"
            );
            return;
        };
        match o.armed[d].take().or(o.pending[d].take().map(|p| p.0)) {
            Some(t) => {
                let want = if null_out { SENTINEL } else { t };
                assert_eq!((rc, tok), (UAIO_OK, want), "disarm {handle:#x} dir {dir}");
            }
            None => assert_eq!(
                (rc, tok),
                (UAIO_ENOENT, SENTINEL),
                "disarm of unarmed {handle:#x}"
            ),
        }
        if o.pending.iter().all(Option::is_none) {
            self.queue.retain(|&(_, i)| i != obj);
        }
    }

    /// The kernel's own view of every endpoint: poll(2), no timeout.
    fn kernel_readiness(&self) -> Vec<(u32, bool)> {
        let mut fds: Vec<libc::pollfd> = self
            .eps
            .iter()
            .map(|e| libc::pollfd {
                fd: e.fd,
                events: libc::POLLIN | libc::POLLOUT,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is valid for its length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
        sys(n, "poll");
        fds.iter()
            .map(|p| {
                let mut bits = 0;
                if p.revents & libc::POLLIN != 0 {
                    bits |= UAIO_READ;
                }
                if p.revents & libc::POLLOUT != 0 {
                    bits |= UAIO_WRITE;
                }
                let err = p.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0;
                (bits, err)
            })
            .collect()
    }

    fn wait(&mut self, sel: HookSel, tiny: bool, long: bool) {
        let hk = uaio_port_hooks {
            ctx: HOOK_CTX as *mut c_void,
            poll_object: Some(poll_object),
            idle_wait: None,
        };
        let no_poll = uaio_port_hooks {
            poll_object: None,
            ..hk
        };
        let (hp, asked): (*const uaio_port_hooks, bool) = match sel {
            HookSel::Hooks => (&hk, true),
            HookSel::Null => (null(), false),
            HookSel::NoPollObject => (&no_poll, false),
        };
        // What must fire: every armed direction that is ready, and every
        // armed direction of an object in error.
        let kernel = self.kernel_readiness();
        let mut fires: Vec<(usize, u32, bool)> = Vec::new();
        for (i, o) in self.objs.iter().enumerate() {
            let armed = o.armed_bits();
            if armed == 0 {
                continue;
            }
            let (ready, err) = match o.ep {
                Some(e) => kernel[e],
                None if asked => {
                    let bits = HOOK_READY
                        .with(|r| r.borrow().get(&o.handle).copied())
                        .unwrap_or(0);
                    (bits & (UAIO_READ | UAIO_WRITE), bits & UAIO_ERROR != 0)
                }
                None => (0, false),
            };
            let fire = if err { armed } else { armed & ready };
            if fire != 0 {
                fires.push((i, fire, err));
            }
        }
        let due: u32 = fires.iter().map(|f| f.1.count_ones()).sum();
        let nothing_pending = self.queue.is_empty();
        let timeout = if long && due > 0 {
            2_000_000
        } else if tiny {
            10 + self.rng.below(90) as i64
        } else {
            0
        };
        let before = self.objs.clone();
        let r = self.ptr();
        let t0 = Instant::now();
        // SAFETY: an initialised registry; hooks NULL or valid for the call.
        let rc = unsafe { uaio_io_wait(r, timeout, hp) };
        let took = t0.elapsed();
        let calls = HOOK_CALLS.with(|c| std::mem::take(&mut *c.borrow_mut()));
        self.waits += 1;
        self.stat("io: waits");

        assert_eq!(rc, due as i32, "wait fired {rc}, due {fires:?}");
        if due == 0 && nothing_pending && timeout > 0 {
            // Nothing to report: the whole timeout is slept, never less.
            assert!(
                took >= Duration::from_micros(timeout as u64),
                "woke early: {took:?}"
            );
        }
        if timeout >= 1_000_000 {
            assert!(
                took < Duration::from_secs(1),
                "slept {took:?} with {due} due"
            );
            self.stat("io: long waits");
        }
        for &(i, fire, err) in &fires {
            let o = &mut self.objs[i];
            for (d, bit) in DIRS.into_iter().enumerate() {
                if fire & bit != 0 {
                    o.pending[d] = Some((o.armed[d].take().unwrap(), err));
                }
            }
            if !self.queue.iter().any(|&(_, j)| j == i) {
                self.queue.push((self.waits, i));
            }
        }
        let errors = fires.iter().filter(|f| f.2).count() as u64;
        *self.stats.entry("io: fired").or_default() += u64::from(due);
        *self.stats.entry("io: fired with ERROR").or_default() += errors;
        // The hook is asked about armed objects without fd, for what they
        // wait for, with the caller's ctx; each of them at least once.
        for &(ctx, handle, events) in &calls {
            let o = before.iter().find(|o| o.handle == handle && o.ep.is_none());
            let o = o.unwrap_or_else(|| panic!("hook asked about {handle:#x}"));
            assert_eq!(ctx, HOOK_CTX, "hook ctx");
            let armed = o.armed_bits();
            assert!(
                events != 0 && events & !armed == 0,
                "hook asked {handle:#x} for {events}, armed {armed}"
            );
        }
        for o in before
            .iter()
            .filter(|o| o.ep.is_none() && o.armed_bits() != 0)
        {
            assert_eq!(
                calls.iter().any(|c| c.1 == o.handle),
                asked,
                "object {:#x} asked?",
                o.handle
            );
        }
    }

    fn take(&mut self, null_tok: bool, null_ev: bool) -> bool {
        let oldest = self.queue.iter().map(|q| q.0).min();
        let candidates: Vec<usize> = self
            .queue
            .iter()
            .filter(|q| Some(q.0) == oldest)
            .map(|q| q.1)
            .collect();
        // Without the token the model can only follow a single candidate.
        let null_tok = null_tok && candidates.len() <= 1;
        let (mut tok, mut ev) = (SENTINEL, 0xEEEE_EEEEu32);
        let pt: *mut u64 = if null_tok { null_mut() } else { &mut tok };
        let pe: *mut u32 = if null_ev { null_mut() } else { &mut ev };
        let r = self.ptr();
        // SAFETY: an initialised registry; outs NULL or valid.
        let rc = unsafe { uaio_io_take_ready(r, pt, pe) };
        if candidates.is_empty() {
            assert_eq!(
                (rc, tok, ev),
                (UAIO_ENOENT, SENTINEL, 0xEEEE_EEEE),
                "take of none"
            );
            return false;
        }
        assert_eq!(rc, UAIO_OK, "take with {:?} queued", self.queue);
        let (i, d) = if null_tok {
            let i = candidates[0];
            let d = if self.objs[i].pending[0].is_some() {
                0
            } else {
                1
            };
            (i, d)
        } else {
            let found = self.objs.iter().enumerate().find_map(|(i, o)| {
                (0..2).find_map(|d| o.pending[d].filter(|p| p.0 == tok).map(|_| (i, d)))
            });
            found.unwrap_or_else(|| panic!("took token {tok:#x}, which is not pending"))
        };
        // Oldest wait first; READ before WRITE within an object.
        assert!(
            candidates.contains(&i),
            "took from a younger object: {:?}",
            self.queue
        );
        assert!(
            d == 0 || self.objs[i].pending[0].is_none(),
            "WRITE before READ"
        );
        let (_, err) = self.objs[i].pending[d].take().unwrap();
        if !null_ev {
            let want = DIRS[d] | if err { UAIO_ERROR } else { 0 };
            assert_eq!(ev, want, "events of {:#x}", self.objs[i].handle);
        }
        if self.objs[i].pending.iter().all(Option::is_none) {
            self.queue.retain(|&(_, j)| j != i);
        }
        self.stat("io: taken");
        true
    }

    fn replace(&mut self, ep: usize, kind: Kind, rearm: bool) {
        // The waiters on this fd go first; fired, untaken waits may stay
        // (they no longer touch the fd).
        for obj in 0..self.objs.len() {
            if self.objs[obj].ep == Some(ep) {
                for (d, dir) in DIRS.into_iter().enumerate() {
                    if self.objs[obj].armed[d].is_some() {
                        self.disarm(obj, dir, false);
                    }
                }
            }
        }
        let old = self.eps[ep].fd;
        self.eps[ep].close();
        self.eps[ep] = Endpoint::open(kind);
        if self.eps[ep].fd == old {
            self.stat("io: fd numbers reused");
        }
        if rearm {
            // No wait in between: the new fd must be watched, not the old.
            let objs: Vec<usize> = (0..self.objs.len())
                .filter(|&o| self.objs[o].ep == Some(ep))
                .collect();
            let obj = self.rng.pick(&objs);
            let dir = self.rng.pick(&DIRS);
            self.arm(obj, dir);
        }
    }

    fn gen(&mut self) -> IoOp {
        let op = self.gen_any();
        if !self.eps.is_empty() {
            return op;
        }
        // No fds and no waits: the registry's bookkeeping alone.
        match op {
            IoOp::PeerWrite(_)
            | IoOp::Drain(_)
            | IoOp::Fill(_)
            | IoOp::PeerDrain(_)
            | IoOp::PeerClose(_)
            | IoOp::Replace { .. }
            | IoOp::Wait { .. } => IoOp::Disarm {
                obj: self.rng.idx(self.objs.len() + 1),
                dir: self.rng.pick(&DIRS),
                null_out: false,
            },
            op => op,
        }
    }

    fn gen_any(&mut self) -> IoOp {
        let n = self.objs.len();
        let eps = self.eps.len();
        let rng = &mut self.rng;
        let dir = |rng: &mut Rng| {
            if rng.chance(1, 25) {
                rng.pick(&[0, 3, 4, 8, u32::MAX])
            } else {
                rng.pick(&DIRS)
            }
        };
        match rng.below(100) {
            0..=29 => IoOp::Arm {
                obj: rng.idx(n),
                dir: dir(rng),
                grow: rng.chance(3, 4),
            },
            30..=37 => IoOp::Disarm {
                obj: rng.idx(n + 1),
                dir: dir(rng),
                null_out: rng.chance(1, 8),
            },
            38..=41 => IoOp::PeerWrite(rng.idx(eps)),
            42..=45 => IoOp::Drain(rng.idx(eps)),
            46 => IoOp::Fill(rng.idx(eps)),
            47 | 48 => IoOp::PeerDrain(rng.idx(eps)),
            49 if rng.chance(1, 4) => IoOp::PeerClose(rng.idx(eps)),
            49 | 50 => IoOp::Replace {
                ep: rng.idx(eps),
                kind: rng.pick(&[Kind::Sock, Kind::Sock, Kind::PipeRead, Kind::PipeWrite]),
                rearm: rng.chance(1, 2),
            },
            51..=54 => {
                let objs: Vec<usize> = (0..n).filter(|&o| self.objs[o].ep.is_none()).collect();
                IoOp::SetHook {
                    obj: rng.pick(&objs),
                    bits: match rng.below(8) {
                        0..=3 => 0,
                        4 => UAIO_ERROR,
                        _ => rng.below(4) as u32,
                    },
                }
            }
            55..=74 => IoOp::Wait {
                sel: match rng.below(10) {
                    0 => HookSel::Null,
                    1 => HookSel::NoPollObject,
                    _ => HookSel::Hooks,
                },
                tiny: rng.chance(1, 100),
                long: rng.chance(1, 20),
            },
            75..=89 => IoOp::Take {
                null_tok: rng.chance(1, 10),
                null_ev: rng.chance(1, 10),
            },
            90 | 91 => IoOp::TakeAll,
            92 | 93 => IoOp::Grow(1 + rng.below(4) as u32),
            94 | 95 => IoOp::Shrink(rng.below(3) as u32),
            96 if rng.chance(1, 10) => IoOp::MoveToNothing,
            96 if rng.chance(1, 20) => IoOp::Deinit,
            _ => IoOp::Null(rng.below(11) as u32),
        }
    }

    fn apply(&mut self, op: IoOp) {
        self.run.record(op);
        match op {
            IoOp::Arm { obj, dir, grow } => {
                if self.arm(obj, dir) == UAIO_EFULL && grow && self.cap() < self.max_cap {
                    let cap = (self.cap() * 2).clamp(1, self.max_cap);
                    assert_eq!(self.move_to(cap), UAIO_OK, "grow to {cap}");
                    assert_eq!(self.arm(obj, dir), UAIO_OK, "arm after growing");
                }
            }
            IoOp::Disarm { obj, dir, null_out } => self.disarm(obj, dir, null_out),
            IoOp::PeerWrite(e) => {
                let ep = &self.eps[e];
                if ep.peer >= 0 && ep.kind != Kind::PipeWrite {
                    // SAFETY: one byte from a static buffer.
                    unsafe { libc::write(ep.peer, b"x".as_ptr().cast(), 1) };
                }
            }
            IoOp::Drain(e) => {
                if self.eps[e].kind != Kind::PipeWrite {
                    Endpoint::drain(self.eps[e].fd);
                }
            }
            IoOp::Fill(e) => {
                if self.eps[e].kind != Kind::PipeRead && self.eps[e].peer >= 0 {
                    Endpoint::write_until_full(self.eps[e].fd, 512);
                    self.stat("io: fds filled");
                }
            }
            IoOp::PeerDrain(e) => {
                let ep = &self.eps[e];
                if ep.peer >= 0 && ep.kind != Kind::PipeRead {
                    Endpoint::drain(ep.peer);
                }
            }
            IoOp::PeerClose(e) => {
                let ep = &mut self.eps[e];
                if ep.peer >= 0 {
                    // SAFETY: an fd the endpoint owns.
                    unsafe { libc::close(ep.peer) };
                    ep.peer = -1;
                }
            }
            IoOp::Replace { ep, kind, rearm } => {
                self.replace(ep, kind, rearm);
                self.stat("io: fds replaced");
            }
            IoOp::SetHook { obj, bits } => {
                let h = self.objs[obj].handle;
                HOOK_READY.with(|r| r.borrow_mut().insert(h, bits));
            }
            IoOp::Wait { sel, tiny, long } => self.wait(sel, tiny, long),
            IoOp::Take { null_tok, null_ev } => {
                self.take(null_tok, null_ev);
            }
            IoOp::TakeAll => while self.take(false, false) {},
            IoOp::Grow(extra) => {
                let cap = (self.cap() + extra).min(self.max_cap).max(self.cap());
                assert_eq!(self.move_to(cap), UAIO_OK, "grow to {cap}");
            }
            IoOp::Shrink(below) => {
                let cap = self.peak.saturating_sub(below);
                let want = if cap < self.peak {
                    UAIO_ETOOSMALL
                } else {
                    UAIO_OK
                };
                assert_eq!(
                    self.move_to(cap),
                    want,
                    "move into {cap}, {} used",
                    self.peak
                );
            }
            IoOp::MoveToNothing => {
                let want = if self.peak == 0 {
                    UAIO_OK
                } else {
                    UAIO_ETOOSMALL
                };
                assert_eq!(self.move_to(0), want, "move into nothing");
            }
            IoOp::Deinit => {
                let r = self.ptr();
                // SAFETY: an initialised registry.
                assert_eq!(unsafe { uaio_io_deinit(r) }, UAIO_OK);
                assert_eq!(self.epfd(), -1, "deinit keeps an event queue");
                for o in &mut self.objs {
                    (o.armed, o.pending) = ([None; 2], [None; 2]);
                }
                self.queue.clear();
                self.peak = 0;
                self.stat("io: deinits");
            }
            IoOp::Null(which) => self.null_probe(which),
        }
        self.check();
    }

    fn null_probe(&mut self, which: u32) {
        let (mut a, mut ev) = (SENTINEL, 0xEEEE_EEEEu32);
        let mut s = junk::<IoSlot>(2, 0xA5);
        let mut p = junk::<uaio_pollfd>(2, 0xA5);
        let r = self.ptr();
        let obj = self.rng.idx(self.objs.len());
        let h = self.objs[obj].handle;
        // SAFETY: every pointer is NULL or valid; NULL ones are the probe.
        unsafe {
            match which {
                0 => assert_eq!(uaio_io_arm(null_mut(), h, 3, UAIO_READ, 1), UAIO_EINVAL),
                1 => assert_eq!(
                    uaio_io_disarm(null_mut(), h, UAIO_READ, &mut a),
                    UAIO_EINVAL
                ),
                2 => assert_eq!(uaio_io_take_ready(null_mut(), &mut a, &mut ev), UAIO_EINVAL),
                3 => assert_eq!(uaio_io_wait(null_mut(), 0, null()), UAIO_EINVAL),
                4 => assert_eq!((uaio_io_len(null()), uaio_io_capacity(null())), (0, 0)),
                5 => assert_eq!(
                    uaio_io_init(null_mut(), s.as_mut_ptr(), p.as_mut_ptr(), 2),
                    UAIO_EINVAL
                ),
                // A live registry is left as it was by a refused init / move.
                6 => assert_eq!(uaio_io_init(r, null_mut(), p.as_mut_ptr(), 2), UAIO_EINVAL),
                7 => assert_eq!(
                    uaio_io_move(null_mut(), s.as_mut_ptr(), p.as_mut_ptr(), 2),
                    UAIO_EINVAL
                ),
                8 => assert_eq!(uaio_io_move(r, null_mut(), p.as_mut_ptr(), 2), UAIO_EINVAL),
                9 => assert_eq!(uaio_io_deinit(null_mut()), UAIO_EINVAL),
                _ => {
                    let bad = self.rng.pick(&[0, 3, 4, 8, u32::MAX]);
                    assert_eq!(uaio_io_arm(r, h, -1, bad, 1), UAIO_EINVAL);
                    assert_eq!(uaio_io_disarm(r, h, bad, &mut a), UAIO_EINVAL);
                }
            }
        }
        assert_eq!((a, ev), (SENTINEL, 0xEEEE_EEEE), "outs written");
        self.stat("null probes");
    }

    fn check(&mut self) {
        let r = self.ptr();
        // SAFETY: an initialised registry.
        let (len, cap) = unsafe { (uaio_io_len(r), uaio_io_capacity(r)) };
        assert_eq!(len, self.registered(), "len");
        assert_eq!(cap, self.cap(), "capacity");
        if self.epfd() >= 0 {
            self.stat("io: ops with epoll");
        }
    }

    /// Everything armed or fired comes back exactly once; then nothing is
    /// registered, and the registry lets its event queue go.
    fn finish(&mut self) {
        self.apply(IoOp::TakeAll);
        for obj in 0..self.objs.len() {
            for dir in DIRS {
                self.disarm(obj, dir, false);
            }
        }
        self.check();
        assert_eq!(self.registered(), 0);
        let r = self.ptr();
        // SAFETY: an initialised registry.
        assert_eq!(unsafe { uaio_io_deinit(r) }, UAIO_OK);
        for e in &mut self.eps {
            e.close();
        }
    }

    fn report(&self, start: Instant) {
        let mut stats: Vec<_> = self.stats.iter().collect();
        stats.sort();
        eprintln!(
            "ffi_fuzz {}: {} ops in {:?}: {stats:?}",
            self.run.world,
            self.run.ops,
            start.elapsed()
        );
    }
}

/// The registry's bookkeeping alone (objects without fd, no waits): no
/// host calls, so this world also runs under Miri.
#[test]
fn io_registry_without_waits() {
    let start = Instant::now();
    let mut w = IoWorld::new("io_registry", if cfg!(miri) { 500 } else { 40 }, 0, 12, 10);
    while w.run.more() {
        let op = w.gen();
        w.apply(op);
    }
    w.finish();
    w.report(start);
    if w.run.budget >= 10_000 {
        for what in ["io: EFULL", "io: EBUSY", "io: deinits"] {
            assert!(w.stats.get(what).is_some_and(|&n| n > 10), "few {what}");
        }
    }
}

/// Few fds: the wait is one ppoll.
#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and pipes")]
fn io_few_fds() {
    let start = Instant::now();
    let mut w = IoWorld::new("io_few_fds", 300, 6, 3, 8);
    while w.run.more() {
        let op = w.gen();
        w.apply(op);
    }
    w.finish();
    w.report(start);
    if w.run.budget >= 50_000 {
        assert!(
            !w.stats.contains_key("io: ops with epoll"),
            "epoll with few fds"
        );
        for what in [
            "io: fired with ERROR",
            "io: EFULL",
            "io: EBUSY",
            "io: fd numbers reused",
            "io: long waits",
        ] {
            assert!(w.stats.get(what).is_some_and(|&n| n > 10), "few {what}");
        }
    }
}

/// Enough fds that the wait moves to the host's event queue (the header's
/// FROM_FDS is 32), which then follows every change of the registry.
#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and pipes")]
fn io_many_fds() {
    let start = Instant::now();
    let mut w = IoWorld::new("io_many_fds", 140, 40, 4, 64);
    // Most of them armed at first, so that the event queue opens early.
    for obj in 0..w.objs.len() {
        w.apply(IoOp::Arm {
            obj,
            dir: UAIO_READ,
            grow: true,
        });
    }
    while w.run.more() {
        let op = w.gen();
        w.apply(op);
    }
    w.finish();
    w.report(start);
    if w.run.budget >= 50_000 {
        for what in [
            "io: ops with epoll",
            "io: fired with ERROR",
            "io: fd numbers reused",
        ] {
            assert!(w.stats.get(what).is_some_and(|&n| n > 10), "few {what}");
        }
    }
}
