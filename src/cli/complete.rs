//! Shell completion that knows the store: `berth __complete WORD…` is
//! what the scripts of `berth completion bash|zsh|fish` call, with the
//! words of the command line after `berth`, the last one being the word
//! under the cursor (empty at a fresh word). It answers with one
//! candidate per line, `VALUE` or `VALUE<TAB>DESCRIPTION`, already
//! filtered by the word, then a last line `:N`, where N's bits ask the
//! shell to add its own file names ([`FILES`]) or directory names
//! ([`DIRS`]).
//!
//! The command line is walked with the same clap definitions that parse
//! it, so subcommands, flags and their fixed values are never out of
//! date; what only the store knows (images, containers by state,
//! networks, volumes, the files in a container) comes from
//! [`crate::ops::complete`], read without a lock and without the network.
//! Nothing is printed on standard error, whatever happens.

use crate::ops::complete::{self as data, Wanted};
use crate::store::StorePaths;
use clap::{Arg, ArgAction, Command, ValueHint};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

/// The shell should add the file names that match the word.
pub const FILES: u32 = 2;
/// The shell should add the directory names that match the word.
pub const DIRS: u32 = 4;

/// What to offer at the word under the cursor.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Answer {
    /// (value, description), each value starting with the word.
    pub candidates: Vec<(String, String)>,
    pub directive: u32,
}

/// `berth __complete WORD…`: print the answer; always exits 0.
pub fn main(words: &[String]) -> i32 {
    // Whatever goes wrong, nothing may reach the command line being typed.
    std::panic::set_hook(Box::new(|_| {}));
    let answer = std::panic::catch_unwind(|| complete(words)).unwrap_or_default();
    let mut out = String::new();
    for (value, help) in &answer.candidates {
        out.push_str(value);
        let help = one_line(help);
        if !help.is_empty() {
            out.push('\t');
            out.push_str(&help);
        }
        out.push('\n');
    }
    out.push_str(&format!(":{}\n", answer.directive));
    let _ = std::io::stdout().write_all(out.as_bytes());
    0
}

/// A description in one line, without tabs: the first sentence of a
/// flag's help.
fn one_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or_default();
    let first = first.split(". ").next().unwrap_or(first);
    first.replace('\t', " ").trim_end_matches('.').to_string()
}

/// What a value (of a flag or positional) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Free text: nothing to offer.
    Nothing,
    Files,
    Dirs,
    /// Image references.
    Images,
    /// Images, then containers (the top-level `inspect`).
    ImagesOrContainers,
    Containers(Wanted),
    Networks,
    /// `--network`: the modes, then the networks.
    NetworkMode,
    Volumes,
    Pods,
    /// Pods, then containers (`kube generate`).
    PodsOrContainers,
    /// `--pod`: the pods, and `new:`.
    PodSpec,
    /// `--pid`, `--ipc`, `--uts`: `private`, `host`, `container:NAME`.
    NamespaceMode,
    /// `-v`: volume names (and `NAME:`), else host paths.
    VolumeSpec,
    Registries,
    /// `cp`: `CONTAINER:` and the paths in it, else host paths.
    CpPath,
    Signals,
    /// `--format`: `json`, `table`, and the fields of `{{.`.
    Format(&'static [&'static [&'static str]]),
    SecurityOpt,
    Capabilities,
    Platforms,
    Fixed(&'static [&'static str]),
    /// `--mount`: the types, `type=…,`.
    MountSpec,
    /// `compose`: the services of the application's files.
    Services,
}

/// The command line up to the word under the cursor, as walked.
struct Walk {
    /// Subcommand names below `berth`.
    path: Vec<String>,
    cmd: Command,
    /// Values of the flags given, by id.
    given: HashMap<String, Vec<String>>,
    /// The positional words given to the last subcommand.
    positionals: Vec<String>,
    /// A flag whose value is the word under the cursor.
    pending: Option<Arg>,
    /// Past `--`, or in a command's trailing arguments (`run IMAGE CMD…`):
    /// every word is a positional.
    rest: bool,
}

