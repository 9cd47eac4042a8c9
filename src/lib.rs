//! uaio: the scheduling core of MicroPython's `uasyncio`.
//!
//! * [`time`]: wrap-around counters extended into monotonic `u64` time.
//! * [`timerq`]: the timing queue (deadline order, FIFO among equals,
//!   O(log n) cancel by handle) over caller-provided storage.
//! * [`nodeq`]: the same queue over nodes embedded in the caller's items
//!   (no storage beyond the items; what the MicroPython module uses).
//! * [`poll`]: the registry of I/O waits with one-shot readiness.
//! * [`ffi`]: the C API (`include/uaio.h`), including the wait itself.
//!
//! `no_std`, no allocator: every byte of storage comes from the caller, so
//! it can live in `.bss` or inside a MicroPython GC object. Safe Rust
//! everywhere but [`ffi`].
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod ffi;
pub mod nodeq;
pub mod poll;
pub mod time;
pub mod timerq;
