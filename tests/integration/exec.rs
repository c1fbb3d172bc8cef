//! `berth exec` into running containers, as root and as the two test
//! users (with and without a subordinate id range): the exec'd process
//! joins the container's namespaces and file system and runs with its
//! security settings. Also the container side of `inspect`, `container
//! prune` and `run --pull`.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A container running in the foreground (`berth run` spawned).
struct Live {
    run: Running,
    id: String,
    /// `containers/<id>/pid1`.
    pid1_file: PathBuf,
}

impl Live {
    /// Kill its berth (and with it, the container) and wait for it.
    fn kill(self) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.run.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        let out = self.run.wait();
        assert_eq!(out.signal, Some(9));
    }

    /// The host pid of pid 1, from its record.
    fn pid1(&self) -> i32 {
        let text = std::fs::read_to_string(&self.pid1_file).expect("the pid-1 record");
        text.split_whitespace().next().unwrap().parse().unwrap()
    }
}

/// Start `berth run --name NAME ARGS...` and wait until `ps` shows it
/// running and its pid-1 record exists.
fn start(env: &TestEnv, name: &str, args: &[&str]) -> Live {
    let run = env
        .berth(["run", "--name", name])
        .args(args)
        .timeout(Duration::from_secs(120))
        .spawn();
    let started = Instant::now();
    loop {
        let ps = env
            .berth(["ps", "--no-trunc", "--format", "{{.ID}} {{.Names}}"])
            .ok();
        let id = ps.stdout.lines().find_map(|l| {
            let (id, n) = l.split_once(' ')?;
            (n == name).then(|| id.to_string())
        });
        if let Some(id) = id {
            let pid1_file = env.root().join("containers").join(&id).join("pid1");
            // Written in place: it can exist a moment before it holds
            // the pid.
            let recorded = std::fs::read_to_string(&pid1_file)
                .is_ok_and(|t| t.split_whitespace().count() == 2 && t.ends_with('\n'));
            if recorded {
                return Live { run, id, pid1_file };
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "container {name} never ran: {}",
            ps.stdout
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `KEY:\tvalue` of a `/proc/PID/status` text.
fn status_field<'a>(status: &'a str, key: &str) -> &'a str {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{key} in {status}"))
        .trim()
}

/// The pid namespace of host process `pid` (`pid:[INODE]`).
fn pid_ns(pid: i32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()
}

/// Host processes in pid namespace `ns`.
fn processes_in(ns: &Path) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| pid_ns(*p).as_deref() == Some(ns))
        .collect()
}

