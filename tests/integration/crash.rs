//! A crash at any instant leaves the old state or the new one (DESIGN.md
//! §2): `load`, `pull`, `build`, `commit`, `create`, `rmi` and `image
//! prune` are killed with SIGKILL (their whole process group) at points
//! over their run chosen by a seeded generator; only kills that land while
//! the command runs count. After each kill the store lists only whole
//! images (each saves with layers that hash to their diffIDs) and
//! containers that `inspect` reads, `system check` is clean, and the same
//! command then succeeds, leaving nothing in `tmp/`.

use crate::fixtures::*;
use crate::identity::IMG;
use crate::registry_util::{Auth, Registry};
use crate::util::{Cmd, TestEnv};
use std::time::Instant;

/// The loaded image of the `load`, `pull`, `rmi` and `image prune` cases.
const BIG: &str = "localhost/crash/big:1";

/// An image of four layers, each a few files of generated data (3 MB a
/// layer), some compressed, so that a load takes long enough to
/// be killed in every phase: spooling, extraction, commit.
fn big_image(rng: &mut Rng) -> ImageSpec {
    let mut spec = ImageSpec::empty();
    spec.repo_tags.push(BIG.into());
    spec.cmd = Some(vec!["sh".into()]);
    for l in 0..4 {
        let mut b = LayerBuilder::new().dir(&format!("layer{l}"), 0o755);
        for f in 0..12 {
            // Half random (incompressible), half repetitive.
            let mut data = rng.bytes(128 * 1024);
            data.extend(std::iter::repeat_n(b'a' + l as u8, 128 * 1024));
            b = b.file(&format!("layer{l}/file{f}"), data, 0o644);
        }
        let tar = b.tar_bytes();
        spec.layers.push(match l {
            1 => LayerBlob::gzip(tar),
            3 => LayerBlob::zstd(tar),
            _ => LayerBlob::plain(tar),
        });
    }
    spec
}

/// Assert that the store holds only whole images and containers: each
/// image listed (intermediate ones too) saves with layers that hash to
/// its diffIDs, each container listed can be inspected, and `system
/// check` is clean. Returns the image ids.
#[track_caller]
fn assert_whole(env: &TestEnv, what: &str) -> Vec<String> {
    let out = env.berth(["images", "-a", "-q", "--no-trunc"]).ok();
    let ids: Vec<String> = out.lines().iter().map(|s| s.to_string()).collect();
    for id in &ids {
        let saved = env.join("saved.tar");
        env.berth(["save", "-o"]).arg(&saved).arg(id).ok();
        let found = read_archive(&saved);
        assert_eq!(found.len(), 1, "{what}: {id}");
        assert_eq!(&found[0].id, id, "{what}");
        assert_eq!(
            found[0].layer_digests, found[0].diff_ids,
            "{what}: image {id} saves with damaged layers"
        );
    }
    let out = env.berth(["ps", "-a", "-q", "--no-trunc"]).ok();
    for c in out.lines() {
        env.berth(["container", "inspect", c]).ok();
    }
    let check = env.berth(["system", "check"]).run();
    assert_eq!(
        check.code, 0,
        "{what}: system check:\n{}{}",
        check.stdout, check.stderr
    );
    ids
}

fn dir_is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// After `rmi -a -f` and `system prune -f`: whatever earlier kills left,
/// garbage collection took it: no layer, no link, no blob, nothing staged.
#[track_caller]
fn empty_the_store(env: &TestEnv) {
    env.berth(["rmi", "-a", "-f"]).ok();
    env.berth(["system", "prune", "-f"]).ok();
    let left: Vec<String> = store_listing(&env.root())
        .into_keys()
        .filter(|p| {
            ["overlay/", "blobs/sha256/", "tmp/"]
                .iter()
                .any(|d| p.starts_with(d))
                && p != "overlay/l"
        })
        .collect();
    assert!(left.is_empty(), "after rmi -a and prune: {left:?}");
    assert!(dir_is_empty(&env.root().join("tmp")));
}

/// One command to kill, and how many of its kills must land.
struct Crash<'a> {
    /// For messages.
    name: &'a str,
    env: &'a TestEnv,
    /// Kills that must land while the command runs (a run that finishes
    /// first does not count).
    kills: usize,
    /// Give up after this many attempts.
    max_attempts: usize,
    /// Runs timed to find how long the command takes (the median is used;
    /// the disk is noisy, see PEERS.md).
    timed_runs: usize,
}

