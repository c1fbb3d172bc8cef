//! What scripts do to containers that run: `rename` (the running
//! container's berth process keeps the new name), `exec -d`, `restart`'s
//! event, and `ps --filter` by health, volume, network, before and
//! since; as root and as the two test users.

use crate::detach::{eventually, inspect, ps_names, run_detached, status, Cleanup, HANG_GUARD};
use crate::identity::*;

each_identity!(rename_while_running_and_exec_detached, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let id = run_detached(
        &env,
        &["--name", "old", "--network", "none", IMG, "sleep", "300"],
    );
    env.berth(["rename", "old", "new"]).ok();
    assert_eq!(inspect(&env, &id, "{{.Name}}"), "new");
    assert_eq!(env.berth(["container", "exists", "old"]).run().code, 1);
    // The old name is free at once; the new one is taken.
    env.berth(["create", "--name", "old", IMG, "true"]).ok();
    let out = env.berth(["rename", "old", "new"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("\"new\""), "{}", out.stderr);
    let out = env.berth(["rename", "old", "bad/name"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // exec -d: berth returns with a session id once the program runs;
    // the program outlives that berth process.
    let out = env
        .berth([
            "exec",
            "-d",
            "new",
            "sh",
            "-c",
            "echo $$ > /exec.pid; exec sleep 300",
        ])
        .timeout(HANG_GUARD)
        .ok();
    let session = out.stdout.trim();
    assert_eq!(session.len(), 64, "{}", out.stdout);
    eventually("the detached exec wrote its pid", || {
        env.berth(["exec", "new", "cat", "/exec.pid"]).run().code == 0
    });
    // Alive, not a zombie under pid 1 (which does not reap).
    let stat = env
        .berth(["exec", "new", "sh", "-c", "cat /proc/$(cat /exec.pid)/stat"])
        .ok()
        .stdout;
    let state = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .next();
    assert_eq!(state, Some("S"), "{stat}");
    let out = env.berth(["exec", "-d", "new", "/no/such"]).run();
    assert_eq!(out.code, 127, "{}", out.stderr);
    let out = env.berth(["exec", "-d", "-t", "new", "true"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);

    // The container's berth process records the exit under the new name.
    env.berth(["stop", "-t", "1", "new"])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(
        inspect(&env, &id, "{{.Name}} {{.State.Status}}"),
        "new exited"
    );
    env.berth(["restart", "new"]).timeout(HANG_GUARD).ok();
    env.berth(["rm", "-f", "new"]).timeout(HANG_GUARD).ok();
    assert_eq!(env.berth(["container", "exists", "new"]).run().code, 1);
    // Its name went with it: it can be taken again.
    env.berth(["create", "--name", "new", IMG, "true"]).ok();

    let out = env
        .berth([
            "events",
            "--stream=false",
            "--format",
            "{{.Status}} {{.Name}}",
            "--filter",
            "type=container",
        ])
        .ok();
    let seen: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.ends_with(" new") || l.ends_with(" old"))
        .collect();
    let wanted = [
        "start old",
        "rename new",
        "exec new",
        "died new",
        "start new",
        "restart new",
    ];
    let mut at = 0;
    for w in wanted {
        match seen[at..].iter().position(|l| *l == w) {
            Some(i) => at += i + 1,
            None => panic!("no {w:?} after the one before in {seen:?}"),
        }
    }
});

each_identity!(ps_filters_health_volume_network_before_since, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    env.berth(["create", "--name", "first", IMG, "true"]).ok();
    env.berth(["create", "--name", "vol", "-v", "data:/data", IMG, "true"])
        .ok();
    env.berth(["network", "create", "--subnet", "198.18.77.0/24", "psnet"])
        .ok();
    let _net = NetworkGone(&env);
    env.berth(["create", "--name", "net", "--network", "psnet", IMG, "true"])
        .ok();
    run_detached(
        &env,
        &[
            "--name",
            "probed",
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            IMG,
            "sleep",
            "300",
        ],
    );
    let names = |filters: &[&str]| ps_names(&env, &["-a"], filters);
    assert_eq!(names(&["volume=data"]), "vol");
    assert_eq!(names(&["volume=/data"]), "vol");
    assert_eq!(names(&["volume=other"]), "");
    assert_eq!(names(&["network=psnet"]), "net");
    // Created within one second: the order is by the nanosecond.
    assert_eq!(names(&["since=first"]), "net probed vol");
    assert_eq!(names(&["before=net"]), "first vol");
    assert_eq!(names(&["since=first", "before=probed"]), "net vol");
    assert_eq!(names(&["health=none"]), "first net vol");
    eventually("the healthcheck passed once", || {
        names(&["health=healthy"]) == "probed"
    });
    // Without -a, the filters see running containers only.
    assert_eq!(ps_names(&env, &[], &["since=first"]), "probed");
    let out = env.berth(["ps", "--filter", "before=nosuch"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("nosuch"), "{}", out.stderr);
});

/// Remove the test's network when it ends (after its containers).
struct NetworkGone<'a>(&'a crate::util::TestEnv);

impl Drop for NetworkGone<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["rm", "-af"]).run();
        let _ = self.0.berth(["network", "rm", "-f", "psnet"]).run();
    }
}