/// The answer for `words` (after `berth`; the last is under the cursor).
pub fn complete(words: &[String]) -> Answer {
    let (cur, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    let w = walk(root(), before);
    let paths = store_paths(&w);
    let ctx = Ctx {
        paths: &paths,
        walk: &w,
    };
    if let Some(arg) = &w.pending {
        return ctx.values(arg, cur, "");
    }
    if w.rest {
        return ctx.positional(cur);
    }
    if let Some(flag) = cur.strip_prefix("--") {
        if let Some((name, value)) = flag.split_once('=') {
            return match find_long(&w.cmd, name) {
                Some(a) if takes_value(a) => ctx.values(a, value, &format!("--{name}=")),
                _ => Answer::default(),
            };
        }
    }
    if cur.starts_with('-') {
        return flags(&w, cur);
    }
    if w.positionals.is_empty() && w.cmd.has_subcommands() {
        let mut a = Answer::default();
        for sub in w.cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let names = std::iter::once(sub.get_name()).chain(sub.get_visible_aliases());
            for n in names {
                if n.starts_with(cur) {
                    let help = sub.get_about().map(|s| s.to_string()).unwrap_or_default();
                    a.candidates.push((n.to_string(), help));
                }
            }
        }
        return a;
    }
    ctx.positional(cur)
}

/// berth's definitions, built (global flags propagated, deferred
/// arguments added).
fn root() -> Command {
    let mut root = <super::Cli as clap::CommandFactory>::command();
    root.build();
    root
}

fn walk(root: Command, before: &[String]) -> Walk {
    let mut w = Walk {
        path: Vec::new(),
        cmd: root,
        given: HashMap::new(),
        positionals: Vec::new(),
        pending: None,
        rest: false,
    };
    for word in before {
        if let Some(a) = w.pending.take() {
            w.given
                .entry(a.get_id().to_string())
                .or_default()
                .push(word.clone());
            continue;
        }
        if !w.rest {
            if word == "--" {
                w.rest = true;
                continue;
            }
            if let Some(flag) = word.strip_prefix("--") {
                let (name, value) = match flag.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (flag, None),
                };
                if let Some(a) = find_long(&w.cmd, name).cloned() {
                    w.take_flag(a, value);
                }
                continue;
            }
            if word.len() > 1 && word.starts_with('-') {
                // `-it`, `-p8080:80`, `-v=x`: flags until one takes a value.
                for (i, c) in word.char_indices().skip(1) {
                    let Some(a) = find_short(&w.cmd, c).cloned() else {
                        break;
                    };
                    if takes_value(&a) {
                        let rest = &word[i + c.len_utf8()..];
                        let rest = rest.strip_prefix('=').unwrap_or(rest);
                        w.take_flag(a, (!rest.is_empty()).then_some(rest));
                        break;
                    }
                    w.take_flag(a, None);
                }
                continue;
            }
            if w.positionals.is_empty() && w.cmd.has_subcommands() {
                if let Some(sub) = w.cmd.find_subcommand(word).cloned() {
                    w.path.push(sub.get_name().to_string());
                    w.cmd = sub;
                    continue;
                }
            }
        }
        w.positionals.push(word.clone());
        if let Some(a) = positional_at(&w.cmd, w.positionals.len()) {
            w.rest |= a.is_trailing_var_arg_set();
        }
    }
    w
}

impl Walk {
    fn take_flag(&mut self, a: Arg, value: Option<&str>) {
        let id = a.get_id().to_string();
        match value {
            Some(v) => self.given.entry(id).or_default().push(v.to_string()),
            // `--archive`, `--tls-verify`: a value only after `=`.
            None if takes_value(&a) && !a.is_require_equals_set() => self.pending = Some(a),
            None => self.given.entry(id).or_default().push("true".into()),
        }
    }

    /// The canonical name of the command: `image rm` is `rmi`, `container
    /// ls` is `ps`, `container X` and `image X` are `X` … (the groups'
    /// commands are the same commands).
    fn canonical(&self) -> String {
        let p: Vec<&str> = self.path.iter().map(String::as_str).collect();
        match p.as_slice() {
            ["image", "rm"] => "rmi".into(),
            ["image", "ls"] | ["image", "list"] => "images".into(),
            ["image", "inspect"] => "image inspect".into(),
            ["image", "exists"] => "image exists".into(),
            ["image", "prune"] => "image prune".into(),
            ["image", rest] => (*rest).into(),
            ["container", "ls"] | ["container", "list"] => "ps".into(),
            ["container", "inspect"] => "container inspect".into(),
            ["container", "exists"] => "container exists".into(),
            ["container", "prune"] => "container prune".into(),
            ["container", rest] => (*rest).into(),
            ["system", "events"] => "events".into(),
            ["system", "info"] => "info".into(),
            other => other.join(" "),
        }
    }
}

