//! The `run` options beyond the basics: `--mount` (bind and tmpfs, as
//! Docker and Podman spell it), `--security-opt seccomp=PROFILE.json`
//! (Docker/Podman profiles, including Podman's own default profile), and
//! the fuse-overlayfs root file system (`BERTH_OVERLAY=fuse`), each as root
//! and as the two test users. The container reports what it sees; the
//! assertions are on the host side.

use crate::fixtures::*;
use crate::identity::*;
use crate::leaks::host_mounts_below as mounts_below;
use crate::run::{all, container_dirs, mount_at, parse, wait_for_file, READY_THEN_WAIT};
use crate::util::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// Podman's default seccomp profile, from Debian's containers-common.
const PODMAN_PROFILE: &str = "/usr/share/containers/seccomp.json";

/// Write `text` to `name` in the test dir, readable by the test user.
fn write_file(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    path.display().to_string()
}

each_identity!(mount_binds_and_tmpfs, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").arg("data").ok();
    env.command("sh")
        .args(["-c", "echo from-host > data/f"])
        .ok();
    let data = env.join("data").display().to_string();
    let script = "cat /ro/f; touch /ro/g 2>/dev/null && echo ro-writable; \
                  echo c > /rw/from-ctr; touch /ro2/h 2>/dev/null && echo ro2-writable; \
                  touch /scratch/t && echo tmpfs-ok; \
                  while read a b c d mnt e f g h; do echo \"mi=$mnt $f $g\"; done < /proc/self/mountinfo; \
                  while read dev mnt type opts rest; do echo \"mount=$mnt $type $opts\"; done < /proc/self/mounts";
    let out = env
        .berth(["run", "--rm"])
        .args([
            "--mount",
            &format!("type=bind,source={data},target=/ro,readonly"),
        ])
        .args([
            "--mount",
            &format!("type=bind,src={data},dst=/rw,bind-propagation=shared,relabel=private"),
        ])
        .args([
            "--mount",
            &format!("type=bind,source={data},destination=/ro2,ro=true"),
        ])
        .args([
            "--mount",
            "type=tmpfs,target=/scratch,tmpfs-size=1m,tmpfs-mode=1700",
        ])
        .args([IMG, "sh", "-c", script])
        .ok();
    let kv = parse(&out.stdout);
    assert!(
        out.stdout.starts_with("from-host\ntmpfs-ok\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        std::fs::read_to_string(env.join("data/from-ctr")).unwrap(),
        "c\n"
    );
    let (_, opts) = mount_at(&kv, "/ro").expect("/ro");
    assert_eq!(opts[0], "ro", "{}", out.stdout);
    let (_, opts) = mount_at(&kv, "/rw").expect("/rw");
    assert_eq!(opts[0], "rw", "{}", out.stdout);
    let (ty, opts) = mount_at(&kv, "/scratch").expect("/scratch");
    assert_eq!(ty, "tmpfs");
    assert!(
        opts.contains(&"size=1024k") && opts.contains(&"mode=1700"),
        "{opts:?}"
    );
    // bind-propagation=shared puts /rw in a peer group ("shared:N" in the
    // optional fields of mountinfo); the other binds stay private.
    let mi = all(&kv, "mi");
    let field = |target: &str| {
        mi.iter()
            .find(|l| l.split(' ').next() == Some(target))
            .unwrap_or_else(|| panic!("{target} in {mi:?}"))
            .to_string()
    };
    assert!(field("/rw").contains("shared:"), "{mi:?}");
    assert!(!field("/ro").contains("shared:"), "{mi:?}");
});

