//! The same command lines on berth and on podman 4.3, over the same
//! image and over containers, volumes and networks made the same way:
//! exit codes, the keys of `--format json` and `inspect`, and the values
//! of the template fields Podman documents must agree. One table per
//! command group. Where Podman 5 documents a behaviour that 4.3 lacks,
//! berth follows Podman 5 and the case says so.

use crate::fixtures::*;
use crate::util::*;
use serde_json::Value;
use std::collections::BTreeSet;

const IMG: &str = "localhost/table:1";

/// One command line, run on both tools.
enum Case {
    /// Both exit with this code.
    Code(&'static [&'static str], i32),
    /// Both succeed, and berth's JSON has every key path of Podman's
    /// except those listed (berth's deliberate differences, each named
    /// in docs/podman-differences.md).
    Keys(&'static [&'static str], &'static [&'static str]),
    /// Both succeed and print the same.
    Same(&'static [&'static str]),
}

/// A store with `IMG` (labelled) on both tools.
fn both_with_image() -> TestEnv {
    let env = TestEnv::new();
    let mut spec = ImageSpec::busybox(IMG);
    spec.labels.insert("org.example.team".into(), "core".into());
    spec.labels.insert("tier".into(), "web".into());
    let archive = docker_archive(&env, "table.tar", &[spec]);
    berth_load(&env, &archive);
    podman(&env).args(["load", "-q", "-i"]).arg(&archive).ok();
    env
}

