//! Compose files: the Compose Specification as docker compose reads it
//! ([`load`] finds, interpolates, merges and checks the files;
//! [`model`] is what they say). Pure but for reading the files: it
//! knows nothing of the store or the runtime; `ops::compose` makes the
//! application's networks, volumes and containers.

pub mod interpolate;
pub mod load;
pub mod model;
pub mod yaml;

pub use load::{load, Loaded, Options};
pub use model::Project;

#[cfg(test)]
mod tests;
