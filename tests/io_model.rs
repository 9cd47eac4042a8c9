#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The I/O registry's C API against a reference model, with real waits:
//! objects with an fd are Unix socket pairs polled by `uaio_io_wait`,
//! objects without one are asked through a `poll_object` hook whose answers
//! come from a thread-local table. One-shot semantics: a fired direction is
//! disarmed and reported once by `uaio_io_take_ready`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::io::{ErrorKind, Read, Write};
use std::mem::MaybeUninit;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use uaio::ffi::{
    uaio_io, uaio_io_arm, uaio_io_capacity, uaio_io_disarm, uaio_io_init, uaio_io_len,
    uaio_io_move, uaio_io_take_ready, uaio_io_wait, uaio_pollfd, uaio_port_hooks, UAIO_EBUSY,
    UAIO_EFULL, UAIO_EINVAL, UAIO_ENOENT, UAIO_ERROR, UAIO_ETOOSMALL, UAIO_OK, UAIO_READ,
    UAIO_WRITE,
};
use uaio::poll::IoSlot;

const SENTINEL: u64 = 0x5E47_1E55_DEAD_BEEF;
const DIRS: [u32; 2] = [UAIO_READ, UAIO_WRITE];

thread_local! {
    /// What the hook answers for each handle without fd (unarmed bits too:
    /// the registry must ignore them).
    static READINESS: RefCell<HashMap<u64, u32>> = RefCell::new(HashMap::new());
    /// Every call of the hook: (ctx, handle, events asked for).
    static CALLS: RefCell<Vec<(usize, u64, u32)>> = const { RefCell::new(Vec::new()) };
}

unsafe extern "C" fn poll_object(ctx: *mut c_void, handle: u64, events: u32) -> u32 {
    CALLS.with(|c| c.borrow_mut().push((ctx as usize, handle, events)));
    READINESS.with(|r| r.borrow().get(&handle).copied().unwrap_or(0))
}

/// Any address will do: the hook only records it.
const CTX: usize = 0x00C0_FFEE;

fn hooks() -> uaio_port_hooks {
    uaio_port_hooks {
        ctx: CTX as *mut c_void,
        poll_object: Some(poll_object),
        idle_wait: None,
    }
}

fn set_readiness(handle: u64, bits: u32) {
    READINESS.with(|r| r.borrow_mut().insert(handle, bits));
}

