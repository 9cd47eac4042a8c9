//! The host event queue (Linux epoll) that the wait switches to once many
//! fds wait: the same one-shot semantics as the ppoll path.
#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::mem::MaybeUninit;
use std::os::unix::io::{AsRawFd, FromRawFd, IntoRawFd};
use std::os::unix::net::UnixStream;
use uaio::ffi::*;
use uaio::poll::IoSlot;

const N: usize = 48; // above the switch-over to epoll

struct Reg {
    r: Box<MaybeUninit<uaio_io>>,
    _slots: Vec<IoSlot>,
    _fds: Vec<uaio_pollfd>,
}

impl Reg {
    fn new(cap: usize) -> Reg {
        let mut slots = vec![IoSlot::default(); cap];
        let mut fds = vec![uaio_pollfd::default(); cap];
        let mut r = Box::new(MaybeUninit::<uaio_io>::uninit());
        // SAFETY: valid storage for `cap` slots and pollfds, kept alive in Reg.
        let rc = unsafe {
            uaio_io_init(
                r.as_mut_ptr(),
                slots.as_mut_ptr(),
                fds.as_mut_ptr(),
                cap as u32,
            )
        };
        assert_eq!(rc, UAIO_OK);
        Reg {
            r,
            _slots: slots,
            _fds: fds,
        }
    }
    fn p(&mut self) -> *mut uaio_io {
        self.r.as_mut_ptr()
    }
    fn wait(&mut self, us: i64) -> i32 {
        // SAFETY: initialised registry; no hooks.
        unsafe { uaio_io_wait(self.p(), us, std::ptr::null()) }
    }
    fn take_all(&mut self) -> BTreeSet<(u64, u32)> {
        let mut out = BTreeSet::new();
        let (mut tok, mut ev) = (0u64, 0u32);
        // SAFETY: initialised registry, valid out-pointers.
        while unsafe { uaio_io_take_ready(self.p(), &mut tok, &mut ev) } == UAIO_OK {
            out.insert((tok, ev));
        }
        out
    }
}

impl Drop for Reg {
    fn drop(&mut self) {
        // SAFETY: initialised registry.
        assert_eq!(unsafe { uaio_io_deinit(self.p()) }, UAIO_OK);
    }
}

#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn many_fds_fire_one_shot_and_follow_changes() {
    let pairs: Vec<_> = (0..N).map(|_| UnixStream::pair().unwrap()).collect();
    let mut reg = Reg::new(64);
    for (i, (a, _)) in pairs.iter().enumerate() {
        // SAFETY: initialised registry.
        assert_eq!(
            unsafe {
                uaio_io_arm(
                    reg.p(),
                    i as u64 + 1,
                    a.as_raw_fd(),
                    UAIO_READ,
                    i as u64 + 100,
                )
            },
            UAIO_OK
        );
    }
    assert_eq!(reg.wait(0), 0);
    (&pairs[7].1).write_all(b"x").unwrap();
    (&pairs[40].1).write_all(b"x").unwrap();
    assert_eq!(reg.wait(1_000_000), 2);
    assert_eq!(
        reg.take_all(),
        BTreeSet::from([(107, UAIO_READ), (140, UAIO_READ)])
    );
    // One-shot: still readable, but nobody waits any more.
    assert_eq!(reg.wait(0), 0);
    // Re-arm one of them (a freed slot is reused): it fires again.
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_arm(reg.p(), 41, pairs[40].0.as_raw_fd(), UAIO_READ, 240) },
        UAIO_OK
    );
    assert_eq!(reg.wait(1_000_000), 1);
    assert_eq!(reg.take_all(), BTreeSet::from([(240, UAIO_READ)]));
    // A disarmed wait does not fire even when its fd becomes ready.
    let mut tok = 0;
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_disarm(reg.p(), 3, UAIO_READ, &mut tok) },
        UAIO_OK
    );
    (&pairs[2].1).write_all(b"x").unwrap();
    assert_eq!(reg.wait(20_000), 0);
    // WRITE on an armed READ object: both directions, one event each.
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_arm(reg.p(), 10, pairs[9].0.as_raw_fd(), UAIO_WRITE, 310) },
        UAIO_OK
    );
    assert_eq!(reg.wait(1_000_000), 1);
    assert_eq!(reg.take_all(), BTreeSet::from([(310, UAIO_WRITE)]));
}

