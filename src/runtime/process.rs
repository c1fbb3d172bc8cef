//! Becoming the container's process, the one way pid 1 and every `exec`
//! take once they are in the container's namespaces and root: the user
//! and groups from the container's own `/etc/passwd` and `/etc/group`,
//! its terminal, environment, working directory, resource limits,
//! capabilities, seccomp filter and no_new_privs, in the order the
//! kernel requires, up to the arguments of `execve`.

use super::container::{find_program, refuse_own_binary, start_err};
use super::security;
use super::spec::{Process, Rlimit};
use super::user;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::CString;

/// What `execve` gets, once the process is the container's.
pub struct Ready {
    pub prog: CString,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
}

/// How the caller differs: pid 1 makes a missing working directory (as
/// Docker does) and re-arms its own death signal after the switch of
/// ids, which clears it.
pub struct Role {
    pub make_cwd: bool,
    /// The socket that carries the terminal's master to berth.
    pub console_fd: i32,
    pub rearm: fn(),
}

/// Turn this process into `p`, in the container's root.
pub fn become_container_process(p: &Process, role: &Role) -> Result<Ready> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let who =
        user::resolve(&p.user, &passwd, &group).map_err(|e| start_err(126, format!("{e:#}")))?;
    let groups = supplementary_groups(&who.groups, &p.group_add, &group)
        .map_err(|e| start_err(126, format!("{e:#}")))?;
    if p.terminal {
        super::tty::make_console(role.console_fd, who.uid, who.gid, p.console_size)?;
    }
    let mut env = p.env.clone();
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", who.home));
    }
    let cwd = if p.cwd.is_empty() { "/" } else { &p.cwd };
    if std::fs::metadata(cwd).is_err() {
        if p.cwd_given || !role.make_cwd {
            return Err(start_err(
                126,
                format!("workdir {cwd:?} does not exist in the container"),
            ));
        }
        let _ = std::fs::create_dir_all(cwd);
    }
    std::env::set_current_dir(cwd)
        .map_err(|e| start_err(126, format!("working directory {cwd:?}: {e}")))?;
    let path_var = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("")
        .to_string();
    let prog = find_program(&p.args[0], &path_var)?;
    refuse_own_binary(&prog)?;

    // Limits first: raising one needs CAP_SYS_RESOURCE, which the
    // capability bounding below may take away.
    for r in &p.rlimits {
        set_rlimit(r)?;
    }
    security::limit_capabilities(p.capabilities)
        .map_err(|e| anyhow!("limiting capabilities: {e}"))?;
    // Without no_new_privs, only a process with CAP_SYS_ADMIN may load a
    // filter: load it now, before the switch to the container's user
    // drops that capability (as runc does); the filter then also covers
    // the calls that switch.
    let filter = security::filter_for(&p.seccomp, p.capabilities)?;
    if !p.no_new_privileges {
        if let Some(filter) = &filter {
            security::load_filter(filter)
                .map_err(|e| anyhow!("loading the seccomp filter: {e}"))?;
        }
    }
    // `--group-add keep-groups`: the groups berth has (rootless: the
    // user's, seen as the overflow group inside) stay, so files the
    // user reaches through a group stay reachable.
    if !p.keep_groups {
        if let Err(e) = nix::unistd::setgroups(
            &groups
                .iter()
                .map(|g| nix::unistd::Gid::from_raw(*g))
                .collect::<Vec<_>>(),
        ) {
            // With the user alone mapped, setgroups is denied (and only
            // group 0 exists): nothing to set then.
            if !(e == nix::errno::Errno::EPERM && groups.is_empty()) {
                bail!("setting supplementary groups {groups:?}: {}", e.desc());
            }
        }
    }
    let (uid, gid) = (
        nix::unistd::Uid::from_raw(who.uid),
        nix::unistd::Gid::from_raw(who.gid),
    );
    nix::unistd::setresgid(gid, gid, gid).map_err(|e| {
        anyhow!(
            "switching to group {}: {} (is it mapped in the user namespace?)",
            who.gid,
            e.desc()
        )
    })?;
    nix::unistd::setresuid(uid, uid, uid).map_err(|e| {
        anyhow!(
            "switching to user {}: {} (is it mapped in the user namespace?)",
            who.uid,
            e.desc()
        )
    })?;
    (role.rearm)();
    if p.no_new_privileges {
        security::set_no_new_privs().map_err(|e| anyhow!("setting no_new_privs: {e}"))?;
    }
    let argv: Vec<CString> = p
        .args
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<_, _>>()
        .context("an argument with a NUL byte")?;
    let envp: Vec<CString> = env
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<_, _>>()
        .context("an environment entry with a NUL byte")?;
    let prog = CString::new(prog.as_str()).context("a program path with a NUL byte")?;
    if p.no_new_privileges {
        if let Some(filter) = &filter {
            security::load_filter(filter)
                .map_err(|e| anyhow!("loading the seccomp filter: {e}"))?;
        }
    }
    Ok(Ready { prog, argv, envp })
}

