//! The poll-wait registry: which I/O object waits for what, and for whom.
//!
//! Each registered object (a `handle`: the caller's pointer or id, plus the
//! file descriptor it polls by, or -1 for an object without one) has at most
//! one waiting token per direction. A wait fires *one-shot*: a ready
//! direction is disarmed and its token queued for the caller; an object with
//! no armed direction leaves the registry. Waits are keyed by object, and the
//! fd is taken again on every arm, so a closed-and-reused fd number cannot
//! wake a stale waiter.
//!
//! The wait itself lives in `ffi::wait` (it needs the host's poll(2) or the
//! port's hooks); this module is safe bookkeeping only.
//!
//! Targets without poll(2) (bare metal) have no fds: every object is asked
//! through the port's `poll_object` hook (an fd given is ignored, as stock
//! MicroPython's `select.poll` ignores `MP_STREAM_GET_FILENO` there), and
//! the fd bookkeeping (the fd table, the host event queue's state, the
//! changed list) is compiled out (see [`FDS`]), and so is the handle table:
//! objects are found by a scan of the slots there (see [`HANDLE_TABLE`]).
//! The slot layout stays the same on every target.

/// Readable (also the event bit reported for it).
pub const READ: u32 = 1;
/// Writable.
pub const WRITE: u32 = 2;
/// Error or hang-up: reported together with the direction it woke.
pub const ERROR: u32 = 4;

/// Whether this target waits on fds (poll(2)); without, the fd-only code
/// below is left out by the compiler (`if FDS` on a constant).
pub const FDS: bool = cfg!(unix);

/// Whether objects are found through the handle hash table. Where there are
/// no fds the wait asks the port's hook about every armed object, so a scan
/// of the slots costs no more than the wait that follows it, and the
/// table's upkeep (inserts, removals, the rebuild on a move) is left out.
/// `--cfg uaio_handle_scan` scans on any target: the host's tests run so
/// too (`make test-rust`).
const HANDLE_TABLE: bool = FDS && !cfg!(uaio_handle_scan);

const NONE: u32 = u32::MAX;
/// In `kernel_dirs`: the registration is not to be trusted until the wait
/// has checked it with the kernel (see [`Registry::kernel_stale`]).
const KERNEL_STALE: u8 = 0x80;

/// One slot of registry storage. Its fields are private to the registry.
///
/// Besides its own wait, slot `i` holds bucket `i` of two hash tables over
/// the slots, chained through the slots (no storage of their own): objects
/// by handle, and slots by the fd the host's event queue watches for them.
/// So finding an object and matching an event to its waiters cost O(1)
/// expected, however many objects wait. Targets without fds (bare metal)
/// keep neither table: their wait asks about every armed object, and an
/// object is found by a scan of the slots, at no more cost.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoSlot {
    handle: u64,
    read_token: u64,
    write_token: u64,
    fd: i32,
    /// The fd the host's event queue (epoll) watches for this slot (-1:
    /// nothing). Kept when the slot is freed, until the wait takes the
    /// registration back.
    kernel_fd: i32,
    /// Next slot in the free list or in the ready list.
    next: u32,
    /// Next slot in the list of changed slots.
    changed_next: u32,
    /// Chain links (slot index + 1; 0 ends a chain): the next slot in the
    /// same bucket of the handle table (while in use) and of the fd table
    /// (while `kernel_fd` >= 0).
    handle_next: u32,
    fd_next: u32,
    /// Bucket `i` of each table: its first slot + 1 (0: empty). These
    /// belong to the index, not to the wait held in the slot.
    handle_bucket: u32,
    fd_bucket: u32,
    /// Armed directions (READ | WRITE); 0 when the slot is free.
    armed: u8,
    /// Fired directions not yet taken (READ | WRITE), and in the two bits
    /// above them which of those fired with an error.
    ready: u8,
    /// In the ready list.
    in_ready: u8,
    /// The directions the host's event queue watches on `kernel_fd`. The
    /// top bit: a waiter left since, so the fd may have been closed and its
    /// number reused.
    kernel_dirs: u8,
    /// In the list of changed slots.
    in_changed: u8,
    /// Waits in a row that polled this stale slot's fd directly without
    /// its firing (see [`Registry::direct_waits`]).
    direct_waits: u8,
}