#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn a_wait_never_ends_early_and_hang_up_is_an_error() {
    let mut pairs: Vec<_> = (0..N).map(|_| UnixStream::pair().unwrap()).collect();
    let mut reg = Reg::new(64);
    for (i, (a, _)) in pairs.iter().enumerate() {
        // SAFETY: initialised registry.
        assert_eq!(
            unsafe { uaio_io_arm(reg.p(), i as u64 + 1, a.as_raw_fd(), UAIO_READ, i as u64) },
            UAIO_OK
        );
    }
    let t0 = std::time::Instant::now();
    assert_eq!(reg.wait(25_000), 0);
    assert!(t0.elapsed() >= std::time::Duration::from_micros(25_000));
    // The peer goes away: the waiter wakes with ERROR.
    let (_a, b) = pairs.remove(5); // `_a` (not `_`): the waiting end stays open
    drop(b);
    assert_eq!(reg.wait(1_000_000), 1);
    let got = reg.take_all();
    assert_eq!(got.len(), 1);
    let (tok, ev) = *got.iter().next().unwrap();
    assert_eq!(tok, 5);
    assert_ne!(ev & UAIO_READ, 0);
}

#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn an_fd_the_kernel_refuses_wakes_its_waiter() {
    let pairs: Vec<_> = (0..N).map(|_| UnixStream::pair().unwrap()).collect();
    let mut reg = Reg::new(64);
    for (i, (a, _)) in pairs.iter().enumerate() {
        // SAFETY: initialised registry.
        assert_eq!(
            unsafe { uaio_io_arm(reg.p(), i as u64 + 1, a.as_raw_fd(), UAIO_READ, i as u64) },
            UAIO_OK
        );
    }
    assert_eq!(reg.wait(0), 0);
    // An fd number that is not open: refused when registered, so an error.
    // SAFETY: initialised registry.
    assert_eq!(
        unsafe { uaio_io_arm(reg.p(), 999, 100_000, UAIO_READ, 999) },
        UAIO_OK
    );
    assert_eq!(reg.wait(1_000_000), 1);
    assert_eq!(
        reg.take_all(),
        BTreeSet::from([(999, UAIO_READ | UAIO_ERROR)])
    );
}

/// Closes `old`'s file and opens a new socket at the same fd number (dup2
/// does both at once, so no test running beside can take the number in
/// between): the new socket and its peer.
fn reuse_fd(old: UnixStream) -> (UnixStream, UnixStream) {
    let fd = old.into_raw_fd();
    let (b, peer) = UnixStream::pair().unwrap();
    // SAFETY: both fds are open; `fd` is ours (taken from `old`).
    assert_eq!(unsafe { libc::dup2(b.as_raw_fd(), fd) }, fd);
    drop(b);
    // SAFETY: `fd` is open and owned by nothing else now.
    (unsafe { UnixStream::from_raw_fd(fd) }, peer)
}

/// A registry in epoll mode: `N` quiet sockets armed for READ (handles
/// 1000..), kept open by the caller.
fn epoll_mode() -> (Reg, Vec<(UnixStream, UnixStream)>) {
    let pairs: Vec<_> = (0..N).map(|_| UnixStream::pair().unwrap()).collect();
    let mut reg = Reg::new(64);
    for (i, (a, _)) in pairs.iter().enumerate() {
        // SAFETY: initialised registry.
        let rc = unsafe { uaio_io_arm(reg.p(), 1000 + i as u64, a.as_raw_fd(), UAIO_READ, 0) };
        assert_eq!(rc, UAIO_OK);
    }
    assert_eq!(reg.wait(0), 0);
    (reg, pairs)
}

/// Found by tests/ffi_fuzz.rs: two objects polled through one fd (a stream
/// and its socket, or an int fd) each get woken, whatever the other does.
#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn two_objects_on_one_fd_are_both_watched() {
    let (mut reg, _quiet) = epoll_mode();
    let (a, mut peer) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    // SAFETY: initialised registry, valid out-pointer.
    unsafe {
        assert_eq!(uaio_io_arm(reg.p(), 1, fd, UAIO_READ, 11), UAIO_OK);
        assert_eq!(uaio_io_arm(reg.p(), 2, fd, UAIO_READ, 22), UAIO_OK);
        assert_eq!(reg.wait(0), 0);
        // One of them goes away: the other still waits.
        let mut tok = 0;
        assert_eq!(uaio_io_disarm(reg.p(), 1, UAIO_READ, &mut tok), UAIO_OK);
        assert_eq!(tok, 11);
        peer.write_all(b"x").unwrap();
        assert_eq!(reg.wait(1_000_000), 1);
        assert_eq!(reg.take_all(), BTreeSet::from([(22, UAIO_READ)]));
        // Different directions on one fd: each fires when its own is ready.
        assert_eq!(uaio_io_arm(reg.p(), 3, fd, UAIO_WRITE, 33), UAIO_OK);
        let mut buf = [0u8; 8];
        let _ = (&a).read(&mut buf).unwrap();
        assert_eq!(uaio_io_arm(reg.p(), 4, fd, UAIO_READ, 44), UAIO_OK);
        assert_eq!(reg.wait(1_000_000), 1);
        assert_eq!(reg.take_all(), BTreeSet::from([(33, UAIO_WRITE)]));
        peer.write_all(b"y").unwrap();
        assert_eq!(reg.wait(1_000_000), 1);
        assert_eq!(reg.take_all(), BTreeSet::from([(44, UAIO_READ)]));
    }
}

