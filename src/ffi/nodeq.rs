//! C API of [`crate::nodeq`]: the nodes are inside the caller's items.
use super::{put, UAIO_EBUSY, UAIO_EINVAL, UAIO_ENOENT, UAIO_OK};
use crate::nodeq::{mix32, Link, NodeError, NodeQueue, Nodes};
use core::ffi::c_void;
use core::mem::align_of;

/// The node an item embeds to be queued in a `uaio_nodeq`.
///
/// `key`: the deadline in bits 63..8 (`UAIO_NODE_DEADLINE_SHIFT`); bit 7
/// (`UAIO_NODE_QUEUED`) is set while queued; bits 0..6
/// (`UAIO_NODE_CALLER_BITS`) are the caller's, never changed by the queue.
/// Zero the key before first use. The links point at items (not nodes), so
/// a conservative garbage collector sees queued items as referenced. They
/// are the queue's only while the item is queued, NULL after it leaves.
#[repr(C)]
pub struct uaio_node {
    /// Deadline and tag bits.
    pub key: u64,
    /// Item with earlier deadlines.
    pub left: *mut c_void,
    /// Item with later or equal deadlines.
    pub right: *mut c_void,
    /// Parent item, NULL at the root.
    pub parent: *mut c_void,
}

// Literals, not paths: cbindgen drops constants it cannot evaluate.
/// Bit of `uaio_node.key` set while the item is queued.
pub const UAIO_NODE_QUEUED: u64 = 0x80;
/// Bits of `uaio_node.key` that belong to the caller.
pub const UAIO_NODE_CALLER_BITS: u64 = 0x7f;
/// Shift of the deadline in `uaio_node.key`.
pub const UAIO_NODE_DEADLINE_SHIFT: u32 = 8;
/// The latest deadline a `uaio_nodeq` takes (2^56 - 1).
pub const UAIO_NODEQ_MAX_DEADLINE: u64 = u64::MAX >> 8;
const _: () = assert!(
    UAIO_NODE_QUEUED == crate::nodeq::QUEUED
        && UAIO_NODE_CALLER_BITS == crate::nodeq::CALLER_BITS
        && UAIO_NODE_DEADLINE_SHIFT == crate::nodeq::TAG_BITS
        && UAIO_NODEQ_MAX_DEADLINE == crate::nodeq::MAX_DEADLINE
);

/// A timing queue of items that embed a `uaio_node` at `node_offset`:
/// deadline order, FIFO among equal deadlines, O(log n) expected push and
/// cancel, no storage of its own. Fields are private.
#[repr(C)]
pub struct uaio_nodeq {
    root: *mut c_void,
    first: *mut c_void,
    len: usize,
    node_offset: usize,
}

/// The nodes of items with a node at `offset`.
struct Items {
    offset: usize,
}

impl Items {
    fn node(&self, x: *mut c_void) -> *mut uaio_node {
        x.cast::<u8>().wrapping_add(self.offset).cast()
    }

    /// Whether `x` can be an item: not NULL, its node aligned.
    fn fits(&self, x: *mut c_void) -> bool {
        !x.is_null() && (x as usize).wrapping_add(self.offset) % align_of::<uaio_node>() == 0
    }
}

// SAFETY (every method): the ids are items the caller passed or the queue
// linked, valid with an aligned node at `offset` (the API's contract).
impl Nodes for Items {
    type Id = *mut c_void;
    const NONE: *mut c_void = core::ptr::null_mut();
    fn key(&self, x: *mut c_void) -> u64 {
        // SAFETY: see above.
        unsafe { (*self.node(x)).key }
    }
    fn set_key(&mut self, x: *mut c_void, key: u64) {
        // SAFETY: see above.
        unsafe { (*self.node(x)).key = key }
    }
    fn link(&self, x: *mut c_void, l: Link) -> *mut c_void {
        // SAFETY: see above.
        let node = unsafe { &*self.node(x) };
        match l {
            Link::Left => node.left,
            Link::Right => node.right,
            Link::Parent => node.parent,
        }
    }
    fn set_link(&mut self, x: *mut c_void, l: Link, to: *mut c_void) {
        // SAFETY: see above.
        let node = unsafe { &mut *self.node(x) };
        match l {
            Link::Left => node.left = to,
            Link::Right => node.right = to,
            Link::Parent => node.parent = to,
        }
    }
    fn priority(&self, x: *mut c_void) -> u32 {
        let a = x as usize as u64;
        mix32((a ^ (a >> 32)) as u32)
    }
}

