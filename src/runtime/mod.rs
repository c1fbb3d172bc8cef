//! Linux process machinery: user namespaces and id maps (and, with `run`,
//! mounts, pivot_root and process spawn). It receives descriptions of
//! what to set up; it does not read the store.

pub mod attach;
pub mod binfmt;
pub mod container;
pub mod cp;
pub mod exec;
pub mod idmap;
pub mod logs;
pub mod namespaces;
pub mod nested;
pub mod netlink;
pub mod network;
pub mod nftables;
pub mod pasta;
pub mod pause;
pub mod ports;
pub mod probe;
pub mod process;
pub mod rootfs;
pub mod security;
pub mod slirp;
pub mod spec;
pub mod stage;
pub mod sys;
pub mod tty;
pub mod user;
pub mod userns;

/// Where program `tool` is: the first match in `PATH` (unset:
/// /usr/local/bin, /usr/bin, /bin).
/// Log a helper program berth starts, with its arguments.
pub(crate) fn log_helper(cmd: &std::process::Command) {
    tracing::debug!(
        program = %cmd.get_program().to_string_lossy(),
        args = ?cmd.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>(),
        "starting helper"
    );
}

pub fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}
