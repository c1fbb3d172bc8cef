//! berth's one integration test binary (ripgrep's layout: `autotests =
//! false` in Cargo.toml and one `[[test]]`), so the real binary is built
//! once and all tests share the harness in `util` and the images of
//! `fixtures`. Each test module is declared here.

mod architecture;
mod bad_input;
mod build;
mod build_cache;
mod build_copy;
mod build_inputs;
mod build_lent;
mod build_output;
mod compat;
mod completion;
mod compose;
mod concurrency;
mod confinement;
mod cp;
mod crash;
mod detach;
mod docs;
mod events;
mod exec;
mod explore;
mod fixtures;
mod identity;
mod images;
mod interop;
mod kernel_flags;
mod kube;
mod kube_play;
mod leaks;
mod lifecycle;
mod logging;
mod multiplatform;
mod network;
mod network_cmd;
mod podman_table;
mod pods;
mod readme;
mod registry;
mod registry_util;
mod remote_host;
mod rootless;
mod run;
mod run_options;
mod scripts;
mod store;
mod system;
mod util;
mod volumes;
