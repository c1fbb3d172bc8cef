//! What keeps detached containers alive: restart policies (carried out by
//! the container's berth process, with Docker's backoff) and healthchecks
//! (probed by that process), as root and as the two test users.

use crate::detach::{alive, eventually, inspect, run_detached, status, Cleanup, HANG_GUARD};
use crate::identity::*;
use crate::util::*;
use std::time::{Duration, Instant};

fn restart_count(env: &TestEnv, name: &str) -> u32 {
    inspect(env, name, "{{.RestartCount}}").parse().unwrap()
}

each_identity!(restart_on_failure_gives_up_after_its_retries, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let args = [
        "--name",
        "f",
        "--network",
        "none",
        "--restart",
        "on-failure:2",
    ];
    run_detached(
        &env,
        &[&args[..], &[IMG, "sh", "-c", "echo ran; exit 1"]].concat(),
    );
    eventually("it gives up", || {
        status(&env, "f").starts_with("Exited (1)") && restart_count(&env, "f") == 2
    });
    assert_eq!(
        inspect(
            &env,
            "f",
            "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"
        ),
        "on-failure 2"
    );
    // Three runs, then no more: `Exited` means its berth process let go
    // of the container (while it waits to restart, it is `Restarting`).
    assert_eq!(env.berth(["logs", "f"]).ok().stdout, "ran\nran\nran\n");
    assert_eq!(restart_count(&env, "f"), 2);
    assert_eq!(env.berth(["wait", "f"]).ok().stdout, "1\n");

    // A success is not a failure.
    let args = [
        "--name",
        "ok",
        "--network",
        "none",
        "--restart",
        "on-failure",
    ];
    run_detached(&env, &[&args[..], &[IMG, "true"]].concat());
    assert_eq!(env.berth(["wait", "ok"]).ok().stdout, "0\n");
    assert_eq!(restart_count(&env, "ok"), 0);
    assert!(status(&env, "ok").starts_with("Exited (0)"));
    let out = env
        .berth([
            "ps",
            "-a",
            "--filter",
            "restart-policy=on-failure",
            "--format",
            "{{.Names}}",
        ])
        .ok();
    let mut names = out.lines();
    names.sort();
    assert_eq!(names, ["f", "ok"], "{}", out.stdout);

    // In the foreground: the command returns with the first run's code
    // (its output shown), and the policy goes on in the background.
    let out = env
        .berth([
            "run",
            "--name",
            "fg",
            "--network",
            "none",
            "--restart",
            "on-failure:2",
            IMG,
            "sh",
            "-c",
            "echo ran; exit 1",
        ])
        .timeout(HANG_GUARD)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "ran\n");
    eventually("the foreground one gives up", || {
        status(&env, "fg").starts_with("Exited (1)") && restart_count(&env, "fg") == 2
    });
    assert_eq!(env.berth(["logs", "fg"]).ok().stdout, "ran\nran\nran\n");
    // Without a policy, a foreground run ends for good.
    env.berth([
        "run",
        "--name",
        "once",
        "--network",
        "none",
        IMG,
        "sh",
        "-c",
        "exit 1",
    ])
    .fails(1);
    assert_eq!(restart_count(&env, "once"), 0);
    assert!(status(&env, "once").starts_with("Exited (1)"));
});

