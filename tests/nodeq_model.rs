#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The intrusive timing queue (`uaio::nodeq`) against a reference model:
//! per queue a `Vec` of (deadline, push order, item) kept sorted.
//!
//! One random-operation driver runs over two backends: the generic queue
//! on an arena of nodes (ids are indices), and the C API on `#[repr(C)]`
//! items that embed a `uaio_node` at a non-zero offset. Two queues share
//! the items, so removes, nexts and pushes meet items of the other queue.
//! After every operation the whole state is compared: results, lengths,
//! the head, the in-order sequence of the tree (which is the model's:
//! deadline order, push order among ties), parent links, heap order of
//! priorities, the cached first item, the depth, the QUEUED bit, the
//! caller's bits and the links of items that left (NONE).
//!
//! A targeted test then walks every error path of the C API.

use std::collections::BTreeMap;
use std::ffi::c_void;
use std::mem::{offset_of, size_of, MaybeUninit};
use std::time::Instant;

use uaio::ffi::{
    uaio_node, uaio_nodeq, uaio_nodeq_contains, uaio_nodeq_init, uaio_nodeq_len, uaio_nodeq_next,
    uaio_nodeq_peek, uaio_nodeq_pop_due, uaio_nodeq_push, uaio_nodeq_remove, uaio_nodeq_timeout,
    UAIO_EBUSY, UAIO_EINVAL, UAIO_ENOENT, UAIO_NODEQ_MAX_DEADLINE, UAIO_NODE_CALLER_BITS,
    UAIO_NODE_DEADLINE_SHIFT, UAIO_NODE_QUEUED, UAIO_OK,
};
use uaio::nodeq::{
    mix32, Link, NodeError, NodeQueue, Nodes, CALLER_BITS, MAX_DEADLINE, QUEUED, TAG_BITS,
};

mod common;
use common::Rng;

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// Pre-filled into out-parameters: errors must leave them alone.
const SENTINEL: usize = 0x5E47_1E55;

/// Pushes and pops draw deadlines from few values, so ties are frequent.
const FEW: u64 = 6;

// ---- Backend 1: the generic queue over an arena. ----

const NONE: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    key: u64,
    /// Left, right, parent.
    links: [usize; 3],
}

fn li(l: Link) -> usize {
    match l {
        Link::Left => 0,
        Link::Right => 1,
        Link::Parent => 2,
    }
}

struct Arena {
    nodes: Vec<Node>,
    /// Masks the priorities: all ones for well-spread ones, a few bits for
    /// frequent ties (the heap must cope; depth is not checked then).
    prio_mask: u32,
}

impl Nodes for Arena {
    type Id = usize;
    const NONE: usize = NONE;
    fn key(&self, x: usize) -> u64 {
        self.nodes[x].key
    }
    fn set_key(&mut self, x: usize, key: u64) {
        self.nodes[x].key = key;
    }
    fn link(&self, x: usize, l: Link) -> usize {
        self.nodes[x].links[li(l)]
    }
    fn set_link(&mut self, x: usize, l: Link, to: usize) {
        self.nodes[x].links[li(l)] = to;
    }
    fn priority(&self, x: usize) -> u32 {
        mix32(x as u32) & self.prio_mask
    }
}

/// What the driver needs of a queue implementation; ids are item indices.
trait Backend {
    fn items(&self) -> usize;
    fn push(&mut self, q: usize, x: usize, at: u64) -> Result<(), NodeError>;
    fn remove(&mut self, q: usize, x: usize) -> Result<(), NodeError>;
    fn pop_due(&mut self, q: usize, now: u64) -> Option<usize>;
    fn peek(&mut self, q: usize) -> Option<(u64, usize)>;
    fn next(&mut self, q: usize, x: Option<usize>) -> Option<usize>;
    fn contains(&mut self, q: usize, x: usize) -> bool;
    fn len(&mut self, q: usize) -> usize;
    fn key(&self, x: usize) -> u64;
    fn set_key(&mut self, x: usize, key: u64);
    /// Left, right, parent.
    fn links(&self, x: usize) -> [Option<usize>; 3];
    fn root(&mut self, q: usize) -> Option<usize>;
    fn first(&mut self, q: usize) -> Option<usize>;
    /// The treap priority, when the backend knows it.
    fn priority(&self, x: usize) -> Option<u32>;
    /// Whether priorities are well spread (the depth bound applies).
    fn balanced(&self) -> bool;
    /// Checks what lies around the node (the queue must not touch it).
    fn check_item(&self, _x: usize) {}
}

fn opt(x: usize) -> Option<usize> {
    (x != NONE).then_some(x)
}

struct ArenaBackend {
    arena: Arena,
    qs: [NodeQueue<usize>; 2],
}

impl ArenaBackend {
    /// `n` items whose links are junk and whose keys hold junk deadlines
    /// and caller bits (`bits`): a push overwrites all but the latter.
    fn new(bits: &[u64], prio_mask: u32, rng: &mut Rng) -> Self {
        let nodes = bits
            .iter()
            .map(|&b| Node {
                key: (rng.below(MAX_DEADLINE) << TAG_BITS) | b,
                links: [
                    rng.index(bits.len()),
                    rng.index(bits.len()),
                    rng.index(bits.len()),
                ],
            })
            .collect();
        ArenaBackend {
            arena: Arena { nodes, prio_mask },
            qs: [NodeQueue::new::<Arena>(), NodeQueue::new::<Arena>()],
        }
    }
}

