//! Capabilities and the seccomp filter of a container's process.
//!
//! Capabilities follow Podman's default set; the bounding set is cut to
//! the kept set, so root in the container has exactly those after `exec`
//! and any other user has none. The default seccomp filter denies, with
//! `EPERM`, the system calls that Podman's default profile does not allow
//! a container without extra capabilities (mount, module loading, kexec,
//! namespaces, keyrings, bpf, ...), and answers `clone3` with `ENOSYS` so
//! that libc falls back to `clone`, whose namespace flags it can inspect.
//! The filter is a small classic-BPF program built here, so no
//! dependency is needed.

use anyhow::{bail, Result};

/// Capability names, index = number (linux/capability.h).
pub const CAP_NAMES: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// Podman's default capabilities (containers.conf `default_capabilities`).
pub const DEFAULT_CAPS: &[&str] = &[
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Every capability this berth knows.
pub fn all_caps() -> u64 {
    (1u64 << CAP_NAMES.len()) - 1
}

/// The mask of capability `name` (`CAP_` prefix and case optional);
/// `ALL` is every capability.
pub fn cap_mask(name: &str) -> Result<u64> {
    let up = name.to_ascii_uppercase();
    let bare = up.strip_prefix("CAP_").unwrap_or(&up);
    if bare == "ALL" {
        return Ok(all_caps());
    }
    match CAP_NAMES.iter().position(|c| *c == bare) {
        Some(i) => Ok(1 << i),
        None => bail!("unknown capability {name:?}"),
    }
}

/// The kept set: the default (or all, when privileged), then `--cap-drop`,
/// then `--cap-add` (as Podman: an add wins over a drop of the same cap,
/// and `--cap-drop all` with adds keeps only the adds).
pub fn capability_set(privileged: bool, add: &[String], drop: &[String]) -> Result<u64> {
    let mut set = if privileged {
        all_caps()
    } else {
        DEFAULT_CAPS
            .iter()
            .map(|c| cap_mask(c))
            .sum::<Result<u64>>()?
    };
    for d in drop {
        set &= !cap_mask(d)?;
    }
    for a in add {
        set |= cap_mask(a)?;
    }
    Ok(set)
}

/// Cut the bounding set to `keep` and clear the inheritable and ambient
/// sets. Needs CAP_SETPCAP (the init has every capability of its
/// namespace until it execs).
pub fn limit_capabilities(keep: u64) -> std::io::Result<()> {
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .unwrap_or(CAP_NAMES.len() as u32 - 1);
    for cap in 0..=last.min(63) {
        if keep & (1 << cap) == 0 {
            // SAFETY: prctl with integer arguments only.
            let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) };
            if r != 0 {
                let e = std::io::Error::last_os_error();
                // EINVAL: a capability this kernel does not have.
                if e.raw_os_error() != Some(libc::EINVAL) {
                    return Err(e);
                }
            }
        }
    }
    // SAFETY: plain integer prctl.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        )
    };
    clear_inheritable()
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const CAP_V3: u32 = 0x2008_0522;

/// Root's permitted set after `exec` is (inheritable | bounding): a
/// leftover inheritable set would give back what the bounding set took.
fn clear_inheritable() -> std::io::Result<()> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: the header and two data structs are what capget v3 expects.
    if unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    for d in &mut data {
        d.inheritable = 0;
    }
    // SAFETY: as above.
    if unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Set `no_new_privs`: set-uid binaries and file capabilities gain nothing.
pub fn set_no_new_privs() -> std::io::Result<()> {
    // SAFETY: integer prctl.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

// --- seccomp ---------------------------------------------------------------

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

/// System calls the default filter denies (Podman's default profile does
/// not allow them without CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_BOOT,
/// CAP_SYS_TIME, CAP_SYS_PTRACE, ...).
fn denied() -> Vec<libc::c_long> {
    use libc::*;
    let mut v = vec![
        SYS_acct,
        SYS_add_key,
        SYS_bpf,
        SYS_clock_adjtime,
        SYS_clock_settime,
        SYS_delete_module,
        SYS_finit_module,
        SYS_fsconfig,
        SYS_fsmount,
        SYS_fsopen,
        SYS_fspick,
        SYS_get_mempolicy,
        SYS_init_module,
        SYS_kcmp,
        SYS_kexec_file_load,
        SYS_kexec_load,
        SYS_keyctl,
        SYS_lookup_dcookie,
        SYS_mbind,
        SYS_mount,
        SYS_mount_setattr,
        SYS_move_mount,
        SYS_move_pages,
        SYS_name_to_handle_at,
        SYS_open_by_handle_at,
        SYS_open_tree,
        SYS_perf_event_open,
        SYS_pivot_root,
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_quotactl,
        SYS_reboot,
        SYS_request_key,
        SYS_set_mempolicy,
        SYS_setns,
        SYS_settimeofday,
        SYS_swapoff,
        SYS_swapon,
        SYS_syslog,
        SYS_umount2,
        SYS_unshare,
        SYS_userfaultfd,
        SYS_vhangup,
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        174, // create_module
        177, // get_kernel_syms
        SYS_ioperm,
        SYS_iopl,
        SYS_nfsservctl,
        178, // query_module
        SYS_sysfs,
        SYS__sysctl,
        SYS_uselib,
        SYS_ustat,
    ]);
    v
}