each_identity!(mount_bad_specs_are_125_and_change_nothing, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let missing = env.join("no-such-dir").display().to_string();
    for (spec, why) in [
        (
            format!("type=bind,source={missing},target=/x"),
            format!("bind source path does not exist: {missing}"),
        ),
        (
            "type=bind,source=/,target=/x,colour=red".to_string(),
            "unknown option \"colour\"".to_string(),
        ),
        ("type=bind,source=/".to_string(), "no target".to_string()),
        (
            "type=bind,source=/,target=rel".to_string(),
            "must be an absolute path".to_string(),
        ),
        (
            "type=volume,source=a/b,target=/x".to_string(),
            "is invalid".to_string(),
        ),
        (
            "type=volume,target=/x".to_string(),
            "needs a source".to_string(),
        ),
        (
            "type=tmpfs,target=/x,tmpfs-size=huge".to_string(),
            "tmpfs-size".to_string(),
        ),
    ] {
        for cmd in ["run", "create"] {
            let out = env.berth([cmd, "--mount", &spec, IMG, "true"]).fails(125);
            let line = out.stderr.trim();
            assert!(
                line.starts_with("Error: ") && line.contains(&why) && line.contains(&spec),
                "{cmd} --mount {spec}: {}",
                out.stderr
            );
            assert_eq!(line.lines().count(), 1, "{}", out.stderr);
        }
    }
    assert_eq!(container_dirs(&env), Vec::<String>::new());
});

/// A profile over Podman's default one with `names` taken out of every
/// rule, so that the default action (ENOSYS) applies to them.
fn podman_profile_without(names: &[&str]) -> String {
    let text = std::fs::read_to_string(PODMAN_PROFILE)
        .unwrap_or_else(|e| panic!("{PODMAN_PROFILE} (package containers-common): {e}"));
    let mut p: serde_json::Value = serde_json::from_str(&text).unwrap();
    for rule in p["syscalls"].as_array_mut().unwrap() {
        if let Some(list) = rule["names"].as_array_mut() {
            list.retain(|n| !names.contains(&n.as_str().unwrap_or("")));
        }
    }
    serde_json::to_string(&p).unwrap()
}

each_identity!(seccomp_profiles_from_files, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // Allow by default, deny mkdir with EPERM and rmdir with EACCES.
    let deny = write_file(
        &env,
        "deny-mkdir.json",
        r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
            "syscalls":[{"names":["mkdir","mkdirat","no_such_syscall"],"action":"SCMP_ACT_ERRNO"},
                        {"name":"rmdir","action":"SCMP_ACT_ERRNO","errnoRet":13}]}"#,
    );
    let script = "ls / >/dev/null && echo ls-ok; mkdir /made 2>&1; rmdir /tmp 2>&1; \
                  grep Seccomp: /proc/self/status";
    let out = env
        .berth(["run", "--rm", "--security-opt"])
        .arg(format!("seccomp={deny}"))
        .args([IMG, "sh", "-c", script])
        .ok();
    assert!(out.stdout.starts_with("ls-ok\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Operation not permitted"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Permission denied"), "{}", out.stdout);
    assert!(out.stdout.contains("Seccomp:\t2"), "{}", out.stdout);
    // Without no_new_privs, a user other than root still gets the filter
    // (loaded before the switch to that user). Rootless without a range,
    // uid 1000 does not exist in the container.
    if who != Who::NoSub {
        let out = env
            .berth(["run", "--rm", "-u", "1000:1000"])
            .args([
                "--security-opt",
                "no-new-privileges=false",
                "--security-opt",
            ])
            .arg(format!("seccomp={deny}"))
            .args([
                IMG,
                "sh",
                "-c",
                "id -u; mkdir /tmp/made 2>&1; grep NoNewPrivs: /proc/self/status",
            ])
            .ok();
        assert!(
            out.stdout.starts_with("1000\n")
                && out.stdout.contains("Operation not permitted")
                && out.stdout.ends_with("NoNewPrivs:\t0\n"),
            "{}",
            out.stdout
        );
    }
    // Without the profile, the same commands work.
    let out = env
        .berth(["run", "--rm", IMG, "sh", "-c", "mkdir /made && echo made"])
        .ok();
    assert_eq!(out.stdout, "made\n");

    // Argument filtering: personality(PER_LINUX32) is denied, and
    // personality(PER_LINUX) is not.
    let personality = write_file(
        &env,
        "personality.json",
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],
            "action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}]}"#,
    );
    let out = env
        .berth(["run", "--rm", "--security-opt"])
        .arg(format!("seccomp={personality}"))
        .args([IMG, "sh", "-c"])
        .arg(
            "busybox linux32 true 2>/dev/null && echo l32=yes || echo l32=no; \
             busybox linux64 true && echo l64=yes || echo l64=no",
        )
        .ok();
    assert_eq!(out.stdout, "l32=no\nl64=yes\n");

    // Podman's default profile (deny by default, an allow list, rules by
    // capability and architecture, `null` lists) runs busybox; with mkdir
    // taken out of its allow list, mkdir fails with the profile's default
    // errno, ENOSYS.
    let out = env
        .berth(["run", "--rm", "--security-opt"])
        .arg(format!("seccomp={PODMAN_PROFILE}"))
        .args([IMG, "sh", "-c"])
        .arg("mkdir /d && echo mkdir-ok; grep Seccomp: /proc/self/status")
        .ok();
    assert_eq!(out.stdout, "mkdir-ok\nSeccomp:\t2\n");
    let limited = write_file(
        &env,
        "limited.json",
        &podman_profile_without(&["mkdir", "mkdirat"]),
    );
    let out = env
        .berth(["run", "--rm", "--security-opt"])
        .arg(format!("seccomp={limited}"))
        .args([IMG, "sh", "-c", "echo alive; mkdir /d 2>&1; true"])
        .ok();
    assert!(
        out.stdout.starts_with("alive\n") && out.stdout.contains("Function not implemented"),
        "{}",
        out.stdout
    );
});

