//! `berth run` against real namespaces and overlay mounts, as root and as
//! the two test users (with and without a subordinate id range). A probe
//! script inside the container reports what it sees (uid and gid maps,
//! hostname, mounts, capabilities, no_new_privs, seccomp, pid, cwd, env),
//! in the style of crun's `tests/init.c`, and the test asserts on the host
//! side.

use crate::fixtures::*;
use crate::util::*;
use std::time::{Duration, Instant};

use crate::identity::*;

const PROBE: &str = r#"
while read a b c; do echo "uid_map=$a $b $c"; done < /proc/self/uid_map
while read a b c; do echo "gid_map=$a $b $c"; done < /proc/self/gid_map
echo "hostname=$(hostname)"
while read k v; do
  case $k in CapEff:|NoNewPrivs:|Seccomp:) echo "${k%:}=$v";; esac
done < /proc/self/status
echo "pid=$$"
echo "cwd=$(pwd)"
echo "ids=$(id -u) $(id -g)"
while read dev mnt type opts rest; do echo "mount=$mnt $type $opts"; done < /proc/self/mounts
env | while read -r l; do echo "env=$l"; done
"#;

/// `key=value` lines of the probe, in order.
pub(crate) fn parse(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn all<'a>(kv: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    kv.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

pub(crate) fn one<'a>(kv: &'a [(String, String)], key: &str) -> &'a str {
    let v = all(kv, key);
    assert_eq!(v.len(), 1, "{key}: {v:?}");
    v[0]
}

/// The mount at `target` as (type, options), the last one mounted there.
pub(crate) fn mount_at<'a>(
    kv: &'a [(String, String)],
    target: &str,
) -> Option<(&'a str, Vec<&'a str>)> {
    all(kv, "mount").into_iter().rev().find_map(|m| {
        let mut f = m.split(' ');
        (f.next()? == target).then(|| {
            let ty = f.next().unwrap_or("");
            (ty, f.next().unwrap_or("").split(',').collect())
        })
    })
}

fn expected_maps(env: &TestEnv) -> (Vec<String>, Vec<String>) {
    match env.user() {
        None => (vec!["0 0 4294967295".into()], vec!["0 0 4294967295".into()]),
        Some(u) => {
            let mut uids = vec![format!("0 {} 1", u.uid)];
            let mut gids = vec![format!("0 {} 1", u.gid)];
            if let (Some((us, uc)), Some((gs, gc))) = (u.subuids, u.subgids) {
                uids.push(format!("1 {us} {uc}"));
                gids.push(format!("1 {gs} {gc}"));
            }
            (uids, gids)
        }
    }
}

