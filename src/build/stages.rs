//! Stages and the scoping of build arguments, as BuildKit's dispatcher
//! does it: ARGs before the first FROM are global and usable only in FROM
//! lines, until a stage redeclares them (`ARG NAME` without a value takes
//! the global value); ARGs in a stage are visible from their declaration to
//! the end of the stage; `--build-arg` values override declared defaults;
//! the platform args (`BUILDPLATFORM`, `TARGETARCH` …) are predefined in
//! the global scope; the proxy args (`HTTP_PROXY` …) reach RUN without a
//! declaration. ENV is visible to later instructions and to RUN.
//!
//! [`expand_stage`] expands each instruction's arguments where BuildKit
//! does (ENV, LABEL, ARG defaults, ADD/COPY, EXPOSE, VOLUME, USER,
//! WORKDIR, STOPSIGNAL, RUN --mount, FROM with the global scope) and leaves
//! the rest (RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD) to the shell
//! or to later builds.

use super::expand::Lexer;
use super::instructions::{Command, CopyCmd, Instruction, KeyValue};
use super::{Dockerfile, DockerfileError};
use std::collections::BTreeMap;
use std::fmt;

/// An OCI platform `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.split('/');
        let os = parts.next().filter(|p| !p.is_empty())?.to_string();
        let architecture = parts.next().filter(|p| !p.is_empty())?.to_string();
        let variant = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// The platform berth runs on, in OCI names.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "loongarch64" => "loong64",
            other => other,
        };
        Platform {
            os: "linux".into(),
            architecture: architecture.into(),
            variant: None,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// What the user passes to a build: `--build-arg` values and platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildArgs {
    pub values: BTreeMap<String, String>,
    pub build_platform: Platform,
    pub target_platform: Platform,
}

impl Default for BuildArgs {
    fn default() -> Self {
        BuildArgs {
            values: BTreeMap::new(),
            build_platform: Platform::host(),
            target_platform: Platform::host(),
        }
    }
}

/// Proxy args usable without an ARG declaration; they reach RUN only.
pub const PROXY_ARGS: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// An ordered set of variables; setting a name again replaces its value
/// in place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Env {
    pub vars: Vec<(String, String)>,
}

impl Env {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, name: &str, value: &str) {
        match self.vars.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value.to_string(),
            None => self.vars.push((name.to_string(), value.to_string())),
        }
    }

    /// From `KEY=VALUE` strings (an image config's `Env`).
    pub fn from_strings(list: &[String]) -> Env {
        let mut env = Env::default();
        for s in list {
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            env.set(k, v);
        }
        env
    }

    /// As `KEY=VALUE` strings.
    pub fn to_strings(&self) -> Vec<String> {
        self.vars.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

/// One build stage: its FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// `AS name`, lower case.
    pub name: Option<String>,
    pub from: Instruction,
    pub instructions: Vec<Instruction>,
}

/// The global ARGs and the stages of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stages {
    /// ARG instructions before the first FROM.
    pub meta_args: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Stages {
    /// The stage a `--from`, `FROM` or `--target` names: by name (case
    /// insensitive) or by index.
    pub fn find(&self, name_or_index: &str) -> Option<usize> {
        let lower = name_or_index.to_lowercase();
        if let Some(s) = self
            .stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            return Some(s.index);
        }
        name_or_index
            .parse::<usize>()
            .ok()
            .filter(|&i| i < self.stages.len())
    }
}

fn error_at(df: &Dockerfile, i: &Instruction, message: String) -> DockerfileError {
    DockerfileError {
        file: df.file.clone(),
        line: i.line,
        column: i.column,
        message,
    }
}

/// Splits a Dockerfile into global ARGs and stages.
pub fn split_stages(df: &Dockerfile) -> Result<Stages, DockerfileError> {
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for i in &df.instructions {
        match (&i.command, stages.last_mut()) {
            (Command::From(f), _) => {
                if let Some(name) = &f.stage_name {
                    if stages.iter().any(|s| s.name.as_ref() == Some(name)) {
                        return Err(error_at(df, i, format!("duplicate stage name {name:?}")));
                    }
                }
                stages.push(Stage {
                    index: stages.len(),
                    name: f.stage_name.clone(),
                    from: i.clone(),
                    instructions: Vec::new(),
                });
            }
            (Command::Arg(_), None) => meta_args.push(i.clone()),
            (_, None) => {
                return Err(error_at(
                    df,
                    i,
                    format!(
                        "no build stage in current context: {} before the first FROM (only ARG may come before FROM)",
                        i.name.to_uppercase()
                    ),
                ))
            }
            (_, Some(stage)) => stage.instructions.push(i.clone()),
        }
    }
    if stages.is_empty() {
        return Err(DockerfileError {
            file: df.file.clone(),
            line: df.instructions.last().map(|i| i.end_line).unwrap_or(1),
            column: 1,
            message: "no FROM instruction: a Dockerfile needs at least one build stage".into(),
        });
    }
    Ok(Stages { meta_args, stages })
}