each_identity!(security_opt_bad_values_are_125, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let broken = write_file(&env, "broken.json", "{\"defaultAction\": ");
    let bad_action = write_file(
        &env,
        "bad-action.json",
        r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_SOMETIMES"}]}"#,
    );
    let missing = env.join("missing.json").display().to_string();
    for (opt, why) in [
        (format!("seccomp={broken}"), broken.clone()),
        (format!("seccomp={missing}"), missing.clone()),
        (format!("seccomp={bad_action}"), "SCMP_ACT_SOMETIMES".into()),
        ("apparmor=my-profile".into(), "apparmor=my-profile".into()),
        ("no-new-privileges=maybe".into(), "no-new-privileges".into()),
        ("selinux-magic".into(), "selinux-magic".into()),
    ] {
        let out = env
            .berth(["run", "--rm", "--security-opt", &opt, IMG, "true"])
            .fails(125);
        let line = out.stderr.trim();
        assert!(
            line.starts_with("Error: ") && line.contains(&why) && line.lines().count() == 1,
            "--security-opt {opt}: {}",
            out.stderr
        );
    }
    assert_eq!(container_dirs(&env), Vec::<String>::new());
    // Accepted and without effect here: SELinux labels, AppArmor off.
    let out = env
        .berth(["run", "--rm", "--security-opt", "label=disable"])
        .args(["--security-opt", "apparmor=unconfined"])
        .args(["--security-opt", "no-new-privileges=true"])
        .args([IMG, "sh", "-c", "grep NoNewPrivs: /proc/self/status"])
        .ok();
    assert_eq!(out.stdout, "NoNewPrivs:\t1\n");
});

/// Let users open `/dev/fuse`: Debian's usual mode is 0666, but this
/// device is sometimes made 0600, with which no rootless FUSE mount can work.
fn fuse_usable(who: Who) {
    device_usable(who, "/dev/fuse");
}

/// Make `device` mode 0666 (Debian's usual mode) for a rootless `who`.
pub(crate) fn device_usable(who: Who, device: &str) {
    if who == Who::Root {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let md = std::fs::metadata(device).expect(device);
    if md.permissions().mode() & 0o006 != 0o006 {
        std::fs::set_permissions(device, std::fs::Permissions::from_mode(0o666))
            .unwrap_or_else(|e| panic!("chmod 0666 {device}: {e}"));
    }
}

/// Live fuse-overlayfs processes whose arguments name `dir`.
fn fuse_daemons_below(dir: &Path) -> Vec<String> {
    let needle = dir.display().to_string();
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let state = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
        if cmd.contains("fuse-overlayfs") && cmd.contains(&needle) && !zombie {
            found.push(cmd);
        }
    }
    found
}

