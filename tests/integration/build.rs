//! `berth build` end to end: real Dockerfiles run against real
//! containers, as root and as both test users. What a build made is
//! checked from the outside: `inspect` of the image, `run` of it, the
//! cache lines of a second build, the store's image list after a failure.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use serde_json::Value;
use std::fs;

/// Write `dockerfile` into a fresh context dir `name` (world-readable, so
/// the test users can read it); returns the dir's name.
fn context(env: &TestEnv, name: &str, dockerfile: &str) -> String {
    let dir = env.join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    name.to_string()
}

fn inspect(env: &TestEnv, image: &str) -> Value {
    let v = env.berth(["inspect", image]).ok().json();
    v[0].clone()
}

/// Image ids (hex) in the store, sorted.
fn all_ids(env: &TestEnv) -> Vec<String> {
    let out = env.berth(["images", "-a", "-q", "--no-trunc"]).ok();
    let mut ids: Vec<String> = out.lines().iter().map(|s| s.to_string()).collect();
    ids.sort();
    ids
}

const FULL: &str = r#"FROM localhost/busybox
ARG GREETING=hello
ENV APP_HOME=/srv/app MODE=test
LABEL org.example.name="demo app" version=1
RUN echo "$GREETING from RUN in $APP_HOME" && mkdir -p /made && echo content > /made/file
WORKDIR $APP_HOME
RUN pwd > /made/pwd && echo "user=$(id -u)" >> /made/pwd
USER 1000:1000
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
MAINTAINER someone@example.com
ONBUILD RUN echo triggered
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo from cmd"]
"#;