impl Backend for ArenaBackend {
    fn items(&self) -> usize {
        self.arena.nodes.len()
    }
    fn push(&mut self, q: usize, x: usize, at: u64) -> Result<(), NodeError> {
        self.qs[q].push(&mut self.arena, x, at)
    }
    fn remove(&mut self, q: usize, x: usize) -> Result<(), NodeError> {
        self.qs[q].remove(&mut self.arena, x)
    }
    fn pop_due(&mut self, q: usize, now: u64) -> Option<usize> {
        self.qs[q].pop_due(&mut self.arena, now)
    }
    fn peek(&mut self, q: usize) -> Option<(u64, usize)> {
        self.qs[q].peek(&self.arena)
    }
    fn next(&mut self, q: usize, x: Option<usize>) -> Option<usize> {
        opt(self.qs[q].next(&self.arena, x.unwrap_or(NONE)))
    }
    fn contains(&mut self, q: usize, x: usize) -> bool {
        self.qs[q].contains(&self.arena, x)
    }
    fn len(&mut self, q: usize) -> usize {
        self.qs[q].len
    }
    fn key(&self, x: usize) -> u64 {
        self.arena.nodes[x].key
    }
    fn set_key(&mut self, x: usize, key: u64) {
        self.arena.nodes[x].key = key;
    }
    fn links(&self, x: usize) -> [Option<usize>; 3] {
        self.arena.nodes[x].links.map(opt)
    }
    fn root(&mut self, q: usize) -> Option<usize> {
        opt(self.qs[q].root)
    }
    fn first(&mut self, q: usize) -> Option<usize> {
        opt(self.qs[q].first)
    }
    fn priority(&self, x: usize) -> Option<u32> {
        Some(self.arena.priority(x))
    }
    fn balanced(&self) -> bool {
        self.arena.prio_mask == u32::MAX
    }
}

// ---- Backend 2: the C API over items with an embedded node. ----

/// An item as C would declare it: the node at a non-zero offset, with
/// fields on both sides that the queue must never touch.
#[repr(C)]
struct Item {
    tag: u64,
    node: uaio_node,
    id: u32,
}

const OFF: usize = offset_of!(Item, node);
const _: () = assert!(OFF != 0);

fn tag_of(i: usize) -> u64 {
    0x7A60_0000_0000_0000 ^ (i as u64).wrapping_mul(0x9E37_79B9)
}

/// A pointer no item has: the queue must never follow it.
fn junk_ptr(n: usize) -> *mut c_void {
    std::ptr::null_mut::<u8>()
        .wrapping_add(0xA5A5_A5A0 + 8 * n)
        .cast()
}

/// Items in one allocation, reached only through raw pointers derived from
/// one base (so Miri's aliasing model sees no reference invalidate them).
struct Items {
    raw: *mut [Item],
    base: *mut Item,
    n: usize,
}

impl Items {
    fn new(bits: &[u64]) -> Self {
        let v: Box<[Item]> = bits
            .iter()
            .enumerate()
            .map(|(i, &b)| Item {
                tag: tag_of(i),
                // Only the QUEUED bit must be clear before the first push.
                node: uaio_node {
                    key: b,
                    left: junk_ptr(i),
                    right: junk_ptr(i + 1),
                    parent: junk_ptr(i + 2),
                },
                id: i as u32,
            })
            .collect();
        let n = v.len();
        let raw = Box::into_raw(v);
        Items {
            raw,
            base: raw.cast::<Item>(),
            n,
        }
    }
    fn ptr(&self, i: usize) -> *mut c_void {
        assert!(i < self.n);
        // SAFETY: in bounds of the allocation.
        unsafe { self.base.add(i) }.cast()
    }
    fn id(&self, p: *mut c_void) -> Option<usize> {
        if p.is_null() {
            return None;
        }
        let d = (p as usize).wrapping_sub(self.base as usize);
        assert!(
            d % size_of::<Item>() == 0 && d / size_of::<Item>() < self.n,
            "{p:?} is not an item"
        );
        Some(d / size_of::<Item>())
    }
    fn node(&self, i: usize) -> *mut uaio_node {
        // SAFETY: in bounds; a place projection, no reference made.
        unsafe { std::ptr::addr_of_mut!((*self.base.add(i)).node) }
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        // SAFETY: from Box::into_raw, dropped once.
        drop(unsafe { Box::from_raw(self.raw) });
    }
}

struct FfiBackend {
    items: Items,
    qs: Vec<MaybeUninit<uaio_nodeq>>,
}

fn code_to_result(rc: i32) -> Result<(), NodeError> {
    match rc {
        UAIO_OK => Ok(()),
        UAIO_EBUSY => Err(NodeError::Busy),
        UAIO_ENOENT => Err(NodeError::NotFound),
        UAIO_EINVAL => Err(NodeError::BadDeadline),
        _ => panic!("unexpected code {rc}"),
    }
}

impl FfiBackend {
    fn new(bits: &[u64]) -> Self {
        let mut b = FfiBackend {
            items: Items::new(bits),
            qs: (0..2).map(|_| MaybeUninit::uninit()).collect(),
        };
        for q in 0..2 {
            let qp = b.q(q);
            // SAFETY: valid for writes.
            assert_eq!(unsafe { uaio_nodeq_init(qp, OFF) }, UAIO_OK);
        }
        b
    }
    fn q(&mut self, q: usize) -> *mut uaio_nodeq {
        self.qs[q].as_mut_ptr()
    }
}

