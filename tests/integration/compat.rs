//! Where Podman users' scripts meet berth: usage errors in Podman's two
//! lines, the exit codes of `rm` and `rmi`, and flags Podman's users
//! type. The expected texts and codes are podman 4.3's for the same
//! command lines.

use crate::detach::{run_detached, Cleanup, HANG_GUARD};
use crate::identity::*;
use crate::util::TestEnv;
use std::time::{Duration, Instant};

#[test]
fn usage_errors_are_two_lines_as_podman_has_them() {
    let env = TestEnv::new();
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["run", "--no-such-flag", "x"],
            "Error: unknown flag: --no-such-flag",
            "See 'berth run --help'",
        ),
        (
            &["run", "-Z", "x"],
            "Error: unknown shorthand flag: 'Z' in -Z",
            "See 'berth run --help'",
        ),
        (
            &["network", "ls", "--bad=1"],
            "Error: unknown flag: --bad",
            "See 'berth network ls --help'",
        ),
        (
            &["ps", "--format"],
            "Error: flag needs an argument: --format",
            "See 'berth ps --help'",
        ),
        (
            &["rm", "-t", "soon", "x"],
            "Error: invalid argument \"soon\" for \"--time\" flag: invalid digit found in string",
            "See 'berth rm --help'",
        ),
        (
            // `info` is the value of --log-level here, not the command.
            &["--log-level", "info", "ps", "--bad"],
            "Error: unknown flag: --bad",
            "See 'berth ps --help'",
        ),
        (
            &["--root", "/nowhere", "frobnicate"],
            "Error: unrecognized command `berth frobnicate`",
            "Try 'berth --help' for more information",
        ),
    ];
    for (args, first, second) in cases {
        let out = env.berth(*args).run();
        assert_eq!(out.code, 125, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
        assert_eq!(
            out.stderr,
            format!("{first}\n{second}\n"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // Help is no error.
    let out = env.berth(["rm", "--help"]).ok();
    assert!(out.stdout.contains("--time"), "{}", out.stdout);
}

each_identity!(rm_and_rmi_exit_as_podman_and_flags_repeat, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // A flag given twice: the last counts.
    env.berth([
        "create", "-q", "--name", "first", "--name", "second", IMG, "true",
    ])
    .ok();
    let names = env
        .berth(["ps", "-a", "--noheading", "--format", "{{.Names}}"])
        .ok()
        .stdout;
    assert_eq!(names, "second\n");
    // --noheading leaves the rows only.
    let table = env.berth(["ps", "-a", "--noheading"]).ok().stdout;
    assert_eq!(table.lines().count(), 1, "{table}");
    assert!(table.trim_end().ends_with("second"), "{table}");

    // rm prints what it was given; one not there: 1, and the others go.
    run_detached(
        &env,
        &["--name", "up", "--network", "none", IMG, "sleep", "300"],
    );
    env.berth(["create", "--name", "idle", IMG, "true"]).ok();
    let out = env.berth(["rm", "second", "nosuch", "idle"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "second\nidle\n");
    assert_eq!(
        out.stderr,
        "Error: no container with name or ID \"nosuch\" found\n"
    );
    // Not there, with -f or -i: nothing to say, nothing to do.
    for flag in ["-f", "-i"] {
        let out = env.berth(["rm", flag, "nosuch"]).run();
        assert_eq!(
            (out.code, &*out.stdout, &*out.stderr),
            (0, "", ""),
            "{flag}"
        );
    }
    // Running, without -f: 2, and it still runs.
    let out = env.berth(["rm", "up"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("up"), "{}", out.stderr);
    assert_eq!(env.berth(["ps", "-q"]).ok().lines().len(), 1);
    // -f -t 1: its stop signal, then a kill a second later (sleep as
    // pid 1 has no handler for SIGTERM, so the kernel ignores it).
    let start = Instant::now();
    let out = env
        .berth(["rm", "-f", "-t", "1", "up"])
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.stdout, "up\n");
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "killed before its grace: {:?}",
        start.elapsed()
    );
    assert!(env.berth(["ps", "-aq"]).ok().stdout.is_empty());

    // rmi of an image that is not there: 1.
    let out = env.berth(["rmi", "localhost/nosuch:1"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "Error: localhost/nosuch:1: image not known\n");
});

each_identity!(containerenv_and_a_missing_workdir_as_podman, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // Empty unless privileged; then what the container is.
    let out = env
        .berth(["run", "--rm", IMG, "sh", "-c", "wc -c < /run/.containerenv"])
        .ok();
    assert_eq!(out.stdout.trim(), "0");
    let out = env
        .berth([
            "run",
            "--rm",
            "--privileged",
            "--name",
            "priv",
            IMG,
            "cat",
            "/run/.containerenv",
        ])
        .ok();
    let lines = out.lines();
    assert!(lines[0].starts_with("engine=\"berth-"), "{}", out.stdout);
    assert_eq!(lines[1], "name=\"priv\"");
    assert_eq!(lines[3], format!("image=\"{IMG}\""));
    let rootless = if who == Who::Root { "0" } else { "1" };
    assert_eq!(lines[5], format!("rootless={rootless}"));
    // A tmpfs on /run does not hide it.
    env.berth([
        "run",
        "--rm",
        "--tmpfs",
        "/run",
        IMG,
        "sh",
        "-c",
        "test -f /run/.containerenv",
    ])
    .ok();
    // The mount point is no change of the container's.
    env.berth(["run", "--name", "d", IMG, "touch", "/x"]).ok();
    let out = env.berth(["diff", "d"]).ok();
    assert!(!out.stdout.contains("/run"), "{}", out.stdout);
    assert!(out.stdout.contains("A /x"), "{}", out.stdout);

    // A working dir that was asked for and is missing: 126, nothing runs;
    // the image's own missing WORKDIR is made (as Docker and Podman).
    let out = env
        .berth(["run", "--rm", "-w", "/does/not/exist", IMG, "touch", "/ran"])
        .run();
    assert_eq!(out.code, 126, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "Error: workdir \"/does/not/exist\" does not exist in the container\n"
    );
    let out = env
        .berth(["run", "--rm", "-w", "/tmp", IMG, "sh", "-c", "pwd"])
        .ok();
    assert_eq!(out.stdout, "/tmp\n");
});

#[test]
fn on_off_flags_take_go_syntax() {
    let env = TestEnv::new();
    // `--flag=false` turns it off, `--flag=true` on, and help shows no
    // value for them.
    let out = env.berth(["images", "--noheading=false"]).ok();
    assert!(out.stdout.starts_with("REPOSITORY"), "{}", out.stdout);
    let out = env.berth(["images", "--noheading=true"]).ok();
    assert_eq!(out.stdout, "");
    let out = env.berth(["ps", "-a=true", "-q=false", "--noheading"]).ok();
    assert_eq!(out.stdout, "");
    let out = env.berth(["images", "--noheading=yes"]).run();
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "Error: invalid argument \"yes\" for \"--noheading\" flag: possible values: true, false\nSee 'berth images --help'\n"
    );
    let help = env.berth(["images", "--help"]).ok().stdout;
    // (Its line, whether its help follows on it or below it.)
    let line = help
        .lines()
        .find(|l| l.contains("--noheading"))
        .unwrap_or_else(|| panic!("{help}"));
    assert!(
        line.trim_end().ends_with("--noheading") || line.contains("--noheading "),
        "{help}"
    );
    assert!(!line.contains("--noheading["), "{help}");
    // An on/off flag never takes the next argument as its value.
    let out = env.berth(["history", "-qH", "localhost/nope"]).run();
    assert_eq!(out.code, 125);
    assert!(out.stderr.contains("localhost/nope"), "{}", out.stderr);
}

#[test]
fn diff_latest_is_the_container_created_last() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let err = env.berth(["diff", "-l"]).fails(125).stderr;
    assert_eq!(
        err,
        "Error: unable to get latest container: no such container\n"
    );
    env.berth(["run", "--name", "one", IMG, "touch", "/one"])
        .ok();
    env.berth(["run", "--name", "two", IMG, "touch", "/two"])
        .ok();
    let out = env.berth(["diff", "-l"]).ok();
    assert!(out.lines().contains(&"A /two"), "{}", out.stdout);
    assert!(!out.stdout.contains("/one"), "{}", out.stdout);
    let out = env.berth(["diff", "--latest", "--format", "json"]).ok();
    assert!(out.stdout.contains("/two"), "{}", out.stdout);
    let out = env.berth(["diff", "one"]).ok();
    assert!(out.lines().contains(&"A /one"), "{}", out.stdout);
    let err = env.berth(["diff", "-l", "one"]).fails(125).stderr;
    assert_eq!(
        err,
        "Error: --latest and containers cannot be used together\n"
    );
    let err = env.berth(["diff"]).fails(125).stderr;
    assert_eq!(
        err,
        "Error: \"berth diff\" requires a name, id, or the \"--latest\" flag\n"
    );
}