each_identity!(probe_sees_namespaces_mounts_and_security, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let out = env
        .berth(["run", "--rm", "--hostname", "probe-host", "-w", "/tmp"])
        .args(["-e", "FOO=bar", IMG, "sh", "-c", PROBE])
        .ok();
    let kv = parse(&out.stdout);
    let (uids, gids) = expected_maps(&env);
    assert_eq!(all(&kv, "uid_map"), uids, "{}", out.stdout);
    assert_eq!(all(&kv, "gid_map"), gids, "{}", out.stdout);
    assert_eq!(one(&kv, "hostname"), "probe-host");
    // Podman's default capabilities; no_new_privs; a seccomp filter.
    assert_eq!(one(&kv, "CapEff"), "00000000800405fb");
    assert_eq!(one(&kv, "NoNewPrivs"), "1");
    assert_eq!(one(&kv, "Seccomp"), "2");
    assert_eq!(one(&kv, "pid"), "1");
    assert_eq!(one(&kv, "cwd"), "/tmp");
    assert_eq!(one(&kv, "ids"), "0 0");

    let (ty, opts) = mount_at(&kv, "/").expect("a root mount");
    assert_eq!(ty, "overlay", "{}", out.stdout);
    assert_eq!(
        opts.contains(&"userxattr"),
        who != Who::Root,
        "{}",
        out.stdout
    );
    for (target, fstype) in [
        ("/proc", "proc"),
        ("/dev", "tmpfs"),
        ("/dev/pts", "devpts"),
        ("/dev/shm", "tmpfs"),
    ] {
        let (ty, _) = mount_at(&kv, target).unwrap_or_else(|| panic!("{target}: {}", out.stdout));
        assert_eq!(ty, fstype, "{target}");
    }
    let (ty, opts) = mount_at(&kv, "/sys").expect("/sys");
    assert_eq!((ty, opts[0]), ("sysfs", "ro"), "{}", out.stdout);
    let (_, opts) = mount_at(&kv, "/proc/sys").expect("/proc/sys read-only");
    assert_eq!(opts[0], "ro");
    let (ty, _) = mount_at(&kv, "/sys/firmware").expect("/sys/firmware masked");
    assert_eq!(ty, "tmpfs");
    for f in ["/etc/hosts", "/etc/hostname", "/etc/resolv.conf"] {
        assert!(mount_at(&kv, f).is_some(), "{f} is bound: {}", out.stdout);
    }
    let env_vars = all(&kv, "env");
    for e in [IMAGE_PATH, "HOSTNAME=probe-host", "HOME=/root", "FOO=bar"] {
        assert!(env_vars.contains(&e), "{e} in {env_vars:?}");
    }

    // The default hostname is the short id.
    let out = env.berth(["run", "--rm", IMG, "hostname"]).ok();
    let h = out.stdout.trim();
    assert!(
        h.len() == 12 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        "{h:?}"
    );
});

each_identity!(exit_codes_are_the_containers, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth(["run", "--rm", IMG, "true"]).ok();
    env.berth(["run", "--rm", IMG, "false"]).fails(1);
    env.berth(["run", "--rm", IMG, "sh", "-c", "exit 42"])
        .fails(42);
    let out = env.berth(["run", "--rm", IMG, "/etc/passwd"]).fails(126);
    assert!(out.stderr.contains("/etc/passwd"), "{}", out.stderr);
    let out = env.berth(["run", "--rm", IMG, "no-such-cmd"]).fails(127);
    assert!(
        out.stderr.contains("no-such-cmd") && out.stderr.contains("not found"),
        "{}",
        out.stderr
    );
    // With --init, sh is not pid 1 and SIGKILL reaches it: 128 + 9.
    env.berth(["run", "--rm", "--init", IMG, "sh", "-c", "kill -9 $$"])
        .fails(137);
    // berth's own errors are 125.
    let out = env
        .berth(["run", "--rm", "localhost/nope:latest"])
        .fails(125);
    assert!(out.stderr.contains("localhost/nope"), "{}", out.stderr);
});

each_identity!(sigterm_to_berth_reaches_the_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").arg("v").ok();
    let vol = format!("{}:/v", env.join("v").display());
    let script = "trap 'echo got-term; exit 7' TERM; touch /v/ready; \
                  while true; do sleep 0.1; done";
    let running = env
        .berth(["run", "--rm", "-v", &vol, IMG, "sh", "-c", script])
        .timeout(Duration::from_secs(60))
        .spawn();
    wait_for_file(&env.join("v/ready"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(running.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let out = running.fails(7);
    assert_eq!(out.stdout, "got-term\n");
});

each_identity!(stdin_is_relayed_with_i, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let out = env
        .berth(["run", "--rm", "-i", IMG, "cat"])
        .stdin_bytes("hi\n")
        .ok();
    assert_eq!(out.stdout, "hi\n");
    // Without -i the container's stdin is empty.
    let out = env
        .berth(["run", "--rm", IMG, "cat"])
        .stdin_bytes("hi\n")
        .ok();
    assert_eq!(out.stdout, "");
});

/// Names in `root/containers` other than the `names/` dir.
pub(crate) fn container_dirs(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.root().join("containers"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "names")
                .collect()
        })
        .unwrap_or_default()
}

