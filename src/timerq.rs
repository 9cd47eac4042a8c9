//! The timing queue: a binary min-heap of (deadline, sequence) over
//! caller-provided slots, with stable handles for O(log n) cancel.
//!
//! Slot `i` holds two unrelated things: the timer stored *in* slot `i`
//! (deadline, sequence, token, its heap position, generation) and the heap
//! array's element `i` (`heap`: which slot sits at heap position `i`). So a
//! single caller array of `cap` slots is all the storage the queue needs, and
//! handles (slot index + generation) survive a move to bigger storage.
//! Equal deadlines leave in push order: the sequence number breaks ties.

/// One slot of timer storage. Its fields are private to the queue.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimerSlot {
    deadline: u64,
    seq: u64,
    token: u64,
    /// Heap position of the timer in this slot, or the next free slot when free.
    pos: u32,
    /// Incremented each time the slot is freed; never 0.
    gen: u32,
    /// Heap element: the slot index at heap position (this slot's index).
    heap: u32,
    used: u32,
}

/// Errors of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueError {
    /// No free slot: move the queue into bigger storage.
    Full,
    /// The handle names no queued timer (already fired, cancelled, or never issued).
    NotFound,
    /// New storage too small for the queued timers, or over `u32::MAX` slots.
    TooSmall,
}

/// A timer handle: slot index in the low 32 bits, generation in the high 32.
/// Never 0.
pub type Handle = u64;

/// A timer taken from the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// When it is due.
    pub deadline: u64,
    /// What the caller stored with it.
    pub token: u64,
}

const NONE: u32 = u32::MAX;

/// The queue's state; storage lives with the caller.
#[repr(C)]
#[derive(Debug, Default)]
pub struct TimerQueue {
    len: u32,
    free: u32,
    /// Slots ever handed out; slots at and above it are untouched storage.
    hwm: u32,
    next_seq: u64,
}

fn handle(index: u32, gen: u32) -> Handle {
    (u64::from(gen) << 32) | u64::from(index)
}

fn before(a: &TimerSlot, b: &TimerSlot) -> bool {
    (a.deadline, a.seq) < (b.deadline, b.seq)
}

impl TimerQueue {
    /// An empty queue over `slots` (whose contents are ignored).
    pub fn new() -> Self {
        TimerQueue {
            len: 0,
            free: NONE,
            hwm: 0,
            next_seq: 0,
        }
    }

    /// Number of queued timers.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether no timer is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues `token` to fire at `deadline`; returns its handle.
    pub fn push(
        &mut self,
        slots: &mut [TimerSlot],
        deadline: u64,
        token: u64,
    ) -> Result<Handle, QueueError> {
        let index = self.alloc(slots)?;
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        let pos = self.len;
        let gen = {
            let s = slots.get_mut(index as usize).ok_or(QueueError::Full)?;
            s.deadline = deadline;
            s.seq = seq;
            s.token = token;
            s.used = 1;
            s.gen
        };
        self.len += 1;
        set_heap(slots, pos, index);
        self.sift_up(slots, pos);
        Ok(handle(index, gen))
    }

    /// The earliest timer, without removing it.
    pub fn peek(&self, slots: &[TimerSlot]) -> Option<Timer> {
        if self.len == 0 {
            return None;
        }
        let top = slots.first()?.heap;
        let s = slots.get(top as usize)?;
        Some(Timer {
            deadline: s.deadline,
            token: s.token,
        })
    }