fn takes_value(a: &Arg) -> bool {
    a.get_action().takes_values()
}

fn find_long<'c>(cmd: &'c Command, name: &str) -> Option<&'c Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|al| al.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(c) || a.get_all_short_aliases().is_some_and(|al| al.contains(&c))
    })
}

/// The positional argument that the `n`th positional word (from 1) fills.
fn positional_at(cmd: &Command, n: usize) -> Option<&Arg> {
    let mut seen = 0;
    for a in cmd.get_positionals() {
        let many = matches!(a.get_action(), ArgAction::Append)
            || a.get_num_args().is_some_and(|r| r.max_values() > 1);
        seen += 1;
        if many || seen >= n {
            return Some(a);
        }
    }
    None
}

/// The store the command line names (`--root`, `--runroot`, else the
/// environment's, else the user's default).
fn store_paths(w: &Walk) -> StorePaths {
    let d = StorePaths::default_for_user();
    let get = |id: &str| w.given.get(id).and_then(|v| v.last()).map(PathBuf::from);
    StorePaths {
        root: get("root")
            .or_else(|| std::env::var_os("BERTH_ROOT").map(PathBuf::from))
            .unwrap_or(d.root),
        runroot: get("runroot")
            .or_else(|| std::env::var_os("BERTH_RUNROOT").map(PathBuf::from))
            .unwrap_or(d.runroot),
    }
}

/// The flags of the command that match `cur` (`--name`; `-x` too when
/// `cur` is `-`), but those given already that count once.
fn flags(w: &Walk, cur: &str) -> Answer {
    let mut a = Answer::default();
    for arg in w.cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if !repeatable && w.given.contains_key(arg.get_id().as_str()) {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        if let Some(l) = arg.get_long() {
            let v = format!("--{l}");
            if v.starts_with(cur) {
                a.candidates.push((v, help.clone()));
            }
        }
        if let (Some(s), "-") = (arg.get_short(), cur) {
            a.candidates.push((format!("-{s}"), help));
        }
    }
    a
}

struct Ctx<'a> {
    paths: &'a StorePaths,
    walk: &'a Walk,
}

