//! Pagination cursors from clients: never a panic; a cursor that decodes is
//! one the service could have given out (it round-trips).
#![no_main]
use kyushoku_api::pagination::{decode, decode_pair, encode, encode_pair};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|cursor: &str| {
    if let Ok(Some(key)) = decode(Some(cursor)) {
        assert!(key >= 0);
        assert_eq!(decode(Some(&encode(key))).ok(), Some(Some(key)));
    }
    if let Ok(Some((at, id))) = decode_pair(Some(cursor)) {
        assert_eq!(decode_pair(Some(&encode_pair(at, id))).ok(), Some(Some((at, id))));
    }
});