fn expand_with(
    df: &Dockerfile,
    i: &Instruction,
    lexer: &Lexer,
    env: &Env,
    word: &str,
) -> Result<String, DockerfileError> {
    lexer
        .expand(word, &|n| env.get(n).map(str::to_string))
        .map_err(|e| error_at(df, i, format!("failed to process {word:?}: {e}")))
}

/// The values of the global scope: predefined platform args, then the
/// global ARGs (a `--build-arg` overrides a default; defaults are expanded
/// with the args above them).
pub fn meta_env(
    df: &Dockerfile,
    stages: &Stages,
    args: &BuildArgs,
) -> Result<Env, DockerfileError> {
    let mut env = Env::default();
    for (prefix, p) in [
        ("BUILD", &args.build_platform),
        ("TARGET", &args.target_platform),
    ] {
        env.set(&format!("{prefix}PLATFORM"), &p.to_string());
        env.set(&format!("{prefix}OS"), &p.os);
        env.set(&format!("{prefix}ARCH"), &p.architecture);
        env.set(
            &format!("{prefix}VARIANT"),
            p.variant.as_deref().unwrap_or(""),
        );
    }
    let lexer = Lexer::new(df.directives.escape);
    for i in &stages.meta_args {
        let Command::Arg(pairs) = &i.command else {
            continue;
        };
        for kv in pairs {
            let value = match (args.values.get(&kv.key), &kv.value) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(default)) => Some(expand_with(df, i, &lexer, &env, default)?),
                (None, None) => None,
            };
            if let Some(v) = value {
                env.set(&kv.key, &v);
            }
        }
    }
    Ok(env)
}

/// One instruction of a stage after expansion, with the environment it
/// runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The instruction; its `command` has its words expanded where BuildKit
    /// expands them (its `args` stay as written).
    pub instruction: Instruction,
    /// Variables visible to this instruction: the image's and the stage's
    /// ENV, the ARGs declared so far, and the proxy build args (which only
    /// RUN uses).
    pub env: Env,
}

/// A stage ready to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandedStage {
    pub index: usize,
    pub name: Option<String>,
    /// The FROM image (or stage name), expanded with the global scope.
    pub base: String,
    pub platform: Option<String>,
    pub steps: Vec<Step>,
    /// The ENV of the resulting image config (image env, then ENVs).
    pub config_env: Env,
}

