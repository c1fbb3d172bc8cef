//! Reading an application: find its files, read `.env`, replace the
//! variables, merge the files as docker compose merges them, read the
//! model, then resolve it (paths made absolute, env files read, the
//! default network added, names given, profiles applied) and check it.
//! Every error is one line naming the file, the line and the field.

use super::interpolate::{interpolate, parse_env_file, Lookup};
use super::model::{parse_duration, NetworkDef, Project};
use super::yaml::{self, At, Node, PathStep, Value};
use anyhow::{anyhow, bail, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The names docker compose looks for, in its order.
pub const FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// What the command line and the environment say about the files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-f` (in order; `-` is standard input). None: `COMPOSE_FILE`, else
    /// the first of [`FILE_NAMES`] found from `cwd` upward, with its
    /// override file.
    pub files: Vec<PathBuf>,
    /// `-p`.
    pub project_name: Option<String>,
    /// `--project-directory` (default: the first file's directory).
    pub project_dir: Option<PathBuf>,
    /// `--env-file` (default: `.env` in the project directory, if any).
    pub env_files: Vec<PathBuf>,
    /// `--profile` (also `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Services the command names: their profiles count as active.
    pub services: Vec<String>,
    pub cwd: PathBuf,
    /// berth's environment.
    pub environ: BTreeMap<String, String>,
    /// The text of `-f -`.
    pub stdin: Option<String>,
}

/// A read application.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub project: Project,
    /// The files, absolute (`-` for standard input).
    pub files: Vec<PathBuf>,
    pub working_dir: PathBuf,
    /// The variables of `.env` (over which berth's environment wins).
    pub dotenv: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

/// Service keys of the Compose Specification berth reads and does not
/// act on: a warning each, not an error.
const NOT_SUPPORTED: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cgroup",
    "cgroup_parent",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "develop",
    "device_cgroup_rules",
    "devices",
    "domainname",
    "external_links",
    "gpus",
    "group_add",
    "ipc",
    "isolation",
    "label_file",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "post_start",
    "pre_stop",
    "provider",
    "runtime",
    "shm_size",
    "storage_opt",
    "sysctls",
    "ulimits",
    "use_api_socket",
    "userns_mode",
    "uts",
    "volumes_from",
];

/// Where things are, for messages.
struct Files<'a> {
    names: &'a [String],
}

impl Files<'_> {
    fn at(&self, at: At, path: &str, msg: impl std::fmt::Display) -> anyhow::Error {
        let file = self.names.get(at.file).map_or("?", String::as_str);
        match path.is_empty() {
            true => anyhow!("{file}: line {}: {msg}", at.line),
            false => anyhow!("{file}: line {}: {path}: {msg}", at.line),
        }
    }
}

