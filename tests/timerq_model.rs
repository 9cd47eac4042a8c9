#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The timing queue's C API against a reference model: a `Vec` kept sorted
//! by (deadline, push order). Every return code, out-parameter, length,
//! capacity and the head of the queue is compared after every operation.

use std::collections::HashSet;
use std::mem::MaybeUninit;
use std::time::Instant;

use proptest::prelude::*;
use uaio::ffi::{
    uaio_timerq, uaio_timerq_cancel, uaio_timerq_capacity, uaio_timerq_init, uaio_timerq_len,
    uaio_timerq_move, uaio_timerq_peek, uaio_timerq_pop, uaio_timerq_pop_due, uaio_timerq_push,
    uaio_timerq_timeout, UAIO_EFULL, UAIO_ENOENT, UAIO_ETOOSMALL, UAIO_OK,
};
use uaio::timerq::TimerSlot;

/// Pre-filled into every out-parameter: errors must leave it alone.
const SENTINEL: u64 = 0x5E47_1E55_DEAD_BEEF;

/// Deadlines cluster around the points where counters and their extensions
/// wrap; small offsets make equal deadlines common.
const BASES: [u64; 6] = [0, 1 << 30, 1 << 32, 1 << 62, 1 << 63, u64::MAX - 1000];

/// Storage full of junk bytes: the queue must not rely on its contents.
fn junk_storage(n: u32) -> Vec<TimerSlot> {
    let mut v = vec![TimerSlot::default(); n as usize];
    // SAFETY: a TimerSlot is plain integers, so any byte pattern is valid.
    unsafe { std::ptr::write_bytes(v.as_mut_ptr(), 0xA5, v.len()) };
    v
}

/// A pointer to `n` slots, NULL when there are none (the API allows it).
fn ptr_of(v: &mut [TimerSlot]) -> *mut TimerSlot {
    if v.is_empty() {
        std::ptr::null_mut()
    } else {
        v.as_mut_ptr()
    }
}

#[derive(Debug, Clone, Copy)]
enum Pick {
    /// A queued timer's handle (index into the model).
    Live(usize),
    /// Any handle ever issued: queued, fired or cancelled.
    Issued(usize),
    /// A queued handle with one bit flipped: slot or generation wrong.
    Flipped(usize, u32),
    Zero,
    Random(u64),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// `grow` says whether an EFULL push moves into bigger storage and retries.
    Push {
        deadline: u64,
        grow: bool,
    },
    Pop {
        null_out: bool,
    },
    PopDue(u64),
    Peek,
    Cancel(Pick),
    Timeout(u64),
    /// Into bigger storage (`extra` more slots).
    Grow(u32),
    /// Into smaller storage: `below` slots under what has been handed out
    /// (too small) or, when `below` is 0, exactly that much.
    Shrink(u32),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: u64,
    seq: u64,
    token: u64,
    handle: u64,
}

struct Harness {
    q: Box<MaybeUninit<uaio_timerq>>,
    slots: Vec<TimerSlot>,
    /// Storage moved away from, overwritten with junk and kept allocated,
    /// so that a queue still reading it would see garbage, not freed memory.
    graveyard: Vec<Vec<TimerSlot>>,
    max_cap: u32,
    model: Vec<Entry>,
    issued: Vec<u64>,
    issued_set: HashSet<u64>,
    next_seq: u64,
    /// Slots handed out so far (handles are slot indices): max index + 1.
    handed_out: u32,
    ops: u64,
}

impl Harness {
    fn new(cap: u32, max_cap: u32) -> Self {
        let mut h = Harness {
            q: Box::new(MaybeUninit::uninit()),
            slots: junk_storage(cap),
            graveyard: Vec::new(),
            max_cap,
            model: Vec::new(),
            issued: Vec::new(),
            issued_set: HashSet::new(),
            next_seq: 0,
            handed_out: 0,
            ops: 0,
        };
        let p = ptr_of(&mut h.slots);
        // SAFETY: the queue and its storage outlive every call below.
        assert_eq!(
            unsafe { uaio_timerq_init(h.q.as_mut_ptr(), p, cap) },
            UAIO_OK
        );
        h.check();
        h
    }

    fn q(&mut self) -> *mut uaio_timerq {
        self.q.as_mut_ptr()
    }