impl Backend for FfiBackend {
    fn items(&self) -> usize {
        self.items.n
    }
    fn push(&mut self, q: usize, x: usize, at: u64) -> Result<(), NodeError> {
        let (qp, xp) = (self.q(q), self.items.ptr(x));
        // SAFETY: initialised queue, valid item that outlives the queue.
        code_to_result(unsafe { uaio_nodeq_push(qp, xp, at) })
    }
    fn remove(&mut self, q: usize, x: usize) -> Result<(), NodeError> {
        let (qp, xp) = (self.q(q), self.items.ptr(x));
        // SAFETY: as above.
        code_to_result(unsafe { uaio_nodeq_remove(qp, xp) })
    }
    fn pop_due(&mut self, q: usize, now: u64) -> Option<usize> {
        let qp = self.q(q);
        let mut out = junk_ptr(SENTINEL);
        // SAFETY: initialised queue, valid out-pointer.
        let rc = unsafe { uaio_nodeq_pop_due(qp, now, &mut out) };
        if rc == UAIO_ENOENT {
            assert_eq!(out, junk_ptr(SENTINEL), "pop_due wrote on ENOENT");
            return None;
        }
        assert_eq!(rc, UAIO_OK);
        Some(self.items.id(out).expect("pop_due gave NULL"))
    }
    fn peek(&mut self, q: usize) -> Option<(u64, usize)> {
        let qp = self.q(q);
        let (mut at, mut out) = (0xD1D1_D1D1_u64, junk_ptr(SENTINEL));
        // SAFETY: as above.
        let rc = unsafe { uaio_nodeq_peek(qp, &mut at, &mut out) };
        if rc == UAIO_ENOENT {
            assert_eq!((at, out), (0xD1D1_D1D1, junk_ptr(SENTINEL)));
            return None;
        }
        assert_eq!(rc, UAIO_OK);
        Some((at, self.items.id(out).expect("peek gave NULL")))
    }
    fn next(&mut self, q: usize, x: Option<usize>) -> Option<usize> {
        let qp = self.q(q);
        let xp = x.map_or(std::ptr::null_mut(), |x| self.items.ptr(x));
        let mut out = junk_ptr(SENTINEL);
        // SAFETY: as above.
        let rc = unsafe { uaio_nodeq_next(qp, xp, &mut out) };
        if rc == UAIO_ENOENT {
            assert_eq!(out, junk_ptr(SENTINEL), "next wrote on ENOENT");
            return None;
        }
        assert_eq!(rc, UAIO_OK);
        Some(self.items.id(out).expect("next gave NULL"))
    }
    fn contains(&mut self, q: usize, x: usize) -> bool {
        let (qp, xp) = (self.q(q), self.items.ptr(x));
        // SAFETY: as above.
        unsafe { uaio_nodeq_contains(qp, xp) }
    }
    fn len(&mut self, q: usize) -> usize {
        let qp = self.q(q);
        // SAFETY: initialised queue.
        unsafe { uaio_nodeq_len(qp) }
    }
    fn key(&self, x: usize) -> u64 {
        // SAFETY: valid item.
        unsafe { (*self.items.node(x)).key }
    }
    fn set_key(&mut self, x: usize, key: u64) {
        // SAFETY: valid item; the caller may write its bits at any time.
        unsafe { (*self.items.node(x)).key = key }
    }
    fn links(&self, x: usize) -> [Option<usize>; 3] {
        // SAFETY: valid item.
        let (l, r, p) = unsafe {
            let n = self.items.node(x);
            ((*n).left, (*n).right, (*n).parent)
        };
        [self.items.id(l), self.items.id(r), self.items.id(p)]
    }
    fn root(&mut self, q: usize) -> Option<usize> {
        // The fields are private: climb from the first item.
        let mut x = self.first(q)?;
        for _ in 0..=self.items.n {
            match self.links(x)[2] {
                None => return Some(x),
                Some(p) => x = p,
            }
        }
        panic!("parent links loop");
    }
    fn first(&mut self, q: usize) -> Option<usize> {
        self.peek(q).map(|(_, x)| x)
    }
    fn priority(&self, _x: usize) -> Option<u32> {
        // A hash of the address, private to the C API.
        None
    }
    fn balanced(&self) -> bool {
        true
    }
    fn check_item(&self, x: usize) {
        // SAFETY: valid item; plain reads of its fields.
        let (tag, id) = unsafe {
            let p = self.items.base.add(x);
            ((*p).tag, (*p).id)
        };
        assert_eq!(
            (tag, id),
            (tag_of(x), x as u32),
            "item {x} written outside its node"
        );
    }
}

// ---- The model and the driver. ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    deadline: u64,
    seq: u64,
    id: usize,
}

struct Model {
    qs: [Vec<Entry>; 2],
    /// Which queue each item is in.
    at: Vec<Option<usize>>,
    /// Each item's caller bits.
    bits: Vec<u64>,
    /// Whether the item has left a queue since its last push (links NONE).
    left: Vec<bool>,
    seq: u64,
}