#[test]
fn out_and_noout_take_berths_output_not_the_containers() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let ids = env.berth(["images", "-q"]).ok().stdout;
    assert!(!ids.is_empty());
    let out = env.berth(["--out", "ids.txt", "images", "-q"]).ok();
    assert_eq!(out.stdout, "");
    assert_eq!(std::fs::read_to_string(env.join("ids.txt")).unwrap(), ids);
    let out = env.berth(["images", "--noout", "-q"]).ok();
    assert_eq!(out.stdout, "");
    // A container's output is its own: it still reaches standard output,
    // while the id `run -d` prints goes to the file.
    let out = env
        .berth([
            "--out",
            "run.txt",
            "run",
            "--rm",
            IMG,
            "echo",
            "from the container",
        ])
        .ok();
    assert_eq!(out.stdout, "from the container\n");
    let out = env
        .berth(["--out", "run.txt", "run", "-d", "--name", "d", IMG, "true"])
        .ok();
    assert_eq!(out.stdout, "");
    let id = std::fs::read_to_string(env.join("run.txt")).unwrap();
    assert_eq!(id.trim().len(), 64, "{id}");
    let out = env
        .berth(["--noout", "run", "--rm", IMG, "echo", "still shown"])
        .ok();
    assert_eq!(out.stdout, "still shown\n");
    // A runtime flag means nothing to berth: said once, then ignored.
    let out = env
        .berth(["--runtime-flag", "debug", "ps", "-a", "-q"])
        .ok();
    assert!(out.stdout.contains(&id.trim()[..12]), "{}", out.stdout);
    assert_eq!(
        out.stderr,
        "WARN: --runtime-flag \"debug\" is ignored: berth runs containers itself, with no OCI runtime\n"
    );
}

