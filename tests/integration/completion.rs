//! Shell completion, driven in the real shells (bash with
//! bash-completion, zsh, fish) in a tmux terminal: what a user gets by
//! pressing Tab, from the scripts `berth completion SHELL` prints and the
//! store's images, containers, networks and volumes.

use crate::fixtures::{berth_load, write_docker_archive, ImageSpec};
use crate::util::{require_tool, shared_berth_binary, Rootless, TestEnv};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A store with something of each kind: images whose names have `:` and
/// `/`, a running and a created container, a network, a volume, and a
/// credential file naming a registry.
struct World {
    env: TestEnv,
    runner_id: String,
}

fn world() -> World {
    let env = TestEnv::new();
    let archive = env.join("images.tar");
    write_docker_archive(
        &archive,
        &[ImageSpec::busybox("localhost/bb:latest").tag("127.0.0.1:5000/team/app:1.0")],
    );
    berth_load(&env, &archive);
    let runner_id = env
        .berth([
            "run",
            "-d",
            "--name",
            "runner",
            "localhost/bb:latest",
            "sleep",
            "600",
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    env.berth(["exec", "runner", "touch", "/marker"]).ok();
    env.berth(["create", "--name", "web", "localhost/bb:latest", "true"])
        .ok();
    env.berth(["network", "create", "--subnet", "198.18.231.0/24", "mynet"])
        .ok();
    env.berth(["volume", "create", "data"]).ok();
    fs::write(
        env.join("auth.json"),
        r#"{"auths": {"127.0.0.1:9999": {"auth": "dTpw"}}}"#,
    )
    .unwrap();
    let bin = env.join("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(shared_berth_binary(), bin.join("berth")).unwrap();
    World { env, runner_id }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.env.berth(["rm", "-f", "-t", "0", "runner"]).run();
    }
}

/// One interactive shell in a tmux server of its own.
struct Shell {
    tmux: PathBuf,
    socket: String,
}

impl Shell {
    fn start(w: &World, shell: &str) -> Shell {
        let tmux = require_tool("tmux");
        let program = require_tool(shell);
        let env = &w.env;
        let rc = env.join(format!("rc.{shell}"));
        let command = match shell {
            "bash" => {
                let bc = "/usr/share/bash-completion/bash_completion";
                assert!(
                    std::path::Path::new(bc).exists(),
                    "bash-completion is not installed"
                );
                fs::write(
                    &rc,
                    format!("PS1='$ '\nsource {bc}\nsource <(berth completion bash)\n"),
                )
                .unwrap();
                format!(
                    "{} --noprofile --rcfile {} -i",
                    program.display(),
                    rc.display()
                )
            }
            "zsh" => {
                // Installed as zsh finds it: `_berth` in a directory of
                // $fpath, loaded by compinit.
                let dir = env.join("zsh-functions");
                fs::create_dir_all(&dir).unwrap();
                let script = env.berth_bare(["completion", "zsh"]).ok().stdout;
                fs::write(dir.join("_berth"), script).unwrap();
                let zdot = env.join("zdot");
                fs::create_dir_all(&zdot).unwrap();
                fs::write(
                    zdot.join(".zshrc"),
                    format!(
                        "PROMPT='$ '\nfpath=({} $fpath)\nautoload -Uz compinit && compinit -u -D\n",
                        dir.display()
                    ),
                )
                .unwrap();
                format!("ZDOTDIR={} {} -i", zdot.display(), program.display())
            }
            "fish" => {
                fs::write(
                    &rc,
                    "function fish_prompt; echo -n '$ '; end\n\
                     set -g fish_greeting\n\
                     set -g fish_autosuggestion_enabled 0\n\
                     berth completion fish | source\n",
                )
                .unwrap();
                format!(
                    "{} --no-config -C 'source {}' -i",
                    program.display(),
                    rc.display()
                )
            }
            other => panic!("no shell {other}"),
        };
        let socket = format!("berth-complete-{}-{shell}", std::process::id());
        let path = format!(
            "{}:{}",
            env.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut vars = vec![
            format!("PATH={path}"),
            format!("HOME={}", env.path().display()),
            format!("BERTH_ROOT={}", env.root().display()),
            format!("BERTH_RUNROOT={}", env.runroot().display()),
            format!("REGISTRY_AUTH_FILE={}", env.join("auth.json").display()),
            format!("XDG_CONFIG_HOME={}", env.join("config").display()),
            format!("XDG_DATA_HOME={}", env.join("data").display()),
            "TERM=xterm".to_string(),
        ];
        vars.retain(|v| !v.ends_with('='));
        let mut cmd = Command::new(&tmux);
        cmd.args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"]);
        cmd.args(["-x", "200", "-y", "50", "-c"]).arg(env.path());
        // Through env(1): tmux gives a new session the PATH of the client.
        let env_prefix: String = vars.iter().map(|v| format!("'{v}' ")).collect();
        let ok = cmd
            .arg(format!("env {env_prefix}{command}"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "starting {shell} in tmux");
        let sh = Shell { tmux, socket };
        sh.wait_for(|screen| screen.lines().any(is_prompt), "a prompt");
        sh
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new(&self.tmux)
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    #[track_caller]
    fn wait_for(&self, done: impl Fn(&str) -> bool, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if done(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("waiting for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The command line being edited (the last prompt line).
    fn line(screen: &str) -> String {
        screen
            .lines()
            .rev()
            .find(|l| is_prompt(l))
            .map(|l| l.trim_end().to_string())
            .unwrap_or_default()
    }

    /// Type `keys`, where `\t` is Tab, then wait for the line to read
    /// `want`; then abandon the line.
    #[track_caller]
    fn expect_line(&self, keys: &str, want: &str) {
        self.reset();
        self.type_keys(keys);
        let want = format!("$ {want}");
        // Settled: the same line twice, a little apart.
        self.wait_for(
            |s| {
                Shell::line(s) == want && {
                    std::thread::sleep(Duration::from_millis(150));
                    Shell::line(&self.screen()) == want
                }
            },
            &format!("{keys:?} to complete to {want:?}"),
        );
    }

    /// Type `keys` and wait until the screen lists all of `want`; none of
    /// `not` may be listed then.
    #[track_caller]
    fn expect_listing(&self, keys: &str, want: &[&str], not: &[&str]) {
        self.reset();
        self.type_keys(keys);
        let screen = self.wait_for(
            |s| {
                let below: String = s.lines().skip(1).collect::<Vec<_>>().join("\n");
                want.iter().all(|w| below.contains(w))
            },
            &format!("{keys:?} to list {want:?}"),
        );
        for n in not {
            assert!(!screen.contains(n), "{keys:?} lists {n:?}:\n{screen}");
        }
    }

    fn type_keys(&self, keys: &str) {
        for (i, part) in keys.split('\t').enumerate() {
            if i > 0 {
                self.tmux(&["send-keys", "Tab"]);
                std::thread::sleep(Duration::from_millis(300));
            }
            if !part.is_empty() {
                self.tmux(&["send-keys", "-l", part]);
            }
        }
    }

    /// A fresh, empty prompt at the top of a clear screen.
    fn reset(&self) {
        self.tmux(&["send-keys", "C-c"]);
        std::thread::sleep(Duration::from_millis(100));
        self.tmux(&["send-keys", "C-l"]);
        self.wait_for(
            |s| {
                let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
                lines.len() == 1 && lines[0].trim_end() == "$"
            },
            "a clear prompt",
        );
    }
}

/// A prompt line (tmux leaves out the space after an empty prompt).
fn is_prompt(line: &str) -> bool {
    line.starts_with("$ ") || line.trim_end() == "$"
}

impl Drop for Shell {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// What Tab gives in `shell`, for each kind of thing berth completes.
fn completes_in(shell: &str) {
    let w = world();
    let sh = Shell::start(&w, shell);
    // Subcommands and flags, from the definitions.
    sh.expect_line("berth netw\t", "berth network");
    sh.expect_line("berth run --rm --netw\t", "berth run --rm --network");
    // Containers by state: `start` offers the stopped one only, `exec`
    // and `stop` the running one only; ids once the word looks like one.
    sh.expect_line("berth start \t", "berth start web");
    sh.expect_line("berth stop \t", "berth stop runner");
    sh.expect_line("berth exec ru\t", "berth exec runner");
    let id = &w.runner_id;
    sh.expect_line(
        &format!("berth exec {}\t", &id[..5]),
        &format!("berth exec {}", &id[..12]),
    );
    // Images, with `:` and `/` in their names.
    sh.expect_line(
        "berth run 127.0.0.1:5\t",
        "berth run 127.0.0.1:5000/team/app:1.0",
    );
    sh.expect_line("berth rmi localhost/b\t", "berth rmi localhost/bb:latest");
    sh.expect_line("berth history ap\t", "berth history app:1.0");
    // Networks, volumes, registries.
    sh.expect_line("berth network rm my\t", "berth network rm mynet");
    sh.expect_line("berth run --network my\t", "berth run --network mynet");
    sh.expect_line("berth volume inspect da\t", "berth volume inspect data");
    sh.expect_line("berth logout 127.0.0.1:9\t", "berth logout 127.0.0.1:9999");
    // Flag values.
    sh.expect_line("berth kill -s SIGKI\t", "berth kill -s SIGKILL");
    sh.expect_line("berth --log-level deb\t", "berth --log-level debug");
    sh.expect_line(
        "berth run --restart=unl\t",
        "berth run --restart=unless-stopped",
    );
    sh.expect_line(
        "berth run --security-opt seccomp=unc\t",
        "berth run --security-opt seccomp=unconfined",
    );
    sh.expect_line(
        "berth pull --platform linux/arm6\t",
        "berth pull --platform linux/arm64",
    );
    sh.expect_line(
        "berth images --format '{{.Repos\t",
        "berth images --format '{{.Repository}}'",
    );
    // cp: the container and its `:` (no space after it), then a path in
    // the running container's file system.
    sh.expect_line("berth cp runn\t/ma\t", "berth cp runner:/marker");
    // A list: the network modes and the networks.
    sh.expect_listing(
        "berth run --network \t\t",
        &["host", "pasta", "mynet"],
        &["runner"],
    );
}

#[test]
fn completion_in_bash() {
    completes_in("bash");
}

#[test]
fn completion_in_zsh() {
    completes_in("zsh");
}

#[test]
fn completion_in_fish() {
    completes_in("fish");
}

/// The engine's answers as the scripts see them: values, a directive.
fn answers(env: &TestEnv, words: &[&str]) -> (Vec<String>, String) {
    let out = env
        .berth_bare(["__complete"])
        .args(words)
        .timeout(Duration::from_secs(20))
        .ok();
    assert_eq!(out.stderr, "", "{words:?}");
    let mut lines: Vec<String> = out
        .stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let directive = lines.pop().unwrap_or_default();
    (lines, directive)
}

/// Completion reads the store without its locks: a command holding the
/// store exclusively (a prune, a removal) does not make Tab wait.
#[test]
fn completion_takes_no_store_lock() {
    let w = world();
    let env = &w.env;
    let root = env.root();
    let mut held = Vec::new();
    for name in ["store.lock", "index.lock"] {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(name))
            .unwrap();
        f.lock().unwrap();
        held.push(f);
    }
    let root_flag = root.display().to_string();
    let run = env.runroot().display().to_string();
    let with = |words: &[&str]| {
        let mut all = vec!["--root", &root_flag, "--runroot", &run];
        all.extend_from_slice(words);
        answers(env, &all)
    };
    let start = Instant::now();
    let (images, _) = with(&["run", ""]);
    assert!(
        images.contains(&"localhost/bb:latest".to_string()),
        "{images:?}"
    );
    let (ctrs, _) = with(&["rm", ""]);
    assert_eq!(ctrs, ["web"]);
    assert!(start.elapsed() < Duration::from_secs(5));
    drop(held);
}

/// Each `--format` field completion offers renders with its command.
#[test]
fn completed_format_fields_render() {
    let w = world();
    let env = &w.env;
    for (cmd, target) in [
        (&["images"][..], None),
        (&["ps", "-a"][..], None),
        (&["history"][..], Some("localhost/bb:latest")),
        (&["image", "inspect"][..], Some("localhost/bb:latest")),
        (&["container", "inspect"][..], Some("runner")),
        (&["network", "ls"][..], None),
        (&["volume", "ls"][..], None),
    ] {
        let root = env.root().display().to_string();
        let mut words = vec!["--root", root.as_str()];
        words.extend_from_slice(cmd);
        words.extend(["--format", "{{."]);
        let (fields, _) = answers(env, &words);
        assert!(fields.len() >= 5, "{cmd:?}: {fields:?}");
        for f in &fields {
            let out = env.berth(cmd).args(["--format", f]).args(target).run();
            assert_eq!(out.code, 0, "{cmd:?} --format {f}: {}", out.stderr);
        }
    }
}

/// A store the user cannot read: no candidates, nothing on standard
/// error, exit 0 — a Tab must never print into the command line.
#[test]
fn completion_of_an_unreadable_store_is_silent() {
    let Some(user) = Rootless::without_subuid() else {
        return;
    };
    let uenv = user.env();
    let archive = uenv.join("bb.tar");
    write_docker_archive(&archive, &[ImageSpec::busybox("localhost/mine:1")]);
    berth_load(&uenv, &archive);
    let root = uenv.root().display().to_string();
    let (images, _) = answers(&uenv, &["--root", &root, "run", ""]);
    assert!(
        images.contains(&"localhost/mine:1".to_string()),
        "{images:?}"
    );
    // Root's store, and then the user's own made unreadable.
    let w = world();
    let other = w.env.root().display().to_string();
    for r in [other.as_str(), root.as_str()] {
        if r == root {
            fs::set_permissions(uenv.root(), fs::Permissions::from_mode(0o000)).unwrap();
        }
        for words in [
            &["run", ""][..],
            &["exec", ""],
            &["cp", "runner:/"],
            &["network", "rm", ""],
        ] {
            let mut all = vec!["--root", r];
            all.extend_from_slice(words);
            let out = uenv.berth_bare(["__complete"]).args(&all).run();
            assert_eq!(out.code, 0, "{all:?}: {}", out.stderr);
            assert_eq!(out.stderr, "", "{all:?}");
            let values: Vec<&str> = out.stdout.lines().collect();
            assert_eq!(values, [":0"], "{all:?}");
        }
    }
    fs::set_permissions(uenv.root(), fs::Permissions::from_mode(0o755)).unwrap();
}