/// Key paths of a JSON document (`.A.B`, `.List[].C`). The values of
/// maps keyed by data (labels, ports, network names) are not descended
/// into.
fn key_paths(v: &Value) -> BTreeSet<String> {
    const MAPS: &[&str] = &[
        "Labels",
        "Annotations",
        "Options",
        "ExposedPorts",
        "PortBindings",
        "Ports",
        "Networks",
        "Tmpfs",
        "Sysctls",
        "Volumes",
        "graphOptions",
        "graphStatus",
        "registries",
        "Data",
        "Health",
        "Namespaces",
        "IPAM",
        "ipam_options",
        "options",
        "labels",
    ];
    fn walk(v: &Value, at: &str, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = format!("{at}.{k}");
                    out.insert(p.clone());
                    if !MAPS.contains(&k.as_str()) {
                        walk(x, &p, out);
                    }
                }
            }
            Value::Array(a) => {
                if let Some(first) = a.first() {
                    walk(first, &format!("{at}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    match v {
        Value::Array(a) => {
            if let Some(first) = a.first() {
                walk(first, "", &mut out);
            }
        }
        _ => walk(v, "", &mut out),
    }
    out
}

fn check(env: &TestEnv, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let args = match case {
            Case::Code(a, _) | Case::Keys(a, _) | Case::Same(a) => *a,
        };
        let ours = env.berth(args).run();
        let theirs = podman(env).args(args).run();
        match case {
            Case::Code(_, code) => {
                if ours.code != *code || theirs.code != *code {
                    failures.push(format!(
                        "{args:?}: berth exits {}, podman {}, expected {code}\nberth: {}podman: {}",
                        ours.code, theirs.code, ours.stderr, theirs.stderr
                    ));
                }
            }
            Case::Keys(_, allowed) => {
                assert_eq!(theirs.code, 0, "podman {args:?}: {}", theirs.stderr);
                assert_eq!(ours.code, 0, "berth {args:?}: {}", ours.stderr);
                let (b, p) = (key_paths(&ours.json()), key_paths(&theirs.json()));
                assert!(!p.is_empty(), "podman {args:?} printed no keys");
                let missing: Vec<&String> = p
                    .difference(&b)
                    .filter(|k| !allowed.iter().any(|a| k.starts_with(a)))
                    .collect();
                if !missing.is_empty() {
                    failures.push(format!("{args:?}: berth lacks Podman's keys {missing:?}"));
                }
            }
            Case::Same(_) => {
                if ours.code != 0 || ours.stdout != theirs.stdout {
                    failures.push(format!(
                        "{args:?}:\nberth  ({}): {:?} {}\npodman ({}): {:?} {}",
                        ours.code,
                        ours.stdout,
                        ours.stderr.trim(),
                        theirs.code,
                        theirs.stdout,
                        theirs.stderr.trim()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn images_group_matches_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    use Case::*;
    check(
        &env,
        &[
            Keys(&["images", "--format", "json"], &[]),
            Keys(&["image", "inspect", IMG], &[".GraphDriver.Data"]),
            Keys(&["history", "--format", "json", IMG], &[]),
            Same(&[
                "images",
                "--format",
                "{{.ID}} {{.Repository}} {{.Tag}} {{.Labels}} {{.Names}} {{.CreatedAt}} {{.Size}} {{.Containers}} {{.ReadOnly}} {{.History}}",
            ]),
            Same(&[
                "images",
                "--format",
                "{{.Labels.tier}} {{index .Labels \"org.example.team\"}} {{json .Labels}} {{join .Names \",\"}} {{upper .Tag}} {{lower .Repository}} {{truncate .ID 5}} {{title .Repository}} {{split .Repository \"/\"}} {{len .Names}}",
            ]),
            Same(&["images", "--format", "table {{.Repository}}\t{{.Tag}}\t{{.ID}}"]),
            Same(&["images", "--noheading"]),
            Same(&["images", "-q", IMG]),
            // A time.Time field prints as Go prints one; json and .Unix
            // as Podman gives them.
            Same(&[
                "image",
                "inspect",
                "--format",
                "{{.Created}}|{{json .Created}}|{{.Created.Unix}}|{{printf \"%s\" .Created}}",
                IMG,
            ]),
            Same(&["inspect", "--format", "{{.Created}}", IMG]),
            Same(&[
                "image",
                "inspect",
                "--format",
                "{{.Id}} {{.Config.Cmd}} {{.Config.Labels}} {{.Architecture}} {{.Os}} {{.RootFS.Type}} {{len .RootFS.Layers}} {{.RepoTags}} {{.Labels.tier}}",
                IMG,
            ]),
            Same(&[
                "history",
                "--format",
                "{{.ID}} {{.Created}} {{.CreatedAt}} {{.CreatedSince}} {{.CreatedBy}} {{.Size}} {{.Comment}} {{.Tags}}",
                IMG,
            ]),
            Same(&["history", "-qH", IMG]),
            Same(&["history", "--human=false", "--format", "{{.Created}}", IMG]),
            Same(&["image", "exists", IMG]),
            Code(&["image", "exists", "localhost/nope"], 1),
            Code(&["rmi", "localhost/nope"], 1),
            Code(&["image", "inspect", "localhost/nope"], 125),
            Code(&["history", "localhost/nope"], 125),
            Code(&["tag", "localhost/nope", "localhost/x"], 125),
            Code(&["images", "--filter", "bogus=1"], 125),
            Code(&["images", "--format", "{{.NoSuchField}}"], 125),
            Code(&["images", "--no-such-flag"], 125),
        ],
    );
    // A name asked for lists that name only, as Podman 5 does (4.3
    // listed every name of the image).
    env.berth(["tag", IMG, "localhost/other:2"]).ok();
    let out = env
        .berth(["images", "--format", "{{.Repository}}:{{.Tag}}", IMG])
        .ok();
    assert_eq!(out.stdout, format!("{IMG}\n"));
    let out = env
        .berth([
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            "--filter",
            "reference=localhost/other",
        ])
        .ok();
    assert_eq!(out.stdout, "localhost/other:2\n");
    let out = env.berth(["images", "--format", "{{.Tag}}"]).ok();
    assert_eq!(out.lines(), ["1", "2"], "without a reference: every name");
}

#[test]
fn containers_group_matches_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    let create: &[&str] = &[
        "create",
        "--name",
        "c1",
        "--network",
        "none",
        "-e",
        "A=1",
        "-l",
        "k=v",
        "--workdir",
        "/tmp",
        "--cap-add",
        "net_admin",
        "--add-host",
        "db:198.18.0.7",
        "--ulimit",
        "nofile=1024:1024",
        IMG,
        "sleep",
        "300",
    ];
    env.berth(create).ok();
    podman(&env).args(create).ok();
    let run: &[&str] = &[
        "run",
        "-d",
        "--name",
        "r1",
        "--network",
        "none",
        "--rm=false",
        "--ulimit",
        "nofile=1024:1024",
        "--ulimit",
        "nproc=4096:4096",
        IMG,
        "sleep",
        "300",
    ];
    env.berth(run).ok();
    podman(&env).args(run).ok();
    use Case::*;
    // berth's deliberate differences in keys: no conmon (berth watches its
    // containers itself), no pods yet, no SELinux or AppArmor labels.
    check(
        &env,
        &[
            Keys(&["container", "inspect", "c1"], &[]),
            Keys(&["container", "inspect", "r1"], &[]),
            Keys(&["ps", "-a", "--format", "json"], &[]),
            Same(&[
                "container",
                "inspect",
                "--format",
                "{{.Name}} {{.Path}} {{.Args}} {{.ImageName}} {{.Image}} {{.Config.Labels.k}} {{.Config.WorkingDir}} {{.Config.Cmd}} {{.State.Status}} {{.State.Running}} {{.State.ExitCode}} {{.State.Health.Status}} {{.RestartCount}} {{.HostConfig.NetworkMode}} {{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.AutoRemove}} {{.HostConfig.CapAdd}} {{.HostConfig.ExtraHosts}} {{.Config.Tty}} {{.Config.OpenStdin}} {{.Config.StopTimeout}}",
                "c1",
            ]),
            Same(&[
                "inspect",
                "--format",
                "{{.State.Status}} {{.State.Running}} {{.HostConfig.NetworkMode}} {{len .Mounts}} {{.Pod}}",
                "r1",
            ]),
            // `.Status` of a running container is "Up 2 seconds" in
            // Podman 5 ("… ago" in 4.3); `.State` is Docker's `running`
            // (4.3: the status again). Created ones agree.
            Same(&[
                "ps",
                "-a",
                "--filter",
                "name=c1",
                "--format",
                "{{.Names}} {{.Image}} {{.Command}} {{.Status}} {{.Labels.k}} {{.Exited}} {{.ExitCode}} {{.Pod}} {{.Ports}} {{.Mounts}} {{.AutoRemove}} {{.IsInfra}} {{.Pid | printf \"%T\"}} {{.Networks}}",
            ]),
            Same(&["ps", "--format", "{{.Names}} {{.Status | printf \"%.2s\"}}"]),
            Same(&["container", "exists", "c1"]),
            Code(&["rm", "r1"], 2),
            Code(&["rm", "nope"], 1),
            Code(&["rm", "-f", "nope"], 0),
            Code(&["container", "exists", "nope"], 1),
            Code(&["inspect", "nope"], 125),
            Code(&["start", "nope"], 125),
            Code(&["stop", "nope"], 125),
            Code(&["kill", "nope"], 125),
            Code(&["restart", "nope"], 125),
            Code(&["logs", "nope"], 125),
            Code(&["port", "nope"], 125),
            Code(&["exec", "nope", "true"], 125),
            Code(&["exec", "r1", "sh", "-c", "exit 4"], 4),
            Code(&["exec", "r1", "/no/such/program"], 127),
            Code(&["run", "--rm", "--network", "none", IMG, "sh", "-c", "exit 3"], 3),
            Code(&["run", "--rm", "--network", "none", IMG, "/no/such/program"], 127),
            Code(&["run", "--rm", "--network", "none", IMG, "/etc"], 126),
            Code(
                &["run", "--rm", "--network", "none", "--workdir", "/does/not/exist", IMG, "true"],
                126,
            ),
            // Go's flag syntax for on/off flags.
            Code(
                &["run", "--rm=true", "-i=false", "--network", "none", "--privileged=false", IMG, "true"],
                0,
            ),
            Code(&["run", "--rm=maybe", IMG, "true"], 125),
            // Programs test for the file to know they run in a container.
            Code(
                &["run", "--rm", "--network", "none", IMG, "sh", "-c", "test -f /run/.containerenv"],
                0,
            ),
            Code(
                &["run", "--rm", "--network", "none", IMG, "sh", "-c", "test -s /run/.containerenv"],
                1,
            ),
            Code(&["run", "--no-such-flag", IMG], 125),
            Code(&["create", "--network", "none", "--dns", "198.18.0.53", IMG], 125),
            Code(&["create", "--network", "none", "--dns-search", "example.org", IMG], 125),
        ],
    );
}

#[test]
fn system_volume_and_network_groups_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    for args in [
        &["volume", "create", "--label", "k=v", "v1"][..],
        &[
            "network",
            "create",
            "--subnet",
            "198.18.77.0/24",
            "--label",
            "k=v",
            "tablenet",
        ],
    ] {
        env.berth(args).ok();
        podman(&env).args(args).ok();
    }
    let _net = NetworkCleanup(&env);
    use Case::*;
    check(
        &env,
        &[
            // berth has no conmon and no API socket, and is no Go program.
            Keys(
                &["info", "--format", "json"],
                &[
                    ".host.conmon",
                    ".host.remoteSocket",
                    ".host.buildahVersion",
                    ".version.GoVersion",
                ],
            ),
            Same(&[
                "info",
                "--format",
                "{{.Host.Arch}} {{.Host.OS}} {{.Host.Kernel}} {{.Host.Hostname}} {{.Host.CPUs}} {{.Host.MemTotal}} {{.Host.Distribution.Distribution}} {{.Host.Distribution.Version}} {{.Host.Distribution.Codename}} {{.Host.Security.Rootless}} {{.Host.Slirp4NetNS.Executable}} {{.Store.ImageStore.Number}} {{.Store.ContainerStore.Number}} {{.Host.EventLogger}} {{.Host.LogDriver}}",
            ]),
            Keys(&["volume", "inspect", "v1"], &[]),
            Keys(&["volume", "ls", "--format", "json"], &[]),
            Same(&[
                "volume",
                "inspect",
                "--format",
                "{{.Name}} {{.Driver}} {{.Labels.k}} {{.Scope}}",
                "v1",
            ]),
            Same(&["volume", "ls", "--format", "{{.Name}} {{.Driver}}"]),
            Keys(&["network", "inspect", "tablenet"], &[]),
            Same(&[
                "network",
                "inspect",
                "--format",
                "{{.Name}} {{.Driver}} {{.Labels.k}} {{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}} {{.Internal}} {{.IPv6Enabled}}",
                "tablenet",
            ]),
            Code(&["volume", "inspect", "nope"], 125),
            Code(&["volume", "exists", "nope"], 1),
            Code(&["volume", "exists", "v1"], 0),
            Code(&["volume", "rm", "nope"], 1),
            Code(&["volume", "rm", "-f", "nope"], 0),
            Code(&["network", "exists", "nope"], 1),
            Code(&["network", "exists", "tablenet"], 0),
            Code(&["network", "inspect", "nope"], 125),
            Code(&["network", "rm", "nope"], 1),
            Code(&["network", "rm", "-f", "nope"], 0),
            Code(&["info", "--format", "{{.Nope}}"], 125),
        ],
    );
    let out = env
        .berth(["info", "--format", "{{.Host.OCIRuntime.Path}}"])
        .ok();
    assert!(out.stdout.trim().ends_with("/berth"), "{}", out.stdout);
}

/// Removes the test network from both tools (a podman network is a file
/// in its store; berth's may have host state).
struct NetworkCleanup<'a>(&'a TestEnv);

impl Drop for NetworkCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["network", "rm", "-f", "tablenet"]).run();
        let _ = podman(self.0)
            .args(["network", "rm", "-f", "tablenet"])
            .run();
    }
}

/// Removes the containers of both tools (podman's keep a conmon each).
/// `cp`: the same command lines on both tools, from the same start (a
/// stopped container with links and a home, a running one with a tmpfs,
/// a host dir per tool). Each line must exit as podman's does, and each
/// container and host dir must end up holding the same names, kinds,
/// modes, owners and contents.
#[test]
fn cp_matches_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    let setup = "mkdir -p /app/sub /home/u && echo top > /app/a.txt && echo sub > /app/sub/b.txt \
                 && ln -s /app /lnk && ln -s sub /app/sublink && ln -s /app/a.txt /flnk \
                 && ln -s /nowhere /dangle && busybox chown 1000:1000 /home/u";
    for (tool, host) in [("berth", "b-host"), ("podman", "p-host")] {
        let cmd = || match tool {
            "berth" => env.berth(Vec::<&str>::new()),
            _ => podman(&env),
        };
        cmd()
            .args([
                "run",
                "--name",
                "s",
                "--network",
                "none",
                IMG,
                "sh",
                "-c",
                setup,
            ])
            .ok();
        cmd()
            .args([
                "create",
                "--name",
                "u",
                "--network",
                "none",
                "--user",
                "1000:1000",
            ])
            .args(["-w", "/home/app", IMG, "true"])
            .ok();
        cmd()
            .args([
                "run",
                "-d",
                "--name",
                "r",
                "--network",
                "none",
                "--tmpfs",
                "/scratch",
            ])
            .args(["-w", "/scratch", IMG, "sleep", "300"])
            .ok();
        env.command("sh")
            .arg("-c")
            .arg(format!(
                "mkdir -p {host}/in/d/sub {host}/out {host}/ow/a.txt && echo f > {host}/in/f \
                 && echo x > {host}/in/d/sub/x && ln -s f {host}/in/flink"
            ))
            .ok();
    }
    // `{H}`: the tool's own host dir.
    let lines: &[&[&str]] = &[
        &["cp", "{H}/in/f", "u:."],
        &["cp", "{H}/in/f", "r:rel"],
        &["cp", "{H}/in/flink", "u:/tmp/"],
        &["cp", "{H}/in/d", "u:/tmp/newd"],
        &["cp", "{H}/in/d/.", "u:/tmp"],
        &["cp", "{H}/in/d", "u:/tmp/newd/sub/x"],
        &["cp", "{H}/in/f", "u:/tmp/missing/"],
        &["cp", "{H}/in/f", "u:/tmp/missing/x"],
        &["cp", "{H}/nosuch", "u:/tmp"],
        &["cp", "s:/app/*", "{H}/out"],
        &["cp", "s:/app/", "{H}/out"],
        &["cp", "s:/app/.", "{H}/out/contents"],
        &["cp", "s:/lnk", "{H}/out/"],
        &["cp", "s:/flnk", "{H}/out/"],
        &["cp", "s:/dangle", "{H}/out/"],
        &["cp", "s:/home", "{H}/out/"],
        &["cp", "s:/app", "{H}/in/f"],
        &["cp", "s:/app", "r:/scratch/"],
        &["cp", "s:/app/.", "u:/tmp/froms"],
        &["cp", "r:/scratch/.", "u:/tmp/fromr"],
        &["cp", "{H}/ow/.", "s:/app"],
        &["cp", "--overwrite", "{H}/ow/.", "s:/app"],
        &["cp", "{H}/in/f", "s:/dangle"],
        &["cp", "s:/app/a.txt/", "{H}/out/"],
    ];
    let mut failures = Vec::new();
    for line in lines {
        let with = |h: &str| -> Vec<String> {
            line.iter()
                .map(|a| a.replace("{H}", &env.join(h).display().to_string()))
                .collect()
        };
        let ours = env.berth(with("b-host")).run();
        let theirs = podman(&env).args(with("p-host")).run();
        if ours.code != theirs.code {
            failures.push(format!(
                "{line:?}: berth exits {} ({}), podman {} ({})",
                ours.code,
                ours.stderr.trim(),
                theirs.code,
                theirs.stderr.trim()
            ));
        }
    }
    // What each container holds, as tars of the same paths.
    // (`u:/tmp/.`: Podman 4.3 also gives the container's user the
    // directory whose contents are copied into; berth leaves it as it is.
    // And 4.3 ignores `--archive=false`, which Podman documents as keeping
    // the source's owners, as berth does: cp.rs checks that.)
    for at in ["u:/tmp/.", "s:/app", "s:/nowhere", "r:/scratch"] {
        let ours = env.berth(["cp", at, "-"]).ok();
        let theirs = podman(&env).args(["cp", at, "-"]).ok();
        let (b, p) = (
            tar_listing(&ours.stdout_bytes),
            tar_listing(&theirs.stdout_bytes),
        );
        if b != p {
            failures.push(format!("{at}:\nberth  {b:?}\npodman {p:?}"));
        }
    }
    // And each host dir.
    let host_tar = |h: &str| -> Vec<u8> {
        env.command("tar")
            .args(["cf", "-", "-C"])
            .arg(env.join(h))
            .arg("out")
            .ok()
            .stdout_bytes
    };
    let (b, p) = (
        tar_listing(&host_tar("b-host")),
        tar_listing(&host_tar("p-host")),
    );
    if b != p {
        failures.push(format!("host:\nberth  {b:?}\npodman {p:?}"));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A command line made at run time, for a `Case` (a test's few bytes).
fn leak(args: &[&str]) -> &'static [&'static str] {
    let v: Vec<&'static str> = args
        .iter()
        .map(|a| &*Box::leak(a.to_string().into_boxed_str()))
        .collect();
    Box::leak(v.into_boxed_slice())
}

#[test]
fn pull_and_push_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let reg = crate::registry_util::Registry::start(crate::registry_util::Auth::None);
    let env = both_with_image();
    let host = reg.host();
    let at = |repo: &str| format!("{host}/{repo}");
    let tls = "--tls-verify=false";
    check(
        &env,
        &[
            Case::Code(leak(&["push", "-q", tls, IMG, &at("tbl/a:1")]), 0),
            Case::Code(
                leak(&["push", "-q", tls, "--format", "v2s2", IMG, &at("tbl/b:1")]),
                0,
            ),
            Case::Code(leak(&["pull", "-q", tls, &at("tbl/a:1")]), 0),
            Case::Code(leak(&["pull", "-q", tls, &at("tbl/b:1")]), 0),
            Case::Same(leak(&[
                "inspect",
                "--format",
                "{{.Labels.tier}}",
                &at("tbl/a:1"),
            ])),
            // What cannot be done: 125 both.
            Case::Code(leak(&["pull", "-q", tls, &at("tbl/a:nosuch")]), 125),
            Case::Code(leak(&["pull", "-q", tls, &at("tbl/UPPER:1")]), 125),
            Case::Code(
                leak(&["push", "-q", tls, "localhost/nosuch:1", &at("tbl/c:1")]),
                125,
            ),
            Case::Code(leak(&["push", "-q", tls, IMG, "127.0.0.1:1/tbl/d:1"]), 125),
        ],
    );
    // Into an empty store, the format pushed is the format pulled. (Into
    // one that has the image already, berth keeps the manifest it has:
    // one image id, one manifest; see docs/podman-differences.md.)
    let fresh = TestEnv::new();
    check(
        &fresh,
        &[
            Case::Code(leak(&["pull", "-q", tls, &at("tbl/b:1")]), 0),
            Case::Same(leak(&[
                "inspect",
                "--format",
                "{{.ManifestType}}",
                &at("tbl/b:1"),
            ])),
        ],
    );
}

#[test]
fn build_group_matches_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    std::fs::create_dir_all(env.join("ctx")).unwrap();
    std::fs::write(env.join("ctx/data"), "data\n").unwrap();
    std::fs::write(
        env.join("ctx/Dockerfile"),
        format!(
            "FROM {IMG}\nENV A=1\nLABEL x=y\nCOPY data /data\nRUN echo hi > /f && rm /data\nWORKDIR /srv\nCMD [\"sh\"]\n"
        ),
    )
    .unwrap();
    check(
        &env,
        &[
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "-t",
                    "localhost/bt:1",
                    "ctx",
                ],
                0,
            ),
            Case::Same(&[
                "inspect",
                "--format",
                // Not the layer count: WORKDIR of a missing dir is a layer
                // in berth, as in BuildKit (docs/podman-differences.md).
                "{{.Config.Env}} {{.Config.Labels.x}} {{.Config.Cmd}} {{.Config.WorkingDir}}",
                "localhost/bt:1",
            ]),
            Case::Code(&["build", "nosuchdir"], 125),
            Case::Code(&["build", "-f", "nosuch", "ctx"], 125),
            // The image format (`--format`), Podman's meaning.
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "--format",
                    "docker",
                    "-t",
                    "localhost/bt:2",
                    "ctx",
                ],
                0,
            ),
            Case::Same(&["inspect", "--format", "{{.ManifestType}}", "localhost/bt:2"]),
            Case::Code(&["build", "--format", "nosuch", "ctx"], 125),
            // The layers the build adds become one; or the whole image.
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "--squash",
                    "-t",
                    "localhost/bt:3",
                    "ctx",
                ],
                0,
            ),
            Case::Same(&[
                "inspect",
                "--format",
                "{{len .RootFS.Layers}}",
                "localhost/bt:3",
            ]),
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "--squash-all",
                    "-t",
                    "localhost/bt:4",
                    "ctx",
                ],
                0,
            ),
            Case::Same(&[
                "inspect",
                "--format",
                "{{len .RootFS.Layers}}",
                "localhost/bt:4",
            ]),
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "--layers=false",
                    "-t",
                    "localhost/bt:5",
                    "ctx",
                ],
                0,
            ),
            Case::Same(&[
                "inspect",
                "--format",
                "{{len .RootFS.Layers}}",
                "localhost/bt:5",
            ]),
            Case::Code(
                &[
                    "build",
                    "-q",
                    "--network",
                    "none",
                    "--timestamp",
                    "0",
                    "-t",
                    "localhost/bt:6",
                    "ctx",
                ],
                0,
            ),
        ],
    );
    // podman 4.3 takes --timestamp 0 from its cache (the image of the
    // first build); berth gives the image that time.
    let out = env
        .berth(["inspect", "--format", "{{.Created}}", "localhost/bt:6"])
        .ok();
    assert!(out.stdout.starts_with("1970-01-01"), "{}", out.stdout);
}

