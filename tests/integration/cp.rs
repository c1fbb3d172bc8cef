//! `cp` as Podman's `podman-cp` page describes it: every example of the
//! page, between the host and a container and between two containers,
//! stopped and running, as root and as both test users; then the path
//! rules one by one (working dir, symlinks, `/.`, trailing `/`, no
//! globbing, owners, `--overwrite`, a running container's tmpfs and
//! volumes). The expected results are what podman 4.3 gives for the same
//! command lines.

use crate::detach::{run_detached, Cleanup, HANG_GUARD};
use crate::identity::*;
use crate::util::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

/// Made in each container: an app dir, a file at the top, a home, links.
const SETUP: &str = "mkdir -p /myapp/sub /home/myuser && echo conf > /myapp/app.conf && \
                     echo s > /myapp/sub/s && echo top > /myfile.txt && \
                     echo h > /home/myuser/h && ln -s /myapp /applink && \
                     ln -s app.conf /myapp/conflink && ln -s /nowhere /dangling && touch /ready";

/// A tar's entries: name (without a trailing `/`) -> (kind and mode,
/// uid:gid, content).
fn entries(tar: &[u8]) -> BTreeMap<String, (String, String, String)> {
    let mut a = tar::Archive::new(tar);
    let mut out = BTreeMap::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let name = e.path().unwrap().display().to_string();
        let kind = match h.entry_type() {
            tar::EntryType::Directory => "d",
            tar::EntryType::Symlink => "l",
            _ => "f",
        };
        let mut body = String::new();
        if kind == "f" {
            e.read_to_string(&mut body).unwrap();
        } else if kind == "l" {
            body = h.link_name().unwrap().unwrap().display().to_string();
        }
        out.insert(
            name.trim_end_matches('/').to_string(),
            (
                format!("{kind}{:o}", h.mode().unwrap() & 0o7777),
                format!("{}:{}", h.uid().unwrap(), h.gid().unwrap()),
                body,
            ),
        );
    }
    out
}

/// The names in a tar of `CTR:PATH`, and each file's content.
fn listing(env: &TestEnv, at: &str) -> Vec<String> {
    let out = env.berth(["cp", at, "-"]).ok();
    entries(&out.stdout_bytes)
        .into_iter()
        .map(|(n, (_, _, body))| match body.is_empty() {
            true => n,
            false => format!("{n}={}", body.trim()),
        })
        .collect()
}

