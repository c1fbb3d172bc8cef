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
//!
//! `--security-opt seccomp=FILE.json` takes a Docker/Podman profile
//! ([`Profile`]), compiled by [`compile_profile`] into classic BPF for
//! this architecture with the semantics of libseccomp, which Docker and
//! Podman use: the first matching rule of a system call decides, else the
//! default action; names this architecture does not know are skipped.
//! System call numbers come from the `syscalls` crate's tables.

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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

/// Change this process's capability sets with `edit`; the sets as set.
fn edit_capabilities(edit: impl Fn(&mut CapData)) -> std::io::Result<[CapData; 2]> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: the header and two data structs are what capget v3 expects.
    if unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    data.iter_mut().for_each(edit);
    // SAFETY: as above.
    if unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(data)
}

/// Root's permitted set after `exec` is (inheritable | bounding): a
/// leftover inheritable set would give back what the bounding set took.
fn clear_inheritable() -> std::io::Result<()> {
    edit_capabilities(|d| d.inheritable = 0).map(|_| ())
}

/// Give up every capability, for good: bounding, ambient, inheritable,
/// permitted and effective (a pod's pause needs none).
pub fn drop_all_capabilities() -> std::io::Result<()> {
    limit_capabilities(0)?;
    edit_capabilities(|d| *d = CapData::default()).map(|_| ())
}

/// Make every permitted capability effective again (`setfsuid(2)` to a
/// non-zero id clears the file system ones from the effective set).
pub fn raise_permitted() -> std::io::Result<()> {
    edit_capabilities(|d| d.effective = d.permitted).map(|_| ())
}

/// Keep this process's permitted capabilities across `execve` although
/// its uid is not 0 (a helper of a `--userns=keep-id` container, where
/// the user keeps its own uid inside): make them inheritable and ambient.
/// Only system calls, so it may run between fork and exec.
pub fn keep_capabilities_across_exec() -> std::io::Result<()> {
    let data = edit_capabilities(|d| d.inheritable = d.permitted)?;
    for cap in 0..64u32 {
        let word = data[(cap / 32) as usize].permitted;
        if word & (1 << (cap % 32)) != 0 {
            // SAFETY: integer prctl.
            unsafe {
                libc::prctl(
                    libc::PR_CAP_AMBIENT,
                    libc::PR_CAP_AMBIENT_RAISE,
                    cap as libc::c_ulong,
                    0,
                    0,
                )
            };
        }
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
        SYS_fanotify_init,
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
        SYS_pidfd_getfd,
        SYS_pivot_root,
        SYS_process_madvise,
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_quotactl,
        SYS_quotactl_fd,
        SYS_reboot,
        SYS_request_key,
        SYS_set_mempolicy,
        SYS_set_mempolicy_home_node,
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
const JGT_K: u16 = 0x25;
const JA: u16 = 0x05;
const ALU_AND_K: u16 = 0x54;
const RET_K: u16 = 0x06;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_TRAP: u32 = 0x0003_0000;
const RET_KILL_THREAD: u32 = 0x0000_0000;
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

/// The filter a process of the container runs under, however it enters
/// (pid 1 or `exec`): `None` when unconfined.
pub fn filter_for(
    seccomp: &super::spec::Seccomp,
    caps: u64,
) -> Result<Option<Vec<libc::sock_filter>>> {
    use super::spec::Seccomp;
    Ok(match seccomp {
        Seccomp::Default => Some(default_filter()),
        Seccomp::Unconfined => None,
        Seccomp::Profile(profile) => {
            Some(compile_profile(profile, caps).context("compiling the seccomp profile")?)
        }
    })
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

// --- seccomp profiles (Docker/Podman JSON) ---------------------------------

/// A seccomp profile in Docker's JSON format (moby `profiles/seccomp`,
/// containers/common `pkg/seccomp`). Fields berth does not use (`flags`,
/// `listenerPath`, comments) are ignored.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub default_action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub architectures: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub arch_map: Vec<ArchMap>,
    #[serde(default, deserialize_with = "nullable")]
    pub syscalls: Vec<SyscallRule>,
}

/// `archMap`: an architecture and its sub-architectures. Only the host's
/// own architecture is filtered; the others are refused (see
/// [`compile_profile`]).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ArchMap {
    #[serde(default)]
    pub architecture: String,
    #[serde(default, deserialize_with = "nullable")]
    pub sub_architectures: Vec<String>,
}

/// One entry of `syscalls`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SyscallRule {
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    /// The older single-name form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub args: Vec<ArgRule>,
    #[serde(default, deserialize_with = "nullable")]
    pub includes: Filter,
    #[serde(default, deserialize_with = "nullable")]
    pub excludes: Filter,
}

/// A condition on one argument: `op` of libseccomp (`SCMP_CMP_EQ`, …;
/// for `SCMP_CMP_MASKED_EQ`, `value` is the mask and `valueTwo` the
/// value).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct ArgRule {
    pub index: u32,
    #[serde(default)]
    pub value: u64,
    #[serde(default)]
    pub value_two: u64,
    pub op: String,
}

/// When an entry applies (`includes`) or does not (`excludes`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    #[serde(default, deserialize_with = "nullable")]
    pub caps: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub arches: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_kernel: Option<String>,
}

