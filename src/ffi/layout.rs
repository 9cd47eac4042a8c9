//! The sizes and alignments that `include/uaio.h` promises, pinned at
//! compile time (tests/c/test_api.c asserts the same from C).
use super::{uaio_io, uaio_node, uaio_nodeq, uaio_pollfd, uaio_port_hooks, uaio_timerq};
use crate::poll::IoSlot as uaio_io_slot;
use crate::time::Clock as uaio_clock;
use crate::timerq::TimerSlot as uaio_timer_slot;
use core::mem::{align_of, size_of};
use static_assertions::const_assert_eq;

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
const_assert_eq!(size_of::<uaio_port_hooks>(), 3 * P);
// An 8-aligned key, then three pointers.
const_assert_eq!(size_of::<uaio_node>(), if P == 8 { 32 } else { 24 });
const_assert_eq!(align_of::<uaio_node>(), 8);
const_assert_eq!(size_of::<uaio_nodeq>(), 4 * P);
const_assert_eq!(align_of::<uaio_nodeq>(), P);
