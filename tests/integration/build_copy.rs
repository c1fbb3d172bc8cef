//! COPY and ADD of `berth build` through real builds, as root and as the
//! two test users: the build context and `.dockerignore`, wildcards,
//! directory contents, destination rules, `--chown`, `--chmod`,
//! `--exclude`, `--parents`, heredocs, `--from` a stage or an image, ADD
//! of archives in each compression and of URLs served on loopback, and
//! attempts to leave the context. One test builds the same Dockerfile
//! with Podman and compares the configs and the layers' file lists.

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Write the files of a build context below `dir` (world-readable, so the
/// test users can read it): `path -> content`; a content starting with
/// `->` makes a symlink.
fn write_context(dir: &Path, files: &[(&str, &[u8])]) {
    fs::create_dir_all(dir).unwrap();
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    for (p, content) in files {
        let full = dir.join(p);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        if let Some(t) = content.strip_prefix(b"->") {
            std::os::unix::fs::symlink(std::str::from_utf8(t).unwrap(), &full).unwrap();
        } else {
            fs::write(&full, content).unwrap();
        }
    }
    let _ = std::process::Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir)
        .status();
}

/// `berth build -t name -f ctx/Dockerfile ctx`.
fn build(env: &TestEnv, ctx: &Path, name: &str) -> Cmd {
    env.berth(["build", "-q", "-t", name, "-f"])
        .arg(ctx.join("Dockerfile"))
        .arg(ctx)
}

/// Run `script` in image `name`; its standard output.
fn probe(env: &TestEnv, name: &str, script: &str) -> String {
    env.berth(["run", "--rm", "--network", "none", name, "sh", "-c", script])
        .ok()
        .stdout
}

/// `path uid:gid mode(octal) mtime` of each path, as the image sees them.
fn stats(env: &TestEnv, name: &str, paths: &[&str]) -> BTreeMap<String, String> {
    let out = probe(
        env,
        name,
        &format!("stat -c '%n %u:%g %a %Y' {}", paths.join(" ")),
    );
    out.lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(p, rest)| (p.to_string(), rest.to_string()))
        .collect()
}

/// The mtime of a host file, in seconds.
fn mtime(p: &Path) -> i64 {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(p).unwrap().mtime()
}