each_identity!(run_timeout_kills_the_container_when_it_is_up, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let t = Instant::now();
    // podman 4.3 (conmon) exits 255 and records -1 for a timed-out
    // container.
    let out = env
        .berth(["run", "--rm", "--timeout", "1", IMG, "sleep", "30"])
        .run();
    assert_eq!(out.code, 255, "{}", out.stderr);
    assert!(t.elapsed() >= Duration::from_secs(1), "{:?}", t.elapsed());
    // Detached, the monitor kills it; the record says so.
    let id = run_detached(&env, &["--name", "t", "--timeout", "1", IMG, "sleep", "30"]);
    let out = env.berth(["wait", &id]).ok();
    assert_eq!(out.stdout.trim(), "-1");
    // A container that ends in time keeps its own code; 0 is no limit.
    let out = env
        .berth(["run", "--rm", "--timeout", "5", IMG, "sh", "-c", "exit 3"])
        .run();
    assert_eq!(out.code, 3, "{}", out.stderr);
    env.berth(["run", "--rm", "--timeout", "0", IMG, "true"])
        .ok();
});

each_identity!(the_images_root_keeps_the_mode_its_layers_give_it, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // A root file system whose `/` is 0555, as a tar with a `./` entry.
    let root = env.join("r555");
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", root.join("bin/sh")).unwrap();
    let tar = env.join("r555.tar");
    let st = std::process::Command::new("tar")
        .args(["--mode=a-w", "--no-recursion", "-C"])
        .arg(&root)
        .args(["-cf"])
        .arg(&tar)
        .args([".", "./bin", "./bin/busybox", "./bin/sh"])
        .status()
        .unwrap();
    assert!(st.success());
    env.berth(["import", "-q"]).arg(&tar).arg("r555").ok();
    let mode = |image: &str| {
        let out = env
            .berth([
                "run",
                "--rm",
                image,
                "/bin/busybox",
                "stat",
                "-c",
                "%a",
                "/",
            ])
            .ok();
        out.stdout.trim().to_string()
    };
    assert_eq!(mode("r555"), "555");
    // A later layer without `./` keeps it, as does the container's own
    // layer.
    let ctx = env.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM localhost/r555\nRUN [\"/bin/busybox\", \"mkdir\", \"/made\"]\n",
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "over", "ctx"]).ok();
    assert_eq!(mode("over"), "555");
    // The image it was not given to: 0755 as before.
    let out = env
        .berth(["run", "--rm", IMG, "stat", "-c", "%a", "/"])
        .ok();
    assert_eq!(out.stdout.trim(), "755");
});

