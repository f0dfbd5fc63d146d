//! The PII scrubber (R2) on any text: it never panics, and what it leaves is
//! clean — scrubbing its output again masks nothing more.
#![no_main]
use kyushoku_domain::scrub::scrub;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let (once, _) = scrub(text);
    let (twice, again) = scrub(&once);
    assert_eq!(again.total(), 0, "{text:?} -> {once:?} still had {again:?}");
    assert_eq!(twice, once);
});
