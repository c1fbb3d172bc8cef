//! Linux process machinery: user namespaces and id maps (and, with `run`,
//! mounts, pivot_root and process spawn). It receives descriptions of
//! what to set up; it does not read the store.

pub mod container;
pub mod cp;
pub mod exec;
pub mod logs;
pub mod ports;
pub mod probe;
pub mod rootfs;
pub mod security;
pub mod slirp;
pub mod spec;
pub mod tty;
pub mod user;
pub mod userns;