each_identity!(pid_host_and_pid_container_share_a_pid_namespace, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let sh = |args: &[&str], script: &str| {
        let mut all: Vec<&str> = vec!["run", "--rm"];
        all.extend_from_slice(args);
        all.extend_from_slice(&[IMG, "sh", "-c", script]);
        env.berth(all).ok().stdout.trim().to_string()
    };
    // Its own: the program is pid 1.
    assert_eq!(sh(&[], "echo $$"), "1");
    // The host's: the host's pid 1 shows as it is.
    let init = std::fs::read_to_string("/proc/1/comm").unwrap();
    assert_ne!(sh(&["--pid", "host"], "echo $$"), "1");
    assert_eq!(
        sh(&["--pid", "host"], "cat /proc/1/comm"),
        init.trim(),
        "{who:?}"
    );
    let id = run_detached(
        &env,
        &["--name", "hostpid", "--pid", "host", IMG, "sleep", "300"],
    );
    let out = env.berth(["exec", &id, "sh", "-c", "echo $$"]).ok();
    assert_ne!(out.stdout.trim(), "1");
    // Another container's: its pid 1 is ours to see.
    run_detached(&env, &["--name", "p1", IMG, "sleep", "301"]);
    assert_eq!(
        sh(
            &["--pid", "container:p1"],
            "cat /proc/1/cmdline | tr '\\0' ' '"
        ),
        "sleep 301"
    );
    let err = env
        .berth(["run", "--rm", "--pid", "bogus", IMG, "true"])
        .fails(125)
        .stderr;
    assert!(err.contains("--pid \"bogus\""), "{err}");
    env.berth(["run", "--rm", "--pid", "container:nosuch", IMG, "true"])
        .fails(125);
});