/// Wait (a minute at most: a hang guard) until `file` exists.
#[track_caller]
pub(crate) fn wait_for_file(file: &std::path::Path) {
    let started = Instant::now();
    while !file.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{} never appeared",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A script tail that says the container runs (`/v/ready`) and waits
/// until the test says go (`/v/go`).
pub(crate) const READY_THEN_WAIT: &str =
    "touch /v/ready; while [ ! -e /v/go ]; do sleep 0.05; done";

each_identity!(rm_leaves_no_file_mount_or_record, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").arg("v").ok();
    let vol = format!("{}:/v", env.join("v").display());
    // Files of other owners (subordinate ids when mapped) in the upper
    // layer must go too.
    let script = format!(
        "echo x > /written; mkdir -p /d/e; echo y > /d/e/f; \
         busybox chown -R 1:1 /d 2>/dev/null; busybox chmod 500 /d/e; {READY_THEN_WAIT}"
    );
    let running = env
        .berth([
            "run", "--rm", "--name", "gone", "-v", &vol, IMG, "sh", "-c", &script,
        ])
        .spawn();
    wait_for_file(&env.join("v/ready"));
    let fp = crate::leaks::footprint(&env);
    std::fs::write(env.join("v/go"), "").unwrap();
    running.ok();
    crate::leaks::assert_gone(&env, &fp);
    assert_eq!(container_dirs(&env), Vec::<String>::new());
    env.berth([
        "run",
        "--rm",
        "--name",
        "gone",
        IMG,
        "sh",
        "-c",
        "test ! -e /written",
    ])
    .ok();
});

each_identity!(whiteout_of_an_upper_layer_hides_the_file, |who| {
    let upper = LayerBlob::plain(
        LayerBuilder::new()
            .whiteout("etc/group")
            .file("added", "added\n", 0o644)
            .tar_bytes(),
    );
    let spec = ImageSpec::busybox("localhost/whiteout:latest").layer(upper);
    let Some(env) = env_with(who, &[spec]) else {
        return;
    };
    let out = env
        .berth([
            "run",
            "--rm",
            "localhost/whiteout:latest",
            "sh",
            "-c",
            "test ! -e /etc/group && cat /added && test -e /etc/passwd",
        ])
        .ok();
    assert_eq!(out.stdout, "added\n");
});

each_identity!(volumes_tmpfs_read_only_and_networks, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").arg("data").ok();
    env.command("sh")
        .args(["-c", "echo from-host > data/f"])
        .ok();
    let ro = format!("{}:/data:ro", env.join("data").display());
    let rw = format!("{}:/rw", env.join("data").display());
    let script = "cat /data/f; touch /data/g 2>/dev/null && echo data-writable; \
                  echo c > /rw/from-ctr; touch /scratch/t && echo tmpfs-ok; \
                  touch /x 2>/dev/null && echo root-writable; true";
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            &ro,
            "-v",
            &rw,
            "--tmpfs",
            "/scratch",
            "--read-only",
        ])
        .args([IMG, "sh", "-c", script])
        .ok();
    assert_eq!(out.stdout, "from-host\ntmpfs-ok\n");
    assert_eq!(
        std::fs::read_to_string(env.join("data/from-ctr")).unwrap(),
        "c\n"
    );

    // Private and none: only loopback; host: the host's interfaces.
    let count = "n=0; for i in /sys/class/net/*; do n=$((n+1)); done; echo $n";
    for net in ["none", "private"] {
        let out = env
            .berth(["run", "--rm", "--network", net, IMG, "sh", "-c", count])
            .ok();
        assert_eq!(out.stdout, "1\n", "--network {net}");
    }
    // (The host's namespace itself: its interfaces come and go with the
    // other tests'.)
    let host = std::fs::read_link("/proc/self/ns/net").unwrap();
    let out = env
        .berth([
            "run",
            "--rm",
            "--network",
            "host",
            IMG,
            "busybox",
            "readlink",
            "/proc/self/ns/net",
        ])
        .ok();
    assert_eq!(out.stdout, format!("{}\n", host.display()));
});

