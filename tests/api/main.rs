//! Black-box tests: the real server, real HTTP, both backends.

mod support;

mod anonymity;
mod authz;
mod browser;
mod bureau_pages;
mod cli;
pub mod cluster;
mod codes;
mod errors;
mod faults;
mod identity;
mod mail;
pub mod messaging;
pub mod offers;
mod ops;
pub mod pages;
mod profiles;
mod search;
mod security;
mod spec;
pub mod staff_pages;
mod terms;
mod tls;
mod webhooks;
