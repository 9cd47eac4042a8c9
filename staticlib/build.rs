//! Compiles the C ports that need no MicroPython into `libuaio.a`, so that
//! plain C firmware gets them from the one archive: on `thumb*-none-*`
//! targets, the bare Cortex-M port (`c/uaio_cortexm.c`). Hosts need none:
//! their wait (poll/epoll) is the core's own Rust code.
//!
//! `cc` picks the cross compiler from the target (`arm-none-eabi-gcc`) and
//! the architecture and float-ABI flags from the target triple (`eabihf`:
//! `-mfloat-abi=hard`), so the C object matches the Rust code beside it.
//! The object stays a member of its own in the archive: a linker takes it
//! only when the firmware names one of its functions.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=c/uaio_cortexm.c");
    println!("cargo:rerun-if-changed=../include/uaio.h");
    println!("cargo:rerun-if-changed=../include/uaio_port.h");
    println!("cargo:rerun-if-changed=../include/uaio_cortexm.h");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumb") && target.contains("-none-") {
        let mut build = cc::Build::new();
        // A plain CC in the environment is the host's (a make may export
        // it): only a target's own compiler setting replaces the cross one.
        let own = [
            format!("CC_{target}"),
            format!("CC_{}", target.replace('-', "_")),
            "TARGET_CC".to_owned(),
        ];
        if !own.iter().any(|v| std::env::var_os(v).is_some()) {
            build.compiler("arm-none-eabi-gcc");
        }
        build
            .file("c/uaio_cortexm.c")
            .include("../include")
            .flag("-std=c99")
            .flag("-ffreestanding")
            .flag("-fno-unwind-tables")
            .flag("-fno-asynchronous-unwind-tables")
            // Marks the stack non-executable, as the Rust objects are (no
            // "missing .note.GNU-stack" warning from the firmware's link).
            .flag("-Wa,--noexecstack")
            .warnings(true)
            .extra_warnings(true)
            .warnings_into_errors(true)
            .compile("uaio_cortexm");
    }
}