each_identity!(restart_always_survives_a_kill_but_not_stop, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let args = ["--name", "a", "--network", "none", "--restart", "always"];
    // pid 1 ends on SIGTERM (a `stop` that needs no SIGKILL).
    let script = "trap 'exit 5' TERM; sleep 1000 & wait";
    run_detached(&env, &[&args[..], &[IMG, "sh", "-c", script]].concat());
    assert_eq!(
        inspect(&env, "a", "{{.HostConfig.RestartPolicy.Name}}"),
        "always"
    );
    // Its program, killed from outside berth, comes back.
    let pid: i32 = inspect(&env, "a", "{{.State.Pid}}").parse().unwrap();
    assert!(pid > 0);
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(
        cmdline.starts_with(b"sh\0-c\0"),
        ".State.Pid is the program"
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // (Three reads, not one snapshot: the pid is read last, so that the
    // killed one, recorded until its monitor has reaped it, is not taken
    // for the new one.)
    let mut again = 0;
    eventually("its program runs again", || {
        if !(restart_count(&env, "a") == 1 && status(&env, "a").starts_with("Up ")) {
            return false;
        }
        again = inspect(&env, "a", "{{.State.Pid}}").parse().unwrap();
        again != 0 && again != pid
    });
    assert_eq!(alive(&[again as u32]), [again as u32]);
    // `stop` ends it for good.
    env.berth(["stop", "-t", "30", "a"])
        .timeout(HANG_GUARD)
        .ok();
    // (`stop` returns once its berth process has let go: none is left to
    // restart it.)
    assert!(
        status(&env, "a").starts_with("Exited (5)"),
        "{}",
        status(&env, "a")
    );
    assert_eq!(restart_count(&env, "a"), 1);
    // A user's start counts from zero; a user's kill ends it too.
    env.berth(["start", "a"]).ok();
    assert_eq!(restart_count(&env, "a"), 0);
    env.berth(["kill", "a"]).ok();
    assert_eq!(env.berth(["wait", "a"]).ok().stdout, "137\n");
    assert!(
        status(&env, "a").starts_with("Exited (137)"),
        "{}",
        status(&env, "a")
    );
});

each_identity!(restarts_back_off_and_stop_ends_the_wait, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let args = ["--name", "b", "--network", "none", "--restart", "always"];
    let started = Instant::now();
    run_detached(&env, &[&args[..], &[IMG, "sh", "-c", "exit 3"]].concat());
    eventually("it waits to restart", || {
        status(&env, "b").starts_with("Restarting (3)")
    });
    eventually("a few restarts", || restart_count(&env, "b") >= 4);
    // 100 ms, doubled each time: n restarts take at least 100 ms × (2^n - 1)
    // (without the backoff there would be hundreds by now).
    let n = restart_count(&env, "b");
    assert!(n < 20, "{n} restarts in {:?}", started.elapsed());
    let least = Duration::from_millis(100) * ((1u32 << (n - 1)) - 1);
    assert!(
        started.elapsed() >= least,
        "{n} restarts in {:?}",
        started.elapsed()
    );
    // (Between its short runs: retried until a wait is seen.)
    eventually("inspect and ps show it restarting", || {
        inspect(&env, "b", "{{.State.Status}} {{.State.Restarting}}") == "restarting true"
            && env
                .berth([
                    "ps",
                    "--filter",
                    "status=restarting",
                    "--format",
                    "{{.Names}}",
                ])
                .ok()
                .stdout
                == "b\n"
    });
    // `stop` during the wait ends it at once.
    eventually("it waits again", || {
        status(&env, "b").starts_with("Restarting")
    });
    let before = restart_count(&env, "b");
    env.berth(["stop", "-t", "30", "b"])
        .timeout(HANG_GUARD)
        .ok();
    // (Exit code 143 if the stop met one of its short runs.)
    let st = status(&env, "b");
    assert!(
        st.starts_with("Exited (3)") || st.starts_with("Exited (143)"),
        "{st}"
    );
    assert!(restart_count(&env, "b") <= before);
    assert_eq!(inspect(&env, "b", "{{.State.Restarting}}"), "false");
});

