//! Pods (`pod create`, `run --pod`, `pod start|stop|rm|ps|inspect|logs`)
//! as root and as the two test users: the members of a pod share the
//! infra container's namespaces (seen from inside, by the kernel's
//! namespace ids), reach each other on localhost and through the pod's
//! published ports, and the pod's commands act on every member.

use crate::detach::{eventually, free_port, http_get, run_detached, HANG_GUARD, HTTPD};
use crate::identity::*;
use crate::util::*;

/// Remove every pod and container when a test ends (killing running
/// ones), so a failed test leaves no process behind.
pub(crate) struct PodCleanup<'a>(pub(crate) &'a TestEnv);

impl Drop for PodCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["pod", "rm", "-af"]).run();
        let _ = self.0.berth(["rm", "-af"]).run();
    }
}

/// The kernel's ids of namespaces `kinds` of a process of container
/// `ctr` (`exec`), or of a new member of pod `pod` (`run --rm --pod`).
fn namespaces(env: &TestEnv, how: &[&str], kinds: &str) -> Vec<String> {
    let script = format!("for n in {kinds}; do readlink /proc/self/ns/$n; done");
    let mut args: Vec<&str> = how.to_vec();
    args.extend(["sh", "-c", &script]);
    let out = env.berth(args).timeout(HANG_GUARD).ok();
    let ids: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    assert_eq!(ids.len(), kinds.split(' ').count(), "{}", out.stdout);
    ids
}

/// `ps -a --filter pod=POD`: name|state of each container of the pod.
fn members(env: &TestEnv, pod: &str) -> Vec<String> {
    let filter = format!("pod={pod}");
    let out = env
        .berth([
            "ps",
            "-a",
            "--filter",
            &filter,
            "--format",
            "{{.Names}}|{{.State}}",
        ])
        .ok();
    let mut rows: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    rows.sort();
    rows
}

/// `run --rm --pod POD IMG CMD…`, which must succeed.
fn in_pod(env: &TestEnv, pod: &str, cmd: &[&str]) -> Output {
    let mut args = vec!["run", "--rm", "--pod", pod, IMG];
    args.extend(cmd);
    env.berth(args).timeout(HANG_GUARD).ok()
}

/// The full id of pod `pod`'s infra container.
fn infra_id(env: &TestEnv, pod: &str) -> String {
    env.berth(["pod", "inspect", "--format", "{{.InfraContainerID}}", pod])
        .ok()
        .stdout
        .trim()
        .to_string()
}

fn pod_status(env: &TestEnv, pod: &str) -> String {
    env.berth(["pod", "inspect", "--format", "{{.State}}", pod])
        .ok()
        .stdout
        .trim()
        .to_string()
}