each_identity!(exec_joins_the_running_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let c = start(
        &env,
        "c",
        &[
            "-e",
            "FROM_RUN=yes",
            IMG,
            "sh",
            "-c",
            "echo by-ctr > /tmp/made; exec sleep 60",
        ],
    );
    // The record names the container's pid 1: the sleep, in a pid
    // namespace of its own.
    let pid1 = c.pid1();
    // The record is written once pid 1 runs its program (the shell),
    // which then execs the sleep: wait for that.
    let since = Instant::now();
    let cmdline = loop {
        let cmdline = std::fs::read(format!("/proc/{pid1}/cmdline")).unwrap();
        if cmdline.starts_with(b"sleep") {
            break cmdline;
        }
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "pid 1 never exec'd its sleep: {:?}",
            String::from_utf8_lossy(&cmdline)
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(cmdline, b"sleep\x0060\x00");
    assert_ne!(pid_ns(pid1), pid_ns(std::process::id() as i32));

    // Its hostname, its pid namespace: pid 1 is the sleep, and nothing of
    // the host is seen.
    let out = env.berth(["exec", "c", "hostname"]).ok();
    assert_eq!(out.stdout.trim(), &c.id[..12]);
    let out = env
        .berth(["exec", "c", "sh", "-c"])
        .arg(r#"for p in /proc/[0-9]*; do echo "${p#/proc/} $(cat $p/comm)"; done"#)
        .ok();
    let procs: Vec<(i32, String)> = out
        .stdout
        .lines()
        .filter_map(|l| {
            let (p, c) = l.split_once(' ')?;
            Some((p.parse().ok()?, c.to_string()))
        })
        .collect();
    assert!(procs.contains(&(1, "sleep".into())), "{procs:?}");
    for (_, comm) in &procs {
        assert!(["sleep", "sh", "cat"].contains(&comm.as_str()), "{procs:?}");
    }
    assert!(procs.len() <= 4, "{procs:?}");

    // Its files: one the container wrote, one a first exec writes.
    assert_eq!(
        env.berth(["exec", "c", "cat", "/tmp/made"]).ok().stdout,
        "by-ctr\n"
    );
    env.berth(["exec", "c", "sh", "-c", "echo by-exec > /tmp/second"])
        .ok();
    assert_eq!(
        env.berth(["exec", "c", "cat", "/tmp/second"]).ok().stdout,
        "by-exec\n"
    );

    // Exit codes.
    env.berth(["exec", "c", "true"]).ok();
    env.berth(["exec", "c", "sh", "-c", "exit 3"]).fails(3);
    let out = env.berth(["exec", "c", "/etc/passwd"]).fails(126);
    assert!(out.stderr.contains("/etc/passwd"), "{}", out.stderr);
    let out = env.berth(["exec", "c", "nosuchprogram"]).fails(127);
    assert!(out.stderr.contains("nosuchprogram"), "{}", out.stderr);

    // The container's environment plus -e; -w; stdin with -i.
    let out = env
        .berth(["exec", "-e", "EXTRA=1", "-e", "FROM_RUN=over", "c", "env"])
        .ok();
    let lines = out.lines();
    assert!(lines.contains(&"EXTRA=1"), "{}", out.stdout);
    assert!(lines.contains(&"FROM_RUN=over"), "{}", out.stdout);
    assert!(lines.contains(&"HOME=/root"), "{}", out.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("PATH=")),
        "{}",
        out.stdout
    );
    let out = env.berth(["exec", "c", "env"]).ok();
    assert!(out.lines().contains(&"FROM_RUN=yes"), "{}", out.stdout);
    let out = env
        .berth(["exec", "-w", "/tmp", "c", "sh", "-c", "pwd"])
        .ok();
    assert_eq!(out.stdout, "/tmp\n");
    let out = env.berth(["exec", "c", "sh", "-c", "pwd"]).ok();
    assert_eq!(out.stdout, "/\n");
    let out = env
        .berth(["exec", "-i", "c", "cat"])
        .stdin_bytes("hi\n")
        .ok();
    assert_eq!(out.stdout, "hi\n");
    let out = env.berth(["exec", "c", "cat"]).stdin_bytes("hi\n").ok();
    assert_eq!(out.stdout, "", "without -i stdin is empty");

    // -u: the user's ids and groups, resolved in the container's files,
    // as `run -u` gives them.
    if who == Who::NoSub {
        // Only the user is mapped: uid 1000 does not exist here.
        let out = env.berth(["exec", "-u", "app", "c", "id"]).fails(125);
        assert!(out.stderr.contains("1000"), "{}", out.stderr);
        let out = env.berth(["exec", "-u", "0:0", "c", "id"]).ok();
        assert!(
            out.stdout.starts_with("uid=0(root) gid=0(root)"),
            "{}",
            out.stdout
        );
    } else {
        let out = env.berth(["exec", "-u", "app", "c", "id"]).ok();
        assert!(
            out.stdout.starts_with("uid=1000(app) gid=1000(app)"),
            "{}",
            out.stdout
        );
        let by_run = env.berth(["run", "--rm", "-u", "app", IMG, "id"]).ok();
        assert_eq!(out.stdout, by_run.stdout);
        let out = env.berth(["exec", "-u", "app:nogroup", "c", "id"]).ok();
        assert!(
            out.stdout.starts_with("uid=1000(app) gid=65534(nogroup)"),
            "{}",
            out.stdout
        );
        let out = env
            .berth(["exec", "-u", "app", "c", "sh", "-c", "echo $HOME"])
            .ok();
        assert_eq!(out.stdout, "/home/app\n");
    }

    // The container's capabilities, no_new_privs and seccomp filter.
    let own = env
        .berth(["exec", "c", "cat", "/proc/self/status"])
        .ok()
        .stdout;
    let ctr = env
        .berth(["exec", "c", "cat", "/proc/1/status"])
        .ok()
        .stdout;
    for key in ["CapEff", "CapBnd", "NoNewPrivs", "Seccomp"] {
        assert_eq!(status_field(&own, key), status_field(&ctr, key), "{key}");
    }
    assert_eq!(status_field(&own, "CapEff"), "00000000800405fb");
    assert_eq!(status_field(&own, "NoNewPrivs"), "1");
    assert_eq!(status_field(&own, "Seccomp"), "2");
    let out = env
        .berth(["exec", "--privileged", "c", "cat", "/proc/self/status"])
        .ok();
    assert_ne!(status_field(&out.stdout, "CapEff"), "00000000800405fb");

    c.kill();
    env.berth(["rm", "c"]).ok();
});