each_identity!(start_all_brings_back_what_a_reboot_stopped, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    for (name, policy) in [
        ("always", "always"),
        ("unless", "unless-stopped"),
        ("stopped", "unless-stopped"),
        ("never", "no"),
    ] {
        let args = ["--name", name, "--network", "none", "--restart", policy];
        run_detached(&env, &[&args[..], &[IMG, "sleep", "1000"]].concat());
    }
    env.berth(["stop", "-t", "0", "stopped"]).ok();
    // A reboot: every berth process dies at once, and nothing restarts.
    for name in ["always", "unless", "never"] {
        let runner: i32 = inspect(&env, name, "{{.State.ConmonPid}}").parse().unwrap();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(runner),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
    }
    eventually("nothing runs", || {
        env.berth(["ps", "-q"]).ok().stdout.is_empty()
    });
    // The documented command after a reboot.
    let out = env
        .berth([
            "start",
            "--all",
            "--filter",
            "restart-policy=always",
            "--filter",
            "restart-policy=unless-stopped",
        ])
        .ok();
    let mut started = out.lines();
    started.sort();
    assert_eq!(started, ["always", "unless"], "{}", out.stdout);
    let out = env.berth(["ps", "--format", "{{.Names}}"]).ok();
    let mut running = out.lines();
    running.sort();
    assert_eq!(running, ["always", "unless"]);
});

each_identity!(bad_restart_policies_are_refused, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    for (args, says) in [
        (
            &["--restart", "sometimes"][..],
            "invalid restart policy \"sometimes\"",
        ),
        (
            &["--restart", "on-failure:x"],
            "the retry count must be a number",
        ),
        (
            &["--rm", "--restart", "always"],
            "--rm option conflicts with --restart",
        ),
    ] {
        let out = env.berth(["run"]).args(args).args([IMG, "true"]).fails(125);
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    assert!(env.berth(["ps", "-aq"]).ok().stdout.is_empty());
});

fn health(env: &TestEnv, name: &str) -> serde_json::Value {
    let out = env
        .berth(["inspect", "--format", "{{json .State.Health}}", name])
        .ok();
    serde_json::from_str(out.stdout.trim()).unwrap()
}

each_identity!(healthcheck_goes_starting_healthy_unhealthy, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // The image's HEALTHCHECK.
    let ctx = env.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {IMG}\nHEALTHCHECK --interval=200ms --retries=2 CMD test -e /tmp/ok && echo fine\n"
        ),
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "checked", ctx.to_str().unwrap()])
        .ok();
    run_detached(
        &env,
        &[
            "--name",
            "h",
            "--network",
            "none",
            "checked",
            "sleep",
            "1000",
        ],
    );
    assert!(
        status(&env, "h").ends_with(" (starting)"),
        "{}",
        status(&env, "h")
    );
    assert_eq!(
        inspect(&env, "h", "{{json .Config.Healthcheck.Test}}"),
        r#"["CMD-SHELL","test -e /tmp/ok && echo fine"]"#
    );
    env.berth(["exec", "h", "touch", "/tmp/ok"]).ok();
    let out = env
        .berth(["wait", "--condition", "healthy", "h"])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout, "-1\n");
    assert!(
        status(&env, "h").ends_with(" (healthy)"),
        "{}",
        status(&env, "h")
    );
    let h = health(&env, "h");
    assert_eq!(h["Status"], "healthy");
    assert_eq!(h["FailingStreak"], 0);
    let log = h["Log"].as_array().unwrap();
    assert!(!log.is_empty() && log.len() <= 5, "{h}");
    let last = log.last().unwrap();
    assert_eq!(
        (last["ExitCode"].as_i64(), last["Output"].as_str()),
        (Some(0), Some("fine\n"))
    );
    // The probe begins to fail: unhealthy after two failures in a row.
    env.berth(["exec", "h", "rm", "/tmp/ok"]).ok();
    env.berth(["wait", "--condition", "unhealthy", "h"])
        .timeout(HANG_GUARD)
        .ok();
    let h = health(&env, "h");
    assert!(h["FailingStreak"].as_u64().unwrap() >= 2, "{h}");
    assert!(
        status(&env, "h").ends_with(" (unhealthy)"),
        "{}",
        status(&env, "h")
    );
    // Probes keep going: it stays unhealthy, the log keeps the last five.
    eventually("seven failed probes", || {
        health(&env, "h")["FailingStreak"].as_u64().unwrap() >= 7
    });
    assert_eq!(health(&env, "h")["Log"].as_array().unwrap().len(), 5);
    // `healthcheck run`: 1 and the status when it fails, 0 when it passes.
    let out = env.berth(["healthcheck", "run", "h"]).fails(1);
    assert_eq!(out.stdout, "unhealthy\n");
    env.berth(["exec", "h", "touch", "/tmp/ok"]).ok();
    env.berth(["healthcheck", "run", "h"]).ok();
    assert_eq!(health(&env, "h")["Status"], "healthy");
    env.berth(["healthcheck", "run", "nonesuch"]).fails(125);

    // --no-healthcheck: not even the image's.
    run_detached(
        &env,
        &[
            "--name",
            "n",
            "--network",
            "none",
            "--no-healthcheck",
            "checked",
            "sleep",
            "1000",
        ],
    );
    assert_eq!(
        inspect(&env, "n", "{{json .Config.Healthcheck.Test}}"),
        r#"["NONE"]"#
    );
    assert!(status(&env, "n").starts_with("Up ") && !status(&env, "n").contains('('));
    let out = env.berth(["healthcheck", "run", "n"]).fails(125);
    assert!(
        out.stderr.contains("has no defined healthcheck"),
        "{}",
        out.stderr
    );
});