/// Run `command` again and again, each time after `prepare(attempt)`
/// (attempt 1, 2, …; the timed runs get odd numbers), killing its process
/// group with SIGKILL after a random part of its usual duration. After
/// each run the store must be whole ([`assert_whole`]) and `after_kill`
/// holds; the same command then succeeds, `done` checks what it made, the
/// store is whole again, `tmp/` is empty and no temporary file is left
/// anywhere else.
fn kill_at_random_points(
    c: &Crash,
    rng: &mut Rng,
    mut prepare: impl FnMut(usize),
    command: impl Fn() -> Cmd,
    mut after_kill: impl FnMut(&str),
    mut done: impl FnMut(&str),
) {
    let env = c.env;
    let mut times = Vec::new();
    for i in 0..c.timed_runs {
        prepare(2 * i + 1);
        let started = Instant::now();
        command().ok();
        times.push(started.elapsed());
    }
    times.sort();
    let full = times[times.len() / 2];
    let mut kills = 0;
    let mut attempts = 0;
    let mut delays = Vec::new();
    while kills < c.kills {
        attempts += 1;
        assert!(
            attempts <= c.max_attempts,
            "{}: only {kills} of {} runs were killed before finishing (a run takes {full:?})",
            c.name,
            attempts - 1
        );
        prepare(attempts);
        let delay = full.mul_f64(rng.below(1000) as f64 / 1000.0);
        let running = command().spawn();
        std::thread::sleep(delay);
        // The whole process group (`Cmd` starts each command in one of
        // its own): berth and any thread or child of it.
        let group = nix::unistd::Pid::from_raw(running.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let out = running.wait();
        let what = format!("{}: attempt {attempts}, killed after {delay:?}", c.name);
        match out.signal {
            Some(libc::SIGKILL) => {
                kills += 1;
                delays.push(delay);
            }
            _ => out.assert_code(0),
        }
        assert_whole(env, &what);
        after_kill(&what);
        // The same command then succeeds; being the next writer, it
        // removed what the killed one left in tmp/, and no temporary file
        // is left anywhere else.
        let again = command().run();
        if again.code != 0 || again.signal.is_some() {
            eprintln!("{what}: the same command, run again, failed:");
        }
        again.assert_code(0);
        done(&what);
        assert_whole(env, &format!("{what}, run again"));
        assert!(
            dir_is_empty(&env.root().join("tmp")),
            "{what}: tmp/ not emptied"
        );
        let stray: Vec<String> = store_listing(&env.root())
            .into_keys()
            .filter(|p| p.contains(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{what}: {stray:?}");
    }
    eprintln!(
        "{}: killed {kills} runs of {attempts} (a run takes {full:?}) after {delays:?}",
        c.name
    );
}

#[test]
fn load_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0xc7a5_4ed1);
    let env = TestEnv::new();
    let spec = big_image(&mut rng);
    let archive = env.join("big.tar");
    write_oci_archive(&archive, std::slice::from_ref(&spec));
    let crash = Crash {
        name: "load",
        env: &env,
        kills: 20,
        max_attempts: 60,
        timed_runs: 5,
    };
    let only_spec = |what: &str| {
        let ids = assert_whole(&env, what);
        for id in ids {
            assert_eq!(id, spec.id().to_string(), "{what}: a stray image is listed");
        }
    };
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            // Every other round starts from a store that already holds
            // some layers of the image (what an earlier killed load
            // left), the others from an empty one.
            only_spec("before the load");
            if attempt % 2 == 1 {
                empty_the_store(&env);
            } else {
                env.berth(["rmi", "-i", BIG]).ok();
            }
        },
        || env.berth(["load", "-i"]).arg(&archive),
        |_| {},
        |what| {
            assert_eq!(berth_id(&env, BIG), spec.id().hex(), "{what}");
            only_spec(what);
        },
    );
}

#[test]
fn pull_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0x9011_c4a5);
    let reg = Registry::start(Auth::None);
    let name = format!("{}/crash/big:1", reg.host());
    let spec = big_image(&mut rng).tag(&name);
    let src = TestEnv::new();
    berth_load(
        &src,
        &docker_archive(&src, "big.tar", std::slice::from_ref(&spec)),
    );
    src.berth(["push", "-q", &name]).ok();
    let env = TestEnv::new();
    let crash = Crash {
        name: "pull",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            if attempt % 2 == 1 {
                empty_the_store(&env);
            } else {
                env.berth(["rmi", "-i", &name]).ok();
            }
        },
        || env.berth(["pull", "-q", &name]),
        |_| {},
        |what| assert_eq!(berth_id(&env, &name), spec.id().hex(), "{what}"),
    );
}

