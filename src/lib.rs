//! cargofox: a static-site generator that publishes a report for every crate
//! of a cargo registry. "Digging through crates, looking for mice."
//!
//! The pipeline is a chain of stages with typed data between them, around
//! the serde data model of [`model`] (which is also the JSON sidecar):
//!
//! - [`fetch`]: registry index and `.crate` files into the cache, giving
//!   [`fetch::CrateInput`]s;
//! - [`analyze`]: each package read in memory, giving [`model::CrateReport`]s;
//! - [`rank`]: what needs every crate at once (dependents, identity and
//!   release signals, the risk judgement, lists, summary);
//! - [`render`]: the static site into a staging folder;
//! - [`publish`]: the staging folder swapped in atomically.
//!
//! [`pipeline`] runs them in order; [`cli`] and [`config`] turn the command
//! line into settings; [`serve`] and [`inspect`] are the other commands.
//! [`signals`] holds the risk signals the analyze and rank stages report.
//! [`unpacked`] is a package's files as read, shared by analyze and the
//! signals; [`built`] says which dependencies of a release are compiled,
//! for the fetch closure and the rank stage's tree figures. [`store`], below every stage, keeps the analysis of each release so that
//! no later build reads its package again.

pub mod analyze;
pub mod atomic;
pub mod built;
pub mod cli;
pub mod config;
pub mod fetch;
pub mod format;
pub mod inspect;
pub mod model;
pub mod owners;
pub mod pipeline;
pub mod publish;
pub mod rank;
pub mod render;
pub mod serve;
pub mod signals;
pub mod store;
pub mod unpacked;
pub mod watch;
