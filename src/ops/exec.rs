//! `exec`: run a command in a running container, with the container's
//! own process settings (environment, user, working directory,
//! capabilities, `no_new_privs`, seccomp) and the command line's
//! overrides. The exit code is the command's.

use super::run::RunOptions;
use crate::runtime::exec::ExecSpec;
use crate::runtime::spec::Spec;
use crate::store::containers::State;
use crate::store::{Store, StorePaths};
use anyhow::{bail, Result};
use std::path::PathBuf;

/// Everything `exec` takes from the command line.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// The container (name or ID).
    pub container: String,
    pub command: Vec<String>,
    /// `-e K=V` or `-e K` (from berth's environment).
    pub env: Vec<String>,
    pub env_files: Vec<PathBuf>,
    /// `-u USER[:GROUP]` (default: the container's user).
    pub user: Option<String>,
    /// `-w DIR` (default: the container's working directory).
    pub workdir: Option<String>,
    pub interactive: bool,
    pub tty: bool,
    /// Every capability (the seccomp filter and `no_new_privs` stay the
    /// container's, as in Podman).
    pub privileged: bool,
    /// `-d`: start it and return (printing a session id) without waiting.
    pub detach: bool,
}

/// What to start, checked against the store: the container must exist
/// and run.
pub fn plan(paths: &StorePaths, opts: &ExecOptions) -> Result<ExecSpec> {
    plan_in(paths, opts).map(|(_, _, spec)| spec)
}

fn plan_in(
    paths: &StorePaths,
    opts: &ExecOptions,
) -> Result<(Store, crate::store::containers::ContainerRecord, ExecSpec)> {
    let Some(store) = Store::open_existing(paths)? else {
        bail!("no container with name or ID {:?} found", opts.container);
    };
    let rec = store.find_container(&opts.container)?;
    let pid1 = match store.container_state(&rec) {
        State::Running(_) => store.container_pid1(&rec),
        _ => None,
    };
    let Some((pid1, pid1_start)) = pid1 else {
        bail!(
            "container {} is not running: can only exec into a running container",
            rec.name
        );
    };
    let spec: Spec = super::containers::spec_of(&rec)?;
    if opts.command.is_empty() {
        bail!("exec needs a command to run in container {}", rec.name);
    }
    let env_opts = RunOptions {
        env: opts.env.clone(),
        env_files: opts.env_files.clone(),
        tty: opts.tty,
        ..RunOptions::default()
    };
    let env = super::run::environment(&env_opts, &spec.process.env, &spec.hostname)?;
    let mut process = spec.process.clone();
    process.args = opts.command.clone();
    process.env = env;
    if let Some(w) = &opts.workdir {
        if !w.starts_with('/') {
            bail!("the working directory {w:?} must be an absolute path");
        }
        process.cwd = w.clone();
    }
    if let Some(u) = &opts.user {
        process.user = u.clone();
    }
    if opts.privileged {
        process.capabilities = crate::runtime::security::all_caps();
    }
    process.stdin = opts.interactive;
    process.terminal = opts.tty;
    let exec = spec_for(&rec, &spec, (pid1, pid1_start), process);
    Ok((store, rec, exec))
}

/// `process` in container `rec` (runtime spec `spec`), whose pid 1 is
/// `(pid, start time)`.
pub(crate) fn spec_for(
    rec: &crate::store::containers::ContainerRecord,
    spec: &Spec,
    (pid1, pid1_start): (i32, u64),
    mut process: crate::runtime::spec::Process,
) -> ExecSpec {
    process.console_size = None;
    ExecSpec {
        pid1,
        pid1_start,
        container: rec.name.clone(),
        user_namespace: spec.user_namespace,
        network_namespace: spec.network != crate::runtime::spec::Network::Host,
        pid_namespace: spec.pid != crate::runtime::spec::NsMode::Host,
        process,
        detached: false,
        net_probe: None,
    }
}

/// `exec -d`: start the command and return its exec session's id once
/// it runs.
pub fn exec_detached(paths: &StorePaths, opts: &ExecOptions) -> Result<String> {
    let (store, rec, spec) = plan_in(paths, opts)?;
    crate::runtime::exec::exec_detached(&spec)?;
    super::events::container(&store, "exec", &rec);
    super::run::random_id()
}

/// Run the command; returns its exit code.
pub fn exec(paths: &StorePaths, opts: &ExecOptions) -> Result<i32> {
    let (store, rec, spec) = plan_in(paths, opts)?;
    super::events::container(&store, "exec", &rec);
    let code = crate::runtime::exec::exec(&spec)?;
    if rec.owner.is_none() {
        let mut e = super::events::container_event("exec_died", &rec);
        e.exit_code = Some(code);
        super::events::emit(&store, e);
    }
    Ok(code)
}

/// The hidden `internal-exec` mode (the helper that joins the container).
pub fn internal_exec(fd: i32) -> i32 {
    crate::runtime::exec::exec_main(fd)
}