/// Profiles written by Go tools have `null` for empty lists and objects.
fn nullable<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Read and check a profile; the error names the file. It is compiled
/// once here (with every capability, so no entry is left out) so that a
/// bad action or operator is reported before the container exists.
pub fn read_profile(path: &std::path::Path) -> Result<Profile> {
    let what = || format!("seccomp profile {}", path.display());
    let text = std::fs::read_to_string(path).with_context(what)?;
    let profile: Profile = serde_json::from_str(&text).with_context(what)?;
    compile_profile(&profile, all_caps()).with_context(what)?;
    Ok(profile)
}

/// Names of the host's architecture in profiles: libseccomp's, Go's
/// (`includes.arches` of Docker's profile) and the kernel's.
#[cfg(target_arch = "x86_64")]
const ARCH_NAMES: &[&str] = &["SCMP_ARCH_X86_64", "amd64", "x86_64"];
#[cfg(target_arch = "aarch64")]
const ARCH_NAMES: &[&str] = &["SCMP_ARCH_AARCH64", "arm64", "aarch64"];

fn action(name: &str, errno: Option<u32>, default_errno: u32) -> Result<u32> {
    Ok(match name {
        "SCMP_ACT_ALLOW" => RET_ALLOW,
        "SCMP_ACT_ERRNO" => RET_ERRNO | (errno.unwrap_or(default_errno) & 0xffff),
        // Without a tracer attached the kernel fails a traced call with
        // ENOSYS; say so directly.
        "SCMP_ACT_TRACE" => RET_ERRNO | (errno.unwrap_or(libc::ENOSYS as u32) & 0xffff),
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => RET_TRAP,
        "SCMP_ACT_LOG" => RET_LOG,
        other => bail!("unknown or unsupported seccomp action {other:?}"),
    })
}