fn set_mtime(p: &Path, secs: i64) {
    let st = std::process::Command::new("touch")
        .arg("-h")
        .arg("-d")
        .arg(format!("@{secs}"))
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

each_identity!(copy_rules, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    write_context(
        &ctx,
        &[
            ("a.txt", b"alpha\n"),
            ("b.txt", b"beta\n"),
            ("c.md", b"ignored markdown\n"),
            ("README.md", b"kept by an exception\n"),
            ("dir/sub/x.txt", b"x\n"),
            ("dir/y.bin", b"y\n"),
            ("dir/z.tmp", b"ignored tmp\n"),
            ("dir/link", b"->sub/x.txt"),
            ("secret/key", b"never copied\n"),
            ("secret/public.txt", b"public\n"),
            ("deep/a/b/c.tmp", b"ignored\n"),
            (
                ".dockerignore",
                b"# comments and blank lines are skipped\n\n*.md\n!README.md\nsecret\n!secret/public.txt\n**/*.tmp\n",
            ),
            (
                "Dockerfile",
                b"FROM localhost/busybox:latest
WORKDIR /w
COPY a.txt rel/
COPY *.txt /glob/
COPY dir /dircontents
COPY a.txt /renamed.txt
COPY --chown=app a.txt /own/name/
COPY --chown=123:456 a.txt /own/id/
COPY --chmod=0750 a.txt b.txt /mode/
COPY --exclude=*.bin dir /excl/
COPY --parents dir/sub/x.txt /par/
COPY <<EOF /here/
heredoc body
EOF
COPY secret /sec/
COPY . /all/
COPY --link a.txt /linked.txt
",
            ),
        ],
    );
    fs::set_permissions(ctx.join("a.txt"), fs::Permissions::from_mode(0o640)).unwrap();
    if let Some(u) = env.user() {
        // The test user must be able to read its 0640 file.
        let st = std::process::Command::new("chown")
            .arg(format!("{}:{}", u.uid, u.gid))
            .arg(ctx.join("a.txt"))
            .status()
            .unwrap();
        assert!(st.success());
    }
    set_mtime(&ctx.join("a.txt"), 981173106);
    build(&env, &ctx, "localhost/copy:1").ok();

    let listing = probe(
        &env,
        "localhost/copy:1",
        "find /w /glob /dircontents /renamed.txt /own /mode /excl /par /here /sec /all /linked.txt | sort",
    );
    let got: Vec<&str> = listing.lines().collect();
    let want = [
        "/all",
        "/all/.dockerignore",
        "/all/Dockerfile",
        "/all/README.md",
        "/all/a.txt",
        "/all/b.txt",
        "/all/deep",
        "/all/deep/a",
        "/all/deep/a/b",
        "/all/dir",
        "/all/dir/link",
        "/all/dir/sub",
        "/all/dir/sub/x.txt",
        "/all/dir/y.bin",
        "/all/secret",
        "/all/secret/public.txt",
        "/dircontents",
        "/dircontents/link",
        "/dircontents/sub",
        "/dircontents/sub/x.txt",
        "/dircontents/y.bin",
        "/excl",
        "/excl/link",
        "/excl/sub",
        "/excl/sub/x.txt",
        "/glob",
        "/glob/a.txt",
        "/glob/b.txt",
        "/here",
        "/here/EOF",
        "/linked.txt",
        "/mode",
        "/mode/a.txt",
        "/mode/b.txt",
        "/own",
        "/own/id",
        "/own/id/a.txt",
        "/own/name",
        "/own/name/a.txt",
        "/par",
        "/par/dir",
        "/par/dir/sub",
        "/par/dir/sub/x.txt",
        "/renamed.txt",
        "/sec",
        "/sec/public.txt",
        "/w",
        "/w/rel",
        "/w/rel/a.txt",
    ];
    assert_eq!(got, want, "{listing}");

    let s = stats(
        &env,
        "localhost/copy:1",
        &[
            "/w/rel/a.txt",
            "/glob",
            "/own/name/a.txt",
            "/own/id/a.txt",
            "/mode/a.txt",
            "/mode/b.txt",
        ],
    );
    // Mode and mtime come from the context; the owner is root.
    assert_eq!(s["/w/rel/a.txt"], "0:0 640 981173106");
    // A missing destination directory is made 0755, owned by root.
    assert!(s["/glob"].starts_with("0:0 755 "), "{s:?}");
    if who != Who::NoSub {
        // A name resolves in the image's /etc/passwd (app is 1000:1000);
        // a number is taken as given. (A user without subordinate ids
        // has only one id to give, so ownership cannot be kept there.)
        assert_eq!(s["/own/name/a.txt"], "1000:1000 640 981173106");
        assert_eq!(s["/own/id/a.txt"], "123:456 640 981173106");
    }
    assert!(s["/mode/a.txt"].starts_with("0:0 750 "), "{s:?}");
    assert!(s["/mode/b.txt"].starts_with("0:0 750 "), "{s:?}");
    let out = probe(
        &env,
        "localhost/copy:1",
        "cat /here/EOF /renamed.txt; readlink /dircontents/link; stat -c %a /here/EOF",
    );
    assert_eq!(out, "heredoc body\nalpha\nsub/x.txt\n644\n");
});