fn config_image() -> ImageSpec {
    ImageSpec::busybox("localhost/cfg:latest")
        .entrypoint(&["/bin/sh", "-c"])
        .cmd(&["echo cmd-$FOO $(id -u) $(pwd)"])
        .env("FOO=img")
        .workdir("/home/app")
        .user("app")
}

fn no_path_image() -> ImageSpec {
    let mut s = ImageSpec::busybox("localhost/nopath:latest");
    s.env.clear();
    s
}

/// Docker's rules for Entrypoint/Cmd/Env/WorkingDir/User; needs uid 1000
/// mapped, so root and the user with a range.
fn config_rules(who: Who) {
    let Some(env) = env_with(who, &[config_image(), no_path_image()]) else {
        return;
    };
    let cfg = "localhost/cfg:latest";
    let out = env.berth(["run", "--rm", cfg]).ok();
    assert_eq!(out.stdout, "cmd-img 1000 /home/app\n");
    let out = env.berth(["run", "--rm", cfg, "echo args"]).ok();
    assert_eq!(out.stdout, "args\n");
    let out = env
        .berth(["run", "--rm", "--entrypoint", "echo", cfg, "hi", "-n"])
        .ok();
    assert_eq!(out.stdout, "hi -n\n");
    std::fs::write(env.join("env.list"), "# comment\nFROM_FILE=f\nFOO=file\n").unwrap();
    let out = env
        .berth([
            "run",
            "--rm",
            "-u",
            "0",
            "-w",
            "/tmp",
            "--env-file",
            "env.list",
        ])
        .args(["-e", "FOO=cli", "-e", "HOSTVAR", cfg])
        .args(["echo $FOO $FROM_FILE $HOSTVAR $(id -u) $(pwd)"])
        .env("HOSTVAR", "hv")
        .ok();
    assert_eq!(out.stdout, "cli f hv 0 /tmp\n");
    let out = env
        .berth(["run", "--rm", "-u", "app:root", cfg, "id -u; id -g; id -G"])
        .ok();
    assert_eq!(out.stdout, "1000\n0\n0\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "localhost/nopath:latest",
            "sh",
            "-c",
            "echo $PATH",
        ])
        .ok();
    assert_eq!(
        out.stdout,
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    );
    let out = env
        .berth(["run", "--rm", "-u", "nobody-here", IMG, "true"])
        .fails(126);
    assert!(out.stderr.contains("nobody-here"), "{}", out.stderr);
}

#[test]
fn image_config_rules_root() {
    config_rules(Who::Root)
}

#[test]
fn image_config_rules_rootless_subuid() {
    config_rules(Who::Sub)
}

#[test]
fn rootless_without_range_says_so_once_and_runs() {
    let Some(env) = env_with(Who::NoSub, &[]) else {
        return;
    };
    let _ = std::fs::remove_file(env.runroot().join("subid-hint-shown"));
    let first = env.berth(["run", "--rm", IMG, "true"]).ok();
    assert!(
        first.stderr.contains("/etc/subuid"),
        "the hint names the fix: {}",
        first.stderr
    );
    let second = env.berth(["run", "--rm", IMG, "true"]).ok();
    assert_eq!(second.stderr, "");
}

fn parallel(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let running: Vec<_> = (0..20)
        .map(|i| {
            env.berth(["run", "--rm", IMG, "sh", "-c", &format!("echo {i}")])
                .timeout(Duration::from_secs(120))
                .spawn()
        })
        .collect();
    for (i, r) in running.into_iter().enumerate() {
        assert_eq!(r.ok().stdout, format!("{i}\n"));
    }
    assert_eq!(container_dirs(&env), Vec::<String>::new());
}

#[test]
fn twenty_parallel_containers_root() {
    parallel(Who::Root)
}

#[test]
fn twenty_parallel_containers_rootless() {
    parallel(Who::Sub)
}