each_identity!(health_start_period_and_timeout, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // Failures in the start period do not count.
    let args = [
        "--name",
        "p",
        "--network",
        "none",
        "--health-cmd",
        "false",
        "--health-retries",
        "1",
        "--health-start-period",
        "60s",
        "--health-start-interval",
        "100ms",
    ];
    run_detached(&env, &[&args[..], &[IMG, "sleep", "1000"]].concat());
    eventually("three probes", || {
        health(&env, "p")["Log"].as_array().unwrap().len() >= 3
    });
    let h = health(&env, "p");
    assert_eq!(
        (h["Status"].as_str(), h["FailingStreak"].as_u64()),
        (Some("starting"), Some(0)),
        "{h}"
    );
    // A probe that outlasts its timeout fails, and is killed.
    let args = [
        "--name",
        "t",
        "--network",
        "none",
        "--health-cmd",
        "[\"sleep\", \"30\"]",
        "--health-interval",
        "100ms",
        "--health-timeout",
        "300ms",
        "--health-retries",
        "1",
    ];
    run_detached(&env, &[&args[..], &[IMG, "sleep", "1000"]].concat());
    env.berth(["wait", "--condition", "unhealthy", "t"])
        .timeout(HANG_GUARD)
        .ok();
    let h = health(&env, "t");
    let last = h["Log"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["ExitCode"], -1, "{h}");
    assert_eq!(
        last["Output"], "Health check exceeded timeout (300ms)",
        "{h}"
    );
    // The killed probes are gone from the container.
    eventually("three probes", || {
        health(&env, "t")["Log"].as_array().unwrap().len() >= 3
    });
    let out = env
        .berth(["exec", "t", "sh", "-c", "cat /proc/[0-9]*/cmdline"])
        .ok();
    assert!(
        out.stdout.matches("sleep\x0030").count() <= 1,
        "{}",
        out.stdout
    );
});