impl Model {
    fn new(bits: Vec<u64>) -> Self {
        let n = bits.len();
        Model {
            qs: [Vec::new(), Vec::new()],
            at: vec![None; n],
            bits,
            left: vec![false; n],
            seq: 0,
        }
    }
    fn push(&mut self, q: usize, id: usize, deadline: u64) -> Result<(), NodeError> {
        if deadline > MAX_DEADLINE {
            return Err(NodeError::BadDeadline);
        }
        if self.at[id].is_some() {
            return Err(NodeError::Busy);
        }
        let e = Entry {
            deadline,
            seq: self.seq,
            id,
        };
        self.seq += 1;
        let i = self.qs[q].partition_point(|m| (m.deadline, m.seq) < (e.deadline, e.seq));
        self.qs[q].insert(i, e);
        self.at[id] = Some(q);
        self.left[id] = false;
        Ok(())
    }
    fn take(&mut self, q: usize, i: usize) -> usize {
        let e = self.qs[q].remove(i);
        self.at[e.id] = None;
        self.left[e.id] = true;
        e.id
    }
    fn remove(&mut self, q: usize, id: usize) -> Result<(), NodeError> {
        let i = self.qs[q]
            .iter()
            .position(|e| e.id == id)
            .ok_or(NodeError::NotFound)?;
        self.take(q, i);
        Ok(())
    }
    fn pop_due(&mut self, q: usize, now: u64) -> Option<usize> {
        let first = self.qs[q].first()?;
        (first.deadline <= now).then(|| self.take(q, 0))
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Push(usize, usize, u64),
    Remove(usize, usize),
    PopDue(usize, u64),
    Peek(usize),
    Iterate(usize),
    Next(usize, usize),
    Contains(usize, usize),
    SetBits(usize, u64),
}

fn deadline(rng: &mut Rng) -> u64 {
    match rng.below(100) {
        0..=84 => rng.below(FEW),
        85..=94 => rng.below(MAX_DEADLINE),
        _ => [
            MAX_DEADLINE - 1,
            MAX_DEADLINE,
            MAX_DEADLINE + 1,
            u64::MAX,
            1 << 63,
        ][rng.index(5)],
    }
}

fn now(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0 => u64::MAX,
        1 => MAX_DEADLINE,
        2 => rng.next(),
        _ => rng.below(FEW + 1),
    }
}

/// An item of queue `q` if it has any (and `rng` says so), else any item.
fn pick(rng: &mut Rng, m: &Model, q: usize, n: usize) -> usize {
    if !m.qs[q].is_empty() && rng.percent(60) {
        m.qs[q][rng.index(m.qs[q].len())].id
    } else {
        rng.index(n)
    }
}

fn random_op(rng: &mut Rng, m: &Model, n: usize) -> Op {
    let q = rng.index(2);
    match rng.below(100) {
        0..=39 => Op::Push(q, rng.index(n), deadline(rng)),
        40..=54 => Op::Remove(q, pick(rng, m, q, n)),
        55..=69 => Op::PopDue(q, now(rng)),
        70..=74 => Op::Peek(q),
        75..=79 => Op::Iterate(q),
        80..=87 => Op::Next(q, pick(rng, m, q, n)),
        88..=94 => Op::Contains(q, pick(rng, m, q, n)),
        _ => Op::SetBits(rng.index(n), rng.below(CALLER_BITS + 1)),
    }
}

/// Applies `op` to both; returns what happened, for the statistics.
fn apply<B: Backend>(b: &mut B, m: &mut Model, op: Op) -> &'static str {
    match op {
        Op::Push(q, x, at) => {
            let before = b.key(x);
            let got = b.push(q, x, at);
            assert_eq!(got, m.push(q, x, at), "push");
            match got {
                Ok(()) => "push",
                Err(e) => {
                    assert_eq!(b.key(x), before, "a failed push changed the key");
                    match e {
                        NodeError::Busy => "push busy",
                        _ => "push bad deadline",
                    }
                }
            }
        }
        Op::Remove(q, x) => {
            let got = b.remove(q, x);
            assert_eq!(got, m.remove(q, x), "remove");
            if got.is_ok() {
                "remove"
            } else if m.at[x].is_some() {
                "remove of the other queue's"
            } else {
                "remove unqueued"
            }
        }
        Op::PopDue(q, now) => {
            let got = b.pop_due(q, now);
            assert_eq!(got, m.pop_due(q, now), "pop_due");
            if got.is_some() {
                "pop_due"
            } else {
                "pop_due none"
            }
        }
        Op::Peek(q) => {
            let want = m.qs[q].first().map(|e| (e.deadline, e.id));
            assert_eq!(b.peek(q), want, "peek");
            "peek"
        }
        Op::Iterate(q) => {
            let mut got = Vec::new();
            let mut x = b.next(q, None);
            while let Some(y) = x {
                got.push(y);
                assert!(got.len() <= m.qs[q].len(), "next runs past the end");
                x = b.next(q, Some(y));
            }
            let want: Vec<usize> = m.qs[q].iter().map(|e| e.id).collect();
            assert_eq!(got, want, "iteration order");
            "iterate"
        }
        Op::Next(q, x) => {
            let want = match m.qs[q].iter().position(|e| e.id == x) {
                Some(i) => m.qs[q].get(i + 1).map(|e| e.id),
                None => None,
            };
            assert_eq!(b.next(q, Some(x)), want, "next");
            match (want, m.at[x]) {
                (Some(_), _) => "next",
                (None, Some(aq)) if aq == q => "next at the end",
                _ => "next of an item not here",
            }
        }
        Op::Contains(q, x) => {
            let want = m.at[x] == Some(q);
            assert_eq!(b.contains(q, x), want, "contains");
            if want {
                "contains"
            } else {
                "contains not"
            }
        }
        Op::SetBits(x, bits) => {
            // The caller's bits are the caller's, queued or not.
            let k = b.key(x);
            b.set_key(x, (k & !CALLER_BITS) | bits);
            m.bits[x] = bits;
            "set caller bits"
        }
    }
}

