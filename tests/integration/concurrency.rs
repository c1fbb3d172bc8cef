//! Many berth processes share one store: eight at once load, tag and
//! remove overlapping images (all over one busybox base, some the same
//! image), round after round. Every command that reports success has its
//! result in the store afterwards, nothing else changes, and `system
//! check` finds the store whole. In particular the garbage collection of
//! `rmi` never takes a layer that a concurrent `load` is about to use.

use crate::fixtures::*;
use crate::util::{Running, TestEnv};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How many processes run at once, and how many rounds.
const PROCS: usize = 8;
const ROUNDS: usize = 10;
/// Distinct images (archives) the loads choose from.
const IMAGES: usize = 6;

/// What a command does to the names of the store when it succeeds.
#[derive(Debug, Clone)]
enum Effect {
    /// `load -i img{i}.tar`: `localhost/conc/img{i}:1` names image `i`.
    Load(usize),
    /// `tag SRC DST`: DST names what SRC names.
    Tag(String, String),
    /// `rmi NAME`: NAME names nothing (and an image left without a name
    /// is gone).
    Rmi(String),
}

fn image_name(i: usize) -> String {
    format!("localhost/conc/img{i}:1")
}

#[test]
fn eight_processes_load_tag_and_remove_in_one_store() {
    let env = TestEnv::new();
    let specs: Vec<ImageSpec> = (0..IMAGES)
        .map(|i| {
            ImageSpec::busybox(&image_name(i)).layer(small_layer(
                &format!("conc{i}"),
                &format!("image {i}\n").repeat(200 * (i + 1)),
            ))
        })
        .collect();
    let archives: Vec<PathBuf> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| docker_archive(&env, &format!("img{i}.tar"), std::slice::from_ref(s)))
        .collect();
    let mut rng = Rng::new(0x5eed_c0c0);
    // name -> image ID (hex), as the store must hold it.
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for round in 0..ROUNDS {
        // Plan the round so that its outcome does not depend on the order
        // the processes run in: a name being removed is neither loaded nor
        // used as a tag source in the same round.
        let mut present: Vec<String> = expected.keys().cloned().collect();
        shuffle(&mut present, &mut rng);
        let rmis: Vec<String> = present.iter().take(2 + round % 2).cloned().collect();
        let sources: Vec<String> = present.iter().skip(rmis.len()).take(2).cloned().collect();
        let mut effects: Vec<Effect> = Vec::new();
        effects.extend(rmis.iter().map(|n| Effect::Rmi(n.clone())));
        for (k, src) in sources.iter().enumerate() {
            effects.push(Effect::Tag(
                src.clone(),
                format!("localhost/conc/t{round}x{k}:1"),
            ));
        }
        // The rest load, two by two the same archive, so that two
        // processes race for the same layers (and all for the base).
        let loadable: Vec<usize> = (0..IMAGES)
            .filter(|i| !rmis.contains(&image_name(*i)))
            .collect();
        while effects.len() < PROCS {
            let i = loadable[rng.below(loadable.len() as u64) as usize];
            effects.push(Effect::Load(i));
            if effects.len() < PROCS {
                effects.push(Effect::Load(i));
            }
        }
        shuffle(&mut effects, &mut rng);

        let running: Vec<(Effect, Running)> = effects
            .iter()
            .map(|e| {
                let cmd = match e {
                    Effect::Load(i) => env.berth(["load", "-i"]).arg(&archives[*i]),
                    Effect::Tag(src, dst) => env.berth(["tag", src, dst]),
                    Effect::Rmi(n) => env.berth(["rmi", n]),
                };
                (e.clone(), cmd.spawn())
            })
            .collect();
        let mut failures = Vec::new();
        let mut succeeded = Vec::new();
        for (e, r) in running {
            let out = r.wait();
            if out.code == 0 && out.signal.is_none() {
                succeeded.push(e);
            } else {
                failures.push(format!(
                    "{}: exit {}\n{}{}",
                    out.describe, out.code, out.stdout, out.stderr
                ));
            }
            assert!(
                !out.stderr.contains("panicked"),
                "{}: {}",
                out.describe,
                out.stderr
            );
        }
        // What succeeded must show. Rmis first: their names are disjoint
        // from the loads' and the tags' in this round.
        for e in &succeeded {
            if let Effect::Rmi(n) = e {
                expected.remove(n);
            }
        }
        for e in &succeeded {
            match e {
                Effect::Load(i) => {
                    expected.insert(image_name(*i), specs[*i].id().hex().to_string());
                }
                Effect::Tag(src, dst) => {
                    let id = expected[src].clone();
                    expected.insert(dst.clone(), id);
                }
                Effect::Rmi(_) => {}
            }
        }
        let listed = env
            .berth(["images", "--format", "{{.Repository}}:{{.Tag}} {{.Id}}"])
            .ok();
        let actual: BTreeMap<String, String> = listed
            .lines()
            .iter()
            .map(|l| {
                let (n, id) = l.split_once(' ').unwrap();
                (n.to_string(), id.to_string())
            })
            .collect();
        assert_eq!(
            actual, expected,
            "round {round}: the store's names differ from what the commands reported\n\
             commands: {effects:?}\nfailed: {failures:#?}"
        );
        let check = env.berth(["system", "check"]).run();
        assert_eq!(
            check.code, 0,
            "round {round}: system check after {effects:?}:\n{}{}",
            check.stdout, check.stderr
        );
        // No command should fail: each has what it needs in this round.
        assert!(
            failures.is_empty(),
            "round {round}: commands failed:\n{}",
            failures.join("\n")
        );
    }
    // Every image the store lists is whole: it saves and its layers hash
    // to their diffIDs.
    let ids: std::collections::BTreeSet<&String> = expected.values().collect();
    for id in ids {
        let spec = specs.iter().find(|s| s.id().hex() == id).unwrap();
        let out = env.join(format!("{id}.tar"));
        env.berth(["save", "-o"]).arg(&out).arg(id).ok();
        let found = read_archive(&out);
        assert_eq!(found[0].layer_digests, spec_diff_ids(spec));
    }
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        v.swap(i, j);
    }
}
