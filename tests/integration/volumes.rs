//! Named volumes, as root and as the two test users: data that outlives
//! its containers, Docker's copy-up from the image (owners, modes and
//! links kept; once per volume; `nocopy`), `:ro` and `--mount
//! type=volume`, a volume in use kept from removal (`-f` removes its
//! containers), `ls --filter`, `exists`, `prune`, bad names refused in
//! one line with nothing changed, and a copy-up cut short (a `fill/`
//! left by a killed start) redone whole.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use std::os::unix::fs::MetadataExt;

const VOL_IMG: &str = "localhost/vol:1";

/// busybox with `/srv/data` (0750, 1000:1000) holding `seed` (0640,
/// 1000:1000) and `link -> seed`.
fn vol_image() -> ImageSpec {
    let mut spec = ImageSpec::busybox(VOL_IMG);
    spec.repo_tags.retain(|t| t != IMG);
    let layer = LayerBuilder::new()
        .dir("srv", 0o755)
        .dir("srv/data", 0o750)
        .owned(1000, 1000)
        .file("srv/data/seed", "from the image\n", 0o640)
        .owned(1000, 1000)
        .symlink("srv/data/link", "seed")
        .tar_bytes();
    spec.layer(LayerBlob::plain(layer))
}

fn names(env: &TestEnv, args: &[&str]) -> String {
    let mut a = vec!["volume", "ls", "-q"];
    a.extend_from_slice(args);
    let out = env.berth(a).ok();
    out.stdout.lines().collect::<Vec<_>>().join(" ")
}

each_identity!(named_volumes_keep_data_and_fill_from_the_image, |who| {
    let Some(env) = env_with(who, &[vol_image()]) else {
        return;
    };
    let out = env
        .berth(["volume", "create", "--label", "k=v", "vol"])
        .ok();
    assert_eq!(out.stdout, "vol\n");

    // First mount: the image's files, with their owners (a user without
    // subordinate ids cannot have uid 1000: its files are its own).
    let script = "cat /srv/data/seed; stat -c '%u:%g %a' /srv/data /srv/data/seed; \
                  readlink /srv/data/link; echo new > /srv/data/added";
    let out = env
        .berth([
            "run",
            "--name",
            "first",
            "-v",
            "vol:/srv/data",
            VOL_IMG,
            "sh",
            "-c",
            script,
        ])
        .ok();
    let owners = if who == Who::NoSub {
        "0:0"
    } else {
        "1000:1000"
    };
    assert_eq!(
        out.stdout,
        format!("from the image\n{owners} 750\n{owners} 640\nseed\n")
    );
    let mountpoint = env
        .berth(["volume", "inspect", "--format", "{{.Mountpoint}}", "vol"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(
        mountpoint,
        env.root().join("volumes/vol/_data").display().to_string()
    );
    assert_eq!(
        std::fs::read_to_string(format!("{mountpoint}/added")).unwrap(),
        "new\n"
    );
    let out = env
        .berth([
            "volume",
            "inspect",
            "--format",
            "{{.NeedsCopyUp}} {{.UsedBy}} {{.Labels.k}}",
            "vol",
        ])
        .ok();
    assert_eq!(out.stdout.trim(), "false [first] v");

    // The data outlives the container; copy-up happens once (a file
    // removed stays removed).
    env.berth(["rm", "first"]).ok();
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            "vol:/srv/data",
            VOL_IMG,
            "sh",
            "-c",
            "cat /srv/data/added; rm /srv/data/seed",
        ])
        .ok();
    assert_eq!(out.stdout, "new\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            "vol:/srv/data",
            VOL_IMG,
            "ls",
            "/srv/data",
        ])
        .ok();
    assert_eq!(out.stdout, "added\nlink\n");

    // Read-only, by -v and by --mount; a volume made on first use; and
    // nocopy (an empty volume stays empty).
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            "vol:/srv/data:ro",
            VOL_IMG,
            "sh",
            "-c",
            "cat /srv/data/added; echo x > /srv/data/y",
        ])
        .run();
    assert_ne!(out.code, 0);
    assert_eq!(out.stdout, "new\n");
    assert!(out.stderr.contains("Read-only"), "{}", out.stderr);
    let out = env
        .berth([
            "run",
            "--rm",
            "--mount",
            "type=volume,source=vol,target=/m,readonly",
            IMG,
            "sh",
            "-c",
            "cat /m/added; touch /m/z 2>/dev/null || echo refused",
        ])
        .ok();
    assert_eq!(out.stdout, "new\nrefused\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            "fresh:/srv/data:nocopy",
            VOL_IMG,
            "ls",
            "-A",
            "/srv/data",
        ])
        .ok();
    assert_eq!(out.stdout, "");
    let out = env
        .berth([
            "run",
            "--rm",
            "--mount",
            "type=volume,src=copied,dst=/srv/data",
            VOL_IMG,
            "ls",
            "/srv/data",
        ])
        .ok();
    assert_eq!(out.stdout, "link\nseed\n");
    assert_eq!(names(&env, &[]), "copied fresh vol");

    // ls --filter, exists.
    assert_eq!(names(&env, &["--filter", "label=k=v"]), "vol");
    assert_eq!(names(&env, &["--filter", "name=fr"]), "fresh");
    env.berth(["create", "--name", "holder", "-v", "vol:/x", IMG, "true"])
        .ok();
    assert_eq!(names(&env, &["--filter", "dangling=false"]), "vol");
    assert_eq!(env.berth(["volume", "exists", "vol"]).run().code, 0);
    assert_eq!(env.berth(["volume", "exists", "nosuch"]).run().code, 1);

    // In use: refused in one line naming the container, nothing lost;
    // prune leaves it; -f removes the container, then the volume.
    let out = env.berth(["volume", "rm", "vol"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("holder"), "{}", out.stderr);
    assert!(std::path::Path::new(&format!("{mountpoint}/added")).exists());
    let out = env.berth(["volume", "prune", "-f"]).ok();
    let mut pruned: Vec<&str> = out.stdout.lines().collect();
    pruned.sort();
    assert_eq!(pruned, ["copied", "fresh"]);
    assert_eq!(names(&env, &[]), "vol");
    let out = env.berth(["volume", "rm", "-f", "vol", "nosuch"]).ok();
    assert_eq!(out.stdout, "vol\n");
    assert_eq!(names(&env, &[]), "");
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, "");
    assert!(!env.root().join("volumes/vol").exists());
    assert_eq!(env.berth(["volume", "rm", "vol"]).run().code, 1);
});