each_identity!(run_rootfs_runs_a_directory_as_the_root, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    // An exploded container of the user's: busybox alone.
    env.command("sh")
        .args([
            "-c",
            "mkdir -p r/bin && cp /bin/busybox r/bin/ && ln -s busybox r/bin/sh",
        ])
        .ok();
    let dir = std::fs::canonicalize(env.join("r")).unwrap();
    // The container writes into the directory itself; its PATH is the
    // default one, as no image gives another.
    let out = env
        .berth([
            "run",
            "--rm",
            "--rootfs",
            "r",
            "sh",
            "-c",
            "echo made > /made; busybox id -u; echo $PATH",
        ])
        .ok();
    assert_eq!(
        out.lines(),
        [
            "0",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        ]
    );
    assert_eq!(std::fs::read_to_string(dir.join("made")).unwrap(), "made\n");
    // `:O`: into an overlay over it, which `diff` lists and `cp` reads.
    let spec = format!("{}:O", dir.display());
    env.berth([
        "run",
        "--name",
        "o",
        "--rootfs",
        &spec,
        "sh",
        "-c",
        "echo over > /over; rm /made",
    ])
    .ok();
    assert!(dir.join("made").exists() && !dir.join("over").exists());
    let out = env.berth(["diff", "o"]).ok();
    assert!(out.lines().contains(&"A /over"), "{}", out.stdout);
    assert!(out.lines().contains(&"D /made"), "{}", out.stdout);
    let out = env.berth(["cp", "o:/over", "-"]).ok();
    assert!(out.stdout.contains("over\n"), "{}", out.stdout);
    let out = env
        .berth([
            "inspect",
            "o",
            "--format",
            "{{.Rootfs}}|{{.ImageName}}|{{.Image}}",
        ])
        .ok();
    assert_eq!(out.stdout.trim(), format!("{}||", dir.display()));
    let out = env
        .berth([
            "ps",
            "-a",
            "--filter",
            "name=o",
            "--format",
            "{{.Image}}|{{.Names}}",
        ])
        .ok();
    assert_eq!(out.stdout.trim(), "|o");
    // What cannot be: one line each, exit 125, nothing made.
    let before = env.berth(["ps", "-aq"]).ok().stdout;
    let out = env.berth(["commit", "o", "x"]).run();
    out.assert_code(125);
    assert!(out.stderr.contains("--rootfs"), "{}", out.stderr);
    std::fs::write(env.join("file"), "").unwrap();
    for (args, says) in [
        (&["r"][..], "no command or entrypoint"),
        (&["gone", "sh"][..], "--rootfs gone"),
        (&["file", "sh"][..], "--rootfs file: not a directory"),
        (&["r:idmap", "sh"][..], "\"idmap\" option is not supported"),
    ] {
        run_is_refused(&env, &[&["--rootfs"][..], args].concat(), says);
    }
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, before);
});