/// Namespace flags `clone` may not be given (Podman's profile allows them
/// only with CAP_SYS_ADMIN): a container must not make new user
/// namespaces, where it would be root again.
const CLONE_NS_FLAGS: u32 = (libc::CLONE_NEWNS
    | libc::CLONE_NEWCGROUP
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUSER
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET) as u32;

const LD_W_ABS: u16 = 0x20;
const JEQ_K: u16 = 0x15;
const JGE_K: u16 = 0x35;
const JSET_K: u16 = 0x45;
const RET_K: u16 = 0x06;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;

fn ins(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// The default filter as a classic BPF program over `seccomp_data`
/// (nr at 0, arch at 4, args from 16).
pub fn default_filter() -> Vec<libc::sock_filter> {
    let deny = denied();
    let mut p = vec![
        ins(LD_W_ABS, 0, 0, 4),
        ins(JEQ_K, 1, 0, AUDIT_ARCH),
        // A foreign architecture's numbers would bypass the list.
        ins(RET_K, 0, 0, RET_KILL_PROCESS),
        ins(LD_W_ABS, 0, 0, 0),
    ];
    // Jumps to the tail: [allow, eperm, enosys]; offsets are filled
    // below, once the length is known.
    enum To {
        Eperm,
        Enosys,
    }
    let mut jumps: Vec<(usize, To)> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        // x32 system calls (bit 30) reach the same kernel code by
        // other numbers.
        jumps.push((p.len(), To::Eperm));
        p.push(ins(JGE_K, 0, 0, 0x4000_0000));
    }
    jumps.push((p.len(), To::Enosys));
    p.push(ins(JEQ_K, 0, 0, libc::SYS_clone3 as u32));
    for nr in deny {
        jumps.push((p.len(), To::Eperm));
        p.push(ins(JEQ_K, 0, 0, nr as u32));
    }
    // clone: the flags are the first argument on x86_64 and aarch64.
    p.push(ins(JEQ_K, 0, 2, libc::SYS_clone as u32));
    p.push(ins(LD_W_ABS, 0, 0, 16));
    jumps.push((p.len(), To::Eperm));
    p.push(ins(JSET_K, 0, 0, CLONE_NS_FLAGS));
    let allow = p.len();
    p.push(ins(RET_K, 0, 0, RET_ALLOW));
    let eperm = p.len();
    p.push(ins(RET_K, 0, 0, RET_ERRNO | libc::EPERM as u32));
    let enosys = p.len();
    p.push(ins(RET_K, 0, 0, RET_ERRNO | libc::ENOSYS as u32));
    let _ = allow;
    for (at, to) in jumps {
        let target = match to {
            To::Eperm => eperm,
            To::Enosys => enosys,
        };
        let off = target - at - 1;
        p[at].jt = u8::try_from(off).expect("seccomp filter too long for a jump");
    }
    p
}

/// Load `filter` for this process and its children (after
/// `no_new_privs`, or with CAP_SYS_ADMIN).
pub fn load_filter(filter: &[libc::sock_filter]) -> std::io::Result<()> {
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prog points to a valid program that outlives the call.
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &prog as *const libc::sock_fprog,
            0,
            0,
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podman_default_caps_are_800405fb() {
        assert_eq!(capability_set(false, &[], &[]).unwrap(), 0x8004_05fb);
        let all = ["all".to_string()];
        assert_eq!(capability_set(false, &[], &all).unwrap(), 0);
        let add = ["cap_net_raw".to_string()];
        assert_eq!(capability_set(false, &add, &all).unwrap(), 1 << 13);
        assert!(cap_mask("CAP_NOPE").is_err());
    }

    #[test]
    fn filter_jumps_land_on_returns() {
        let p = default_filter();
        for (i, f) in p.iter().enumerate() {
            if f.code == JEQ_K || f.code == JGE_K || f.code == JSET_K {
                for off in [f.jt, f.jf] {
                    assert!(i + 1 + (off as usize) < p.len());
                }
            }
        }
        assert_eq!(p.last().unwrap().code, RET_K);
    }
}