#[test]
fn rmi_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0x4e31_07d2);
    let env = TestEnv::new();
    let spec = big_image(&mut rng);
    let archive = docker_archive(&env, "big.tar", std::slice::from_ref(&spec));
    let crash = Crash {
        name: "rmi",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            if attempt % 2 == 1 {
                empty_the_store(&env);
            }
            berth_load(&env, &archive);
        },
        || env.berth(["rmi", "-i", BIG]),
        |_| {},
        |what| {
            let out = env.berth(["images", "-a", "-q"]).ok();
            assert_eq!(out.stdout, "", "{what}: an image is left");
        },
    );
}

#[test]
fn image_prune_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0x7f0e_5b19);
    let env = TestEnv::new();
    let spec = big_image(&mut rng);
    let archive = docker_archive(&env, "big.tar", std::slice::from_ref(&spec));
    let crash = Crash {
        name: "image prune",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            if attempt % 2 == 1 {
                empty_the_store(&env);
            }
            // A dangling image, which prune removes.
            berth_load(&env, &archive);
            env.berth(["untag", BIG]).ok();
        },
        || env.berth(["image", "prune", "-f"]),
        |_| {},
        |what| {
            let out = env.berth(["images", "-a", "-q"]).ok();
            assert_eq!(out.stdout, "", "{what}: an image is left");
        },
    );
}

/// An environment (root) holding busybox as `IMG`.
fn busybox_env() -> TestEnv {
    let env = TestEnv::new();
    let archive = docker_archive(&env, "busybox.tar", &[ImageSpec::busybox(IMG)]);
    berth_load(&env, &archive);
    env
}

/// Every container listed runs: `start -a` prints `want`. Returns how
/// many there are.
#[track_caller]
fn assert_containers_run(env: &TestEnv, want: &str, what: &str) -> usize {
    let out = env.berth(["ps", "-a", "-q", "--no-trunc"]).ok();
    for c in out.lines() {
        let ran = env.berth(["start", "-a", c]).ok();
        assert_eq!(ran.stdout, want, "{what}: container {c}");
    }
    out.lines().len()
}

#[test]
fn create_killed_at_random_points_leaves_only_whole_containers() {
    let mut rng = Rng::new(0x0c4e_a7e1);
    let env = busybox_env();
    let crash = Crash {
        name: "create",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    let busybox = berth_id(&env, IMG);
    kill_at_random_points(
        &crash,
        &mut rng,
        |_| {
            env.berth(["rm", "-a", "-f"]).ok();
        },
        || env.berth(["create", "--name", "made", IMG, "echo", "made"]),
        |what| {
            // Either the killed create made a container that runs, or it
            // left its name free.
            if assert_containers_run(&env, "made\n", what) == 1 {
                env.berth(["rm", "made"]).ok();
            }
        },
        |what| {
            assert_eq!(assert_containers_run(&env, "made\n", what), 1, "{what}");
            assert_eq!(berth_id(&env, IMG), busybox, "{what}");
        },
    );
}

/// 24 files of 256 KiB from /dev/urandom below `/w`.
const MAKE_FILES: &str = "mkdir -p /w && for i in $(seq 1 24); do \
                          dd if=/dev/urandom of=/w/f$i bs=64k count=4 2>/dev/null || exit 1; done";
const MADE_BYTES: &str = "6291456";

#[test]
fn commit_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0xc0_3317);
    let env = busybox_env();
    // A stopped container with a writable layer of 6 MiB.
    env.berth(["run", "--name", "src", IMG, "sh", "-c", MAKE_FILES])
        .ok();
    let committed = "localhost/crash/committed:1";
    let crash = Crash {
        name: "commit",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            // Every other round from a store without earlier commits.
            if attempt % 2 == 1 {
                env.berth(["rmi", "-i", committed]).ok();
                env.berth(["image", "prune", "-f"]).ok();
            }
        },
        || env.berth(["commit", "src", committed]),
        |_| {},
        |what| {
            let out = env
                .berth(["run", "--rm", committed, "sh", "-c", "cat /w/* | wc -c"])
                .ok();
            assert_eq!(out.stdout.trim(), MADE_BYTES, "{what}");
            let out = env.berth(["ps", "-a", "--format", "{{.Names}}"]).ok();
            assert_eq!(out.lines(), ["src"], "{what}");
        },
    );
}