/// The result code of an operation on an item (None: NULL queue or item).
fn status(r: Option<Result<(), NodeError>>) -> i32 {
    match r {
        Some(Ok(())) => UAIO_OK,
        Some(Err(NodeError::Busy)) => UAIO_EBUSY,
        Some(Err(NodeError::NotFound)) => UAIO_ENOENT,
        Some(Err(NodeError::BadDeadline)) | None => UAIO_EINVAL,
    }
}

// `uaio_nodeq` begins with a `NodeQueue`'s fields, in their order: the
// queue is worked on in place.
const _: () = {
    use core::mem::offset_of;
    type Q = NodeQueue<*mut c_void>;
    assert!(
        offset_of!(uaio_nodeq, root) == offset_of!(Q, root)
            && offset_of!(uaio_nodeq, first) == offset_of!(Q, first)
            && offset_of!(uaio_nodeq, len) == offset_of!(Q, len)
            && core::mem::size_of::<Q>() <= offset_of!(uaio_nodeq, node_offset)
    );
};

/// Runs `f` on the queue `q` (None for NULL).
///
/// # Safety
/// `q` is NULL or initialised, and its items valid.
unsafe fn with<R>(
    q: *mut uaio_nodeq,
    f: impl FnOnce(&mut NodeQueue<*mut c_void>, &mut Items) -> R,
) -> Option<R> {
    // SAFETY: by contract.
    let offset = unsafe { q.as_ref() }?.node_offset;
    // SAFETY: non-NULL and valid by contract; its first fields are a
    // `NodeQueue`'s (asserted above), and nothing else refers to it here.
    let core = unsafe { &mut *q.cast::<NodeQueue<*mut c_void>>() };
    Some(f(core, &mut Items { offset }))
}

/// Makes `q` an empty queue of items with a `uaio_node` at byte
/// `node_offset` (`offsetof(item, node)`).
///
/// # Safety
/// `q` is NULL or valid for writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_init(q: *mut uaio_nodeq, node_offset: usize) -> i32 {
    if q.is_null() || node_offset % align_of::<uaio_node>() != 0 {
        return UAIO_EINVAL;
    }
    let core = NodeQueue::new::<Items>();
    // SAFETY: checked non-NULL; valid by contract.
    unsafe {
        put(
            q,
            uaio_nodeq {
                root: core.root,
                first: core.first,
                len: core.len,
                node_offset,
            },
        )
    };
    UAIO_OK
}

/// Queues `item` to be due at `deadline` (at most
/// `UAIO_NODEQ_MAX_DEADLINE`, else `UAIO_EINVAL`), after the items due at
/// the same time. `UAIO_EBUSY` if it is queued already (here or elsewhere).
///
/// # Safety
/// `q` is NULL or initialised; `item` is NULL or a valid item whose key
/// was zeroed before its first use, and stays valid while queued.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_push(
    q: *mut uaio_nodeq,
    item: *mut c_void,
    deadline: u64,
) -> i32 {
    // SAFETY: by contract.
    let r = unsafe {
        with(q, |core, items| {
            items.fits(item).then(|| core.push(items, item, deadline))
        })
    };
    status(r.flatten())
}

/// Takes `item` out of the queue (cancel); `UAIO_ENOENT` if it is not in
/// this queue.
///
/// # Safety
/// `q` is NULL or initialised; `item` is NULL or a valid item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_remove(q: *mut uaio_nodeq, item: *mut c_void) -> i32 {
    // SAFETY: by contract.
    let r = unsafe {
        with(q, |core, items| {
            items.fits(item).then(|| core.remove(items, item))
        })
    };
    status(r.flatten())
}

