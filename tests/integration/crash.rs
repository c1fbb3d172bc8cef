//! A crash at any instant leaves the old state or the new one (DESIGN.md
//! §2): `load` of a multi-layer archive is killed with SIGKILL at many
//! points over its run, chosen by a seeded generator. After each kill the
//! store lists only whole images (each saves with layers that hash to
//! their diffIDs), `system check` is clean, and the same `load` succeeds.

use crate::fixtures::*;
use crate::util::TestEnv;
use std::time::Instant;

/// Kills that must land while the load runs (the load finishing first
/// does not count).
const KILLS: usize = 20;
/// Give up after this many attempts.
const MAX_ATTEMPTS: usize = 60;

/// An image of four layers, each a few files of generated data (3 MB a
/// layer), some compressed, so that a load takes long enough to
/// be killed in every phase: spooling, extraction, commit.
fn big_image(rng: &mut Rng) -> ImageSpec {
    let mut spec = ImageSpec::empty();
    spec.repo_tags.push("localhost/crash/big:1".into());
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

/// Assert that the store holds only whole images: each listed one is
/// `spec` and saves intact, and `system check` is clean.
#[track_caller]
fn assert_whole(env: &TestEnv, spec: &ImageSpec, what: &str) {
    let out = env.berth(["images", "-q", "--no-trunc"]).ok();
    for id in out.lines() {
        assert_eq!(id, spec.id().to_string(), "{what}: a stray image is listed");
        let saved = env.join("saved.tar");
        env.berth(["save", "-o"]).arg(&saved).arg(id).ok();
        let found = read_archive(&saved);
        assert_eq!(found[0].layer_digests, spec_diff_ids(spec), "{what}");
    }
    let check = env.berth(["system", "check"]).run();
    assert_eq!(
        check.code, 0,
        "{what}: system check:\n{}{}",
        check.stdout, check.stderr
    );
}

fn dir_is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

#[test]
fn load_killed_at_random_points_leaves_only_whole_images() {
    let mut rng = Rng::new(0xc7a5_4ed1);
    let env = TestEnv::new();
    let spec = big_image(&mut rng);
    let archive = env.join("big.tar");
    write_oci_archive(&archive, std::slice::from_ref(&spec));

    // How long a whole load takes here, into this store emptied: the
    // median of five (the disk is noisy, see PEERS.md).
    let mut times = Vec::new();
    for _ in 0..5 {
        env.berth(["rmi", "-a", "-f"]).ok();
        let started = Instant::now();
        berth_load(&env, &archive);
        times.push(started.elapsed());
    }
    times.sort();
    let full = times[2];
    let mut kills = 0;
    let mut attempts = 0;
    let mut delays = Vec::new();
    while kills < KILLS {
        attempts += 1;
        assert!(
            attempts <= MAX_ATTEMPTS,
            "only {kills} of {attempts} loads were killed before finishing (a load takes {full:?})"
        );
        // Every other round starts from a store that already holds some
        // layers of the image (what an earlier killed load left), the
        // others from an empty one.
        if attempts % 2 == 1 {
            env.berth(["rmi", "-a", "-f"]).ok();
            env.berth(["system", "prune", "-f"]).ok();
            // Whatever earlier kills left, garbage collection took it: no
            // layer, no link, no blob, nothing staged.
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
        } else {
            env.berth(["rmi", "-i", "localhost/crash/big:1"]).ok();
        }
        let delay = full.mul_f64(rng.below(1000) as f64 / 1000.0);
        let load = env.berth(["load", "-i"]).arg(&archive).spawn();
        std::thread::sleep(delay);
        let pid = nix::unistd::Pid::from_raw(load.id() as i32);
        // The whole process group: berth and any thread or child of it.
        let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
        let out = load.wait();
        let what = format!("attempt {attempts}, killed after {delay:?}");
        match out.signal {
            Some(9) => {
                kills += 1;
                delays.push(delay);
            }
            _ => out.assert_code(0),
        }
        assert_whole(&env, &spec, &what);
        // The same load then succeeds and gives the whole image; being
        // the next writer, it removed what the killed one left in tmp/,
        // and no temporary file is left anywhere else.
        berth_load(&env, &archive);
        assert_eq!(
            berth_id(&env, "localhost/crash/big:1"),
            spec.id().hex(),
            "{what}"
        );
        assert_whole(&env, &spec, &format!("{what}, loaded again"));
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
    eprintln!("killed {kills} loads of {attempts} (a load takes {full:?}) after {delays:?}");
}