each_identity!(bad_volume_input_is_refused_in_one_line, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth(["volume", "create", "kept"]).ok();
    let cases: &[&[&str]] = &[
        &["volume", "create", "a/b"],
        &["volume", "create", ".."],
        &["volume", "create", "kept"],
        &["volume", "create", "-l", "=v", "x"],
        &["run", "--rm", "-v", "../up:/x", IMG, "true"],
        &["run", "--rm", "-v", "a/b:/x", IMG, "true"],
        &["run", "--rm", "-v", "ok:/x:nosuch", IMG, "true"],
        &[
            "run",
            "--rm",
            "--mount",
            "type=volume,target=/x",
            IMG,
            "true",
        ],
        &["volume", "ls", "--filter", "nosuch=1"],
    ];
    for args in cases {
        let out = env.berth(args.iter().copied()).run();
        assert_eq!(out.code, 125, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
    }
    assert_eq!(names(&env, &[]), "kept");
    assert_eq!(
        env.berth(["volume", "create", "--ignore", "kept"])
            .ok()
            .stdout,
        "kept\n"
    );
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, "");
});

// A start killed while it filled a volume leaves `fill/` beside the
// still empty `_data`, and no `copied-up`: the next start throws that
// away and fills the volume whole.
each_identity!(a_copy_up_cut_short_is_done_again_whole, |who| {
    let Some(env) = env_with(who, &[vol_image()]) else {
        return;
    };
    env.berth(["volume", "create", "cut"]).ok();
    let dir = env.root().join("volumes/cut");
    let owner = std::fs::metadata(&dir).unwrap();
    let fill = dir.join("fill");
    std::fs::create_dir(&fill).unwrap();
    std::fs::write(fill.join("seed"), "half").unwrap();
    std::fs::write(fill.join("stray"), "left by a killed start").unwrap();
    for p in [&fill, &fill.join("seed"), &fill.join("stray")] {
        std::os::unix::fs::chown(p, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    let out = env
        .berth([
            "run",
            "--rm",
            "-v",
            "cut:/srv/data",
            VOL_IMG,
            "sh",
            "-c",
            "ls /srv/data; cat /srv/data/seed",
        ])
        .ok();
    assert_eq!(out.stdout, "link\nseed\nfrom the image\n");
    assert!(!fill.exists());
    assert!(dir.join("copied-up").exists());
    assert_eq!(
        std::fs::metadata(dir.join("_data/seed")).unwrap().size(),
        15
    );
});

// Anonymous volumes: `-v /path` and the image's VOLUME (unless a mount
// of the command line covers it) get a volume of their own, filled from
// the image; `--rm` and `rm -v` remove them, never a named one.
each_identity!(anonymous_volumes_go_with_their_container, |who| {
    let Some(env) = env_with(who, &[vol_image()]) else {
        return;
    };
    env.berth(["create", "--name", "base", VOL_IMG, "true"])
        .ok();
    env.berth([
        "commit",
        "-c",
        "VOLUME /srv/data",
        "base",
        "localhost/withvol:1",
    ])
    .ok();
    env.berth(["rm", "base"]).ok();
    let out = env
        .berth([
            "run",
            "--name",
            "a",
            "localhost/withvol:1",
            "sh",
            "-c",
            "cat /srv/data/seed; echo mine > /srv/data/mine",
        ])
        .ok();
    assert_eq!(out.stdout, "from the image\n");
    let anon = names(&env, &[]);
    assert_eq!(anon.len(), 64, "{anon}");
    let out = env
        .berth(["volume", "inspect", "--format", "{{.UsedBy}}", &anon])
        .ok();
    assert_eq!(out.stdout.trim(), "[a]");

    // --rm takes its own anonymous volumes (filled from the image with
    // owners a rootless user's berth cannot remove from outside).
    env.berth(["run", "--rm", "localhost/withvol:1", "true"])
        .ok();
    env.berth([
        "run",
        "--rm",
        "-v",
        "/scratch",
        IMG,
        "sh",
        "-c",
        "echo x > /scratch/f",
    ])
    .ok();
    assert_eq!(names(&env, &[]), anon);

    // A named volume over the image's VOLUME: no anonymous one.
    env.berth([
        "run",
        "--name",
        "b",
        "-v",
        "vol:/srv/data",
        "localhost/withvol:1",
        "true",
    ])
    .ok();
    let mut both = [anon.clone(), "vol".to_string()];
    both.sort();
    assert_eq!(names(&env, &[]), both.join(" "));

    // rm -v: the anonymous volume goes, the named one stays.
    let out = env.berth(["rm", "-v", "a", "b"]).ok();
    assert_eq!(out.stdout.lines().count(), 2);
    assert_eq!(names(&env, &[]), "vol");
    assert!(!env.root().join("volumes").join(&anon).exists());
});

// --volumes-from: another container's volumes and bind mounts at the
// same paths (`:ro` makes them read-only), not the files berth binds
// into every container; it counts as a user of the volume.
each_identity!(volumes_from_another_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.command("mkdir").arg("host").ok();
    std::fs::write(env.join("host/f"), "from the host\n").unwrap();
    let host = env.join("host").display().to_string();
    env.berth([
        "run",
        "--name",
        "src",
        "-v",
        "shared:/data",
        "-v",
        &format!("{host}:/h"),
        IMG,
        "sh",
        "-c",
        "echo one > /data/x",
    ])
    .ok();
    let out = env
        .berth([
            "run",
            "--name",
            "user",
            "--volumes-from",
            "src",
            IMG,
            "sh",
            "-c",
            "cat /data/x /h/f; echo two >> /data/x; grep -c ' /etc/hosts ' /proc/self/mountinfo",
        ])
        .ok();
    assert_eq!(out.stdout, "one\nfrom the host\n1\n");
    let out = env
        .berth([
            "run",
            "--rm",
            "--volumes-from",
            "src:ro",
            IMG,
            "sh",
            "-c",
            "cat /data/x; echo three >> /data/x 2>/dev/null || echo refused",
        ])
        .ok();
    assert_eq!(out.stdout, "one\ntwo\nrefused\n");
    env.berth(["rm", "src"]).ok();
    let out = env.berth(["volume", "rm", "shared"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("user"), "{}", out.stderr);
    let out = env
        .berth(["run", "--rm", "--volumes-from", "nosuch", IMG, "true"])
        .run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
});

// `:U` gives every file of the volume to the container's user, at each
// start (a user without subordinate ids has no uid 1000 to give).
each_identity!(volume_u_option_gives_it_to_the_user, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    env.berth([
        "run",
        "--rm",
        "-v",
        "uvol:/data",
        IMG,
        "sh",
        "-c",
        "mkdir /data/d && echo x > /data/d/f && ln -s /etc/passwd /data/l",
    ])
    .ok();
    let out = env
        .berth([
            "run",
            "--rm",
            "-u",
            "1000:1001",
            "-v",
            "uvol:/data:U",
            IMG,
            "sh",
            "-c",
            "stat -c '%u:%g %n' /data /data/d /data/d/f; stat -c '%u:%g' /etc/passwd; \
                 echo mine > /data/d/g && echo written",
        ])
        .run();
    if who == Who::NoSub {
        assert_eq!(out.code, 125, "{}\n{}", out.stdout, out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains("volume uvol"), "{}", out.stderr);
        return;
    }
    assert_eq!(
        out.stdout, "1000:1001 /data\n1000:1001 /data/d\n1000:1001 /data/d/f\n0:0\nwritten\n",
        "{}",
        out.stderr
    );
    let out = env
        .berth(["run", "--rm", "-v", "/h:/x:U", IMG, "true"])
        .run();
    assert_eq!(out.code, 125, "{}", out.stderr);
});

each_identity!(system_df_and_prune_count_volumes, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    // v1: 100,000 bytes, no user; v2: empty, used by a (stopped) container.
    env.berth(["volume", "create", "v1"]).ok();
    env.berth([
        "run",
        "--rm",
        "--network",
        "none",
        "-v",
        "v1:/data",
        IMG,
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/data/f",
        "bs=1000",
        "count=100",
    ])
    .ok();
    env.berth(["create", "--name", "c", "-v", "v2:/data", IMG, "true"])
        .ok();
    let row = || {
        let df = env.berth(["system", "df", "--format", "json"]).ok().json();
        df.as_array()
            .unwrap()
            .iter()
            .find(|r| r["Type"] == "Local Volumes")
            .unwrap_or_else(|| panic!("no volumes row: {df:#}"))
            .clone()
    };
    let v = row();
    assert_eq!(
        (v["Total"].as_u64(), v["Active"].as_u64()),
        (Some(2), Some(1)),
        "{v}"
    );
    assert_eq!(v["Size"], 100_000, "{v}");
    assert_eq!(v["Reclaimable"], 100_000, "{v}");
    // Without --volumes, system prune leaves volumes alone.
    let out = env.berth(["system", "prune", "-f"]).ok();
    assert!(!out.stdout.contains("Deleted Volumes"), "{}", out.stdout);
    assert_eq!(names(&env, &[]), "v1 v2");
    // With it, the unused ones go (v2 too, once its container has gone).
    let out = env.berth(["system", "prune", "-f", "--volumes"]).ok();
    assert!(
        out.stdout.contains("Deleted Volumes\nv1\nv2\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Total reclaimed space: 100"),
        "{}",
        out.stdout
    );
    assert_eq!(names(&env, &[]), "");
    let v = row();
    assert_eq!(
        (v["Total"].as_u64(), v["Size"].as_u64()),
        (Some(0), Some(0)),
        "{v}"
    );
});