each_identity!(foreground_runs_are_logged_by_their_log_driver, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // The output reaches berth's own streams as it comes, and the log.
    let out = env
        .berth([
            "run",
            "--name",
            "fg",
            "--network",
            "none",
            IMG,
            "sh",
            "-c",
            "echo out; echo err >&2; printf partial; exit 3",
        ])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stdout, "out\npartial");
    assert_eq!(out.stderr, "err\n");
    let logs = env.berth(["logs", "fg"]).ok();
    assert_eq!(logs.stdout, "out\npartial");
    assert_eq!(logs.stderr, "err\n");
    assert_eq!(
        inspect(&env, "fg", "{{.HostConfig.LogConfig.Type}}"),
        "k8s-file"
    );

    // A terminal's output is logged by its relay.
    env.berth([
        "run",
        "--name",
        "tty",
        "-t",
        "--network",
        "none",
        IMG,
        "echo",
        "on-a-tty",
    ])
    .ok();
    let logs = env.berth(["logs", "tty"]).ok();
    assert!(logs.stdout.contains("on-a-tty"), "{}", logs.stdout);

    // max-size: the log starts over rather than grow past it.
    env.berth([
        "run",
        "--name",
        "big",
        "--network",
        "none",
        "--log-driver",
        "json-file",
        "--log-opt",
        "max-size=1k",
        IMG,
        "sh",
        "-c",
        "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); done",
    ])
    .ok();
    let path = inspect(&env, "big", "{{.LogPath}}");
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 0 && size <= 1024, "{path}: {size} bytes");
    let logs = env.berth(["logs", "big"]).ok();
    let lines: Vec<&str> = logs.stdout.lines().collect();
    assert_eq!(lines.last(), Some(&"line199"));
    assert!(lines.len() < 200, "{} lines", lines.len());
    assert_eq!(
        inspect(&env, "big", "{{.HostConfig.LogConfig.Type}}"),
        "json-file"
    );

    // none: shown, not kept.
    let out = env
        .berth([
            "run",
            "--name",
            "quiet",
            "--log-driver",
            "none",
            "--network",
            "none",
            IMG,
            "echo",
            "shown",
        ])
        .ok();
    assert_eq!(out.stdout, "shown\n");
    let out = env.berth(["logs", "quiet"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("none"), "{}", out.stderr);

    // Refused before anything is made.
    let before = env.berth(["ps", "-a", "-q"]).ok().stdout;
    for bad in [
        &["-d", "--log-driver", "passthrough"][..],
        &["--log-driver", "journald"][..],
        &["--log-opt", "max-size=lots"][..],
        &["--log-opt", "tag=x"][..],
        &["--log-driver", "none", "--log-opt", "max-size=1m"][..],
    ] {
        let mut args = vec!["run"];
        args.extend_from_slice(bad);
        args.extend([IMG, "true"]);
        let out = env.berth(args).run();
        assert_eq!(out.code, 125, "{bad:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{bad:?}: {}", out.stderr);
        assert!(out.stderr.contains("--log-"), "{bad:?}: {}", out.stderr);
    }
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, before);
});

each_identity!(detached_terminal_attach_and_detach, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    run_detached(
        &env,
        &["-it", "--name", "t", "--network", "none", IMG, "sh"],
    );
    // Input before the detach keys reaches the shell; the keys leave it
    // running.
    env.berth(["attach", "t"])
        .stdin_bytes(&b"echo mark$((6*7))\n\x10\x11"[..])
        .timeout(HANG_GUARD)
        .ok();
    assert!(
        status(&env, "t").starts_with("Up "),
        "{}",
        status(&env, "t")
    );
    eventually("the shell's output is in the log", || {
        env.berth(["logs", "t"]).ok().stdout.contains("mark42")
    });
    // Other keys, given: the default ones pass through.
    env.berth(["attach", "--detach-keys", "ctrl-x", "t"])
        .stdin_bytes(&b"echo \x10\x11ok$((1+1))\n\x18"[..])
        .timeout(HANG_GUARD)
        .ok();
    eventually("the second attach's input ran", || {
        env.berth(["logs", "t"]).ok().stdout.contains("ok2")
    });
    // Attached when the program exits: its exit code.
    let out = env
        .berth(["attach", "t"])
        .stdin_bytes(&b"exit 3\n"[..])
        .timeout(HANG_GUARD)
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        status(&env, "t").starts_with("Exited (3)"),
        "{}",
        status(&env, "t")
    );
    let out = env.berth(["attach", "t"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("not running"), "{}", out.stderr);
    let out = env.berth(["attach", "--detach-keys", "meta-x", "t"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // Without a terminal: its output from now on, until it exits.
    run_detached(
        &env,
        &[
            "--name",
            "o",
            "--network",
            "none",
            IMG,
            "sh",
            "-c",
            "echo early; while [ ! -e /go ]; do sleep 0.1; done; echo late; exit 4",
        ],
    );
    eventually("it started", || {
        env.berth(["logs", "o"]).ok().stdout == "early\n"
    });
    std::thread::scope(|s| {
        let attached = s.spawn(|| env.berth(["attach", "o"]).timeout(HANG_GUARD).run());
        // Once the attach runs (it reads the log from its end).
        std::thread::sleep(std::time::Duration::from_millis(500));
        env.berth(["exec", "o", "touch", "/go"]).ok();
        let out = attached.join().unwrap();
        assert_eq!(out.code, 4, "{}", out.stderr);
        assert_eq!(out.stdout, "late\n");
    });
});
