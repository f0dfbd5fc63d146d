//! Pagination cursors from clients (R10): never a panic, and nothing made
//! without the deployment's key opens; what was sealed opens only for its
//! caller and list.
#![no_main]
use kyushoku_domain::seal::{Position, Sealer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|cursor: &str| {
    let sealer = Sealer::new(&[7; 32]);
    assert_eq!(sealer.open("org:1", "profiles", cursor), None);
    let id = cursor.len() as i64;
    let sealed = sealer.seal("org:1", "profiles", Position::Id(id));
    assert_eq!(sealer.open("org:1", "profiles", &sealed), Some(Position::Id(id)));
    assert_eq!(sealer.open("org:2", "profiles", &sealed), None);
});