impl IoSlot {
    /// A free slot and two empty buckets: what storage must hold before
    /// first use (`uaio_io_init` writes it). A constant, so that filling
    /// storage with it stores immediates (no slot built on the stack).
    pub(crate) const FREE: IoSlot = IoSlot {
        handle: 0,
        read_token: 0,
        write_token: 0,
        fd: -1,
        kernel_fd: -1,
        next: NONE,
        changed_next: NONE,
        handle_next: 0,
        fd_next: 0,
        handle_bucket: 0,
        fd_bucket: 0,
        armed: 0,
        ready: 0,
        in_ready: 0,
        kernel_dirs: 0,
        in_changed: 0,
        direct_waits: 0,
    };
}

impl Default for IoSlot {
    /// [`IoSlot::FREE`].
    fn default() -> Self {
        Self::FREE
    }
}

/// Errors of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoError {
    /// No free slot: move the registry into bigger storage.
    Full,
    /// That direction of that object already has a waiter.
    Busy,
    /// Nothing is armed for that object and direction.
    NotFound,
    /// New storage too small, or a bad direction.
    Invalid,
}

/// A fired wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    /// The waiting token.
    pub token: u64,
    /// READ or WRITE, with ERROR if the object reported an error or hang-up.
    pub events: u32,
}

/// The registry's state; storage lives with the caller.
#[repr(C)]
#[derive(Debug)]
pub struct Registry {
    len: u32,
    hwm: u32,
    free: u32,
    ready_head: u32,
    ready_tail: u32,
    /// Armed fds (READ or WRITE interest, fd >= 0): what a poll(2) must watch.
    armed_fds: u32,
    /// Armed objects without fd: what the poll_object hook is asked about.
    armed_objects: u32,
    /// Slots whose waits changed since [`Registry::pop_changed`] took them
    /// (a list through the slots).
    changed_head: u32,
}

/// What a slot wants the host's event queue to watch: (fd, directions).
fn want(s: &IoSlot) -> (i32, u32) {
    if s.armed != 0 && s.fd >= 0 {
        (s.fd, u32::from(s.armed))
    } else {
        (-1, 0)
    }
}

/// What the host's event queue watches for a slot: (fd, directions).
fn watched(s: &IoSlot) -> (i32, u32) {
    (s.kernel_fd, u32::from(s.kernel_dirs) & (READ | WRITE))
}

/// A waiter leaves: the registration is to be checked before it is trusted.
fn mark_stale(s: &mut IoSlot) {
    if FDS && s.kernel_fd >= 0 {
        s.kernel_dirs |= KERNEL_STALE;
    }
}

/// What a slot counts as: (armed fds, armed objects without fd).
fn kind(s: &IoSlot) -> (u32, u32) {
    match (s.armed != 0, FDS && s.fd >= 0) {
        (true, true) => (1, 0),
        (true, false) => (0, 1),
        _ => (0, 0),
    }
}

/// Whether a slot holds an object: a wait armed, fired or queued.
fn in_use(s: &IoSlot) -> bool {
    s.armed != 0 || s.ready != 0 || s.in_ready != 0
}

/// The two hash tables over the slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    /// Slots in use, by handle.
    Handle,
    /// Slots the host's event queue watches, by `kernel_fd`.
    Fd,
}

impl IoSlot {
    fn head(&self, t: Table) -> u32 {
        match t {
            Table::Handle => self.handle_bucket,
            Table::Fd => self.fd_bucket,
        }
    }

    fn head_mut(&mut self, t: Table) -> &mut u32 {
        match t {
            Table::Handle => &mut self.handle_bucket,
            Table::Fd => &mut self.fd_bucket,
        }
    }

    fn link(&self, t: Table) -> u32 {
        match t {
            Table::Handle => self.handle_next,
            Table::Fd => self.fd_next,
        }
    }

    fn link_mut(&mut self, t: Table) -> &mut u32 {
        match t {
            Table::Handle => &mut self.handle_next,
            Table::Fd => &mut self.fd_next,
        }
    }
}

/// The bucket of `key` among `n`: Fibonacci hashing, then a multiply-shift
/// into 0..n (no power of two needed).
fn bucket(key: u64, n: usize) -> usize {
    let h = key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32;
    let n = u64::try_from(n)
        .unwrap_or(u64::MAX)
        .min(u64::from(u32::MAX));
    ((h * n) >> 32) as usize
}

/// The key of an fd in the fd table.
fn fd_key(fd: i32) -> u64 {
    u64::from(fd as u32)
}