    fn cap(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Moves the queue into `new_cap` fresh slots; returns the result code.
    fn move_to(&mut self, new_cap: u32) -> i32 {
        let mut fresh = junk_storage(new_cap);
        let p = ptr_of(&mut fresh);
        let q = self.q();
        // SAFETY: `fresh` is valid for `new_cap` slots and separate.
        let rc = unsafe { uaio_timerq_move(q, p, new_cap) };
        if rc == UAIO_OK {
            let mut old = std::mem::replace(&mut self.slots, fresh);
            // SAFETY: plain integers, any byte pattern is valid.
            unsafe { std::ptr::write_bytes(old.as_mut_ptr(), 0x5A, old.len()) };
            self.graveyard.push(old);
            if self.graveyard.len() > 4 {
                self.graveyard.remove(0);
            }
        }
        rc
    }

    fn push(&mut self, deadline: u64) -> i32 {
        let seq = self.next_seq;
        // An odd multiplier is a bijection: tokens are unique and unordered.
        let token = seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x0123_4567;
        let mut h = SENTINEL;
        let q = self.q();
        // SAFETY: initialised queue, valid out-pointer.
        let rc = unsafe { uaio_timerq_push(q, deadline, token, &mut h) };
        if self.model.len() == self.cap() as usize {
            assert_eq!(rc, UAIO_EFULL, "push into a full queue");
            assert_eq!(h, SENTINEL, "handle written on error");
            return rc;
        }
        assert_eq!(
            rc,
            UAIO_OK,
            "push with {} of {} used",
            self.model.len(),
            self.cap()
        );
        assert_ne!(h, 0, "handle 0");
        assert!(self.issued_set.insert(h), "handle {h:#x} issued twice");
        let index = (h & 0xffff_ffff) as u32;
        assert!(
            index < self.cap(),
            "handle {h:#x} beyond capacity {}",
            self.cap()
        );
        self.handed_out = self.handed_out.max(index + 1);
        self.issued.push(h);
        self.next_seq += 1;
        let e = Entry {
            deadline,
            seq,
            token,
            handle: h,
        };
        let at = self
            .model
            .partition_point(|m| (m.deadline, m.seq) < (deadline, seq));
        self.model.insert(at, e);
        rc
    }

    fn handle_for(&self, pick: Pick) -> u64 {
        match pick {
            Pick::Live(i) if !self.model.is_empty() => self.model[i % self.model.len()].handle,
            Pick::Issued(i) if !self.issued.is_empty() => self.issued[i % self.issued.len()],
            Pick::Flipped(i, bit) if !self.model.is_empty() => {
                self.model[i % self.model.len()].handle ^ (1u64 << (bit % 64))
            }
            Pick::Random(h) => h,
            _ => 0,
        }
    }

    fn apply(&mut self, op: Op) {
        self.ops += 1;
        let q = self.q();
        let (mut a, mut b) = (SENTINEL, SENTINEL);
        match op {
            Op::Push { deadline, grow } => {
                let rc = self.push(deadline);
                if rc == UAIO_EFULL && grow && self.cap() < self.max_cap {
                    let new_cap = (self.cap() * 2).clamp(1, self.max_cap);
                    assert_eq!(self.move_to(new_cap), UAIO_OK, "grow to {new_cap}");
                    self.check();
                    assert_eq!(self.push(deadline), UAIO_OK, "push after growing");
                    self.ops += 1;
                }
            }
            Op::Pop { null_out } => {
                let (pd, pt): (*mut u64, *mut u64) = if null_out {
                    (std::ptr::null_mut(), std::ptr::null_mut())
                } else {
                    (&mut a, &mut b)
                };
                // SAFETY: initialised queue; out-pointers NULL or valid.
                let rc = unsafe { uaio_timerq_pop(q, pd, pt) };
                if self.model.is_empty() {
                    assert_eq!(
                        (rc, a, b),
                        (UAIO_ENOENT, SENTINEL, SENTINEL),
                        "pop of empty"
                    );
                } else {
                    let e = self.model.remove(0);
                    assert_eq!(rc, UAIO_OK, "pop");
                    if !null_out {
                        assert_eq!((a, b), (e.deadline, e.token), "pop: (deadline, token)");
                    }
                }
            }
            Op::PopDue(now) => {
                // SAFETY: initialised queue, valid out-pointer.
                let rc = unsafe { uaio_timerq_pop_due(q, now, &mut a) };
                match self.model.first() {
                    Some(e) if e.deadline <= now => {
                        let e = self.model.remove(0);
                        assert_eq!((rc, a), (UAIO_OK, e.token), "pop_due({now})");
                    }
                    _ => assert_eq!((rc, a), (UAIO_ENOENT, SENTINEL), "pop_due({now}) none due"),
                }
            }
            Op::Peek => {
                // Checked after every step anyway; this also covers NULL outs.
                // SAFETY: initialised queue; NULL out-pointers are allowed.
                let rc = unsafe { uaio_timerq_peek(q, std::ptr::null_mut(), std::ptr::null_mut()) };
                let want = if self.model.is_empty() {
                    UAIO_ENOENT
                } else {
                    UAIO_OK
                };
                assert_eq!(rc, want, "peek with NULL outs");
            }
            Op::Cancel(pick) => {
                let h = self.handle_for(pick);
                // SAFETY: initialised queue, valid out-pointer.
                let rc = unsafe { uaio_timerq_cancel(q, h, &mut a) };
                match self.model.iter().position(|e| e.handle == h) {
                    Some(i) => {
                        let e = self.model.remove(i);
                        assert_eq!((rc, a), (UAIO_OK, e.token), "cancel live {h:#x}");
                    }
                    None => assert_eq!((rc, a), (UAIO_ENOENT, SENTINEL), "cancel dead {h:#x}"),
                }
            }
            Op::Timeout(now) => {
                let mut t = i64::MIN;
                // SAFETY: initialised queue, valid out-pointer.
                let rc = unsafe { uaio_timerq_timeout(q, now, &mut t) };
                let want = match self.model.first() {
                    None => -1,
                    Some(e) if e.deadline <= now => 0,
                    Some(e) => i64::try_from(e.deadline - now).unwrap_or(i64::MAX),
                };
                assert_eq!((rc, t), (UAIO_OK, want), "timeout({now})");
            }
            Op::Grow(extra) => {
                let new_cap = (self.cap() + extra).min(self.max_cap).max(self.cap());
                assert_eq!(self.move_to(new_cap), UAIO_OK, "grow to {new_cap}");
            }
            Op::Shrink(below) => {
                let new_cap = self.handed_out.saturating_sub(below);
                let rc = self.move_to(new_cap);
                if new_cap < self.handed_out {
                    assert_eq!(
                        rc, UAIO_ETOOSMALL,
                        "move into {new_cap} < {} slots",
                        self.handed_out
                    );
                } else {
                    assert_eq!(rc, UAIO_OK, "move into exactly {new_cap} slots");
                }
            }
        }
        self.check();
    }

    /// The queue's observable state equals the model's.
    fn check(&mut self) {
        let q = self.q();
        let (mut d, mut t) = (SENTINEL, SENTINEL);
        // SAFETY: initialised queue, valid out-pointers.
        let (len, cap, rc) = unsafe {
            (
                uaio_timerq_len(q),
                uaio_timerq_capacity(q),
                uaio_timerq_peek(q, &mut d, &mut t),
            )
        };
        assert_eq!(len as usize, self.model.len(), "len");
        assert_eq!(cap, self.cap(), "capacity");
        match self.model.first() {
            Some(e) => assert_eq!((rc, d, t), (UAIO_OK, e.deadline, e.token), "peek"),
            None => assert_eq!(
                (rc, d, t),
                (UAIO_ENOENT, SENTINEL, SENTINEL),
                "peek of empty"
            ),
        }
    }

    /// Empties the queue through pop, checking the whole order.
    fn drain(&mut self) {
        while !self.model.is_empty() {
            self.apply(Op::Pop { null_out: false });
        }
        self.apply(Op::Pop { null_out: false });
    }
}

fn time_near_wrap() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => (proptest::sample::select(&BASES[..]), -3i64..=3)
            .prop_map(|(b, o)| b.wrapping_add_signed(o)),
        1 => (proptest::sample::select(&BASES[..]), -2000i64..=2000)
            .prop_map(|(b, o)| b.wrapping_add_signed(o)),
        1 => any::<u64>(),
        1 => Just(u64::MAX),
    ]
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![
        4 => any::<usize>().prop_map(Pick::Live),
        3 => any::<usize>().prop_map(Pick::Issued),
        2 => (any::<usize>(), 0u32..64).prop_map(|(i, b)| Pick::Flipped(i, b)),
        1 => Just(Pick::Zero),
        1 => any::<u64>().prop_map(Pick::Random),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (time_near_wrap(), proptest::bool::weighted(0.7))
            .prop_map(|(deadline, grow)| Op::Push { deadline, grow }),
        3 => any::<bool>().prop_map(|null_out| Op::Pop { null_out }),
        3 => time_near_wrap().prop_map(Op::PopDue),
        1 => Just(Op::Peek),
        4 => pick().prop_map(Op::Cancel),
        2 => time_near_wrap().prop_map(Op::Timeout),
        1 => (1u32..8).prop_map(Op::Grow),
        1 => (0u32..4).prop_map(Op::Shrink),
    ]
}

