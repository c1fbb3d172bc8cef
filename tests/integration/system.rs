//! `system df` and `system prune` with containers in the store: what a
//! container uses is active and not reclaimable; prune removes stopped
//! containers first, then the images nothing uses any more.

use crate::fixtures::*;
use crate::util::TestEnv;

const IMG: &str = "localhost/system/bb:1";

fn df_row(env: &TestEnv, kind: &str) -> serde_json::Value {
    let rows = env.berth(["system", "df", "--format", "json"]).ok().json();
    rows.as_array()
        .and_then(|r| r.iter().find(|r| r["Type"] == kind).cloned())
        .unwrap_or_else(|| panic!("no {kind} row in {rows:#}"))
}

#[test]
fn system_df_and_prune_account_for_containers() {
    let env = TestEnv::new();
    let archive = docker_archive(&env, "bb.tar", &[ImageSpec::busybox(IMG)]);
    berth_load(&env, &archive);
    let id = env
        .berth(["create", IMG, "sh", "-c", "echo data > /written"])
        .ok();
    let id = id.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "create prints the id: {id:?}");
    assert_eq!(env.berth(["start", "-a", &id]).ok().code, 0);

    let images = df_row(&env, "Images");
    assert_eq!(images["Total"], 1, "{images}");
    assert_eq!(images["Active"], 1, "{images}");
    assert_eq!(images["Reclaimable"], 0, "the image is used: {images}");
    let containers = df_row(&env, "Containers");
    assert_eq!(containers["Total"], 1, "{containers}");
    assert_eq!(containers["Active"], 0, "{containers}");
    assert_eq!(
        containers["Size"], 5,
        "/written holds 5 bytes: {containers}"
    );
    assert_eq!(containers["Reclaimable"], 5, "{containers}");

    // The exited container goes; the named image stays (not dangling).
    let out = env.berth(["system", "prune", "-f"]).ok();
    assert!(
        out.stdout.contains(&format!("Deleted Containers\n{id}\n")),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("Deleted Images"), "{}", out.stdout);
    assert!(env.berth(["ps", "-a", "-q"]).ok().stdout.trim().is_empty());
    env.berth(["image", "exists", IMG]).ok();
    let images = df_row(&env, "Images");
    assert_eq!(images["Active"], 0, "{images}");
    assert_eq!(images["Reclaimable"], images["Size"], "{images}");

    // With -a every image no container uses goes too, and its layers.
    let out = env.berth(["system", "prune", "-a", "-f"]).ok();
    assert!(out.stdout.contains("Deleted Images"), "{}", out.stdout);
    env.berth(["image", "exists", IMG]).fails(1);
    assert_eq!(df_row(&env, "Images")["Size"], 0);
    env.berth(["system", "check"]).ok();
}

/// What a `create` or `rm` killed midway leaves — a name whose container
/// has no record, a container dir without one — does not stand in the
/// way: the name is free for the next `create`, and the dir is garbage
/// the next collection removes.
#[test]
fn leftovers_of_a_killed_create_are_collected() {
    let env = TestEnv::new();
    let archive = docker_archive(&env, "bb.tar", &[ImageSpec::busybox(IMG)]);
    berth_load(&env, &archive);
    let containers = env.root().join("containers");
    let orphan = "ab".repeat(32);
    std::fs::create_dir_all(containers.join(&orphan).join("upper")).unwrap();
    std::fs::create_dir_all(containers.join("names")).unwrap();
    std::os::unix::fs::symlink(&orphan, containers.join("names").join("web")).unwrap();
    let id = env
        .berth(["create", "--name", "web", IMG, "true"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let link = std::fs::read_link(containers.join("names").join("web")).unwrap();
    assert_eq!(link.to_str(), Some(id.as_str()));
    // A live name is still refused.
    let out = env
        .berth(["create", "--name", "web", IMG, "true"])
        .fails(125);
    assert!(out.stderr.contains("already in use"), "{}", out.stderr);
    assert!(containers.join(&orphan).exists());

    env.berth(["system", "prune", "-f"]).ok();
    assert!(!containers.join(&orphan).exists());
    assert!(std::fs::symlink_metadata(containers.join("names").join("web")).is_err());
    env.berth(["system", "check"]).ok();
}