/// Expands stage `index`. `image_env` is the base image's config `Env`
/// (`KEY=VALUE`), which later instructions see.
pub fn expand_stage(
    df: &Dockerfile,
    stages: &Stages,
    index: usize,
    args: &BuildArgs,
    image_env: &[String],
) -> Result<ExpandedStage, DockerfileError> {
    let stage = stages.stages.get(index).ok_or_else(|| DockerfileError {
        file: df.file.clone(),
        line: 1,
        column: 1,
        message: format!("no build stage {index}"),
    })?;
    let meta = meta_env(df, stages, args)?;
    let lexer = Lexer::new(df.directives.escape);
    let Command::From(from) = &stage.from.command else {
        return Err(error_at(df, &stage.from, "expected FROM".into()));
    };
    let base = expand_with(df, &stage.from, &lexer, &meta, &from.image)?;
    if base.is_empty() {
        return Err(error_at(
            df,
            &stage.from,
            format!("base name ({}) should not be blank", from.image),
        ));
    }
    let platform = match &from.platform {
        Some(p) => Some(expand_with(df, &stage.from, &lexer, &meta, p)?),
        None => None,
    };
    let mut vars = Env::from_strings(image_env);
    let mut config_env = vars.clone();
    let mut steps = Vec::new();
    for i in &stage.instructions {
        let x = |w: &str, env: &Env| expand_with(df, i, &lexer, env, w);
        let mut out = i.clone();
        out.command = match &i.command {
            Command::Arg(pairs) => {
                let mut resolved = Vec::new();
                for kv in pairs {
                    let value = match (args.values.get(&kv.key), &kv.value) {
                        (Some(v), _) => Some(v.clone()),
                        (None, Some(default)) => Some(x(default, &vars)?),
                        // `ARG NAME` in a stage takes the global value.
                        (None, None) => meta.get(&kv.key).map(str::to_string),
                    };
                    if let Some(v) = &value {
                        vars.set(&kv.key, v);
                    }
                    resolved.push(KeyValue {
                        key: kv.key.clone(),
                        value,
                    });
                }
                Command::Arg(resolved)
            }
            Command::Env(pairs) => {
                let mut expanded = Vec::new();
                for (k, v) in pairs {
                    expanded.push((x(k, &vars)?, x(v, &vars)?));
                }
                for (k, v) in &expanded {
                    vars.set(k, v);
                    config_env.set(k, v);
                }
                Command::Env(expanded)
            }
            Command::Label(pairs) => {
                let mut expanded = Vec::new();
                for (k, v) in pairs {
                    expanded.push((x(k, &vars)?, x(v, &vars)?));
                }
                Command::Label(expanded)
            }
            Command::Run(r) => {
                let mut r = r.clone();
                for m in r.mounts.iter_mut() {
                    *m = x(m, &vars)?;
                }
                Command::Run(r)
            }
            Command::Copy(c) => Command::Copy(expand_copy(c, &|w| x(w, &vars))?),
            Command::Add(c) => Command::Add(expand_copy(c, &|w| x(w, &vars))?),
            Command::Expose(ports) => {
                let mut out = Vec::new();
                for p in ports {
                    out.extend(
                        lexer
                            .expand_words(p, &|n| vars.get(n).map(str::to_string))
                            .map_err(|e| {
                                error_at(df, i, format!("failed to process {p:?}: {e}"))
                            })?,
                    );
                }
                Command::Expose(out)
            }
            Command::Volume(vols) => {
                let mut out = Vec::new();
                for v in vols {
                    let e = x(v, &vars)?;
                    if e.trim().is_empty() {
                        return Err(error_at(
                            df,
                            i,
                            format!("VOLUME specified can not be an empty string ({v:?} expands to nothing)"),
                        ));
                    }
                    out.push(e);
                }
                Command::Volume(out)
            }
            Command::User(u) => Command::User(x(u, &vars)?),
            Command::Workdir(w) => Command::Workdir(x(w, &vars)?),
            Command::StopSignal(s) => Command::StopSignal(x(s, &vars)?),
            other => other.clone(),
        };
        if matches!(i.command, Command::Copy(_) | Command::Add(_)) {
            let body_lexer = Lexer {
                skip_quotes: true,
                ..lexer
            };
            for h in out.heredocs.iter_mut().filter(|h| h.expand) {
                h.content = body_lexer
                    .expand(&h.content, &|n| vars.get(n).map(str::to_string))
                    .map_err(|e| {
                        error_at(
                            df,
                            i,
                            format!("failed to process heredoc {:?}: {e}", h.name),
                        )
                    })?;
            }
        }
        let mut env = vars.clone();
        for p in PROXY_ARGS {
            if let (None, Some(v)) = (env.get(p), args.values.get(p)) {
                env.set(p, v);
            }
        }
        steps.push(Step {
            instruction: out,
            env,
        });
    }
    Ok(ExpandedStage {
        index,
        name: stage.name.clone(),
        base,
        platform,
        steps,
        config_env,
    })
}