// Also as a user other than root in the container (regression: the
// switch to that user cleared pid 1's parent-death signal, and the
// program outlived a killed berth).
each_identity!(killing_berth_kills_the_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").args(["-m", "777", "v"]).ok();
    let vol = format!("{}:/v", env.join("v").display());
    // Rootless without a range, only root exists in the container.
    let users: &[&str] = if who == Who::NoSub {
        &["0:0"]
    } else {
        &["0:0", "1000:1000"]
    };
    for user in users {
        let _ = std::fs::remove_file(env.join("v/ready"));
        let running = env
            .berth(["run", "--rm", "-u", user, "-v", &vol, IMG, "sh", "-c"])
            .arg("touch /v/ready; sleep 1000")
            .spawn();
        wait_for_file(&env.join("v/ready"));
        let fp = crate::leaks::footprint(&env);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(running.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        // The harness fails if anything berth started still holds its
        // stdout.
        let out = running.wait();
        assert_eq!(out.signal, Some(9), "-u {user}");
        crate::leaks::assert_gone(&env, &fp);
        // The killed --rm container's record stays; the next one is new.
        env.berth(["rm", "-a", "-f"]).ok();
    }
});

each_identity!(tty_session_in_a_pty, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let bin = match who {
        Who::Root => std::path::PathBuf::from(env!("CARGO_BIN_EXE_berth")),
        _ => shared_berth_binary(),
    };
    // script(1) gives berth a pty of its own, as a terminal would.
    let line = format!(
        "stty cols 91 rows 33; {} --root {} --runroot {} run --rm -t {IMG} \
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
    for want in ["/dev/pts/0\n", "33 91\n", "TERM=xterm\n"] {
        assert!(text.contains(want), "{want:?} in {text:?}");
    }
});

fn records(who: Who) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let id = env
        .berth([
            "create",
            "--name",
            "rec",
            IMG,
            "sh",
            "-c",
            "echo ran; exit 3",
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(id.len(), 64, "{id}");
    // ps shows running ones only; -a all of them.
    assert_eq!(env.berth(["ps", "-q"]).ok().stdout, "");
    assert_eq!(
        env.berth(["ps", "-aq"]).ok().stdout,
        format!("{}\n", &id[..12])
    );
    assert_eq!(
        env.berth([
            "ps",
            "-a",
            "--no-trunc",
            "--format",
            "{{.ID}} {{.Names}} {{.State}}"
        ])
        .ok()
        .stdout,
        format!("{id} rec created\n")
    );
    let out = env.berth(["start", "-a", "rec"]).fails(3);
    assert_eq!(out.stdout, "ran\n");
    let out = env
        .berth([
            "container",
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}}",
            "rec",
        ])
        .ok();
    assert_eq!(out.stdout, "exited 3\n");
    let json = env.berth(["ps", "-a", "--format", "json"]).ok().json();
    assert_eq!(json[0]["Names"][0], "rec");
    // The name is taken; rmi refuses while the container uses the image.
    let out = env.berth(["create", "--name", "rec", IMG]).fails(125);
    assert!(out.stderr.contains("rec"), "{}", out.stderr);
    let out = env.berth(["rmi", IMG]).fails(125);
    assert!(
        out.stderr.contains("in use by container rec"),
        "{}",
        out.stderr
    );
    env.berth(["rm", "rec"]).ok();
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "");
    assert_eq!(container_dirs(&env), Vec::<String>::new());
    env.berth(["rmi", IMG]).ok();
}

#[test]
fn container_records_create_start_ps_inspect_rm_root() {
    records(Who::Root)
}

#[test]
fn container_records_create_start_ps_inspect_rm_rootless() {
    records(Who::Sub)
}

// --- diff and commit ----------------------------------------------------------