#[test]
fn logs_run_flags_save_and_load_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    let run: &[&str] = &[
        "run",
        "--name",
        "lg",
        "--network",
        "none",
        IMG,
        "sh",
        "-c",
        // One stream: lines of two pipes read at once may be logged in
        // either order, by either tool.
        "echo one; echo two; echo three",
    ];
    env.berth(run).ok();
    podman(&env).args(run).ok();
    let timeout: &[&str] = &[
        "run",
        "--rm",
        "--network",
        "none",
        "--timeout",
        "1",
        IMG,
        "sleep",
        "10",
    ];
    // --uidmap: the maps, and the image's files and the container's own
    // (/etc/hosts, a new file) owned by its root. (Both tools give the
    // container an /etc/resolv.conf with --network none only in berth:
    // not listed.)
    let mapped = |flag: &'static str| -> &'static [&'static str] {
        leak(&[
            "run",
            "--rm",
            "--network",
            "none",
            flag,
            "0:100000:65536",
            IMG,
            "sh",
            "-c",
            "id; cat /proc/self/uid_map /proc/self/gid_map; \
             stat -c '%u:%g %n' / /bin/busybox /etc/hosts /etc/hostname /run/.containerenv; \
             touch /f; stat -c %u:%g /f",
        ])
    };
    // --rootfs: a directory with busybox alone; the first run adds the
    // mount points both tools make in it.
    let dir = env.join("exploded");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::copy("/bin/busybox", dir.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", dir.join("bin/sh")).unwrap();
    let dir = dir.to_str().unwrap();
    let rootfs = |suffix: &str, script: &str| -> &'static [&'static str] {
        leak(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--rootfs",
            &format!("{dir}{suffix}"),
            "sh",
            "-c",
            script,
        ])
    };
    check(
        &env,
        &[
            Case::Same(mapped("--uidmap")),
            Case::Same(mapped("--gidmap")),
            Case::Code(&["run", "--rm", "--uidmap", "0:100000", IMG, "true"], 125),
            Case::Code(
                &["run", "--rm", "--uidmap", "1000:100000:10", IMG, "true"],
                125,
            ),
            Case::Code(
                &[
                    "run",
                    "--rm",
                    "--userns",
                    "keep-id",
                    "--uidmap",
                    "0:100000:10",
                    IMG,
                    "true",
                ],
                125,
            ),
            Case::Same(rootfs(
                "",
                "busybox ls /; echo $PATH; busybox id -u; \
                 busybox stat -c '%u:%g %a %n' /etc /etc/hosts /run /dev",
            )),
            Case::Same(rootfs(":O", "busybox touch /new; busybox ls /")),
            Case::Code(leak(&["run", "--rm", "--rootfs", dir]), 125),
        ],
    );
    check(
        &env,
        &[
            // logs: the container's standard output, its last lines.
            Case::Same(&["logs", "lg"]),
            Case::Same(&["logs", "--tail", "1", "lg"]),
            Case::Same(&["logs", "--tail", "2", "lg"]),
            Case::Same(&["logs", "--tail", "0", "lg"]),
            Case::Code(&["logs", "nosuch"], 125),
            // run flags added for Podman's users.
            Case::Code(timeout, 255),
            Case::Same(&[
                "run",
                "--rm",
                "--network",
                "none",
                "--pid",
                "host",
                IMG,
                "cat",
                "/proc/1/comm",
            ]),
            Case::Code(
                &[
                    "run",
                    "--rm",
                    "--network",
                    "none",
                    "--pid",
                    "bogus",
                    IMG,
                    "true",
                ],
                125,
            ),
            Case::Code(&["diff"], 125),
            Case::Code(&["diff", "-l", "lg"], 125),
            // save and load.
            Case::Code(&["save", "-o", "x.tar", "localhost/nosuch:1"], 125),
            Case::Code(&["load", "-i", "nosuch.tar"], 125),
            Case::Code(
                &[
                    "save",
                    "--uncompressed",
                    "--format",
                    "oci-archive",
                    "-o",
                    "o.tar",
                    IMG,
                ],
                0,
            ),
            Case::Code(&["load", "-q", "-i", "o.tar"], 0),
            Case::Same(&["images", "--format", "{{.Repository}}:{{.Tag}}", IMG]),
        ],
    );
    // Each loads the other's docker-archive. (Podman refuses to write one
    // over an existing file, which berth replaces: a deliberate
    // difference.)
    env.berth(["save", "-q", "-o", "b.tar", IMG]).ok();
    podman(&env).args(["save", "-q", "-o", "p.tar", IMG]).ok();
    env.berth(["load", "-q", "-i", "p.tar"]).ok();
    podman(&env).args(["load", "-q", "-i", "b.tar"]).ok();
}