fn log2_ceil(n: usize) -> u32 {
    usize::BITS - n.saturating_sub(1).leading_zeros()
}

/// Every structural and per-item invariant; returns the deepest depth seen.
fn check<B: Backend>(b: &mut B, m: &Model) -> usize {
    let n = b.items();
    let mut deepest = 0;
    for q in 0..2 {
        let model = &m.qs[q];
        assert_eq!(b.len(q), model.len(), "len of queue {q}");
        let want_first = model.first().map(|e| (e.deadline, e.id));
        assert_eq!(b.peek(q), want_first, "head of queue {q}");
        assert_eq!(b.first(q), want_first.map(|(_, x)| x), "first of queue {q}");
        let root = b.root(q);
        assert_eq!(root.is_none(), model.is_empty(), "root of queue {q}");
        // In-order walk with an explicit stack: (node, depth).
        let mut order = Vec::with_capacity(model.len());
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let mut cur = root.map(|r| (r, 1));
        if let Some(r) = root {
            assert_eq!(b.links(r)[2], None, "root of queue {q} has a parent");
        }
        loop {
            while let Some((x, d)) = cur {
                assert!(order.len() + stack.len() <= n, "queue {q} has a cycle");
                deepest = deepest.max(d);
                let [l, r, _] = b.links(x);
                for c in [l, r].into_iter().flatten() {
                    assert_eq!(b.links(c)[2], Some(x), "parent link of {c}");
                    if let (Some(pc), Some(px)) = (b.priority(c), b.priority(x)) {
                        assert!(pc <= px, "heap order: {c} ({pc:#x}) under {x} ({px:#x})");
                    }
                }
                stack.push((x, d));
                cur = l.map(|l| (l, d + 1));
            }
            let Some((x, d)) = stack.pop() else { break };
            order.push(x);
            cur = b.links(x)[1].map(|r| (r, d + 1));
        }
        let want: Vec<usize> = model.iter().map(|e| e.id).collect();
        assert_eq!(order, want, "in-order sequence of queue {q}");
        for e in model {
            let k = b.key(e.id);
            assert_eq!(k >> TAG_BITS, e.deadline, "deadline of {}", e.id);
        }
        let len = model.len();
        if b.balanced() && len >= 64 {
            let bound = 4 * log2_ceil(len) as usize + 10;
            assert!(deepest < bound, "depth {deepest} for {len} items");
        }
    }
    for x in 0..n {
        let k = b.key(x);
        assert_eq!(k & QUEUED != 0, m.at[x].is_some(), "QUEUED bit of {x}");
        assert_eq!(k & CALLER_BITS, m.bits[x], "caller bits of {x}");
        if m.left[x] {
            assert_eq!(b.links(x), [None; 3], "links of {x} after it left");
        }
        b.check_item(x);
    }
    deepest
}

/// Runs `ops` random operations on `n` items from `seed`, checking all
/// after each, then drains both queues.
fn run<B: Backend>(
    seed: u64,
    n: usize,
    ops: usize,
    make: impl FnOnce(&[u64], &mut Rng) -> B,
    stats: &mut BTreeMap<&'static str, u64>,
) {
    let mut rng = Rng::new(seed);
    let bits: Vec<u64> = (0..n).map(|_| rng.below(CALLER_BITS + 1)).collect();
    let mut b = make(&bits, &mut rng);
    let mut m = Model::new(bits);
    check(&mut b, &m);
    for i in 0..ops {
        let op = random_op(&mut rng, &m, n);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let what = apply(&mut b, &mut m, op);
            check(&mut b, &m);
            what
        }));
        match r {
            Ok(what) => *stats.entry(what).or_default() += 1,
            Err(_) => panic!("seed {seed:#x}, op {i}: {op:?}"),
        }
        let longest = m.qs[0].len().max(m.qs[1].len()) as u64;
        let e = stats.entry("(longest queue)").or_default();
        *e = (*e).max(longest);
    }
    // Drain both queues in order.
    for q in 0..2 {
        while let Some(x) = b.pop_due(q, u64::MAX) {
            assert_eq!(Some(x), m.pop_due(q, u64::MAX), "drain, seed {seed:#x}");
        }
        check(&mut b, &m);
    }
}

// Under Miri the arena (safe code) runs just once; the unsafe code is the
// C API's, so its backend keeps more of its share.
const SEEDS: u64 = if cfg!(miri) { 1 } else { 200 };
const FFI_SEEDS: u64 = if cfg!(miri) { 2 } else { 80 };
const OPS: usize = if cfg!(miri) { 100 } else { 400 };
const ITEMS: usize = if cfg!(miri) { 10 } else { 40 };

