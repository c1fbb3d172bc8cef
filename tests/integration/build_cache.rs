//! `build --cache-to` and `--cache-from`: a registry cache written by one
//! store and read by another, empty one; only the layers a build needs are
//! fetched, a changed source reruns its step and the later ones, and an
//! entry whose content does not match its digest is never used.

use crate::identity::*;
use crate::registry_util::{Auth, FaultProxy, Faults, Registry};
use crate::util::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// A builder stage whose files only a cached `COPY --from` uses, then a
/// final stage of COPY, RUN, a RUN with a bind mount of the context, COPY
/// and ENV: 10 steps, 8 of them after a FROM.
fn dockerfile(base: &str) -> String {
    format!(
        "FROM {base} AS builder\n\
         RUN echo built > /built.txt\n\
         RUN echo more > /more.txt\n\
         FROM {base}\n\
         COPY --from=builder /built.txt /app/built.txt\n\
         COPY a.txt /app/a.txt\n\
         RUN cat /app/a.txt /app/built.txt > /app/joined.txt\n\
         RUN --mount=type=bind,source=b.txt,target=/mnt/b.txt cp /mnt/b.txt /app/bound.txt\n\
         COPY b.txt /app/b.txt\n\
         ENV DONE=1\n"
    )
}

const STEPS: usize = 8;

fn context(env: &TestEnv, name: &str, base: &str, a: &str) -> PathBuf {
    let ctx = env.join(name);
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("Dockerfile"), dockerfile(base)).unwrap();
    fs::write(ctx.join("a.txt"), a).unwrap();
    fs::write(ctx.join("b.txt"), "b1\n").unwrap();
    ctx
}

/// An environment of `who` whose store is empty.
fn empty_env(who: Who) -> TestEnv {
    let env = env_with(who, &[]).expect("the first environment was made");
    env.berth(["rmi", IMG]).ok();
    assert_eq!(env.berth(["images", "-aq"]).ok().stdout, "");
    env
}

fn raw(reference: &str) -> serde_json::Value {
    skopeo([
        "inspect",
        "--tls-verify=false",
        "--raw",
        &format!("docker://{reference}"),
    ])
    .ok()
    .json()
}

fn layers_of(manifest: &serde_json::Value) -> BTreeSet<String> {
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_string())
        .collect()
}

/// Digests of the blobs fetched (`GET`) from `repo` through `proxy`.
fn blob_gets(proxy: &FaultProxy, repo: &str) -> BTreeSet<String> {
    let needle = format!("GET /v2/{repo}/blobs/");
    proxy
        .seen()
        .iter()
        .filter_map(|l| {
            let at = l.find(&needle)? + needle.len();
            Some(l[at..].chars().take(71).collect::<String>())
        })
        .collect()
}

fn id_of(env: &TestEnv, image: &str) -> String {
    env.berth(["inspect", "--format", "{{.Id}}", image])
        .ok()
        .stdout
        .trim()
        .to_string()
}

fn using_cache(out: &Output) -> usize {
    out.lines()
        .iter()
        .filter(|l| l.starts_with("--> Using cache "))
        .count()
}

fn cat(env: &TestEnv, image: &str, file: &str) -> String {
    env.berth(["run", "--rm", image, "cat", file]).ok().stdout
}

/// A registry holding the test image as `test/base:1`, pushed from `a`,
/// and a context in `a`: (registry, base reference, context).
fn setup(a: &TestEnv) -> (Registry, String, PathBuf) {
    let reg = Registry::start(Auth::None);
    let base = format!("{}/test/base:1", reg.host());
    a.berth(["tag", IMG, &base]).ok();
    a.berth(["push", "-q", &base]).ok();
    let ctx = context(a, "ctx", &base, "a1\n");
    (reg, base, ctx)
}