/// Takes the earliest item if its deadline is at or before `now`, into
/// `*out_item`; `UAIO_ENOENT` when none is due.
///
/// # Safety
/// `q` is NULL or initialised; `out_item` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_pop_due(
    q: *mut uaio_nodeq,
    now: u64,
    out_item: *mut *mut c_void,
) -> i32 {
    // SAFETY: by contract.
    match unsafe { with(q, |core, items| core.pop_due(items, now)) } {
        Some(Some(x)) => {
            // SAFETY: NULL or valid by contract.
            unsafe { put(out_item, x) };
            UAIO_OK
        }
        Some(None) => UAIO_ENOENT,
        None => UAIO_EINVAL,
    }
}

/// The earliest item and its deadline, left queued; `UAIO_ENOENT` when empty.
///
/// # Safety
/// `q` is NULL or initialised; the out-pointers are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_peek(
    q: *mut uaio_nodeq,
    out_deadline: *mut u64,
    out_item: *mut *mut c_void,
) -> i32 {
    // SAFETY: by contract.
    match unsafe { with(q, |core, items| core.peek(items)) } {
        Some(Some((at, x))) => {
            // SAFETY: NULL or valid by contract.
            unsafe {
                put(out_deadline, at);
                put(out_item, x);
            }
            UAIO_OK
        }
        Some(None) => UAIO_ENOENT,
        None => UAIO_EINVAL,
    }
}

/// Time from `now` to the earliest deadline into `*out`: -1 when the queue
/// is empty, 0 when an item is due, else the positive difference.
///
/// # Safety
/// `q` is NULL or initialised; `out` is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_timeout(q: *mut uaio_nodeq, now: u64, out: *mut i64) -> i32 {
    // SAFETY: by contract.
    let Some(first) = (unsafe { with(q, |core, items| core.peek(items)) }) else {
        return UAIO_EINVAL;
    };
    // Deadlines are under 2^56: the difference fits.
    let t = first.map_or(-1, |(at, _)| at.saturating_sub(now) as i64);
    // SAFETY: NULL or valid by contract.
    unsafe { put(out, t) };
    UAIO_OK
}

/// The item after `item` in deadline order, or the earliest for NULL, into
/// `*out_item`; `UAIO_ENOENT` after the last, or if `item` is not in this queue.
///
/// # Safety
/// `q` is NULL or initialised; `item` is NULL or a valid item; `out_item`
/// is NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_next(
    q: *mut uaio_nodeq,
    item: *mut c_void,
    out_item: *mut *mut c_void,
) -> i32 {
    // SAFETY: by contract.
    let r = unsafe {
        with(q, |core, items| {
            (item.is_null() || items.fits(item)).then(|| core.next(items, item))
        })
    };
    match r {
        None | Some(None) => UAIO_EINVAL,
        Some(Some(x)) if !x.is_null() => {
            // SAFETY: NULL or valid by contract.
            unsafe { put(out_item, x) };
            UAIO_OK
        }
        _ => UAIO_ENOENT,
    }
}

/// Whether `item` is in this queue (0 for NULL arguments).
///
/// # Safety
/// `q` is NULL or initialised; `item` is NULL or a valid item.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_contains(q: *mut uaio_nodeq, item: *mut c_void) -> bool {
    // SAFETY: by contract.
    let r = unsafe {
        with(q, |core, items| {
            items.fits(item) && core.contains(items, item)
        })
    };
    r == Some(true)
}

/// Number of queued items (0 for NULL).
///
/// # Safety
/// `q` is NULL or initialised.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn uaio_nodeq_len(q: *const uaio_nodeq) -> usize {
    // SAFETY: by contract.
    unsafe { q.as_ref() }.map_or(0, |q| q.len)
}