/// Find, read and resolve the application.
pub fn load(o: &Options) -> Result<Loaded> {
    let files = find_files(o)?;
    let working_dir = match &o.project_dir {
        Some(d) => absolute(&o.cwd, d),
        None => match files.first() {
            Some(f) if f.as_os_str() != "-" => f.parent().unwrap_or(Path::new("/")).to_path_buf(),
            _ => o.cwd.clone(),
        },
    };
    // `.env`: the project's variables, under berth's environment.
    let mut dotenv = BTreeMap::new();
    let env_files: Vec<(PathBuf, bool)> = match o.env_files.is_empty() {
        true => vec![(working_dir.join(".env"), false)],
        false => o
            .env_files
            .iter()
            .map(|f| (absolute(&o.cwd, f), true))
            .collect(),
    };
    for (f, required) in env_files {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => continue,
            Err(e) => bail!("env file {}: {e}", f.display()),
        };
        let os = |n: &str| o.environ.get(n).cloned();
        for (k, v) in parse_env_file(&text, &os).map_err(|e| anyhow!("{}: {e}", f.display()))? {
            if let Some(v) = v.or_else(|| o.environ.get(&k).cloned()) {
                dotenv.insert(k, v);
            }
        }
    }
    let vars = Vars {
        environ: &o.environ,
        dotenv: &dotenv,
    };
    let names: Vec<String> = files
        .iter()
        .map(|f| match f.as_os_str() == "-" {
            true => "(standard input)".to_string(),
            false => f.display().to_string(),
        })
        .collect();
    let at = Files { names: &names };
    let mut warnings = Vec::new();
    let mut unset = BTreeSet::new();
    let mut root: Option<Node> = None;
    for (i, f) in files.iter().enumerate() {
        let text = match f.as_os_str() == "-" {
            true => o.stdin.clone().unwrap_or_default(),
            false => std::fs::read_to_string(f).map_err(|e| anyhow!("{}: {e}", names[i]))?,
        };
        let mut node = yaml::parse(&text, i).map_err(|e| anyhow!("{}: {e}", names[i]))?;
        match &node.value {
            Value::Map(_) => {}
            Value::Null => bail!("{}: the file is empty", names[i]),
            _ => return Err(at.at(node.at, "", "a compose file is a mapping")),
        }
        interpolate_tree(&mut node, &mut Vec::new(), &vars, &mut unset, &at)?;
        normalize_forms(&mut node);
        root = Some(match root {
            None => node,
            Some(mut base) => {
                merge(&mut base, node, &mut Vec::new());
                base
            }
        });
    }
    for v in unset {
        warnings.push(format!(
            "The {v:?} variable is not set. Defaulting to a blank string."
        ));
    }
    let mut root = root.ok_or_else(|| anyhow!("no compose file"))?;
    if let Some(m) = root.map_mut() {
        m.retain(|(k, _)| !k.starts_with("x-"));
    }
    let mut project = read_model(&root, &at, &mut warnings)?;
    if project.version.is_some() {
        warnings.push(format!(
            "{}: the attribute `version` is obsolete, it will be ignored",
            names[0]
        ));
    }
    project.name = project_name(o, &vars, &project.name, &working_dir)?;
    let mut loaded = Loaded {
        project,
        files,
        working_dir,
        dotenv: dotenv.clone(),
        warnings,
    };
    resolve(&mut loaded, o, &root, &at)?;
    Ok(loaded)
}

struct Vars<'a> {
    environ: &'a BTreeMap<String, String>,
    dotenv: &'a BTreeMap<String, String>,
}

impl Lookup for Vars<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.environ
            .get(name)
            .or_else(|| self.dotenv.get(name))
            .cloned()
    }
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    clean(&cwd.join(p))
}

/// `p` without `.` and `..` parts (lexically, as compose resolves
/// relative paths).
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn find_files(o: &Options) -> Result<Vec<PathBuf>> {
    let named: Vec<PathBuf> = match (o.files.is_empty(), o.environ.get("COMPOSE_FILE")) {
        (false, _) => o.files.clone(),
        (true, Some(list)) if !list.is_empty() => {
            let sep = o
                .environ
                .get("COMPOSE_PATH_SEPARATOR")
                .map_or(":", String::as_str);
            list.split(sep).map(PathBuf::from).collect()
        }
        _ => {
            let mut dir = o.cwd.clone();
            loop {
                if let Some(f) = FILE_NAMES.iter().map(|n| dir.join(n)).find(|f| f.is_file()) {
                    let mut found = vec![f];
                    if let Some(over) = OVERRIDE_NAMES
                        .iter()
                        .map(|n| dir.join(n))
                        .find(|f| f.is_file())
                    {
                        found.push(over);
                    }
                    return Ok(found);
                }
                if !dir.pop() {
                    bail!(
                        "no compose file found in {} or a directory above it ({})",
                        o.cwd.display(),
                        FILE_NAMES.join(", ")
                    );
                }
            }
        }
    };
    let mut out = Vec::new();
    for f in named {
        if f.as_os_str() == "-" {
            if out.iter().any(|p: &PathBuf| p.as_os_str() == "-") {
                bail!("-f -: standard input given twice");
            }
            out.push(f);
            continue;
        }
        let f = absolute(&o.cwd, &f);
        if !f.is_file() {
            bail!("compose file {}: not found", f.display());
        }
        out.push(f);
    }
    Ok(out)
}