#[test]
fn arena_matches_model() {
    let start = Instant::now();
    let mut stats = BTreeMap::new();
    for seed in 0..SEEDS {
        // Every fourth seed gives priorities only 4 values: many ties.
        let mask = if seed % 4 == 3 { 3 } else { u32::MAX };
        let make = |bits: &[u64], rng: &mut Rng| ArenaBackend::new(bits, mask, rng);
        run(seed, ITEMS, OPS, make, &mut stats);
    }
    eprintln!(
        "arena: {SEEDS} seeds x {OPS} ops on {ITEMS} items in {:?}: {stats:?}",
        start.elapsed()
    );
}

#[test]
fn ffi_matches_model() {
    let start = Instant::now();
    let mut stats = BTreeMap::new();
    for seed in 0..FFI_SEEDS {
        run(
            0xFF1 ^ seed,
            ITEMS,
            OPS,
            |bits, _| FfiBackend::new(bits),
            &mut stats,
        );
    }
    eprintln!(
        "ffi: {FFI_SEEDS} seeds x {OPS} ops on {ITEMS} items in {:?}: {stats:?}",
        start.elapsed()
    );
}

/// Many items in one queue, in the orders that unbalance a plain search
/// tree (ascending, descending, all equal) and at random: the depth stays
/// logarithmic and everything leaves in order.
fn big<B: Backend>(b: &mut B, n: usize, rng: &mut Rng) {
    let mut m = Model::new((0..n).map(|x| b.key(x) & CALLER_BITS).collect());
    for pattern in 0..4 {
        for x in 0..n {
            let at = match pattern {
                0 => x as u64,
                1 => (n - x) as u64,
                2 => 7,
                _ => rng.below(n as u64 / 8 + 1),
            };
            assert_eq!(b.push(0, x, at), m.push(0, x, at));
        }
        let depth = check(b, &m);
        assert!(
            depth < 4 * log2_ceil(n) as usize + 10,
            "pattern {pattern}: depth {depth} for {n}"
        );
        // Cancel half at random, then pop the rest in order.
        for _ in 0..n / 2 {
            let x = pick(rng, &m, 0, n);
            assert_eq!(b.remove(0, x), m.remove(0, x));
        }
        check(b, &m);
        let mut now = 0;
        while !m.qs[0].is_empty() {
            now += rng.below(n as u64 / 4 + 2);
            while let Some(x) = b.pop_due(0, now) {
                assert_eq!(Some(x), m.pop_due(0, now));
            }
            assert_eq!(m.pop_due(0, now), None);
        }
        check(b, &m);
    }
}

#[test]
fn big_queues_stay_shallow() {
    let start = Instant::now();
    // Under Miri: the C API only, just big enough for the depth bound.
    let n = if cfg!(miri) { 64 } else { 3000 };
    let mut rng = Rng::new(0xB16);
    let bits: Vec<u64> = (0..n).map(|x| x as u64 & CALLER_BITS).collect();
    if !cfg!(miri) {
        let mut a = ArenaBackend::new(&bits, u32::MAX, &mut rng);
        big(&mut a, n, &mut rng);
    }
    let mut f = FfiBackend::new(&bits);
    big(&mut f, n, &mut rng);
    eprintln!("big: {n} items in {:?}", start.elapsed());
}