/// `ADD URL` from a server that accepts the request and never answers
/// ends with the timeout's error naming the URL, exit 125, as a pull
/// does (the download had no deadline and waited for ever).
#[test]
fn add_of_a_url_that_never_answers_times_out() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let server = crate::registry_util::SilentAfter::start("/never", false);
    let url = format!("http://{}/never/file.bin", server.host());
    let ctx = env.join("silent");
    let dockerfile = format!("FROM {IMG}\nADD {url} /f\n");
    write_context(&ctx, &[("Dockerfile", dockerfile.as_bytes())]);
    let out = build(&env, &ctx, "localhost/silent:1")
        .env("BERTH_REGISTRY_TIMEOUT", "2")
        .run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("no answer in 2 s"), "{}", out.stderr);
    assert!(out.stderr.contains(&url), "{}", out.stderr);
    assert!(server.stalled(), "the build never asked for {url}");

    // A server that sends the headers and part of the body, then holds
    // the connection without a word: the same error, not EAGAIN's.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        if !read_request_head(&mut s).ends_with(b"\r\n\r\n") {
            return;
        }
        let _ = s.write_all(b"HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\nten bytes.");
        let _ = wait.recv();
    });
    let url = format!("http://127.0.0.1:{port}/half.bin");
    let dockerfile = format!("FROM {IMG}\nADD {url} /f\n");
    write_context(&ctx, &[("Dockerfile", dockerfile.as_bytes())]);
    let out = build(&env, &ctx, "localhost/silent:1")
        .env("BERTH_REGISTRY_TIMEOUT", "2")
        .run();
    let _ = done.send(());
    holder.join().unwrap();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert!(out.stderr.contains("no answer in 2 s"), "{}", out.stderr);
    assert!(out.stderr.contains(&url), "{}", out.stderr);
}

each_identity!(add_archives_and_urls, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    // One tar (a directory 0755 and a file 0644 with known times),
    // plain and in each compression ADD detects.
    let tar = LayerBuilder::new()
        .dir("d", 0o755)
        .file("d/f", "in the archive\n", 0o644)
        .file("top", "top\n", 0o644)
        .tar_bytes();
    let mut entries = tar::Archive::new(&tar[..]);
    let times: BTreeMap<String, u64> = entries
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let p = e.path().unwrap().display().to_string();
            (
                p.trim_end_matches('/').to_string(),
                e.header().mtime().unwrap(),
            )
        })
        .collect();
    fs::create_dir_all(&ctx).unwrap();
    let bz2 = {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    let xz = {
        let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
        e.write_all(&tar).unwrap();
        e.finish().unwrap()
    };
    for (name, data) in [
        ("a.tar", tar.clone()),
        ("a.tgz", gzip(&tar)),
        ("a.tbz", bz2),
        ("a.txz", xz),
        ("a.tzst", zstd(&tar)),
    ] {
        fs::write(ctx.join(name), data).unwrap();
    }
    // Compressed but not a tar: copied as it is. Named as a tar
    // nonetheless, since the content decides.
    fs::write(ctx.join("plain.tar.gz"), gzip(b"not a tar at all\n")).unwrap();
    let served = env.join("served");
    fs::create_dir_all(&served).unwrap();
    fs::write(served.join("file.bin"), b"downloaded bytes\n").unwrap();
    set_mtime(&served.join("file.bin"), 1000000000);
    let server = HttpServer::start(&served);
    let url = format!("http://127.0.0.1:{}/file.bin", server.port);
    let good = format!("sha256:{}", hex_sha256(b"downloaded bytes\n"));
    write_context(
        &ctx,
        &[(
            "Dockerfile",
            format!(
                "FROM localhost/busybox:latest
ADD a.tar /x/tar/
ADD a.tgz /x/gz/
ADD a.tbz /x/bz2/
ADD a.txz /x/xz/
ADD a.tzst /x/zst/
ADD plain.tar.gz /x/plain/
ADD --chown=7:8 a.tgz /x/owned/
ADD --checksum={good} {url} /u/
ADD {url} /u/renamed
"
            )
            .as_bytes(),
        )],
    );
    build(&env, &ctx, "localhost/add:1").ok();
    let out = probe(
        &env,
        "localhost/add:1",
        "for c in tar gz bz2 xz zst; do cat /x/$c/d/f /x/$c/top; done; find /x/plain; zcat /x/plain/plain.tar.gz; cat /u/file.bin /u/renamed",
    );
    let mut want = String::new();
    for _ in 0..5 {
        want.push_str("in the archive\ntop\n");
    }
    want.push_str("/x/plain\n/x/plain/plain.tar.gz\nnot a tar at all\n");
    want.push_str("downloaded bytes\ndownloaded bytes\n");
    assert_eq!(out, want);
    let s = stats(
        &env,
        "localhost/add:1",
        &["/u/file.bin", "/x/gz/d/f", "/x/gz/d", "/x/owned/d/f"],
    );
    // A download is 0600, its mtime from Last-Modified.
    assert_eq!(s["/u/file.bin"], "0:0 600 1000000000");
    // Extracted entries keep their archive metadata.
    assert_eq!(s["/x/gz/d/f"], format!("0:0 644 {}", times["d/f"]));
    assert_eq!(s["/x/gz/d"], format!("0:0 755 {}", times["d"]));
    if who != Who::NoSub {
        // --chown applies to what an archive holds, too.
        assert_eq!(s["/x/owned/d/f"], format!("7:8 644 {}", times["d/f"]));
    }

    // A wrong checksum fails the build, naming the URL.
    let bad_ctx = env.join("bad");
    write_context(
        &bad_ctx,
        &[(
            "Dockerfile",
            format!(
                "FROM localhost/busybox:latest\nADD --checksum=sha256:{} {url} /u/\n",
                "0".repeat(64)
            )
            .as_bytes(),
        )],
    );
    let out = build(&env, &bad_ctx, "localhost/add:bad").run();
    out.assert_code(125);
    assert!(out.stderr.contains(&url), "{}", out.stderr);
    assert!(out.stderr.contains("checksum"), "{}", out.stderr);
    env.berth(["image", "exists", "localhost/add:bad"]).fails(1);
});