    /// Removes and returns the earliest timer.
    pub fn pop(&mut self, slots: &mut [TimerSlot]) -> Option<Timer> {
        let top = slots.first()?.heap;
        if self.len == 0 {
            return None;
        }
        self.remove_at(slots, 0, top)
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    pub fn pop_due(&mut self, slots: &mut [TimerSlot], now: u64) -> Option<Timer> {
        match self.peek(slots) {
            Some(t) if t.deadline <= now => self.pop(slots),
            _ => None,
        }
    }

    /// Cancels the timer `h`; returns its token.
    pub fn cancel(&mut self, slots: &mut [TimerSlot], h: Handle) -> Result<Timer, QueueError> {
        let index = (h & 0xffff_ffff) as u32;
        let gen = (h >> 32) as u32;
        if index >= self.hwm {
            return Err(QueueError::NotFound);
        }
        let s = slots.get(index as usize).ok_or(QueueError::NotFound)?;
        if s.used == 0 || s.gen != gen {
            return Err(QueueError::NotFound);
        }
        let pos = s.pos;
        self.remove_at(slots, pos, index)
            .ok_or(QueueError::NotFound)
    }

    /// Copies the queue's storage from `old` into `new` (which may be larger
    /// or, if it still fits every slot handed out, smaller). Handles stay valid.
    pub fn relocate(&self, old: &[TimerSlot], new: &mut [TimerSlot]) -> Result<(), QueueError> {
        let hwm = self.hwm as usize;
        if new.len() < hwm || u32::try_from(new.len()).is_err() {
            return Err(QueueError::TooSmall);
        }
        let src = old.get(..hwm).ok_or(QueueError::TooSmall)?;
        let dst = new.get_mut(..hwm).ok_or(QueueError::TooSmall)?;
        dst.copy_from_slice(src);
        Ok(())
    }

    fn alloc(&mut self, slots: &mut [TimerSlot]) -> Result<u32, QueueError> {
        if self.free != NONE {
            let index = self.free;
            let s = slots.get(index as usize).ok_or(QueueError::Full)?;
            self.free = s.pos;
            return Ok(index);
        }
        // Capacity is bounded by u32 so that indices and NONE fit.
        let cap = u32::try_from(slots.len()).unwrap_or(NONE - 1).min(NONE - 1);
        if self.hwm >= cap {
            return Err(QueueError::Full);
        }
        let index = self.hwm;
        let s = slots.get_mut(index as usize).ok_or(QueueError::Full)?;
        *s = TimerSlot {
            gen: 1,
            ..TimerSlot::default()
        };
        self.hwm += 1;
        Ok(index)
    }

    /// Removes the timer in slot `index`, which sits at heap position `pos`.
    fn remove_at(&mut self, slots: &mut [TimerSlot], pos: u32, index: u32) -> Option<Timer> {
        let timer = {
            let s = slots.get_mut(index as usize)?;
            let t = Timer {
                deadline: s.deadline,
                token: s.token,
            };
            s.used = 0;
            s.gen = s.gen.wrapping_add(1).max(1);
            s.pos = self.free;
            t
        };
        self.free = index;
        self.len -= 1;
        let last = self.len;
        if pos != last {
            let moved = slots.get(last as usize)?.heap;
            set_heap(slots, pos, moved);
            // The moved timer may belong above or below its new place.
            self.sift_up(slots, pos);
            self.sift_down(slots, pos);
        }
        Some(timer)
    }

    fn sift_up(&self, slots: &mut [TimerSlot], mut pos: u32) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !less(slots, pos, parent) {
                break;
            }
            swap(slots, pos, parent);
            pos = parent;
        }
    }

    fn sift_down(&self, slots: &mut [TimerSlot], mut pos: u32) {
        loop {
            let left = pos.saturating_mul(2).saturating_add(1);
            if left >= self.len {
                break;
            }
            let right = left + 1;
            let child = if right < self.len && less(slots, right, left) {
                right
            } else {
                left
            };
            if !less(slots, child, pos) {
                break;
            }
            swap(slots, pos, child);
            pos = child;
        }
    }
}

/// The slot at heap position `pos`.
fn at(slots: &[TimerSlot], pos: u32) -> Option<&TimerSlot> {
    let index = slots.get(pos as usize)?.heap;
    slots.get(index as usize)
}

/// Whether heap position `a` comes before heap position `b`.
fn less(slots: &[TimerSlot], a: u32, b: u32) -> bool {
    match (at(slots, a), at(slots, b)) {
        (Some(x), Some(y)) => before(x, y),
        _ => false,
    }
}

/// Puts slot `index` at heap position `pos`.
fn set_heap(slots: &mut [TimerSlot], pos: u32, index: u32) {
    if let Some(h) = slots.get_mut(pos as usize) {
        h.heap = index;
    }
    if let Some(s) = slots.get_mut(index as usize) {
        s.pos = pos;
    }
}