fn take_calls() -> Vec<(usize, u64, u32)> {
    CALLS.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

/// Storage full of junk bytes: the registry must not rely on its contents.
fn junk<T: Default + Clone>(n: u32) -> Vec<T> {
    let mut v = vec![T::default(); n as usize];
    // SAFETY: only used for IoSlot and uaio_pollfd, plain integers for
    // which any byte pattern is valid.
    unsafe { std::ptr::write_bytes(v.as_mut_ptr(), 0xA5, v.len()) };
    v
}

/// A socket pair: `mine` is registered, `peer` makes it readable.
struct Sock {
    mine: UnixStream,
    peer: UnixStream,
    readable: bool,
}

impl Sock {
    fn new() -> Self {
        let (mine, peer) = UnixStream::pair().expect("socketpair");
        mine.set_nonblocking(true).expect("nonblocking");
        Sock {
            mine,
            peer,
            readable: false,
        }
    }

    fn set_readable(&mut self, on: bool) {
        if on && !self.readable {
            self.peer.write_all(b"x").expect("write to peer");
        } else if !on && self.readable {
            let mut buf = [0u8; 64];
            loop {
                match self.mine.read(&mut buf) {
                    Ok(0) => panic!("peer closed"),
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("drain: {e}"),
                }
            }
        }
        self.readable = on;
    }
}

/// Objects of the model: `sock` is the index of their socket, None for an
/// object without fd. Two handles share socket 0: waits are per object.
const OBJECTS: [(u64, Option<usize>); 7] = [
    (0, Some(0)),
    (u64::MAX, Some(1)),
    (0x1234_5678_9abc_def0, Some(2)),
    (7, Some(0)),
    (1, None),
    (1 << 63, None),
    (42, None),
];
/// Never armed: disarming it is always ENOENT.
const FOREIGN: u64 = 0xF0F0_F0F0;

#[derive(Debug, Clone, Copy, Default)]
struct ObjState {
    /// Waiting token per direction (READ, WRITE).
    armed: [Option<u64>; 2],
    /// Fired, untaken: token and whether ERROR woke it.
    pending: [Option<(u64, bool)>; 2],
    /// An error woke some direction since `pending` was last empty. The
    /// library then reports ERROR with every direction it still holds; see
    /// `error_is_reported_only_with_the_directions_it_woke`.
    error_seen: bool,
}

impl ObjState {
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

#[derive(Debug, Clone, Copy)]
enum HookSel {
    Hooks,
    Null,
    NoPollObject,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// `dir` may be invalid; `grow`: on EFULL move into bigger storage and retry.
    Arm {
        obj: usize,
        dir: u32,
        grow: bool,
    },
    /// `obj == OBJECTS.len()` is the foreign handle.
    Disarm {
        obj: usize,
        dir: u32,
    },
    /// Sockets: READ bit says readable. Objects: the hook's answer.
    SetReady {
        obj: usize,
        bits: u32,
    },
    Wait(HookSel),
    Take,
    TakeAll,
    Grow(u32),
    /// Into `below` slots fewer than ever used at once (0: exactly that many).
    Shrink(u32),
}

struct Harness {
    r: Box<MaybeUninit<uaio_io>>,
    slots: Vec<IoSlot>,
    pollfds: Vec<uaio_pollfd>,
    graveyard: Vec<(Vec<IoSlot>, Vec<uaio_pollfd>)>,
    max_cap: u32,
    socks: Vec<Sock>,
    objs: Vec<ObjState>,
    /// Objects with untaken fired waits, with the wait that queued them.
    queue: Vec<(u64, usize)>,
    waits: u64,
    next_token: u64,
    /// Most objects ever registered at once: slots handed out.
    peak: u32,
    ops: u64,
    fired: u64,
}

impl Harness {
    fn new(cap: u32, max_cap: u32) -> Self {
        for (h, sock) in OBJECTS {
            if sock.is_none() {
                set_readiness(h, 0);
            }
        }
        take_calls();
        let mut h = Harness {
            r: Box::new(MaybeUninit::uninit()),
            slots: junk(cap),
            pollfds: junk(cap),
            graveyard: Vec::new(),
            max_cap,
            socks: (0..3).map(|_| Sock::new()).collect(),
            objs: vec![ObjState::default(); OBJECTS.len()],
            queue: Vec::new(),
            waits: 0,
            next_token: 1,
            peak: 0,
            ops: 0,
            fired: 0,
        };
        let (s, p) = (h.slots.as_mut_ptr(), h.pollfds.as_mut_ptr());
        // SAFETY: the registry and its storage outlive every call below.
        assert_eq!(unsafe { uaio_io_init(h.r(), s, p, cap) }, UAIO_OK);
        h.check();
        h
    }

    fn r(&mut self) -> *mut uaio_io {
        self.r.as_mut_ptr()
    }

    fn cap(&self) -> u32 {
        self.slots.len() as u32
    }

    fn registered(&self) -> u32 {
        self.objs.iter().filter(|o| o.registered()).count() as u32
    }

    fn fd(&self, obj: usize) -> i32 {
        OBJECTS[obj]
            .1
            .map_or(-1, |s| self.socks[s].mine.as_raw_fd())
    }

    fn move_to(&mut self, new_cap: u32) -> i32 {
        let (mut s, mut p) = (junk::<IoSlot>(new_cap), junk::<uaio_pollfd>(new_cap));
        let r = self.r();
        // SAFETY: fresh storage for `new_cap` elements, separate from the old.
        let rc = unsafe { uaio_io_move(r, s.as_mut_ptr(), p.as_mut_ptr(), new_cap) };
        if rc == UAIO_OK {
            std::mem::swap(&mut s, &mut self.slots);
            std::mem::swap(&mut p, &mut self.pollfds);
            // The old storage must be unused now: overwrite it.
            // SAFETY: plain integers, any byte pattern is valid.
            unsafe {
                std::ptr::write_bytes(s.as_mut_ptr(), 0x5A, s.len());
                std::ptr::write_bytes(p.as_mut_ptr(), 0x5A, p.len());
            }
            self.graveyard.push((s, p));
            if self.graveyard.len() > 4 {
                self.graveyard.remove(0);
            }
        }
        rc
    }

    fn arm(&mut self, obj: usize, dir: u32) -> i32 {
        let token = self.next_token;
        self.next_token += 1;
        let (handle, fd) = (OBJECTS[obj].0, self.fd(obj));
        let r = self.r();
        // SAFETY: initialised registry.
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
        assert_eq!(rc, want, "arm {handle:#x} dir {dir}: {o:?}");
        if rc == UAIO_OK {
            self.objs[obj].armed[d] = Some(token);
            self.peak = self.peak.max(self.registered());
        }
        rc
    }

    fn disarm(&mut self, obj: usize, dir: u32) {
        let handle = OBJECTS.get(obj).map_or(FOREIGN, |o| o.0);
        let mut tok = SENTINEL;
        let r = self.r();
        // SAFETY: initialised registry, valid out-pointer.
        let rc = unsafe { uaio_io_disarm(r, handle, dir, &mut tok) };
        let Some(d) = DIRS.iter().position(|&x| x == dir) else {
            assert_eq!(
                (rc, tok),
                (UAIO_EINVAL, SENTINEL),
                "disarm with direction {dir}"
            );
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
        let want = o.armed[d].take().or(o.pending[d].take().map(|p| p.0));
        match want {
            Some(t) => assert_eq!((rc, tok), (UAIO_OK, t), "disarm {handle:#x} dir {dir}"),
            None => assert_eq!(
                (rc, tok),
                (UAIO_ENOENT, SENTINEL),
                "disarm unarmed {handle:#x}"
            ),
        }
        if o.pending.iter().all(Option::is_none) {
            o.error_seen = false;
            self.queue.retain(|&(_, i)| i != obj);
        }
    }

    fn wait(&mut self, sel: HookSel) {
        let hk = hooks();
        let none = uaio_port_hooks {
            poll_object: None,
            ..hooks()
        };
        let hp: *const uaio_port_hooks = match sel {
            HookSel::Hooks => &hk,
            HookSel::Null => std::ptr::null(),
            HookSel::NoPollObject => &none,
        };
        let asked = matches!(sel, HookSel::Hooks);
        let before = self.objs.clone();
        let r = self.r();
        // SAFETY: initialised registry; the hooks are valid for the call.
        let rc = unsafe { uaio_io_wait(r, 0, hp) };
        let calls = take_calls();

        self.waits += 1;
        let mut want = 0;
        for (i, &(handle, sock)) in OBJECTS.iter().enumerate() {
            let armed = before[i].armed_bits();
            let ready = match sock {
                Some(s) => UAIO_WRITE | if self.socks[s].readable { UAIO_READ } else { 0 },
                None if asked => READINESS.with(|r| r.borrow()[&handle]),
                None => 0,
            };
            let err = ready & UAIO_ERROR != 0;
            let fire = if err { armed } else { armed & ready };
            if sock.is_none() && asked && armed != 0 {
                assert!(
                    calls.iter().any(|c| c.1 == handle),
                    "armed object {handle:#x} not asked"
                );
            }
            if fire == 0 {
                continue;
            }
            let o = &mut self.objs[i];
            o.error_seen |= err;
            for (d, bit) in DIRS.into_iter().enumerate() {
                if fire & bit != 0 {
                    o.pending[d] = Some((o.armed[d].take().unwrap(), err));
                    want += 1;
                }
            }
            if !self.queue.iter().any(|&(_, j)| j == i) {
                self.queue.push((self.waits, i));
            }
        }
        self.fired += want;
        assert_eq!(i64::from(rc), want as i64, "wait fired");
        for (ctx, handle, events) in calls {
            let i = OBJECTS.iter().position(|o| o.0 == handle);
            let i = i.filter(|&i| OBJECTS[i].1.is_none());
            let i = i.unwrap_or_else(|| panic!("hook asked about {handle:#x}"));
            let armed = before[i].armed_bits();
            assert_eq!(ctx, CTX, "hook ctx");
            assert!(
                events != 0 && events & !armed == 0,
                "hook asked {handle:#x} for {events}, armed {armed}"
            );
        }
    }

    fn take(&mut self) -> bool {
        let (mut tok, mut ev) = (SENTINEL, 0xEEEE_EEEE);
        let r = self.r();
        // SAFETY: initialised registry, valid out-pointers.
        let rc = unsafe { uaio_io_take_ready(r, &mut tok, &mut ev) };
        let Some(oldest) = self.queue.iter().map(|q| q.0).min() else {
            assert_eq!(
                (rc, tok, ev),
                (UAIO_ENOENT, SENTINEL, 0xEEEE_EEEE),
                "take of none"
            );
            return false;
        };
        assert_eq!(rc, UAIO_OK, "take with {:?} queued", self.queue);
        // Tokens are unique: find whose it is.
        let found = self.objs.iter().enumerate().find_map(|(i, o)| {
            (0..2).find_map(|d| match o.pending[d] {
                Some((t, err)) if t == tok => Some((i, d, err)),
                _ => None,
            })
        });
        let (i, d, err) = found.unwrap_or_else(|| panic!("took token {tok}, not pending"));
        let q = self.queue.iter().position(|&(_, j)| j == i).unwrap();
        assert_eq!(self.queue[q].0, oldest, "took from a younger object first");
        assert!(
            d == 0 || self.objs[i].pending[0].is_none(),
            "WRITE before READ"
        );
        assert_eq!(ev & !UAIO_ERROR, DIRS[d], "direction of token {tok}");
        if err || !self.objs[i].error_seen {
            let want = if err { UAIO_ERROR } else { 0 };
            assert_eq!(ev & UAIO_ERROR, want, "error bit of token {tok}");
        }
        let o = &mut self.objs[i];
        o.pending[d] = None;
        if o.pending.iter().all(Option::is_none) {
            o.error_seen = false;
            self.queue.remove(q);
        }
        true
    }

    fn apply(&mut self, op: Op) {
        self.ops += 1;
        match op {
            Op::Arm { obj, dir, grow } => {
                if self.arm(obj, dir) == UAIO_EFULL && grow && self.cap() < self.max_cap {
                    let new_cap = (self.cap() * 2).clamp(1, self.max_cap);
                    assert_eq!(self.move_to(new_cap), UAIO_OK, "grow to {new_cap}");
                    assert_eq!(self.arm(obj, dir), UAIO_OK, "arm after growing");
                }
            }
            Op::Disarm { obj, dir } => self.disarm(obj, dir),
            Op::SetReady { obj, bits } => match OBJECTS[obj] {
                (_, Some(s)) => self.socks[s].set_readable(bits & UAIO_READ != 0),
                (h, None) => set_readiness(h, bits),
            },
            Op::Wait(sel) => self.wait(sel),
            Op::Take => {
                self.take();
            }
            Op::TakeAll => while self.take() {},
            Op::Grow(extra) => {
                let new_cap = (self.cap() + extra).min(self.max_cap).max(self.cap());
                assert_eq!(self.move_to(new_cap), UAIO_OK, "grow to {new_cap}");
            }
            Op::Shrink(below) => {
                let new_cap = self.peak.saturating_sub(below);
                let rc = self.move_to(new_cap);
                if new_cap < self.peak {
                    assert_eq!(
                        rc, UAIO_ETOOSMALL,
                        "move into {new_cap} < {} slots",
                        self.peak
                    );
                } else {
                    assert_eq!(rc, UAIO_OK, "move into exactly {new_cap} slots");
                }
            }
        }
        self.check();
    }

    fn check(&mut self) {
        let r = self.r();
        // SAFETY: initialised registry.
        let (len, cap) = unsafe { (uaio_io_len(r), uaio_io_capacity(r)) };
        assert_eq!(len, self.registered(), "len: {:?}", self.objs);
        assert_eq!(cap, self.cap(), "capacity");
    }
}

fn dir() -> impl Strategy<Value = u32> {
    prop_oneof![
        8 => proptest::sample::select(&DIRS[..]),
        1 => proptest::sample::select(&[0u32, 3, 4, 8][..]),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let n = OBJECTS.len();
    prop_oneof![
        8 => (0..n, dir(), proptest::bool::weighted(0.6))
            .prop_map(|(obj, dir, grow)| Op::Arm { obj, dir, grow }),
        3 => (0..=n, dir()).prop_map(|(obj, dir)| Op::Disarm { obj, dir }),
        4 => (0..n, 0u32..8).prop_map(|(obj, bits)| Op::SetReady { obj, bits }),
        4 => prop_oneof![
            6 => Just(HookSel::Hooks),
            1 => Just(HookSel::Null),
            1 => Just(HookSel::NoPollObject),
        ].prop_map(Op::Wait),
        3 => Just(Op::Take),
        1 => Just(Op::TakeAll),
        1 => (1u32..4).prop_map(Op::Grow),
        1 => (0u32..3).prop_map(Op::Shrink),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    #[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
    fn matches_one_shot_model(cap in 0u32..=3, ops in proptest::collection::vec(op(), 1..200)) {
        let mut h = Harness::new(cap, 5);
        for o in ops {
            h.apply(o);
        }
        // Nothing is lost: disarm everything, then the registry is empty.
        h.apply(Op::TakeAll);
        for obj in 0..OBJECTS.len() {
            for dir in DIRS {
                h.disarm(obj, dir);
            }
        }
        h.check();
        prop_assert_eq!(h.registered(), 0);
    }
}

mod common;
use common::Rng;

// A longer run with a fixed seed. Storage stops growing at 5 slots for 7
// objects, so EFULL keeps happening.
impl Rng {
    fn pick(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    fn dir(&mut self) -> u32 {
        match self.pick(20) {
            0 => [0, 3, 4, 8][self.pick(4)],
            r => DIRS[r % 2],
        }
    }

    fn op(&mut self) -> Op {
        let n = OBJECTS.len();
        match self.pick(25) {
            0..=7 => Op::Arm {
                obj: self.pick(n),
                dir: self.dir(),
                grow: self.pick(3) != 0,
            },
            8..=10 => Op::Disarm {
                obj: self.pick(n + 1),
                dir: self.dir(),
            },
            11..=14 => Op::SetReady {
                obj: self.pick(n),
                bits: self.pick(8) as u32,
            },
            15..=18 => Op::Wait(match self.pick(8) {
                0 => HookSel::Null,
                1 => HookSel::NoPollObject,
                _ => HookSel::Hooks,
            }),
            19..=21 => Op::Take,
            22 => Op::TakeAll,
            23 => Op::Grow(1 + self.pick(3) as u32),
            _ => Op::Shrink(self.pick(3) as u32),
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
fn long_fixed_seed_run() {
    let start = Instant::now();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut h = Harness::new(1, 5);
    while h.ops < 250_000 {
        let op = rng.op();
        h.apply(op);
    }
    assert!(h.fired > 5_000, "only {} fired", h.fired);
    eprintln!(
        "io: {} ops, {} waits, {} fired, {:?}",
        h.ops,
        h.waits,
        h.fired,
        start.elapsed()
    );
}

/// A fresh registry over `cap` slots (kept alive by the caller).
fn registry(slots: &mut [IoSlot], fds: &mut [uaio_pollfd]) -> Box<MaybeUninit<uaio_io>> {
    let mut r = Box::new(MaybeUninit::<uaio_io>::uninit());
    let cap = slots.len() as u32;
    // SAFETY: storage valid for `cap` elements for the registry's life.
    let rc = unsafe { uaio_io_init(r.as_mut_ptr(), slots.as_mut_ptr(), fds.as_mut_ptr(), cap) };
    assert_eq!(rc, UAIO_OK);
    r
}

fn timed_wait(r: *mut uaio_io, timeout_us: i64, hooks: *const uaio_port_hooks) -> (i32, Duration) {
    let t = Instant::now();
    // SAFETY: an initialised registry and valid (or NULL) hooks.
    let rc = unsafe { uaio_io_wait(r, timeout_us, hooks) };
    (rc, t.elapsed())
}

/// With nothing ready, a wait sleeps its whole timeout and fires nothing.
#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
fn wait_never_ends_early() {
    let (mut s, mut p) = (junk::<IoSlot>(4), junk::<uaio_pollfd>(4));
    let mut r = registry(&mut s, &mut p);
    let hk = hooks();
    let full = Duration::from_micros(30_000);

    // Nothing registered.
    let (rc, took) = timed_wait(r.as_mut_ptr(), 30_000, std::ptr::null());
    assert_eq!(rc, 0);
    assert!(took >= full, "empty registry: woke after {took:?}");

    // Sockets waiting to be readable (nobody writes).
    let a = Sock::new();
    let b = Sock::new();
    // SAFETY: initialised registry.
    unsafe {
        assert_eq!(
            uaio_io_arm(r.as_mut_ptr(), 10, a.mine.as_raw_fd(), UAIO_READ, 1),
            UAIO_OK
        );
        assert_eq!(
            uaio_io_arm(r.as_mut_ptr(), 11, b.mine.as_raw_fd(), UAIO_READ, 2),
            UAIO_OK
        );
    }
    let (rc, took) = timed_wait(r.as_mut_ptr(), 30_000, &hk);
    assert_eq!(rc, 0);
    assert!(took >= full, "sockets: woke after {took:?}");
    // SAFETY: initialised registry.
    assert_eq!(unsafe { uaio_io_len(r.as_mut_ptr()) }, 2);
}

/// With an object without fd armed, a wait returns 0 after one slice of
/// UAIO_OBJECT_POLL_US (never sooner) so that the object is asked again;
/// the caller waits again for the rest of its time.
#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
fn object_waits_return_after_each_slice() {
    let (mut s, mut p) = (junk::<IoSlot>(2), junk::<uaio_pollfd>(2));
    let mut r = registry(&mut s, &mut p);
    let hk = hooks();
    set_readiness(99, 0);
    take_calls();
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_arm(r.as_mut_ptr(), 99, -1, UAIO_READ, 5) },
        UAIO_OK
    );
    let start = Instant::now();
    let deadline = start + Duration::from_micros(30_000);
    let mut waits = 0;
    while Instant::now() < deadline {
        let left = (deadline - Instant::now()).as_micros() as i64;
        let (rc, took) = timed_wait(r.as_mut_ptr(), left, &hk);
        assert_eq!(rc, 0);
        assert!(
            took >= Duration::from_micros(
                left.min(i64::from(uaio::ffi::UAIO_OBJECT_POLL_US)) as u64
            ),
            "a slice ended after {took:?}"
        );
        waits += 1;
    }
    let calls = take_calls();
    assert!(
        calls.len() >= waits,
        "{} asks over {waits} waits",
        calls.len()
    );
    assert!(calls.iter().all(|&(_, h, ev)| h == 99 && ev == UAIO_READ));

    // Once the object is ready, the next wait reports it at once.
    set_readiness(99, UAIO_READ);
    let (rc, took) = timed_wait(r.as_mut_ptr(), 1_000_000, &hk);
    assert_eq!(rc, 1);
    assert!(took < Duration::from_millis(500), "took {took:?}");
    let (mut tok, mut ev) = (0, 0);
    // SAFETY: initialised registry, valid out-pointers.
    assert_eq!(
        unsafe { uaio_io_take_ready(r.as_mut_ptr(), &mut tok, &mut ev) },
        UAIO_OK
    );
    assert_eq!((tok, ev), (5, UAIO_READ));
}

/// A long wait ends when another thread makes a socket readable.
#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
fn wait_wakes_on_readiness() {
    let (mut s, mut p) = (junk::<IoSlot>(2), junk::<uaio_pollfd>(2));
    let mut r = registry(&mut s, &mut p);
    let a = Sock::new();
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_arm(r.as_mut_ptr(), 3, a.mine.as_raw_fd(), UAIO_READ, 8) },
        UAIO_OK
    );
    let mut peer = a.peer.try_clone().expect("clone");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        peer.write_all(b"!").expect("write");
    });
    let (rc, took) = timed_wait(r.as_mut_ptr(), 5_000_000, std::ptr::null());
    writer.join().expect("writer");
    assert_eq!(rc, 1);
    assert!(
        took >= Duration::from_millis(15) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    let (mut tok, mut ev) = (0, 0);
    // SAFETY: initialised registry, valid out-pointers.
    assert_eq!(
        unsafe { uaio_io_take_ready(r.as_mut_ptr(), &mut tok, &mut ev) },
        UAIO_OK
    );
    assert_eq!((tok, ev), (8, UAIO_READ));
    // SAFETY: initialised registry.
    assert_eq!(unsafe { uaio_io_len(r.as_mut_ptr()) }, 0);
}

/// UAIO_ERROR is "reported with the direction it woke": a direction woken
/// by plain readiness must not carry it because a later error woke another
/// direction of the same object before the first was taken.
#[test]
#[cfg_attr(miri, ignore = "calls the host's poll and sockets")]
fn error_is_reported_only_with_the_directions_it_woke() {
    let (mut s, mut p) = (junk::<IoSlot>(2), junk::<uaio_pollfd>(2));
    let mut r = registry(&mut s, &mut p);
    let r = r.as_mut_ptr();
    let hk = hooks();
    let (mut tok, mut ev) = (0, 0);
    // SAFETY: initialised registry, valid hooks and out-pointers.
    unsafe {
        set_readiness(50, UAIO_READ);
        assert_eq!(uaio_io_arm(r, 50, -1, UAIO_READ, 1), UAIO_OK);
        assert_eq!(uaio_io_wait(r, 0, &hk), 1); // READ woken by readability
        set_readiness(50, UAIO_ERROR);
        assert_eq!(uaio_io_arm(r, 50, -1, UAIO_WRITE, 2), UAIO_OK);
        assert_eq!(uaio_io_wait(r, 0, &hk), 1); // WRITE woken by the error
        assert_eq!(uaio_io_take_ready(r, &mut tok, &mut ev), UAIO_OK);
        assert_eq!((tok, ev), (1, UAIO_READ), "READ was not woken by the error");
        assert_eq!(uaio_io_take_ready(r, &mut tok, &mut ev), UAIO_OK);
        assert_eq!((tok, ev), (2, UAIO_WRITE | UAIO_ERROR));
    }
}