/// No fuse-overlayfs daemon of `env` is left (a process anywhere on the
/// host, so this sees one in any namespace) and nothing is mounted below
/// it in the test's own mount namespace; a process being killed may take
/// a moment to go (a minute at most: a hang guard). The mounts inside a
/// container's namespaces are `leaks::footprint`'s to check.
fn wait_nothing_left(env: &TestEnv) {
    let start = Instant::now();
    loop {
        let daemons = fuse_daemons_below(env.path());
        let mounts = mounts_below(env.path());
        if daemons.is_empty() && mounts.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "left behind: {daemons:?} {mounts:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

each_identity!(fuse_overlayfs_root_when_forced, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    require_tool("fuse-overlayfs");
    fuse_usable(who);
    env.command("mkdir").arg("v").ok();
    let vol = format!("{}:/v", env.join("v").display());
    let script = format!(
        "echo x > /written; mkdir -p /d/e; echo y > /d/e/f; cat /d/e/f; \
         rm /bin/ls; test ! -e /bin/ls && echo removed; \
         while read dev mnt type opts rest; do echo \"mount=$mnt $type $opts\"; done \
         < /proc/self/mounts; n=0; for c in /proc/[0-9]*/comm; do \
         read comm < $c; case $comm in fuse*) n=$((n+1));; esac; done; echo $n; {READY_THEN_WAIT}"
    );
    let running = env
        .berth([
            "run", "--name", "fused", "-v", &vol, IMG, "sh", "-c", &script,
        ])
        .env("BERTH_OVERLAY", "fuse")
        .spawn();
    wait_for_file(&env.join("v/ready"));
    // The daemon runs, in the monitor's mount namespace with the mount.
    let fp = crate::leaks::footprint(&env);
    assert_eq!(fuse_daemons_below(env.path()).len(), 1);
    std::fs::write(env.join("v/go"), "").unwrap();
    let out = running.ok();
    let kv = parse(&out.stdout);
    assert!(out.stdout.starts_with("y\nremoved\n"), "{}", out.stdout);
    let (ty, _) = mount_at(&kv, "/").expect("a root mount");
    assert_eq!(ty, "fuse.fuse-overlayfs", "{}", out.stdout);
    // The daemon is outside the container's pid namespace.
    assert!(out.stdout.ends_with("\n0\n"), "{}", out.stdout);
    crate::leaks::assert_gone(&env, &fp);
    assert_eq!(fuse_daemons_below(env.path()), Vec::<String>::new());
    // The writable layer holds the changes, as with native overlay:
    // `diff` reads it.
    let out = env.berth(["diff", "fused"]).ok();
    for line in ["A /written", "A /d/e/f", "D /bin/ls"] {
        assert!(out.stdout.contains(line), "{line}: {}", out.stdout);
    }
    env.berth(["rm", "fused"]).ok();
    assert_eq!(container_dirs(&env), Vec::<String>::new());

    // Killing berth leaves no daemon and no mount.
    std::fs::remove_file(env.join("v/ready")).unwrap();
    let running = env
        .berth(["run", "--rm"])
        .args([
            "--mount",
            &format!("type=bind,src={},dst=/v", env.join("v").display()),
        ])
        .args([IMG, "sh", "-c", "touch /v/ready; sleep 1000"])
        .env("BERTH_OVERLAY", "fuse")
        .spawn();
    wait_for_file(&env.join("v/ready"));
    let fp = crate::leaks::footprint(&env);
    assert_eq!(fuse_daemons_below(env.path()).len(), 1);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(running.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert_eq!(running.wait().signal, Some(9));
    crate::leaks::assert_gone(&env, &fp);
    assert_eq!(fuse_daemons_below(env.path()), Vec::<String>::new());
});

each_identity!(fuse_overlayfs_missing_is_a_clear_error, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // A PATH with newuidmap (rootless) but without fuse-overlayfs.
    let bin = env.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["newuidmap", "newgidmap"] {
        std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.join(tool)).unwrap();
    }
    let out = env
        .berth(["run", "--rm", IMG, "true"])
        .env("BERTH_OVERLAY", "fuse")
        .env("PATH", &bin)
        .fails(125);
    assert!(
        out.stderr.contains("fuse-overlayfs is not installed"),
        "{}",
        out.stderr
    );
    for cmd in ["run", "create"] {
        let out = env
            .berth([cmd, IMG, "true"])
            .env("BERTH_OVERLAY", "sometimes")
            .fails(125);
        assert!(out.stderr.contains("BERTH_OVERLAY"), "{}", out.stderr);
    }
    assert_eq!(container_dirs(&env), Vec::<String>::new());
    wait_nothing_left(&env);
});

