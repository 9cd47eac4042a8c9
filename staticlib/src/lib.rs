//! The artifact crate: links the core's C API into `libuaio.a` and supplies
//! the archive's single panic handler. Nothing else belongs here.
#![no_std]

pub use uaio::ffi;

/// The core is written so that no panic is reachable (clippy denies unwrap,
/// expect, panic and unchecked indexing); should one happen anyway, stop
/// without unwinding into C.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    #[cfg(not(target_os = "none"))]
    {
        extern "C" {
            fn abort() -> !;
        }
        // SAFETY: C's abort takes no arguments and never returns.
        unsafe { abort() }
    }
    #[cfg(target_os = "none")]
    loop {
        core::hint::spin_loop();
    }
}

/// Hosted targets ship a `compiler_builtins` built for unwinding, which
/// names this symbol; with `panic = "abort"` nothing ever calls it.
#[cfg(not(target_os = "none"))]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