/// Found by tests/ffi_fuzz.rs: a wait that ends, its fd closed, and a new
/// socket that gets the same fd number armed before the next wait (one
/// round of a server: a connection closes, the next is accepted): the new
/// socket is watched, not the closed one.
#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn a_reused_fd_number_is_watched() {
    let (mut reg, _quiet) = epoll_mode();
    let (a, _a_peer) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    // SAFETY: initialised registry, valid out-pointer.
    unsafe {
        assert_eq!(uaio_io_arm(reg.p(), 1, fd, UAIO_READ, 11), UAIO_OK);
        assert_eq!(reg.wait(0), 0);
        let mut tok = 0;
        assert_eq!(uaio_io_disarm(reg.p(), 1, UAIO_READ, &mut tok), UAIO_OK);
    }
    let (b, mut b_peer) = reuse_fd(a);
    assert_eq!(b.as_raw_fd(), fd);
    for handle in [2, 1] {
        // SAFETY: initialised registry.
        unsafe {
            assert_eq!(uaio_io_arm(reg.p(), handle, fd, UAIO_READ, handle), UAIO_OK);
        }
        b_peer.write_all(b"x").unwrap();
        assert_eq!(reg.wait(1_000_000), 1, "handle {handle}");
        assert_eq!(reg.take_all(), BTreeSet::from([(handle, UAIO_READ)]));
        let mut buf = [0u8; 8];
        let _ = (&b).read(&mut buf).unwrap();
    }
}

/// A socket that fires and waits again is polled directly by the next wait
/// (no epoll_ctl), and its registration is checked only if it still waits
/// after that. Its fd closed and the number reused in between: the new
/// socket is watched either way, never the closed one, and a wait that
/// is not ready yet ends at its timeout, not early.
#[test]
#[cfg_attr(miri, ignore = "calls the host's epoll and sockets")]
fn a_refired_socket_is_polled_directly_then_checked() {
    let (mut reg, _quiet) = epoll_mode();
    let (a, mut a_peer) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut buf = [0u8; 8];
    // SAFETY (each block): an initialised registry.
    // Several rounds of a request-response exchange on one socket.
    for round in 0..5u64 {
        assert_eq!(
            unsafe { uaio_io_arm(reg.p(), 1, fd, UAIO_READ, round) },
            UAIO_OK
        );
        assert_eq!(reg.wait(0), 0, "round {round}: nothing to read yet");
        a_peer.write_all(b"x").unwrap();
        assert_eq!(reg.wait(1_000_000), 1, "round {round}");
        assert_eq!(reg.take_all(), BTreeSet::from([(round, UAIO_READ)]));
        let _ = (&a).read(&mut buf).unwrap();
    }
    // It fired: it waits again, then its fd closes and the number is reused
    // before the (direct) wait.
    assert_eq!(
        unsafe { uaio_io_arm(reg.p(), 1, fd, UAIO_READ, 50) },
        UAIO_OK
    );
    let (b, mut b_peer) = reuse_fd(a);
    assert_eq!(b.as_raw_fd(), fd);
    let t0 = std::time::Instant::now();
    assert_eq!(reg.wait(20_000), 0, "the new socket is quiet");
    assert!(t0.elapsed() >= std::time::Duration::from_micros(20_000));
    // Still waiting: this wait checks the registration (the old one is
    // gone with the closed file) and watches the new socket through epoll.
    b_peer.write_all(b"y").unwrap();
    assert_eq!(reg.wait(1_000_000), 1);
    assert_eq!(reg.take_all(), BTreeSet::from([(50, UAIO_READ)]));
    let _ = (&b).read(&mut buf).unwrap();
    // And a hang-up of the peer wakes a direct waiter too.
    for tok in [60, 61] {
        assert_eq!(
            unsafe { uaio_io_arm(reg.p(), 1, fd, UAIO_READ, tok) },
            UAIO_OK
        );
        if tok == 60 {
            b_peer.write_all(b"z").unwrap();
        } else {
            drop(std::mem::replace(
                &mut b_peer,
                UnixStream::pair().unwrap().0,
            ));
        }
        assert_eq!(reg.wait(1_000_000), 1);
        let got = reg.take_all();
        assert_eq!(got.len(), 1);
        let (t, ev) = *got.iter().next().unwrap();
        assert_eq!(t, tok);
        assert_ne!(ev & UAIO_READ, 0, "events {ev:#x}");
        let _ = (&b).read(&mut buf).unwrap();
    }
}