/// The busybox image under 150 one-file layers: more lower dirs than one
/// native overlay mount takes (its options must fit in a page), so the
/// kernel's overlay cannot mount it.
fn many_layers_image() -> ImageSpec {
    let mut spec = ImageSpec::busybox("localhost/layers:latest");
    spec.repo_tags.retain(|t| t != IMG);
    for i in 0..150 {
        let layer = LayerBuilder::new()
            .file(&format!("layers/{i}"), format!("{i}\n"), 0o644)
            .tar_bytes();
        spec = spec.layer(LayerBlob::plain(layer));
    }
    spec
}

each_identity!(
    auto_falls_back_to_fuse_overlayfs_where_native_fails,
    |who| {
        let Some(env) = env_with(who, &[many_layers_image()]) else {
            return;
        };
        require_tool("fuse-overlayfs");
        fuse_usable(who);
        let script =
            "cat /layers/0 /layers/149; grep ' / ' /proc/self/mounts | { read a b t r; echo $t; }";
        let out = env
            .berth(["run", "--rm", "localhost/layers:latest", "sh", "-c", script])
            .ok();
        assert_eq!(out.stdout, "0\n149\nfuse.fuse-overlayfs\n");
        wait_nothing_left(&env);
        // Native only: the clear error of the kernel's limit.
        let out = env
            .berth(["run", "--rm", "localhost/layers:latest", "true"])
            .env("BERTH_OVERLAY", "native")
            .fails(125);
        assert!(out.stderr.contains("too many layers"), "{}", out.stderr);
        // The busybox image still gets a native overlay.
        let out = env.berth(["run", "--rm", IMG, "sh", "-c", script]).ok();
        assert_eq!(out.stdout, "overlay\n");
    }
);

/// `/proc/PID/uid_map` lines as the kernel shows them, sorted.
fn map_lines(text: &str) -> Vec<Vec<u64>> {
    let mut v: Vec<Vec<u64>> = text
        .lines()
        .map(|l| l.split_whitespace().map(|n| n.parse().unwrap()).collect())
        .collect();
    v.sort();
    v
}

/// Podman's keep-id layout: the own id maps to itself, the range fills
/// from 0 below it and goes on above it.
fn keep_id_map(own: u32, range: Option<(u32, u32)>) -> Vec<Vec<u64>> {
    let own = own as u64;
    let mut v = vec![vec![own, own, 1]];
    if let Some((start, count)) = range {
        let (start, count) = (start as u64, count as u64);
        let below = count.min(own);
        v.push(vec![0, start, below]);
        if count > below {
            v.push(vec![own + 1, start + below, count - below]);
        }
    }
    v.sort();
    v
}

