//! berth: a daemonless, rootless container tool.
//!
//! The modules sit in layers, and a module may use only modules of lower
//! layers; modules of one layer never use each other, and only `ops`
//! combines them. Only `cli` may print or use clap and indicatif. A test
//! (`tests/integration/architecture.rs`) reads the `use crate::` lines and
//! keeps this picture true.
//!
//! | layer | modules |
//! |---|---|
//! | L4 | `cli` |
//! | L3 | `ops` |
//! | L2 | `store`, `registry`, `runtime`, `build`, `explore`, `kube`, `compose` |
//! | L1 | `image`, `layer_tar` |
//! | L0 | `digest`, `reference`, `progress`, `fsutil`, `fsat`, `cidr` |

pub mod build;
pub mod cidr;
pub mod cli;
pub mod compose;
pub mod digest;
pub mod explore;
pub mod fsat;
pub mod fsutil;
pub mod image;
pub mod kube;
pub mod layer_tar;
pub mod ops;
pub mod progress;
pub mod reference;
pub mod registry;
pub mod runtime;
pub mod store;