fn expand_copy(
    c: &CopyCmd,
    x: &dyn Fn(&str) -> Result<String, DockerfileError>,
) -> Result<CopyCmd, DockerfileError> {
    let opt = |o: &Option<String>| o.as_deref().map(x).transpose();
    Ok(CopyCmd {
        sources: c.sources.iter().map(|s| x(s)).collect::<Result<_, _>>()?,
        dest: x(&c.dest)?,
        from: opt(&c.from)?,
        chown: opt(&c.chown)?,
        chmod: opt(&c.chmod)?,
        exclude: c.exclude.iter().map(|s| x(s)).collect::<Result<_, _>>()?,
        checksum: opt(&c.checksum)?,
        ..c.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BuildArgs {
        BuildArgs {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            build_platform: Platform::parse("linux/amd64").unwrap(),
            target_platform: Platform::parse("linux/arm64/v8").unwrap(),
        }
    }

    fn stage(src: &str, index: usize, a: &BuildArgs) -> Result<ExpandedStage, DockerfileError> {
        let df = parse("Dockerfile", src)?;
        let stages = split_stages(&df)?;
        expand_stage(&df, &stages, index, a, &["PATH=/bin".to_string()])
    }

    fn cmd(s: &ExpandedStage, n: usize) -> &Command {
        &s.steps[n].instruction.command
    }

    #[test]
    fn global_args_only_in_from_until_redeclared() {
        let src = "ARG TAG=3.20\nARG IMG=alpine:${TAG}\nFROM $IMG AS one\nWORKDIR /$TAG\nARG TAG\nWORKDIR /$TAG\nFROM one\nUSER x${IMG}\n";
        let s = stage(src, 0, &args(&[])).unwrap();
        assert_eq!(s.base, "alpine:3.20");
        assert_eq!(cmd(&s, 0), &Command::Workdir("/".into()));
        assert_eq!(cmd(&s, 2), &Command::Workdir("/3.20".into()));
        let s = stage(src, 1, &args(&[])).unwrap();
        assert_eq!(s.base, "one");
        assert_eq!(cmd(&s, 0), &Command::User("x".into()));
        // --build-arg overrides the global default, also when redeclared.
        let s = stage(src, 0, &args(&[("TAG", "edge")])).unwrap();
        assert_eq!(s.base, "alpine:edge");
        assert_eq!(cmd(&s, 2), &Command::Workdir("/edge".into()));
    }

    #[test]
    fn stage_local_args_and_env() {
        let src = "FROM a\nARG V=1\nENV E=$V W=${PATH}:/x\nENV E=2 F=$E\nARG V=9\nRUN echo\nFROM b\nUSER ${V:-none}:${E:-none}\n";
        let s = stage(src, 0, &args(&[])).unwrap();
        assert_eq!(
            cmd(&s, 1),
            &Command::Env(vec![
                ("E".into(), "1".into()),
                ("W".into(), "/bin:/x".into())
            ])
        );
        // Keys set by one ENV are not visible inside the same ENV.
        assert_eq!(
            cmd(&s, 2),
            &Command::Env(vec![("E".into(), "2".into()), ("F".into(), "1".into())])
        );
        let run_env = &s.steps[4].env;
        assert_eq!(run_env.get("V"), Some("9"));
        assert_eq!(run_env.get("E"), Some("2"));
        assert_eq!(run_env.get("PATH"), Some("/bin"));
        assert_eq!(
            s.config_env.to_strings(),
            ["PATH=/bin", "E=2", "W=/bin:/x", "F=1"]
        );
        // Nothing leaks into the next stage.
        let s = stage(src, 1, &args(&[])).unwrap();
        assert_eq!(cmd(&s, 0), &Command::User("none:none".into()));
        // A build arg replaces the default, which is then not expanded.
        let s = stage(
            "FROM a\nARG V=${nope:?x}\nUSER $V\n",
            0,
            &args(&[("V", "7")]),
        )
        .unwrap();
        assert_eq!(cmd(&s, 1), &Command::User("7".into()));
        // Undeclared build args are not visible.
        let s = stage("FROM a\nUSER x$V\n", 0, &args(&[("V", "7")])).unwrap();
        assert_eq!(cmd(&s, 0), &Command::User("x".into()));
    }

    #[test]
    fn predefined_args() {
        let src = "FROM --platform=$BUILDPLATFORM img:$TARGETARCH\nRUN echo $TARGETOS\nARG TARGETARCH TARGETVARIANT\nRUN x\nUSER $TARGETARCH$TARGETVARIANT${BUILDOS:-unset}\n";
        let a = args(&[("HTTP_PROXY", "http://p:3128"), ("no_proxy", "x")]);
        let s = stage(src, 0, &a).unwrap();
        assert_eq!(s.base, "img:arm64");
        assert_eq!(s.platform.as_deref(), Some("linux/amd64"));
        assert_eq!(s.steps[0].env.get("TARGETOS"), None);
        assert_eq!(s.steps[0].env.get("HTTP_PROXY"), Some("http://p:3128"));
        assert_eq!(s.steps[0].env.get("no_proxy"), Some("x"));
        assert_eq!(s.steps[2].env.get("TARGETARCH"), Some("arm64"));
        assert_eq!(cmd(&s, 3), &Command::User("arm64v8unset".into()));
    }

    #[test]
    fn expansion_per_instruction() {
        let src = "FROM a\nARG D=/dst P=8080 U=app\nCOPY --from=${S:-b} --chown=$U --chmod=755 --exclude=$D/x src/$P ${D}/\nADD --checksum=sha256:$P x y\nEXPOSE $P ${P}/udp\nLABEL \"k $U\"=\"v $D\"\nVOLUME $D /b\nSTOPSIGNAL SIG$U\nRUN --mount=type=cache,target=$D echo $D\nCMD echo $D\nCOPY <<EOF <<'RAW' $D\n$U\nEOF\n$U\nRAW\n";
        let s = stage(src, 0, &args(&[])).unwrap();
        let Command::Copy(c) = cmd(&s, 1) else {
            panic!()
        };
        assert_eq!(c.from.as_deref(), Some("b"));
        assert_eq!(c.chown.as_deref(), Some("app"));
        assert_eq!(c.exclude, ["/dst/x"]);
        assert_eq!(c.sources, ["src/8080"]);
        assert_eq!(c.dest, "/dst/");
        let Command::Add(c) = cmd(&s, 2) else {
            panic!()
        };
        assert_eq!(c.checksum.as_deref(), Some("sha256:8080"));
        assert_eq!(
            cmd(&s, 3),
            &Command::Expose(vec!["8080".into(), "8080/udp".into()])
        );
        assert_eq!(
            cmd(&s, 4),
            &Command::Label(vec![("k app".into(), "v /dst".into())])
        );
        assert_eq!(
            cmd(&s, 5),
            &Command::Volume(vec!["/dst".into(), "/b".into()])
        );
        assert_eq!(cmd(&s, 6), &Command::StopSignal("SIGapp".into()));
        let Command::Run(r) = cmd(&s, 7) else {
            panic!()
        };
        assert_eq!(r.mounts, ["type=cache,target=/dst"]);
        assert_eq!(
            r.command,
            crate::build::CommandLine::Shell("echo $D".into())
        );
        assert_eq!(
            cmd(&s, 8),
            &Command::Cmd(crate::build::CommandLine::Shell("echo $D".into()))
        );
        let docs = &s.steps[9].instruction.heredocs;
        assert_eq!(docs[0].content, "app\n");
        assert_eq!(docs[1].content, "$U\n");
        // The dry-run args stay as written.
        assert_eq!(
            s.steps[1].instruction.args,
            crate::build::Args::Words(vec!["src/$P".into(), "${D}/".into()])
        );
    }

    #[test]
    fn expansion_errors_name_the_instruction() {
        let e = stage("FROM a\n\nUSER ${X:?must be set}\n", 0, &args(&[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Dockerfile:3:1: failed to process \"${X:?must be set}\": X: must be set"
        );
        let e = stage("ARG B\nFROM $B\n", 0, &args(&[])).unwrap_err();
        assert!(e.message.contains("should not be blank"), "{e}");
        let e = stage("FROM a\nVOLUME $nothing\n", 0, &args(&[])).unwrap_err();
        assert!(e.message.contains("empty string"), "{e}");
    }

    #[test]
    fn splitting() {
        let df = parse(
            "Dockerfile",
            "ARG A\nFROM x AS Build\nRUN a\nFROM build\nFROM y\n",
        )
        .unwrap();
        let st = split_stages(&df).unwrap();
        assert_eq!(st.meta_args.len(), 1);
        assert_eq!(st.stages.len(), 3);
        assert_eq!(st.stages[0].instructions.len(), 1);
        assert_eq!(st.find("BUILD"), Some(0));
        assert_eq!(st.find("2"), Some(2));
        assert_eq!(st.find("3"), None);
        let df = parse("Dockerfile", "ARG A\nRUN x\nFROM a\n").unwrap();
        let e = split_stages(&df).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.starts_with("no build stage in current context"));
        let df = parse("Dockerfile", "FROM a AS x\nFROM b AS X\n").unwrap();
        assert!(split_stages(&df)
            .unwrap_err()
            .message
            .contains("duplicate stage name"));
        let df = parse("Dockerfile", "ARG A=1\n").unwrap();
        assert!(split_stages(&df).unwrap_err().message.contains("no FROM"));
    }

    #[test]
    fn platforms() {
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert!(Platform::parse("linux").is_none());
        assert!(Platform::parse("a/b/c/d").is_none());
    }
}
