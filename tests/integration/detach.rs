//! Detached containers (`run -d`, `start`), their logs, `stop`, `kill`,
//! `wait`, `restart`, `rm -f`, and published ports (`-p`), as root and
//! as the two test users. The host side checks what is left: processes
//! (by their root directory, which is inside the container's dir) and
//! records.

use crate::identity::*;
use crate::util::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// Remove every container (killing running ones) when a test ends, so a
/// failed test leaves no detached process behind.
pub(crate) struct Cleanup<'a>(pub(crate) &'a TestEnv);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["rm", "-af"]).run();
    }
}

/// How long a wait in these tests may last: a guard against a hang, not
/// a measure of speed (the machine may be loaded).
pub(crate) const HANG_GUARD: Duration = Duration::from_secs(60);

/// `run -d`: returns (within the hang guard) with the full id.
pub(crate) fn run_detached(env: &TestEnv, args: &[&str]) -> String {
    let out = env.berth(["run", "-d"]).args(args).timeout(HANG_GUARD).ok();
    let id = out.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "{}", out.stdout);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    id
}

/// The STATUS column of `ps -a` for container `name`.
pub(crate) fn status(env: &TestEnv, name: &str) -> String {
    let out = env
        .berth(["ps", "-a", "--format", "{{.Names}}|{{.Status}}"])
        .ok();
    out.lines()
        .iter()
        .find_map(|l| l.strip_prefix(&format!("{name}|")).map(str::to_string))
        .unwrap_or_default()
}

/// The names `ps ARGS --filter F…` lists, sorted, joined by spaces.
pub(crate) fn ps_names(env: &TestEnv, args: &[&str], filters: &[&str]) -> String {
    let mut all = vec!["ps", "--format", "{{.Names}}"];
    all.extend_from_slice(args);
    for f in filters {
        all.extend(["--filter", f]);
    }
    let out = env.berth(all).ok();
    let mut v: Vec<String> = out.stdout.lines().map(String::from).collect();
    v.sort();
    v.join(" ")
}

/// Wait until `f` holds (up to the hang guard).
#[track_caller]
pub(crate) fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < HANG_GUARD,
            "still not so after {HANG_GUARD:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The container's berth process and its descendants (monitor, port
/// relay, pid 1 and what it started), by host pid. The container must be
/// running: `inspect` must succeed and name a live process, so that a
/// later "no process is left" is about real processes.
#[track_caller]
fn container_processes(env: &TestEnv, name: &str) -> Vec<u32> {
    let out = env
        .berth(["inspect", "--format", "{{.State.ConmonPid}}", name])
        .ok();
    let runner: u32 = out
        .stdout
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("State.ConmonPid of {name}: {e}: {:?}", out.stdout));
    assert_ne!(runner, 0, "{name} has no process: is it running?");
    assert_eq!(
        alive(&[runner]),
        [runner],
        "State.ConmonPid {runner} of {name} is not a live process"
    );
    let mut parents = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let rest = &stat[stat.rfind(')').unwrap() + 1..];
        let ppid: u32 = rest.split_whitespace().nth(1).unwrap().parse().unwrap();
        parents.push((pid, ppid));
    }
    let mut tree = vec![runner];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// Those of `pids` that still live (a zombie counts as gone).
pub(crate) fn alive(pids: &[u32]) -> Vec<u32> {
    pids.iter()
        .copied()
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .is_ok_and(|s| !s[s.rfind(')').unwrap() + 1..].trim_start().starts_with('Z'))
        })
        .collect()
}

pub(crate) fn inspect(env: &TestEnv, name: &str, field: &str) -> String {
    env.berth(["inspect", "--format", field, name])
        .ok()
        .stdout
        .trim()
        .to_string()
}