each_identity!(run_uidmap_gives_the_container_maps_of_its_own, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    let maps = [
        "--uidmap",
        "0:100000:1000",
        "--uidmap",
        "1000:300000:10",
        "--gidmap",
        "0:200000:2000",
    ];
    if who != Who::Root {
        return rootless_uidmap(&env, who);
    }
    // Inside: the maps as given, the image's files and its own owned by
    // its root.
    let (id, lines) = mapped_container(&env, &maps);
    assert_eq!(
        lines,
        [
            "0 100000 1000",
            "1000 300000 10",
            "0 200000 2000",
            "0:0",
            "0:0",
            "0:0"
        ]
    );
    // Outside: its processes have the host's ids of the map, by user.
    let host_uid = |pid: &str| {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        line.split_whitespace().nth(1).unwrap().to_string()
    };
    let pid = env
        .berth(["inspect", "m", "--format", "{{.State.Pid}}"])
        .ok()
        .stdout;
    assert_eq!(host_uid(pid.trim()), "100000");
    let out = env
        .berth([
            "inspect",
            "m",
            "--format",
            "{{.HostConfig.UsernsMode}} {{.HostConfig.IDMappings.UidMap}} {{.HostConfig.IDMappings.GidMap}}",
        ])
        .ok();
    assert_eq!(
        out.stdout.trim(),
        "private [0:100000:1000 1000:300000:10] [0:200000:2000]"
    );
    let out = env
        .berth(["exec", "--user", "1003", "m", "sh", "-c", "echo $$; id -u"])
        .ok();
    assert_eq!(out.lines()[1], "1003");
    // (The exec'd shell has gone; its pid was 300003 on the host.)
    // On disk its layer keeps the container's ids, as without maps.
    let upper = env
        .berth(["inspect", "m", "--format", "{{.GraphDriver.Data.UpperDir}}"])
        .ok()
        .stdout;
    let owner = |p: &str| {
        use std::os::unix::fs::MetadataExt;
        let md = std::fs::metadata(std::path::Path::new(upper.trim()).join(p)).unwrap();
        (md.uid(), md.gid())
    };
    assert_eq!(owner("w"), (1005, 1005));
    assert_eq!(owner("f"), (0, 0));
    // cp from the host, as the container's root sees it, a root-only file
    // too.
    cp_a_secret_in(&env);
    assert_eq!(owner("secret"), (0, 0));
    // On a berth network: its network namespace is its user namespace's,
    // where its root binds port 80 and mounts a sysfs of its own.
    env.berth(["network", "create", "--subnet", "198.19.77.0/24", "umnet"])
        .ok();
    let out = env
        .berth(["run", "--rm", "--network", "umnet"])
        .args(maps)
        .args([
            IMG,
            "sh",
            "-c",
            "ip -4 addr show eth0 | grep -o 'inet [0-9.]*'; ls /sys/class/net; \
             httpd -p 80 -h / && echo bound",
        ])
        .ok();
    assert_eq!(out.lines(), ["inet 198.19.77.2", "eth0", "lo", "bound"]);
    // A directory a later layer made anew hides what the earlier one
    // put in it (its opaque mark is one the container's overlay reads).
    let ctx = env.join("opaque");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {IMG}\nRUN mkdir /d && touch /d/old\nRUN rm -rf /d && mkdir /d && touch /d/new\n"
        ),
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "localhost/opaque"])
        .arg(&ctx)
        .ok();
    let out = env
        .berth(["run", "--rm", "--network", "none"])
        .args(maps)
        .args(["localhost/opaque", "ls", "/d"])
        .ok();
    assert_eq!(out.lines(), ["new"]);
    // commit keeps them too.
    env.berth(["stop", "-t", "0", &id]).ok();
    env.berth(["commit", "-q", "m", "mapped"]).ok();
    let out = env
        .berth(["run", "--rm", "mapped", "stat", "-c", "%u:%g", "/w"])
        .ok();
    assert_eq!(out.stdout.trim(), "1005:1005");
    // One line each for maps that cannot be, exit 125.
    for (args, says) in [
        (&["--uidmap", "0:1"][..], "expected CONTAINER:HOST:COUNT"),
        (
            &["--uidmap", "5:100000:10"][..],
            "container id 0 is not mapped",
        ),
        (
            &["--uidmap", "0:100000:10", "--uidmap", "5:200000:10"][..],
            "overlaps 0:100000:10",
        ),
        (&["--uidmap", "0:4294967290:10"][..], "goes past"),
        (
            &["--uidmap", "0:100000:10", "--userns", "keep-id"][..],
            "mutually exclusive",
        ),
    ] {
        run_is_refused(&env, &[args, &[IMG, "true"]].concat(), says);
    }
    // A store the container's root could not reach: refused before
    // anything is made.
    let closed = env.join("closed");
    std::fs::create_dir_all(closed.join("r/bin")).unwrap();
    std::fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let out = env
        .berth_bare(["--root"])
        .arg(closed.join("store"))
        .arg("--runroot")
        .arg(closed.join("run"))
        .args(["run", "--rm", "--uidmap", "0:100000:65536", "--rootfs"])
        .arg(closed.join("r"))
        .arg("true")
        .run();
    out.assert_code(125);
    assert!(
        out.stderr.contains("does not let others search it"),
        "{}",
        out.stderr
    );
});