/// A tar's entries as `name kind+mode uid:gid content` (no times, no
/// owner names, no trailing `/` on directories: the two tools write
/// those differently).
fn tar_listing(tar: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut a = tar::Archive::new(tar);
    let mut out = Vec::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let name = e.path().unwrap().display().to_string();
        let mut body = String::new();
        match h.entry_type() {
            tar::EntryType::Symlink => {
                body = format!("-> {}", h.link_name().unwrap().unwrap().display())
            }
            tar::EntryType::Regular => {
                e.read_to_string(&mut body).unwrap();
            }
            _ => {}
        }
        out.push(format!(
            "{} {:?} {:o} {}:{} {}",
            name.trim_end_matches('/'),
            h.entry_type(),
            h.mode().unwrap() & 0o7777,
            h.uid().unwrap(),
            h.gid().unwrap(),
            body.trim()
        ));
    }
    out.sort();
    out
}

struct ContainerCleanup<'a>(&'a TestEnv);

impl Drop for ContainerCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["rm", "-af"]).run();
        let _ = podman(self.0).args(["rm", "-af", "-t", "0"]).run();
        // Podman's overlay driver binds its layer dir onto itself once it
        // has made a container's layer.
        let _ = nix::mount::umount2(
            &self.0.join("podman-root/overlay"),
            nix::mount::MntFlags::MNT_DETACH,
        );
    }
}