impl Ctx<'_> {
    /// The positional at the word under the cursor.
    fn positional(&self, cur: &str) -> Answer {
        let w = self.walk;
        let Some(arg) = positional_at(&w.cmd, w.positionals.len() + 1) else {
            return Answer::default();
        };
        let kind = positional_kind(&w.canonical(), arg.get_id().as_str(), w);
        let kind = kind.unwrap_or_else(|| generic_kind(arg));
        self.answer(kind, cur, "")
    }

    /// The value of flag `arg` at `cur`; `prefix` goes before each
    /// candidate (`--network=` when the word is `--network=…`).
    fn values(&self, arg: &Arg, cur: &str, prefix: &str) -> Answer {
        let kind = flag_kind(&self.walk.canonical(), arg).unwrap_or_else(|| generic_kind(arg));
        let mut a = self.answer(kind, cur, prefix);
        if kind == Kind::Nothing {
            // clap's own list (`--log-level`, `--pull` …).
            for v in arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
            {
                if v.get_name().starts_with(cur) {
                    let help = v.get_help().map(|h| h.to_string()).unwrap_or_default();
                    a.candidates
                        .push((format!("{prefix}{}", v.get_name()), help));
                }
            }
        }
        a
    }

    fn answer(&self, kind: Kind, cur: &str, prefix: &str) -> Answer {
        let mut a = Answer::default();
        let mut add = |v: String, help: String| {
            if v.starts_with(cur) {
                a.candidates.push((format!("{prefix}{v}"), help));
            }
        };
        match kind {
            Kind::Nothing => {}
            Kind::Files => a.directive |= FILES,
            Kind::Dirs => a.directive |= DIRS,
            Kind::Images => self.images(cur, &mut add),
            Kind::ImagesOrContainers => {
                self.images(cur, &mut add);
                self.containers(Wanted::Any, cur, &mut add);
            }
            Kind::Containers(want) => self.containers(want, cur, &mut add),
            Kind::Networks => {
                for n in data::networks(self.paths) {
                    add(n, "network".into());
                }
            }
            Kind::NetworkMode => {
                for (m, help) in NETWORK_MODES {
                    add(m.to_string(), help.to_string());
                }
                for n in data::networks(self.paths) {
                    add(n, "network".into());
                }
                // `container:NAME`: the running containers.
                if let Some(c) = cur.strip_prefix("container:") {
                    for ctr in data::containers(self.paths, Wanted::Running) {
                        if ctr.name.starts_with(c) {
                            add(format!("container:{}", ctr.name), ctr.image);
                        }
                    }
                }
            }
            Kind::Volumes => {
                for v in data::volumes(self.paths) {
                    add(v, "volume".into());
                }
            }
            Kind::PodsOrContainers => {
                for p in data::pods(self.paths) {
                    add(p, "pod".into());
                }
                self.containers(Wanted::Any, cur, &mut add);
            }
            Kind::Services => {
                for s in compose_services(self.walk) {
                    add(s, "service".into());
                }
            }
            Kind::Pods | Kind::PodSpec => {
                if kind == Kind::PodSpec {
                    add("new:".into(), "a new pod of this name".into());
                }
                for p in data::pods(self.paths) {
                    add(p, "pod".into());
                }
            }
            Kind::NamespaceMode => {
                add("private".into(), "one of its own".into());
                add("host".into(), "the host's".into());
                add("container:".into(), "another container's".into());
                if let Some(c) = cur.strip_prefix("container:") {
                    for ctr in data::containers(self.paths, Wanted::Running) {
                        if ctr.name.starts_with(c) {
                            add(format!("container:{}", ctr.name), ctr.image);
                        }
                    }
                }
            }
            Kind::VolumeSpec => {
                if !cur.contains(':') {
                    for v in data::volumes(self.paths) {
                        add(format!("{v}:"), "volume".into());
                    }
                    a.directive |= FILES;
                }
            }
            Kind::Registries => {
                let authfile = self.walk.given.get("authfile").and_then(|v| v.last());
                for r in data::registries(authfile.map(PathBuf::from)) {
                    add(r, "registry".into());
                }
            }
            Kind::CpPath => return self.cp_path(cur, prefix),
            Kind::Signals => {
                for s in SIGNALS {
                    add(format!("SIG{s}"), String::new());
                }
            }
            Kind::Format(fields) => return format_values(fields, cur, prefix),
            Kind::SecurityOpt => {
                for (o, help) in SECURITY_OPTS {
                    add(o.to_string(), help.to_string());
                }
                if cur.starts_with("seccomp=") {
                    a.directive |= FILES;
                }
            }
            Kind::Capabilities => {
                add("ALL".into(), String::new());
                for c in crate::runtime::security::CAP_NAMES {
                    add(format!("CAP_{c}"), String::new());
                }
            }
            Kind::Platforms => {
                for p in PLATFORMS {
                    add(p.to_string(), String::new());
                }
            }
            Kind::Fixed(values) => {
                for v in values {
                    add(v.to_string(), String::new());
                }
            }
            Kind::MountSpec => {
                for t in ["type=bind,", "type=volume,", "type=tmpfs,"] {
                    add(t.to_string(), String::new());
                }
            }
        }
        a
    }

    fn images(&self, cur: &str, add: &mut impl FnMut(String, String)) {
        let (names, ids) = data::images(self.paths);
        for n in names {
            add(n.name, format!("image {}", n.id));
        }
        // Ids only once the word looks like one: a list of hex is no help.
        if !cur.is_empty() && cur.bytes().all(|b| b.is_ascii_hexdigit()) {
            for id in ids {
                add(id, "image id".into());
            }
        }
    }

    fn containers(&self, want: Wanted, cur: &str, add: &mut impl FnMut(String, String)) {
        let all = data::containers(self.paths, want);
        let ids = !cur.is_empty() && cur.bytes().all(|b| b.is_ascii_hexdigit());
        for c in all {
            let help = format!("{} container of {}", c.state, c.image);
            if ids {
                add(c.id.clone(), help.clone());
            }
            add(c.name, help);
        }
    }

    /// `cp`'s arguments: `CONTAINER:PATH` (the containers, then the files
    /// in one), or a host path.
    fn cp_path(&self, cur: &str, prefix: &str) -> Answer {
        let mut a = Answer::default();
        // A host path (`./a:b`, `/x`) is not a container's.
        let in_container = cur
            .split_once(':')
            .filter(|(c, _)| !c.is_empty() && !c.contains('/'));
        match in_container {
            None => {
                for c in data::containers(self.paths, Wanted::Any) {
                    let v = format!("{}:", c.name);
                    if v.starts_with(cur) {
                        let help = format!("{} container of {}", c.state, c.image);
                        a.candidates.push((format!("{prefix}{v}"), help));
                    }
                }
                a.directive |= FILES;
            }
            Some((ctr, path)) => {
                // The directory part as typed, and the name being typed.
                let (dir, _) = path.rsplit_once('/').unwrap_or(("", path));
                let shown_dir = if path.contains('/') {
                    format!("{dir}/")
                } else {
                    String::new()
                };
                let list_dir = if dir.is_empty() { "/" } else { dir };
                for e in data::container_dir(self.paths, ctr, list_dir) {
                    let slash = if e.is_dir { "/" } else { "" };
                    let v = format!("{ctr}:{shown_dir}{}{slash}", e.name);
                    if v.starts_with(cur) {
                        a.candidates.push((format!("{prefix}{v}"), String::new()));
                    }
                }
            }
        }
        a
    }
}

