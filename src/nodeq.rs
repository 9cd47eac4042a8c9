//! The intrusive timing queue: each queued item carries its own node
//! (deadline and links), so queuing allocates nothing and needs no storage
//! beyond the items themselves (a MicroPython task sleeps at no cost over
//! its own object).
//!
//! A treap: a search tree in deadline order whose shape is a heap of
//! priorities hashed from the items' identities, so its depth is O(log n)
//! expected whatever the deadlines. Equal deadlines go to the right of the
//! ones already queued, and rotations keep the in-order sequence, so equal
//! deadlines leave in push order without a sequence number. The leftmost
//! item is cached: the earliest deadline is O(1), taking it O(1) amortised,
//! push and cancel O(log n) expected.
//!
//! A node's key holds the deadline in its high 56 bits. Its low byte is a
//! tag: bit 7 says "queued" (the queue's), bits 0..6 are the caller's,
//! kept as they are, so an item can keep flags there at no cost.

/// Bits of the key below the deadline.
pub const TAG_BITS: u32 = 8;
/// Key bit set while the item is queued.
pub const QUEUED: u64 = 0x80;
/// Key bits that belong to the caller.
pub const CALLER_BITS: u64 = 0x7f;
/// The latest deadline a key can hold.
pub const MAX_DEADLINE: u64 = u64::MAX >> TAG_BITS;

/// A link of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Earlier deadlines (and no later ones).
    Left,
    /// Later or equal deadlines.
    Right,
    /// The parent, or none at the root.
    Parent,
}

impl Link {
    fn opposite(self) -> Link {
        if self == Link::Left {
            Link::Right
        } else {
            Link::Left
        }
    }
}

/// Where the nodes are: the C API keeps them inside the caller's items,
/// the tests in an array.
pub trait Nodes {
    /// Names an item.
    type Id: Copy + PartialEq;
    /// No item.
    const NONE: Self::Id;
    /// The key of `x`'s node.
    fn key(&self, x: Self::Id) -> u64;
    /// Sets the key of `x`'s node.
    fn set_key(&mut self, x: Self::Id, key: u64);
    /// A link of `x`'s node.
    fn link(&self, x: Self::Id, l: Link) -> Self::Id;
    /// Sets a link of `x`'s node.
    fn set_link(&mut self, x: Self::Id, l: Link, to: Self::Id);
    /// The item's treap priority: a hash of its identity, fixed while queued.
    fn priority(&self, x: Self::Id) -> u32;
}

/// Errors of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeError {
    /// The item is queued already.
    Busy,
    /// The item is not in this queue.
    NotFound,
    /// The deadline is over [`MAX_DEADLINE`].
    BadDeadline,
}

/// The queue: its root, its earliest item and how many it holds. `repr(C)`:
/// the C API's `uaio_nodeq` begins with these fields and is used in place.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeQueue<I> {
    /// The treap's root.
    pub root: I,
    /// The leftmost (earliest) item.
    pub first: I,
    /// Items queued.
    pub len: usize,
}

/// A well-mixed 32-bit hash of a 32-bit value (a "lowbias32" mixer).
pub fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x7feb_352d);
    h ^= h >> 15;
    h = h.wrapping_mul(0x846c_a68b);
    h ^ (h >> 16)
}

fn deadline<N: Nodes>(n: &N, x: N::Id) -> u64 {
    n.key(x) >> TAG_BITS
}

impl<I: Copy + PartialEq> NodeQueue<I> {
    /// An empty queue.
    pub fn new<N: Nodes<Id = I>>() -> Self {
        NodeQueue {
            root: N::NONE,
            first: N::NONE,
            len: 0,
        }
    }

    /// Queues `x` to be due at `deadline`, after the items due at the same
    /// time. Its caller bits are kept; its links are overwritten.
    pub fn push<N: Nodes<Id = I>>(&mut self, n: &mut N, x: I, at: u64) -> Result<(), NodeError> {
        if at > MAX_DEADLINE {
            return Err(NodeError::BadDeadline);
        }
        let key = n.key(x);
        if key & QUEUED != 0 {
            return Err(NodeError::Busy);
        }
        n.set_key(x, at << TAG_BITS | QUEUED | (key & CALLER_BITS));
        n.set_link(x, Link::Left, N::NONE);
        n.set_link(x, Link::Right, N::NONE);
        // A later deadline than `at` is a key above `at`'s with every tag
        // bit set: keys compare without their shift.
        let last = at << TAG_BITS | (QUEUED | CALLER_BITS);
        // Down to a leaf: left of later deadlines, right of the others.
        let (mut parent, mut side, mut y) = (N::NONE, Link::Left, self.root);
        while y != N::NONE {
            parent = y;
            side = if n.key(y) > last {
                Link::Left
            } else {
                Link::Right
            };
            y = n.link(y, side);
        }
        n.set_link(x, Link::Parent, parent);
        if parent == N::NONE {
            self.root = x;
        } else {
            n.set_link(parent, side, x);
        }
        if self.first == N::NONE || n.key(self.first) > last {
            self.first = x;
        }
        // Up to its place in the priority heap.
        loop {
            let p = n.link(x, Link::Parent);
            if p == N::NONE || n.priority(x) <= n.priority(p) {
                break;
            }
            self.rotate_up(n, x);
        }
        self.len += 1;
        Ok(())
    }