each_identity!(copy_from_a_stage_and_an_image, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    write_context(
        &ctx,
        &[(
            "Dockerfile",
            b"FROM localhost/busybox:latest AS first
RUN mkdir -p /out/sub && echo made > /out/sub/f && ln -s /etc/group /out/abs && echo fake > /etc/host-only
FROM localhost/busybox:latest
COPY --from=first /out /got/
COPY --from=first /out/abs /viaabs
COPY --from=localhost/busybox:latest /etc/passwd /fromimage/
COPY --from=0 /out/sub/f /byindex
",
        )],
    );
    build(&env, &ctx, "localhost/from:1").ok();
    let out = probe(
        &env,
        "localhost/from:1",
        "cat /got/sub/f /byindex; readlink /got/abs; head -1 /viaabs; head -1 /fromimage/passwd",
    );
    // The absolute symlink in the stage resolves inside the stage's root.
    assert_eq!(
        out,
        "made\nmade\n/etc/group\nroot:x:0:\nroot:x:0:0:root:/root:/bin/sh\n"
    );
});

each_identity!(the_context_cannot_be_left, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let outside = env.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret"), "outside the context\n").unwrap();
    let ctx = env.join("ctx");
    write_context(
        &ctx,
        &[
            ("in.txt", b"inside\n"),
            ("up", b"->../outside"),
            ("abs", b"->/in.txt"),
        ],
    );
    // `..` and absolute symlinks resolve at the context's root.
    write_context(
        &ctx,
        &[(
            "Dockerfile",
            b"FROM localhost/busybox:latest\nCOPY ../../in.txt /a\nCOPY abs /b\n",
        )],
    );
    build(&env, &ctx, "localhost/esc:1").ok();
    assert_eq!(
        probe(&env, "localhost/esc:1", "cat /a /b"),
        "inside\ninside\n"
    );
    // A symlink out of the context does not reach outside it.
    for (df, name) in [
        ("COPY up/secret /s\n", "up/secret"),
        ("COPY ../outside/secret /s\n", "../outside/secret"),
    ] {
        write_context(
            &ctx,
            &[(
                "Dockerfile",
                format!("FROM localhost/busybox:latest\n{df}").as_bytes(),
            )],
        );
        let out = build(&env, &ctx, "localhost/esc:2").run();
        out.assert_code(125);
        assert!(out.stderr.contains(name), "{}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    }
});

/// Errors are one line naming the source or the pattern, exit 125, and
/// leave no image behind.
#[test]
fn bad_sources_fail_clearly() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let ctx = env.join("ctx");
    write_context(
        &ctx,
        &[
            ("a.txt", b"a"),
            ("b.txt", b"b"),
            ("ignored.txt", b"i"),
            (".dockerignore", b"ignored.txt\n"),
        ],
    );
    for (line, needle) in [
        ("COPY a.txt b.txt /dest", "/dest"),
        ("COPY *.txt /dest", "*.txt"),
        ("COPY nomatch* /d/", "nomatch*"),
        ("COPY missing.txt /d/", "missing.txt"),
        ("COPY ignored.txt /d/", "ignored.txt"),
        ("COPY --chmod=rwx a.txt /d/", "--chmod=rwx"),
        ("COPY --chown=nosuchuser a.txt /d/", "nosuchuser"),
        ("COPY http://127.0.0.1:1/x /d/", "http://127.0.0.1:1/x"),
        ("ADD https://example.com/repo.git /d/", "repo.git"),
        ("ADD http://127.0.0.1:1/x /d/", "http://127.0.0.1:1/x"),
    ] {
        write_context(
            &ctx,
            &[(
                "Dockerfile",
                format!("FROM localhost/busybox:latest\n{line}\n").as_bytes(),
            )],
        );
        let out = build(&env, &ctx, "localhost/bad:1").run();
        out.assert_code(125);
        let err = out.stderr.trim();
        assert!(err.starts_with("Error: "), "{line}: {err}");
        assert_eq!(err.lines().count(), 1, "{line}: {err}");
        assert!(err.contains(needle), "{line}: {err}");
        env.berth(["image", "exists", "localhost/bad:1"]).fails(1);
    }
}

