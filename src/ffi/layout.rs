//! The sizes and alignments that `include/uaio.h` promises, pinned at
//! compile time (tests/c/test_api.c asserts the same from C).
use super::{uaio_idle_wait_fn, uaio_poll_object_fn, uaio_port_hooks};
use super::{uaio_io, uaio_node, uaio_nodeq, uaio_pollfd, uaio_timerq};
use super::{UAIO_OBJECT_POLL_US, UAIO_WAIT_FOREVER};
use crate::poll::IoSlot as uaio_io_slot;
use crate::time::Clock as uaio_clock;
use crate::timerq::TimerSlot as uaio_timer_slot;
use core::mem::{align_of, size_of};
use static_assertions::{const_assert, const_assert_eq};

/// Bytes of one `uaio_timer_slot`, on every target.
pub const UAIO_TIMER_SLOT_SIZE: usize = 40;
/// Bytes of one `uaio_io_slot`, on every target.
pub const UAIO_IO_SLOT_SIZE: usize = 64;

const P: usize = size_of::<usize>();

const_assert_eq!(size_of::<uaio_timer_slot>(), UAIO_TIMER_SLOT_SIZE);
const_assert_eq!(align_of::<uaio_timer_slot>(), 8);
const_assert_eq!(size_of::<uaio_io_slot>(), UAIO_IO_SLOT_SIZE);
const_assert_eq!(align_of::<uaio_io_slot>(), 8);
const_assert_eq!(size_of::<uaio_pollfd>(), 8);
const_assert_eq!(align_of::<uaio_pollfd>(), 4);
const_assert_eq!(size_of::<uaio_clock>(), 24);
const_assert_eq!(align_of::<uaio_clock>(), 8);
// Pointer, u32, then 8-aligned state of 24 bytes.
const_assert_eq!(size_of::<uaio_timerq>(), if P == 8 { 40 } else { 32 });
const_assert_eq!(align_of::<uaio_timerq>(), 8);
// Two pointers, u32, i32, then eight u32.
const_assert_eq!(size_of::<uaio_io>(), if P == 8 { 56 } else { 48 });
const_assert_eq!(align_of::<uaio_io>(), P);
// The port contract (include/uaio_port.h, through bindgen): a context
// pointer and two nullable function pointers, each one pointer wide.
const_assert_eq!(size_of::<uaio_port_hooks>(), 3 * P);
const_assert_eq!(align_of::<uaio_port_hooks>(), P);
const_assert_eq!(size_of::<uaio_idle_wait_fn>(), P);
const_assert_eq!(size_of::<uaio_poll_object_fn>(), P);
// The wait treats every negative timeout as "no deadline", and slices
// sleeps for objects without fd into positive lengths.
const_assert!(UAIO_WAIT_FOREVER < 0);
const_assert!(UAIO_OBJECT_POLL_US > 0);
// An 8-aligned key, then three pointers.
const_assert_eq!(size_of::<uaio_node>(), if P == 8 { 32 } else { 24 });
const_assert_eq!(align_of::<uaio_node>(), 8);
const_assert_eq!(size_of::<uaio_nodeq>(), 4 * P);
const_assert_eq!(align_of::<uaio_nodeq>(), P);
