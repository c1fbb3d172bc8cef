//! Confinement that can fail: each protection of a default container is
//! probed with the kernel call it exists to stop, made directly by a
//! small static program (`tests/probe/probe.rs`, built here with the
//! host's rustc), and each probe is paired with a control run (`--privileged`
//! or `--security-opt seccomp=unconfined`) where the same call gets
//! through or fails differently. A protection that went missing shows as
//! a different result, never as the same error for another reason (a
//! missing directory, a file sysfs would refuse anyway).
//!
//! The probe opens kernel files for writing but never writes to them, so
//! a run where a protection is missing changes nothing on the host.

use crate::fixtures::*;
use crate::identity::*;
use crate::run::{mount_at, one, parse};
use crate::util::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub(crate) const PROBE_IMG: &str = "localhost/probe:latest";

/// Podman's masked paths (containers/common `DefaultMaskedPaths`):
/// hidden behind an empty read-only tmpfs (dirs) or `/dev/null` (files).
const MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
];

/// Podman's read-only paths (`DefaultReadOnlyPaths`).
const READ_ONLY: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

fn rustc() -> PathBuf {
    if let Some(r) = std::env::var_os("RUSTC") {
        return r.into();
    }
    // cargo runs the tests with CARGO set to itself; rustc is beside it.
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name("rustc");
        if beside.exists() {
            return beside;
        }
    }
    "rustc".into()
}

/// The probe, compiled once per test run as a static binary.
pub(crate) fn probe_binary() -> Vec<u8> {
    static BIN: OnceLock<Vec<u8>> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/probe/probe.rs");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("probe");
        Cmd::new(rustc())
            .args([
                "--edition",
                "2021",
                "-C",
                "opt-level=1",
                "-C",
                "panic=abort",
            ])
            .args(["-C", "target-feature=+crt-static", "-C", "strip=symbols"])
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .ok();
        std::fs::read(&out).unwrap()
    })
    .clone()
}

/// busybox with `/usr/bin/probe`.
pub(crate) fn probe_image() -> ImageSpec {
    let layer = LayerBuilder::new()
        .file("usr/bin/probe", probe_binary(), 0o755)
        .tar_bytes();
    ImageSpec::busybox(PROBE_IMG).layer(LayerBlob::plain(layer))
}

fn probe_env(who: Who) -> Option<TestEnv> {
    env_with(who, &[probe_image()])
}

/// Run the probe with `flags` before the image, and its arguments.
fn probe(env: &TestEnv, flags: &[&str], args: &[&str]) -> Vec<(String, String)> {
    let out = env
        .berth(["run", "--rm"])
        .args(flags)
        .args([PROBE_IMG, "probe"])
        .args(args)
        .ok();
    parse(&out.stdout)
}

/// The results of `args` as (arg, result), for messages and comparisons.
fn results<'a>(kv: &'a [(String, String)], args: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    args.iter().map(|a| (*a, one(kv, a))).collect()
}

const SYSCALLS: &[&str] = &[
    "mount:/tmp",
    "unshare:user",
    "unshare:mnt",
    "clone:user",
    "clone:net",
    "clone3",
    "init_module",
    "keyctl",
    "syslog",
    "x32",
    "pidfd_getfd",
    "setuid:70000",
    "pids",
];