proptest! {
    // Miri interprets every step: a few cases there.
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 2 } else { 256 }, ..ProptestConfig::default() })]

    #[test]
    fn matches_sorted_list_model(cap in 0u32..=4, ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 60 } else { 300 })) {
        let mut h = Harness::new(cap, 64);
        for o in ops {
            h.apply(o);
        }
        h.drain();
    }
}

mod common;
use common::Rng;

impl Rng {
    fn time(&mut self) -> u64 {
        let base = BASES[self.below(BASES.len() as u64) as usize];
        match self.below(10) {
            0 => self.next(),
            1 => u64::MAX,
            2 => base.wrapping_add(self.below(4001)).wrapping_sub(2000),
            _ => base.wrapping_add(self.below(7)).wrapping_sub(3),
        }
    }

    fn pick(&mut self) -> Pick {
        let i = self.next() as usize;
        match self.below(11) {
            0..=3 => Pick::Live(i),
            4..=6 => Pick::Issued(i),
            7 | 8 => Pick::Flipped(i, self.below(64) as u32),
            9 => Pick::Zero,
            _ => Pick::Random(self.next()),
        }
    }

    /// Pushes outweigh removals while `fill` is set, so the queue grows deep
    /// (through every storage size) before it is worked down again.
    fn op(&mut self, fill: bool) -> Op {
        let push_weight = if fill { 14 } else { 8 };
        let r = self.below(push_weight + 14);
        if r < push_weight {
            let grow = self.below(10) < 8;
            return Op::Push {
                deadline: self.time(),
                grow,
            };
        }
        match r - push_weight {
            0..=2 => Op::Pop {
                null_out: self.below(4) == 0,
            },
            3..=5 => Op::PopDue(self.time()),
            6 => Op::Peek,
            7..=10 => Op::Cancel(self.pick()),
            11 | 12 => Op::Timeout(self.time()),
            _ if self.below(2) == 0 => Op::Grow(1 + self.below(16) as u32),
            _ => Op::Shrink(self.below(3) as u32),
        }
    }
}

