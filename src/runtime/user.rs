//! The container's user: `-u uid[:gid] | name[:group]` (or the image's
//! `User`) resolved in the image's own `/etc/passwd` and `/etc/group`, as
//! Docker does: a known user brings its primary group, home and the
//! supplementary groups that list it; a numeric uid that is not listed
//! runs with gid 0 (or the given group) and home `/`.

use anyhow::{bail, Result};

/// The ids and home the process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    pub home: String,
}

/// Resolve `spec` against the texts of `/etc/passwd` and `/etc/group`
/// (empty when the image has none).
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<Resolved> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user = if user.is_empty() { "0" } else { user };
    let entry = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        if f.len() < 7 {
            return None;
        }
        let matches = match user.parse::<u32>() {
            Ok(_) => f[2] == user,
            Err(_) => f[0] == user,
        };
        matches.then(|| {
            (
                f[0].to_string(),
                f[2].parse::<u32>(),
                f[3].parse::<u32>(),
                f[5],
            )
        })
    });
    let (name, uid, mut gid, home) = match entry {
        Some((name, Ok(uid), Ok(gid), home)) => (Some(name), uid, gid, home.to_string()),
        _ => match user.parse::<u32>() {
            Ok(uid) => (None, uid, 0, "/".to_string()),
            Err(_) => bail!("unable to find user {user}: no matching entries in passwd file"),
        },
    };
    let groups_text: Vec<Vec<&str>> = group
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .filter(|f| f.len() >= 4)
        .collect();
    if let Some(g) = grp.filter(|g| !g.is_empty()) {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => match groups_text.iter().find(|f| f[0] == g) {
                Some(f) => match f[2].parse() {
                    Ok(n) => n,
                    Err(_) => bail!("group {g} in /etc/group has a bad id {:?}", f[2]),
                },
                None => bail!("unable to find group {g}: no matching entries in group file"),
            },
        };
    }
    let mut groups = Vec::new();
    if let (Some(name), None) = (&name, grp) {
        for f in &groups_text {
            if f[3].split(',').any(|m| m == name) {
                if let Ok(n) = f[2].parse::<u32>() {
                    if n != gid && !groups.contains(&n) {
                        groups.push(n);
                    }
                }
            }
        }
    }
    Ok(Resolved {
        uid,
        gid,
        groups,
        home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nwheel:x:10:app,other\napp:x:1000:\naudio:x:29:app\n";

    #[test]
    fn names_and_ids_resolve_as_docker_does() {
        let r = resolve("", PASSWD, GROUP).unwrap();
        assert_eq!((r.uid, r.gid, r.home.as_str()), (0, 0, "/root"));
        let r = resolve("app", PASSWD, GROUP).unwrap();
        assert_eq!((r.uid, r.gid, r.groups), (1000, 1000, vec![10, 29]));
        let r = resolve("1000", PASSWD, GROUP).unwrap();
        assert_eq!((r.uid, r.gid, r.home.as_str()), (1000, 1000, "/home/app"));
        let r = resolve("4242", PASSWD, GROUP).unwrap();
        assert_eq!((r.uid, r.gid, r.home.as_str()), (4242, 0, "/"));
        let r = resolve("app:wheel", PASSWD, GROUP).unwrap();
        assert_eq!((r.uid, r.gid, r.groups), (1000, 10, vec![]));
        let r = resolve("5:7", "", "").unwrap();
        assert_eq!((r.uid, r.gid), (5, 7));
        assert!(resolve("nobody", PASSWD, GROUP).is_err());
        assert!(resolve("app:nogroup", PASSWD, GROUP).is_err());
    }
}