each_identity!(userns_host_and_keep_id, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let out = env
        .berth(["run", "--rm", "--userns=host", IMG, "id", "-u"])
        .ok();
    assert_eq!(out.stdout, "0\n");
    let out = env
        .berth(["run", "--rm", "--userns=private-ish", IMG, "true"])
        .fails(125);
    assert!(out.stderr.contains("private-ish"), "{}", out.stderr);
    let Some(u) = env.user() else {
        let out = env
            .berth(["run", "--rm", "--userns=keep-id", IMG, "true"])
            .fails(125);
        assert!(
            out.stderr.contains("only supported rootless"),
            "{}",
            out.stderr
        );
        assert_eq!(container_dirs(&env), Vec::<String>::new());
        return;
    };
    env.command("mkdir").arg("v").ok();
    let vol = format!("{}:/v", env.join("v").display());
    let out = env
        .berth([
            "run",
            "--rm",
            "--userns=keep-id",
            "-v",
            &vol,
            IMG,
            "sh",
            "-c",
        ])
        .arg(
            "id -u; id -g; touch /v/made; cat /proc/self/uid_map > /v/uid_map; \
              cat /proc/self/gid_map > /v/gid_map",
        )
        .ok();
    assert_eq!(out.stdout, format!("{}\n{}\n", u.uid, u.gid));
    let made = std::fs::metadata(env.join("v/made")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((made.uid(), made.gid()), (u.uid, u.gid));
    let read = |f: &str| map_lines(&std::fs::read_to_string(env.join(f)).unwrap());
    assert_eq!(read("v/uid_map"), keep_id_map(u.uid, u.subuids));
    assert_eq!(read("v/gid_map"), keep_id_map(u.gid, u.subgids));
    // On fuse-overlayfs too: its daemon keeps what it needs to mount.
    fuse_usable(who);
    let out = env
        .berth(["run", "--rm", "--userns=keep-id", IMG, "sh", "-c"])
        .arg("echo hi > /tmp/f; cat /tmp/f; id -u; grep ' / ' /proc/self/mounts | { read a b t r; echo $t; }")
        .env("BERTH_OVERLAY", "fuse")
        .ok();
    assert_eq!(out.stdout, format!("hi\n{}\nfuse.fuse-overlayfs\n", u.uid));
    wait_nothing_left(&env);
    // --user still wins; without a range, only the user's own ids exist.
    let cmd = env.berth([
        "run",
        "--rm",
        "--userns=keep-id",
        "-u",
        "0",
        IMG,
        "id",
        "-u",
    ]);
    if u.subuids.is_some() {
        assert_eq!(cmd.ok().stdout, "0\n");
    } else {
        let out = cmd.fails(125);
        assert!(out.stderr.contains("mapped"), "{}", out.stderr);
    }
});

each_identity!(mount_unmount_and_unshare, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth(["create", "--name", "m1", IMG, "cat", "/tmp/new"])
        .ok();
    if who == Who::Root {
        let path = env.berth(["mount", "m1"]).ok().stdout.trim().to_string();
        assert!(Path::new(&path).join("bin/busybox").exists(), "{path}");
        std::fs::write(Path::new(&path).join("tmp/new"), "from the host\n").unwrap();
        let listed = env.berth(["mount"]).ok().stdout;
        assert!(listed.contains(&path), "{listed}");
        // The container uses the mount, which stays when it exits.
        let out = env.berth(["start", "-a", "m1"]).ok();
        assert_eq!(out.stdout, "from the host\n");
        assert!(!mounts_below(Path::new(&path)).is_empty());
        assert_eq!(env.berth(["unmount", "m1"]).ok().stdout, "m1\n");
        assert!(mounts_below(Path::new(&path)).is_empty());
        assert_eq!(env.berth(["mount"]).ok().stdout, "");
        // rm unmounts first.
        env.berth(["mount", "m1"]).ok();
        env.berth(["rm", "m1"]).ok();
        assert!(mounts_below(&env.root()).is_empty());
        // So does the removal of a `--rm` container mounted before it
        // started, as it exits.
        env.berth(["create", "--rm", "--name", "m2", IMG, "true"])
            .ok();
        env.berth(["mount", "m2"]).ok();
        env.berth(["start", "-a", "m2"]).ok();
        assert!(mounts_below(&env.root()).is_empty());
        let left = env
            .berth(["ps", "-a", "--format", "{{.Names}}"])
            .ok()
            .stdout;
        assert!(!left.contains("m2"), "{left}");
        // A running container's root is its own.
        env.berth(["run", "-d", "--name", "r1", IMG, "sleep", "30"])
            .ok();
        let e = env.berth(["mount", "r1"]).fails(125);
        assert!(e.stderr.contains("is running"), "{}", e.stderr);
        env.berth(["rm", "-f", "r1"]).ok();
        return;
    }
    // Rootless, a mount needs berth's user namespace (`unshare`), where it
    // lives as long as the command.
    let e = env.berth(["mount", "m1"]).fails(125);
    assert!(e.stderr.contains("berth unshare"), "{}", e.stderr);
    let bin = shared_berth_binary();
    let bin = bin.display();
    let script = format!(
        "cat /proc/self/uid_map | while read a b c; do echo map=$a $c; done; \
         p=$({bin} mount m1) && echo from-unshare > $p/tmp/new && \
         {bin} start -a m1 && {bin} mount && {bin} unmount m1 && {bin} mount"
    );
    let out = env.berth(["unshare", "sh", "-c", &script]).ok();
    let lines = out.lines();
    let (maps, rest): (Vec<&str>, Vec<&str>) = lines.iter().partition(|l| l.starts_with("map="));
    let want_maps = if who == Who::NoSub {
        vec!["map=0 1"]
    } else {
        vec!["map=0 1", "map=1 65536"]
    };
    assert_eq!(maps, want_maps, "{}", out.stdout);
    assert_eq!(rest[0], "from-unshare", "{}", out.stdout);
    assert!(rest[1].ends_with("/merged"), "{}", out.stdout);
    assert_eq!(rest[2], "m1", "{}", out.stdout);
    assert_eq!(rest.len(), 3, "{}", out.stdout);
    // Nothing was mounted outside.
    assert!(mounts_below(&env.root()).is_empty());
    // The file stays in the container; the exit code is the command's.
    assert_eq!(
        env.berth(["start", "-a", "m1"]).ok().stdout,
        "from-unshare\n"
    );
    // Inside, a container runs in that user namespace, and exec enters it;
    // one created inside starts outside too.
    let script = format!(
        "{bin} run -d --name u1 {IMG} sleep 30 >/dev/null && {bin} exec u1 echo entered && \
         {bin} rm -f u1 >/dev/null && {bin} create --name u2 {IMG} echo outside >/dev/null"
    );
    let out = env.berth(["unshare", "sh", "-c", &script]).ok();
    assert_eq!(out.stdout, "entered\n");
    assert_eq!(env.berth(["start", "-a", "u2"]).ok().stdout, "outside\n");
    env.berth(["rm", "u2"]).ok();
    env.berth(["unshare", "sh", "-c", "exit 3"]).fails(3);
    env.berth(["unshare", "/nonexistent"]).fails(127);
    env.berth(["rm", "m1"]).ok();
});