/// The C API's contract, case by case.
#[test]
fn ffi_error_paths_and_values() {
    const N: usize = 6;
    let items = Items::new(&[0x55, 0, 0x7f, 1, 0x2a, 0]);
    let p: Vec<*mut c_void> = (0..N).map(|i| items.ptr(i)).collect();
    let key = |i: usize| unsafe { (*items.node(i)).key };
    let set_key = |i: usize, k: u64| unsafe { (*items.node(i)).key = k };
    let links = |i: usize| unsafe {
        let n = items.node(i);
        [(*n).left, (*n).right, (*n).parent]
    };
    let null = std::ptr::null_mut::<c_void>();
    let sentinel = junk_ptr(SENTINEL);
    let mut qa = MaybeUninit::<uaio_nodeq>::uninit();
    let mut qb = MaybeUninit::<uaio_nodeq>::uninit();
    let (a, b) = (qa.as_mut_ptr(), qb.as_mut_ptr());
    let nq = std::ptr::null_mut::<uaio_nodeq>();

    assert_eq!(UAIO_NODE_QUEUED, 0x80);
    assert_eq!(UAIO_NODE_CALLER_BITS, 0x7f);
    assert_eq!(UAIO_NODE_DEADLINE_SHIFT, 8);
    assert_eq!(UAIO_NODEQ_MAX_DEADLINE, (1 << 56) - 1);

    // SAFETY: every pointer is NULL, a queue above, an item of `items`
    // (alive to the end) or a misaligned one the API rejects unread.
    unsafe {
        // init: NULL queue, misaligned node offsets.
        assert_eq!(uaio_nodeq_init(nq, OFF), UAIO_EINVAL);
        for bad in [1, 2, 4, OFF + 4, OFF - 1] {
            assert_eq!(uaio_nodeq_init(a, bad), UAIO_EINVAL, "offset {bad}");
        }
        assert_eq!(uaio_nodeq_init(a, OFF), UAIO_OK);
        assert_eq!(uaio_nodeq_init(b, OFF), UAIO_OK);

        // NULL queue everywhere.
        let (mut dl, mut out, mut to) = (123u64, sentinel, 456i64);
        assert_eq!(uaio_nodeq_push(nq, p[0], 1), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_remove(nq, p[0]), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_pop_due(nq, u64::MAX, &mut out), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_peek(nq, &mut dl, &mut out), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_timeout(nq, 0, &mut to), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_next(nq, null, &mut out), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_next(nq, p[0], &mut out), UAIO_EINVAL);
        assert!(!uaio_nodeq_contains(nq, p[0]));
        assert_eq!(uaio_nodeq_len(nq), 0);
        assert_eq!((dl, out, to), (123, sentinel, 456));

        // NULL and misaligned items.
        let skew = p[0].cast::<u8>().wrapping_add(4).cast::<c_void>();
        assert_eq!(uaio_nodeq_push(a, null, 1), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_remove(a, null), UAIO_EINVAL);
        assert!(!uaio_nodeq_contains(a, null));
        assert_eq!(uaio_nodeq_push(a, skew, 1), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_remove(a, skew), UAIO_EINVAL);
        assert_eq!(uaio_nodeq_next(a, skew, &mut out), UAIO_EINVAL);
        assert!(!uaio_nodeq_contains(a, skew));

        // Empty queue.
        assert_eq!(uaio_nodeq_len(a), 0);
        assert_eq!(uaio_nodeq_peek(a, &mut dl, &mut out), UAIO_ENOENT);
        assert_eq!(uaio_nodeq_pop_due(a, u64::MAX, &mut out), UAIO_ENOENT);
        assert_eq!(uaio_nodeq_next(a, null, &mut out), UAIO_ENOENT);
        assert_eq!((dl, out), (123, sentinel));
        assert_eq!(uaio_nodeq_timeout(a, 5, &mut to), UAIO_OK);
        assert_eq!(to, -1);
        assert_eq!(uaio_nodeq_remove(a, p[0]), UAIO_ENOENT);

        // Deadlines over the maximum change nothing.
        for bad in [UAIO_NODEQ_MAX_DEADLINE + 1, 1 << 63, u64::MAX] {
            assert_eq!(uaio_nodeq_push(a, p[0], bad), UAIO_EINVAL);
            assert_eq!(key(0), 0x55);
            assert_eq!(uaio_nodeq_len(a), 0);
            assert!(!uaio_nodeq_contains(a, p[0]));
        }

        // Pushes: caller bits kept, QUEUED set, deadline in the high bits.
        assert_eq!(uaio_nodeq_push(a, p[0], 300), UAIO_OK); // a: 0@300
        assert_eq!(
            key(0),
            300 << UAIO_NODE_DEADLINE_SHIFT | UAIO_NODE_QUEUED | 0x55
        );
        assert_eq!(uaio_nodeq_push(a, p[1], 100), UAIO_OK); // a: 1@100
        assert_eq!(uaio_nodeq_push(a, p[2], 200), UAIO_OK); // a: 2@200
        assert_eq!(uaio_nodeq_push(a, p[3], 100), UAIO_OK); // a: 3@100, after 1
        assert_eq!(uaio_nodeq_push(b, p[4], UAIO_NODEQ_MAX_DEADLINE), UAIO_OK);
        assert_eq!(key(4) & UAIO_NODE_CALLER_BITS, 0x2a);
        assert_eq!(key(4) >> UAIO_NODE_DEADLINE_SHIFT, UAIO_NODEQ_MAX_DEADLINE);
        assert_eq!((uaio_nodeq_len(a), uaio_nodeq_len(b)), (4, 1));

        // Double pushes, here and across queues, change nothing.
        let k2 = key(2);
        assert_eq!(uaio_nodeq_push(a, p[2], 5), UAIO_EBUSY);
        assert_eq!(uaio_nodeq_push(b, p[2], 5), UAIO_EBUSY);
        assert_eq!(uaio_nodeq_push(a, p[4], 5), UAIO_EBUSY);
        assert_eq!(key(2), k2);
        assert_eq!((uaio_nodeq_len(a), uaio_nodeq_len(b)), (4, 1));

        // contains: only this queue's items.
        assert!(uaio_nodeq_contains(a, p[2]));
        assert!(!uaio_nodeq_contains(b, p[2]));
        assert!(uaio_nodeq_contains(b, p[4]));
        assert!(!uaio_nodeq_contains(a, p[4]));
        assert!(!uaio_nodeq_contains(a, p[5]));

        // peek and timeout.
        assert_eq!(uaio_nodeq_peek(a, &mut dl, &mut out), UAIO_OK);
        assert_eq!((dl, out), (100, p[1]));
        assert_eq!(
            uaio_nodeq_peek(a, std::ptr::null_mut(), std::ptr::null_mut()),
            UAIO_OK
        );
        for (now, want) in [
            (0, 100),
            (60, 40),
            (99, 1),
            (100, 0),
            (101, 0),
            (u64::MAX, 0),
        ] {
            assert_eq!(uaio_nodeq_timeout(a, now, &mut to), UAIO_OK);
            assert_eq!(to, want, "timeout at {now}");
        }
        assert_eq!(uaio_nodeq_timeout(b, 0, &mut to), UAIO_OK);
        assert_eq!(to, UAIO_NODEQ_MAX_DEADLINE as i64);
        assert_eq!(uaio_nodeq_timeout(a, 0, std::ptr::null_mut()), UAIO_OK);

        // next: in order from NULL, ENOENT at the end and for items not here.
        let mut seen = Vec::new();
        let mut x = null;
        loop {
            out = sentinel;
            match uaio_nodeq_next(a, x, &mut out) {
                UAIO_OK => {
                    seen.push(out);
                    x = out;
                }
                rc => {
                    assert_eq!(rc, UAIO_ENOENT);
                    assert_eq!(out, sentinel);
                    break;
                }
            }
        }
        assert_eq!(seen, [p[1], p[3], p[2], p[0]]);
        out = sentinel;
        assert_eq!(uaio_nodeq_next(a, p[4], &mut out), UAIO_ENOENT); // in b
        assert_eq!(uaio_nodeq_next(a, p[5], &mut out), UAIO_ENOENT); // unqueued
        assert_eq!(uaio_nodeq_next(b, p[0], &mut out), UAIO_ENOENT); // in a
        assert_eq!(out, sentinel);
        assert_eq!(uaio_nodeq_next(b, null, &mut out), UAIO_OK);
        assert_eq!(out, p[4]);
        assert_eq!(uaio_nodeq_next(a, p[1], std::ptr::null_mut()), UAIO_OK);

        // remove: not queued, or in the other queue.
        assert_eq!(uaio_nodeq_remove(a, p[5]), UAIO_ENOENT);
        assert_eq!(uaio_nodeq_remove(a, p[4]), UAIO_ENOENT);
        assert_eq!(uaio_nodeq_remove(b, p[0]), UAIO_ENOENT);
        assert_eq!((uaio_nodeq_len(a), uaio_nodeq_len(b)), (4, 1));
        assert!(uaio_nodeq_contains(b, p[4]));

        // The caller may change its bits while queued.
        set_key(2, (key(2) & !UAIO_NODE_CALLER_BITS) | 0x11);
        assert_eq!(uaio_nodeq_remove(a, p[2]), UAIO_OK);
        assert_eq!(key(2), 200 << UAIO_NODE_DEADLINE_SHIFT | 0x11);
        assert_eq!(links(2), [null; 3]);
        assert_eq!(uaio_nodeq_remove(a, p[2]), UAIO_ENOENT);
        assert_eq!(uaio_nodeq_len(a), 3);

        // pop_due: nothing due leaves the out-parameter alone.
        out = sentinel;
        assert_eq!(uaio_nodeq_pop_due(a, 99, &mut out), UAIO_ENOENT);
        assert_eq!(out, sentinel);
        assert_eq!(uaio_nodeq_pop_due(a, 100, &mut out), UAIO_OK);
        assert_eq!(out, p[1]);
        assert_eq!(key(1) & (UAIO_NODE_QUEUED | UAIO_NODE_CALLER_BITS), 0);
        assert_eq!(links(1), [null; 3]);
        assert_eq!(uaio_nodeq_pop_due(a, 100, std::ptr::null_mut()), UAIO_OK); // 3
        assert!(!uaio_nodeq_contains(a, p[3]));
        assert_eq!(key(3) & (UAIO_NODE_QUEUED | UAIO_NODE_CALLER_BITS), 1);
        out = sentinel;
        assert_eq!(uaio_nodeq_pop_due(a, 299, &mut out), UAIO_ENOENT);
        assert_eq!(out, sentinel);
        assert_eq!(uaio_nodeq_pop_due(a, 300, &mut out), UAIO_OK);
        assert_eq!(out, p[0]);
        assert_eq!(key(0) & (UAIO_NODE_QUEUED | UAIO_NODE_CALLER_BITS), 0x55);
        assert_eq!(uaio_nodeq_len(a), 0);
        assert_eq!(uaio_nodeq_timeout(a, 0, &mut to), UAIO_OK);
        assert_eq!(to, -1);

        // Items that left can be pushed again, to either queue.
        assert_eq!(uaio_nodeq_push(b, p[0], 7), UAIO_OK);
        assert_eq!(uaio_nodeq_push(b, p[2], 7), UAIO_OK);
        assert_eq!(uaio_nodeq_push(a, p[1], 7), UAIO_OK);
        assert_eq!(uaio_nodeq_pop_due(b, 7, &mut out), UAIO_OK);
        assert_eq!(out, p[0]);
        assert_eq!(uaio_nodeq_pop_due(b, 7, &mut out), UAIO_OK);
        assert_eq!(out, p[2]);
        assert_eq!(
            uaio_nodeq_pop_due(b, UAIO_NODEQ_MAX_DEADLINE - 1, &mut out),
            UAIO_ENOENT
        );
        assert_eq!(
            uaio_nodeq_pop_due(b, UAIO_NODEQ_MAX_DEADLINE, &mut out),
            UAIO_OK
        );
        assert_eq!(out, p[4]);
        assert_eq!(key(4) & (UAIO_NODE_QUEUED | UAIO_NODE_CALLER_BITS), 0x2a);
        assert_eq!(uaio_nodeq_remove(a, p[1]), UAIO_OK);
        assert_eq!((uaio_nodeq_len(a), uaio_nodeq_len(b)), (0, 0));

        // A zero offset (the node first in the item) is fine too.
        assert_eq!(uaio_nodeq_init(a, 0), UAIO_OK);
    }
    for i in 0..N {
        // SAFETY: valid items.
        let (tag, id) = unsafe { ((*items.base.add(i)).tag, (*items.base.add(i)).id) };
        assert_eq!((tag, id), (tag_of(i), i as u32));
    }
}