fn round_trip(who: Who) {
    let Some(a) = env_with(who, &[]) else {
        return;
    };
    let (reg, base, ctx) = setup(&a);
    let cache = format!("{}/test/cache", reg.host());

    // Store A writes every step to the cache (Podman's syntax, the
    // default mode), and the --label step too.
    let out = a
        .berth([
            "build",
            "--cache-to",
            &cache,
            "--label",
            "ci=1",
            "-t",
            "app",
        ])
        .arg(&ctx)
        .ok();
    assert!(
        out.stdout.contains(&format!(
            "Cache written to {cache}:buildcache: {} steps",
            STEPS + 1
        )),
        "{}",
        out.stdout
    );
    let id_a = id_of(&a, "app");
    let index = raw(&format!("{cache}:buildcache"));
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(index["annotations"]["dev.berth.cache"], "v1");
    let entries = index["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), STEPS + 1, "{index}");
    let mut all_layers = BTreeSet::new();
    let mut final_layers = None;
    for e in entries {
        assert!(e["annotations"]["dev.berth.cache.key"]
            .as_str()
            .unwrap()
            .starts_with("sha256:"));
        let m = raw(&format!("{cache}@{}", e["digest"].as_str().unwrap()));
        all_layers.extend(layers_of(&m));
        if m["config"]["digest"].as_str().unwrap().ends_with(&id_a) {
            final_layers = Some(layers_of(&m));
        }
    }
    let final_layers = final_layers.expect("the final image is in the cache");
    let base_layers = layers_of(&raw(&base));
    let builder_only: BTreeSet<_> = all_layers.difference(&final_layers).cloned().collect();
    assert_eq!(builder_only.len(), 2, "the builder's two RUN layers");

    // Store B, empty, with its own copy of the sources (new times), takes
    // every step from the cache: the same image, and only the final
    // image's layers fetched (the base's came with FROM), never the
    // builder stage's.
    let proxy = FaultProxy::start(reg.port, Faults::default());
    let via = format!("{}/test/cache", proxy.host());
    let b = empty_env(who);
    let ctx_b = context(&b, "ctx", &base, "a1\n");
    let out = b
        .berth([
            "build",
            "--cache-from",
            &via,
            "--label",
            "ci=1",
            "-t",
            "app",
        ])
        .arg(&ctx_b)
        .ok();
    assert_eq!(using_cache(&out), STEPS, "{}", out.stdout);
    assert_eq!(id_of(&b, "app"), id_a);
    let needed: BTreeSet<_> = final_layers.difference(&base_layers).cloned().collect();
    let fetched: BTreeSet<_> = blob_gets(&proxy, "test/cache")
        .intersection(&all_layers)
        .cloned()
        .collect();
    assert_eq!(fetched, needed, "layer blobs fetched from the cache");
    assert_eq!(cat(&b, "app", "/app/joined.txt"), "a1\nbuilt\n");
    b.berth(["system", "check"]).ok();

    // Store C, empty, with a.txt changed: the builder stage and the
    // COPY --from come from the cache, COPY a.txt and what follows run.
    // It writes its own cache to the same repository: the builder's
    // entries, never fetched, are in it by their manifests.
    let proxy = FaultProxy::start(reg.port, Faults::default());
    let via = format!("{}/test/cache", proxy.host());
    let c = empty_env(who);
    let ctx_c = context(&c, "ctx", &base, "a2\n");
    let out = c
        .berth(["build", "--cache-from", &via, "--cache-to"])
        .arg(format!("{via}:c"))
        .args(["-t", "app"])
        .arg(&ctx_c)
        .ok();
    assert_eq!(using_cache(&out), 3, "{}", out.stdout);
    assert_ne!(id_of(&c, "app"), id_a);
    assert_eq!(cat(&c, "app", "/app/joined.txt"), "a2\nbuilt\n");
    let fetched = blob_gets(&proxy, "test/cache");
    assert!(
        fetched.is_disjoint(&builder_only),
        "the builder's layers were fetched: {fetched:?}"
    );
    let written = raw(&format!("{cache}:c"));
    let in_c: BTreeSet<_> = written["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(in_c.len(), STEPS, "{written}");
    let builder_entries = entries
        .iter()
        .map(|e| e["digest"].as_str().unwrap())
        .filter(|d| {
            let m = raw(&format!("{cache}@{d}"));
            !layers_of(&m).is_disjoint(&builder_only)
        })
        .map(str::to_string)
        .collect::<BTreeSet<_>>();
    assert_eq!(builder_entries.len(), 2);
    assert!(builder_entries.is_subset(&in_c), "{written}");

    // Store D reads the cache through a registry that corrupts the last
    // COPY's layer: that entry is refused with a warning, the step runs
    // again, and the image is right.
    let last_layer = final_layers
        .difference(&layers_of(&raw(&format!(
            "{cache}@{}",
            entries
                .iter()
                .map(|e| e["digest"].as_str().unwrap())
                .find(|d| {
                    let m = raw(&format!("{cache}@{d}"));
                    m["layers"].as_array().unwrap().len() == final_layers.len() - 1
                        && layers_of(&m).is_subset(&final_layers)
                })
                .expect("the entry before the last COPY")
        ))))
        .next()
        .unwrap()
        .clone();
    let proxy = FaultProxy::start(
        reg.port,
        Faults {
            corrupt_digest: Some(last_layer.clone()),
            ..Faults::default()
        },
    );
    let d = empty_env(who);
    let out = d
        .berth(["build", "--cache-from"])
        .arg(format!("{}/test/cache", proxy.host()))
        .args(["--label", "ci=1", "-t", "app"])
        .arg(&ctx)
        .ok();
    assert!(
        out.stderr.contains("WARN: cache entry ")
            && out.stderr.contains("not used, building again without it"),
        "{}",
        out.stderr
    );
    assert!(
        proxy.seen().iter().any(|l| l.contains(&last_layer)),
        "the corrupt blob was asked for"
    );
    assert_ne!(id_of(&d, "app"), id_a, "the corrupt entry was used");
    assert_eq!(cat(&d, "app", "/app/b.txt"), "b1\n");
    d.berth(["system", "check"]).ok();
}

each_identity!(registry_cache_round_trip, round_trip);

#[test]
fn cache_flags_bad_input_and_ttl() {
    let Some(a) = env_with(Who::Root, &[]) else {
        return;
    };
    let (reg, base, ctx) = setup(&a);
    let cache = format!("{}/test/ttl", reg.host());
    let build = |env: &TestEnv, args: &[&str], ctx: &Path| env.berth(["build"]).args(args).arg(ctx);

    // Malformed flags: one line, exit 125, nothing built.
    let before = a.berth(["images", "-aq"]).ok().stdout;
    for (flag, value, says) in [
        ("--cache-to", "type=local,dest=/tmp/x", "is not supported"),
        ("--cache-to", "type=registry,ref=a/b,mode=all", "mode"),
        ("--cache-from", "type=registry", "no ref= given"),
        ("--cache-ttl", "5x", "expected a duration"),
    ] {
        let out = build(&a, &[flag, value], &ctx).fails(125);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    assert_eq!(a.berth(["images", "-aq"]).ok().stdout, before);

    // A cache that does not exist, or an image that is not a cache: a
    // warning, and the build goes on.
    let missing = format!("{}/test/none", reg.host());
    let out = build(&a, &["--cache-from", &missing], &ctx).ok();
    assert!(
        out.stderr.contains(&format!(
            "cache {missing}:buildcache: not found; building without it"
        )),
        "{}",
        out.stderr
    );
    let out = build(&a, &["--cache-from", &base], &ctx).ok();
    assert!(
        out.stderr.contains("not a berth build cache"),
        "{}",
        out.stderr
    );

    // A cache written from another repository's: the steps taken from
    // there are fetched and written, so that a build reading only the new
    // cache has every step.
    build(&a, &["--no-cache", "--cache-to", &cache], &ctx).ok();
    let other = format!("{}/test/other", reg.host());
    let e = empty_env(Who::Root);
    let out = build(
        &e,
        &["--cache-from", &cache, "--cache-to", &other, "-t", "app"],
        &ctx,
    )
    .ok();
    assert_eq!(using_cache(&out), STEPS, "{}", out.stdout);
    let f = empty_env(Who::Root);
    let out = build(&f, &["--cache-from", &other, "-t", "app"], &ctx).ok();
    assert_eq!(using_cache(&out), STEPS, "{}", out.stdout);
    assert_eq!(id_of(&f, "app"), id_of(&e, "app"));

    // --cache-ttl: the local cache and a registry cache's entries older
    // than it are not used.
    let out = build(&a, &["--cache-ttl", "1h"], &ctx).ok();
    assert_eq!(using_cache(&out), STEPS, "{}", out.stdout);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let out = build(&a, &["--cache-ttl", "1s"], &ctx).ok();
    assert_eq!(using_cache(&out), 0, "{}", out.stdout);
    let b = empty_env(Who::Root);
    let out = build(&b, &["--cache-from", &cache, "--cache-ttl", "1s"], &ctx).ok();
    assert_eq!(using_cache(&out), 0, "{}", out.stdout);
    let c = empty_env(Who::Root);
    let out = build(&c, &["--cache-from", &cache, "--cache-ttl", "1h"], &ctx).ok();
    assert_eq!(using_cache(&out), STEPS, "{}", out.stdout);

    // A cache that cannot be written fails the build (one line, 125) and
    // leaves the store as it was; with ignore-error=true it is a warning.
    let ctx3 = context(&a, "ctx3", &base, "a3\n");
    let before = a.berth(["images", "-aq"]).ok().stdout;
    let nowhere = "127.0.0.1:1/test/nowhere";
    let out = build(
        &a,
        &["--retry", "0", "--cache-to", nowhere, "-t", "three"],
        &ctx3,
    )
    .fails(125);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("--cache-to {nowhere}:buildcache")),
        "{}",
        out.stderr
    );
    assert_eq!(a.berth(["images", "-aq"]).ok().stdout, before);
    a.berth(["inspect", "three"]).fails(125);
    let lenient = format!("type=registry,ref={nowhere},ignore-error=true");
    let out = build(
        &a,
        &["--retry", "0", "--cache-to", &lenient, "-t", "three"],
        &ctx3,
    )
    .ok();
    assert!(out.stderr.contains("WARN: --cache-to "), "{}", out.stderr);
    a.berth(["inspect", "three"]).ok();
}
