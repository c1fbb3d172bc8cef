//! Typed Dockerfile instructions, validated per instruction as BuildKit's
//! `frontend/dockerfile/instructions/parse.go` does: the flags each
//! instruction accepts (with their types: boolean, string, repeatable),
//! the number and form of arguments, HEALTHCHECK options, ONBUILD
//! triggers. [`Instruction`] serializes to the `--dry-run --format json`
//! shape: `name`, `flags`, `args`, `json_form`, `heredocs`, `line`,
//! `end_line`.

use super::parser::{Heredoc, Node, NodeArgs};
use super::DockerfileError;
use serde::Serialize;
use std::time::Duration;

/// A key and, for ARG, an optional value; ENV and LABEL always have one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: Option<String>,
}

/// Arguments after parsing, before expansion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Args {
    /// Shell form as one string, a JSON array's elements, or a list.
    Words(Vec<String>),
    /// ENV, LABEL and ARG.
    Pairs(Vec<KeyValue>),
}

/// The command of RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// Run through the stage's SHELL.
    Shell(String),
    /// JSON form: run as is.
    Exec(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromCmd {
    pub image: String,
    /// `AS name`, lower case.
    pub stage_name: Option<String>,
    pub platform: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCmd {
    pub command: CommandLine,
    /// `--mount` values as written (repeatable).
    pub mounts: Vec<String>,
    /// `--network=default|none|host`.
    pub network: Option<String>,
    /// `--security=sandbox|insecure`.
    pub security: Option<String>,
}

/// COPY and ADD.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyCmd {
    /// Sources; a heredoc source appears as its `<<WORD`.
    pub sources: Vec<String>,
    pub dest: String,
    /// COPY only.
    pub from: Option<String>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    /// COPY only.
    pub parents: bool,
    pub exclude: Vec<String>,
    /// ADD only.
    pub checksum: Option<String>,
    /// ADD only.
    pub keep_git_dir: bool,
    /// ADD only: `--unpack` given explicitly.
    pub unpack: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`: disable the base image's check.
    None,
    Cmd {
        /// `["CMD", …]` or `["CMD-SHELL", "…"]`, as in the image config.
        test: Vec<String>,
        interval: Option<Duration>,
        timeout: Option<Duration>,
        start_period: Option<Duration>,
        start_interval: Option<Duration>,
        retries: Option<u32>,
    },
}

/// The typed form of each instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    From(FromCmd),
    Run(RunCmd),
    Cmd(CommandLine),
    Entrypoint(CommandLine),
    Shell(Vec<String>),
    Label(Vec<(String, String)>),
    Maintainer(String),
    Expose(Vec<String>),
    Env(Vec<(String, String)>),
    Add(CopyCmd),
    Copy(CopyCmd),
    Volume(Vec<String>),
    User(String),
    Workdir(String),
    Arg(Vec<KeyValue>),
    Onbuild {
        /// The trigger as written (what goes into the image config).
        expression: String,
        trigger: Box<Instruction>,
    },
    StopSignal(String),
    Healthcheck(Healthcheck),
}

/// One instruction. The serialized fields are the dry-run JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// Lower case (`from`, `run` …).
    pub name: String,
    /// As written (`--from=build`), quotes removed.
    pub flags: Vec<String>,
    pub args: Args,
    pub json_form: bool,
    pub heredocs: Vec<Heredoc>,
    pub line: usize,
    pub end_line: usize,
    #[serde(skip)]
    pub column: usize,
    /// The logical line, continuations joined.
    #[serde(skip)]
    pub original: String,
    #[serde(skip)]
    pub command: Command,
}

pub const INSTRUCTIONS: [&str; 18] = [
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagKind {
    Bool,
    Str,
    List,
}

fn flag_spec(keyword: &str) -> &'static [(&'static str, FlagKind)] {
    use FlagKind::*;
    match keyword {
        "from" => &[("platform", Str)],
        "run" => &[("mount", List), ("network", Str), ("security", Str)],
        "copy" => &[
            ("from", Str),
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", List),
        ],
        "add" => &[
            ("chown", Str),
            ("chmod", Str),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", Str),
            ("exclude", List),
            ("unpack", Bool),
        ],
        "healthcheck" => &[
            ("interval", Str),
            ("timeout", Str),
            ("start-period", Str),
            ("start-interval", Str),
            ("retries", Str),
        ],
        _ => &[],
    }
}

#[derive(Default)]
struct Flags {
    values: Vec<(&'static str, Vec<String>)>,
}

impl Flags {
    fn str(&self, name: &str) -> Option<String> {
        self.values
            .iter()
            .find(|v| v.0 == name)
            .and_then(|v| v.1.last().cloned())
    }
    fn list(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .find(|v| v.0 == name)
            .map(|v| v.1.clone())
            .unwrap_or_default()
    }
    fn bool(&self, name: &str) -> Option<bool> {
        self.str(name).map(|v| v == "true")
    }
}

/// Optimal-string-alignment distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// The closest of `options` to `word` (case-insensitive), if close.
pub fn suggest<'a>(word: &str, options: &[&'a str]) -> Option<&'a str> {
    let w = word.to_lowercase();
    options
        .iter()
        .map(|o| {
            let lo = o.to_lowercase();
            // A prefix of a long name (`--plat`) counts as close.
            let d = if w.len() >= 3 && lo.starts_with(&w) {
                1
            } else {
                distance(&w, &lo)
            };
            (d, *o)
        })
        .filter(|&(d, o)| d <= 2.min(o.len().saturating_sub(1)).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, o)| o)
}

fn parse_flags(node: &Node, file: &str) -> Result<Flags, DockerfileError> {
    let spec = flag_spec(&node.keyword);
    let mut flags = Flags::default();
    for (i, raw) in node.flags.iter().enumerate() {
        let at = |m: String| {
            let (line, column) = node.locate(node.flag_offsets.get(i).copied().unwrap_or(0));
            DockerfileError {
                file: file.to_string(),
                line,
                column,
                message: m,
            }
        };
        let body = raw.strip_prefix("--").unwrap_or(raw);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(&(fname, kind)) = spec.iter().find(|(n, _)| *n == name) else {
            let names: Vec<&str> = spec.iter().map(|s| s.0).collect();
            let hint = match suggest(name, &names) {
                Some(s) => format!(" (did you mean --{s}?)"),
                None => String::new(),
            };
            return Err(at(format!(
                "unknown flag --{name} for {}{hint}",
                node.keyword.to_uppercase()
            )));
        };
        let existing = flags.values.iter().position(|v| v.0 == fname);
        if existing.is_some() && kind != FlagKind::List {
            return Err(at(format!("duplicate flag specified: --{name}")));
        }
        let v = match (kind, value) {
            (FlagKind::Bool, None) => "true".to_string(),
            (FlagKind::Bool, Some("")) | (_, None) => {
                return Err(at(format!("missing a value on flag: --{name}")))
            }
            (FlagKind::Bool, Some(v)) => match v.to_lowercase().as_str() {
                b @ ("true" | "false") => b.to_string(),
                _ => {
                    return Err(at(format!(
                        "expecting boolean value for flag --{name}, not: {v}"
                    )))
                }
            },
            (_, Some(v)) => v.to_string(),
        };
        match existing {
            Some(k) => flags.values[k].1.push(v),
            None => flags.values.push((fname, vec![v])),
        }
    }
    Ok(flags)
}

/// Parses a Go duration (`30s`, `1m30s`, `1.5h`, `100ms`, `0`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." {
            return None;
        }
        let n: f64 = num.parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    if !total.is_finite() || total > 1e12 {
        return None;
    }
    Some(Duration::from_secs_f64(total))
}

fn valid_stage_name(name: &str) -> bool {
    let mut c = name.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|ch| {
            ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '-' | '_' | '.')
        })
}

/// Validates one node into an instruction.
pub fn from_node(file: &str, node: &Node) -> Result<Instruction, DockerfileError> {
    let (rl, rc) = node.locate(node.rest_offset);
    let err_at = |line, column, m: String| DockerfileError {
        file: file.to_string(),
        line,
        column,
        message: m,
    };
    let fail = |m: String| err_at(rl, rc, m);
    let upper = node.keyword.to_uppercase();
    // ASCII only: `ſhell` upper-cases to `SHELL` but is no instruction.
    if !node.keyword.is_ascii() || !INSTRUCTIONS.contains(&upper.as_str()) {
        let hint = match suggest(&node.keyword_as_written, &INSTRUCTIONS) {
            Some(s) => format!(" (did you mean {s}?)"),
            None => String::new(),
        };
        return Err(err_at(
            node.line,
            node.column,
            format!("unknown instruction {:?}{hint}", node.keyword_as_written),
        ));
    }
    let flags = parse_flags(node, file)?;
    let words = match &node.args {
        NodeArgs::Words(w) => w.clone(),
        _ => Vec::new(),
    };
    let at_least_one = |w: &[String]| -> Result<(), DockerfileError> {
        if w.is_empty() {
            Err(fail(format!("{upper} requires at least one argument")))
        } else {
            Ok(())
        }
    };
    let exactly_one = |w: &[String]| -> Result<String, DockerfileError> {
        match w {
            [one] => Ok(one.clone()),
            _ => Err(fail(format!("{upper} requires exactly one argument"))),
        }
    };
    let command_line = |w: &[String]| {
        if node.json_form {
            CommandLine::Exec(w.to_vec())
        } else {
            CommandLine::Shell(w.first().cloned().unwrap_or_default())
        }
    };
    let mut args = Args::Words(words.clone());
    let command = match node.keyword.as_str() {
        "from" => {
            let (image, stage_name) = match words.as_slice() {
                [image] => (image.clone(), None),
                [image, as_, name] if as_.eq_ignore_ascii_case("as") => {
                    let name = name.to_lowercase();
                    if !valid_stage_name(&name) {
                        return Err(fail(format!(
                            "invalid name for build stage: {name:?}, name can't start with a number or contain symbols"
                        )));
                    }
                    (image.clone(), Some(name))
                }
                _ => {
                    return Err(fail(
                        "FROM requires either one or three arguments (FROM image [AS name])".into(),
                    ))
                }
            };
            Command::From(FromCmd {
                image,
                stage_name,
                platform: flags.str("platform"),
            })
        }
        "run" => {
            at_least_one(&words)?;
            let network = flags.str("network");
            if let Some(n) = &network {
                if !matches!(n.as_str(), "default" | "none" | "host") {
                    return Err(fail(format!(
                        "unsupported network mode {n:?} (expected default, none or host)"
                    )));
                }
            }
            let security = flags.str("security");
            if let Some(s) = &security {
                if !matches!(s.as_str(), "sandbox" | "insecure") {
                    return Err(fail(format!(
                        "unsupported security mode {s:?} (expected sandbox or insecure)"
                    )));
                }
            }
            let mounts = flags.list("mount");
            for m in &mounts {
                check_mount(m).map_err(fail)?;
            }
            Command::Run(RunCmd {
                command: command_line(&words),
                mounts,
                network,
                security,
            })
        }
        "cmd" => Command::Cmd(command_line(&words)),
        "entrypoint" => Command::Entrypoint(command_line(&words)),
        "shell" => {
            at_least_one(&words)?;
            if !node.json_form {
                return Err(fail(
                    "SHELL requires the arguments to be in JSON form".into(),
                ));
            }
            Command::Shell(words)
        }
        "label" | "env" => {
            let NodeArgs::KeyValues(kv) = &node.args else {
                return Err(fail(format!("{upper} requires at least one argument")));
            };
            if kv.is_empty() {
                return Err(fail(format!("{upper} requires at least one argument")));
            }
            if kv.iter().any(|(k, _)| k.is_empty()) {
                return Err(fail(format!("{upper} names can not be blank")));
            }
            args = Args::Pairs(
                kv.iter()
                    .map(|(k, v)| KeyValue {
                        key: k.clone(),
                        value: Some(v.clone()),
                    })
                    .collect(),
            );
            if node.keyword == "env" {
                Command::Env(kv.clone())
            } else {
                Command::Label(kv.clone())
            }
        }
        "maintainer" => Command::Maintainer(exactly_one(&words)?),
        "expose" => {
            at_least_one(&words)?;
            // BuildKit keeps the ports sorted.
            let mut ports = words;
            ports.sort();
            Command::Expose(ports)
        }
        "add" | "copy" => {
            if words.len() < 2 {
                return Err(fail(format!(
                    "{upper} requires at least two arguments, but only {} provided. Destination could not be determined",
                    if words.is_empty() { "none was" } else { "one was" }
                )));
            }
            let (dest, sources) = words.split_last().expect("two or more");
            if super::parser::parse_heredoc(dest).is_some() {
                return Err(fail(format!(
                    "{upper} cannot accept a heredoc as a destination"
                )));
            }
            let add = node.keyword == "add";
            Command::Copy(CopyCmd {
                sources: sources.to_vec(),
                dest: dest.clone(),
                from: if add { None } else { flags.str("from") },
                chown: flags.str("chown"),
                chmod: flags.str("chmod"),
                link: flags.bool("link").unwrap_or(false),
                parents: !add && flags.bool("parents").unwrap_or(false),
                exclude: flags.list("exclude"),
                checksum: if add { flags.str("checksum") } else { None },
                keep_git_dir: add && flags.bool("keep-git-dir").unwrap_or(false),
                unpack: if add { flags.bool("unpack") } else { None },
            })
        }
        "volume" => {
            at_least_one(&words)?;
            if words.iter().any(|w| w.trim().is_empty()) {
                return Err(fail("VOLUME specified can not be an empty string".into()));
            }
            Command::Volume(words)
        }
        "user" => Command::User(exactly_one(&words)?),
        "workdir" => Command::Workdir(exactly_one(&words)?),
        "stopsignal" => Command::StopSignal(exactly_one(&words)?),
        "arg" => {
            at_least_one(&words)?;
            let pairs: Vec<KeyValue> = words
                .iter()
                .map(|w| match w.split_once('=') {
                    Some((k, v)) => KeyValue {
                        key: k.to_string(),
                        value: Some(v.to_string()),
                    },
                    None => KeyValue {
                        key: w.clone(),
                        value: None,
                    },
                })
                .collect();
            if pairs.iter().any(|p| p.key.is_empty()) {
                return Err(fail("ARG names can not be blank".into()));
            }
            args = Args::Pairs(pairs.clone());
            Command::Arg(pairs)
        }
        "onbuild" => {
            let NodeArgs::Sub(child) = &node.args else {
                if node.rest.is_empty() {
                    return Err(fail("ONBUILD requires at least one argument".into()));
                }
                return Err(fail(
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                ));
            };
            match child.keyword.as_str() {
                "onbuild" => {
                    return Err(fail(
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into(),
                    ))
                }
                "from" | "maintainer" => {
                    return Err(fail(format!(
                        "{} isn't allowed as an ONBUILD trigger",
                        child.keyword.to_uppercase()
                    )))
                }
                _ => {}
            }
            let mut trigger = from_node(file, child)?;
            trigger.heredocs = node.heredocs.clone();
            args = Args::Words(vec![node.rest.clone()]);
            // The trigger's heredocs travel with it into the image config.
            let mut expression = node.rest.clone();
            for h in &node.heredocs {
                expression.push('\n');
                expression.push_str(&h.content);
                expression.push_str(&h.name);
            }
            Command::Onbuild {
                expression,
                trigger: Box::new(trigger),
            }
        }
        "healthcheck" => {
            let (kind, cmd) = match &node.args {
                NodeArgs::Health { kind, cmd } => (kind.clone(), cmd.clone()),
                _ => return Err(fail("HEALTHCHECK requires an argument".into())),
            };
            let mut all = vec![kind.clone()];
            all.extend(cmd.iter().cloned());
            args = Args::Words(all);
            match kind.to_uppercase().as_str() {
                "NONE" => {
                    if !cmd.is_empty() {
                        return Err(fail("HEALTHCHECK NONE takes no arguments".into()));
                    }
                    Command::Healthcheck(Healthcheck::None)
                }
                "CMD" => {
                    if cmd.is_empty() {
                        return Err(fail("Missing command after HEALTHCHECK CMD".into()));
                    }
                    let test = if node.json_form {
                        let mut t = vec!["CMD".to_string()];
                        t.extend(cmd);
                        t
                    } else {
                        vec!["CMD-SHELL".to_string(), cmd[0].clone()]
                    };
                    let dur = |name: &str| -> Result<Option<Duration>, DockerfileError> {
                        let Some(v) = flags.str(name) else {
                            return Ok(None);
                        };
                        let d = parse_duration(&v)
                            .ok_or_else(|| fail(format!("invalid duration {v:?} for --{name}")))?;
                        if d != Duration::ZERO && d < Duration::from_millis(1) {
                            return Err(fail(format!("--{name} cannot be less than 1ms")));
                        }
                        Ok(Some(d))
                    };
                    let retries = match flags.str("retries") {
                        None => None,
                        Some(r) => Some(r.parse::<i64>().map_err(|_| {
                            fail(format!(
                                "invalid value {r:?} for --retries (expected a number)"
                            ))
                        })?)
                        .map(|n| {
                            if n < 0 {
                                Err(fail(format!("--retries cannot be negative ({n})")))
                            } else {
                                Ok(n.min(u32::MAX as i64) as u32)
                            }
                        })
                        .transpose()?,
                    };
                    Command::Healthcheck(Healthcheck::Cmd {
                        test,
                        interval: dur("interval")?,
                        timeout: dur("timeout")?,
                        start_period: dur("start-period")?,
                        start_interval: dur("start-interval")?,
                        retries,
                    })
                }
                _ => {
                    return Err(fail(format!(
                        "unknown type {kind:?} in HEALTHCHECK (try CMD)"
                    )))
                }
            }
        }
        other => return Err(fail(format!("unknown instruction {other:?}"))),
    };
    let command = match command {
        Command::Copy(c) if node.keyword == "add" => Command::Add(c),
        c => c,
    };
    Ok(Instruction {
        name: node.keyword.clone(),
        flags: node.flags.clone(),
        args,
        json_form: node.json_form,
        heredocs: node.heredocs.clone(),
        line: node.line,
        end_line: node.end_line,
        column: node.column,
        original: node.original.clone(),
        command,
    })
}

/// Checks a `RUN --mount` value: comma-separated `key=value` fields with a
/// known `type` (bind by default).
pub fn check_mount(spec: &str) -> Result<(), String> {
    for field in spec.split(',') {
        let (k, v) = field.split_once('=').unwrap_or((field, ""));
        match k.trim().to_lowercase().as_str() {
            "type" => {
                if !matches!(v, "bind" | "cache" | "tmpfs" | "secret" | "ssh") {
                    return Err(format!(
                        "unsupported mount type {v:?} (expected bind, cache, tmpfs, secret or ssh)"
                    ));
                }
            }
            "target" | "dst" | "destination" | "source" | "src" | "from" | "id" | "sharing"
            | "mode" | "uid" | "gid" | "size" | "env" | "required" | "readonly" | "ro"
            | "readwrite" | "rw" | "rr" => {}
            "" => {}
            other => return Err(format!("unexpected key {other:?} in mount {spec:?}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn one(src: &str) -> Instruction {
        let df = parse("Dockerfile", src).unwrap_or_else(|e| panic!("{e}"));
        df.instructions.last().cloned().expect("an instruction")
    }

    fn fails(src: &str) -> String {
        parse("Dockerfile", src).unwrap_err().to_string()
    }

    #[test]
    fn unknown_instruction_with_hint() {
        assert_eq!(
            fails("FROM a\n\n  FORM b\n"),
            "Dockerfile:3:3: unknown instruction \"FORM\" (did you mean FROM?)"
        );
        assert_eq!(
            fails("FROM a\nXYZZY q\n"),
            "Dockerfile:2:1: unknown instruction \"XYZZY\""
        );
        assert!(fails("FROM a\ncopi a b\n").contains("did you mean COPY?"));
        assert!(fails("FROM a\n\u{17f}hell [\"x\"]\n").contains("unknown instruction"));
    }

    #[test]
    fn from_forms() {
        let i = one("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build");
        assert_eq!(
            i.command,
            Command::From(FromCmd {
                image: "golang:1.22".into(),
                stage_name: Some("build".into()),
                platform: Some("$BUILDPLATFORM".into()),
            })
        );
        assert!(fails("FROM a b").contains("FROM requires either one or three arguments"));
        assert!(fails("FROM a AS 1x").contains("invalid name for build stage"));
        assert_eq!(
            fails("FROM --plat=x a"),
            "Dockerfile:1:6: unknown flag --plat for FROM (did you mean --platform?)"
        );
        assert!(fails("FROM --platform a").contains("missing a value on flag: --platform"));
    }

    #[test]
    fn run_flags() {
        let i = one(
            "FROM a\nRUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=x --network=none --security=insecure make",
        );
        let Command::Run(r) = &i.command else {
            panic!()
        };
        assert_eq!(r.mounts.len(), 2);
        assert_eq!(r.network.as_deref(), Some("none"));
        assert_eq!(r.security.as_deref(), Some("insecure"));
        assert_eq!(r.command, CommandLine::Shell("make".into()));
        assert!(fails("FROM a\nRUN --network=bridge x").contains("unsupported network mode"));
        assert!(fails("FROM a\nRUN --security=x x").contains("unsupported security mode"));
        assert!(fails("FROM a\nRUN --mount=type=nfs x").contains("unsupported mount type"));
        assert!(fails("FROM a\nRUN --network=host --network=none x").contains("duplicate flag"));
        assert!(fails("FROM a\nRUN").contains("RUN requires at least one argument"));
        let i = one("FROM a\nRUN [\"/bin/true\", \"x\"]");
        assert!(matches!(
            i.command,
            Command::Run(RunCmd {
                command: CommandLine::Exec(_),
                ..
            })
        ));
    }

    #[test]
    fn copy_and_add_flags() {
        let i = one("FROM a\nCOPY --from=build --chown=1:2 --chmod=0755 --link --parents --exclude=*.md --exclude=x a b /d/");
        let Command::Copy(c) = &i.command else {
            panic!()
        };
        assert_eq!(c.sources, ["a", "b"]);
        assert_eq!(c.dest, "/d/");
        assert_eq!(c.from.as_deref(), Some("build"));
        assert_eq!(c.chown.as_deref(), Some("1:2"));
        assert_eq!(c.chmod.as_deref(), Some("0755"));
        assert!(c.link && c.parents);
        assert_eq!(c.exclude, ["*.md", "x"]);
        let i = one("FROM a\nADD --checksum=sha256:abc --keep-git-dir=true --link=false --unpack=false https://x/y.tgz /d");
        let Command::Add(c) = &i.command else {
            panic!()
        };
        assert_eq!(c.checksum.as_deref(), Some("sha256:abc"));
        assert!(c.keep_git_dir && !c.link);
        assert_eq!(c.unpack, Some(false));
        assert!(fails("FROM a\nADD --from=x a b").contains("unknown flag --from for ADD"));
        assert!(fails("FROM a\nCOPY --keep-git-dir a b").contains("unknown flag"));
        assert!(fails("FROM a\nCOPY --link=maybe a b").contains("expecting boolean value"));
        assert!(fails("FROM a\nCOPY --link= a b").contains("missing a value"));
        assert!(fails("FROM a\nCOPY a").contains("requires at least two arguments"));
        assert!(fails("FROM a\nCOPY x <<EOF\nEOF\n")
            .contains("cannot accept a heredoc as a destination"));
        assert!(fails("FROM a\nENV =x").contains("ENV names can not be blank"));
        let i = one("FROM a\nCOPY <<EOF /x\nhi\nEOF\n");
        assert_eq!(i.heredocs.len(), 1);
        assert_eq!((i.line, i.end_line), (2, 4));
    }

    #[test]
    fn simple_instructions() {
        let i = one("FROM a\nCMD echo hi");
        assert_eq!(
            i.command,
            Command::Cmd(CommandLine::Shell("echo hi".into()))
        );
        let i = one("FROM a\nCMD []");
        assert_eq!(i.command, Command::Cmd(CommandLine::Exec(vec![])));
        let i = one("FROM a\nENTRYPOINT [\"/e\"]");
        assert_eq!(
            i.command,
            Command::Entrypoint(CommandLine::Exec(vec!["/e".into()]))
        );
        let i = one("FROM a\nSHELL [\"/bin/bash\", \"-c\"]");
        assert_eq!(
            i.command,
            Command::Shell(vec!["/bin/bash".into(), "-c".into()])
        );
        assert!(fails("FROM a\nSHELL /bin/sh").contains("JSON form"));
        let i = one("FROM a\nMAINTAINER Jane Doe <j@x>");
        assert_eq!(i.command, Command::Maintainer("Jane Doe <j@x>".into()));
        let i = one("FROM a\nEXPOSE 80/tcp 443");
        assert_eq!(
            i.command,
            Command::Expose(vec!["443".into(), "80/tcp".into()])
        );
        assert_eq!(i.args, Args::Words(vec!["80/tcp".into(), "443".into()]));
        let i = one("FROM a\nVOLUME /a /b");
        assert_eq!(i.command, Command::Volume(vec!["/a".into(), "/b".into()]));
        let i = one("FROM a\nVOLUME [\"/a\"]");
        assert!(i.json_form);
        assert!(fails("FROM a\nVOLUME [\"\"]").contains("empty string"));
        assert_eq!(
            one("FROM a\nUSER 1000:1000").command,
            Command::User("1000:1000".into())
        );
        assert_eq!(
            one("FROM a\nWORKDIR /app").command,
            Command::Workdir("/app".into())
        );
        assert_eq!(
            one("FROM a\nSTOPSIGNAL SIGKILL").command,
            Command::StopSignal("SIGKILL".into())
        );
        assert!(fails("FROM a\nWORKDIR").contains("WORKDIR requires exactly one argument"));
        assert!(fails("FROM a\nCMD --x y").contains("unknown flag --x for CMD"));
        let i = one("FROM a\nLABEL a=b \"c d\"=e");
        assert_eq!(
            i.command,
            Command::Label(vec![
                ("a".into(), "b".into()),
                ("\"c d\"".into(), "e".into())
            ])
        );
        let i = one("FROM a\nENV A=1 B=2");
        assert_eq!(
            i.command,
            Command::Env(vec![("A".into(), "1".into()), ("B".into(), "2".into())])
        );
        assert!(fails("FROM a\nENV").contains("ENV requires at least one argument"));
    }

    #[test]
    fn arg_forms() {
        let i = one("ARG A B=2 C=\"x y\"");
        assert_eq!(
            i.command,
            Command::Arg(vec![
                KeyValue {
                    key: "A".into(),
                    value: None
                },
                KeyValue {
                    key: "B".into(),
                    value: Some("2".into())
                },
                KeyValue {
                    key: "C".into(),
                    value: Some("\"x y\"".into())
                },
            ])
        );
        assert!(fails("ARG").contains("ARG requires at least one argument"));
    }

    #[test]
    fn onbuild() {
        let i = one("FROM a\nONBUILD RUN echo hi");
        let Command::Onbuild {
            expression,
            trigger,
        } = &i.command
        else {
            panic!()
        };
        assert_eq!(expression, "RUN echo hi");
        assert_eq!(trigger.name, "run");
        assert!(fails("FROM a\nONBUILD ONBUILD RUN x").contains("Chaining ONBUILD"));
        assert!(
            fails("FROM a\nONBUILD FROM x").contains("FROM isn't allowed as an ONBUILD trigger")
        );
        assert!(fails("FROM a\nONBUILD MAINTAINER x").contains("isn't allowed"));
        assert!(fails("FROM a\nONBUILD").contains("ONBUILD requires at least one argument"));
        assert_eq!(
            fails("FROM a\nONBUILD COPY --bad a b"),
            "Dockerfile:2:14: unknown flag --bad for COPY"
        );
        let i = one("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n");
        assert_eq!(i.heredocs.len(), 1);
        let Command::Onbuild { expression, .. } = &i.command else {
            panic!()
        };
        assert_eq!(expression, "RUN <<EOF\nx\nEOF");
    }

    #[test]
    fn healthcheck() {
        let i = one("FROM a\nHEALTHCHECK --interval=30s --timeout=1m30s --start-period=0 --start-interval=500ms --retries=3 CMD curl -f http://x/ || exit 1");
        assert_eq!(
            i.command,
            Command::Healthcheck(Healthcheck::Cmd {
                test: vec!["CMD-SHELL".into(), "curl -f http://x/ || exit 1".into()],
                interval: Some(Duration::from_secs(30)),
                timeout: Some(Duration::from_secs(90)),
                start_period: Some(Duration::ZERO),
                start_interval: Some(Duration::from_millis(500)),
                retries: Some(3),
            })
        );
        let i = one("FROM a\nHEALTHCHECK CMD [\"/check\", \"-v\"]");
        let Command::Healthcheck(Healthcheck::Cmd { test, .. }) = &i.command else {
            panic!()
        };
        assert_eq!(test, &["CMD", "/check", "-v"]);
        assert_eq!(
            one("FROM a\nHEALTHCHECK NONE").command,
            Command::Healthcheck(Healthcheck::None)
        );
        assert!(fails("FROM a\nHEALTHCHECK NONE x").contains("takes no arguments"));
        assert!(fails("FROM a\nHEALTHCHECK CMD").contains("Missing command"));
        assert!(fails("FROM a\nHEALTHCHECK RUN x").contains("unknown type"));
        assert!(fails("FROM a\nHEALTHCHECK --interval=10 CMD x").contains("invalid duration"));
        assert!(fails("FROM a\nHEALTHCHECK --interval=1ns CMD x").contains("less than 1ms"));
        assert!(fails("FROM a\nHEALTHCHECK --retries=-1 CMD x").contains("cannot be negative"));
        assert!(fails("FROM a\nHEALTHCHECK --network=x CMD x").contains("unknown flag"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1h2m3s"), Some(Duration::from_secs(3723)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10us"), Some(Duration::from_micros(10)));
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration(""), None);
    }
}
