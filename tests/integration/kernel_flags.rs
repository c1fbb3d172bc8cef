//! `--ulimit`, `--shm-size`, `--sysctl`, `--device`, `--group-add` and
//! `--tz`, seen from inside the container (pid 1 and `exec`) and in
//! `inspect`, as root and as the two test users.

use crate::detach::{inspect, run_detached, Cleanup, HANG_GUARD};
use crate::identity::*;

each_identity!(kernel_flags_reach_the_process, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let script =
        "ulimit -n; ulimit -Hn; grep ' /dev/shm ' /proc/mounts | grep -o 'size=[0-9a-z]*'; \
                  cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmax; \
                  head -c 4 /dev/z | od -An -tx1; date +%Z";
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "none",
            "--ulimit",
            "nofile=512:1024",
            "--shm-size",
            "128m",
            "--sysctl",
            "net.ipv4.ip_unprivileged_port_start=99",
            "--sysctl",
            "kernel.shmmax=123456",
            "--device",
            "/dev/zero:/dev/z",
            "--tz",
            "Asia/Tokyo",
            IMG,
            "sh",
            "-c",
            script,
        ])
        .ok();
    assert_eq!(
        out.stdout,
        "512\n1024\nsize=131072k\n99\n123456\n 00 00 00 00\nJST\n"
    );
    // Without the flags: the defaults Docker and Podman give.
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "none",
            IMG,
            "sh",
            "-c",
            "grep ' /dev/shm ' /proc/mounts | grep -o 'size=[0-9a-z]*'; \
             cat /proc/sys/net/ipv4/ip_unprivileged_port_start; test -e /dev/z || echo no-z; \
             date +%Z",
        ])
        .ok();
    assert_eq!(out.stdout, "size=65536k\n1024\nno-z\nUTC\n");

    // A detached one: `exec` gets the same limits and groups, and
    // `inspect` shows the flags in Docker's names.
    let groups_work = who != Who::NoSub;
    let mut args = vec![
        "--name",
        "k",
        "--network",
        "none",
        "--ulimit",
        "nofile=256",
        "--ulimit",
        "core=-1",
        "--device",
        "/dev/null:/dev/n",
        "--tz",
        "local",
    ];
    if groups_work {
        args.extend(["--group-add", "44", "--group-add", "4242"]);
    }
    args.extend([IMG, "sleep", "1000"]);
    run_detached(&env, &args);
    let out = env
        .berth([
            "exec",
            "k",
            "sh",
            "-c",
            "ulimit -n; ulimit -c; grep Groups /proc/self/status; date +%Z",
        ])
        .timeout(HANG_GUARD)
        .ok();
    let groups = if groups_work { " 44 4242" } else { "" };
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>().join(" "),
        format!("256 unlimited Groups:{groups} UTC"),
        "{}",
        out.stdout
    );
    assert_eq!(
        inspect(
            &env,
            "k",
            "{{json .HostConfig.Ulimits}} {{json .HostConfig.Devices}} {{.Config.Timezone}} {{.HostConfig.ShmSize}}"
        ),
        "[{\"Hard\":256,\"Name\":\"RLIMIT_NOFILE\",\"Soft\":256},{\"Hard\":-1,\"Name\":\"RLIMIT_CORE\",\"Soft\":-1}] \
         [{\"PathInContainer\":\"/dev/n\",\"PathOnHost\":\"/dev/null\"}] local 67108864"
    );

    if !groups_work {
        // Only the user's own id is mapped: no other group exists.
        let out = env
            .berth([
                "run",
                "--rm",
                "--network",
                "none",
                "--group-add",
                "44",
                IMG,
                "true",
            ])
            .fails(125);
        assert!(
            out.stderr.contains("supplementary groups"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }

    // A limit above what the kernel allows anyone: refused at start, in
    // one line, naming the flag.
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "none",
            "--ulimit",
            "nofile=1024:4000000000",
            IMG,
            "true",
        ])
        .fails(125);
    assert!(out.stderr.contains("--ulimit nofile"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
});

#[test]
fn bad_kernel_flags_are_refused_before_anything_is_made() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let cases: &[(&[&str], &str)] = &[
        (
            &["--device", "/dev/no-such-device"],
            "--device /dev/no-such-device",
        ),
        (&["--device", "/etc/hostname"], "not a device"),
        (&["--ulimit", "bogus=1"], "unknown limit"),
        (&["--ulimit", "nofile=2:1"], "soft limit"),
        (&["--sysctl", "vm.swappiness=1"], "not namespaced"),
        (&["--sysctl", "net/../../x=1"], "not a sysctl name"),
        (
            &["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"],
            "no network namespace",
        ),
        (&["--tz", "No/Such_Zone"], "no such time zone"),
        (&["--tz", "../../etc/passwd"], "--tz"),
        (&["--shm-size", "lots"], "--shm-size"),
        (
            &["--group-add", "keep-groups", "--group-add", "44"],
            "keep-groups",
        ),
    ];
    for (flags, needle) in cases {
        let out = env
            .berth(["create"])
            .args(if flags.contains(&"--network") {
                &[][..]
            } else {
                &["--network", "none"][..]
            })
            .args(*flags)
            .args([IMG, "true"])
            .fails(125);
        assert!(out.stderr.contains(needle), "{flags:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{flags:?}: {}", out.stderr);
    }
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, "");
}

/// `--group-add keep-groups` keeps the groups berth runs with, where
/// otherwise the container's user has only its own.
#[test]
fn keep_groups_keeps_berths_groups() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let berth = env!("CARGO_BIN_EXE_berth");
    let groups = |extra: &[&str]| {
        env.command("setpriv")
            .args(["--groups", "4242,4343", "--", berth, "--root"])
            .arg(env.root())
            .arg("--runroot")
            .arg(env.runroot())
            .args(["run", "--rm"])
            .args(extra)
            .args([
                "--network",
                "none",
                IMG,
                "grep",
                "Groups",
                "/proc/self/status",
            ])
            .ok()
            .stdout
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(groups(&["--group-add", "keep-groups"]), "4242 4343");
    assert_eq!(groups(&[]), "");
}