/// The running kernel's `major.minor`.
fn kernel_version() -> (u32, u32) {
    let rel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_version(&rel).unwrap_or((0, 0))
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split(['.', '-']);
    let major = it.next()?.parse().ok()?;
    let minor = it.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// Whether an entry applies to a container with capabilities `caps` on
/// this host.
fn applies(rule: &SyscallRule, caps: u64) -> Result<bool> {
    let has_cap = |c: &String| cap_mask(c).map(|m| caps & m == m);
    let arch = |a: &String| ARCH_NAMES.contains(&a.as_str());
    let kernel_at_least = |k: &String| -> Result<bool> {
        let want = parse_version(k).ok_or_else(|| anyhow!("bad minKernel {k:?}"))?;
        Ok(kernel_version() >= want)
    };
    let inc = &rule.includes;
    for c in &inc.caps {
        if !has_cap(c)? {
            return Ok(false);
        }
    }
    if !inc.arches.is_empty() && !inc.arches.iter().any(arch) {
        return Ok(false);
    }
    if let Some(k) = &inc.min_kernel {
        if !kernel_at_least(k)? {
            return Ok(false);
        }
    }
    let exc = &rule.excludes;
    for c in &exc.caps {
        if has_cap(c)? {
            return Ok(false);
        }
    }
    if exc.arches.iter().any(arch) {
        return Ok(false);
    }
    if let Some(k) = &exc.min_kernel {
        if kernel_at_least(k)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A jump target of [`Asm`]: the next instruction, or a label.
#[derive(Clone, Copy)]
enum To {
    Next,
    L(usize),
}

/// A tiny classic-BPF assembler with forward labels, so conditions can
/// jump to "this rule failed" without counting instructions by hand.
#[derive(Default)]
struct Asm {
    code: Vec<libc::sock_filter>,
    fixups: Vec<(usize, To, To)>,
    labels: Vec<Option<usize>>,
}

impl Asm {
    fn label(&mut self) -> usize {
        self.labels.push(None);
        self.labels.len() - 1
    }
    fn bind(&mut self, l: usize) {
        self.labels[l] = Some(self.code.len());
    }
    fn op(&mut self, code: u16, k: u32) {
        self.code.push(ins(code, 0, 0, k));
    }
    fn jmp(&mut self, code: u16, k: u32, jt: To, jf: To) {
        self.fixups.push((self.code.len(), jt, jf));
        self.code.push(ins(code, 0, 0, k));
    }
    fn finish(mut self) -> Result<Vec<libc::sock_filter>> {
        for (at, jt, jf) in std::mem::take(&mut self.fixups) {
            let off = |t: To| -> Result<u32> {
                Ok(match t {
                    To::Next => 0,
                    To::L(l) => {
                        let pos = self.labels[l].expect("every label is bound");
                        (pos - at - 1) as u32
                    }
                })
            };
            let (t, f) = (off(jt)?, off(jf)?);
            if self.code[at].code == JA {
                self.code[at].k = t;
            } else {
                self.code[at].jt = u8::try_from(t).context("a seccomp rule is too long")?;
                self.code[at].jf = u8::try_from(f).context("a seccomp rule is too long")?;
            }
        }
        // BPF_MAXINSNS of the kernel.
        if self.code.len() > 4096 {
            bail!(
                "the seccomp profile compiles to {} instructions, more than the kernel's 4096",
                self.code.len()
            );
        }
        Ok(self.code)
    }
}

/// Append the test of one argument condition: fall through when it holds,
/// jump to `fail` when not. 64-bit values are compared as two 32-bit
/// halves (high first), as libseccomp does on 64-bit architectures.
fn emit_arg(a: &mut Asm, arg: &ArgRule, fail: usize) -> Result<()> {
    if arg.index > 5 {
        bail!("argument index {} out of range (0-5)", arg.index);
    }
    let lo_off = 16 + 8 * arg.index;
    let hi_off = lo_off + 4;
    let split = |v: u64| ((v >> 32) as u32, v as u32);
    let (hi, lo) = split(arg.value);
    let fail = To::L(fail);
    let pass = a.label();
    let ok = To::L(pass);
    match arg.op.as_str() {
        "SCMP_CMP_EQ" => {
            a.op(LD_W_ABS, hi_off);
            a.jmp(JEQ_K, hi, To::Next, fail);
            a.op(LD_W_ABS, lo_off);
            a.jmp(JEQ_K, lo, To::Next, fail);
        }
        "SCMP_CMP_NE" => {
            a.op(LD_W_ABS, hi_off);
            a.jmp(JEQ_K, hi, To::Next, ok);
            a.op(LD_W_ABS, lo_off);
            a.jmp(JEQ_K, lo, fail, To::Next);
        }
        "SCMP_CMP_MASKED_EQ" => {
            let (mhi, mlo) = split(arg.value);
            let (vhi, vlo) = split(arg.value_two);
            a.op(LD_W_ABS, hi_off);
            a.op(ALU_AND_K, mhi);
            a.jmp(JEQ_K, vhi, To::Next, fail);
            a.op(LD_W_ABS, lo_off);
            a.op(ALU_AND_K, mlo);
            a.jmp(JEQ_K, vlo, To::Next, fail);
        }
        "SCMP_CMP_GT" | "SCMP_CMP_GE" => {
            a.op(LD_W_ABS, hi_off);
            a.jmp(JGT_K, hi, ok, To::Next);
            a.jmp(JEQ_K, hi, To::Next, fail);
            a.op(LD_W_ABS, lo_off);
            let code = if arg.op == "SCMP_CMP_GT" {
                JGT_K
            } else {
                JGE_K
            };
            a.jmp(code, lo, To::Next, fail);
        }
        "SCMP_CMP_LT" | "SCMP_CMP_LE" => {
            a.op(LD_W_ABS, hi_off);
            a.jmp(JGT_K, hi, fail, To::Next);
            a.jmp(JEQ_K, hi, To::Next, ok);
            a.op(LD_W_ABS, lo_off);
            // lo < L: not (lo >= L); lo <= L: not (lo > L).
            let code = if arg.op == "SCMP_CMP_LT" {
                JGE_K
            } else {
                JGT_K
            };
            a.jmp(code, lo, fail, To::Next);
        }
        other => bail!("unknown seccomp operator {other:?}"),
    }
    a.bind(pass);
    Ok(())
}

/// Compile `profile` for this architecture and a container that keeps
/// the capabilities `caps` (entries with `includes.caps` /
/// `excludes.caps` depend on them, as in Docker).
///
/// The program: a foreign architecture (a 32-bit or x32 call, whose
/// numbers would mean other calls) is killed, as libseccomp does for an
/// architecture the filter was not built for; then, for each system call
/// named, its rules in profile order (a rule's conditions all hold, or,
/// as Docker does, any of several conditions on one same argument); then
/// the default action.
pub fn compile_profile(profile: &Profile, caps: u64) -> Result<Vec<libc::sock_filter>> {
    let default_errno = profile.default_errno_ret.unwrap_or(libc::EPERM as u32);
    let default = action(&profile.default_action, None, default_errno).context("defaultAction")?;
    // nr -> its rules in order: (conditions ANDed, action).
    let mut order: Vec<u32> = Vec::new();
    let mut rules: HashMap<u32, Vec<(Vec<ArgRule>, u32)>> = HashMap::new();
    for (i, entry) in profile.syscalls.iter().enumerate() {
        let ctx = || {
            let first = entry.names.first().or(entry.name.as_ref());
            format!("syscalls[{i}] ({})", first.map_or("", |s| s.as_str()))
        };
        let act = action(&entry.action, entry.errno_ret, default_errno).with_context(ctx)?;
        for arg in &entry.args {
            // Check operators and indexes even where the entry is unused.
            let mut scratch = Asm::default();
            let l = scratch.label();
            emit_arg(&mut scratch, arg, l).with_context(ctx)?;
        }
        if !applies(entry, caps).with_context(ctx)? {
            continue;
        }
        // Docker: several conditions on one same argument are
        // alternatives (each its own rule), else they all must hold.
        let same_index =
            entry.args.len() > 1 && entry.args.iter().all(|a| a.index == entry.args[0].index);
        let conds: Vec<Vec<ArgRule>> = if same_index {
            entry.args.iter().map(|a| vec![a.clone()]).collect()
        } else {
            vec![entry.args.clone()]
        };
        for name in entry.names.iter().chain(entry.name.iter()) {
            // Unknown names are skipped, as libseccomp-based runtimes do
            // for calls this architecture lacks.
            let Ok(nr) = name.parse::<syscalls::Sysno>() else {
                continue;
            };
            let nr = nr.id() as u32;
            let list = rules.entry(nr).or_insert_with(|| {
                order.push(nr);
                Vec::new()
            });
            for c in &conds {
                list.push((c.clone(), act));
            }
        }
    }

    let mut a = Asm::default();
    let native = a.label();
    a.op(LD_W_ABS, 4);
    a.jmp(JEQ_K, AUDIT_ARCH, To::L(native), To::Next);
    a.op(RET_K, RET_KILL_PROCESS);
    a.bind(native);
    #[cfg(target_arch = "x86_64")]
    {
        let not_x32 = a.label();
        a.op(LD_W_ABS, 0);
        // x32 system calls (bit 30) reach the same kernel code by other
        // numbers.
        a.jmp(JGE_K, 0x4000_0000, To::Next, To::L(not_x32));
        a.op(RET_K, RET_KILL_PROCESS);
        a.bind(not_x32);
    }
    for nr in order {
        let next = a.label();
        let body = a.label();
        a.op(LD_W_ABS, 0);
        a.jmp(JEQ_K, nr, To::L(body), To::Next);
        a.jmp(JA, 0, To::L(next), To::Next);
        a.bind(body);
        for (conds, act) in &rules[&nr] {
            let fail = a.label();
            for c in conds {
                emit_arg(&mut a, c, fail)?;
            }
            a.op(RET_K, *act);
            a.bind(fail);
        }
        a.bind(next);
    }
    a.op(RET_K, default);
    a.finish()
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

    /// Check that every path through `p` ends on a `RET`: walk every
    /// instruction reachable from the first, following both branches of
    /// each conditional jump; every successor must be an instruction of
    /// the program (classic BPF jumps only forward, so every walk ends,
    /// and an instruction that would fall off the end has no successor
    /// inside). Loads must read an aligned word of the 64-byte
    /// `seccomp_data`, as the kernel requires.
    fn check_paths(p: &[libc::sock_filter]) -> Result<(), String> {
        if p.is_empty() || p.len() > 4096 {
            return Err(format!("{} instructions", p.len()));
        }
        let mut seen = vec![false; p.len()];
        let mut todo = vec![0usize];
        while let Some(pc) = todo.pop() {
            if std::mem::replace(&mut seen[pc], true) {
                continue;
            }
            let f = p[pc];
            let next = match f.code {
                RET_K => continue,
                LD_W_ABS if !f.k.is_multiple_of(4) || f.k > 60 => {
                    return Err(format!("instruction {pc} loads from offset {}", f.k))
                }
                LD_W_ABS | ALU_AND_K => vec![pc + 1],
                JA => vec![pc + 1 + f.k as usize],
                JEQ_K | JGT_K | JGE_K | JSET_K => {
                    vec![pc + 1 + f.jt as usize, pc + 1 + f.jf as usize]
                }
                c => return Err(format!("instruction {pc} has unknown opcode {c:#x}")),
            };
            for n in next {
                if n >= p.len() {
                    return Err(format!(
                        "instruction {pc} (opcode {:#x}) goes on to {n}, past the end of the \
                         {}-instruction program instead of returning",
                        f.code,
                        p.len()
                    ));
                }
                todo.push(n);
            }
        }
        Ok(())
    }

    #[test]
    fn filter_jumps_land_on_returns() {
        check_paths(&default_filter()).unwrap_or_else(|e| panic!("default filter: {e}"));
        // A compiled profile uses every jump berth emits (JA included).
        let p = profile(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
                {"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[
                    {"index":0,"value":8,"op":"SCMP_CMP_EQ"},
                    {"index":0,"value":131072,"op":"SCMP_CMP_NE"}]},
                {"names":["kill"],"action":"SCMP_ACT_ALLOW","args":[
                    {"index":0,"value":1,"op":"SCMP_CMP_GT"},
                    {"index":1,"value":9,"op":"SCMP_CMP_LE"},
                    {"index":2,"value":255,"valueTwo":3,"op":"SCMP_CMP_MASKED_EQ"}]},
                {"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[
                    {"index":0,"value":2114060288,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}
            ]}"#,
        );
        let f = compile_profile(&p, 0).unwrap();
        assert!(f.iter().any(|i| i.code == JA));
        check_paths(&f).unwrap_or_else(|e| panic!("compiled profile: {e}"));

        // The check itself: programs it must refuse.
        let ld = |k| ins(LD_W_ABS, 0, 0, k);
        let ret = ins(RET_K, 0, 0, RET_ALLOW);
        for (what, bad) in [
            // The false branch lands on a load that is the last instruction.
            (
                "falls off the end",
                vec![ld(0), ins(JEQ_K, 0, 1, 1), ret, ld(4)],
            ),
            ("jumps past the end", vec![ld(0), ins(JEQ_K, 5, 0, 1), ret]),
            ("JA past the end", vec![ins(JA, 0, 0, 1), ret]),
            ("no RET at all", vec![ld(0)]),
            ("misaligned load", vec![ld(2), ret]),
            ("load past seccomp_data", vec![ld(64), ret]),
            ("unknown opcode", vec![ins(0x07, 0, 0, 0), ret]),
        ] {
            assert!(check_paths(&bad).is_err(), "{what} was not caught");
        }
    }

    /// Run a classic-BPF program over a `seccomp_data` (nr, arch, args),
    /// as the kernel would: only the instructions berth emits.
    fn eval(p: &[libc::sock_filter], nr: u32, arch: u32, args: [u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&nr.to_le_bytes());
        data[4..8].copy_from_slice(&arch.to_le_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let f = p[pc];
            let k = f.k;
            let cond = |c: bool| if c { f.jt as usize } else { f.jf as usize };
            pc += 1 + match f.code {
                LD_W_ABS => {
                    acc = u32::from_le_bytes(data[k as usize..k as usize + 4].try_into().unwrap());
                    0
                }
                ALU_AND_K => {
                    acc &= k;
                    0
                }
                JA => k as usize,
                JEQ_K => cond(acc == k),
                JGT_K => cond(acc > k),
                JGE_K => cond(acc >= k),
                JSET_K => cond(acc & k != 0),
                RET_K => return k,
                c => panic!("unexpected instruction {c:#x}"),
            };
        }
    }

    fn profile(json: &str) -> Profile {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn profile_rules_actions_and_default() {
        let p = profile(
            r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                {"names":["mkdir","mkdirat","no_such_call"],"action":"SCMP_ACT_ERRNO"},
                {"name":"rmdir","action":"SCMP_ACT_ERRNO","errnoRet":13},
                {"names":["reboot"],"action":"SCMP_ACT_KILL_PROCESS"},
                {"names":["ptrace"],"action":"SCMP_ACT_ERRNO","includes":{"caps":["CAP_SYS_PTRACE"]}}
            ]}"#,
        );
        let f = compile_profile(&p, 0).unwrap();
        let run = |nr: libc::c_long| eval(&f, nr as u32, AUDIT_ARCH, [0; 6]);
        assert_eq!(run(libc::SYS_mkdirat), RET_ERRNO | libc::EPERM as u32);
        assert_eq!(run(libc::SYS_rmdir), RET_ERRNO | 13);
        assert_eq!(run(libc::SYS_reboot), RET_KILL_PROCESS);
        assert_eq!(run(libc::SYS_getpid), RET_ALLOW);
        // includes.caps: the rule applies only with the capability.
        assert_eq!(run(libc::SYS_ptrace), RET_ALLOW);
        let with = compile_profile(&p, cap_mask("SYS_PTRACE").unwrap()).unwrap();
        assert_eq!(
            eval(&with, libc::SYS_ptrace as u32, AUDIT_ARCH, [0; 6]),
            RET_ERRNO | libc::EPERM as u32
        );
        // Another architecture's numbers are refused.
        assert_eq!(eval(&f, 0, 0x4000_0003, [0; 6]), RET_KILL_PROCESS);

        let p = profile(
            r#"{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
                "syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ALLOW"}]}"#,
        );
        let f = compile_profile(&p, 0).unwrap();
        assert_eq!(
            eval(&f, libc::SYS_getpid as u32, AUDIT_ARCH, [0; 6]),
            RET_ALLOW
        );
        assert_eq!(
            eval(&f, libc::SYS_getppid as u32, AUDIT_ARCH, [0; 6]),
            RET_ERRNO | 38
        );
    }

    #[test]
    fn profile_argument_operators() {
        let nr = libc::SYS_personality as u32;
        let check = |op: &str, value: u64, two: u64, cases: &[(u64, bool)]| {
            let p = profile(&format!(
                r#"{{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{{"names":["personality"],
                    "action":"SCMP_ACT_ERRNO","args":[{{"index":1,"value":{value},
                    "valueTwo":{two},"op":"{op}"}}]}}]}}"#
            ));
            let f = compile_profile(&p, 0).unwrap();
            for (arg, denied) in cases {
                let got = eval(&f, nr, AUDIT_ARCH, [0, *arg, 0, 0, 0, 0]);
                assert_eq!(got != RET_ALLOW, *denied, "{op} {value} on {arg:#x}");
            }
        };
        let big = 0x1_0000_0005u64;
        check(
            "SCMP_CMP_EQ",
            big,
            0,
            &[(big, true), (5, false), (big + 1, false)],
        );
        check("SCMP_CMP_NE", big, 0, &[(big, false), (5, true), (0, true)]);
        check(
            "SCMP_CMP_GT",
            big,
            0,
            &[(big + 1, true), (big, false), (6, false), (u64::MAX, true)],
        );
        check(
            "SCMP_CMP_GE",
            big,
            0,
            &[(big, true), (big - 1, false), (2 * big, true)],
        );
        check(
            "SCMP_CMP_LT",
            big,
            0,
            &[(big - 1, true), (big, false), (0, true), (u64::MAX, false)],
        );
        check(
            "SCMP_CMP_LE",
            big,
            0,
            &[(big, true), (big + 1, false), (5, true)],
        );
        check(
            "SCMP_CMP_MASKED_EQ",
            0xff00_0000_00ff,
            0x1200_0000_0034,
            &[
                (0x1211_0000_0034, true),
                (0x1200_0000_0035, false),
                (0x34, false),
            ],
        );

        // Conditions on different arguments must all hold; several on one
        // argument are alternatives (Docker's rule).
        let p = profile(
            r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                {"names":["personality"],"action":"SCMP_ACT_ERRNO","args":[
                    {"index":0,"value":1,"op":"SCMP_CMP_EQ"},
                    {"index":1,"value":2,"op":"SCMP_CMP_EQ"}]},
                {"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[
                    {"index":0,"value":1,"op":"SCMP_CMP_EQ"},
                    {"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}"#,
        );
        let f = compile_profile(&p, 0).unwrap();
        let e =
            |nr: libc::c_long, a: u64, b: u64| eval(&f, nr as u32, AUDIT_ARCH, [a, b, 0, 0, 0, 0]);
        assert_ne!(e(libc::SYS_personality, 1, 2), RET_ALLOW);
        assert_eq!(e(libc::SYS_personality, 1, 3), RET_ALLOW);
        assert_ne!(e(libc::SYS_kill, 1, 0), RET_ALLOW);
        assert_ne!(e(libc::SYS_kill, 2, 0), RET_ALLOW);
        assert_eq!(e(libc::SYS_kill, 3, 0), RET_ALLOW);
    }

    #[test]
    fn bad_profiles_are_refused() {
        for (json, want) in [
            (r#"{"defaultAction":"SCMP_ACT_NOPE"}"#, "SCMP_ACT_NOPE"),
            (
                r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_ODD"}]}]}"#,
                "SCMP_CMP_ODD",
            ),
            (
                r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}"#,
                "index 6",
            ),
        ] {
            let e = compile_profile(&profile(json), 0).unwrap_err();
            assert!(format!("{e:#}").contains(want), "{e:#}");
        }
    }

    // --- the default filter, run through `eval` ----------------------------

    /// `AUDIT_ARCH_*` of linux/audit.h: `EM_*`, 64-bit, little-endian.
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;
    const AUDIT_ARCH_I386: u32 = 0x4000_0003;
    const AUDIT_ARCH_ARM: u32 = 0x4000_0028;

    /// EPERM and ENOSYS (asm-generic/errno-base.h, errno.h), the same on
    /// both architectures.
    const DENY: u32 = RET_ERRNO | 1;
    const NO_SUCH_CALL: u32 = RET_ERRNO | 38;

    /// One architecture as the filter sees it, with system call numbers
    /// copied from the kernel's tables (arch/x86/entry/syscalls/
    /// syscall_64.tbl; include/uapi/asm-generic/unistd.h for aarch64)
    /// rather than from libc, so that a wrong number in the filter shows.
    struct Arch {
        name: &'static str,
        audit: u32,
        /// Every call the default filter answers EPERM, whatever the
        /// arguments: Podman's default profile allows none of them
        /// without capabilities beyond the default set.
        denied: &'static [(&'static str, u32)],
        /// A sample of ordinary calls, allowed.
        allowed: &'static [(&'static str, u32)],
        clone: u32,
        clone3: u32,
        /// x86_64's x32 ABI: the same kernel calls under `nr | 1 << 30`.
        x32: bool,
        /// The 32-bit ABI this kernel also runs (another AUDIT_ARCH).
        compat: u32,
    }

    const X86_64: Arch = Arch {
        name: "x86_64",
        audit: AUDIT_ARCH_X86_64,
        denied: &[
            ("sysfs", 139),
            ("syslog", 103),
            ("uselib", 134),
            ("ustat", 136),
            ("vhangup", 153),
            ("pivot_root", 155),
            ("_sysctl", 156),
            ("acct", 163),
            ("settimeofday", 164),
            ("mount", 165),
            ("umount2", 166),
            ("swapon", 167),
            ("swapoff", 168),
            ("reboot", 169),
            ("iopl", 172),
            ("ioperm", 173),
            ("create_module", 174),
            ("init_module", 175),
            ("delete_module", 176),
            ("get_kernel_syms", 177),
            ("query_module", 178),
            ("quotactl", 179),
            ("nfsservctl", 180),
            ("lookup_dcookie", 212),
            ("clock_settime", 227),
            ("mbind", 237),
            ("set_mempolicy", 238),
            ("get_mempolicy", 239),
            ("kexec_load", 246),
            ("add_key", 248),
            ("request_key", 249),
            ("keyctl", 250),
            ("unshare", 272),
            ("move_pages", 279),
            ("perf_event_open", 298),
            ("fanotify_init", 300),
            ("name_to_handle_at", 303),
            ("open_by_handle_at", 304),
            ("clock_adjtime", 305),
            ("setns", 308),
            ("process_vm_readv", 310),
            ("process_vm_writev", 311),
            ("kcmp", 312),
            ("finit_module", 313),
            ("kexec_file_load", 320),
            ("bpf", 321),
            ("userfaultfd", 323),
            ("open_tree", 428),
            ("move_mount", 429),
            ("fsopen", 430),
            ("fsconfig", 431),
            ("fsmount", 432),
            ("fspick", 433),
            ("pidfd_getfd", 438),
            ("process_madvise", 440),
            ("mount_setattr", 442),
            ("quotactl_fd", 443),
            ("set_mempolicy_home_node", 450),
        ],
        allowed: &[
            ("read", 0),
            ("write", 1),
            ("close", 3),
            ("fstat", 5),
            ("mmap", 9),
            ("rt_sigaction", 13),
            ("getpid", 39),
            ("socket", 41),
            ("fork", 57),
            ("execve", 59),
            ("wait4", 61),
            ("chroot", 161),
            ("futex", 202),
            ("exit_group", 231),
            ("openat", 257),
            ("pidfd_open", 434),
        ],
        clone: 56,
        clone3: 435,
        x32: true,
        compat: AUDIT_ARCH_I386,
    };

    const AARCH64: Arch = Arch {
        name: "aarch64",
        audit: AUDIT_ARCH_AARCH64,
        denied: &[
            ("lookup_dcookie", 18),
            ("umount2", 39),
            ("mount", 40),
            ("pivot_root", 41),
            ("vhangup", 58),
            ("quotactl", 60),
            ("acct", 89),
            ("unshare", 97),
            ("kexec_load", 104),
            ("init_module", 105),
            ("delete_module", 106),
            ("clock_settime", 112),
            ("syslog", 116),
            ("reboot", 142),
            ("settimeofday", 170),
            ("add_key", 217),
            ("request_key", 218),
            ("keyctl", 219),
            ("swapon", 224),
            ("swapoff", 225),
            ("mbind", 235),
            ("get_mempolicy", 236),
            ("set_mempolicy", 237),
            ("move_pages", 239),
            ("perf_event_open", 241),
            ("fanotify_init", 262),
            ("name_to_handle_at", 264),
            ("open_by_handle_at", 265),
            ("clock_adjtime", 266),
            ("setns", 268),
            ("process_vm_readv", 270),
            ("process_vm_writev", 271),
            ("kcmp", 272),
            ("finit_module", 273),
            ("bpf", 280),
            ("userfaultfd", 282),
            ("kexec_file_load", 294),
            ("open_tree", 428),
            ("move_mount", 429),
            ("fsopen", 430),
            ("fsconfig", 431),
            ("fsmount", 432),
            ("fspick", 433),
            ("pidfd_getfd", 438),
            ("process_madvise", 440),
            ("mount_setattr", 442),
            ("quotactl_fd", 443),
            ("set_mempolicy_home_node", 450),
        ],
        allowed: &[
            ("openat", 56),
            ("close", 57),
            ("read", 63),
            ("write", 64),
            ("fstat", 80),
            ("exit_group", 94),
            ("futex", 98),
            ("chroot", 51),
            ("rt_sigaction", 134),
            ("getpid", 172),
            ("socket", 198),
            ("execve", 221),
            ("mmap", 222),
            ("wait4", 260),
            ("pidfd_open", 434),
        ],
        clone: 220,
        clone3: 435,
        x32: false,
        compat: AUDIT_ARCH_ARM,
    };

    /// The architecture berth is built for, whose filter the tests run,
    /// and the other one, whose numbers this filter must not judge.
    #[cfg(target_arch = "x86_64")]
    const HOST: &Arch = &X86_64;
    #[cfg(target_arch = "x86_64")]
    const FOREIGN: &Arch = &AARCH64;
    #[cfg(target_arch = "aarch64")]
    const HOST: &Arch = &AARCH64;
    #[cfg(target_arch = "aarch64")]
    const FOREIGN: &Arch = &X86_64;

    /// A return value as a word, for messages.
    fn shown(ret: u32) -> String {
        match ret & 0xffff_0000 {
            RET_ALLOW => "ALLOW".into(),
            RET_ERRNO => format!("ERRNO({})", ret & 0xffff),
            RET_KILL_PROCESS => "KILL_PROCESS".into(),
            RET_KILL_THREAD => "KILL_THREAD".into(),
            _ => format!("{ret:#x}"),
        }
    }

    /// Every call of the deny list is refused with EPERM, whatever its
    /// arguments; and the list in the code is exactly the table here.
    #[test]
    fn default_filter_denies_its_list_with_eperm() {
        let f = default_filter();
        let a = HOST;
        assert_eq!(AUDIT_ARCH, a.audit, "{}", a.name);
        for &(name, nr) in a.denied {
            for args in [[0; 6], [u64::MAX; 6], [1, 2, 3, 4, 5, 6]] {
                let got = eval(&f, nr, a.audit, args);
                assert_eq!(
                    got,
                    DENY,
                    "{}: {name} ({nr}) with arguments {args:x?} must fail with EPERM, got {}",
                    a.name,
                    shown(got)
                );
            }
        }
        let table: std::collections::BTreeSet<u32> = a.denied.iter().map(|d| d.1).collect();
        for nr in denied() {
            assert!(
                table.contains(&(nr as u32)),
                "{}: denied() has {nr}, which the kernel's table here does not deny",
                a.name
            );
        }
    }

    /// Everything else is allowed (the filter is a deny list): the sample
    /// by name, then every number up to well past the last system call.
    #[test]
    fn default_filter_allows_ordinary_calls() {
        let f = default_filter();
        let a = HOST;
        for &(name, nr) in a.allowed {
            let got = eval(&f, nr, a.audit, [0; 6]);
            assert_eq!(
                got,
                RET_ALLOW,
                "{}: {name} ({nr}) must be allowed, got {}",
                a.name,
                shown(got)
            );
        }
        for nr in 0..1024u32 {
            if nr == a.clone3 || a.denied.iter().any(|d| d.1 == nr) {
                continue;
            }
            let got = eval(&f, nr, a.audit, [0; 6]);
            assert_eq!(
                got,
                RET_ALLOW,
                "{}: system call {nr} must be allowed, got {}",
                a.name,
                shown(got)
            );
        }
    }

    /// `clone3` gets ENOSYS, so that libc falls back to `clone`, whose
    /// flags the filter can read; `clone` may not make namespaces.
    #[test]
    fn default_filter_clone_namespace_flags() {
        // linux/sched.h.
        const CLONE_NEWNS: u64 = 0x0002_0000;
        const CLONE_NEWCGROUP: u64 = 0x0200_0000;
        const CLONE_NEWUTS: u64 = 0x0400_0000;
        const CLONE_NEWIPC: u64 = 0x0800_0000;
        const CLONE_NEWUSER: u64 = 0x1000_0000;
        const CLONE_NEWPID: u64 = 0x2000_0000;
        const CLONE_NEWNET: u64 = 0x4000_0000;
        // glibc's fork() (CHILD_SETTID | CHILD_CLEARTID | SIGCHLD),
        // pthread_create() (VM FS FILES SIGHAND THREAD SYSVSEM SETTLS
        // PARENT_SETTID CHILD_CLEARTID) and posix_spawn() (VM VFORK
        // SIGCHLD).
        const FORK: u64 = 0x0120_0011;
        const THREAD: u64 = 0x003d_0f00;
        const VFORK: u64 = 0x4111;
        // A stack address whose low word looks like namespace flags.
        const STACK: u64 = 0x7ffd_7e02_0000;

        let f = default_filter();
        let a = HOST;
        let unshare = a.denied.iter().find(|d| d.0 == "unshare").unwrap().1;
        let setns = a.denied.iter().find(|d| d.0 == "setns").unwrap().1;
        let cases: &[(&str, u32, [u64; 2], u32)] = &[
            ("clone(fork)", a.clone, [FORK, 0], RET_ALLOW),
            ("clone(thread)", a.clone, [THREAD, STACK], RET_ALLOW),
            ("clone(vfork)", a.clone, [VFORK, STACK], RET_ALLOW),
            ("clone(0)", a.clone, [0, 0], RET_ALLOW),
            ("clone(NEWNS)", a.clone, [CLONE_NEWNS, 0], DENY),
            ("clone(NEWCGROUP)", a.clone, [CLONE_NEWCGROUP, 0], DENY),
            ("clone(NEWUTS)", a.clone, [CLONE_NEWUTS, 0], DENY),
            ("clone(NEWIPC)", a.clone, [CLONE_NEWIPC, 0], DENY),
            ("clone(NEWUSER)", a.clone, [CLONE_NEWUSER, 0], DENY),
            ("clone(NEWPID)", a.clone, [CLONE_NEWPID, 0], DENY),
            ("clone(NEWNET)", a.clone, [CLONE_NEWNET, 0], DENY),
            (
                "clone(fork|NEWUSER)",
                a.clone,
                [FORK | CLONE_NEWUSER, 0],
                DENY,
            ),
            (
                "clone(thread|NEWPID|NEWNET)",
                a.clone,
                [THREAD | CLONE_NEWPID | CLONE_NEWNET, STACK],
                DENY,
            ),
            // The kernel reads the low 32 bits of the flags only.
            (
                "clone(NEWUSER, high bits set)",
                a.clone,
                [0xffff_ffff_0000_0000 | CLONE_NEWUSER, 0],
                DENY,
            ),
            ("clone3(args)", a.clone3, [STACK, 88], NO_SUCH_CALL),
            ("clone3(0)", a.clone3, [0, 0], NO_SUCH_CALL),
            ("unshare(0)", unshare, [0, 0], DENY),
            ("unshare(NEWUSER)", unshare, [CLONE_NEWUSER, 0], DENY),
            ("unshare(NEWNS)", unshare, [CLONE_NEWNS, 0], DENY),
            ("setns(fd, NEWNET)", setns, [3, CLONE_NEWNET], DENY),
        ];
        for &(what, nr, [a0, a1], want) in cases {
            let got = eval(&f, nr, a.audit, [a0, a1, 0, 0, 0, 0]);
            assert_eq!(
                got,
                want,
                "{}: {what} must give {}, got {}",
                a.name,
                shown(want),
                shown(got)
            );
        }
    }

    /// Numbers of another ABI would mean other calls: x32 calls (x86_64
    /// only) get EPERM, and any architecture but the host's is killed.
    #[test]
    fn default_filter_refuses_other_abis() {
        let f = default_filter();
        let a = HOST;
        let sample: Vec<(&str, u32)> = a.allowed.iter().chain(a.denied).copied().collect();
        if a.x32 {
            // x32's own calls start at 512 (rt_sigaction, execve, ...).
            let x32 = sample.iter().copied().chain([("x32 execve", 520)]);
            for (name, nr) in x32 {
                let nr = nr | 0x4000_0000;
                let got = eval(&f, nr, a.audit, [0; 6]);
                assert_eq!(
                    got,
                    DENY,
                    "{}: x32 {name} ({nr:#x}) must fail with EPERM, got {}",
                    a.name,
                    shown(got)
                );
            }
        }
        let foreign: Vec<(&str, u32)> = FOREIGN
            .allowed
            .iter()
            .chain(FOREIGN.denied)
            .copied()
            .chain(sample)
            .collect();
        for arch in [FOREIGN.audit, a.compat, 0, u32::MAX, a.audit ^ 0x8000_0000] {
            for &(name, nr) in &foreign {
                let got = eval(&f, nr, arch, [0; 6]);
                assert_eq!(
                    got,
                    RET_KILL_PROCESS,
                    "{}: call {nr} ({name} somewhere) from architecture {arch:#x} must be \
                     killed, got {}",
                    a.name,
                    shown(got)
                );
            }
        }
    }
}