/// `--format`: `json`, `table`, and `{{.FIELD}}` once the word has `{{`.
fn format_values(lists: &[&[&str]], cur: &str, prefix: &str) -> Answer {
    let fields: std::collections::BTreeSet<&str> =
        lists.iter().flat_map(|l| l.iter().copied()).collect();
    let mut a = Answer::default();
    match cur.rfind("{{") {
        Some(open) if !cur[open..].contains("}}") => {
            let head = &cur[..open + 2];
            let typed = cur[open + 2..].trim_start();
            let space = &cur[open + 2..cur.len() - typed.len()];
            for f in &fields {
                let v = format!("{head}{space}.{f}}}}}");
                if v.starts_with(cur) {
                    a.candidates.push((format!("{prefix}{v}"), String::new()));
                }
            }
        }
        _ => {
            for (v, help) in [
                ("json", "JSON"),
                ("table", "a table, with the default columns"),
                ("{{.", "a Go template"),
            ] {
                if v.starts_with(cur) {
                    a.candidates.push((format!("{prefix}{v}"), help.into()));
                }
            }
        }
    }
    a
}

/// The kind of a positional that only its command knows.
fn positional_kind(cmd: &str, id: &str, w: &Walk) -> Option<Kind> {
    use Kind::*;
    let running = Containers(Wanted::Running);
    let stopped = Containers(Wanted::Stopped);
    let any = Containers(Wanted::Any);
    let logs_follow = w.given.contains_key("follow");
    Some(match (cmd, id) {
        // Images.
        ("run" | "create", "image") => Images,
        ("run" | "create", "command") => Nothing, // the container's own
        ("images" | "history" | "explore" | "save" | "rmi" | "pull", _) => Images,
        ("image inspect" | "image exists" | "manifest inspect", _) => Images,
        // Manifest lists are completed with the images' names.
        ("manifest create", "list") | ("manifest push", "destination") => Nothing,
        (p, _) if p.starts_with("manifest ") => Images,
        ("push", "image") | ("tag", "image") | ("untag", _) => Images,
        ("push", "destination") | ("tag", "names") => Nothing, // new names
        ("import", "file") => Files,
        ("import", "reference") => Nothing,
        ("inspect", _) => ImagesOrContainers,
        // Containers.
        ("exec" | "attach" | "healthcheck run", "container") => running,
        ("exec", "command") => Nothing,
        ("stop" | "kill", _) => running,
        ("port", _) if w.positionals.is_empty() => running,
        ("port", _) => Nothing,
        ("logs", _) if logs_follow => running,
        ("start" | "rm" | "mount", _) => stopped,
        ("logs" | "wait" | "restart" | "unmount", _) => any,
        ("container inspect" | "container exists", _) => any,
        ("diff" | "export" | "commit" | "rename", "container") => any,
        ("commit", "image") | ("rename", "name") => Nothing,
        ("cp", _) => CpPath,
        // Networks and volumes.
        ("network rm" | "network inspect" | "network exists", _) => Networks,
        ("network connect" | "network disconnect", "network") => Networks,
        ("network connect" | "network disconnect", "container") => any,
        ("network create" | "volume create", "name") => Nothing,
        ("volume rm" | "volume inspect" | "volume exists" | "volume export", _) => Volumes,
        ("volume import", "volume") => Volumes,
        // Pods.
        ("kube generate", _) => PodsOrContainers,
        ("pod create", _) => Nothing,
        ("pod logs", "pod") => Pods,
        ("pod" | "pod ps", _) => Nothing,
        (p, _) if p.starts_with("pod ") => Pods,
        ("volume import", "source") => Files,
        // Compose.
        ("compose exec" | "compose run", "command") | ("compose port", "private_port") => Nothing,
        (p, _) if p.starts_with("compose ") => Services,
        // Registries.
        ("login" | "logout", _) => Registries,
        // Files.
        ("build", "context") => Dirs,
        ("load", _) | ("unshare", _) => Files,
        _ => return None,
    })
}