/// Live slirp4netns processes of user `uid` started by berth (which
/// spells `--ready-fd=N`; Podman's, as root elsewhere in the suite, do not).
fn slirp_processes(uid: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let cmd = String::from_utf8_lossy(&cmd);
            let st = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
            // Those of containers, not the one serving berth's network
            // namespace (`--userns-path`), which lives with that.
            cmd.contains("slirp4netns")
                && cmd.contains("--ready-fd=")
                && !cmd.contains("--userns-path=")
                && st.lines().any(|l| {
                    l.strip_prefix("Uid:\t")
                        .and_then(|v| v.split_whitespace().next())
                        == Some(&uid.to_string())
                })
        })
        .count()
}

each_identity!(slirp4netns_connects_the_container_and_ends_with_it, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    device_usable(who, "/dev/net/tun");
    let uid = env.user().map_or(0, |u| u.uid);
    // A server on the host's loopback, which the container reaches at
    // 10.0.2.2 when allowed.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut c in server.incoming().flatten() {
            let mut b = [0u8; 5];
            let _ = c.read_exact(&mut b);
            let _ = c.write_all(b"pong\n");
        }
    });
    let talk = format!("echo ping | busybox nc 10.0.2.2 {port}");
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "slirp4netns:allow_host_loopback=true",
            IMG,
        ])
        .args(["sh", "-c"])
        .arg(format!(
            "grep -c tap0 /proc/net/dev; cat /etc/resolv.conf; {talk}"
        ))
        .ok();
    assert_eq!(out.stdout, "1\nnameserver 10.0.2.3\npong\n");
    // By default the host's loopback is out of reach (as Podman).
    env.berth([
        "run",
        "--rm",
        "--network",
        "slirp4netns",
        IMG,
        "sh",
        "-c",
        &talk,
    ])
    .fails(1);
    // The private network has loopback only.
    let out = env
        .berth(["run", "--rm", IMG, "sh", "-c", "grep -c tap0 /proc/net/dev"])
        .fails(1);
    assert_eq!(out.stdout, "0\n");
    assert_eq!(slirp_processes(uid), 0, "a slirp4netns process was left");
    let e = env
        .berth([
            "run",
            "--rm",
            "--network",
            "slirp4netns:mtu=9000",
            IMG,
            "true",
        ])
        .fails(125);
    assert!(e.stderr.contains("mtu=9000"), "{}", e.stderr);
});

