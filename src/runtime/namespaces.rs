//! Which namespaces a container's monitor makes and which it joins,
//! decided from the spec alone ([`plan`]), then entered through the
//! kernel-call seam in a fixed order ([`enter`], [`enter_pid`]):
//!
//! 1. the user namespace that owns the namespaces the container shares
//!    (berth's bridges', or that of the container whose network, or else
//!    pid, IPC or UTS namespace it joins), unless a new one is made: then
//!    it is the first of the namespaces of one `unshare`, so that it owns
//!    all the others;
//! 2. one `unshare` of the new namespaces (user, UTS, IPC, network);
//! 3. the network namespace of another container or a path, then the
//!    IPC and UTS namespaces of another container (a pod's infra);
//! 4. last, after the root file system is mounted (a fuse-overlayfs
//!    daemon must not become its pid 1) and the port relay is forked,
//!    the pid namespace: another container's, the host's, or a new one.

use super::spec::{Network, NsMode, Spec};
use super::sys::{CloneFlags, Sys};
use anyhow::{anyhow, bail, Context, Result};
use std::fs::File;
use std::os::fd::AsFd;
use std::path::PathBuf;

/// Where a namespace to join is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsFrom {
    /// Another container's, through its pid 1 and that process's start
    /// time (a pid reused by another process is not it).
    Container { id: String, pid: i32, start: u64 },
    /// A file: `--network ns:PATH`, or `/proc/PID/ns/user` of the process
    /// that holds berth's bridges.
    Path(PathBuf),
}

/// One namespace to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    pub from: NsFrom,
    pub kind: NsKind,
}

/// The kinds of namespace a container joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsKind {
    User,
    Net,
    Ipc,
    Uts,
    Pid,
}

impl NsKind {
    /// The name of the kind in `/proc/PID/ns/`.
    pub fn name(self) -> &'static str {
        match self {
            NsKind::User => "user",
            NsKind::Net => "net",
            NsKind::Ipc => "ipc",
            NsKind::Uts => "uts",
            NsKind::Pid => "pid",
        }
    }

    fn flag(self) -> CloneFlags {
        match self {
            NsKind::User => CloneFlags::CLONE_NEWUSER,
            NsKind::Net => CloneFlags::CLONE_NEWNET,
            NsKind::Ipc => CloneFlags::CLONE_NEWIPC,
            NsKind::Uts => CloneFlags::CLONE_NEWUTS,
            NsKind::Pid => CloneFlags::CLONE_NEWPID,
        }
    }

    /// How a user names it: the flag that asks for another container's.
    fn flag_name(self) -> &'static str {
        match self {
            NsKind::User => "--userns",
            NsKind::Net => "--network",
            NsKind::Ipc => "--ipc",
            NsKind::Uts => "--uts",
            NsKind::Pid => "--pid",
        }
    }
}

/// The pid namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PidNs {
    Own,
    Host,
    Join(Join),
}

/// What the monitor does with namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Rootless `--uidmap`: a user namespace of the user's ids is made
    /// first, alone, and the container's inside it ([`super::nested`]).
    pub outer_user: bool,
    /// The user namespace joined first, when one is not made.
    pub join_user: Option<Join>,
    /// The namespaces made by one `unshare`.
    pub unshare: CloneFlags,
    /// The namespaces joined after it, in this order.
    pub join: Vec<Join>,
    pub pid: PidNs,
}

fn of_container(mode: &NsMode, kind: NsKind) -> Option<Join> {
    match mode {
        NsMode::Container { id, pid, start } => Some(Join {
            from: NsFrom::Container {
                id: id.clone(),
                pid: *pid,
                start: *start,
            },
            kind,
        }),
        _ => None,
    }
}