each_identity!(diff_lists_added_changed_and_deleted_paths, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth(["run", "--name", "d1", IMG, "sh", "-c"])
        .arg("echo new > /tmp/x && rm /etc/group && mkdir -p /opt/a && echo y > /opt/a/f")
        .ok();
    let out = env.berth(["diff", "d1"]).ok();
    // The runtime's mount points (/etc/hosts, /proc …) are not changes.
    assert_eq!(
        out.lines(),
        [
            "C /etc",
            "D /etc/group",
            "A /opt",
            "A /opt/a",
            "A /opt/a/f",
            "C /tmp",
            "A /tmp/x"
        ],
        "{}",
        out.stdout
    );
    let j = env
        .berth(["container", "diff", "--format", "json", "d1"])
        .ok()
        .json();
    assert_eq!(j["deleted"], serde_json::json!(["/etc/group"]));
    assert_eq!(j["changed"], serde_json::json!(["/etc", "/tmp"]));
    let e = env.berth(["diff", "nosuch"]).fails(125);
    assert!(e.stderr.contains("nosuch"), "{}", e.stderr);
});

each_identity!(commit_makes_an_image_of_the_container_changes, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth(["run", "--name", "c1", IMG, "sh", "-c"])
        .arg("echo committed > /tmp/x && rm /etc/group && mkdir /opt && chown 1000:1000 /opt 2>/dev/null; true")
        .ok();
    let id = env
        .berth(["commit", "-m", "a message", "-a", "Jane <j@example.com>"])
        .args(["-c", "ENV COMMITTED=yes", "c1", "localhost/committed:1"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(id.len(), 64, "{id}");
    let out = env
        .berth(["run", "--rm", "localhost/committed:1", "sh", "-c"])
        .arg("cat /tmp/x; test -e /etc/group && echo group-present; echo env=$COMMITTED; stat -c %u /opt")
        .ok();
    let lines = out.lines();
    assert_eq!(lines[0], "committed", "{}", out.stdout);
    assert!(!out.stdout.contains("group-present"), "{}", out.stdout);
    assert_eq!(lines[1], "env=yes", "{}", out.stdout);
    // With a subordinate range (or as root) the owner survives; the user
    // alone can map only root.
    let want_owner = if who == Who::NoSub { "0" } else { "1000" };
    assert_eq!(lines[2], want_owner, "{}", out.stdout);
    // No mount point of the runtime went into the layer.
    let hist = env
        .berth(["inspect", "--format", "{{json .}}", "localhost/committed:1"])
        .ok()
        .json();
    let history = hist["History"].as_array().expect("history");
    let last = history.last().unwrap();
    assert_eq!(last["comment"], "a message", "{hist}");
    assert_eq!(hist["Author"], "Jane <j@example.com>", "{hist}");
    // Committing the same upper dir again gives the same layer.
    let layers = |img: &str| {
        env.berth(["inspect", "--format", "{{json .RootFS.Layers}}", img])
            .ok()
            .stdout
    };
    env.berth(["commit", "c1", "localhost/committed:2"]).ok();
    assert_eq!(
        layers("localhost/committed:1"),
        layers("localhost/committed:2")
    );
    let e = env.berth(["commit", "nosuch", "localhost/x"]).fails(125);
    assert!(e.stderr.contains("nosuch"), "{}", e.stderr);
});

#[test]
fn commit_keeps_the_container_command_environment_and_options() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    env.berth([
        "run", "--name", "cfg", "-e", "FOO=bar", "-w", "/tmp", "-u", "0:0",
    ])
    .args(["-p", "80", IMG, "sh", "-c", "echo done"])
    .ok();
    env.berth(["commit", "cfg", "localhost/cfg:1"]).ok();
    let config = |img: &str| {
        env.berth(["inspect", "--format", "{{json .Config}}", img])
            .ok()
            .json()
    };
    let c = config("localhost/cfg:1");
    let vars: Vec<&str> = c["Env"]
        .as_array()
        .expect("Env")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(vars.contains(&"FOO=bar"), "{c}");
    // What berth adds when it starts a container is not the image's.
    assert!(!vars.iter().any(|v| v.starts_with("HOSTNAME=")), "{c}");
    assert_eq!(
        c["Cmd"],
        serde_json::json!(["sh", "-c", "echo done"]),
        "{c}"
    );
    assert_eq!(c["WorkingDir"], "/tmp", "{c}");
    assert_eq!(c["User"], "0:0", "{c}");
    assert!(c["ExposedPorts"].get("80/tcp").is_some(), "{c}");
    let out = env.berth(["run", "--rm", "localhost/cfg:1"]).ok();
    assert_eq!(out.stdout, "done\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "localhost/cfg:1",
            "sh",
            "-c",
            "echo $FOO; pwd",
        ])
        .ok();
    assert_eq!(out.stdout, "bar\n/tmp\n");

    // --entrypoint replaces the image's entrypoint and drops its Cmd; the
    // arguments become the Cmd; a change given to commit wins.
    env.berth([
        "run",
        "--name",
        "ep",
        "--entrypoint",
        "/bin/echo",
        IMG,
        "hello",
    ])
    .ok();
    env.berth(["commit", "ep", "localhost/ep:1"]).ok();
    let c = config("localhost/ep:1");
    assert_eq!(c["Entrypoint"], serde_json::json!(["/bin/echo"]), "{c}");
    assert_eq!(c["Cmd"], serde_json::json!(["hello"]), "{c}");
    assert_eq!(
        env.berth(["run", "--rm", "localhost/ep:1"]).ok().stdout,
        "hello\n"
    );
    env.berth(["commit", "-c", "CMD [\"bye\"]", "ep", "localhost/ep:2"])
        .ok();
    assert_eq!(
        env.berth(["run", "--rm", "localhost/ep:2"]).ok().stdout,
        "bye\n"
    );
}