/// The slots in the chain of `key`'s bucket of table `t`, in chain order.
/// Walks are bounded by the storage, so corrupt storage cannot hang them.
fn chain(slots: &[IoSlot], t: Table, key: u64) -> impl Iterator<Item = u32> + '_ {
    let mut cur = slots.get(bucket(key, slots.len())).map_or(0, |s| s.head(t));
    (0..slots.len()).map_while(move |_| {
        let i = cur.checked_sub(1)?;
        cur = slots.get(i as usize).map_or(0, |s| s.link(t));
        Some(i)
    })
}

/// Links `index` into the chain of `key`'s bucket of table `t`: at the head
/// of the handle table's (order does not matter there), at the end of the
/// fd table's (slots that share an fd fire in the order they were
/// registered).
fn chain_insert(slots: &mut [IoSlot], t: Table, key: u64, index: u32) {
    let last = match t {
        Table::Fd if FDS => chain(slots, t, key).last(),
        _ => None,
    };
    let first = slots.get(bucket(key, slots.len())).map_or(0, |s| s.head(t));
    if let Some(s) = slots.get_mut(index as usize) {
        *s.link_mut(t) = if last.is_none() { first } else { 0 };
    }
    let at = match last {
        Some(i) => slots.get_mut(i as usize).map(|s| s.link_mut(t)),
        None => {
            let b = bucket(key, slots.len());
            slots.get_mut(b).map(|s| s.head_mut(t))
        }
    };
    if let Some(at) = at {
        *at = index + 1;
    }
}