#[test]
fn port_and_logs_of_several_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    // A line's 12-hex-digit container id, as `ID`.
    let no_ids = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| match l.split_once(['\t', ' ']) {
                Some((id, rest)) if id.len() == 12 && id.bytes().all(|c| c.is_ascii_hexdigit()) => {
                    format!("ID {rest}")
                }
                _ => l.to_string(),
            })
            .collect();
        // The tools list a container's mappings in different orders.
        lines.sort();
        lines
    };
    // One tool at a time holds the host ports: each runs its container,
    // answers, and removes it.
    let ports = |tool: &dyn Fn(&[&str]) -> Output| -> Vec<(i32, Vec<String>)> {
        let run = [
            "run",
            "-d",
            "--name",
            "pt",
            "-p",
            "127.0.0.1:18090:80",
            "-p",
            "18091:81/udp",
            IMG,
            "sleep",
            "300",
        ];
        assert_eq!(tool(&run).code, 0);
        let asked: &[&[&str]] = &[
            &["port", "pt"],
            &["port", "pt", "80"],
            &["port", "pt", "80/tcp"],
            &["port", "pt", "81/udp"],
            &["port", "-l", "80"],
            &["port", "-a"],
            &["port", "pt", "82"],
            &["port", "pt", "80/udp"],
        ];
        let out = asked
            .iter()
            .map(|a| {
                let o = tool(a);
                (o.code, no_ids(&o.stdout))
            })
            .collect();
        tool(&["rm", "-f", "-t", "0", "pt"]);
        out
    };
    let ours = ports(&|a| env.berth(a).run());
    let theirs = ports(&|a| podman(&env).args(a).run());
    assert_eq!(ours, theirs);
    // Logs of one container between two times, and of several.
    for tool in [&|a: &[&str]| env.berth(a).ok(), &|a: &[&str]| {
        podman(&env).args(a).ok()
    }] as [&dyn Fn(&[&str]) -> Output; 2]
    {
        tool(&[
            "run",
            "--name",
            "la",
            "--network",
            "none",
            IMG,
            "echo",
            "from-a",
        ]);
        tool(&[
            "run",
            "--name",
            "lb",
            "--network",
            "none",
            IMG,
            "echo",
            "from-b",
        ]);
    }
    let gone = leak(&["logs", "--until", "2000-01-01", "la"]);
    let later = leak(&[
        "logs",
        "--since",
        "2000-01-01T10:00:00",
        "--until",
        "5s",
        "la",
    ]);
    check(
        &env,
        &[
            Case::Same(gone),
            Case::Same(later),
            Case::Same(&["logs", "--since", "2099-01-01", "la"]),
            Case::Code(&["logs", "--since", "bogus", "la"], 125),
            Case::Code(&["logs", "--until", "bogus", "la"], 125),
            Case::Code(&["logs", "la", "nosuch"], 125),
            Case::Code(&["port", "-a", "la"], 125),
            Case::Code(&["port", "la", "abc"], 125),
            Case::Code(&["port"], 125),
            // Not running: no ports.
            Case::Same(&["port", "la"]),
        ],
    );
    for (args, want) in [
        (&["logs", "la", "lb"][..], ["ID from-a", "ID from-b"]),
        (&["logs", "-n", "la", "lb"][..], ["la from-a", "lb from-b"]),
    ] {
        assert_eq!(no_ids(&env.berth(args).ok().stdout), want);
        assert_eq!(no_ids(&podman(&env).args(args).ok().stdout), want);
    }
}