fn swap(slots: &mut [TimerSlot], a: u32, b: u32) {
    let (ia, ib) = match (slots.get(a as usize), slots.get(b as usize)) {
        (Some(x), Some(y)) => (x.heap, y.heap),
        _ => return,
    };
    set_heap(slots, a, ib);
    set_heap(slots, b, ia);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn storage(n: usize) -> Vec<TimerSlot> {
        vec![TimerSlot::default(); n]
    }

    #[test]
    fn pops_in_deadline_order_fifo_among_equals() {
        let mut s = storage(8);
        let mut q = TimerQueue::new();
        for (d, t) in [(30, 0), (10, 1), (20, 2), (10, 3), (30, 4), (10, 5)] {
            q.push(&mut s, d, t).unwrap();
        }
        let order: Vec<u64> = std::iter::from_fn(|| q.pop(&mut s).map(|t| t.token)).collect();
        assert_eq!(order, [1, 3, 5, 2, 0, 4]);
        assert!(q.is_empty());
        assert_eq!(q.pop(&mut s), None);
        assert_eq!(q.peek(&s), None);
    }

    #[test]
    fn full_storage_is_reported_and_relocation_keeps_handles() {
        let mut s = storage(2);
        let mut q = TimerQueue::new();
        let a = q.push(&mut s, 5, 1).unwrap();
        q.push(&mut s, 3, 2).unwrap();
        assert_eq!(q.push(&mut s, 1, 3), Err(QueueError::Full));
        let mut big = storage(4);
        assert_eq!(q.relocate(&s, &mut big[..1]), Err(QueueError::TooSmall));
        q.relocate(&s, &mut big).unwrap();
        q.push(&mut big, 1, 3).unwrap();
        assert_eq!(q.cancel(&mut big, a).map(|t| t.token), Ok(1));
        assert_eq!(q.pop(&mut big).map(|t| t.token), Some(3));
        assert_eq!(q.pop(&mut big).map(|t| t.token), Some(2));
    }

    #[test]
    fn stale_and_foreign_handles_are_rejected() {
        let mut s = storage(4);
        let mut q = TimerQueue::new();
        let a = q.push(&mut s, 5, 1).unwrap();
        assert_ne!(a, 0);
        assert!(q.cancel(&mut s, a).is_ok());
        assert_eq!(q.cancel(&mut s, a), Err(QueueError::NotFound));
        let b = q.push(&mut s, 5, 2).unwrap(); // reuses the slot
        assert_eq!(b & 0xffff_ffff, a & 0xffff_ffff);
        assert_eq!(q.cancel(&mut s, a), Err(QueueError::NotFound));
        assert_eq!(q.cancel(&mut s, 0), Err(QueueError::NotFound));
        assert_eq!(q.cancel(&mut s, 3), Err(QueueError::NotFound));
        assert_eq!(q.cancel(&mut s, u64::MAX), Err(QueueError::NotFound));
        assert_eq!(q.pop(&mut s).map(|t| t.token), Some(2));
        assert_eq!(q.cancel(&mut s, b), Err(QueueError::NotFound));
    }

    #[test]
    fn pop_due_respects_now() {
        let mut s = storage(4);
        let mut q = TimerQueue::new();
        q.push(&mut s, 100, 7).unwrap();
        assert_eq!(q.pop_due(&mut s, 99), None);
        assert_eq!(q.pop_due(&mut s, 100).map(|t| t.token), Some(7));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u64),
        Pop,
        Cancel(usize),
        Grow,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..50).prop_map(Op::Push),
            2 => Just(Op::Pop),
            2 => (0usize..64).prop_map(Op::Cancel),
            1 => Just(Op::Grow),
        ]
    }

    proptest! {
        // Miri interprets every step: a few cases there.
        #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 2 } else { 256 }, ..ProptestConfig::default() })]

        /// Random push / pop / cancel / grow against a sorted-list model.
        /// Deadlines sit near every wrap point of the counters the caller
        /// extends (the queue itself orders plain u64 time).
        #[test]
        fn matches_a_sorted_list(base in prop_oneof![
                Just(0u64), Just((1u64 << 30) - 20), Just((1u64 << 32) - 20),
                Just((1u64 << 62) - 20), Just(u64::MAX - 100)],
            ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 80 } else { 400 })) {
            let mut s = storage(4);
            let mut q = TimerQueue::new();
            // Model: (deadline, seq, token, handle), kept sorted.
            let mut model: Vec<(u64, u64, u64, Handle)> = Vec::new();
            let mut handles: Vec<Handle> = Vec::new();
            let mut seq = 0u64;
            for o in ops {
                match o {
                    Op::Push(d) => {
                        match q.push(&mut s, base + d, seq) {
                            Ok(h) => {
                                model.push((base + d, seq, seq, h));
                                model.sort();
                                handles.push(h);
                            }
                            Err(e) => {
                                prop_assert_eq!(e, QueueError::Full);
                                prop_assert_eq!(model.len(), s.len());
                            }
                        }
                        seq += 1;
                    }
                    Op::Pop => {
                        let want = if model.is_empty() { None } else { Some(model.remove(0)) };
                        let got = q.pop(&mut s);
                        prop_assert_eq!(got.map(|t| (t.deadline, t.token)), want.map(|m| (m.0, m.2)));
                    }
                    Op::Cancel(i) => {
                        if let Some(&h) = handles.get(i % handles.len().max(1)) {
                            let pos = model.iter().position(|m| m.3 == h);
                            let got = q.cancel(&mut s, h);
                            match pos {
                                Some(p) => { let m = model.remove(p); prop_assert_eq!(got.map(|t| t.token), Ok(m.2)); }
                                None => prop_assert_eq!(got, Err(QueueError::NotFound)),
                            }
                        }
                    }
                    Op::Grow if s.len() < 512 => {
                        let mut big = storage(s.len() * 2);
                        q.relocate(&s, &mut big).unwrap();
                        s = big;
                    }
                    Op::Grow => {}
                }
                prop_assert_eq!(q.len() as usize, model.len());
                prop_assert_eq!(q.peek(&s).map(|t| t.token), model.first().map(|m| m.2));
            }
        }
    }
}