/// The services of the compose files the command line names (or finds),
/// every profile's; none when they cannot be read.
fn compose_services(w: &Walk) -> Vec<String> {
    let given = |id: &str| -> Vec<PathBuf> {
        w.given
            .get(id)
            .map(|v| v.iter().map(PathBuf::from).collect())
            .unwrap_or_default()
    };
    let Ok(cwd) = std::env::current_dir() else {
        return Vec::new();
    };
    let o = crate::compose::Options {
        files: given("files"),
        project_name: Some("completion".into()),
        project_dir: given("project_directory").pop(),
        env_files: given("env_file"),
        profiles: vec!["*".into()],
        cwd,
        environ: std::env::vars().collect(),
        ..Default::default()
    };
    crate::compose::load(&o)
        .map(|l| l.project.services.into_keys().collect())
        .unwrap_or_default()
}

/// The kind of a flag's value that only berth knows.
fn flag_kind(cmd: &str, arg: &Arg) -> Option<Kind> {
    use Kind::*;
    let long = arg.get_long()?;
    Some(match long {
        "network" | "net" if matches!(cmd, "run" | "create" | "build") => NetworkMode,
        "pull" => Fixed(&["always", "missing", "never", "newer"]),
        "restart" => Fixed(&["no", "always", "on-failure", "unless-stopped"]),
        "platform" => Platforms,
        "signal" | "stop-signal" => Signals,
        "security-opt" => SecurityOpt,
        "cap-add" | "cap-drop" => Capabilities,
        "volume" if matches!(cmd, "run" | "create") => VolumeSpec,
        "volumes-from" => Containers(Wanted::Any),
        "mount" => MountSpec,
        "userns" => Fixed(&["host", "keep-id"]),
        "pod" if matches!(cmd, "run" | "create") => PodSpec,
        "pid" | "ipc" | "uts" => NamespaceMode,
        "share" => Fixed(&["ipc,net,uts", "ipc,net,uts,pid", "net", "ipc", "uts", "pid"]),
        "format" => Format(format_fields(cmd)?),
        "root" | "runroot" => Dirs,
        _ => return None,
    })
}

/// What a value is, from its definition alone: fixed values, paths.
fn generic_kind(arg: &Arg) -> Kind {
    if !arg.get_possible_values().is_empty() {
        return Kind::Nothing; // clap's list, added by `values`.
    }
    match arg.get_value_hint() {
        ValueHint::DirPath => return Kind::Dirs,
        ValueHint::FilePath | ValueHint::AnyPath | ValueHint::ExecutablePath => return Kind::Files,
        _ => {}
    }
    let name = arg
        .get_value_names()
        .and_then(|n| n.first())
        .map(|n| n.as_str())
        .unwrap_or_default();
    match name {
        "DIR" | "CONTEXT" => Kind::Dirs,
        n if n.starts_with("FILE") || n.starts_with("DIR") || n == "PATH" => Kind::Files,
        _ => Kind::Nothing,
    }
}

/// The fields a `--format` template of command `cmd` can name.
/// (The top-level `inspect`: an image's or a container's.)
fn format_fields(cmd: &str) -> Option<&'static [&'static [&'static str]]> {
    Some(match cmd {
        "images" => &[IMAGE_FIELDS],
        "ps" => &[CONTAINER_FIELDS],
        "history" => &[HISTORY_FIELDS],
        "image inspect" => &[IMAGE_INSPECT_FIELDS],
        "container inspect" => &[CONTAINER_INSPECT_FIELDS],
        "inspect" => &[IMAGE_INSPECT_FIELDS, CONTAINER_INSPECT_FIELDS],
        "network ls" => &[NETWORK_FIELDS],
        "volume ls" => &[VOLUME_FIELDS],
        _ => return None,
    })
}