#[test]
fn long_fixed_seed_run() {
    const OPS: u64 = if cfg!(miri) { 300 } else { 1_000_000 };
    let start = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut h = Harness::new(2, 512);
    while h.ops < OPS {
        // Alternate long filling and draining phases.
        let fill = (h.ops / 50_000) % 2 == 0;
        let op = rng.op(fill);
        h.apply(op);
    }
    h.drain();
    assert!(
        h.issued.len() as u64 > OPS / 20,
        "only {} pushes",
        h.issued.len()
    );
    eprintln!(
        "timerq: {} ops, {} pushes, peak storage {} slots, {:?}",
        h.ops,
        h.issued.len(),
        h.handed_out,
        start.elapsed()
    );
}

/// Equal deadlines leave in push order, also across a move and with
/// cancellations in between.
#[test]
fn fifo_among_equal_deadlines_across_moves() {
    let mut h = Harness::new(3, 64);
    for (i, d) in [u64::MAX, 5, u64::MAX, 5, 5, 0, u64::MAX, 0]
        .into_iter()
        .enumerate()
    {
        h.apply(Op::Push {
            deadline: d,
            grow: true,
        });
        if i == 4 {
            h.apply(Op::Cancel(Pick::Live(1)));
        }
    }
    h.apply(Op::Shrink(1));
    h.apply(Op::Shrink(0));
    h.apply(Op::PopDue(4));
    h.drain();
}