/// The user's own supplementary groups and those of `--group-add`
/// (numbers, or names in the container's `/etc/group`), each once.
fn supplementary_groups(own: &[u32], add: &[String], group_file: &str) -> Result<Vec<u32>> {
    let mut groups = own.to_vec();
    for g in add {
        let id = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => group_file
                .lines()
                .map(|l| l.split(':').collect::<Vec<_>>())
                .find(|f| f.len() >= 3 && f[0] == g)
                .and_then(|f| f[2].parse().ok())
                .ok_or_else(|| {
                    anyhow!("--group-add {g}: no such group in the container's /etc/group")
                })?,
        };
        if !groups.contains(&id) {
            groups.push(id);
        }
    }
    Ok(groups)
}

/// The kernel's number of the limit `name` (`nofile`, `nproc` …, as
/// `ulimit` and Docker name them).
pub fn rlimit_resource(name: &str) -> Option<libc::__rlimit_resource_t> {
    Some(match name {
        "as" => libc::RLIMIT_AS,
        "core" => libc::RLIMIT_CORE,
        "cpu" => libc::RLIMIT_CPU,
        "data" => libc::RLIMIT_DATA,
        "fsize" => libc::RLIMIT_FSIZE,
        "locks" => libc::RLIMIT_LOCKS,
        "memlock" => libc::RLIMIT_MEMLOCK,
        "msgqueue" => libc::RLIMIT_MSGQUEUE,
        "nice" => libc::RLIMIT_NICE,
        "nofile" => libc::RLIMIT_NOFILE,
        "nproc" => libc::RLIMIT_NPROC,
        "rss" => libc::RLIMIT_RSS,
        "rtprio" => libc::RLIMIT_RTPRIO,
        "rttime" => libc::RLIMIT_RTTIME,
        "sigpending" => libc::RLIMIT_SIGPENDING,
        "stack" => libc::RLIMIT_STACK,
        _ => return None,
    })
}

fn set_rlimit(r: &Rlimit) -> Result<()> {
    let resource = rlimit_resource(&r.name)
        .ok_or_else(|| start_err(125, format!("--ulimit {}: unknown limit", r.name)))?;
    let lim = libc::rlimit {
        rlim_cur: r.soft,
        rlim_max: r.hard,
    };
    // SAFETY: a valid rlimit struct.
    if unsafe { libc::setrlimit(resource, &lim) } != 0 {
        let e = std::io::Error::last_os_error();
        let mut now = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: a valid out pointer.
        unsafe { libc::getrlimit(resource, &mut now) };
        let show = |v: u64| {
            if v == libc::RLIM_INFINITY {
                "unlimited".to_string()
            } else {
                v.to_string()
            }
        };
        return Err(start_err(
            125,
            format!(
                "--ulimit {}={}:{}: {e} (the hard limit berth may raise to is {})",
                r.name,
                show(r.soft),
                show(r.hard),
                show(now.rlim_max)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_groups_resolve_by_name_or_number_once() {
        let file = "root:x:0:\nvideo:x:44:\naudio:x:29:\n";
        let add = ["video".to_string(), "1234".to_string(), "29".to_string()];
        assert_eq!(
            supplementary_groups(&[29], &add, file).unwrap(),
            vec![29, 44, 1234]
        );
        let err = supplementary_groups(&[], &["nope".to_string()], file).unwrap_err();
        assert!(err.to_string().contains("--group-add nope"), "{err}");
    }
}