// The fields of each command's `--format` templates (an integration
// test renders every one with the real command).
const IMAGE_FIELDS: &[&str] = &[
    "ID",
    "Id",
    "Repository",
    "Tag",
    "Digest",
    "Created",
    "CreatedSince",
    "CreatedAt",
    "Size",
    "VirtualSize",
    "Dangling",
    "Containers",
    "ReadOnly",
    "Names",
    "RepoTags",
    "History",
    "RepoDigests",
    "Labels",
];
const CONTAINER_FIELDS: &[&str] = &[
    "AutoRemove",
    "Command",
    "Created",
    "CreatedAt",
    "CreatedHuman",
    "RunningFor",
    "ExitCode",
    "Exited",
    "ExitedAt",
    "ID",
    "Id",
    "Image",
    "ImageID",
    "IsInfra",
    "Labels",
    "Mounts",
    "Names",
    "Namespaces",
    "Networks",
    "Pid",
    "Pod",
    "PodName",
    "Ports",
    "Size",
    "StartedAt",
    "State",
    "Status",
];
const HISTORY_FIELDS: &[&str] = &[
    "ID",
    "Created",
    "CreatedSince",
    "CreatedAt",
    "CreatedBy",
    "Size",
    "Comment",
    "Tags",
];
const IMAGE_INSPECT_FIELDS: &[&str] = &[
    "Annotations",
    "Architecture",
    "Author",
    "Comment",
    "Config",
    "Created",
    "Digest",
    "GraphDriver",
    "History",
    "Id",
    "Labels",
    "ManifestType",
    "NamesHistory",
    "Os",
    "Parent",
    "RepoDigests",
    "RepoTags",
    "RootFS",
    "Size",
    "User",
    "Variant",
    "Version",
    "VirtualSize",
];
const CONTAINER_INSPECT_FIELDS: &[&str] = &[
    "AppArmorProfile",
    "Args",
    "BoundingCaps",
    "Config",
    "ConmonPidFile",
    "Created",
    "Dependencies",
    "Driver",
    "EffectiveCaps",
    "ExecIDs",
    "GraphDriver",
    "HostConfig",
    "HostnamePath",
    "HostsPath",
    "Id",
    "Image",
    "ImageDigest",
    "ImageName",
    "IsInfra",
    "IsService",
    "LogPath",
    "MountLabel",
    "Mounts",
    "Name",
    "Namespace",
    "NetworkSettings",
    "OCIConfigPath",
    "OCIRuntime",
    "Path",
    "PidFile",
    "Pod",
    "ProcessLabel",
    "ResolvConfPath",
    "RestartCount",
    "Rootfs",
    "State",
    "StaticDir",
];
const NETWORK_FIELDS: &[&str] = &[
    "Name",
    "ID",
    "Driver",
    "NetworkInterface",
    "Created",
    "Subnets",
    "Internal",
    "DNSEnabled",
    "IPv6Enabled",
    "Labels",
    "Options",
    "IPAMOptions",
];
const VOLUME_FIELDS: &[&str] = &[
    "Name",
    "Driver",
    "Mountpoint",
    "CreatedAt",
    "Labels",
    "Scope",
    "Options",
    "NeedsCopyUp",
    "NeedsChown",
    "MountCount",
    "UsedBy",
];

const NETWORK_MODES: &[(&str, &str)] = &[
    ("bridge", "the default network"),
    ("none", "loopback only"),
    ("host", "the host's network"),
    ("private", "a namespace of its own, loopback only"),
    ("pasta", "outbound through pasta"),
    ("slirp4netns", "outbound through slirp4netns"),
    ("container:", "another container's network"),
    ("ns:", "a network namespace by path"),
];

const SECURITY_OPTS: &[(&str, &str)] = &[
    ("seccomp=unconfined", "no seccomp filter"),
    ("seccomp=", "a seccomp profile (JSON file)"),
    ("no-new-privileges", ""),
    ("no-new-privileges=false", ""),
    ("label=disable", "SELinux options (ignored)"),
    ("apparmor=unconfined", ""),
];