/// The same Dockerfile (written for Docker) built by berth and by Podman:
/// the same config fields, the same files in the same layers.
#[test]
fn matches_podman_build() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let archive = env.join("images.tar");
    podman(&env).args(["load", "-q", "-i"]).arg(&archive).ok();
    let ctx = env.join("ctx");
    write_context(
        &ctx,
        &[
            ("app/main.sh", b"#!/bin/sh\necho hi\n"),
            ("app/lib/util.sh", b"util\n"),
            ("app/notes.md", b"ignored\n"),
            ("conf.txt", b"conf\n"),
            (".dockerignore", b"**/*.md\n"),
            (
                "Dockerfile",
                b"FROM localhost/busybox:latest
LABEL org.example.name=\"berth test\" version=1
ENV APP_HOME=/srv/app PATH=/srv/app:$PATH
WORKDIR $APP_HOME
COPY app/ ./
COPY --chmod=0600 conf.txt /etc/app/conf.txt
ADD conf.txt /etc/app/added/
USER app
EXPOSE 8080/tcp 9090/udp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --retries=2 CMD [\"/bin/true\"]
ENTRYPOINT [\"/bin/sh\", \"-c\"]
CMD [\"echo hello\"]
",
            ),
        ],
    );
    build(&env, &ctx, "localhost/cmp:berth").ok();
    // Docker's format: OCI image configs have no HEALTHCHECK.
    podman(&env)
        .args([
            "build",
            "-q",
            "--format",
            "docker",
            "--layers",
            "-t",
            "localhost/cmp:podman",
            "-f",
        ])
        .arg(ctx.join("Dockerfile"))
        .arg(&ctx)
        .ok();
    let config = |out: Output| -> serde_json::Value {
        let v = out.json();
        let v = if v.is_array() { v[0].clone() } else { v };
        let mut c = v["Config"].clone();
        // Podman shows HEALTHCHECK beside the config, not in it.
        if c["Healthcheck"].is_null() {
            c["Healthcheck"] = v["Healthcheck"].clone();
        }
        // Podman records its builder's version as a label.
        if let Some(l) = c["Labels"].as_object_mut() {
            l.remove("io.buildah.version");
        }
        // ENV order is not part of the image's meaning.
        if let Some(e) = c["Env"].as_array_mut() {
            e.sort_by_key(|v| v.to_string());
        }
        c
    };
    let ours = config(env.berth(["inspect", "localhost/cmp:berth"]).ok());
    let theirs = config(podman(&env).args(["inspect", "localhost/cmp:podman"]).ok());
    for field in [
        "Env",
        "Cmd",
        "Entrypoint",
        "WorkingDir",
        "User",
        "Labels",
        "ExposedPorts",
        "StopSignal",
        "Healthcheck",
    ] {
        assert_eq!(ours[field], theirs[field], "{field}: {ours} / {theirs}");
    }
    let ours = layer_files(&env, &env.join("berth.tar"), |p| {
        env.berth(["save", "-o"])
            .arg(p)
            .arg("localhost/cmp:berth")
            .ok();
    });
    let theirs = layer_files(&env, &env.join("podman.tar"), |p| {
        podman(&env)
            .args(["save", "--format", "docker-archive", "-o"])
            .arg(p)
            .arg("localhost/cmp:podman")
            .ok();
    });
    // The files (not directories: tools differ on which parents they
    // record) of each layer with files, in order.
    assert_eq!(ours, theirs);
    assert!(ours.iter().flatten().any(|f| f == "srv/app/lib/util.sh"));
    assert!(!ours.iter().flatten().any(|f| f.ends_with(".md")));
}

/// Save with `save` to `path`, then list the non-directory entries of
/// each layer of the docker-archive, skipping layers with none.
fn layer_files(_env: &TestEnv, path: &Path, save: impl Fn(&Path)) -> Vec<BTreeSet<String>> {
    save(path);
    let mut outer = tar::Archive::new(fs::File::open(path).unwrap());
    let mut blobs: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in outer.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        blobs.insert(name, data);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&blobs["manifest.json"]).unwrap();
    let mut out = Vec::new();
    for l in manifest[0]["Layers"].as_array().unwrap() {
        let data = &blobs[l.as_str().unwrap()];
        let mut files = BTreeSet::new();
        let mut a = tar::Archive::new(&data[..]);
        for e in a.entries().unwrap() {
            let e = e.unwrap();
            if e.header().entry_type().is_dir() {
                continue;
            }
            let p = e.path().unwrap().display().to_string();
            files.insert(p.trim_start_matches("./").to_string());
        }
        if !files.is_empty() {
            out.push(files);
        }
    }
    // The base image's layer is the same for both.
    out
}

fn hex_sha256(data: &[u8]) -> String {
    let d = berth::digest::Digest::of(data);
    d.hex().to_string()
}

/// What a client sent up to the end of its request's head (`\r\n\r\n`),
/// or until it closed or failed.
fn read_request_head(s: &mut std::net::TcpStream) -> Vec<u8> {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    req
}

/// A tiny HTTP/1.0 file server on loopback, for ADD of URLs: serves the
/// files of one directory with `Last-Modified`, 404 otherwise (a query
/// is ignored, as a static server does; git's dumb HTTP relies on it).
pub(crate) struct HttpServer {
    pub(crate) port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    pub(crate) fn start(dir: &Path) -> HttpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (dir, flag) = (dir.to_path_buf(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let (mut s, _) = match listener.accept() {
                    Ok(c) => c,
                    Err(_) => {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                        continue;
                    }
                };
                s.set_nonblocking(false).unwrap();
                let req = read_request_head(&mut s);
                let line = String::from_utf8_lossy(&req);
                let path = line.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or(path);
                let file = dir.join(path.trim_start_matches('/'));
                let resp = match fs::read(&file) {
                    Ok(body) => {
                        let date = http_date(mtime(&file));
                        let mut r = format!(
                            "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nLast-Modified: {date}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&body);
                        r
                    }
                    Err(_) => b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                let _ = s.write_all(&resp);
            }
        });
        HttpServer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Unix seconds as an HTTP date (`Sun, 09 Sep 2001 01:46:40 GMT`).
fn http_date(t: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%a, %d %b %Y %H:%M:%S GMT"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}