#[test]
fn container_events_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    let since = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 1)
    .to_string();
    let seen = |tool: &dyn Fn(&[&str]) -> Output| -> Vec<String> {
        let none = ["--network", "none"];
        let steps: &[&[&str]] = &[
            &[&["run", "--name", "e1"][..], &none, &[IMG, "true"]].concat(),
            &[
                &["run", "-d", "--name", "e2"][..],
                &none,
                &[IMG, "sleep", "100"],
            ]
            .concat(),
            &["kill", "e2"],
            &["wait", "e2"],
            // One at a time: podman removes several at once, in any order.
            &["rm", "e1"],
            &["rm", "e2"],
            &[&["run", "--rm", "--name", "e3"][..], &none, &[IMG, "true"]].concat(),
            &["create", "--name", "e4", IMG, "true"],
            &["rename", "e4", "e5"],
            &["rm", "e5"],
        ];
        for s in steps {
            let out = tool(s);
            assert!(out.code == 0 || s[0] == "wait", "{s:?}: {}", out.stderr);
        }
        let out = tool(&[
            "events",
            "--stream=false",
            "--since",
            &since,
            "--filter",
            "type=container",
            "--format",
            "{{.Status}} {{.Name}}",
        ]);
        out.stdout.lines().map(str::to_string).collect()
    };
    let ours = seen(&|a| env.berth(a).run());
    let theirs = seen(&|a| podman(&env).args(a).run());
    assert_eq!(ours, theirs);
}

