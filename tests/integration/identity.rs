//! Tests that run once per identity: as root, and as the two unprivileged
//! test users, with and without a subordinate id range (DESIGN.md §6).

use crate::fixtures::*;
use crate::util::*;

pub(crate) const IMG: &str = "localhost/busybox:latest";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Who {
    Root,
    Sub,
    NoSub,
}

/// An environment for `who` with the busybox image (and `more`) loaded;
/// `None` only outside CI when the users cannot be made (a loud skip).
pub(crate) fn env_with(who: Who, more: &[ImageSpec]) -> Option<TestEnv> {
    let env = match who {
        Who::Root => {
            if !is_root() {
                skip("these tests run as root (and as test users created by root)");
                return None;
            }
            TestEnv::new()
        }
        Who::Sub => Rootless::with_subuid()?.env(),
        Who::NoSub => Rootless::without_subuid()?.env(),
    };
    // Rootless containers reach berth's default network through it.
    crate::run_options::device_usable(who, "/dev/net/tun");
    let mut images = vec![ImageSpec::busybox(IMG)];
    images.extend(more.iter().cloned());
    let archive = docker_archive(&env, "images.tar", &images);
    berth_load(&env, &archive);
    Some(env)
}

/// Three tests per body: as root, rootless with and without a subuid range.
macro_rules! each_identity {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn root() {
                ($body)(Who::Root)
            }
            #[test]
            fn rootless_subuid() {
                ($body)(Who::Sub)
            }
            #[test]
            fn rootless_no_subuid() {
                ($body)(Who::NoSub)
            }
        }
    };
}
pub(crate) use each_identity;
