//! Black-box tests: the real server, real HTTP, both backends.

mod support;

mod authz;
mod cli;
mod codes;
mod errors;
mod identity;
mod messaging;
pub mod offers;
mod ops;
mod profiles;
mod spec;
mod tls;