// `--label` and `--label-file` over the image's labels (a later one
// wins; a key alone has an empty value), shown by `inspect` in Docker's
// `Config`; a label without a key is refused in one line.
#[test]
fn labels_from_the_image_files_and_flags() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    env.berth(["create", "--name", "base", IMG, "true"]).ok();
    env.berth([
        "commit",
        "-c",
        "LABEL from.image=img overridden=img",
        "base",
        "localhost/labelled:1",
    ])
    .ok();
    let file = write_file(
        &env,
        "labels",
        "# a comment\n\nfrom.file=f\noverridden=file\nempty\n",
    );
    env.berth([
        "create",
        "--name",
        "c",
        "--label-file",
        &file,
        "-l",
        "overridden=flag",
        "--label",
        "app=web=1",
        "localhost/labelled:1",
        "true",
    ])
    .ok();
    let out = env
        .berth(["inspect", "--format", "{{json .Config.Labels}}", "c"])
        .ok();
    let labels: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(
        labels,
        serde_json::json!({
            "from.image": "img", "from.file": "f", "overridden": "flag",
            "empty": "", "app": "web=1"
        })
    );
    let out = env
        .berth([
            "inspect",
            "--format",
            "{{.Config.Image}} {{.Config.Cmd}}",
            "c",
        ])
        .ok();
    assert_eq!(out.stdout.trim(), "localhost/labelled:1 [true]");
    // ps --filter: by label (key, or key and value), name, id, status,
    // exit code and image; repeated keys are alternatives, different
    // keys must all hold; a status or an exit code implies -a.
    env.berth(["create", "--name", "d", IMG, "true"]).ok();
    let out = env
        .berth([
            "run", "--name", "e", "-l", "app=x", IMG, "sh", "-c", "exit 3",
        ])
        .run();
    assert_eq!(out.code, 3);
    let names = |filters: &[&str]| crate::detach::ps_names(&env, &[], filters);
    assert_eq!(names(&["label=app"]), "");
    assert_eq!(names(&["status=created"]), "base c d");
    assert_eq!(names(&["status=created", "label=app"]), "c");
    assert_eq!(
        names(&["status=created", "status=exited", "label=app"]),
        "c e"
    );
    assert_eq!(names(&["status=exited", "label=app=x"]), "e");
    assert_eq!(names(&["status=created", "label=overridden=nope"]), "");
    assert_eq!(names(&["exited=3"]), "e");
    assert_eq!(names(&["exited=0"]), "");
    assert_eq!(
        names(&["status=created", "ancestor=localhost/labelled:1"]),
        "c"
    );
    assert_eq!(
        names(&["status=created", "ancestor=localhost/labelled"]),
        "c"
    );
    let id = env
        .berth(["inspect", "--format", "{{.Id}}", "d"])
        .ok()
        .stdout;
    assert_eq!(names(&["status=created", &format!("id={}", &id[..8])]), "d");
    assert_eq!(names(&["status=created", "name=bas"]), "base");
    for bad in ["nosuch=1", "status=paused-ish", "exited=x", "label"] {
        let out = env.berth(["ps", "--filter", bad]).run();
        assert_eq!(out.code, 125, "{bad}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains(bad), "{bad}: {}", out.stderr);
    }

    let before = env.berth(["ps", "-a", "-q"]).ok().stdout;
    for bad in [
        &["-l", "=v"][..],
        &["--label-file", "/nonexistent/labels"][..],
    ] {
        let mut args = vec!["create"];
        args.extend_from_slice(bad);
        args.extend([IMG, "true"]);
        let out = env.berth(args).run();
        assert_eq!(out.code, 125, "{bad:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{bad:?}: {}", out.stderr);
    }
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, before);
}