each_identity!(detached_run_logs_and_stop, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let script = "echo out; echo err >&2; trap 'echo term; exit 3' TERM; \
                  while true; do sleep 0.1; done";
    let id = run_detached(&env, &["--name", "d1", IMG, "sh", "-c", script]);
    assert!(
        status(&env, "d1").starts_with("Up "),
        "{}",
        status(&env, "d1")
    );
    let ps = env.berth(["ps", "--no-trunc", "-q"]).ok();
    assert_eq!(ps.lines(), [id.as_str()]);
    assert_eq!(inspect(&env, "d1", "{{.State.Status}}"), "running");
    eventually("the output is logged", || {
        let out = env.berth(["logs", "d1"]).ok();
        out.stdout == "out\n" && out.stderr == "err\n"
    });
    let out = env.berth(["logs", "-t", "d1"]).ok();
    assert!(out.stdout.ends_with("Z out\n"), "{}", out.stdout);
    // `exec` joins a detached container.
    let out = env
        .berth(["exec", "d1", "sh", "-c", "echo $$; cat /proc/1/cmdline"])
        .ok();
    assert!(out.stdout.contains("sh\0-c"), "{}", out.stdout);
    let procs = container_processes(&env, "d1");
    // berth, the monitor, pid 1, sleep.
    assert!(procs.len() >= 3, "{procs:?}");

    let out = env.berth(["stop", "d1"]).ok();
    assert_eq!(out.stdout, "d1\n");
    assert!(
        status(&env, "d1").starts_with("Exited (3) "),
        "{}",
        status(&env, "d1")
    );
    assert_eq!(env.berth(["wait", "d1"]).ok().stdout, "3\n");
    assert_eq!(inspect(&env, "d1", "{{.State.ExitCode}}"), "3");
    assert_eq!(inspect(&env, "d1", "{{.State.Status}}"), "exited");
    assert_eq!(env.berth(["logs", "d1"]).ok().stdout, "out\nterm\n");
    assert_eq!(
        env.berth(["logs", "--tail", "1", "d1"]).ok().stdout,
        "term\n"
    );
    eventually("no process is left", || alive(&procs).is_empty());
    assert!(env.berth(["ps", "-q"]).ok().lines().is_empty());
    // `start` runs it detached again; `logs` appends.
    assert_eq!(env.berth(["start", "d1"]).ok().stdout, "d1\n");
    assert!(status(&env, "d1").starts_with("Up "));
    env.berth(["stop", "-t", "5", "d1"]).ok();
    assert_eq!(
        env.berth(["logs", "d1"]).ok().stdout,
        "out\nterm\nout\nterm\n"
    );
});

each_identity!(stop_kills_what_ignores_the_signal, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // pid 1 without a handler: SIGTERM is not delivered.
    run_detached(&env, &["--name", "s", IMG, "sleep", "1000"]);
    let procs = container_processes(&env, "s");
    let started = Instant::now();
    env.berth(["stop", "-t", "1", "s"]).timeout(HANG_GUARD).ok();
    // It waited the grace period before SIGKILL (how much longer it took
    // is no business of this test).
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "{took:?}");
    assert_eq!(env.berth(["wait", "s"]).ok().stdout, "137\n");
    assert!(status(&env, "s").starts_with("Exited (137) "));
    eventually("no process is left", || alive(&procs).is_empty());
});

each_identity!(kill_restart_and_rm_force, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let script = "trap 'echo usr1' USR1; echo started; while true; do sleep 0.1; done";
    let id = run_detached(&env, &["--name", "k", IMG, "sh", "-c", script]);
    eventually("started", || {
        env.berth(["logs", "k"]).ok().stdout == "started\n"
    });
    assert_eq!(env.berth(["kill", "-s", "USR1", "k"]).ok().stdout, "k\n");
    eventually("the handler ran", || {
        env.berth(["logs", "k"]).ok().stdout == "started\nusr1\n"
    });
    env.berth(["kill", "k"]).ok();
    assert_eq!(env.berth(["wait", "k"]).ok().stdout, "137\n");
    env.berth(["kill", "k"]).fails(125);

    assert_eq!(env.berth(["restart", "-t", "1", "k"]).ok().stdout, "k\n");
    assert!(status(&env, "k").starts_with("Up "));
    eventually("started again", || {
        env.berth(["logs", "k"]).ok().stdout == "started\nusr1\nstarted\n"
    });
    env.berth(["rm", "k"]).fails(2);
    let procs = container_processes(&env, "k");
    env.berth(["rm", "-f", "k"]).timeout(HANG_GUARD).ok();
    assert!(env.berth(["ps", "-aq"]).ok().lines().is_empty());
    eventually("no process is left", || alive(&procs).is_empty());
    assert!(!env.root().join("containers").join(&id).exists());
});

each_identity!(detached_rm_leaves_nothing, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // pid 1 starts a long-lived child and waits until the test signals
    // it: its processes are all there (none of them timed) until then.
    let script = "trap 'exit 0' USR1; sleep 1000 & echo waiting; wait";
    let id = run_detached(&env, &["--rm", "--name", "r", IMG, "sh", "-c", script]);
    eventually("pid 1 waits, its trap set and its child started", || {
        env.berth(["logs", "r"]).ok().stdout == "waiting\n"
    });
    let procs = container_processes(&env, "r");
    // berth, the monitor, pid 1, sleep.
    assert!(procs.len() >= 4, "{procs:?}");
    env.berth(["kill", "-s", "USR1", "r"]).ok();
    eventually("it is gone", || {
        env.berth(["ps", "-aq"]).ok().lines().is_empty()
    });
    assert!(!env.root().join("containers").join(&id).exists());
    eventually("no process is left", || alive(&procs).is_empty());
    // A program that cannot start: the error and its code, at once.
    let out = env
        .berth(["run", "-d", "--rm", IMG, "no-such-program"])
        .fails(127);
    assert!(out.stderr.contains("no-such-program"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(env.berth(["ps", "-aq"]).ok().lines().is_empty());
});

each_identity!(logs_follow_until_exit, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let script = "for i in 1 2 3; do echo line$i; sleep 0.3; done; echo oops >&2";
    run_detached(&env, &["--name", "f", IMG, "sh", "-c", script]);
    let out = env.berth(["logs", "-f", "f"]).ok();
    assert_eq!(out.stdout, "line1\nline2\nline3\n");
    assert_eq!(out.stderr, "oops\n");
    assert!(status(&env, "f").starts_with("Exited (0) "));
    assert_eq!(
        env.berth(["logs", "--since", "1h", "f"]).ok().stdout,
        out.stdout
    );
    assert_eq!(
        env.berth(["logs", "--since", "4000000000", "f"])
            .ok()
            .stdout,
        ""
    );
});