const PLATFORMS: &[&str] = &[
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/arm/v6",
    "linux/386",
    "linux/ppc64le",
    "linux/s390x",
    "linux/riscv64",
];

const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        let mut w: Vec<String> = line.split(' ').map(String::from).collect();
        if line.is_empty() {
            w = vec![String::new()];
        }
        w
    }

    fn values(line: &str) -> Vec<String> {
        complete(&words(line))
            .candidates
            .into_iter()
            .map(|(v, _)| v)
            .collect()
    }

    #[test]
    fn subcommands_flags_and_fixed_values_come_from_the_definitions() {
        let top = values("");
        assert!(top.contains(&"run".to_string()), "{top:?}");
        assert!(!top.iter().any(|t| t.starts_with("internal-")), "{top:?}");
        assert_eq!(values("netw"), ["network"]);
        assert!(values("network ").contains(&"create".to_string()));
        let f = values("run --rm --ne");
        assert!(f.contains(&"--network".to_string()), "{f:?}");
        // Given once: not offered again; repeatable ones are.
        assert!(!values("run --rm --r").contains(&"--rm".to_string()));
        assert!(values("run -e A=1 --e").contains(&"--env".to_string()));
        assert_eq!(values("--log-level d"), ["debug"]);
        assert_eq!(values("--log-level=d"), ["--log-level=debug"]);
        assert_eq!(values("run --pull n"), ["never", "newer"]);
        assert_eq!(values("kill -s SIGKI"), ["SIGKILL"]);
        assert!(values("run --network ").contains(&"host".to_string()));
    }

    #[test]
    fn trailing_arguments_of_run_are_the_containers_own() {
        // After the image, words belong to the container's command.
        let a = complete(&words("run --rm alpine ls -"));
        assert_eq!(a, Answer::default());
        let a = complete(&words("run --rm alpine ls "));
        assert_eq!(a, Answer::default());
        // Flag values and positionals are skipped over correctly.
        let w = walk(
            root(),
            &words("run -e A=1 -it --name x -p8080:80 alpine sh"),
        );
        assert_eq!(w.positionals, ["alpine", "sh"]);
        assert!(w.rest);
        assert_eq!(w.given["publish"], ["8080:80"]);
        assert_eq!(w.given["name"], ["x"]);
        // A flag whose value comes only after `=` does not take the next
        // word (`cp -a SRC DST`, `login --tls-verify HOST`).
        let w = walk(root(), &words("cp -a web:/x"));
        assert_eq!(w.positionals, ["web:/x"]);
        assert!(w.pending.is_none());
    }

    #[test]
    fn format_completes_fields_inside_braces() {
        let a = format_values(&[&["ID", "Names"]], "{{.N", "");
        assert_eq!(a.candidates[0].0, "{{.Names}}");
        let a = format_values(&[&["ID", "Names"]], "{{.ID}}\\t{{ .", "");
        assert_eq!(
            a.candidates.iter().map(|c| &c.0).collect::<Vec<_>>(),
            ["{{.ID}}\\t{{ .ID}}", "{{.ID}}\\t{{ .Names}}"]
        );
        assert_eq!(
            format_values(&[], "j", "--format=").candidates[0].0,
            "--format=json"
        );
    }

    /// Every positional, and every flag that takes a value, has a kind
    /// chosen here, by definition or by its command: a new command must
    /// say what it completes.
    #[test]
    fn every_positional_has_a_kind() {
        fn visit(cmd: &Command, path: &mut Vec<String>, missing: &mut Vec<String>) {
            let w = Walk {
                path: path.clone(),
                cmd: cmd.clone(),
                given: HashMap::new(),
                positionals: Vec::new(),
                pending: None,
                rest: false,
            };
            for a in cmd.get_positionals() {
                let known = positional_kind(&w.canonical(), a.get_id().as_str(), &w).is_some()
                    || generic_kind(a) != Kind::Nothing
                    || !a.get_possible_values().is_empty();
                if !known {
                    missing.push(format!("{} {}", path.join(" "), a.get_id()));
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                path.push(sub.get_name().to_string());
                visit(sub, path, missing);
                path.pop();
            }
        }
        let mut missing = Vec::new();
        visit(&root(), &mut Vec::new(), &mut missing);
        assert!(missing.is_empty(), "positionals with no kind: {missing:#?}");
    }
}