each_identity!(pod_members_talk_over_localhost_and_share_its_ports, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let port = free_port();
    let publish = format!("127.0.0.1:{port}:80");
    let pod = env
        .berth(["pod", "create", "--name", "web", "-p", &publish])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(pod.len(), 64, "{pod}");
    // Made, not started: one infra container, berth's pause.
    let infra = format!("{}-infra", &pod[..12]);
    assert_eq!(members(&env, "web"), [format!("{infra}|created")]);
    assert_eq!(pod_status(&env, "web"), "Created");
    run_detached(
        &env,
        &["--pod", "web", "--name", "srv", IMG, "sh", "-c", HTTPD],
    );
    assert_eq!(
        members(&env, "web"),
        [format!("{infra}|running"), "srv|running".to_string()]
    );
    // Another member reaches the server on localhost, and has the pod's
    // hostname (its name).
    let out = env
        .berth([
            "run",
            "--rm",
            "--pod",
            "web",
            IMG,
            "sh",
            "-c",
            "hostname; for i in $(seq 50); do wget -qO- http://127.0.0.1:80/ && exit; sleep 0.1; done; exit 1",
        ])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.lines(), ["web", "hello-from-the-container"], "{who:?}");
    // The host reaches it through the pod's published port.
    assert!(
        http_get(port).contains("hello-from-the-container"),
        "{who:?}"
    );
    // The kernel's word: the members share the infra container's network,
    // IPC and UTS namespaces; each has a pid namespace of its own.
    let kinds = "net ipc uts pid";
    let srv = namespaces(&env, &["exec", "srv"], kinds);
    let other = namespaces(&env, &["run", "--rm", "--pod", "web", IMG], kinds);
    assert_eq!(srv[..3], other[..3], "{who:?}");
    assert_ne!(srv[3], other[3], "{who:?}");
    let alone = namespaces(&env, &["run", "--rm", IMG], kinds);
    for k in 0..3 {
        assert_ne!(alone[k], srv[k], "{who:?}: {kinds}");
    }
    // ps --pod and pod ps show the pod.
    let out = env
        .berth(["ps", "--pod", "--format", "{{.Names}} {{.PodName}}"])
        .ok();
    assert!(out.lines().contains(&"srv web"), "{}", out.stdout);
    let out = env.berth(["ps", "--pod"]).ok();
    assert!(
        out.lines()[0].ends_with("POD ID        PODNAME"),
        "{}",
        out.stdout
    );
    let json = env.berth(["pod", "ps", "--format", "json"]).ok().json();
    assert_eq!(json[0]["Name"], "web");
    assert_eq!(json[0]["Status"], "Running");
    assert_eq!(json[0]["Containers"].as_array().unwrap().len(), 2);
    let inspect = env.berth(["pod", "inspect", "web"]).ok().json();
    assert_eq!(
        inspect[0]["SharedNamespaces"],
        serde_json::json!(["ipc", "net", "uts"])
    );
    assert_eq!(
        inspect[0]["InfraConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
        port.to_string()
    );
    // A container of the pod may not set what the pod decides.
    let err = env
        .berth(["run", "--rm", "--pod", "web", "-p", "8080", IMG, "true"])
        .fails(125)
        .stderr;
    assert!(err.contains("give it to `pod create`"), "{err}");
    // The infra container goes with its pod only.
    let err = env.berth(["rm", "-f", &infra]).fails(125).stderr;
    assert!(err.contains("infra container of pod web"), "{err}");
});

each_identity!(pod_shares_only_what_share_names, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    // IPC and UTS, not the network: a server on its loopback is out of
    // the other member's reach.
    env.berth(["pod", "create", "--name", "apart", "--share", "ipc,uts"])
        .ok();
    run_detached(
        &env,
        &["--pod", "apart", "--name", "srv", IMG, "sh", "-c", HTTPD],
    );
    let kinds = "net ipc uts";
    let srv = namespaces(&env, &["exec", "srv"], kinds);
    let other = namespaces(&env, &["run", "--rm", "--pod", "apart", IMG], kinds);
    assert_ne!(srv[0], other[0], "{who:?}");
    assert_eq!(srv[1..], other[1..], "{who:?}");
    // The same one namespace, by hand: --ipc container:, --uts host.
    let joined = namespaces(&env, &["run", "--rm", "--ipc", "container:srv", IMG], "ipc");
    assert_eq!(joined[0], srv[1], "{who:?}");
    let host = nix::unistd::gethostname().unwrap().into_string().unwrap();
    let out = env
        .berth(["run", "--rm", "--uts", "host", IMG, "hostname"])
        .ok();
    assert_eq!(out.stdout.trim(), host, "{who:?}");
    // The server listens (seen from its own namespace) …
    let out = env
        .berth([
            "exec",
            "srv",
            "sh",
            "-c",
            "for i in $(seq 50); do wget -qO- http://127.0.0.1:80/ && exit; sleep 0.1; done; exit 1",
        ])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout.trim(), "hello-from-the-container");
    // … and the other member's localhost is its own.
    let out = env
        .berth([
            "run",
            "--rm",
            "--pod",
            "apart",
            IMG,
            "sh",
            "-c",
            "wget -qO- -T 2 http://127.0.0.1:80/ || echo unreachable",
        ])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout.trim(), "unreachable", "{who:?}");
    // The pid namespace: the members see each other's processes, and
    // berth's pause as pid 1.
    env.berth(["pod", "create", "--name", "pids", "--share", "pid"])
        .ok();
    run_detached(
        &env,
        &["--pod", "pids", "--name", "sleeper", IMG, "sleep", "1001"],
    );
    let out = in_pod(&env, "pids", &["/bin/busybox", "ps", "-o", "pid,args"]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.contains(&vec!["1", "/pause"]),
        "{who:?}: {}",
        out.stdout
    );
    assert!(
        rows.iter().any(|r| r[1..] == ["sleep", "1001"]),
        "{who:?}: {}",
        out.stdout
    );
    // The pause holds no capability, gains none, and keeps berth's
    // binary out of the pod's reach (/proc/1/exe).
    let out = in_pod(
        &env,
        "pids",
        &[
            "sh",
            "-c",
            "grep -E '^(CapPrm|CapEff|CapBnd|NoNewPrivs)' /proc/1/status; readlink /proc/1/exe || echo hidden",
        ],
    );
    assert_eq!(
        out.lines()
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        [
            "CapPrm: 0000000000000000",
            "CapEff: 0000000000000000",
            "CapBnd: 0000000000000000",
            "NoNewPrivs: 1",
            "hidden",
        ],
        "{who:?}"
    );
});