/// Replace the variables of every string value (not keys); a plain
/// scalar that held one is typed again (`scale: ${N}` is a number).
fn interpolate_tree(
    node: &mut Node,
    path: &mut Vec<PathStep>,
    vars: &Vars,
    unset: &mut BTreeSet<String>,
    at: &Files,
) -> Result<()> {
    match &mut node.value {
        Value::Str { s, plain } if s.contains('$') => {
            let out = interpolate(s, vars, &mut |n| {
                unset.insert(n.to_string());
            })
            .map_err(|e| at.at(node.at, &yaml::path_text(path), e))?;
            // A whole number or a boolean, written as such, is one
            // (`scale: ${N}`); anything else stays the text it became
            // (`1.10`, `0123` and an empty value are strings).
            node.value = match (*plain, yaml::typed(&out)) {
                (true, Value::Int(i)) if i.to_string() == out => Value::Int(i),
                (true, Value::Bool(b)) if b.to_string() == out => Value::Bool(b),
                _ => Value::Str {
                    s: out,
                    plain: false,
                },
            };
        }
        Value::Seq(items) => {
            for (i, n) in items.iter_mut().enumerate() {
                path.push(PathStep::Index(i));
                interpolate_tree(n, path, vars, unset, at)?;
                path.pop();
            }
        }
        Value::Map(m) => {
            for (k, n) in m.iter_mut() {
                path.push(PathStep::Key(k.clone()));
                interpolate_tree(n, path, vars, unset, at)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Lists that merge as mappings become mappings before files merge:
/// `environment`, `labels`, `build.args` and `.labels`, `depends_on`
/// and `networks` of each service; a `build` path becomes `{context}`.
fn normalize_forms(root: &mut Node) {
    // The obsolete `external: {name: N}`: `name: N`, `external: true`.
    for top in ["networks", "volumes", "secrets", "configs"] {
        let Some(defs) = root.get_mut(top).and_then(Node::map_mut) else {
            continue;
        };
        for (_, d) in defs.iter_mut() {
            let Some(m) = d.map_mut() else { continue };
            let Some(i) = m.iter().position(|(k, _)| k == "external") else {
                continue;
            };
            let Some(name) = m[i].1.get("name").cloned() else {
                continue;
            };
            let at = m[i].1.at;
            m[i].1 = Node::new(at, Value::Bool(true));
            if !m.iter().any(|(k, _)| k == "name") {
                m.push(("name".into(), name));
            }
        }
    }
    let Some(services) = root.get_mut("services").and_then(Node::map_mut) else {
        return;
    };
    for (_, s) in services.iter_mut() {
        let Some(m) = s.map_mut() else { continue };
        for (k, v) in m.iter_mut() {
            match k.as_str() {
                "environment" | "labels" => list_to_map(v, true),
                "depends_on" | "networks" => list_to_map(v, false),
                "build" => {
                    if let Value::Str { .. } = v.value {
                        let at = v.at;
                        let context = std::mem::replace(v, Node::new(at, Value::Null));
                        *v = Node::new(at, Value::Map(vec![("context".into(), context)]));
                    }
                    if let Some(b) = v.map_mut() {
                        for (k, v) in b.iter_mut() {
                            if k == "args" || k == "labels" {
                                list_to_map(v, true)
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `[K=V, K]` → `{K: V, K: null}` (`split`), or `[K]` → `{K: {}}`
/// for `depends_on`/`networks` (which take mappings or null).
fn list_to_map(v: &mut Node, split: bool) {
    let Value::Seq(items) = &v.value else { return };
    let mut m = Vec::new();
    for i in items {
        let Some(text) = i.scalar_text() else { return };
        let entry = match (split, text.split_once('=')) {
            (true, Some((k, val))) => (k.to_string(), Node::string(i.at, val)),
            (true, None) => (text, Node::new(i.at, Value::Null)),
            (false, _) => (text, Node::new(i.at, Value::Null)),
        };
        if !m.iter().any(|(k, _): &(String, Node)| *k == entry.0) {
            m.push(entry);
        }
    }
    v.value = Value::Map(m);
}

/// Merge `over` (a later file) into `base` as docker compose does:
/// mappings key by key; `command`, `entrypoint` and a healthcheck's
/// `test` replaced; a service's `volumes` by target and `secrets`,
/// `configs` by source; other lists appended without repeats.
fn merge(base: &mut Node, over: Node, path: &mut Vec<String>) {
    match (&mut base.value, over.value) {
        (Value::Map(b), Value::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().find(|(bk, _)| *bk == k) {
                    Some((_, bv)) => {
                        path.push(k);
                        merge(bv, v, path);
                        path.pop();
                    }
                    None => b.push((k, v)),
                }
            }
        }
        (Value::Seq(b), Value::Seq(o)) => {
            let field = path.last().map_or("", String::as_str);
            let in_service = path.len() == 3 && path[0] == "services";
            match field {
                "command" | "entrypoint" | "test" => *b = o,
                "volumes" | "secrets" | "configs" if in_service => {
                    let key = |n: &Node| -> Option<String> {
                        match &n.value {
                            Value::Str { s, .. } if field == "volumes" => {
                                let parts: Vec<&str> = s.split(':').collect();
                                Some(parts.get(1).unwrap_or(&parts[0]).to_string())
                            }
                            Value::Str { s, .. } => Some(s.clone()),
                            Value::Map(_) => n
                                .get(if field == "volumes" {
                                    "target"
                                } else {
                                    "source"
                                })
                                .and_then(Node::scalar_text),
                            _ => None,
                        }
                    };
                    for v in o {
                        let k = key(&v);
                        match b.iter_mut().find(|e| k.is_some() && key(e) == k) {
                            Some(e) => *e = v,
                            None => b.push(v),
                        }
                    }
                }
                _ => {
                    for v in o {
                        if !b.iter().any(|e| e.to_json() == v.to_json()) {
                            b.push(v);
                        }
                    }
                }
            }
        }
        (_, o) => {
            base.value = o;
            base.at = over.at;
        }
    }
}

fn ignored_steps(p: &serde_ignored::Path, out: &mut Vec<PathStep>) {
    use serde_ignored::Path as P;
    match p {
        P::Root => {}
        P::Seq { parent, index } => {
            ignored_steps(parent, out);
            out.push(PathStep::Index(*index));
        }
        P::Map { parent, key } => {
            ignored_steps(parent, out);
            out.push(PathStep::Key(key.clone()));
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_steps(parent, out)
        }
    }
}

/// The typed model of the merged tree: a field of the wrong type, or
/// one the specification does not have, is an error naming its line.
fn read_model(root: &Node, at: &Files, warnings: &mut Vec<String>) -> Result<Project> {
    let mut ignored: Vec<Vec<PathStep>> = Vec::new();
    let json = root.to_json();
    let mut note = |p: serde_ignored::Path| {
        let mut steps = Vec::new();
        ignored_steps(&p, &mut steps);
        ignored.push(steps);
    };
    let de = serde_ignored::Deserializer::new(json, &mut note);
    let read: std::result::Result<Project, _> = serde_path_to_error::deserialize(de);
    let project = read.map_err(|e| {
        let steps: Vec<PathStep> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(PathStep::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(PathStep::Key(key.clone())),
                _ => None,
            })
            .collect();
        at.at(
            root.locate(&steps),
            &yaml::path_text(&steps),
            e.into_inner(),
        )
    })?;
    for steps in ignored {
        if steps
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k.starts_with("x-")))
        {
            continue;
        }
        let where_ = root.locate(&steps);
        let text = yaml::path_text(&steps);
        let later = match steps.as_slice() {
            [PathStep::Key(k)] => k == "include",
            [PathStep::Key(s), PathStep::Key(_), PathStep::Key(k)] => {
                s == "services" && k == "extends"
            }
            _ => false,
        };
        if later {
            return Err(at.at(where_, &text, "not supported by berth yet"));
        }
        let supported_elsewhere = match steps.as_slice() {
            [PathStep::Key(s), PathStep::Key(_), PathStep::Key(k)] if s == "services" => {
                NOT_SUPPORTED.contains(&k.as_str())
            }
            [PathStep::Key(s), PathStep::Key(_), PathStep::Key(d), ..]
                if s == "services" && d == "deploy" =>
            {
                true
            }
            _ => false,
        };
        match supported_elsewhere {
            true => warnings.push(format!(
                "{}: {text}: not supported by berth, ignored",
                at.at(where_, "", "").to_string().trim_end_matches(": ")
            )),
            false => return Err(at.at(where_, &text, "not a field of the Compose Specification")),
        }
    }
    Ok(project)
}

/// `-p`, else `COMPOSE_PROJECT_NAME`, else the file's `name`, else the
/// project directory's name made a valid one.
fn project_name(o: &Options, vars: &Vars, given: &str, dir: &Path) -> Result<String> {
    let explicit = o
        .project_name
        .clone()
        .or_else(|| vars.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()))
        .or_else(|| (!given.is_empty()).then(|| given.to_string()));
    if let Some(n) = explicit {
        let valid = n
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            bail!("project name {n:?}: use lowercase letters, digits, dashes and underscores, starting with a letter or digit");
        }
        return Ok(n);
    }
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let n: String = base
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let n = n.trim_start_matches(['-', '_']).to_string();
    if n.is_empty() {
        bail!(
            "project name: {} gives none; name the project with -p or a top-level name",
            dir.display()
        );
    }
    Ok(n)
}

/// The checks and defaults of a read model.
fn resolve(l: &mut Loaded, o: &Options, root: &Node, at: &Files) -> Result<()> {
    let vars = Vars {
        environ: &o.environ,
        dotenv: &l.dotenv,
    };
    let key = |k: &str| PathStep::Key(k.to_string());
    let err =
        |steps: &[PathStep], msg: String| at.at(root.locate(steps), &yaml::path_text(steps), msg);
    let p = &mut l.project;
    let dir = l.working_dir.clone();
    let home = o.environ.get("HOME").cloned().unwrap_or_default();
    let host_path = |s: &str| -> String {
        let p = match s.strip_prefix('~') {
            Some(r) => PathBuf::from(format!("{home}{r}")),
            None => dir.join(s),
        };
        clean(&p).display().to_string()
    };

    // Profiles: a service with none always runs; one with profiles when
    // one of them is active, or when the command names it.
    let mut active: BTreeSet<String> = o.profiles.iter().cloned().collect();
    if let Some(list) = vars.get("COMPOSE_PROFILES") {
        active.extend(
            list.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
    }
    let all = active.contains("*");
    let enabled = |name: &str, s: &super::model::Service| {
        s.profiles.is_empty()
            || all
            || o.services.iter().any(|n| n == name)
            || s.profiles.iter().any(|x| active.contains(x))
    };
    let off: Vec<String> = p
        .services
        .iter()
        .filter(|(n, s)| !enabled(n, s))
        .map(|(n, _)| n.clone())
        .collect();
    for (name, s) in &p.services {
        if off.contains(name) {
            continue;
        }
        for (dep, d) in &s.depends_on {
            if off.contains(dep) && d.required {
                return Err(err(
                    &[key("services"), key(name), key("depends_on"), key(dep)],
                    format!("service {dep:?} is needed by service {name:?} but is not enabled by the active profiles"),
                ));
            }
        }
    }
    for n in &off {
        p.services.remove(n);
        p.disabled.insert(n.clone());
    }
    for n in &o.services {
        if !p.services.contains_key(n) {
            bail!("no such service: {n}");
        }
    }

    let mut uses_default = false;
    let services: Vec<String> = p.services.keys().cloned().collect();
    for name in &services {
        let s = p.services.get_mut(name).expect("listed above");
        let here = |k: &str| vec![key("services"), key(name), key(k)];
        if s.image.is_none() && s.build.is_none() {
            return Err(err(
                &[key("services"), key(name)],
                "a service needs an image or a build".into(),
            ));
        }
        if let Some(b) = s.build.as_mut() {
            if b.context.contains("://") || b.context.starts_with("git@") {
                return Err(err(
                    &here("build"),
                    format!(
                        "context {:?}: only a local directory is supported",
                        b.context
                    ),
                ));
            }
            b.context = host_path(&b.context);
            for (k, v) in b.args.iter_mut() {
                if v.is_none() {
                    *v = vars.get(k);
                }
            }
            b.args.retain(|_, v| v.is_some());
        }
        // Env files, under `environment`.
        let mut env: BTreeMap<String, Option<String>> = BTreeMap::new();
        for f in std::mem::take(&mut s.env_file) {
            let path = PathBuf::from(host_path(&f.path));
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !f.required => continue,
                Err(e) => {
                    return Err(err(
                        &here("env_file"),
                        format!("env file {}: {e}", path.display()),
                    ))
                }
            };
            let entries = parse_env_file(&text, &vars)
                .map_err(|e| err(&here("env_file"), format!("{}: {e}", path.display())))?;
            env.extend(entries);
        }
        // A name alone takes berth's environment's value, else the env
        // file's, else it is left out.
        for (k, v) in std::mem::take(&mut s.environment) {
            match v.or_else(|| vars.get(&k)) {
                Some(v) => {
                    env.insert(k, Some(v));
                }
                None => {
                    env.entry(k).or_insert(None);
                }
            }
        }
        for (k, v) in env {
            if let Some(v) = v.or_else(|| vars.get(&k)) {
                s.environment.insert(k, Some(v));
            }
        }
        for (i, v) in s.volumes.iter_mut().enumerate() {
            let steps = [
                key("services"),
                key(name),
                key("volumes"),
                PathStep::Index(i),
            ];
            match v.kind.as_str() {
                "bind" => {
                    let src = v
                        .source
                        .as_deref()
                        .ok_or_else(|| err(&steps, "a bind mount needs a source".into()))?;
                    v.source = Some(host_path(src));
                }
                "volume" => {
                    if let Some(src) = &v.source {
                        if !p.volumes.contains_key(src) {
                            return Err(err(
                                &steps,
                                format!("volume {src:?} is not in the file's top-level volumes"),
                            ));
                        }
                    }
                }
                "tmpfs" => {
                    if v.source.is_some() {
                        return Err(err(&steps, "a tmpfs mount has no source".into()));
                    }
                }
                k => {
                    return Err(err(
                        &steps,
                        format!("type {k:?}: use volume, bind or tmpfs"),
                    ))
                }
            }
            if !v.target.starts_with('/') {
                return Err(err(
                    &steps,
                    format!("target {:?} is not absolute", v.target),
                ));
            }
        }
        if s.network_mode.is_some() && !s.networks.is_empty() {
            return Err(err(
                &here("network_mode"),
                "network_mode and networks cannot both be given".into(),
            ));
        }
        if let Some(mode) = &s.network_mode {
            let ok = ["host", "none", "bridge"].contains(&mode.as_str())
                || mode.starts_with("service:")
                || mode.starts_with("container:");
            if !ok {
                return Err(err(
                    &here("network_mode"),
                    format!("{mode:?}: use host, none, service:NAME or container:NAME"),
                ));
            }
        } else if s.networks.is_empty() {
            s.networks.insert("default".into(), None);
        }
        for n in s.networks.keys() {
            if n == "default" {
                uses_default = true;
            } else if !p.networks.contains_key(n) {
                return Err(err(
                    &[key("services"), key(name), key("networks"), key(n)],
                    format!("network {n:?} is not in the file's top-level networks"),
                ));
            }
        }
        let no_build = Vec::new();
        let build_secrets = s.build.as_ref().map_or(&no_build, |b| &b.secrets);
        for (field, kind, refs, defs) in [
            ("secrets", "secrets", &s.secrets, &p.secrets),
            ("configs", "configs", &s.configs, &p.configs),
            ("build", "secrets", build_secrets, &p.secrets),
        ] {
            for r in refs {
                if !defs.contains_key(&r.source) {
                    return Err(err(
                        &here(field),
                        format!("{:?} is not in the file's top-level {kind}", r.source),
                    ));
                }
            }
        }
        if let Some(r) = &s.restart {
            let (kind, count) = r.split_once(':').unwrap_or((r, "0"));
            let ok = match kind {
                "no" | "always" | "unless-stopped" => count == "0" && !r.contains(':'),
                "on-failure" => count.parse::<u32>().is_ok(),
                _ => false,
            };
            if !ok {
                return Err(err(
                    &here("restart"),
                    format!("{r:?}: use no, always, on-failure[:N] or unless-stopped"),
                ));
            }
        }
        if let Some(pp) = &s.pull_policy {
            if !["always", "never", "missing", "if_not_present", "build"].contains(&pp.as_str()) {
                return Err(err(
                    &here("pull_policy"),
                    format!("{pp:?}: use always, never, missing or build"),
                ));
            }
        }
        if s.container_name.is_some() && s.replicas() > 1 {
            return Err(err(
                &here("container_name"),
                "a service with a container_name cannot run more than one container".into(),
            ));
        }
        if let Some(g) = &s.stop_grace_period {
            parse_duration(g).map_err(|e| err(&here("stop_grace_period"), e))?;
        }
        if let Some(h) = &s.healthcheck {
            for (f, d) in [
                ("interval", &h.interval),
                ("timeout", &h.timeout),
                ("start_period", &h.start_period),
                ("start_interval", &h.start_interval),
            ] {
                if let Some(d) = d {
                    parse_duration(d).map_err(|e| {
                        err(&[key("services"), key(name), key("healthcheck"), key(f)], e)
                    })?;
                }
            }
            if let Some(t) = &h.test {
                if !matches!(
                    t.first().map(String::as_str),
                    Some("CMD" | "CMD-SHELL" | "NONE")
                ) {
                    return Err(err(
                        &[key("services"), key(name), key("healthcheck"), key("test")],
                        "a test starts with CMD, CMD-SHELL or NONE".into(),
                    ));
                }
            }
        }
        for (i, port) in s.ports.iter().enumerate() {
            if !["tcp", "udp", "sctp"].contains(&port.protocol.as_str()) {
                return Err(err(
                    &[key("services"), key(name), key("ports"), PathStep::Index(i)],
                    format!("protocol {:?}: use tcp, udp or sctp", port.protocol),
                ));
            }
        }
    }
    // Dependencies: services of the file (a missing optional one is
    // dropped), with no cycle.
    for name in &services {
        let Some(s) = p.services.get(name) else {
            continue;
        };
        if let Some(other) = s
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
        {
            if !p.services.contains_key(other) {
                return Err(err(
                    &[key("services"), key(name), key("network_mode")],
                    match p.disabled.contains(other) {
                        true => format!("service {other:?} is not enabled by the active profiles"),
                        false => format!("service {other:?} is not in the file"),
                    },
                ));
            }
        }
        let mut drop = Vec::new();
        for (dep, d) in &s.depends_on {
            let steps = [key("services"), key(name), key("depends_on"), key(dep)];
            if !p.services.contains_key(dep) {
                if d.required {
                    return Err(err(&steps, format!("service {dep:?} is not in the file")));
                }
                l.warnings.push(format!(
                    "service {name}: optional dependency {dep} is not in the file"
                ));
                drop.push(dep.clone());
            }
            if ![
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            ]
            .contains(&d.condition.as_str())
            {
                return Err(err(
                    &steps,
                    format!("condition {:?}: use service_started, service_healthy or service_completed_successfully", d.condition),
                ));
            }
        }
        let s = p.services.get_mut(name).expect("there");
        for d in drop {
            s.depends_on.remove(&d);
        }
    }
    if let Some(cycle) = find_cycle(p) {
        bail!("dependency cycle between services: {}", cycle.join(" -> "));
    }
    if uses_default && !p.networks.contains_key("default") {
        p.networks.insert("default".into(), NetworkDef::default());
    }
    let project = p.name.clone();
    for (k, n) in p.networks.iter_mut() {
        if n.name.is_none() {
            n.name = Some(match n.external {
                true => k.clone(),
                false => format!("{project}_{k}"),
            });
        }
    }
    for (k, v) in p.volumes.iter_mut() {
        if v.name.is_none() {
            v.name = Some(match v.external {
                true => k.clone(),
                false => format!("{project}_{k}"),
            });
        }
    }
    for (kind, defs) in [("secrets", &mut p.secrets), ("configs", &mut p.configs)] {
        for (k, d) in defs.iter_mut() {
            match &d.file {
                Some(f) => {
                    let path = host_path(f);
                    if !Path::new(&path).is_file() {
                        return Err(err(
                            &[key(kind), key(k), key("file")],
                            format!("{path}: not found"),
                        ));
                    }
                    d.file = Some(path);
                }
                None => {
                    return Err(err(
                        &[key(kind), key(k)],
                        "berth takes secrets and configs from a file only (file:)".into(),
                    ))
                }
            }
            if d.name.is_none() {
                d.name = Some(format!("{project}_{k}"));
            }
        }
    }
    Ok(())
}

/// A cycle of `depends_on` and `network_mode: service:`, if any.
fn find_cycle(p: &Project) -> Option<Vec<String>> {
    fn visit(
        p: &Project,
        n: &str,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for d in dependencies(p, n) {
            if let Some(c) = visit(p, &d, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in p.services.keys() {
        if let Some(c) = visit(p, n, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

/// What service `n` needs started first: its `depends_on`, and the
/// service whose network it shares.
pub fn dependencies(p: &Project, n: &str) -> Vec<String> {
    let Some(s) = p.services.get(n) else {
        return Vec::new();
    };
    let mut out: Vec<String> = s.depends_on.keys().cloned().collect();
    if let Some(other) = s
        .network_mode
        .as_deref()
        .and_then(|m| m.strip_prefix("service:"))
    {
        if !out.iter().any(|o| o == other) {
            out.push(other.to_string());
        }
    }
    out.retain(|d| p.services.contains_key(d));
    out
}

/// The services in an order that starts each after what it needs.
pub fn start_order(p: &Project) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn add(p: &Project, n: &str, out: &mut Vec<String>) {
        if out.iter().any(|o| o == n) {
            return;
        }
        for d in dependencies(p, n) {
            add(p, &d, out);
        }
        if !out.iter().any(|o| o == n) {
            out.push(n.to_string());
        }
    }
    for n in p.services.keys() {
        add(p, n, &mut out);
    }
    out
}

/// The model as `compose config` writes it: YAML of the long forms, with
/// each `$` written `$$` so that reading it back gives the same model.
pub fn to_yaml(p: &Project) -> Result<String> {
    fn escape(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.contains('$') => *s = s.replace('$', "$$"),
            serde_json::Value::Array(a) => a.iter_mut().for_each(escape),
            serde_json::Value::Object(m) => m.values_mut().for_each(escape),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(p)?;
    escape(&mut v);
    Ok(serde_yaml_ng::to_string(&v)?)
}