    /// The earliest item and its deadline.
    pub fn peek<N: Nodes<Id = I>>(&self, n: &N) -> Option<(u64, I)> {
        (self.first != N::NONE).then(|| (deadline(n, self.first), self.first))
    }

    /// Takes the earliest item if it is due at or before `now`.
    pub fn pop_due<N: Nodes<Id = I>>(&mut self, n: &mut N, now: u64) -> Option<I> {
        let (at, x) = self.peek(n)?;
        if at > now {
            return None;
        }
        self.unlink(n, x);
        Some(x)
    }

    /// Whether `x` is in this queue (not merely in some queue).
    pub fn contains<N: Nodes<Id = I>>(&self, n: &N, x: I) -> bool {
        if x == N::NONE || n.key(x) & QUEUED == 0 {
            return false;
        }
        // A queued item's links are a queue's: climb to its root. A depth
        // over `len` means another, bigger queue.
        let mut top = x;
        for _ in 0..self.len {
            let p = n.link(top, Link::Parent);
            if p == N::NONE {
                return top == self.root;
            }
            top = p;
        }
        false
    }

    /// Takes `x` out of the queue (cancel).
    pub fn remove<N: Nodes<Id = I>>(&mut self, n: &mut N, x: I) -> Result<(), NodeError> {
        if !self.contains(n, x) {
            return Err(NodeError::NotFound);
        }
        self.unlink(n, x);
        Ok(())
    }

    /// The item after `x` in deadline order (the earliest if `x` is none);
    /// none after the last, or if `x` is not in this queue.
    pub fn next<N: Nodes<Id = I>>(&self, n: &N, x: I) -> I {
        if x == N::NONE {
            self.first
        } else if self.contains(n, x) {
            successor(n, x)
        } else {
            N::NONE
        }
    }

    fn unlink<N: Nodes<Id = I>>(&mut self, n: &mut N, x: I) {
        if x == self.first {
            self.first = successor(n, x);
        }
        // Down until it has at most one child, keeping the heap order.
        loop {
            let (l, r) = (n.link(x, Link::Left), n.link(x, Link::Right));
            if l == N::NONE || r == N::NONE {
                let child = if l == N::NONE { r } else { l };
                self.replace(n, n.link(x, Link::Parent), x, child);
                break;
            }
            self.rotate_up(n, if n.priority(l) > n.priority(r) { l } else { r });
        }
        // Unqueued links are the caller's; none keep other items alive.
        n.set_key(x, n.key(x) & !QUEUED);
        n.set_link(x, Link::Left, N::NONE);
        n.set_link(x, Link::Right, N::NONE);
        n.set_link(x, Link::Parent, N::NONE);
        self.len -= 1;
    }

    /// Puts `new` (maybe none) where `old` was under `parent`.
    fn replace<N: Nodes<Id = I>>(&mut self, n: &mut N, parent: I, old: I, new: I) {
        if parent == N::NONE {
            self.root = new;
        } else if n.link(parent, Link::Left) == old {
            n.set_link(parent, Link::Left, new);
        } else {
            n.set_link(parent, Link::Right, new);
        }
        if new != N::NONE {
            n.set_link(new, Link::Parent, parent);
        }
    }

    /// Rotates `x` above its parent (the in-order sequence is unchanged).
    fn rotate_up<N: Nodes<Id = I>>(&mut self, n: &mut N, x: I) {
        let p = n.link(x, Link::Parent);
        let side = if n.link(p, Link::Left) == x {
            Link::Left
        } else {
            Link::Right
        };
        let inner = n.link(x, side.opposite());
        n.set_link(p, side, inner);
        if inner != N::NONE {
            n.set_link(inner, Link::Parent, p);
        }
        let g = n.link(p, Link::Parent);
        n.set_link(x, side.opposite(), p);
        n.set_link(p, Link::Parent, x);
        self.replace(n, g, p, x);
    }
}

/// The in-order successor of a queued `x`.
fn successor<N: Nodes>(n: &N, x: N::Id) -> N::Id {
    let mut y = n.link(x, Link::Right);
    if y != N::NONE {
        loop {
            let l = n.link(y, Link::Left);
            if l == N::NONE {
                return y;
            }
            y = l;
        }
    }
    // Up to the first ancestor reached from its left.
    let mut c = x;
    loop {
        let p = n.link(c, Link::Parent);
        if p == N::NONE || n.link(p, Link::Left) == c {
            return p;
        }
        c = p;
    }
}