/// A tool run with arguments and, maybe, standard input.
type WithInput<'a> = dyn Fn(&[&str], Option<&[u8]>) -> Output + 'a;

#[test]
fn builds_from_stdin_and_a_url_match_podman() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = both_with_image();
    let _c = ContainerCleanup(&env);
    // A context as a tar: a Dockerfile that copies a file of it.
    let ctx = env.join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {IMG}\nCOPY greeting /greeting\nRUN echo ran >> /greeting\n"),
    )
    .unwrap();
    std::fs::write(ctx.join("greeting"), "hello\n").unwrap();
    let served = env.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let st = std::process::Command::new("tar")
        .arg("-czf")
        .arg(served.join("ctx.tar.gz"))
        .arg("-C")
        .arg(&ctx)
        .args(["Dockerfile", "greeting"])
        .status()
        .unwrap();
    assert!(st.success());
    let tar = std::fs::read(served.join("ctx.tar.gz")).unwrap();
    let server = crate::build_copy::HttpServer::start(&served);
    let url = format!("http://127.0.0.1:{}/ctx.tar.gz", server.port);
    let dockerfile = format!("FROM {IMG}\nRUN echo from-stdin > /made\n");
    let built = |tool: &WithInput| -> Vec<(i32, String)> {
        let mut out = Vec::new();
        for (args, input, check) in [
            (
                &["build", "-q", "-t", "localhost/sin:1", "-"][..],
                Some(dockerfile.as_bytes()),
                "cat /made",
            ),
            (
                &["build", "-q", "-t", "localhost/tin:1", "-"][..],
                Some(&tar[..]),
                "cat /greeting",
            ),
            (
                &["build", "-q", "-t", "localhost/uin:1", &url][..],
                None,
                "cat /greeting",
            ),
        ] {
            let b = tool(args, input);
            let tag = args[3];
            let mut run = vec!["run", "--rm", "--network", "none", tag];
            run.extend(check.split(' '));
            let r = tool(&run, None);
            out.push((b.code, r.stdout));
        }
        // What cannot be built: the code.
        let missing = format!("http://127.0.0.1:{}/nosuch.tar", server.port);
        out.push((
            tool(&["build", "-q", "-t", "localhost/x:1", &missing], None).code,
            String::new(),
        ));
        out
    };
    let ours = built(&|a, input| match input {
        Some(i) => env.berth(a).stdin_bytes(i.to_vec()).run(),
        None => env.berth(a).run(),
    });
    let theirs = built(&|a, input| match input {
        Some(i) => podman(&env).args(a).stdin_bytes(i.to_vec()).run(),
        None => podman(&env).args(a).run(),
    });
    assert_eq!(ours, theirs);
    assert_eq!(ours[0], (0, "from-stdin\n".to_string()));
    assert_eq!(ours[1], (0, "hello\nran\n".to_string()));
}