each_identity!(pod_stop_start_and_rm_act_on_every_member, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    // A pod made for its first container, which gets it a log line.
    run_detached(
        &env,
        &[
            "--pod",
            "new:group",
            "--name",
            "a",
            IMG,
            "sh",
            "-c",
            "echo from-a; exec sleep 1000",
        ],
    );
    run_detached(
        &env,
        &[
            "--pod",
            "group",
            "--name",
            "b",
            IMG,
            "sh",
            "-c",
            "echo from-b; exec sleep 1000",
        ],
    );
    let infra = infra_id(&env, "group");
    let infra_name = format!("{}-infra", {
        let id = env.berth(["pod", "ps", "-q"]).ok().stdout;
        id.trim().to_string()
    });
    let all = |state: &str| {
        vec![
            format!("{infra_name}|{state}"),
            format!("a|{state}"),
            format!("b|{state}"),
        ]
    };
    let mut want = all("running");
    want.sort();
    assert_eq!(members(&env, "group"), want);
    assert_eq!(pod_status(&env, "group"), "Running");
    // The logs of its members, each line after its name.
    let out = env.berth(["pod", "logs", "-n", "group"]).ok();
    let mut lines = out.lines();
    lines.sort();
    assert_eq!(lines, ["a from-a", "b from-b"]);
    // One member stopped: degraded.
    env.berth(["stop", "-t", "1", "b"]).ok();
    assert_eq!(pod_status(&env, "group"), "Degraded");
    env.berth(["pod", "stop", "-t", "1", "group"])
        .timeout(HANG_GUARD)
        .ok();
    let mut want = all("exited");
    want.sort();
    assert_eq!(members(&env, "group"), want, "{who:?}");
    assert_eq!(pod_status(&env, "group"), "Exited");
    assert!(!infra.is_empty());
    env.berth(["pod", "start", "group"])
        .timeout(HANG_GUARD)
        .ok();
    let mut want = all("running");
    want.sort();
    assert_eq!(members(&env, "group"), want, "{who:?}");
    // After a restart, the members share the (new) infra's network again.
    let a = namespaces(&env, &["exec", "a"], "net uts");
    let b = namespaces(&env, &["exec", "b"], "net uts");
    assert_eq!(a, b, "{who:?}");
    // Running: not removed without --force (exit 2), nothing changes.
    env.berth(["pod", "rm", "group"]).fails(2);
    assert_eq!(members(&env, "group").len(), 3);
    let out = env
        .berth(["pod", "rm", "-f", "group"])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout.trim().len(), 64);
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "");
    assert_eq!(env.berth(["pod", "ps", "-q"]).ok().stdout, "");
    env.berth(["pod", "exists", "group"]).fails(1);
    env.berth(["pod", "rm", "group"]).fails(1);
    env.berth(["pod", "rm", "-f", "group"]).ok();
});