each_identity!(
    volume_export_import_and_container_export_round_trip,
    |who| {
        let Some(env) = env_with(who, &[vol_image()]) else {
            return;
        };
        // A volume filled from the image (owners 1000:1000, or the user's
        // own without subordinate ids) and by the container.
        env.berth([
        "run",
 "--network",
 "none", "--name", "src", "-v", "vol:/srv/data", VOL_IMG, "sh", "-c",
        "echo mine > /srv/data/mine; mkdir /srv/data/sub; echo deep > /srv/data/sub/f; echo top > /top",
    ])
    .ok();
        let tar = env.join("vol.tar");
        env.berth(["volume", "export", "vol", "-o"]).arg(&tar).ok();
        // Into a new volume, and over an existing file of another one.
        env.berth(["volume", "create", "copy"]).ok();
        env.berth(["volume", "import", "copy"]).arg(&tar).ok();
        let bytes = std::fs::read(&tar).unwrap();
        env.berth(["volume", "create", "other"]).ok();
        env.berth([
            "run",
            "--network",
            "none",
            "--rm",
            "-v",
            "other:/d",
            IMG,
            "sh",
            "-c",
            "echo old > /d/mine; echo kept > /d/kept",
        ])
        .ok();
        env.berth(["volume", "import", "other", "-"])
            .stdin_bytes(bytes)
            .ok();
        let look =
            "cd /d && cat seed mine sub/f && readlink link && stat -c '%u:%g %a %n' seed sub";
        let want = |owners: &str, me: &str| {
            format!("from the image\nmine\ndeep\nseed\n{owners} 640 seed\n{me} 755 sub\n")
        };
        let owners = if who == Who::NoSub {
            "0:0"
        } else {
            "1000:1000"
        };
        for vol in ["copy", "other"] {
            let out = env
                .berth([
                    "run",
                    "--network",
                    "none",
                    "--rm",
                    "-v",
                    &format!("{vol}:/d"),
                    IMG,
                    "sh",
                    "-c",
                    look,
                ])
                .ok();
            assert_eq!(out.stdout, want(owners, "0:0"), "volume {vol}");
        }
        let out = env
            .berth([
                "run",
                "--network",
                "none",
                "--rm",
                "-v",
                "other:/d",
                IMG,
                "cat",
                "/d/kept",
            ])
            .ok();
        assert_eq!(out.stdout, "kept\n", "import adds to what a volume holds");

        // A tar that is not one changes nothing; a missing volume is named.
        let junk = env.join("junk.tar");
        std::fs::write(&junk, b"not a tar at all").unwrap();
        let out = env
            .berth(["volume", "import", "copy"])
            .arg(&junk)
            .fails(125);
        assert!(out.stderr.contains("volume copy"), "{}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        let out = env
            .berth([
                "run",
                "--network",
                "none",
                "--rm",
                "-v",
                "copy:/d",
                IMG,
                "sh",
                "-c",
                "ls /d | sort | tr '\\n' ' '",
            ])
            .ok();
        assert_eq!(out.stdout, "link mine seed sub ");
        let out = env
            .berth(["volume", "export", "nope", "-o"])
            .arg(env.join("n.tar"))
            .run();
        assert_ne!(out.code, 0);
        assert!(out.stderr.contains("nope"), "{}", out.stderr);

        // `export`: the container's file system, without its volumes.
        let ctar = env.join("c.tar");
        env.berth(["export", "-o"]).arg(&ctar).arg("src").ok();
        let list = env.command("tar").arg("-tf").arg(&ctar).ok().stdout;
        let names: Vec<&str> = list.lines().map(|l| l.trim_start_matches("./")).collect();
        for want in ["top", "bin/busybox", "srv/data/"] {
            assert!(names.contains(&want), "{want} missing from:\n{list}");
        }
        assert!(!names.iter().any(|n| n.contains("mine")), "{list}");
        let out = env.command("tar").arg("-xOf").arg(&ctar).arg("top").run();
        let out = if out.code == 0 {
            out
        } else {
            env.command("tar").arg("-xOf").arg(&ctar).arg("./top").ok()
        };
        assert_eq!(out.stdout, "top\n");
        let out = env
            .berth([
                "events",
                "--stream=false",
                "--filter",
                "event=export",
                "--format",
                "{{.Name}}",
            ])
            .ok();
        assert_eq!(out.stdout, "src\n");
    }
);