/// A host tree: each path below `dir` (relative), with a file's content.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        let mut names: Vec<_> = std::fs::read_dir(d).unwrap().flatten().collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.file_type().is_symlink() {
                out.push(format!(
                    "{rel}->{}",
                    std::fs::read_link(&p).unwrap().display()
                ));
            } else if m.is_dir() {
                out.push(rel);
                walk(base, &p, out);
            } else {
                out.push(format!(
                    "{rel}={}",
                    std::fs::read_to_string(&p).unwrap().trim()
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

/// Run shell `script` on the host as the test's user, in its dir.
fn host_sh(env: &TestEnv, script: &str) {
    env.command("sh").args(["-c", script]).ok();
}

/// Two containers with `SETUP` done: `stopped` (ran it and exited) and
/// `running` (with a tmpfs at /scratch and a volume at /vol).
fn two_containers(env: &TestEnv) {
    env.berth([
        "run",
        "--name",
        "stopped",
        "--network",
        "none",
        IMG,
        "sh",
        "-c",
        SETUP,
    ])
    .ok();
    let script = format!("{SETUP} && sleep 300");
    run_detached(
        env,
        &[
            "--name",
            "running",
            "--network",
            "none",
            "--tmpfs",
            "/scratch",
            "-v",
            "cpvol:/vol",
            "-w",
            "/home",
            IMG,
            "sh",
            "-c",
            &script,
        ],
    );
    let t0 = Instant::now();
    while env.berth(["cp", "running:/ready", "-"]).run().code != 0 {
        assert!(
            t0.elapsed() < HANG_GUARD,
            "the running container never got ready"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

each_identity!(cp_does_every_example_of_the_man_page, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    two_containers(&env);
    host_sh(
        &env,
        "mkdir -p host/myapp && echo from-host > host/myapp/app.conf",
    );
    let host = env.join("host");
    for (ctr, other) in [("stopped", "running"), ("running", "stopped")] {
        // Copy a file from host to a container.
        env.berth(["cp"])
            .arg(host.join("myapp/app.conf"))
            .arg(format!("{ctr}:/myapp/app.conf"))
            .ok();
        assert_eq!(
            listing(&env, &format!("{ctr}:/myapp/app.conf")),
            ["app.conf=from-host"]
        );
        // Copy a file from a container to a directory on another container.
        env.berth([
            "cp",
            &format!("{ctr}:/myfile.txt"),
            &format!("{other}:/tmp"),
        ])
        .ok();
        assert_eq!(
            listing(&env, &format!("{other}:/tmp/myfile.txt")),
            ["myfile.txt=top"]
        );
        // Copy a directory on a container to a directory on the host.
        host_sh(&env, &format!("mkdir -p out-{ctr}/myapp"));
        let out = env.join(format!("out-{ctr}"));
        env.berth(["cp", &format!("{ctr}:/myapp/")])
            .arg(format!("{}/myapp/", out.display()))
            .ok();
        assert_eq!(
            tree(&out),
            [
                "myapp",
                "myapp/myapp",
                "myapp/myapp/app.conf=from-host",
                "myapp/myapp/conflink->app.conf",
                "myapp/myapp/sub",
                "myapp/myapp/sub/s=s"
            ]
        );
        // Copy the contents of a directory on a container to a directory
        // on the host.
        host_sh(&env, &format!("mkdir -p home-{ctr}/myuser"));
        let home = env.join(format!("home-{ctr}/myuser"));
        env.berth(["cp", &format!("{ctr}:/home/myuser/.")])
            .arg(format!("{}/", home.display()))
            .ok();
        assert_eq!(tree(&home), ["h=h"]);
        // Copy a directory on a container into a directory on another
        // (which does not exist yet: it becomes the copy).
        env.berth([
            "cp",
            &format!("{ctr}:/myapp"),
            &format!("{other}:/yourapp-{ctr}"),
        ])
        .ok();
        assert_eq!(
            listing(&env, &format!("{other}:/yourapp-{ctr}")),
            [
                format!("yourapp-{ctr}"),
                format!("yourapp-{ctr}/app.conf=from-host"),
                format!("yourapp-{ctr}/conflink=app.conf"),
                format!("yourapp-{ctr}/sub"),
                format!("yourapp-{ctr}/sub/s=s"),
            ]
        );
        // Stream a tar archive from standard input to a container: the
        // destination must be a directory; a gzip'd tar is taken too.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        b.append_data(&mut h, "myfiles/in.txt", &b"in\n"[..])
            .unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &b.into_inner().unwrap()).unwrap();
        let gz = gz.finish().unwrap();
        env.berth(["cp", "-", &format!("{ctr}:/tmp")])
            .stdin_bytes(gz.clone())
            .ok();
        assert_eq!(
            listing(&env, &format!("{ctr}:/tmp/myfiles")),
            ["myfiles", "myfiles/in.txt=in"]
        );
        let e = env
            .berth(["cp", "-", &format!("{ctr}:/myfiles.tar.gz")])
            .stdin_bytes(gz)
            .fails(125);
        assert_eq!(
            e.stderr.trim(),
            "Error: destination must be a directory when copying from stdin"
        );
    }
    // The running container saw the copies live (not only its layer).
    let out = env
        .berth([
            "exec",
            "running",
            "cat",
            "/myapp/app.conf",
            "/tmp/myfile.txt",
        ])
        .ok();
    assert_eq!(out.stdout, "from-host\ntop\n");
});

each_identity!(cp_resolves_paths_as_podman, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    two_containers(&env);
    host_sh(&env, "echo f1 > f1");
    let f = env.join("f1");
    let fails = |args: &[&str], msg: &str| {
        let e = env.berth(["cp"]).args(args).fails(125);
        assert_eq!(e.stderr.trim(), format!("Error: {msg}"), "{args:?}");
    };
    let fstr = f.display().to_string();
    for ctr in ["stopped", "running"] {
        // Relative container paths are relative to the working dir.
        let wd = if ctr == "running" { "/home" } else { "/" };
        env.berth(["cp", &fstr, &format!("{ctr}:.")]).ok();
        env.berth(["cp", &fstr, &format!("{ctr}:rel")]).ok();
        let at = |p: &str| format!("{ctr}:{}/{p}", wd.trim_end_matches('/'));
        assert_eq!(listing(&env, &at("f1")), ["f1=f1"]);
        assert_eq!(listing(&env, &at("rel")), ["rel=f1"]);
        // A symlink is followed inside the container and copied under the
        // name it resolves to; a dangling one is not there.
        assert_eq!(
            listing(&env, &format!("{ctr}:/myapp/conflink")),
            ["app.conf=conf"]
        );
        assert_eq!(
            listing(&env, &format!("{ctr}:/applink"))[..2],
            ["myapp", "myapp/app.conf=conf"]
        );
        fails(
            &[&format!("{ctr}:/dangling"), "-"],
            &format!(
                "\"/dangling\" could not be found on container {ctr}: no such file or directory"
            ),
        );
        // No globbing.
        fails(
            &[&format!("{ctr}:/myapp/*"), "-"],
            &format!(
                "\"/myapp/*\" could not be found on container {ctr}: no such file or directory"
            ),
        );
        // A destination ending in `/` must exist; a new file's parent too.
        fails(
            &[&fstr, &format!("{ctr}:/nodir/")],
            &format!(
                "\"/nodir/\" could not be found on container {ctr}: no such file or directory"
            ),
        );
        fails(
            &[&fstr, &format!("{ctr}:/nodir/x")],
            &format!(
                "\"/nodir/x\" could not be found on container {ctr}: no such file or directory"
            ),
        );
        // A directory never replaces a file.
        fails(
            &[&format!("{ctr}:/myapp"), &fstr],
            "destination must be a directory when copying a directory",
        );
        fails(
            &[
                &env.join("").display().to_string(),
                &format!("{ctr}:/myfile.txt"),
            ],
            "destination must be a directory when copying a directory",
        );
        // Writing through a symlinked directory lands in its target.
        env.berth(["cp", &fstr, &format!("{ctr}:/applink/")]).ok();
        assert_eq!(listing(&env, &format!("{ctr}:/myapp/f1")), ["f1=f1"]);
        // A dangling link as destination: written where it points.
        env.berth(["cp", &fstr, &format!("{ctr}:/dangling")]).ok();
        assert_eq!(listing(&env, &format!("{ctr}:/nowhere")), ["nowhere=f1"]);
        // Inside a copy, a directory and a file do not replace each other
        // unless --overwrite.
        host_sh(&env, &format!("mkdir -p ow-{ctr}/sub ow-{ctr}/app.conf"));
        let ow = env.join(format!("ow-{ctr}"));
        let src = format!("{}/.", ow.display());
        fails(
            &[&src, &format!("{ctr}:/myapp")],
            &format!(
                "copying to container {ctr}: cannot overwrite non-directory \"app.conf\" with a \
                 directory (--overwrite replaces it)"
            ),
        );
        env.berth(["cp", "--overwrite", &src, &format!("{ctr}:/myapp")])
            .ok();
        let l = listing(&env, &format!("{ctr}:/myapp"));
        assert!(l.contains(&"myapp/app.conf".to_string()), "{l:?}");
    }
    // The host side: missing sources, `/.` into a new directory.
    fails(
        &["/nonexistent-cp-source", "stopped:/"],
        "\"/nonexistent-cp-source\" could not be found on the host: no such file or directory",
    );
    let fresh = env.join("fresh");
    env.berth(["cp", "stopped:/myapp/."]).arg(&fresh).ok();
    assert_eq!(
        tree(&fresh),
        ["app.conf", "conflink->app.conf", "f1=f1", "sub", "sub/s=s"]
    );
    // A running container's tmpfs and volumes are reached, both ways;
    // its root is copied without /proc, /sys and /dev.
    env.berth(["cp", &fstr, "running:/scratch/"]).ok();
    env.berth(["cp", &fstr, "running:/vol/"]).ok();
    let out = env
        .berth(["exec", "running", "cat", "/scratch/f1", "/vol/f1"])
        .ok();
    assert_eq!(out.stdout, "f1\nf1\n");
    env.berth(["exec", "running", "sh", "-c", "echo made > /scratch/m"])
        .ok();
    assert_eq!(listing(&env, "running:/scratch/m"), ["m=made"]);
    let root = env.join("root");
    env.berth(["cp", "running:/"]).arg(&root).ok();
    for gone in ["proc", "sys", "dev"] {
        assert!(!root.join(gone).exists(), "{gone} was copied");
    }
    assert!(root.join("scratch/m").exists() && root.join("myfile.txt").exists());
});

// What lands in a container belongs to its user (`-a`, the default), or
// keeps its owners (`--archive=false`); what lands on the host belongs
// to the caller. A user without a subordinate range has one id to give.
each_identity!(cp_gives_files_to_the_containers_user, |who| {
    if who == Who::NoSub {
        return;
    }
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = Cleanup(&env);
    env.berth([
        "create",
        "--name",
        "u",
        "--network",
        "none",
        "--user",
        "1000:1000",
        IMG,
        "true",
    ])
    .ok();
    host_sh(&env, "mkdir -p d/sub && echo x > d/sub/f");
    let d = env.join("d");
    env.berth(["cp"]).arg(&d).arg("u:/tmp/a").ok();
    env.berth(["cp", "-a=false"]).arg(&d).arg("u:/tmp/k").ok();
    let owners = |at: &str| -> Vec<String> {
        let out = env.berth(["cp", at, "-"]).ok();
        entries(&out.stdout_bytes)
            .into_iter()
            .map(|(n, (_, ids, _))| format!("{n} {ids}"))
            .collect()
    };
    assert_eq!(
        owners("u:/tmp/a"),
        ["a 1000:1000", "a/sub 1000:1000", "a/sub/f 1000:1000"]
    );
    assert_eq!(owners("u:/tmp/k"), ["k 0:0", "k/sub 0:0", "k/sub/f 0:0"]);
    // Out to the host: the caller's, whatever the container had.
    let out = env.join("out");
    env.berth(["cp", "u:/tmp/a"]).arg(&out).ok();
    let me = std::fs::metadata(env.join("")).unwrap();
    let got = std::fs::metadata(out.join("sub/f")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((got.uid(), got.gid()), (me.uid(), me.gid()));
});