/// The namespaces of `spec`'s container.
pub fn plan(spec: &Spec) -> Result<Plan> {
    let mut unshare = CloneFlags::empty();
    let mut join = Vec::new();
    match &spec.network {
        Network::Container { id, pid, start } => join.push(Join {
            from: NsFrom::Container {
                id: id.clone(),
                pid: *pid,
                start: *start,
            },
            kind: NsKind::Net,
        }),
        Network::Ns { path } => join.push(Join {
            from: NsFrom::Path(path.clone()),
            kind: NsKind::Net,
        }),
        n if n.own_namespace() => unshare |= CloneFlags::CLONE_NEWNET,
        _ => {}
    }
    for (mode, kind) in [(&spec.ipc, NsKind::Ipc), (&spec.uts, NsKind::Uts)] {
        if mode.is_private() {
            unshare |= kind.flag();
        }
        join.extend(of_container(mode, kind));
    }
    let mut join_user = None;
    if spec.user_namespace && spec.waits_for_berth_to_map() {
        unshare |= CloneFlags::CLONE_NEWUSER;
    } else if spec.user_namespace {
        // The first other container whose namespace it shares.
        let shared = [&spec.pid, &spec.ipc, &spec.uts]
            .into_iter()
            .find_map(|m| of_container(m, NsKind::User));
        join_user = Some(match (&spec.network, shared) {
            (Network::Bridge(b), _) => Join {
                from: NsFrom::Path(PathBuf::from(format!("/proc/{}/ns/user", b.infra_pid))),
                kind: NsKind::User,
            },
            (Network::Container { id, pid, start }, _) => Join {
                from: NsFrom::Container {
                    id: id.clone(),
                    pid: *pid,
                    start: *start,
                },
                kind: NsKind::User,
            },
            (_, Some(j)) => j,
            _ => bail!("the container has no user namespace to join"),
        });
    }
    let pid = match (&spec.pid, of_container(&spec.pid, NsKind::Pid)) {
        (_, Some(j)) => PidNs::Join(j),
        (NsMode::Host, _) => PidNs::Host,
        _ => PidNs::Own,
    };
    let outer_user = spec.user_namespace && super::nested::map_of(spec).is_some();
    if outer_user && (join_user.is_some() || !join.is_empty()) {
        bail!(
            "--uidmap/--gidmap: a container with maps of its own cannot join another's namespaces"
        );
    }
    Ok(Plan {
        outer_user,
        join_user,
        unshare,
        join,
        pid,
    })
}

/// A namespace to join, opened (so that a container that is gone fails
/// before anything changed).
pub struct Opened {
    file: File,
    kind: NsKind,
}

/// Open `j`'s namespace; `container_ns` opens another container's.
pub fn open(
    j: &Join,
    container_ns: &dyn Fn(i32, u64, &str) -> std::io::Result<File>,
) -> Result<Opened> {
    let file = match &j.from {
        NsFrom::Container { id, pid, start } => container_ns(*pid, *start, j.kind.name())
            .with_context(|| match j.kind {
                NsKind::Net => format!("container {id} is not running"),
                NsKind::User => "opening the user namespace to join".to_string(),
                k => format!("{}: container {id} is not running", k.flag_name()),
            })?,
        NsFrom::Path(p) => File::open(p).with_context(|| match j.kind {
            NsKind::User => "opening the user namespace to join".to_string(),
            _ => format!("network namespace {}", p.display()),
        })?,
    };
    Ok(Opened { file, kind: j.kind })
}

/// What `setns` into `ns` failing means to a user.
fn join_error(kind: NsKind, e: nix::errno::Errno) -> anyhow::Error {
    match kind {
        NsKind::User => anyhow!("joining the user namespace: {}", e.desc()),
        NsKind::Net => anyhow!("joining the network namespace: {}", e.desc()),
        k => anyhow!(
            "{}: joining the {} namespace: {} (the containers must share a user namespace: the same network, or --network container:)",
            k.flag_name(),
            k.name(),
            e.desc()
        ),
    }
}

/// Step 0 of a rootless `--uidmap` container: the user's namespace,
/// alone (berth maps it).
pub fn enter_outer(sys: &dyn Sys, plan: &Plan) -> Result<()> {
    if !plan.outer_user {
        return Ok(());
    }
    sys.unshare(CloneFlags::CLONE_NEWUSER)
        .map_err(|e| anyhow!("creating the user's user namespace: {}", e.desc()))
}