/// Rootless `--uidmap`: the host ids are those of the user's user
/// namespace (0 the user, 1 and up the subordinate range), as in Podman;
/// fuse-overlayfs shows the store's files with the container's ids.
fn rootless_uidmap(env: &TestEnv, who: Who) {
    use std::os::unix::fs::MetadataExt;
    crate::run_options::device_usable(who, "/dev/fuse");
    let user = env.user().expect("a rootless environment").clone();
    let Some((subuid, _)) = user.subuids else {
        // The user alone: only id 0 (the user) can be mapped.
        let out = env
            .berth(["run", "--rm", "--network", "none", "--uidmap", "0:0:1", IMG])
            .args([
                "sh",
                "-c",
                "cat /proc/self/uid_map; id -u; stat -c %u /bin/busybox",
            ])
            .ok();
        let lines: Vec<String> = out.lines().iter().map(|l| squeeze(l)).collect();
        assert_eq!(lines, ["0 0 1", "0", "0"]);
        run_is_refused(
            env,
            &["--uidmap", "0:1:10", IMG, "true"],
            "0 alone (the user; no subordinate range is mapped)",
        );
        return;
    };
    let maps = [
        "--uidmap",
        "0:1:1000",
        "--uidmap",
        "1000:3001:10",
        "--gidmap",
        "0:2001:2000",
    ];
    let (_, lines) = mapped_container(env, &maps);
    assert_eq!(
        lines,
        [
            "0 1 1000",
            "1000 3001 10",
            "0 2001 2000",
            "0:0",
            "0:0",
            "0:0"
        ]
    );
    // Outside: its root is id 1 of the user's namespace, the first
    // subordinate id.
    let pid = env
        .berth(["inspect", "m", "--format", "{{.State.Pid}}"])
        .ok()
        .stdout;
    let md = std::fs::metadata(format!("/proc/{}", pid.trim())).unwrap();
    assert_eq!(md.uid(), subuid);
    let out = env.berth(["exec", "--user", "1003", "m", "id", "-u"]).ok();
    assert_eq!(out.stdout, "1003\n");
    // Its layer keeps the container's ids, as in the user's namespace
    // without maps: 1005 is subordinate id 1004, 0 the user.
    let upper = env
        .berth(["inspect", "m", "--format", "{{.GraphDriver.Data.UpperDir}}"])
        .ok()
        .stdout;
    let owner = |p: &str| {
        let md = std::fs::metadata(std::path::Path::new(upper.trim()).join(p)).unwrap();
        (md.uid(), md.gid())
    };
    assert_eq!(owner("w"), (subuid + 1004, subuid + 1004));
    assert_eq!(owner("f"), (user.uid, user.gid));
    // cp in and out of the running container, a file only the user may
    // read too.
    cp_a_secret_in(env);
    let back = env.join("w-back");
    env.berth(["cp", "m:/w"]).arg(&back).ok();
    assert_eq!(std::fs::read_to_string(&back).unwrap(), "x\n");
    // Within the container, and to another running one.
    env.berth(["cp", "m:/w", "m:/w2"]).ok();
    run_detached(
        env,
        &["--name", "plain", "--network", "none", IMG, "sleep", "300"],
    );
    env.berth(["cp", "m:/w", "plain:/from-m"]).ok();
    for (c, f) in [("m", "/w2"), ("plain", "/from-m")] {
        let out = env.berth(["exec", c, "cat", f]).ok();
        assert_eq!(out.stdout, "x\n", "{c}");
    }
    env.berth(["rm", "-f", "-t", "0", "plain"]).ok();
    // diff lists what it wrote, nothing of fuse-overlayfs's own.
    let out = env.berth(["diff", "m"]).ok();
    for line in out.lines() {
        assert!(!line.contains(".wh."), "{}", out.stdout);
    }
    assert!(out.stdout.contains("A /w\n"), "{}", out.stdout);
    // Its own network, where its root binds port 80.
    let out = env
        .berth(["run", "--rm"])
        .args(maps)
        .args([IMG, "sh", "-c", "httpd -p 80 -h / && echo bound"])
        .ok();
    assert_eq!(out.stdout, "bound\n");
    // A new volume is filled with the image's files, as the container
    // sees them, and is its root's.
    for expect in ["0:0 0:0", "0:0 0:0 again"] {
        let out = env
            .berth(["run", "--rm", "--network", "none", "-v", "uvol:/etc"])
            .args(maps)
            .args([
                IMG,
                "sh",
                "-c",
                "echo $(stat -c %u:%g /etc /etc/passwd) $(cat /etc/again 2>/dev/null); \
                 echo again > /etc/again",
            ])
            .ok();
        assert_eq!(out.stdout.trim(), expect);
    }
    // commit keeps the container's ids; --rm leaves nothing.
    env.berth(["stop", "-t", "0", "m"]).ok();
    env.berth(["commit", "-q", "m", "mapped"]).ok();
    env.berth(["rm", "m"]).ok();
    let out = env
        .berth(["run", "--rm", "--network", "none"])
        .args(maps)
        .args(["mapped", "stat", "-c", "%u:%g", "/w", "/f"])
        .ok();
    assert_eq!(out.lines(), ["1005:1005", "0:0"]);
    let left = std::fs::read_dir(env.root().join("containers"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.file_name().len() == 64)
                .count()
        })
        .unwrap_or(0);
    assert_eq!(left, 0);
    // Host ids the user's namespace does not have; --rootfs without :O.
    run_is_refused(
        env,
        &["--uidmap", "0:100000:10", IMG, "true"],
        "0 to 65536 (0 is the user, 1 and up its subordinate range)",
    );
    run_is_refused(
        env,
        &["--uidmap", "0:1:10", "--rootfs", "/", "true"],
        "--rootfs needs :O",
    );
    run_is_refused(
        env,
        &["--uidmap", "0:1:10", "--pid", "host", IMG, "true"],
        "not with --pid host",
    );
}

