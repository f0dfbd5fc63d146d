//! The `kyushoku` binary's library half: configuration and server start-up,
//! shared by `main.rs` (the CLI) and the black-box tests in `tests/`.

pub mod anonymity_report;
pub mod config;
pub mod demo;
pub mod echo;
pub mod generate;
pub mod probe;
pub mod server;