each_identity!(runs_every_instruction_and_caches_them, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = context(&env, "ctx", FULL);
    let out = env.berth(["build", "-t", "demo", &ctx]).ok();
    let lines = out.lines();
    assert_eq!(
        lines[0], "STEP 1/16: FROM localhost/busybox",
        "{}",
        out.stdout
    );
    assert!(lines.contains(&"STEP 16/16: CMD [\"echo from cmd\"]"));
    assert!(
        lines.contains(&"hello from RUN in /srv/app"),
        "RUN output is streamed: {}",
        out.stdout
    );
    assert!(lines.contains(&"COMMIT demo"), "{}", out.stdout);
    assert!(lines.contains(&"Successfully tagged localhost/demo:latest"));
    let id = lines.last().unwrap().to_string();
    assert_eq!(id.len(), 64, "{}", out.stdout);
    assert_eq!(berth_id(&env, "localhost/demo:latest"), id);

    let img = inspect(&env, "demo");
    let cfg = &img["Config"];
    let env_list: Vec<&str> = cfg["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env_list.contains(&"APP_HOME=/srv/app"), "{env_list:?}");
    assert!(env_list.contains(&"MODE=test"));
    assert!(
        !env_list.iter().any(|e| e.starts_with("GREETING=")),
        "build args stay out of the image"
    );
    assert_eq!(cfg["Labels"]["org.example.name"], "demo app");
    assert_eq!(cfg["Labels"]["version"], "1");
    assert_eq!(cfg["WorkingDir"], "/srv/app");
    assert_eq!(cfg["User"], "1000:1000");
    assert!(cfg["ExposedPorts"]["8080/tcp"].is_object(), "{cfg}");
    assert!(cfg["ExposedPorts"]["53/udp"].is_object());
    assert!(cfg["Volumes"]["/data"].is_object());
    assert_eq!(cfg["StopSignal"], "SIGTERM");
    assert_eq!(
        cfg["Healthcheck"]["Test"],
        serde_json::json!(["CMD", "true"])
    );
    assert_eq!(cfg["Healthcheck"]["Interval"], 5_000_000_000u64);
    assert_eq!(cfg["Healthcheck"]["Retries"], 2);
    assert_eq!(cfg["OnBuild"], serde_json::json!(["RUN echo triggered"]));
    assert_eq!(cfg["Entrypoint"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(cfg["Cmd"], serde_json::json!(["echo from cmd"]));
    assert_eq!(img["Author"], "someone@example.com");

    // History: one entry per instruction after FROM.
    let history = img["History"].as_array().unwrap();
    let by: Vec<&str> = history
        .iter()
        .map(|h| h["created_by"].as_str().unwrap_or(""))
        .collect();
    assert!(
        by.contains(&"/bin/sh -c #(nop) ENV APP_HOME=/srv/app MODE=test"),
        "{by:?}"
    );
    assert!(by.contains(&"/bin/sh -c #(nop) WORKDIR /srv/app"), "{by:?}");
    let run = history
        .iter()
        .find(|h| {
            h["created_by"]
                .as_str()
                .is_some_and(|s| s.starts_with("/bin/sh -c echo \"$GREETING"))
        })
        .expect("the RUN's history entry");
    assert!(run.get("empty_layer").is_none(), "{run}");
    let label = history
        .iter()
        .find(|h| {
            h["created_by"]
                .as_str()
                .is_some_and(|s| s.contains("#(nop) LABEL"))
        })
        .unwrap();
    assert_eq!(label["empty_layer"], true);
    assert_eq!(history.len(), 1 + 15, "{by:?}");
    assert!(by.contains(&"/bin/sh -c #(nop) ARG GREETING"), "{by:?}");

    // The files RUN made are in the image.
    let out = env
        .berth([
            "run",
            "--rm",
            "--user",
            "0",
            "demo",
            "cat /made/file /made/pwd",
        ])
        .ok();
    assert_eq!(out.stdout, "content\n/srv/app\nuser=0\n");
    // The image's own entrypoint and cmd (as its user, which a user
    // without a subordinate range cannot map).
    let user: &[&str] = if who == Who::NoSub {
        &["--user", "0"]
    } else {
        &[]
    };
    let out = env.berth(["run", "--rm"]).args(user).arg("demo").ok();
    assert_eq!(out.stdout, "from cmd\n");

    // Built again: every step comes from the cache, same image.
    let before = all_ids(&env);
    let out = env.berth(["build", "-t", "demo", &ctx]).ok();
    let hits = out
        .lines()
        .iter()
        .filter(|l| l.starts_with("--> Using cache "))
        .count();
    assert_eq!(hits, 15, "every step but FROM: {}", out.stdout);
    assert!(!out.stdout.contains("hello from RUN"), "{}", out.stdout);
    assert_eq!(*out.lines().last().unwrap(), id);
    assert_eq!(all_ids(&env), before, "a cached build adds nothing");
});

each_identity!(failing_run_names_the_step_and_changes_nothing, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox\nRUN echo ok\n\nRUN echo before; exit 3\nRUN echo never\n",
    );
    let ids = all_ids(&env);
    let out = env.berth(["build", "-t", "bad", &ctx]).fails(3);
    assert!(out.stdout.contains("before"), "{}", out.stdout);
    assert!(!out.stdout.contains("never"));
    let err = out.stderr.trim_end();
    assert!(
        err.starts_with("Error: building at STEP \"RUN echo before; exit 3\" (Dockerfile:4)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(all_ids(&env), ids);
    env.berth(["image", "exists", "localhost/bad:latest"])
        .fails(1);
    let ps = env.berth(["ps", "-a", "-q"]).ok();
    assert_eq!(ps.stdout, "", "no container is left");
    let layers = fs::read_dir(env.root().join("overlay")).unwrap().count();
    assert_eq!(layers, 2, "l/ and busybox's layer only");
    // The same steps then run again, and succeed once fixed.
    fs::write(
        env.join("ctx/Dockerfile"),
        "FROM localhost/busybox\nRUN echo ok\n\nRUN echo before\n",
    )
    .unwrap();
    let out = env.berth(["build", "-t", "bad", &ctx]).ok();
    assert!(!out.stdout.contains("Using cache"), "{}", out.stdout);
});

/// The root-only cases below cover the engine's logic; the identities
/// above cover what differs between users (containers, layer owners).
fn root_env() -> Option<TestEnv> {
    env_with(Who::Root, &[])
}

#[test]
fn cache_reruns_a_changed_step_and_everything_after_it() {
    let Some(env) = root_env() else {
        return;
    };
    let df = "FROM localhost/busybox\nRUN echo one > /one\nARG V=1\nRUN echo two-$V > /two\nRUN echo three\n";
    let ctx = context(&env, "ctx", df);
    let first = env.berth(["build", "-t", "c", &ctx]).ok();
    let hits = |o: &Output| {
        o.lines()
            .iter()
            .filter(|l| l.starts_with("--> Using cache"))
            .count()
    };
    assert_eq!(hits(&first), 0);
    // A build arg that the second RUN sees: the first RUN is reused.
    let out = env
        .berth(["build", "-t", "c", "--build-arg", "V=2", &ctx])
        .ok();
    assert_eq!(hits(&out), 1, "{}", out.stdout);
    assert!(out.stdout.contains("three"));
    let out = env.berth(["run", "--rm", "c", "cat", "/two"]).ok();
    assert_eq!(out.stdout, "two-2\n");
    // Back to the default: all cached again.
    let out = env.berth(["build", "-t", "c", &ctx]).ok();
    assert_eq!(hits(&out), 4, "{}", out.stdout);
    // A changed RUN line: it and the next rerun.
    fs::write(
        env.join("ctx/Dockerfile"),
        df.replace("echo two-$V", "echo TWO-$V"),
    )
    .unwrap();
    let out = env.berth(["build", "-t", "c", &ctx]).ok();
    assert_eq!(hits(&out), 2, "{}", out.stdout);
    // --no-cache reruns everything and refreshes the records.
    let out = env.berth(["build", "--no-cache", "-t", "c", &ctx]).ok();
    assert_eq!(hits(&out), 0);
    assert!(out.stdout.contains("three"));
    let id = *out.lines().last().unwrap();
    let out = env.berth(["build", "-t", "c", &ctx]).ok();
    assert_eq!(hits(&out), 4);
    assert_eq!(
        *out.lines().last().unwrap(),
        id,
        "the refreshed records are used"
    );
    // Each build is one event; the containers of its steps are its own
    // business, only the one `run` made is in the log.
    let log = |args: &[&str]| {
        env.berth(["events", "--stream=false"])
            .args(args)
            .ok()
            .stdout
    };
    assert_eq!(
        log(&["--filter", "event=build", "--format", "{{.Name}}"]),
        "localhost/c:latest\n".repeat(6)
    );
    assert_eq!(
        log(&["--filter", "type=container", "--format", "{{.Status}}"]),
        "create\ninit\nstart\nattach\ndied\nremove\n"
    );
}

#[test]
fn a_changed_copy_source_reruns_its_step_and_the_later_ones() {
    let Some(env) = root_env() else {
        return;
    };
    let df =
        "FROM localhost/busybox\nRUN echo one > /one\nCOPY app/ /app/\nRUN cat /app/a > /seen\n";
    let ctx = context(&env, "ctx", df);
    fs::create_dir_all(env.join("ctx/app")).unwrap();
    fs::write(env.join("ctx/app/a"), "first\n").unwrap();
    fs::write(env.join("ctx/app/b"), "same\n").unwrap();
    let cached = |o: &Output| -> Vec<String> {
        // The step each `--> Using cache` line answers.
        let lines = o.lines();
        let mut steps = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if l.starts_with("--> Using cache") {
                let step = lines[..i]
                    .iter()
                    .rev()
                    .find(|p| p.starts_with("STEP "))
                    .unwrap();
                steps.push(step.split_once(": ").unwrap().1.to_string());
            }
        }
        steps
    };
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert!(cached(&out).is_empty(), "{}", out.stdout);
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert_eq!(cached(&out).len(), 3, "{}", out.stdout);
    // New content in one source file: the RUN before the COPY is reused,
    // the COPY and the RUN after it run again.
    fs::write(env.join("ctx/app/a"), "second\n").unwrap();
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert_eq!(cached(&out), ["RUN echo one > /one"], "{}", out.stdout);
    let out = env.berth(["run", "--rm", "cp", "cat", "/seen"]).ok();
    assert_eq!(out.stdout, "second\n");
    // A changed mode is a change too; a file the context ignores is not.
    fs::set_permissions(
        env.join("ctx/app/b"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert_eq!(cached(&out), ["RUN echo one > /one"], "{}", out.stdout);
    fs::write(env.join("ctx/.dockerignore"), "app/ignored\n").unwrap();
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert_eq!(cached(&out).len(), 3, "{}", out.stdout);
    fs::write(env.join("ctx/app/ignored"), "x\n").unwrap();
    let out = env.berth(["build", "-t", "cp", &ctx]).ok();
    assert_eq!(
        cached(&out).len(),
        3,
        "an ignored file changes nothing: {}",
        out.stdout
    );
}

#[test]
fn stages_scratch_and_target() {
    let Some(env) = root_env() else {
        return;
    };
    let df = "\
ARG BASE=localhost/busybox
FROM $BASE AS base
RUN echo base > /base
FROM base AS middle
RUN echo middle > /middle
FROM scratch AS empty
LABEL stage=empty
WORKDIR /w
FROM 1
RUN echo last > /last
";
    let ctx = context(&env, "ctx", df);
    let out = env.berth(["build", "-t", "last", &ctx]).ok();
    assert!(
        out.stdout.contains("STEP 1/6: FROM $BASE AS base"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("FROM scratch"),
        "unneeded stages are skipped"
    );
    let out = env
        .berth(["run", "--rm", "last", "cat", "/base", "/middle", "/last"])
        .ok();
    assert_eq!(out.stdout, "base\nmiddle\nlast\n");

    let out = env
        .berth(["build", "--target", "base", "-t", "b", &ctx])
        .ok();
    assert!(
        out.stdout.contains("STEP 2/2: RUN echo base"),
        "{}",
        out.stdout
    );
    env.berth(["run", "--rm", "b", "cat", "/middle"]).fails(1);

    env.berth(["build", "--target", "EMPTY", "-t", "e", &ctx])
        .ok();
    let img = inspect(&env, "e");
    assert_eq!(img["Config"]["Labels"]["stage"], "empty");
    assert_eq!(img["Config"]["WorkingDir"], "/w");
    assert_eq!(
        img["RootFS"]["Layers"].as_array().unwrap().len(),
        1,
        "{img}"
    );

    let out = env.berth(["build", "--target", "nope", &ctx]).fails(125);
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
}

#[test]
fn onbuild_triggers_run_in_the_child_build() {
    let Some(env) = root_env() else {
        return;
    };
    let parent = context(
        &env,
        "parent",
        "FROM localhost/busybox\nONBUILD RUN echo triggered > /triggered\nONBUILD ENV FROM_TRIGGER=1\n",
    );
    env.berth(["build", "-t", "parent", &parent]).ok();
    // Triggers do not run in the image that sets them: `ls` finds no
    // file (its own exit code 1, not berth's 125).
    let out = env
        .berth(["run", "--rm", "parent", "ls", "/triggered"])
        .fails(1);
    assert!(out.stderr.contains("/triggered"), "{}", out.stderr);
    let child = context(&env, "child", "FROM localhost/parent\nRUN cat /triggered\n");
    let out = env.berth(["build", "-t", "child", &child]).ok();
    assert!(out.stdout.contains("triggered\n"), "{}", out.stdout);
    let img = inspect(&env, "child");
    assert!(img["Config"]["OnBuild"].is_null(), "{img}");
    let env_list = img["Config"]["Env"].to_string();
    assert!(env_list.contains("FROM_TRIGGER=1"), "{env_list}");
}

#[test]
fn shell_and_build_arg_scoping() {
    let Some(env) = root_env() else {
        return;
    };
    let df = "\
ARG GLOBAL=g
FROM localhost/busybox
RUN echo \"global=[$GLOBAL]\"
ARG GLOBAL
ARG LOCAL=l
RUN echo \"global=[$GLOBAL] local=[$LOCAL]\"
SHELL [\"/bin/sh\", \"-xc\"]
RUN echo shelled
CMD echo cmd
";
    let ctx = context(&env, "ctx", df);
    let out = env
        .berth(["build", "-t", "s", "--build-arg", "LOCAL=override"])
        .args(["--build-arg", "UNUSED=1", &ctx])
        .ok();
    assert!(
        out.stderr
            .contains("WARN: one or more build args were not consumed: [UNUSED]"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("global=[]\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("global=[g] local=[override]\n"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("+ echo shelled"), "{}", out.stderr);
    let img = inspect(&env, "s");
    assert_eq!(
        img["Config"]["Cmd"],
        serde_json::json!(["/bin/sh", "-xc", "echo cmd"])
    );
    assert_eq!(
        img["Config"]["Shell"],
        serde_json::json!(["/bin/sh", "-xc"])
    );
    let by = img["History"].to_string();
    assert!(by.contains("/bin/sh -xc echo shelled"), "{by}");
}

#[test]
fn source_date_epoch_makes_builds_reproducible() {
    let Some(env) = root_env() else {
        return;
    };
    let df =
        "FROM localhost/busybox\nRUN mkdir /out && echo data > /out/f\nWORKDIR /new/dir\nENV A=1\n";
    let ctx = context(&env, "ctx", df);
    let build = || {
        let out = env
            .berth(["build", "--no-cache", "-q", &ctx])
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .ok();
        out.stdout.trim().to_string()
    };
    let a = build();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = build();
    assert_eq!(a, b);
    let img = inspect(&env, &a);
    assert_eq!(img["Created"], "2023-11-14T22:13:20Z");
    // The same through --build-arg.
    let out = env
        .berth([
            "build",
            "--no-cache",
            "-q",
            "--build-arg",
            "SOURCE_DATE_EPOCH=1700000000",
            &ctx,
        ])
        .ok();
    assert_eq!(out.stdout.trim(), a);
    // Without it, times differ and so do ids.
    let c = env.berth(["build", "--no-cache", "-q", &ctx]).ok();
    assert_ne!(c.stdout.trim(), a);
}

// `--timestamp`: every time in the image is the one given (Podman's),
// also the files' that are older or newer; two builds of sources with
// different times give one id.
#[test]
fn timestamp_sets_every_time_in_the_image() {
    let Some(env) = root_env() else {
        return;
    };
    let df = "FROM localhost/busybox\nCOPY f /f\nRUN echo made > /made\n";
    let mut ids = Vec::new();
    for (dir, mtime) in [("a", "200001010000"), ("b", "203001010000")] {
        let ctx = context(&env, dir, df);
        fs::write(env.join(dir).join("f"), "same\n").unwrap();
        env.command("touch")
            .args(["-t", mtime])
            .arg(env.join(dir).join("f"))
            .ok();
        let out = env
            .berth([
                "build",
                "--no-cache",
                "-q",
                "--timestamp",
                "1700000000",
                &ctx,
            ])
            .ok();
        ids.push(out.stdout.trim().to_string());
    }
    assert_eq!(ids[0], ids[1]);
    let img = inspect(&env, &ids[0]);
    assert_eq!(img["Created"], "2023-11-14T22:13:20Z");
    let out = env
        .berth(["run", "--rm", &ids[0], "sh", "-c", "stat -c %Y /f /made"])
        .ok();
    assert_eq!(out.stdout, "1700000000\n1700000000\n");
    // SOURCE_DATE_EPOCH only clamps: the old file keeps its time.
    let out = env
        .berth(["build", "--no-cache", "-q", &context(&env, "a", df)])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .ok();
    let out = env
        .berth(["run", "--rm", out.stdout.trim(), "stat", "-c", "%Y", "/f"])
        .ok();
    assert_eq!(out.stdout, "946684800\n");
    let e = env
        .berth(["build", "--timestamp=-5", "-q", &context(&env, "a", df)])
        .fails(125);
    assert!(e.stderr.contains("--timestamp"), "{}", e.stderr);
}

/// The files of `image` (names, kinds, modes, owners, contents), from an
/// export of a container made from it.
fn image_files(env: &TestEnv, image: &str) -> Vec<String> {
    use std::io::Read;
    let name = format!("files-{}", &image[..12.min(image.len())]);
    env.berth(["create", "--name", &name, image, "true"]).ok();
    let tar = env.berth(["export", &name]).ok().stdout_bytes;
    env.berth(["rm", &name]).ok();
    let mut a = tar::Archive::new(&tar[..]);
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut body = Vec::new();
        e.read_to_end(&mut body).unwrap();
        out.push(format!(
            "{} {:?} {:o} {}:{} {:?} {}",
            e.path().unwrap().display(),
            h.entry_type(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            h.gid().unwrap(),
            h.link_name().unwrap(),
            berth::digest::Digest::of(&body).short()
        ));
    }
    out.sort();
    out
}

// `--squash` makes the layers a build adds one (over its base's),
// `--squash-all` the whole image one, `--layers=false` as `--squash` with
// every step run again: the files are exactly the layered build's,
// deletions of the base's files and of the build's own included.
#[test]
fn squash_gives_one_layer_with_the_same_files() {
    let Some(env) = root_env() else {
        return;
    };
    let df = "FROM localhost/busybox\n\
              RUN mkdir -p /new/d /etc/old && echo one > /new/d/f && echo gone > /new/gone \
                  && echo o > /etc/old/x && rm /bin/ls\n\
              RUN echo two > /new/d/f && rm /new/gone && rm -rf /etc/old && mkdir /etc/old \
                  && echo fresh > /etc/old/n && busybox chmod 700 /new/d\n\
              RUN echo three > /three && rm -rf /usr\n";
    let ctx = context(&env, "ctx", df);
    let layers = |id: &str| {
        inspect(&env, id)["RootFS"]["Layers"]
            .as_array()
            .unwrap()
            .len()
    };
    let build = |flags: &[&str]| {
        let out = env.berth(["build", "-q"]).args(flags).arg(&ctx).ok();
        out.stdout.trim().to_string()
    };
    let base = layers(IMG);
    let layered = build(&[]);
    assert_eq!(layers(&layered), base + 3);
    let files = image_files(&env, &layered);
    assert!(
        files.iter().any(|f| f.starts_with("etc/old/n ")),
        "{files:?}"
    );
    assert!(!files
        .iter()
        .any(|f| f.starts_with("bin/ls ") || f.starts_with("usr/")));
    for (flags, want) in [
        (&["--squash"][..], base + 1),
        (&["--squash-all"][..], 1),
        (&["--layers=false"][..], base + 1),
    ] {
        let id = build(flags);
        assert_eq!(layers(&id), want, "{flags:?}");
        assert_eq!(image_files(&env, &id), files, "{flags:?}");
        let history = inspect(&env, &id)["History"].as_array().unwrap().clone();
        let with_layers = history.iter().filter(|h| h["empty_layer"] != true).count();
        assert_eq!(with_layers, want, "{flags:?}: {history:?}");
    }
    // --layers=false takes nothing from the cache.
    let out = env.berth(["build", "--layers=false"]).arg(&ctx).ok();
    assert!(!out.stdout.contains("Using cache"), "{}", out.stdout);
    let out = env.berth(["build", "--squash"]).arg(&ctx).ok();
    assert!(out.stdout.contains("Using cache"), "{}", out.stdout);
}

// `--format docker`: the image's manifest is Docker's, `inspect` says so,
// and `push` sends that format unless told otherwise.
#[test]
fn format_docker_gives_a_docker_manifest_that_push_keeps() {
    let Some(env) = root_env() else {
        return;
    };
    let reg = crate::registry_util::Registry::start(crate::registry_util::Auth::None);
    let ctx = context(&env, "ctx", "FROM localhost/busybox\nRUN echo x > /x\n");
    let tag = format!("{}/fmt/img:docker", reg.host());
    env.berth(["build", "-q", "--format", "docker", "-t", &tag, &ctx])
        .ok();
    let mt = |r: &str| {
        env.berth(["image", "inspect", "--format", "{{.ManifestType}}", r])
            .ok()
            .stdout
    };
    assert_eq!(
        mt(&tag),
        "application/vnd.docker.distribution.manifest.v2+json\n"
    );
    env.berth(["push", "-q", &tag]).ok();
    let raw = |r: &str| {
        skopeo([
            "inspect",
            "--tls-verify=false",
            "--raw",
            &format!("docker://{r}"),
        ])
        .ok()
        .json()
    };
    assert_eq!(
        raw(&tag)["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    // The default format (the same image built again: the format of its
    // last build), and an explicit one over the image's.
    let oci = format!("{}/fmt/img:oci", reg.host());
    env.berth(["build", "-q", "-t", &oci, &ctx]).ok();
    assert_eq!(mt(&oci), "application/vnd.oci.image.manifest.v1+json\n");
    env.berth(["push", "-q", &oci]).ok();
    assert_eq!(
        raw(&oci)["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    env.berth(["build", "-q", "--format", "docker", "-t", &tag, &ctx])
        .ok();
    env.berth(["push", "-q", "--format", "oci", &tag]).ok();
    assert_eq!(
        raw(&tag)["mediaType"],
        "application/vnd.oci.image.manifest.v1+json"
    );
}

#[test]
fn dockerfile_errors_name_the_line_and_change_nothing() {
    let Some(env) = root_env() else {
        return;
    };
    let before = all_ids(&env);
    for (df, want) in [
        (
            "FROM localhost/busybox\nRUN true\nFORM x\n",
            "Error: Dockerfile:3:1: ",
        ),
        (
            "RUN true\nFROM localhost/busybox\n",
            "Error: Dockerfile:1:1: no build stage",
        ),
        (
            "FROM localhost/busybox\n\nUSER ${U:?must be set}\n",
            "Error: Dockerfile:3:1: failed to process",
        ),
    ] {
        let ctx = context(&env, "bad", df);
        let out = env.berth(["build", &ctx]).fails(125);
        assert!(out.stderr.starts_with(want), "{df:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert_eq!(out.stdout, "");
    }
    let out = env.berth(["build", "no-such-dir"]).fails(125);
    assert!(out.stderr.contains("no-such-dir"), "{}", out.stderr);
    let out = env
        .berth(["build", "--platform", "linux/s390x-not", "bad"])
        .fails(125);
    assert!(out.stderr.contains("--platform"), "{}", out.stderr);
    assert_eq!(all_ids(&env), before);
}

#[test]
fn dry_run_prints_instructions_and_runs_nothing() {
    let Some(env) = root_env() else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox AS b\nRUN --network=none echo \\\n  hi\nCMD [\"sh\"]\n",
    );
    let before = all_ids(&env);
    let out = env
        .berth(["build", "--dry-run", "--dry-run-format", "json", &ctx])
        .ok();
    let v = out.json();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["name"], "run");
    assert_eq!(list[1]["flags"], serde_json::json!(["--network=none"]));
    assert_eq!(list[1]["line"], 2);
    assert_eq!(list[1]["end_line"], 3);
    assert_eq!(list[2]["json_form"], true);
    let out = env.berth(["build", "--dry-run", &ctx]).ok();
    assert!(
        out.stdout.contains("STEP 3/3: CMD [\"sh\"]"),
        "{}",
        out.stdout
    );
    assert!(!out.lines().contains(&"hi"), "nothing ran: {}", out.stdout);
    assert_eq!(all_ids(&env), before);
}

#[test]
fn quiet_iidfile_stdin_and_labels() {
    let Some(env) = root_env() else {
        return;
    };
    fs::create_dir_all(env.join("empty")).unwrap();
    let out = env
        .berth([
            "build",
            "-q",
            "-f",
            "-",
            "--iidfile",
            "iid",
            "--label",
            "x=y",
            "-t",
            "one",
            "-t",
            "two:v2",
            "empty",
        ])
        .stdin_bytes("FROM localhost/busybox\nRUN echo noisy\n")
        .ok();
    let id = out.stdout.trim();
    assert_eq!(out.lines().len(), 1, "{}", out.stdout);
    assert_eq!(
        fs::read_to_string(env.join("iid")).unwrap(),
        format!("sha256:{id}")
    );
    assert_eq!(berth_id(&env, "localhost/one:latest"), id);
    assert_eq!(berth_id(&env, "localhost/two:v2"), id);
    assert_eq!(inspect(&env, "one")["Config"]["Labels"]["x"], "y");
    // A Containerfile is found when there is no Dockerfile.
    fs::create_dir_all(env.join("cf")).unwrap();
    fs::write(
        env.join("cf/Containerfile"),
        "FROM localhost/busybox\nENV CF=1\n",
    )
    .unwrap();
    env.berth(["build", "-t", "cf", "cf"]).ok();
    assert!(inspect(&env, "cf")["Config"]["Env"]
        .to_string()
        .contains("CF=1"));
}

#[test]
fn intermediate_images_are_hidden_kept_and_removed_with_their_image() {
    let Some(env) = root_env() else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox\nRUN echo a > /a\nENV X=1\nRUN echo b > /b\n",
    );
    let id = env
        .berth(["build", "-q", "-t", "app", &ctx])
        .ok()
        .stdout
        .trim()
        .to_string();
    let shown = env.berth(["images", "-q", "--no-trunc"]).ok();
    assert_eq!(shown.lines().len(), 2, "busybox and app: {}", shown.stdout);
    assert_eq!(all_ids(&env).len(), 4, "two intermediate images with -a");
    // Prune keeps what a named image builds on; rmi refuses it.
    env.berth(["image", "prune", "-f"]).ok();
    let intermediate = all_ids(&env)
        .into_iter()
        .find(|i| !shown.stdout.contains(i.as_str()))
        .unwrap();
    let out = env.berth(["rmi", &intermediate]).fails(125);
    assert!(out.stderr.contains("dependent children"), "{}", out.stderr);
    assert_eq!(all_ids(&env).len(), 4);
    // A second image over the same steps shares them.
    fs::write(
        env.join("ctx/Dockerfile"),
        "FROM localhost/busybox\nRUN echo a > /a\nENV X=1\nRUN echo c > /c\n",
    )
    .unwrap();
    let out = env.berth(["build", "-t", "other", &ctx]).ok();
    assert_eq!(
        out.stdout.matches("Using cache").count(),
        2,
        "{}",
        out.stdout
    );
    // rmi takes the image's own intermediate chain, not the shared part.
    let out = env.berth(["rmi", "app"]).ok();
    assert!(out.stdout.contains(&id), "{}", out.stdout);
    let out = env.berth(["run", "--rm", "other", "cat", "/a", "/c"]).ok();
    assert_eq!(out.stdout, "a\nc\n");
    let out = env.berth(["build", "-t", "other", &ctx]).ok();
    assert_eq!(
        out.stdout.matches("Using cache").count(),
        3,
        "{}",
        out.stdout
    );
    // Removing the last name leaves nothing of the build behind.
    env.berth(["rmi", "other"]).ok();
    assert_eq!(
        all_ids(&env),
        vec![format!("sha256:{}", berth_id(&env, IMG))]
    );
    env.berth(["system", "prune", "-f"]).ok();
    let records = fs::read_dir(env.root().join("cache/build"))
        .unwrap()
        .count();
    assert_eq!(records, 0, "records of removed images are pruned");
}

each_identity!(run_mounts_cache_tmpfs_bind_and_secret, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let df = "\
FROM localhost/busybox
RUN --mount=type=cache,target=/cache,id=c1 echo run >> /cache/log && cat /cache/log
RUN --mount=type=tmpfs,target=/scratch echo tmp > /scratch/f && cat /scratch/f
RUN --mount=type=bind,source=data,target=/in cat /in/input.txt && cp /in/input.txt /copied
RUN --mount=type=secret,id=token cat /run/secrets/token && wc -c < /run/secrets/token > /secret-size
RUN --mount=type=secret,id=absent,target=/x true
";
    let ctx = context(&env, "ctx", df);
    fs::create_dir_all(env.join("ctx/data")).unwrap();
    fs::write(env.join("ctx/data/input.txt"), "from the context\n").unwrap();
    fs::write(env.join("token.txt"), "s3cret").unwrap();
    let build = || {
        env.berth(["build", "--no-cache", "--secret", "id=token,src=token.txt"])
            .args(["-t", "m", &ctx])
            .ok()
    };
    let out = build();
    let lines = out.lines();
    assert!(lines.contains(&"run"), "{}", out.stdout);
    assert!(lines.contains(&"tmp"));
    assert!(lines.contains(&"from the context"));
    assert!(out.stdout.contains("s3cret"), "{}", out.stdout);
    // The cache mount outlives the build; the others leave only what
    // RUN copied out of them.
    let out = build();
    let runs = out.lines().iter().filter(|l| **l == "run").count();
    assert_eq!(runs, 2, "the cache mount kept its file: {}", out.stdout);
    let out = env
        .berth(["run", "--rm", "m", "sh", "-c"])
        .arg("cat /copied /secret-size; cat /scratch/f /cache/log 2>/dev/null | wc -l; cat /run/secrets/token 2>&1 || true")
        .ok();
    let got: Vec<&str> = out.lines();
    assert_eq!(got[0], "from the context");
    assert_eq!(got[1].trim(), "6");
    assert_eq!(got[2].trim(), "0", "nothing of tmpfs or cache in the image");
    assert!(!out.stdout.contains("s3cret"), "{}", out.stdout);
    // A bind source outside the context, a required secret not given.
    for (df, want) in [
        (
            "FROM localhost/busybox\nRUN --mount=type=bind,source=../token.txt,target=/t true\n",
            "outside the build context",
        ),
        (
            "FROM localhost/busybox\nRUN --mount=type=secret,id=nope,required=true true\n",
            "required",
        ),
    ] {
        let ctx = context(&env, "bad", df);
        let out = env.berth(["build", &ctx]).fails(125);
        assert!(
            out.stderr.contains("Dockerfile:2: RUN --mount="),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(want), "{}", out.stderr);
    }
});

#[test]
fn from_pulls_a_missing_image_and_pull_forces_it() {
    let Some(env) = root_env() else {
        return;
    };
    let reg = crate::registry_util::Registry::start(crate::registry_util::Auth::None);
    let remote = format!("{}/test/base:1", reg.host());
    env.berth(["tag", IMG, &remote]).ok();
    env.berth(["push", "-q", &remote]).ok();
    env.berth(["untag", IMG, &remote]).ok();
    let other = TestEnv::new();
    let ctx = context(
        &other,
        "ctx",
        &format!("FROM {remote}\nRUN echo pulled-base\n"),
    );
    let out = other.berth(["build", "-t", "p", &ctx]).ok();
    assert!(
        out.stderr.contains(&format!("Trying to pull {remote}")),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("pulled-base"));
    assert_eq!(berth_id(&other, &remote), berth_id(&env, IMG));
    // In the store now: no pull, unless --pull.
    let out = other.berth(["build", "-t", "p", &ctx]).ok();
    assert!(!out.stderr.contains("Trying to pull"), "{}", out.stderr);
    let out = other.berth(["build", "--pull", "-t", "p", &ctx]).ok();
    assert!(out.stderr.contains("Trying to pull"), "{}", out.stderr);
    // A base that is nowhere: the error names the line.
    let ctx = context(
        &other,
        "bad",
        &format!("FROM {}/test/nothing:1\n", reg.host()),
    );
    let out = other.berth(["build", &ctx]).fails(125);
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("Error: Dockerfile:1: FROM ") && last.contains("manifest"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bind_mounted_context_file_is_part_of_the_cache_key() {
    let Some(env) = root_env() else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox\nRUN --mount=type=bind,target=/ctx cat /ctx/in.txt\n",
    );
    fs::write(env.join("ctx/in.txt"), "first\n").unwrap();
    let out = env.berth(["build", &ctx]).ok();
    assert!(out.stdout.contains("first\n"));
    let out = env.berth(["build", &ctx]).ok();
    assert!(out.stdout.contains("--> Using cache"), "{}", out.stdout);
    fs::write(env.join("ctx/in.txt"), "second, longer\n").unwrap();
    let out = env.berth(["build", &ctx]).ok();
    assert!(out.stdout.contains("second, longer\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("--> Using cache"));
}

#[test]
fn concurrent_builds_share_one_store() {
    let Some(env) = root_env() else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox\nRUN echo a > /a\nENV B=1\nRUN echo b > /b\n",
    );
    let runs: Vec<_> = (0..3)
        .map(|n| {
            env.berth(["build", "-q", "-t", &format!("same{n}"), &ctx])
                .spawn()
        })
        .collect();
    for r in runs {
        r.ok();
    }
    for n in 0..3 {
        let out = env
            .berth(["run", "--rm", &format!("same{n}"), "cat", "/a", "/b"])
            .ok();
        assert_eq!(out.stdout, "a\nb\n");
    }
    env.berth(["system", "check"]).ok();
    let out = env.berth(["build", "-t", "again", &ctx]).ok();
    assert_eq!(
        out.stdout.matches("Using cache").count(),
        3,
        "{}",
        out.stdout
    );
}

#[test]
fn run_heredocs() {
    let Some(env) = root_env() else {
        return;
    };
    let ctx = context(
        &env,
        "ctx",
        "FROM localhost/busybox\nARG WHO=world\nRUN <<EOF\necho script line 1\necho script line 2\nEOF\nRUN cat <<EOF > /greeting && cat <<'RAW' >> /greeting\nhello $WHO\nEOF\nraw $WHO\nRAW\n",
    );
    let out = env.berth(["build", "-t", "h", &ctx]).ok();
    assert!(
        out.stdout.contains("script line 1\nscript line 2\n"),
        "{}",
        out.stdout
    );
    let out = env.berth(["run", "--rm", "h", "cat", "/greeting"]).ok();
    assert_eq!(out.stdout, "hello world\nraw $WHO\n");
}

each_identity!(run_bind_mounts_from_stages_and_images_and_rw, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let df = |content: &str| {
        format!(
            "\
FROM localhost/busybox AS builder
RUN mkdir /out && echo {content} > /out/data && echo gone > /out/gone && ln -s /out /outlink
RUN rm /out/gone
FROM scratch AS nothing
FROM localhost/busybox
RUN --mount=type=bind,from=nothing,target=/e ls -A /e > /empty && test ! -s /empty
RUN --mount=type=bind,from=builder,source=/out,target=/mnt cat /mnt/data > /copied && ls /mnt > /listing && ! touch /mnt/x 2>/dev/null
RUN --mount=type=bind,from=0,source=/outlink,target=/link cat /link/data > /via-link
RUN --mount=type=bind,from={IMG},source=/bin,target=/img ls /img/busybox > /from-image
RUN --mount=type=bind,from=builder,target=/w,rw echo changed > /w/out/data && echo new > /w/new && cat /w/out/data
RUN --mount=type=bind,from=builder,source=/out/data,target=/again cat /again > /after-rw
RUN --mount=type=bind,source=data,target=/in,rw echo changed > /in/input.txt && echo new > /in/new && cat /in/input.txt > /ctx-rw
"
        )
    };
    let ctx = context(&env, "ctx", &df("first"));
    fs::create_dir_all(env.join("ctx/data")).unwrap();
    fs::write(env.join("ctx/data/input.txt"), "from the context\n").unwrap();
    if let Some(user) = env.user() {
        // A user's own context (files of others are not writable in its
        // user namespace, even through a writable mount).
        for p in ["ctx/data", "ctx/data/input.txt"] {
            std::os::unix::fs::chown(env.join(p), Some(user.uid), Some(user.gid)).unwrap();
        }
    }
    let out = env.berth(["build", "-t", "b", &ctx]).ok();
    assert!(out.lines().contains(&"changed"), "{}", out.stdout);
    let show = |image: &str| {
        env.berth(["run", "--rm", image, "sh", "-c"])
            // The mount points are not in the image (BuildKit's rule).
            .arg("cat /copied /listing /via-link /from-image /after-rw /ctx-rw; for p in /w /in /again /e /link /img; do test -e $p && echo \"left $p\"; done; true")
            .ok()
            .stdout
    };
    let got = show("b");
    assert_eq!(
        got, "first\ndata\nfirst\n/img/busybox\nfirst\nchanged\n",
        "the stage's files (not the deleted one, symlinks resolved in the stage), the \
         image's, and nothing of the rw writes"
    );
    // The context on the host is as it was.
    assert_eq!(
        fs::read_to_string(env.join("ctx/data/input.txt")).unwrap(),
        "from the context\n"
    );
    assert!(!env.join("ctx/data/new").exists());
    // The mounts' directories went with the steps' containers.
    let left: Vec<_> = fs::read_dir(env.root().join("tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(env.berth(["ps", "-a", "-q"]).ok().stdout, "");
    // All cached; a changed first stage reruns the steps that mount it.
    let out = env.berth(["build", "-t", "b", &ctx]).ok();
    assert!(!out.lines().contains(&"changed"), "{}", out.stdout);
    fs::write(env.join("ctx/Dockerfile"), df("second")).unwrap();
    let out = env.berth(["build", "-t", "b2", &ctx]).ok();
    assert!(out.lines().contains(&"changed"), "{}", out.stdout);
    assert!(show("b2").starts_with("second\ndata\nsecond\n"));
    // Errors: one line, 125, naming the stage/image or the source.
    for (mount, want) in [
        ("from=localhost/nosuch,target=/x", "localhost/nosuch"),
        (
            "from=builder,source=/no/such/path,target=/x",
            "/no/such/path",
        ),
    ] {
        let ctx = context(
            &env,
            "bad",
            &format!("FROM localhost/busybox AS builder\nFROM localhost/busybox\nRUN --mount=type=bind,{mount} true\n"),
        );
        let ids = all_ids(&env);
        let out = env.berth(["build", &ctx]).fails(125);
        let err = out.stderr.lines().last().unwrap_or("");
        assert!(
            err.starts_with("Error: Dockerfile:3: RUN --mount=") && err.contains(want),
            "{}",
            out.stderr
        );
        let errors = out.stderr.lines().filter(|l| l.contains("Error")).count();
        assert_eq!(errors, 1, "{}", out.stderr);
        assert_eq!(all_ids(&env), ids);
    }
});

/// `git -C dir ARGS` as root, with an author for commits.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `tar ARGS` as root.
fn tar(args: &[&str]) {
    let st = std::process::Command::new("tar")
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "tar {args:?}");
}

each_identity!(contexts_come_from_stdin_a_url_and_git, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let cat = |image: &str, path: &str| {
        let out = env.berth(["run", "--rm", image, "cat", path]).ok();
        out.stdout.trim().to_string()
    };
    // Standard input holding a Dockerfile: the context is empty.
    env.berth(["build", "-q", "-t", "from-stdin", "-"])
        .stdin_bytes("FROM localhost/busybox\nRUN echo built > /made\n")
        .ok();
    assert_eq!(cat("from-stdin", "/made"), "built");

    // Standard input holding a gzip'd tar of the context.
    let ctx = env.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("data"), "from the tar\n").unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        "FROM localhost/busybox\nCOPY data /data\n",
    )
    .unwrap();
    fs::write(
        ctx.join("Other.Dockerfile"),
        "FROM localhost/busybox\nCOPY data /other\n",
    )
    .unwrap();
    let web = env.join("web");
    fs::create_dir_all(&web).unwrap();
    let tgz = web.join("ctx.tgz");
    tar(&[
        "-C",
        ctx.to_str().unwrap(),
        "-czf",
        tgz.to_str().unwrap(),
        ".",
    ]);
    env.berth(["build", "-q", "-t", "from-tar", "-"])
        .stdin_bytes(fs::read(&tgz).unwrap())
        .ok();
    assert_eq!(cat("from-tar", "/data"), "from the tar");

    // The URL of a tar; a relative -f is a file of that context.
    let server = crate::build_copy::HttpServer::start(&web);
    let url = |p: &str| format!("http://127.0.0.1:{}/{p}", server.port);
    env.berth([
        "build",
        "-q",
        "-t",
        "from-url",
        "-f",
        "Other.Dockerfile",
        &url("ctx.tgz"),
    ])
    .ok();
    assert_eq!(cat("from-url", "/other"), "from the tar");
    // The URL of a Dockerfile.
    fs::write(
        web.join("Dockerfile"),
        "FROM localhost/busybox\nRUN echo remote > /made\n",
    )
    .unwrap();
    env.berth(["build", "-q", "-t", "from-url-df", &url("Dockerfile")])
        .ok();
    assert_eq!(cat("from-url-df", "/made"), "remote");

    // A git repository over (dumb) HTTP: #REF:SUBDIR picks the tag and
    // the dir; without a ref, the remote's HEAD.
    let work = env.join("repo-work");
    fs::create_dir_all(work.join("sub")).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    fs::write(
        work.join("sub/Dockerfile"),
        "FROM localhost/busybox\nCOPY v /v\n",
    )
    .unwrap();
    fs::write(work.join("sub/v"), "one\n").unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "one"]);
    git(&work, &["tag", "v1"]);
    fs::write(work.join("sub/v"), "two\n").unwrap();
    git(&work, &["commit", "-q", "-am", "two"]);
    git(
        env.path(),
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            web.join("repo.git").to_str().unwrap(),
        ],
    );
    git(&web.join("repo.git"), &["update-server-info"]);
    env.berth(["build", "-q", "-t", "git-v1", &url("repo.git#v1:sub")])
        .ok();
    assert_eq!(cat("git-v1", "/v"), "one");
    env.berth(["build", "-q", "-t", "git-head", &url("repo.git#:sub")])
        .ok();
    assert_eq!(cat("git-head", "/v"), "two");

    // Errors: one line naming what was wrong, exit 125.
    let before = env.berth(["images", "-q"]).ok().stdout;
    let err = env
        .berth(["build", "-f", "-", "-"])
        .stdin_bytes("FROM localhost/busybox\n")
        .fails(125)
        .stderr;
    assert!(
        err.contains("cannot both come from standard input"),
        "{err}"
    );
    let err = env.berth(["build", &url("missing.tgz")]).fails(125).stderr;
    assert!(
        err.contains("missing.tgz: the server answered 404"),
        "{err}"
    );
    let err = env
        .berth(["build", &url("repo.git#v1:nope")])
        .fails(125)
        .stderr;
    assert!(err.contains("no directory \"nope\""), "{err}");
    let err = env
        .berth(["build", &url("repo.git#no-such-tag")])
        .fails(125)
        .stderr;
    assert!(err.contains("git fetch"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(env.berth(["images", "-q"]).ok().stdout, before);
});

each_identity!(metadata_file_names_the_image_and_its_manifest, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = context(&env, "meta", "FROM localhost/busybox\nRUN echo m > /m\n");
    let file = env.join("meta.json");
    let out = env
        .berth(["build", "-q", "-t", "localhost/meta:1", "-t", "meta:2"])
        .arg("--metadata-file")
        .arg(&file)
        .arg(&ctx)
        .ok();
    let id = out.stdout.trim();
    let meta: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(meta["containerimage.config.digest"], format!("sha256:{id}"));
    let digest = inspect(&env, "localhost/meta:1")["Digest"].clone();
    assert_eq!(meta["containerimage.digest"], digest);
    let d = &meta["containerimage.descriptor"];
    assert_eq!(d["digest"], digest);
    // The manifest berth saves is the one described, byte for byte.
    let archive = env.join("saved.tar");
    env.berth(["save", "--format", "oci-archive", "-o"])
        .arg(&archive)
        .arg("localhost/meta:1")
        .ok();
    let dir = env.join("saved");
    fs::create_dir_all(&dir).unwrap();
    tar::Archive::new(fs::File::open(&archive).unwrap())
        .unpack(&dir)
        .unwrap();
    let hex = digest.as_str().unwrap().trim_start_matches("sha256:");
    let blob = fs::read(dir.join("blobs/sha256").join(hex)).unwrap();
    assert_eq!(d["size"], blob.len() as u64);
    let manifest: Value = serde_json::from_slice(&blob).unwrap();
    assert_eq!(d["mediaType"], manifest["mediaType"]);
    assert_eq!(meta["image.name"], "localhost/meta:1,localhost/meta:2");
});