/// Steps 1 to 3: join the user namespace (`user`, unless `ours` says it
/// is this process's already), make the new namespaces, join the others.
pub fn enter(
    sys: &dyn Sys,
    plan: &Plan,
    user: Option<&Opened>,
    ours: &dyn Fn(&File) -> bool,
    others: &[Opened],
) -> Result<()> {
    if let Some(u) = user.filter(|u| !ours(&u.file)) {
        sys.setns(u.file.as_fd(), CloneFlags::CLONE_NEWUSER)
            .map_err(|e| join_error(NsKind::User, e))?;
    }
    tracing::debug!(namespaces = ?plan.unshare, "monitor: unshare");
    sys.unshare(plan.unshare)
        .map_err(|e| anyhow!("creating the container's namespaces: {}", e.desc()))?;
    for o in others {
        sys.setns(o.file.as_fd(), o.kind.flag())
            .map_err(|e| join_error(o.kind, e))?;
    }
    Ok(())
}

/// Step 4: the pid namespace (`joined` when the plan joins one).
pub fn enter_pid(sys: &dyn Sys, plan: &Plan, joined: Option<&Opened>) -> Result<()> {
    match (&plan.pid, joined) {
        (PidNs::Join(_), Some(o)) => sys
            .setns(o.file.as_fd(), CloneFlags::CLONE_NEWPID)
            .map_err(|e| join_error(NsKind::Pid, e)),
        (PidNs::Join(_), None) => bail!("--pid: the namespace to join was not opened"),
        (PidNs::Host, _) => Ok(()),
        (PidNs::Own, _) => sys
            .unshare(CloneFlags::CLONE_NEWPID)
            .map_err(|e| anyhow!("creating the container's pid namespace: {}", e.desc())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::sys::recorder::Recorder;
    use super::super::sys::Errno;
    use super::*;

    /// A container spec: rootless (a user namespace), no network, every
    /// namespace its own; `extra` replaces fields.
    fn spec(extra: serde_json::Value) -> Spec {
        Spec::for_tests(extra)
    }

    fn other(id: &str) -> serde_json::Value {
        serde_json::json!({"Container": {"id": id, "pid": 42, "start": 7}})
    }

    fn from_other(id: &str) -> NsFrom {
        NsFrom::Container {
            id: id.into(),
            pid: 42,
            start: 7,
        }
    }

    fn bridge(infra_pid: i32) -> serde_json::Value {
        serde_json::json!({"Bridge": {
            "state_dir": "/s", "containers_dir": "/c", "container_id": "c1",
            "container_name": "n", "no_hosts": false, "attachments": [],
            "infra_pid": infra_pid,
        }})
    }

    const NEW: CloneFlags = CloneFlags::CLONE_NEWUSER
        .union(CloneFlags::CLONE_NEWUTS)
        .union(CloneFlags::CLONE_NEWIPC)
        .union(CloneFlags::CLONE_NEWNET);

    #[test]
    fn a_container_of_its_own_makes_every_namespace_in_one_call() {
        let p = plan(&spec(serde_json::json!({}))).unwrap();
        assert_eq!(
            p,
            Plan {
                outer_user: false,
                join_user: None,
                unshare: NEW,
                join: vec![],
                pid: PidNs::Own,
            }
        );
        // As root, no user namespace; the host's network makes none.
        let p = plan(&spec(
            serde_json::json!({"user_namespace": false, "network": "Host"}),
        ))
        .unwrap();
        assert_eq!(
            p.unshare,
            CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWIPC
        );
        assert_eq!(p.join_user, None);
    }

    #[test]
    fn a_rootless_map_makes_the_users_namespace_first_and_joins_nothing() {
        let map = serde_json::json!({
            "uids": [{"container": 0, "host": 1, "count": 65536}],
            "gids": [{"container": 0, "host": 1, "count": 65536}],
            "rootless": true,
        });
        let p = plan(&spec(serde_json::json!({"id_map": map}))).unwrap();
        assert!(p.outer_user);
        assert_eq!((p.join_user, p.unshare), (None, NEW));
        // As root the maps name host ids: no namespace before.
        let mut root_map = map.clone();
        root_map["rootless"] = false.into();
        let p = plan(&spec(serde_json::json!({"id_map": root_map}))).unwrap();
        assert!(!p.outer_user);
        // Another container's namespaces belong to another user
        // namespace.
        let e = plan(&spec(
            serde_json::json!({"id_map": map, "ipc": other("db")}),
        ))
        .unwrap_err();
        assert!(format!("{e}").contains("cannot join"), "{e}");
        // Made first and alone; then the container's, in one call.
        let t = tempfile::tempdir().unwrap();
        let r = Recorder::new(t.path());
        let p = plan(&spec(serde_json::json!({"id_map": map}))).unwrap();
        enter_outer(&r, &p).unwrap();
        enter(&r, &p, None, &|_| false, &[]).unwrap();
        let calls = r.calls();
        assert_eq!(calls.len(), 2, "{calls:?}");
        assert_eq!(calls[0], "unshare CLONE_NEWUSER");
        assert!(
            calls[1].contains("CLONE_NEWUSER") && calls[1].contains("NEWNET"),
            "{calls:?}"
        );
    }

    #[test]
    fn on_a_bridge_the_user_namespace_of_the_bridges_is_joined() {
        let p = plan(&spec(serde_json::json!({"network": bridge(314)}))).unwrap();
        assert_eq!(
            p.join_user,
            Some(Join {
                from: NsFrom::Path("/proc/314/ns/user".into()),
                kind: NsKind::User,
            })
        );
        // A network namespace of its own, owned by that user namespace.
        assert_eq!(p.unshare, NEW - CloneFlags::CLONE_NEWUSER);
        // With `--uidmap` the container's ids are its own: a new user
        // namespace even there.
        let mapped = serde_json::json!({
            "network": bridge(314),
            "id_map": {"uids": [{"container": 0, "host": 100000, "count": 65536}],
                       "gids": [{"container": 0, "host": 100000, "count": 65536}]},
        });
        let p = plan(&spec(mapped)).unwrap();
        assert_eq!((p.join_user, p.unshare), (None, NEW));
    }

    #[test]
    fn another_containers_network_is_joined_with_its_user_namespace() {
        let p = plan(&spec(serde_json::json!({"network": other("web")}))).unwrap();
        assert_eq!(
            p,
            Plan {
                outer_user: false,
                join_user: Some(Join {
                    from: from_other("web"),
                    kind: NsKind::User,
                }),
                unshare: CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWIPC,
                join: vec![Join {
                    from: from_other("web"),
                    kind: NsKind::Net,
                }],
                pid: PidNs::Own,
            }
        );
        let p = plan(&spec(
            serde_json::json!({"network": {"Ns": {"path": "/run/netns/x"}}}),
        ))
        .unwrap();
        assert_eq!(
            p.join,
            vec![Join {
                from: NsFrom::Path("/run/netns/x".into()),
                kind: NsKind::Net,
            }]
        );
        assert!(!p.unshare.contains(CloneFlags::CLONE_NEWNET));
    }

    #[test]
    fn a_pod_member_joins_the_infras_ipc_uts_and_pid() {
        let p = plan(&spec(serde_json::json!({
            "network": other("infra"),
            "ipc": other("infra"),
            "uts": other("infra"),
            "pid": other("infra"),
        })))
        .unwrap();
        assert_eq!(p.unshare, CloneFlags::empty());
        let kinds: Vec<NsKind> = p.join.iter().map(|j| j.kind).collect();
        assert_eq!(kinds, [NsKind::Net, NsKind::Ipc, NsKind::Uts]);
        assert_eq!(
            p.pid,
            PidNs::Join(Join {
                from: from_other("infra"),
                kind: NsKind::Pid,
            })
        );
        // `--pid container:` alone: that container's user namespace too.
        let p = plan(&spec(serde_json::json!({"pid": other("db")}))).unwrap();
        assert_eq!(p.join_user.map(|j| j.from), Some(from_other("db")));
        assert!(!p.unshare.contains(CloneFlags::CLONE_NEWUSER));
        let p = plan(&spec(serde_json::json!({"pid": "Host"}))).unwrap();
        assert_eq!(p.pid, PidNs::Host);
    }

    #[test]
    fn the_user_namespace_is_the_networks_before_any_other_shared_one() {
        let user = |extra| plan(&spec(extra)).unwrap().join_user.map(|j| j.from);
        assert_eq!(
            user(serde_json::json!({"network": bridge(314), "pid": other("db")})),
            Some(NsFrom::Path("/proc/314/ns/user".into()))
        );
        assert_eq!(
            user(serde_json::json!({"network": other("a"), "pid": other("b")})),
            Some(from_other("a"))
        );
        assert_eq!(
            user(serde_json::json!({"ipc": other("b"), "uts": other("c")})),
            Some(from_other("b"))
        );
    }

    /// Files standing for namespaces, so the recorder can name each.
    fn ns_files(dir: &std::path::Path, names: &[&str]) -> Vec<File> {
        names
            .iter()
            .map(|n| {
                let p = dir.join(n);
                std::fs::write(&p, "").unwrap();
                File::open(p).unwrap()
            })
            .collect()
    }

    #[test]
    fn namespaces_are_entered_user_first_then_made_then_joined_pid_last() {
        let t = tempfile::tempdir().unwrap();
        let p = plan(&spec(serde_json::json!({
            "network": other("infra"), "ipc": other("infra"), "pid": other("infra"),
        })))
        .unwrap();
        let mut f = ns_files(t.path(), &["user", "net", "ipc", "pid"]).into_iter();
        let mut opened = |kind| Opened {
            file: f.next().unwrap(),
            kind,
        };
        let user = opened(NsKind::User);
        let others = [opened(NsKind::Net), opened(NsKind::Ipc)];
        let pid = opened(NsKind::Pid);
        let r = Recorder::new(&t.path().canonicalize().unwrap());
        enter(&r, &p, Some(&user), &|_| false, &others).unwrap();
        enter_pid(&r, &p, Some(&pid)).unwrap();
        assert_eq!(
            r.calls(),
            [
                "setns {root}/user CLONE_NEWUSER",
                "unshare CLONE_NEWUTS",
                "setns {root}/net CLONE_NEWNET",
                "setns {root}/ipc CLONE_NEWIPC",
                "setns {root}/pid CLONE_NEWPID",
            ]
        );
        // A user namespace that is this process's already is not joined
        // again (setns would refuse it).
        let r = Recorder::new(&t.path().canonicalize().unwrap());
        enter(&r, &p, Some(&user), &|_| true, &others).unwrap();
        assert!(!r.calls().iter().any(|c| c.contains("NEWUSER")));
    }

    #[test]
    fn a_refused_join_stops_before_the_next_and_says_which() {
        let t = tempfile::tempdir().unwrap();
        let p = plan(&spec(
            serde_json::json!({"network": other("a"), "uts": other("a")}),
        ))
        .unwrap();
        let mut f = ns_files(t.path(), &["net", "uts"]).into_iter();
        let others = [
            Opened {
                file: f.next().unwrap(),
                kind: NsKind::Net,
            },
            Opened {
                file: f.next().unwrap(),
                kind: NsKind::Uts,
            },
        ];
        let r = Recorder::new(&t.path().canonicalize().unwrap());
        r.fail("setns {root}/net", Errno::EPERM);
        let e = enter(&r, &p, None, &|_| true, &others).unwrap_err();
        assert!(
            format!("{e}").starts_with("joining the network namespace"),
            "{e}"
        );
        assert!(
            !r.calls().iter().any(|c| c.contains("uts")),
            "{:?}",
            r.calls()
        );
        let r = Recorder::new(&t.path().canonicalize().unwrap());
        r.fail("setns {root}/uts", Errno::EINVAL);
        let e = enter(&r, &p, None, &|_| true, &others).unwrap_err();
        assert!(
            format!("{e}").starts_with("--uts: joining the uts namespace"),
            "{e}"
        );
    }
}