each_identity!(default_container_denies_what_podman_denies, |who| {
    let Some(env) = probe_env(who) else {
        return;
    };
    let kv = probe(&env, &[], SYSCALLS);
    // Rootless, uid 70000 is outside every map (EINVAL); as root every
    // uid is mapped and CAP_SETUID is a default capability.
    let setuid = if who == Who::Root { "ok" } else { "EINVAL" };
    let want = [
        ("mount:/tmp", "EPERM"),
        ("unshare:user", "EPERM"),
        ("unshare:mnt", "EPERM"),
        ("clone:user", "EPERM"),
        ("clone:net", "EPERM"),
        // ENOSYS, so that a C library falls back to clone, which the
        // filter can inspect.
        ("clone3", "ENOSYS"),
        ("init_module", "EPERM"),
        ("keyctl", "EPERM"),
        ("syslog", "EPERM"),
        // The filter's own answer; a kernel without x32 says ENOSYS.
        ("x32", "EPERM"),
        // Another process's descriptors: CAP_SYS_PTRACE's in Podman's
        // profile, which the default filter does not grant.
        ("pidfd_getfd", "EPERM"),
        ("setuid:70000", setuid),
        // The probe is pid 1 and alone in its pid namespace.
        ("pids", "1"),
    ];
    assert_eq!(results(&kv, SYSCALLS), want);

    // Without the filter the same calls get through or fail for the
    // kernel's own reasons: what the default run saw was the filter.
    let kv = probe(&env, &["--security-opt", "seccomp=unconfined"], SYSCALLS);
    let got = results(&kv, SYSCALLS);
    for (arg, denied) in [
        ("unshare:user", "EPERM"),
        ("clone:user", "EPERM"),
        ("clone3", "ENOSYS"),
        ("keyctl", "EPERM"),
        ("x32", "EPERM"),
        ("pidfd_getfd", "EPERM"),
    ] {
        assert_ne!(one(&kv, arg), denied, "{arg} unconfined: {got:?}");
    }
    assert_eq!(one(&kv, "unshare:user"), "ok", "{got:?}");
    assert_eq!(one(&kv, "keyctl"), "ok", "{got:?}");
    assert_eq!(one(&kv, "pidfd_getfd"), "ok", "{got:?}");
    // The capabilities still hold without the filter.
    for arg in ["mount:/tmp", "unshare:mnt", "syslog"] {
        assert_eq!(one(&kv, arg), "EPERM", "{arg} unconfined: {got:?}");
    }

    // --privileged: every capability (of the user namespace, rootless)
    // and no filter.
    let kv = probe(&env, &["--privileged"], SYSCALLS);
    let got = results(&kv, SYSCALLS);
    for arg in ["mount:/tmp", "unshare:user", "unshare:mnt", "clone:net"] {
        assert_eq!(one(&kv, arg), "ok", "{arg} privileged: {got:?}");
    }
    if who == Who::Root {
        // Rootless, the kernel itself refuses these to a user namespace.
        assert_eq!(one(&kv, "syslog"), "ok", "{got:?}");
        assert_ne!(one(&kv, "init_module"), "EPERM", "{got:?}");
    }

    // Capabilities: what --cap-drop and --cap-add leave.
    let caps =
        "while read k v; do case $k in CapEff:) echo CapEff=$v;; esac; done < /proc/self/status";
    let out = env
        .berth(["run", "--rm", "--cap-drop", "all", IMG, "sh", "-c", caps])
        .ok();
    assert_eq!(one(&parse(&out.stdout), "CapEff"), "0000000000000000");
    let out = env
        .berth(["run", "--rm", "--cap-drop", "all", "--cap-add", "CHOWN"])
        .args([IMG, "sh", "-c", caps])
        .ok();
    assert_eq!(one(&parse(&out.stdout), "CapEff"), "0000000000000001");
    // Without CAP_SETUID even root in the container cannot change uid.
    let kv = probe(
        &env,
        &["--cap-drop", "SETUID"],
        &["setuid:1000", "setuid:0"],
    );
    // Without a subordinate range uid 1000 is not mapped at all.
    let want = if who == Who::NoSub { "EINVAL" } else { "EPERM" };
    assert_eq!(one(&kv, "setuid:1000"), want);
    assert_eq!(one(&kv, "setuid:0"), "ok");
});

