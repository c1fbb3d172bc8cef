//! A pod's pause: pid 1 of the pod's infra container, which holds the
//! namespaces the pod's containers share (network, IPC, UTS, and pid
//! when the pod shares it) for as long as the pod runs, whatever its
//! containers do. It is berth itself, forked as any container's pid 1,
//! that stays instead of running a program: no image, no binary in the
//! container's root, a few hundred kilobytes of its own memory.
//!
//! It gives up every capability and new privileges, reaps whatever is
//! left to it as the pid namespace's init, and ends with code 0 on the
//! signals that stop a container.

use super::container::{close_report_socket, signals_of_init, Never};
use anyhow::{anyhow, Result};
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};

/// Stay pid 1 of the container until a signal ends it.
pub(super) fn hold() -> Result<Never> {
    super::security::drop_all_capabilities()
        .map_err(|e| anyhow!("the pod's pause: dropping capabilities: {e}"))?;
    // SAFETY: integer prctls.
    unsafe {
        libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        // Nothing in the pod may open /proc/1/exe (berth's binary).
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    let _ = std::env::set_current_dir("/");
    show_as_pause();
    let set = signals_of_init();
    // It runs: berth (the socket's end) and the monitor (the started
    // pipe's end, which records pid 1 for `exec`) hear it now, as they
    // would at a program's exec; no other descriptor is kept.
    close_report_socket();
    // SAFETY: closing every descriptor above the standard ones; this
    // process uses none of them again.
    unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    loop {
        match set.wait() {
            Ok(Signal::SIGCHLD) | Err(_) => loop {
                match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) | Err(_) => break,
                    Ok(_) => {}
                }
            },
            Ok(Signal::SIGTERM | Signal::SIGINT | Signal::SIGQUIT | Signal::SIGHUP) => {
                // SAFETY: leave at once; the kernel ends the rest of a pid
                // namespace whose init this is.
                unsafe { libc::_exit(0) }
            }
            Ok(_) => {}
        }
    }
}

/// What the pod's processes see of pid 1 (`ps`, `/proc/1/cmdline`):
/// `/pause`, not the berth command line it was forked from (which names
/// the store's paths on the host). The arguments' memory is this
/// process's own copy; it is overwritten in place, as setproctitle does.
fn show_as_pause() {
    // SAFETY: a string literal with its NUL.
    unsafe { libc::prctl(libc::PR_SET_NAME, c"pause".as_ptr(), 0, 0, 0) };
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields 48 and 49 (arg_start, arg_end) of proc(5); the fields after
    // the command's name in parentheses start at field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let addr = |field: usize| fields.get(field - 3).and_then(|f| f.parse::<usize>().ok());
    let (Some(start), Some(end)) = (addr(48), addr(49)) else {
        return;
    };
    const NAME: &[u8] = b"/pause";
    if end <= start || end - start <= NAME.len() {
        return;
    }
    // SAFETY: [start, end) is this process's argument area, mapped and
    // writable (it lies in the initial stack); nothing reads it later.
    unsafe {
        let area = std::slice::from_raw_parts_mut(start as *mut u8, end - start);
        area.fill(0);
        area[..NAME.len()].copy_from_slice(NAME);
    }
}