/// Takes `index` out of the chain of `key`'s bucket of table `t`.
fn chain_remove(slots: &mut [IoSlot], t: Table, key: u64, index: u32) {
    let mut prev = None;
    let mut found = false;
    for i in chain(slots, t, key) {
        if i == index {
            found = true;
            break;
        }
        prev = Some(i);
    }
    if !found {
        return;
    }
    let after = slots.get(index as usize).map_or(0, |s| s.link(t));
    let at = match prev {
        Some(i) => slots.get_mut(i as usize).map(|s| s.link_mut(t)),
        None => {
            let b = bucket(key, slots.len());
            slots.get_mut(b).map(|s| s.head_mut(t))
        }
    };
    if let Some(at) = at {
        *at = after;
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry. Its storage must hold `IoSlot::default()` values
    /// (`uaio_io_init` writes them).
    pub fn new() -> Self {
        Registry {
            len: 0,
            hwm: 0,
            free: NONE,
            ready_head: NONE,
            ready_tail: NONE,
            armed_fds: 0,
            armed_objects: 0,
            changed_head: NONE,
        }
    }

    /// Accounts for slot `index` changing from `before` (its `kind`) to
    /// `after`, and lists it as changed.
    fn note(&mut self, slots: &mut [IoSlot], index: u32, before: (u32, u32), after: (u32, u32)) {
        // Only the host's wait needs the counts (without fds the wait asks
        // about every armed slot) and its event queue the changed list.
        if FDS {
            self.armed_objects = self.armed_objects + after.1 - before.1;
            self.armed_fds = self.armed_fds + after.0 - before.0;
            self.mark_changed(slots, index);
        }
    }

    fn mark_changed(&mut self, slots: &mut [IoSlot], index: u32) {
        if let Some(s) = slots.get_mut(index as usize) {
            if s.in_changed == 0 {
                s.in_changed = 1;
                s.changed_next = self.changed_head;
                self.changed_head = index;
            }
        }
    }

    /// Takes one slot whose wait changed since it was last taken (a host
    /// event queue brings just those up to date).
    pub fn pop_changed(&mut self, slots: &mut [IoSlot]) -> Option<u32> {
        let index = self.changed_head;
        let Some(s) = slots.get_mut(index as usize) else {
            self.changed_head = NONE;
            return None;
        };
        self.changed_head = s.changed_next;
        s.in_changed = 0;
        s.changed_next = NONE;
        Some(index)
    }

    /// Marks every slot ever used as changed (a new host event queue).
    pub fn mark_all_changed(&mut self, slots: &mut [IoSlot]) {
        for i in 0..self.hwm {
            self.mark_changed(slots, i);
        }
    }

    /// Number of armed objects without a file descriptor, where there are
    /// fds ([`FDS`]); elsewhere not kept (0): every armed object is one.
    pub fn object_count(&self) -> u32 {
        self.armed_objects
    }

    /// Registered objects.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether no object is registered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots ever used: entries at and above it are untouched.
    pub fn high_water(&self) -> u32 {
        self.hwm
    }

    /// Number of registered objects that have a file descriptor.
    pub fn fd_count(&self) -> u32 {
        self.armed_fds
    }

    /// Whether a fired wait is waiting to be taken.
    pub fn has_ready(&self) -> bool {
        self.ready_head != NONE
    }

    /// Arms `dir` (READ or WRITE) of object `handle`, polled by `fd` (-1:
    /// no fd), for `token`. Where there are no fds ([`FDS`] false) `fd` is
    /// ignored: the object is polled by the port's hook, like any other.
    pub fn arm(
        &mut self,
        slots: &mut [IoSlot],
        handle: u64,
        fd: i32,
        dir: u32,
        token: u64,
    ) -> Result<(), IoError> {
        if dir != READ && dir != WRITE {
            return Err(IoError::Invalid);
        }
        let index = match self.find(slots, handle) {
            Some(i) => i,
            None => self.alloc(slots, handle)?,
        };
        let s = slots.get_mut(index as usize).ok_or(IoError::Invalid)?;
        // A fired but untaken direction still belongs to its waiter.
        if u32::from(s.armed | s.ready) & dir != 0 {
            return Err(IoError::Busy);
        }
        let before = kind(s);
        // Without fds every slot keeps fd -1 (the object is polled by hook).
        if FDS {
            s.fd = fd;
        }
        s.armed |= dir as u8;
        if dir == READ {
            s.read_token = token;
        } else {
            s.write_token = token;
        }
        let after = kind(s);
        self.note(slots, index, before, after);
        Ok(())
    }

    /// Disarms `dir` of `handle` (its waiter went away), fired or not; returns
    /// the token it held.
    pub fn disarm(&mut self, slots: &mut [IoSlot], handle: u64, dir: u32) -> Result<u64, IoError> {
        if dir != READ && dir != WRITE {
            return Err(IoError::Invalid);
        }
        let index = self.find(slots, handle).ok_or(IoError::NotFound)?;
        let s = slots.get_mut(index as usize).ok_or(IoError::NotFound)?;
        let d = dir as u8;
        if (s.armed | s.ready) & d == 0 {
            return Err(IoError::NotFound);
        }
        let token = if dir == READ {
            s.read_token
        } else {
            s.write_token
        };
        let before = kind(s);
        if s.armed & d != 0 {
            mark_stale(s);
        }
        s.armed &= !d;
        s.ready &= !(d | d << 2);
        let after = kind(s);
        let unqueue = s.in_ready != 0 && s.ready == 0;
        self.note(slots, index, before, after);
        if unqueue {
            self.unlink_ready(slots, index);
        }
        self.release_if_idle(slots, index);
        Ok(token)
    }

    /// Takes slot `index` out of the ready list (short: fired, untaken waits).
    fn unlink_ready(&mut self, slots: &mut [IoSlot], index: u32) {
        let next = match slots.get_mut(index as usize) {
            Some(s) => {
                s.in_ready = 0;
                s.next
            }
            None => return,
        };
        let mut prev = NONE;
        let mut cur = self.ready_head;
        while cur != NONE && cur != index {
            prev = cur;
            cur = slots.get(cur as usize).map_or(NONE, |s| s.next);
        }
        if cur != index {
            return;
        }
        match slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => self.ready_head = next,
        }
        if self.ready_tail == index {
            self.ready_tail = prev;
        }
    }

    /// Marks `handle`'s armed directions among `events` as fired (ERROR fires
    /// every armed direction). Returns how many directions fired.
    pub fn fire(&mut self, slots: &mut [IoSlot], index: u32, events: u32) -> u32 {
        let Some(s) = slots.get_mut(index as usize) else {
            return 0;
        };
        let err = events & ERROR != 0;
        let fire = if err {
            s.armed
        } else {
            s.armed & (events & (READ | WRITE)) as u8
        };
        if fire == 0 {
            return 0;
        }
        let before = kind(s);
        s.armed &= !fire;
        s.ready |= fire | if err { fire << 2 } else { 0 };
        mark_stale(s);
        let after = kind(s);
        let queued = s.in_ready != 0;
        s.in_ready = 1;
        if !queued {
            s.next = NONE;
            match slots.get_mut(self.ready_tail as usize) {
                Some(tail) => tail.next = index,
                None => self.ready_head = index,
            }
            self.ready_tail = index;
        }
        self.note(slots, index, before, after);
        // READ and WRITE: two bits (no popcount needed).
        u32::from(fire & 1) + u32::from(fire >> 1)
    }

    /// Takes one fired wait, oldest object first (READ before WRITE).
    pub fn take_ready(&mut self, slots: &mut [IoSlot]) -> Option<Ready> {
        while self.ready_head != NONE {
            let index = self.ready_head;
            let s = slots.get_mut(index as usize)?;
            let fired = u32::from(s.ready);
            let (dir, token) = if fired & READ != 0 {
                (READ, s.read_token)
            } else {
                (WRITE, s.write_token)
            };
            // A direction disarmed after firing left nothing to take.
            let took = fired & dir != 0;
            if took {
                s.ready &= !((dir | dir << 2) as u8);
            }
            if u32::from(s.ready) & (READ | WRITE) == 0 {
                s.ready = 0;
                s.in_ready = 0;
                self.ready_head = s.next;
                if self.ready_head == NONE {
                    self.ready_tail = NONE;
                }
                self.release_if_idle(slots, index);
            }
            if took {
                let err = if fired & (dir << 2) != 0 { ERROR } else { 0 };
                return Some(Ready {
                    token,
                    events: dir | err,
                });
            }
        }
        None
    }

    /// What slot `index` should have the host's event queue watch, and what
    /// it does watch: ((fd, directions) wanted, (fd, directions) watched);
    /// fd -1 for nothing. For slots below [`Registry::high_water`].
    pub fn kernel_state(&self, slots: &[IoSlot], index: u32) -> Option<((i32, u32), (i32, u32))> {
        let s = slots.get(index as usize)?;
        Some((want(s), watched(s)))
    }

    /// Whether a waiter of slot `index` went away (fired or disarmed) since
    /// its registration was last checked: its fd may have been closed since,
    /// and the number reused by a new file that the kernel does not watch.
    pub fn kernel_stale(&self, slots: &[IoSlot], index: u32) -> bool {
        slots
            .get(index as usize)
            .is_some_and(|s| s.kernel_dirs & KERNEL_STALE != 0)
    }

    /// Records what the host's event queue now watches for slot `index`
    /// (checked with the kernel: no longer stale).
    pub fn set_kernel_state(&mut self, slots: &mut [IoSlot], index: u32, fd: i32, dirs: u32) {
        let Some(old) = slots.get(index as usize).map(|s| s.kernel_fd) else {
            return;
        };
        if old != fd {
            if old >= 0 {
                chain_remove(slots, Table::Fd, fd_key(old), index);
            }
            if fd >= 0 {
                chain_insert(slots, Table::Fd, fd_key(fd), index);
            }
        }
        if let Some(s) = slots.get_mut(index as usize) {
            s.kernel_fd = fd;
            s.kernel_dirs = (dirs & (READ | WRITE)) as u8;
            s.direct_waits = 0;
        }
    }

    /// The directions that the slots other than `except` have the host's
    /// event queue watch on `fd` (several objects may share one fd; the
    /// kernel has one registration per fd). Stale slots do not count.
    pub fn watched_on(&self, slots: &[IoSlot], fd: i32, except: u32) -> u32 {
        chain(slots, Table::Fd, fd_key(fd))
            .filter(|&i| i != except)
            .filter_map(|i| slots.get(i as usize))
            .filter(|s| s.kernel_dirs & KERNEL_STALE == 0 && s.kernel_fd == fd)
            .fold(0, |acc, s| acc | watched(s).1)
    }

    /// How many waits in a row polled slot `index`'s fd directly (ppoll) in
    /// place of checking its stale registration, without its firing.
    pub fn direct_waits(&self, slots: &[IoSlot], index: u32) -> u32 {
        slots
            .get(index as usize)
            .map_or(0, |s| u32::from(s.direct_waits))
    }

    /// Sets [`Registry::direct_waits`] of slot `index`.
    pub fn set_direct_waits(&mut self, slots: &mut [IoSlot], index: u32, n: u32) {
        if let Some(s) = slots.get_mut(index as usize) {
            s.direct_waits = u8::try_from(n).unwrap_or(u8::MAX);
        }
    }

    /// Lists slot `index` as changed, so that the next wait looks at it again.
    pub fn touch(&mut self, slots: &mut [IoSlot], index: u32) {
        self.mark_changed(slots, index);
    }

    /// Fires `events` for every slot waiting on `fd` through the host's
    /// event queue. The event disabled the fd's registration (one-shot), so
    /// every slot on it becomes stale and changed. Returns how many
    /// directions fired.
    pub fn fire_fd(&mut self, slots: &mut [IoSlot], fd: i32, events: u32) -> u32 {
        let mut fired = 0;
        // Firing changes no fd chain: walk it by its links.
        let mut cur = slots
            .get(bucket(fd_key(fd), slots.len()))
            .map_or(0, |s| s.head(Table::Fd));
        for _ in 0..slots.len() {
            let Some(i) = cur.checked_sub(1) else { break };
            let Some(s) = slots.get(i as usize) else {
                break;
            };
            cur = s.fd_next;
            if s.kernel_fd != fd {
                continue;
            }
            let waits = want(s).0 == fd;
            if let Some(s) = slots.get_mut(i as usize) {
                mark_stale(s);
            }
            self.mark_changed(slots, i);
            if waits {
                fired += self.fire(slots, i, events);
            }
        }
        fired
    }

    /// The wait of slot `index`, if armed: (handle, fd, armed directions).
    pub fn armed_at(&self, slots: &[IoSlot], index: u32) -> Option<(u64, i32, u32)> {
        let s = slots.get(index as usize).filter(|s| s.armed != 0)?;
        Some((s.handle, s.fd, u32::from(s.armed)))
    }

    /// Copies the registry's storage into `new`, which must hold free
    /// slots (as storage for [`Registry::new`]). Slot indices stay valid;
    /// the hash tables are rebuilt for the new number of buckets.
    pub fn relocate(&self, old: &[IoSlot], new: &mut [IoSlot]) -> Result<(), IoError> {
        let hwm = self.hwm as usize;
        if new.len() < hwm || u32::try_from(new.len()).is_err() {
            return Err(IoError::Invalid);
        }
        let src = old.get(..hwm).ok_or(IoError::Invalid)?;
        new.get_mut(..hwm)
            .ok_or(IoError::Invalid)?
            .copy_from_slice(src);
        if !(HANDLE_TABLE || FDS) {
            return Ok(());
        }
        for s in new.iter_mut() {
            s.handle_bucket = 0;
            s.fd_bucket = 0;
        }
        for i in 0..self.hwm {
            let Some(s) = new.get(i as usize).copied() else {
                continue;
            };
            if HANDLE_TABLE && in_use(&s) {
                chain_insert(new, Table::Handle, s.handle, i);
            }
            if FDS && s.kernel_fd >= 0 {
                chain_insert(new, Table::Fd, fd_key(s.kernel_fd), i);
            }
        }
        Ok(())
    }

    fn find(&self, slots: &[IoSlot], handle: u64) -> Option<u32> {
        if !HANDLE_TABLE {
            // Freed slots are not in use, whatever handle they held.
            let used = slots.get(..self.hwm as usize)?;
            let i = used.iter().position(|s| s.handle == handle && in_use(s))?;
            return Some(i as u32);
        }
        chain(slots, Table::Handle, handle)
            .find(|&i| slots.get(i as usize).is_some_and(|s| s.handle == handle))
    }

    fn alloc(&mut self, slots: &mut [IoSlot], handle: u64) -> Result<u32, IoError> {
        let index = if self.free != NONE {
            let i = self.free;
            let s = slots.get(i as usize).ok_or(IoError::Full)?;
            self.free = s.next;
            i
        } else {
            let cap = u32::try_from(slots.len()).unwrap_or(NONE - 1).min(NONE - 1);
            if self.hwm >= cap {
                return Err(IoError::Full);
            }
            // A slot never used: nothing of its own to keep but its buckets.
            let s = slots.get_mut(self.hwm as usize).ok_or(IoError::Full)?;
            *s = if HANDLE_TABLE || FDS {
                IoSlot {
                    handle_bucket: s.handle_bucket,
                    fd_bucket: s.fd_bucket,
                    ..IoSlot::FREE
                }
            } else {
                IoSlot::FREE
            };
            self.hwm += 1;
            self.hwm - 1
        };
        // A freed slot may still be watched by the host's event queue and
        // listed as changed: those stay.
        let s = slots.get_mut(index as usize).ok_or(IoError::Full)?;
        s.handle = handle;
        s.next = NONE;
        if HANDLE_TABLE {
            chain_insert(slots, Table::Handle, handle, index);
        }
        self.len += 1;
        Ok(index)
    }

    /// Frees the slot if nothing is armed, pending or queued in it.
    fn release_if_idle(&mut self, slots: &mut [IoSlot], index: u32) {
        let Some(s) = slots.get(index as usize) else {
            return;
        };
        if in_use(s) {
            return;
        }
        if HANDLE_TABLE {
            chain_remove(slots, Table::Handle, s.handle, index);
        }
        let Some(s) = slots.get_mut(index as usize) else {
            return;
        };
        s.handle = 0;
        s.read_token = 0;
        s.write_token = 0;
        s.next = self.free;
        self.free = index;
        self.len -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(n: usize) -> Vec<IoSlot> {
        vec![IoSlot::default(); n]
    }

    #[test]
    fn one_shot_fire_and_take() {
        let mut s = storage(4);
        let mut r = Registry::new();
        r.arm(&mut s, 100, 5, READ, 1).unwrap();
        r.arm(&mut s, 100, 5, WRITE, 2).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r.fd_count(), 1);
        assert_eq!(r.arm(&mut s, 100, 5, READ, 3), Err(IoError::Busy));
        assert_eq!(r.high_water(), 1);
        assert_eq!(r.armed_at(&s, 0), Some((100, 5, READ | WRITE)));
        assert_eq!(r.fire(&mut s, 0, READ), 1);
        assert_eq!(r.fire(&mut s, 0, READ), 0, "a fired direction is disarmed");
        // Still busy until taken.
        assert_eq!(r.arm(&mut s, 100, 5, READ, 3), Err(IoError::Busy));
        assert_eq!(
            r.take_ready(&mut s),
            Some(Ready {
                token: 1,
                events: READ
            })
        );
        assert_eq!(r.take_ready(&mut s), None);
        assert_eq!(r.len(), 1, "write still armed");
        assert_eq!(r.fire(&mut s, 0, ERROR), 1);
        assert_eq!(
            r.take_ready(&mut s),
            Some(Ready {
                token: 2,
                events: WRITE | ERROR
            })
        );
        assert_eq!(r.take_ready(&mut s), None);
        assert_eq!(r.len(), 0);
        assert_eq!(r.fd_count(), 0);
    }

    #[test]
    fn disarm_drops_pending_events_and_frees() {
        let mut s = storage(2);
        let mut r = Registry::new();
        r.arm(&mut s, 7, -1, READ, 9).unwrap();
        assert_eq!(r.fd_count(), 0);
        r.fire(&mut s, 0, READ);
        assert_eq!(r.disarm(&mut s, 7, READ), Ok(9));
        assert_eq!(r.take_ready(&mut s), None);
        assert_eq!(r.len(), 0);
        assert_eq!(r.disarm(&mut s, 7, READ), Err(IoError::NotFound));
        assert_eq!(r.disarm(&mut s, 7, 3), Err(IoError::Invalid));
        assert_eq!(r.arm(&mut s, 7, -1, 0, 9), Err(IoError::Invalid));
    }

    #[test]
    fn disarming_a_fired_wait_frees_its_slot_at_once() {
        let mut s = storage(1);
        let mut r = Registry::new();
        r.arm(&mut s, 1, 3, READ, 5).unwrap();
        assert_eq!(r.fire(&mut s, 0, READ), 1);
        assert_eq!(r.disarm(&mut s, 1, READ), Ok(5));
        assert_eq!(r.len(), 0);
        r.arm(&mut s, 2, 4, READ, 6).unwrap();
        assert_eq!(r.take_ready(&mut s), None);
        // The middle of a longer ready list too.
        let mut s = storage(3);
        let mut r = Registry::new();
        for h in 0..3u64 {
            r.arm(&mut s, h, h as i32, READ, h).unwrap();
            r.fire(&mut s, h as u32, READ);
        }
        assert_eq!(r.disarm(&mut s, 1, READ), Ok(1));
        assert_eq!(r.take_ready(&mut s).map(|x| x.token), Some(0));
        assert_eq!(r.take_ready(&mut s).map(|x| x.token), Some(2));
        assert_eq!(r.take_ready(&mut s), None);
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn full_and_relocate() {
        let mut s = storage(1);
        let mut r = Registry::new();
        r.arm(&mut s, 1, 3, READ, 1).unwrap();
        assert_eq!(r.arm(&mut s, 2, 4, READ, 2), Err(IoError::Full));
        let mut big = storage(2);
        assert_eq!(r.relocate(&s, &mut big[..0]), Err(IoError::Invalid));
        r.relocate(&s, &mut big).unwrap();
        r.arm(&mut big, 2, 4, READ, 2).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r.fd_count(), 2);
    }

    /// Every object found by handle and every fd's waiters by fd, with
    /// many objects in few or many buckets, before and after a move into
    /// storage of another size (the tables are rebuilt for it).
    #[test]
    fn hash_tables_find_every_object_and_fd() {
        let sizes: &[(usize, usize, usize)] = if cfg!(miri) {
            &[(1, 1, 3), (7, 8, 8), (40, 40, 61)]
        } else {
            &[(1, 1, 3), (7, 8, 8), (300, 300, 1000), (1000, 1024, 1537)]
        };
        for &(n, cap, bigger) in sizes {
            let mut s = storage(cap);
            let mut r = Registry::new();
            // Handles like pointers (16-aligned), fds dense and shared in pairs.
            let handle = |i: u64| 0x7f00_0000_0000 + i * 16;
            let fd = |i: u64| (i / 2) as i32 + 3;
            for i in 0..n as u64 {
                r.arm(&mut s, handle(i), fd(i), READ, i).unwrap();
            }
            for i in 0..n as u32 {
                let (want, _) = r.kernel_state(&s, i).unwrap();
                r.set_kernel_state(&mut s, i, want.0, want.1);
            }
            let mut big = storage(bigger);
            r.relocate(&s, &mut big).unwrap();
            for slots in [&mut s, &mut big] {
                for i in 0..n as u64 {
                    assert_eq!(r.find(slots, handle(i)), Some(i as u32));
                    // Its fd's other object, if any: i ^ 1.
                    let shared = (i ^ 1) < n as u64;
                    let others = r.watched_on(slots, fd(i), i as u32);
                    assert_eq!(others, if shared { READ } else { 0 });
                }
                assert_eq!(r.find(slots, handle(n as u64)), None);
            }
            // One event wakes exactly the waiters of its fd.
            let mut woken = Vec::new();
            for f in (0..n as u64)
                .map(fd)
                .collect::<std::collections::BTreeSet<_>>()
            {
                let fired = r.fire_fd(&mut big, f, READ);
                let mut got = Vec::new();
                while let Some(x) = r.take_ready(&mut big) {
                    got.push(x.token);
                }
                assert_eq!(fired as usize, got.len());
                assert!(got.iter().all(|&t| fd(t) == f), "fd {f}: {got:?}");
                woken.extend(got);
            }
            woken.sort_unstable();
            assert_eq!(woken, (0..n as u64).collect::<Vec<_>>());
            assert_eq!(r.len(), 0);
            // Freed slots are found again by their new handles.
            for i in 0..n as u64 {
                r.arm(&mut big, handle(i + 5000), -1, WRITE, i).unwrap();
            }
            for i in 0..n as u64 {
                assert_eq!(r.disarm(&mut big, handle(i + 5000), WRITE), Ok(i));
            }
            assert_eq!(r.len(), 0);
        }
    }

    #[test]
    fn changed_slots_are_taken_once_each() {
        let mut s = storage(8);
        let mut r = Registry::new();
        r.arm(&mut s, 1, 3, READ, 1).unwrap();
        r.arm(&mut s, 1, 3, WRITE, 2).unwrap();
        r.arm(&mut s, 2, 4, READ, 3).unwrap();
        let mut got = Vec::new();
        while let Some(i) = r.pop_changed(&mut s) {
            got.push(i);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
        assert_eq!(r.pop_changed(&mut s), None);
        r.mark_all_changed(&mut s);
        r.fire(&mut s, 1, READ);
        let mut got = Vec::new();
        while let Some(i) = r.pop_changed(&mut s) {
            got.push(i);
        }
        got.sort_unstable();
        assert_eq!(got, [0, 1]);
    }

    #[test]
    fn rearm_takes_the_new_fd() {
        let mut s = storage(2);
        let mut r = Registry::new();
        r.arm(&mut s, 1, 3, READ, 1).unwrap();
        r.arm(&mut s, 1, 8, WRITE, 2).unwrap();
        assert_eq!(r.armed_at(&s, 0), Some((1, 8, READ | WRITE)));
        assert_eq!(r.fd_count(), 1);
    }
}