#[test]
fn build_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0xb017_d5ee);
    let env = busybox_env();
    let ctx = env.join("ctx");
    std::fs::create_dir_all(ctx.join("data")).unwrap();
    let mut data_bytes = 0;
    for f in 0..8 {
        let data = rng.bytes(256 * 1024);
        data_bytes += data.len();
        std::fs::write(ctx.join(format!("data/d{f}")), data).unwrap();
    }
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {IMG}\nRUN {MAKE_FILES}\nCOPY data/ /data/\nENV CRASH=1\n\
             RUN cat /w/* /data/* | wc -c > /size\n"
        ),
    )
    .unwrap();
    let built = "localhost/crash/built:1";
    let want = MADE_BYTES.parse::<usize>().unwrap() + data_bytes;
    let crash = Crash {
        name: "build",
        env: &env,
        kills: 5,
        max_attempts: 20,
        timed_runs: 3,
    };
    let busybox = berth_id(&env, IMG);
    kill_at_random_points(
        &crash,
        &mut rng,
        |attempt| {
            // Every other round from a store without the built image and
            // its cached steps; the others reuse what is cached.
            env.berth(["rmi", "-i", built]).ok();
            if attempt % 2 == 1 {
                env.berth(["system", "prune", "-f"]).ok();
            }
        },
        || env.berth(["build", "-q", "-t", built]).arg(&ctx),
        |_| {},
        |what| {
            let out = env.berth(["run", "--rm", built, "cat", "/size"]).ok();
            assert_eq!(out.stdout.trim(), want.to_string(), "{what}");
            assert_eq!(berth_id(&env, IMG), busybox, "{what}");
            // A build's step containers go with it, killed or not.
            let left = env.berth(["ps", "-a", "-q"]).ok();
            if !left.stdout.is_empty() {
                let listing = env.berth(["ps", "-a"]).ok();
                panic!("{what}: containers are left:\n{}", listing.stdout);
            }
        },
    );
}

/// The image of the copy-up case: busybox with `/data` holding
/// [`COPY_UP_FILES`] files of 8 KiB of generated data.
const COPY_UP_IMG: &str = "localhost/crash/volume:1";
const COPY_UP_FILES: usize = 600;

/// Whether volume dir `dir`'s `_data` is empty, or holds every file of
/// the image whole: how many of them it holds.
#[track_caller]
fn volume_files(dir: &std::path::Path, what: &str) -> usize {
    let Ok(rd) = std::fs::read_dir(dir.join("_data")) else {
        return 0;
    };
    let mut n = 0;
    for e in rd {
        let e = e.unwrap();
        let size = e.metadata().unwrap().len();
        assert_eq!(size, 8192, "{what}: {} is cut short", e.path().display());
        n += 1;
    }
    assert!(
        n == 0 || n == COPY_UP_FILES,
        "{what}: the volume holds {n} of the image's {COPY_UP_FILES} files"
    );
    n
}

#[test]
fn copy_up_killed_at_random_points_leaves_a_volume_empty_or_whole() {
    let mut rng = Rng::new(0x0c09_1e5f);
    let env = TestEnv::new();
    let mut spec = ImageSpec::busybox(COPY_UP_IMG);
    spec.repo_tags.retain(|t| t != IMG);
    let mut layer = LayerBuilder::new().dir("data", 0o755);
    for f in 0..COPY_UP_FILES {
        layer = layer.file(&format!("data/f{f}"), rng.bytes(8192), 0o644);
    }
    let spec = spec.layer(LayerBlob::plain(layer.tar_bytes()));
    let archive = docker_archive(&env, "volume.tar", &[spec]);
    berth_load(&env, &archive);
    let crash = Crash {
        name: "run -v (copy-up)",
        env: &env,
        kills: 10,
        max_attempts: 40,
        timed_runs: 3,
    };
    let dir = env.root().join("volumes/cv");
    kill_at_random_points(
        &crash,
        &mut rng,
        |_| {
            // What killed runs left (their containers) and the volume:
            // each run fills a new one.
            env.berth(["rm", "-a", "-f"]).ok();
            env.berth(["volume", "rm", "-f", "cv"]).ok();
        },
        || {
            env.berth([
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                "cv:/data",
                COPY_UP_IMG,
                "true",
            ])
        },
        |what| {
            let n = volume_files(&dir, what);
            if dir.join("copied-up").exists() {
                assert_eq!(n, COPY_UP_FILES, "{what}: marked filled");
            }
        },
        |what| {
            assert_eq!(volume_files(&dir, what), COPY_UP_FILES, "{what}");
            assert!(dir.join("copied-up").exists(), "{what}");
        },
    );
}