/// Paths of `list` that this host has (the kernel's configuration decides).
fn present(list: &[&'static str]) -> Vec<&'static str> {
    list.iter()
        .copied()
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .collect()
}

each_identity!(masked_paths_are_empty_and_privileged_lifts_them, |who| {
    let Some(env) = probe_env(who) else {
        return;
    };
    let masked = present(MASKED);
    // Not vacuous: every kernel has /sys/firmware and /sys/dev/block.
    assert!(masked.len() >= 2, "masked paths on this host: {masked:?}");
    let mut args = vec!["mounts".to_string()];
    for p in &masked {
        if Path::new(p).is_dir() {
            args.push(format!("entries:{p}"));
            args.push(format!("create:{p}/berth-probe"));
        } else {
            args.push(format!("read:{p}"));
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let kv = probe(&env, &[], &args);
    for p in &masked {
        let (ty, opts) = mount_at(&kv, p).unwrap_or_else(|| panic!("{p} is not masked: {kv:?}"));
        if Path::new(p).is_dir() {
            assert_eq!(ty, "tmpfs", "{p}");
            assert!(opts.contains(&"ro"), "{p}: {opts:?}");
            assert_eq!(one(&kv, &format!("entries:{p}")), "0", "{p}");
            assert_eq!(one(&kv, &format!("create:{p}/berth-probe")), "EROFS", "{p}");
        } else {
            // /dev/null bound over it: nothing to read.
            let _ = ty;
            assert_eq!(one(&kv, &format!("read:{p}")), "0", "{p}");
        }
    }

    // --privileged lifts every mask: the kernel's own files are seen.
    let kv = probe(&env, &["--privileged"], &args);
    for p in &masked {
        assert_eq!(mount_at(&kv, p), None, "{p} is masked under --privileged");
    }
    // A masked dir with content on the host shows it.
    let host_entries = std::fs::read_dir("/sys/dev/block").unwrap().count();
    if host_entries > 0 {
        assert_ne!(one(&kv, "entries:/sys/dev/block"), "0", "{kv:?}");
    }
    if who == Who::Root && masked.contains(&"/proc/timer_list") {
        assert_ne!(one(&kv, "read:/proc/timer_list"), "0", "{kv:?}");
    }
});

each_identity!(proc_and_sys_are_read_only_and_privileged_lifts_it, |who| {
    let Some(env) = probe_env(who) else {
        return;
    };
    let read_only = present(READ_ONLY);
    assert!(read_only.contains(&"/proc/sys"), "{read_only:?}");
    // Files of the container's own network namespace, writable by its
    // root: only the read-only mounts stand in the way (and nothing is
    // written, were they missing).
    let args = [
        "mounts",
        "open-w:/proc/sys/net/core/somaxconn",
        "open-w:/sys/class/net/lo/mtu",
    ];
    let kv = probe(&env, &[], &args);
    for p in &read_only {
        let (_, opts) = mount_at(&kv, p).unwrap_or_else(|| panic!("{p} is not a mount: {kv:?}"));
        assert_eq!(opts[0], "ro", "{p}");
    }
    let (ty, opts) = mount_at(&kv, "/sys").expect("/sys");
    assert_eq!((ty, opts[0]), ("sysfs", "ro"));
    assert_eq!(one(&kv, "open-w:/sys/class/net/lo/mtu"), "EROFS");
    // Rootless, the missing CAP_NET_ADMIN refuses a network sysctl before
    // the mount is asked; with it, the read-only mount alone stands.
    let somaxconn = "open-w:/proc/sys/net/core/somaxconn";
    let want = if who == Who::Root { "EROFS" } else { "EACCES" };
    assert_eq!(one(&kv, somaxconn), want);
    let kv = probe(&env, &["--cap-add", "NET_ADMIN"], &args);
    assert_eq!(one(&kv, somaxconn), "EROFS");

    let kv = probe(&env, &["--privileged"], &args);
    for p in &read_only {
        if let Some((_, opts)) = mount_at(&kv, p) {
            assert_ne!(opts[0], "ro", "{p} is read-only under --privileged");
        }
    }
    let (ty, opts) = mount_at(&kv, "/sys").expect("/sys");
    assert_eq!((ty, opts[0]), ("sysfs", "rw"));
    assert_eq!(one(&kv, somaxconn), "ok");
    // The container's root owns the devices of its own network
    // namespace (rootless too: the namespace is made in a user namespace
    // already mapped, so `lo` belongs to that namespace's root).
    assert_eq!(one(&kv, "open-w:/sys/class/net/lo/mtu"), "ok");
});