each_identity!(health_on_failure_acts, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let program = "trap 'exit 0' TERM; touch /tmp/ok; sleep 1000 & wait";
    let check = [
        "--network",
        "none",
        "--health-cmd",
        "test -e /tmp/ok",
        "--health-interval",
        "100ms",
        "--health-retries",
        "1",
    ];
    for action in ["restart", "kill", "stop"] {
        let name = format!("on-{action}");
        let policy = format!("--health-on-failure={action}");
        let more = ["--name", &name, &policy, "--restart", "always"];
        // Only `stop` has a policy that would restart it: restart is the
        // action's doing.
        let more = if action == "stop" {
            &more[..]
        } else {
            &more[..3]
        };
        run_detached(
            &env,
            &[&check[..], more, &[IMG, "sh", "-c", program]].concat(),
        );
        env.berth(["wait", "--condition", "healthy", &name])
            .timeout(HANG_GUARD)
            .ok();
        env.berth(["exec", &name, "rm", "/tmp/ok"]).ok();
    }
    // restart: it runs again (its program makes the file again) and is
    // healthy again.
    eventually("on-restart restarted", || {
        restart_count(&env, "on-restart") == 1
    });
    env.berth(["wait", "--condition", "healthy", "on-restart"])
        .timeout(HANG_GUARD)
        .ok();
    assert!(status(&env, "on-restart").starts_with("Up "));
    // kill: SIGKILL, and no policy brings it back.
    assert_eq!(
        env.berth(["wait", "on-kill"])
            .timeout(HANG_GUARD)
            .ok()
            .stdout,
        "137\n"
    );
    // stop: the stop signal, and not even `always` brings it back.
    assert_eq!(
        env.berth(["wait", "on-stop"])
            .timeout(HANG_GUARD)
            .ok()
            .stdout,
        "0\n"
    );
    assert!(
        status(&env, "on-stop").starts_with("Exited (0)"),
        "{}",
        status(&env, "on-stop")
    );
    assert_eq!(restart_count(&env, "on-stop"), 0);
});

each_identity!(bad_health_options_are_refused, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    for (args, says) in [
        (
            &["--health-cmd", "true", "--health-on-failure", "explode"][..],
            "invalid --health-on-failure \"explode\"",
        ),
        (
            &["--health-cmd", "true", "--health-interval", "soon"],
            "invalid --health-interval \"soon\"",
        ),
        (
            &["--health-cmd", "true", "--health-retries", "0"],
            "invalid --health-retries 0",
        ),
        (&["--health-cmd", "[oops"], "not a JSON array"),
        (
            &["--health-interval", "1s"],
            "--health-* options need a healthcheck",
        ),
        (
            &["--health-cmd", "true", "--no-healthcheck"],
            "conflicts with --health-cmd",
        ),
    ] {
        let out = env
            .berth(["create"])
            .args(args)
            .args([IMG, "true"])
            .fails(125);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    let out = env
        .berth(["wait", "--condition", "sideways", "x"])
        .fails(125);
    assert!(out.stderr.contains("invalid condition"), "{}", out.stderr);
    assert!(env.berth(["ps", "-aq"]).ok().stdout.is_empty());
});

each_identity!(stop_signal_stop_timeout_and_exists, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let script = "trap 'echo usr1; exit 7' USR1; sleep 1000 & wait";
    let args = [
        "--name",
        "sig",
        "--network",
        "none",
        "--stop-signal",
        "USR1",
    ];
    run_detached(&env, &[&args[..], &[IMG, "sh", "-c", script]].concat());
    assert_eq!(inspect(&env, "sig", "{{.Config.StopSignal}}"), "USR1");
    assert_eq!(inspect(&env, "sig", "{{.Config.StopTimeout}}"), "10");
    env.berth(["stop", "sig"]).timeout(HANG_GUARD).ok();
    assert_eq!(env.berth(["wait", "sig"]).ok().stdout, "7\n");
    assert_eq!(env.berth(["logs", "sig"]).ok().stdout, "usr1\n");

    // pid 1 takes 5 s to shut down: the default 10 s would let it finish
    // (exit 0); the container's timeout of 1 s kills it.
    let args = ["--name", "slow", "--network", "none", "--stop-timeout", "1"];
    let script = "trap 'sleep 5; exit 0' TERM; sleep 1000 & wait";
    run_detached(&env, &[&args[..], &[IMG, "sh", "-c", script]].concat());
    assert_eq!(inspect(&env, "slow", "{{.Config.StopTimeout}}"), "1");
    env.berth(["stop", "slow"]).timeout(HANG_GUARD).ok();
    assert_eq!(env.berth(["wait", "slow"]).ok().stdout, "137\n");

    env.berth(["container", "exists", "slow"]).ok();
    env.berth(["container", "exists", "nonesuch"]).fails(1);
    let out = env
        .berth(["create", "--stop-signal", "NOPE", IMG, "true"])
        .fails(125);
    assert!(out.stderr.contains("--stop-signal NOPE"), "{}", out.stderr);
});