/// Start container `m` with `maps`; in it, list its maps and the owners
/// of an image file, its `/etc/hosts` and a file it makes (`/f`), and
/// make `/w` for 1005:1005. The container's id, and what it printed
/// with spaces squeezed.
fn mapped_container(env: &TestEnv, maps: &[&str]) -> (String, Vec<String>) {
    let id = run_detached(
        env,
        &[
            &["--name", "m", "--network", "none"][..],
            maps,
            &[IMG, "sleep", "300"],
        ]
        .concat(),
    );
    let out = env
        .berth([
            "exec",
            "m",
            "sh",
            "-c",
            "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin/busybox /etc/hosts; \
             touch /f; stat -c %u:%g /f; echo x > /w; chown 1005:1005 /w",
        ])
        .ok();
    (id, out.lines().iter().map(|l| squeeze(l)).collect())
}

/// `cp` a file only its owner (the environment's user) may read into
/// container `m`: it lands there its root's, with its mode.
fn cp_a_secret_in(env: &TestEnv) {
    let secret = env.join("secret");
    std::fs::write(&secret, "s\n").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    if let Some(u) = env.user() {
        std::os::unix::fs::chown(&secret, Some(u.uid), Some(u.gid)).unwrap();
    }
    env.berth(["cp"]).arg(&secret).arg("m:/secret").ok();
    let out = env
        .berth([
            "exec",
            "m",
            "sh",
            "-c",
            "stat -c %u:%g:%a /secret; cat /secret",
        ])
        .ok();
    assert_eq!(out.lines(), ["0:0:600", "s"]);
}

fn squeeze(l: &str) -> String {
    l.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `run --rm ARGS` exits 125 with one line that `says` why.
#[track_caller]
fn run_is_refused(env: &TestEnv, args: &[&str], says: &str) {
    let out = env.berth(["run", "--rm"]).args(args).run();
    out.assert_code(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
}