each_identity!(exec_with_a_terminal, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let c = start(&env, "t", &[IMG, "sleep", "60"]);
    let bin = match who {
        Who::Root => std::path::PathBuf::from(env!("CARGO_BIN_EXE_berth")),
        _ => shared_berth_binary(),
    };
    // script(1) gives berth a pty of its own, as a terminal would.
    let line = format!(
        "stty cols 91 rows 33; {} --root {} --runroot {} exec -t t \
         sh -c 'busybox tty; busybox stty size; echo TERM=$TERM; exit 5'",
        bin.display(),
        env.root().display(),
        env.runroot().display()
    );
    let out = env
        .command(require_tool("script"))
        .args(["-qec", &line, "/dev/null"])
        .fails(5);
    let text = out.stdout.replace('\r', "");
    // The container has no other terminal: the first of its own devpts.
    for want in ["/dev/pts/0\n", "33 91\n", "TERM=xterm\n"] {
        assert!(text.contains(want), "{want:?} in {text:?}");
    }
    c.kill();
});

each_identity!(sigterm_to_run_leaves_nothing_and_exec_then_fails, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // pid 1 handles TERM (a pid 1 without a handler ignores it).
    let c = start(
        &env,
        "s",
        &[
            IMG,
            "sh",
            "-c",
            "trap 'exit 0' TERM; while :; do sleep 1; done",
        ],
    );
    let ns = pid_ns(c.pid1()).expect("pid 1 runs");
    // One more process in the container, by exec.
    let extra = env
        .berth(["exec", "s", "sleep", "50"])
        .timeout(Duration::from_secs(60))
        .spawn();
    let started = Instant::now();
    while !processes_in(&ns)
        .iter()
        .any(|p| std::fs::read(format!("/proc/{p}/cmdline")).is_ok_and(|c| c == b"sleep\x0050\x00"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "exec never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let fp = crate::leaks::footprint(&env);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(c.run.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    c.run.ok();
    // The namespace died with its pid 1, and the exec'd process with it.
    let out = extra.wait();
    assert_eq!(out.code, 137, "{}", out.stderr);
    assert_eq!(processes_in(&ns), Vec::<i32>::new());
    crate::leaks::assert_gone(&env, &fp);
    assert!(!c.pid1_file.exists());
    let out = env.berth(["exec", "s", "true"]).fails(125);
    assert!(
        out.stderr.contains("container s is not running"),
        "{}",
        out.stderr
    );
    let out = env.berth(["exec", "nosuch", "true"]).fails(125);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
    // A created container has never run.
    env.berth(["create", "--name", "new", IMG, "true"]).ok();
    let out = env.berth(["exec", "new", "true"]).fails(125);
    assert!(
        out.stderr.contains("container new is not running"),
        "{}",
        out.stderr
    );
});

/// `Seccomp`, `CapEff` and `NoNewPrivs` of `/proc/PID/status` (`self`
/// inside a container), in that order.
fn security_lines(status: &str) -> Vec<String> {
    ["Seccomp:", "CapEff:", "NoNewPrivs:"]
        .iter()
        .filter_map(|k| status.lines().find(|l| l.starts_with(k)))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

// Regression: exec loaded a filter only for the default profile, so a
// process exec'd into a container started with a profile file ran
// unconfined (Seccomp: 0) where pid 1 was confined.
each_identity!(
    exec_under_a_custom_seccomp_profile_is_blocked_as_pid_1_is,
    |who| {
        let Some(env) = env_with(who, &[]) else {
            return;
        };
        // Allow by default, deny mkdir with EPERM.
        let profile = env.join("deny-mkdir.json");
        std::fs::write(
            &profile,
            r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
            "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}"#,
        )
        .unwrap();
        let seccomp = format!("seccomp={}", profile.display());
        let c = start(
            &env,
            "p",
            &[
                "--security-opt",
                &seccomp,
                IMG,
                "sh",
                "-c",
                "exec sleep 300",
            ],
        );
        let pid1 = std::fs::read_to_string(format!("/proc/{}/status", c.pid1())).unwrap();
        let want = security_lines(&pid1);
        assert_eq!(want.len(), 3, "{pid1}");
        assert_eq!(want[0], "Seccomp: 2");
        let out = env
            .berth(["exec", "p", "sh", "-c"])
            .arg("mkdir /made 2>&1; cat /proc/self/status")
            .ok();
        assert!(
            out.stdout.contains("Operation not permitted"),
            "{}",
            out.stdout
        );
        assert_eq!(security_lines(&out.stdout), want, "{}", out.stdout);
        env.berth(["exec", "p", "sh", "-c", "test ! -e /made"]).ok();
        c.kill();

        // Without no_new_privs and as another user, the filter must be loaded
        // before the switch to that user (rootless without a range, uid 1000
        // does not exist in the container).
        if who == Who::NoSub {
            return;
        }
        let c = start(
            &env,
            "q",
            &[
                "--security-opt",
                &seccomp,
                "--security-opt",
                "no-new-privileges=false",
                "-u",
                "1000:1000",
                IMG,
                "sh",
                "-c",
                "exec sleep 300",
            ],
        );
        let pid1 = std::fs::read_to_string(format!("/proc/{}/status", c.pid1())).unwrap();
        let want = security_lines(&pid1);
        assert_eq!(want[2], "NoNewPrivs: 0", "{pid1}");
        let out = env
            .berth(["exec", "q", "sh", "-c"])
            .arg("id -u; mkdir /tmp/made 2>&1; cat /proc/self/status")
            .ok();
        assert!(out.stdout.starts_with("1000\n"), "{}", out.stdout);
        assert!(
            out.stdout.contains("Operation not permitted"),
            "{}",
            out.stdout
        );
        assert_eq!(security_lines(&out.stdout), want, "{}", out.stdout);
        c.kill();
    }
);

each_identity!(exec_with_init_and_host_network, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // With --init, pid 1 is berth's own init, which is not dumpable: the
    // exec joins the container all the same.
    let i = start(&env, "i", &["--init", IMG, "sleep", "60"]);
    let out = env.berth(["exec", "i", "cat", "/proc/1/cmdline"]).ok();
    assert!(out.stdout.contains("berth"), "{}", out.stdout);
    let out = env.berth(["exec", "i", "hostname"]).ok();
    assert_eq!(out.stdout.trim(), &i.id[..12]);
    // --network host: the host's network namespace is already berth's.
    let h = start(&env, "h", &["--network", "host", IMG, "sleep", "60"]);
    let ours = std::fs::read_link("/proc/self/ns/net").unwrap();
    let out = env
        .berth(["exec", "h", "busybox", "readlink", "/proc/self/ns/net"])
        .ok();
    assert_eq!(out.stdout.trim(), ours.to_str().unwrap());
    let out = env
        .berth(["exec", "i", "busybox", "readlink", "/proc/self/ns/net"])
        .ok();
    assert_ne!(out.stdout.trim(), ours.to_str().unwrap());
    i.kill();
    h.kill();
});

// --- inspect of containers and images ---------------------------------------

/// The image id of `IMG` in `env`.
fn image_id(env: &TestEnv) -> String {
    env.berth(["image", "inspect", "--format", "{{.Id}}", IMG])
        .ok()
        .stdout
        .trim()
        .to_string()
}

fn inspect_finds_containers_and_images(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let img = image_id(&env);
    assert_eq!(img.len(), 64, "{img}");
    let id_of = |args: &[&str]| {
        env.berth(["inspect", "--format", "{{.Id}}"])
            .args(args)
            .ok()
            .stdout
    };
    // `busybox` is the short name of the image ...
    assert_eq!(id_of(&["busybox"]), format!("{img}\n"));
    // ... until a container takes that name: then the container wins
    // (Podman's order: containers, then images), unless --type says.
    let cid = env
        .berth(["create", "--name", "busybox", IMG, "true"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_ne!(cid, img);
    assert_eq!(id_of(&["busybox"]), format!("{cid}\n"));
    assert_eq!(
        id_of(&["--type", "container", "busybox"]),
        format!("{cid}\n")
    );
    assert_eq!(id_of(&["--type", "image", "busybox"]), format!("{img}\n"));
    assert_eq!(
        id_of(&["--type", "all", "busybox", IMG]),
        format!("{cid}\n{img}\n")
    );
    assert_eq!(id_of(&[&cid[..12]]), format!("{cid}\n"));
    // Container fields in templates and JSON, as `container inspect`.
    let out = env
        .berth([
            "inspect",
            "--format",
            "{{.Name}} {{.State.Status}}",
            "busybox",
        ])
        .ok();
    assert_eq!(out.stdout, "busybox created\n");
    let json = env.berth(["inspect", "busybox", IMG]).ok().json();
    assert_eq!(json[0]["Name"], "busybox");
    assert_eq!(json[0]["Id"], cid.as_str());
    assert_eq!(json[1]["Id"], img.as_str());
    assert_eq!(
        json[0],
        env.berth(["container", "inspect", "busybox"]).ok().json()[0]
    );
    // Names that are not of the asked kind.
    let out = env
        .berth(["inspect", "--type", "container", IMG])
        .fails(125);
    assert!(out.stderr.contains(IMG), "{}", out.stderr);
    let out = env.berth(["inspect", "--type", "image", &cid]).fails(125);
    assert!(out.stderr.contains(&cid), "{}", out.stderr);
    let out = env.berth(["inspect", "busybox", "nosuch"]).fails(125);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let out = env
        .berth(["inspect", "--type", "pod", "busybox"])
        .fails(125);
    assert!(out.stderr.contains("pod"), "{}", out.stderr);
    env.berth(["rm", "busybox"]).ok();
    assert_eq!(id_of(&["busybox"]), format!("{img}\n"));
}

#[test]
fn inspect_finds_containers_and_images_root() {
    inspect_finds_containers_and_images(Who::Root)
}

#[test]
fn inspect_finds_containers_and_images_rootless() {
    inspect_finds_containers_and_images(Who::Sub)
}

// --- container prune -----------------------------------------------------------

fn names(env: &TestEnv) -> Vec<String> {
    let mut v: Vec<String> = env
        .berth(["ps", "-a", "--format", "{{.Names}}"])
        .ok()
        .lines()
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.sort();
    v
}

fn container_prune_keeps_running_ones(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let made = env.berth(["create", "--name", "made", IMG, "true"]).ok();
    let made = made.stdout.trim().to_string();
    // An exited container whose upper layer has files of another owner.
    env.berth(["run", "--name", "ran", IMG, "sh", "-c"])
        .arg("mkdir /tmp/d && echo x > /tmp/d/f && chown -R 65534:65534 /tmp/d")
        .ok();
    let ran = env
        .berth(["container", "inspect", "--format", "{{.Id}}", "ran"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let live = start(&env, "live", &[IMG, "sleep", "60"]);
    // Without -f it asks; no answer is no.
    let out = env.berth(["container", "prune"]).stdin_bytes("n\n").ok();
    assert_eq!(out.stdout, "");
    assert_eq!(names(&env), ["live", "made", "ran"]);
    let out = env.berth(["container", "prune", "-f"]).ok();
    let mut removed = out.lines();
    removed.sort();
    let mut want = vec![made.as_str(), ran.as_str()];
    want.sort();
    assert_eq!(removed, want);
    assert_eq!(names(&env), ["live"]);
    for id in [&made, &ran] {
        assert!(!env.root().join("containers").join(id).exists(), "{id}");
    }
    // The running one still runs; exec reaches it.
    env.berth(["exec", "live", "true"]).ok();
    assert_eq!(env.berth(["container", "prune", "-f"]).ok().stdout, "");
    // Once stopped (its berth killed), it goes too.
    let id = live.id.clone();
    live.kill();
    let out = env.berth(["container", "prune"]).stdin_bytes("y\n").ok();
    assert_eq!(out.stdout, format!("{id}\n"));
    assert_eq!(names(&env), Vec::<String>::new());
}

#[test]
fn container_prune_keeps_running_ones_root() {
    container_prune_keeps_running_ones(Who::Root)
}

#[test]
fn container_prune_keeps_running_ones_rootless() {
    container_prune_keeps_running_ones(Who::Sub)
}

// --- run --pull ------------------------------------------------------------------

each_identity!(pull_never_fails_on_a_missing_image, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let before = store_listing(&env.root());
    for cmd in ["run", "create"] {
        let out = env
            .berth([cmd, "--pull", "never", "localhost/absent:1", "true"])
            .fails(125);
        assert!(out.stderr.contains("localhost/absent:1"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        let out = env
            .berth([cmd, "--pull", "sometimes", IMG, "true"])
            .fails(125);
        assert!(out.stderr.contains("sometimes"), "{}", out.stderr);
    }
    assert_eq!(store_listing(&env.root()), before);
    assert_eq!(names(&env), Vec::<String>::new());
    // An image in the store runs with --pull never.
    let out = env
        .berth(["run", "--rm", "--pull", "never", IMG, "echo", "here"])
        .ok();
    assert_eq!(out.stdout, "here\n");
});

fn pull_from_a_registry(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let reg = crate::registry_util::Registry::start(crate::registry_util::Auth::None);
    let name = format!("{}/test/pulled:1", reg.host());
    let src = TestEnv::new();
    let spec = ImageSpec::busybox(&name).layer(small_layer("pulled", "pulled\n"));
    let archive = docker_archive(&src, "pulled.tar", std::slice::from_ref(&spec));
    berth_load(&src, &archive);
    src.berth(["push", &name]).ok();
    let manifests = || reg.count_requests(&["GET /v2/test/pulled/manifests/1"]);
    assert_eq!(manifests(), 0);

    // missing: pulled once, then used as it is.
    let out = env
        .berth([
            "run",
            "--rm",
            "--pull",
            "missing",
            &name,
            "cat",
            "/etc/pulled",
        ])
        .ok();
    assert_eq!(out.stdout, "pulled\n", "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("Trying to pull {name}")),
        "{}",
        out.stderr
    );
    assert_eq!(berth_id(&env, &name), spec.id().hex());
    let pulls = manifests();
    assert!(pulls >= 1, "{}", reg.log());
    env.berth(["run", "--rm", &name, "true"]).ok();
    env.berth(["create", "--pull", "missing", "--name", "k", &name])
        .ok();
    assert_eq!(manifests(), pulls, "missing pulls only a missing image");
    // always: pulled again, even when present.
    env.berth(["run", "--rm", "--pull", "always", &name, "true"])
        .ok();
    assert!(manifests() > pulls, "{}", reg.log());
    env.berth(["system", "check"]).ok();
    // A failed pull: one error line, the pull's, and exit 125.
    let gone = format!("{}/test/gone:1", reg.host());
    let out = env.berth(["run", "--rm", &gone, "true"]).fails(125);
    assert!(out.stderr.contains(&gone), "{}", out.stderr);
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("Error:"))
            .count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn run_pull_missing_pulls_from_a_registry_root() {
    pull_from_a_registry(Who::Root)
}

#[test]
fn run_pull_missing_pulls_from_a_registry_rootless() {
    pull_from_a_registry(Who::Sub)
}
