//! `events`: the store's event log as Podman prints it, past and
//! streaming, as root and as the two test users.

use crate::detach::{eventually, run_detached, Cleanup, HANG_GUARD};
use crate::identity::*;
use crate::util::*;
use serde_json::Value;

/// `events --stream=false --format json` with `args`, one object a line.
fn events(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let out = env
        .berth(["events", "--stream=false", "--format", "json"])
        .args(args)
        .ok();
    out.lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// `TYPE STATUS NAME` of each event.
fn summary(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["Type"].as_str().unwrap(),
                e["Status"].as_str().unwrap(),
                e["Name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

each_identity!(events_record_a_scripted_session_in_order, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    env.berth(["volume", "create", "data"]).ok();
    env.berth([
        "run",
        "--name",
        "once",
        "--network",
        "none",
        "-l",
        "app=web",
        "-v",
        "data:/d",
        IMG,
        "sh",
        "-c",
        "exit 3",
    ])
    .fails(3);
    run_detached(
        &env,
        &[
            "--name",
            "bg",
            "--network",
            "none",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            IMG,
            "sleep",
            "100",
        ],
    );
    env.berth(["wait", "--condition", "healthy", "bg"])
        .timeout(HANG_GUARD)
        .ok();
    env.berth(["exec", "bg", "sh", "-c", "exit 4"]).fails(4);
    env.berth(["stop", "-t", "0", "bg"]).ok();
    env.berth(["rm", "once", "bg"]).ok();
    env.berth(["volume", "rm", "data"]).ok();
    env.berth(["tag", IMG, "localhost/other:1"]).ok();
    env.berth(["rmi", "localhost/other:1"]).ok();

    let all = events(&env, &[]);
    assert_eq!(
        summary(&all),
        [
            format!("image load {IMG}"),
            "volume create data".into(),
            // Podman's events of a run in the foreground: its output
            // comes here (attach), its storage goes after it (cleanup).
            "container create once".into(),
            "container init once".into(),
            "container start once".into(),
            "container attach once".into(),
            "container died once".into(),
            "container cleanup once".into(),
            "container create bg".into(),
            "container init bg".into(),
            "container start bg".into(),
            "container health_status bg".into(),
            "container exec bg".into(),
            "container exec_died bg".into(),
            // stop, then the end it brings.
            "container stop bg".into(),
            "container died bg".into(),
            "container cleanup bg".into(),
            "container remove once".into(),
            "container remove bg".into(),
            "volume remove data".into(),
            "image tag localhost/other:1".into(),
            "image untag localhost/other:1".into(),
        ]
    );
    // What each kind of event says, in Podman's fields.
    let died = &all[6];
    assert_eq!(died["ContainerExitCode"], 3, "{died}");
    assert_eq!(died["Image"], IMG, "{died}");
    assert_eq!(died["ID"].as_str().unwrap().len(), 64, "{died}");
    assert_eq!(died["Attributes"]["app"], "web", "{died}");
    assert_eq!(all[11]["health_status"], "healthy", "{}", all[11]);
    assert_eq!(all[13]["ContainerExitCode"], 4, "{}", all[13]);
    assert_eq!(all[15]["ContainerExitCode"], 137, "{}", all[15]);
    let image_id = env
        .berth(["images", "--no-trunc", "--format", "{{.ID}}", IMG])
        .ok()
        .stdout;
    let image_id = image_id.trim().trim_start_matches("sha256:");
    assert_eq!(all[20]["ID"], image_id, "{}", all[20]);
    let mut last = 0;
    for e in &all {
        let t = e["timeNano"].as_i64().unwrap();
        assert!(t >= last, "out of order: {e}");
        last = t;
        let time = e["Time"].as_str().unwrap();
        assert!(time.ends_with('Z') && time.contains('T'), "{e}");
    }

    // Filters: one key's values are alternatives, keys all apply.
    assert_eq!(
        summary(&events(&env, &["--filter", "type=volume"])),
        ["volume create data", "volume remove data"]
    );
    let died = events(
        &env,
        &["--filter", "container=once", "--filter", "event=died"],
    );
    assert_eq!(summary(&died), ["container died once"]);
    assert_eq!(
        summary(&events(
            &env,
            &[
                "--filter",
                "event=create",
                "--filter",
                "event=remove",
                "--filter",
                "type=container"
            ]
        )),
        [
            "container create once",
            "container create bg",
            "container remove once",
            "container remove bg"
        ]
    );
    assert_eq!(
        summary(&events(
            &env,
            &["--filter", "label=app=web", "--filter", "event=start"]
        )),
        ["container start once"]
    );
    assert_eq!(
        summary(&events(&env, &["--filter", "image=localhost/other:1"])),
        [
            "image tag localhost/other:1",
            "image untag localhost/other:1"
        ]
    );
    assert!(events(&env, &["--until", "1"]).is_empty());
    assert_eq!(events(&env, &["--since", "2m", "--until", "1m"]), all);

    // Podman's line and Go templates.
    let out = env
        .berth([
            "events",
            "--stream=false",
            "--filter",
            "event=died",
            "--filter",
            "container=once",
        ])
        .ok();
    let line = out.stdout.trim();
    assert!(
        line.contains(" +0000 UTC container died ")
            && line.ends_with(&format!(
                "(image={IMG}, name=once, containerExitCode=3, app=web)"
            )),
        "{line}"
    );
    let out = env
        .berth([
            "events",
            "--stream=false",
            "--filter",
            "type=volume",
            "--format",
            "{{.Status}}:{{.Name}}",
        ])
        .ok();
    assert_eq!(out.stdout, "create:data\nremove:data\n");

    // Bad input: one line, exit 125.
    for bad in [
        &["--filter", "colour=red"][..],
        &["--filter", "type=pod"],
        &["--since", "yesterday"],
        &["--since", "10", "--until", "5"],
        &["--format", "{{.Nope"],
    ] {
        let out = env.berth(["events", "--stream=false"]).args(bad).fails(125);
        assert_eq!(out.stderr.lines().count(), 1, "{bad:?}: {}", out.stderr);
        assert!(out.stderr.starts_with("Error: "), "{}", out.stderr);
    }
});

/// Whether process `pid` has an inotify instance open (`events` makes
/// one to wait, once it has read what the log holds).
fn watching(pid: u32) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten().any(|e| {
                std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().contains("inotify"))
            })
        })
        .unwrap_or(false)
}

each_identity!(events_stream_new_ones_and_end_at_until, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // Streaming without --since: from now on, not the past.
    let stream = env
        .berth(["events", "--format", "{{.Type}} {{.Status}} {{.Name}}"])
        .timeout(HANG_GUARD)
        .spawn();
    eventually("events waits for more", || watching(stream.id()));
    env.berth(["volume", "create", "late"]).ok();
    eventually("events prints the new one", || {
        stream.stdout_so_far().contains("volume create late\n")
    });
    env.berth(["volume", "rm", "late"]).ok();
    eventually("and the next", || {
        stream.stdout_so_far().contains("volume remove late\n")
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(stream.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = stream.wait();
    assert_eq!(out.stdout, "volume create late\nvolume remove late\n");

    // --until ends a stream by itself; with --since it starts in the past.
    let soon = format!("{:.3}", now_secs() + 1.0);
    let out = env
        .berth([
            "events",
            "--since",
            "0",
            "--until",
            &soon,
            "--filter",
            "type=volume",
        ])
        .args(["--format", "{{.Status}} {{.Name}}"])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout, "create late\nremove late\n");
});

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}