/// A port nobody listens on now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET / through the host's `port`, retried while the server starts.
pub(crate) fn http_get(port: u16) -> String {
    let start = Instant::now();
    loop {
        let mut body = String::new();
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
            let _ = s.read_to_string(&mut body);
        }
        if body.contains("200 OK") || start.elapsed() > HANG_GUARD {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) const HTTPD: &str = "mkdir -p /www && echo hello-from-the-container > /www/index.html \
                     && exec /bin/busybox httpd -f -p 80 -h /www";

each_identity!(published_port_reaches_the_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let port = free_port();
    let publish = format!("{port}:80");
    run_detached(
        &env,
        &["--name", "web", "-p", &publish, IMG, "sh", "-c", HTTPD],
    );
    let body = http_get(port);
    assert!(body.contains("hello-from-the-container"), "{body}");
    assert_eq!(
        env.berth(["port", "web"]).ok().stdout,
        format!("80/tcp -> 0.0.0.0:{port}\n")
    );
    let ps = env.berth(["ps", "--format", "{{.Ports}}"]).ok();
    assert_eq!(ps.stdout, format!("0.0.0.0:{port}->80/tcp\n"));
    // A second connection, and a port in use.
    assert!(http_get(port).contains("hello-from-the-container"));
    let out = env
        .berth(["run", "-d", "-p", &publish, IMG, "true"])
        .fails(125);
    assert!(out.stderr.contains(&port.to_string()), "{}", out.stderr);
    env.berth(["stop", "-t", "1", "web"]).ok();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());

    // A foreground run publishes too, on a free port berth picks.
    let fg = env
        .berth([
            "run",
            "--rm",
            "--name",
            "fg",
            "-p",
            "127.0.0.1::80",
            IMG,
            "sh",
            "-c",
            HTTPD,
        ])
        .spawn();
    let mut mapped = String::new();
    eventually("the foreground container runs", || {
        let out = env.berth(["port", "fg"]).run();
        mapped = out.stdout.trim().to_string();
        out.code == 0 && !mapped.is_empty()
    });
    let host_port: u16 = mapped.rsplit(':').next().unwrap().parse().unwrap();
    assert!(http_get(host_port).contains("hello-from-the-container"));
    // `stop` reaches a foreground container.
    env.berth(["stop", "-t", "1", "fg"]).ok();
    let out = fg.wait();
    assert!(out.code == 137 || out.code == 143, "{}", out.code);
});

each_identity!(publish_all_exposed_ports, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    env.berth(["create", "--name", "base", IMG, "true"]).ok();
    env.berth(["commit", "-c", "EXPOSE 80/tcp", "base", "localhost/web:1"])
        .ok();
    run_detached(
        &env,
        &["--name", "web", "-P", "localhost/web:1", "sh", "-c", HTTPD],
    );
    let mapped = env.berth(["port", "web"]).ok().stdout;
    let (ctr, host) = mapped
        .trim()
        .split_once(" -> 0.0.0.0:")
        .expect("one mapping");
    assert_eq!(ctr, "80/tcp");
    let body = http_get(host.parse().unwrap());
    assert!(body.contains("hello-from-the-container"), "{body}");
});

each_identity!(port_in_use_fails_clearly, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let busy = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let publish = format!("{port}:80");
    for detach in [true, false] {
        let mut args = vec!["run", "--rm"];
        if detach {
            args.push("-d");
        }
        let out = env
            .berth(args)
            .args(["-p", &publish, IMG, "true"])
            .fails(125);
        assert!(out.stderr.contains(&format!(":{port}")), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    env.berth(["run", "-p", "99999:80", IMG, "true"]).fails(125);
    assert!(env.berth(["ps", "-aq"]).ok().lines().is_empty());
});

each_identity!(rm_force_after_its_berth_was_killed, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let fg = env
        .berth(["run", "--name", "z", IMG, "sleep", "1000"])
        .spawn();
    eventually("it runs", || status(&env, "z").starts_with("Up "));
    let procs = container_processes(&env, "z");
    Cmd::new("kill").args(["-KILL", &procs[0].to_string()]).ok();
    // Its berth is now a zombie (not reaped until `wait` below): a dead
    // process holds no lock, so `rm -f` does not wait for it (a zombie
    // never goes away by itself: waiting for it would hang).
    env.berth(["rm", "-f", "z"]).timeout(HANG_GUARD).ok();
    assert!(env.berth(["ps", "-aq"]).ok().lines().is_empty());
    eventually("no process is left", || alive(&procs).is_empty());
    assert_eq!(fg.wait().signal, Some(9));
});