#[test]
fn committed_image_saves_and_loads_into_podman_with_the_same_id() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    env.berth([
        "run",
        "--name",
        "p1",
        IMG,
        "sh",
        "-c",
        "echo hi > /root/hello",
    ])
    .ok();
    let id = env
        .berth(["commit", "p1", "localhost/committed:podman"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let archive = env.join("committed.tar");
    env.berth(["save", "-o"])
        .arg(&archive)
        .arg("localhost/committed:podman")
        .ok();
    podman(&env).args(["load", "-i"]).arg(&archive).ok();
    let theirs = podman(&env)
        .args([
            "image",
            "inspect",
            "--format",
            "{{.Id}}",
            "localhost/committed:podman",
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(theirs, id);
}

// --- cp -----------------------------------------------------------------------

/// Names of the entries of a tar.
fn tar_names(tar: &[u8]) -> Vec<String> {
    let mut a = tar::Archive::new(tar);
    a.entries()
        .unwrap()
        .map(|e| String::from_utf8_lossy(&e.unwrap().path_bytes()).into_owned())
        .collect()
}

/// The content of the one file in a tar.
fn tar_file(tar: &[u8]) -> String {
    use std::io::Read;
    let mut a = tar::Archive::new(tar);
    let mut e = a.entries().unwrap().next().unwrap().unwrap();
    let mut s = String::new();
    e.read_to_string(&mut s).unwrap();
    s
}

// A symlink in the container to `/etc/shadow` (or to `/`) must reach the
// container's file, never the host's, in both directions
// (CVE-2018-15664, CVE-2019-14271 in `docker cp`).
each_identity!(cp_resolves_symlinks_inside_the_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let host_shadow = std::fs::read("/etc/shadow").ok();
    env.berth(["run", "--name", "cp1", IMG, "sh", "-c"])
        .arg(
            "echo container-shadow > /etc/shadow && ln -s /etc/shadow /tmp/sh && \
             ln -s / /tmp/root && ln -s ../../../../../etc /tmp/up && \
             mkdir -p /d/e && echo f > /d/e/f",
        )
        .ok();
    // Out, through symlinks: the container's file.
    let a = env.join("a");
    env.berth(["cp", "cp1:/tmp/root/etc/shadow"]).arg(&a).ok();
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "container-shadow\n");
    let out = env.berth(["cp", "cp1:/tmp/up/shadow", "-"]).ok();
    assert_eq!(tar_file(&out.stdout_bytes), "container-shadow\n");
    // A link named as the source is followed inside the container (as
    // Podman does), never on the host.
    let b = env.join("b");
    env.berth(["cp", "cp1:/tmp/sh"]).arg(&b).ok();
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "container-shadow\n");
    // In, through symlinks: the container's file; the host's is untouched.
    let host_file = env.join("hostfile");
    std::fs::write(&host_file, "host-data\n").unwrap();
    env.berth(["cp"]).arg(&host_file).arg("cp1:/tmp/sh").ok();
    env.berth(["cp"])
        .arg(&host_file)
        .arg("cp1:/tmp/root/etc/passwd-new")
        .ok();
    env.berth(["cp"])
        .arg(&host_file)
        .arg("cp1:/tmp/up/group")
        .ok();
    assert_eq!(std::fs::read("/etc/shadow").ok(), host_shadow);
    assert!(!std::path::Path::new("/etc/passwd-new").exists());
    let read = |p: &str| {
        tar_file(
            &env.berth(["cp", &format!("cp1:{p}"), "-"])
                .ok()
                .stdout_bytes,
        )
    };
    assert_eq!(read("/etc/shadow"), "host-data\n");
    assert_eq!(read("/etc/passwd-new"), "host-data\n");
    assert_eq!(read("/etc/group"), "host-data\n");
    // Directories both ways, and a tar on standard input.
    let d = env.join("outd");
    env.berth(["cp", "cp1:/d"]).arg(&d).ok();
    assert_eq!(std::fs::read_to_string(d.join("e/f")).unwrap(), "f\n");
    let out = env.berth(["cp", "cp1:/d", "-"]).ok();
    assert_eq!(tar_names(&out.stdout_bytes), ["d/", "d/e/", "d/e/f"]);
    env.berth(["cp"]).arg(&d).arg("cp1:/tmp/").ok();
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    tar.append_data(&mut h, "fromtar", &b"ok\n"[..]).unwrap();
    let tar = tar.into_inner().unwrap();
    env.berth(["cp", "-", "cp1:/tmp"]).stdin_bytes(tar).ok();
    assert_eq!(read("/tmp/outd/e/f"), "f\n");
    assert_eq!(read("/tmp/fromtar"), "ok\n");
    let diff = env.berth(["diff", "cp1"]).ok();
    assert!(diff.lines().contains(&"A /tmp/fromtar"), "{}", diff.stdout);
    // Errors name what is missing.
    let e = env
        .berth(["cp", "cp1:/nonexistent"])
        .arg(env.join("x"))
        .fails(125);
    assert!(e.stderr.contains("/nonexistent"), "{}", e.stderr);
    let e = env.berth(["cp", "nosuch:/etc", "-"]).fails(125);
    assert!(e.stderr.contains("nosuch"), "{}", e.stderr);
});

#[test]
fn cp_works_on_a_running_container() {
    let Some(env) = env_with(Who::Sub, &[]) else {
        return;
    };
    env.command("mkdir").arg("v").ok();
    let vol = format!("{}:/v", env.join("v").display());
    let script = format!("echo running > /tmp/state; {READY_THEN_WAIT}");
    let run = env
        .berth([
            "run", "--name", "live", "-v", &vol, IMG, "sh", "-c", &script,
        ])
        .spawn();
    wait_for_file(&env.join("v/ready"));
    let out = env.berth(["cp", "live:/tmp/state", "-"]).ok();
    assert_eq!(tar_file(&out.stdout_bytes), "running\n", "{}", out.stderr);
    std::fs::write(env.join("v/go"), "").unwrap();
    run.ok();
    env.berth(["rm", "live"]).ok();
}