each_identity!(build_steps_are_not_probed, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    let build = |dockerfile: String, tag: &str| {
        std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
        env.berth(["build", "-q", "-t", tag, ctx.to_str().unwrap()])
            .timeout(HANG_GUARD)
            .ok();
    };
    build(
        format!("FROM {IMG}\nHEALTHCHECK --interval=100ms CMD touch /probed\n"),
        "probed",
    );
    // A step of a build from that image is a container too, but Docker
    // does not run its image's healthcheck, and neither does berth.
    build(
        "FROM probed\nRUN sleep 1 && test ! -e /probed\n".to_string(),
        "unprobed",
    );
    // Whereas a container of it is probed.
    let _c = Cleanup(&env);
    run_detached(
        &env,
        &["--name", "c", "--network", "none", "probed", "sleep", "100"],
    );
    env.berth(["wait", "--condition", "healthy", "c"])
        .timeout(HANG_GUARD)
        .ok();
    env.berth(["exec", "c", "sh", "-c", "test -e /probed"]).ok();
});

each_identity!(cidfile_replace_and_env_host, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // --cidfile: the id, in a file that must be new.
    let cid = env.join("cid");
    let id = run_detached(
        &env,
        &[
            "--name",
            "web",
            "--network",
            "none",
            "--cidfile",
            cid.to_str().unwrap(),
            IMG,
            "sleep",
            "1000",
        ],
    );
    assert_eq!(std::fs::read_to_string(&cid).unwrap(), id);
    let out = env
        .berth(["create", "--name", "other", "--cidfile"])
        .arg(&cid)
        .arg(IMG)
        .fails(125);
    assert!(out.stderr.contains("--cidfile"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    env.berth(["container", "exists", "other"]).fails(1);

    // --replace: the running one of that name goes, the new one takes it.
    let out = env
        .berth(["run", "--name", "web", "--network", "none", IMG, "true"])
        .fails(125);
    assert!(out.stderr.contains("already in use"), "{}", out.stderr);
    let new = run_detached(
        &env,
        &[
            "--replace",
            "--name",
            "web",
            "--network",
            "none",
            IMG,
            "sleep",
            "1000",
        ],
    );
    assert_ne!(new, id);
    assert_eq!(inspect(&env, "web", "{{.Id}}"), new);
    let all = env.berth(["ps", "-a", "-q", "--no-trunc"]).ok().stdout;
    assert!(!all.contains(&id), "the replaced container is gone: {all}");
    let removed = env
        .berth([
            "events",
            "--stream=false",
            "--filter",
            "event=remove",
            "--format",
            "{{.ID}}",
        ])
        .ok()
        .stdout;
    assert_eq!(removed.trim(), id);

    // --env-host: berth's environment, under -e.
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "none",
            "--env-host",
            "-e",
            "B=set",
            IMG,
            "sh",
            "-c",
        ])
        .arg("echo $FROM_HOST $B")
        .env("FROM_HOST", "seen")
        .env("B", "host")
        .ok();
    assert_eq!(out.stdout, "seen set\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "none",
            IMG,
            "sh",
            "-c",
            "echo ${FROM_HOST:-unset}",
        ])
        .env("FROM_HOST", "seen")
        .ok();
    assert_eq!(out.stdout, "unset\n");
});