each_identity!(pod_member_killed_restarts_by_its_policy, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    env.berth(["pod", "create", "--name", "keep"]).ok();
    run_detached(
        &env,
        &[
            "--pod",
            "keep",
            "--name",
            "r",
            "--restart",
            "always",
            IMG,
            "sleep",
            "1000",
        ],
    );
    let pid_of = || {
        env.berth(["inspect", "--format", "{{.State.Pid}}", "r"])
            .ok()
            .stdout
            .trim()
            .parse::<i32>()
            .unwrap_or(0)
    };
    let before = namespaces(&env, &["exec", "r"], "net ipc uts");
    let pid = pid_of();
    assert!(pid > 0);
    // Killed from outside: its policy starts it again, in the pod.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    eventually("restarted by its policy", || {
        let count = env
            .berth(["inspect", "--format", "{{.RestartCount}}", "r"])
            .ok()
            .stdout;
        let now = pid_of();
        count.trim() == "1" && now > 0 && now != pid
    });
    let after = namespaces(&env, &["exec", "r"], "net ipc uts");
    assert_eq!(before, after, "{who:?}");
    assert_eq!(pod_status(&env, "keep"), "Running");
    // The infra container killed: the member runs on in namespaces no
    // new infra container would hold. A new member is refused; `pod
    // start` stops it and starts them all again, together.
    let infra = infra_id(&env, "keep");
    let pause = env
        .berth(["inspect", "--format", "{{.State.Pid}}", &infra])
        .ok()
        .stdout
        .trim()
        .parse::<i32>()
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pause),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    eventually("the infra container ended", || {
        pod_status(&env, "keep") == "Degraded"
    });
    let err = env
        .berth(["run", "--rm", "--pod", "keep", IMG, "true"])
        .fails(125)
        .stderr;
    assert!(err.contains("pod restart keep"), "{err}");
    env.berth(["pod", "start", "keep"]).timeout(HANG_GUARD).ok();
    assert_eq!(pod_status(&env, "keep"), "Running");
    let r = namespaces(&env, &["exec", "r"], "net ipc uts");
    let new = namespaces(&env, &["run", "--rm", "--pod", "keep", IMG], "net ipc uts");
    assert_eq!(r, new, "{who:?}");
    assert_ne!(r, after, "{who:?}");
});

#[test]
fn pod_bad_input_is_one_line_and_changes_nothing() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    env.berth(["pod", "create", "--name", "good"]).ok();
    let one_line = |args: &[&str], code: i32, says: &str| {
        let err = env.berth(args).fails(code).stderr;
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("Error: ") && err.contains(says),
            "{args:?}: {err}"
        );
    };
    one_line(
        &["pod", "create", "--name", "bad name"],
        125,
        "pod name \"bad name\" is invalid",
    );
    one_line(&["pod", "create", "--name", "good"], 125, "already in use");
    one_line(&["pod", "create", "--share", "net,bogus"], 125, "\"bogus\"");
    one_line(
        &["pod", "create", "--infra=false", "-p", "80"],
        125,
        "--infra=false",
    );
    one_line(
        &["run", "--rm", "--pod", "nosuch", IMG, "true"],
        125,
        "no pod with name or ID \"nosuch\"",
    );
    one_line(
        &[
            "run",
            "--rm",
            "--pod",
            "good",
            "--hostname",
            "h",
            IMG,
            "true",
        ],
        125,
        "--hostname",
    );
    one_line(&["pod", "inspect", "nosuch"], 125, "nosuch");
    one_line(&["pod", "rm", "nosuch"], 1, "nosuch");
    one_line(&["ps", "--filter", "pod=nosuch"], 125, "nosuch");
    // Nothing was made: the one pod and its infra container.
    assert_eq!(env.berth(["pod", "ps", "-q"]).ok().lines().len(), 1);
    assert_eq!(env.berth(["ps", "-aq"]).ok().lines().len(), 1);
}
