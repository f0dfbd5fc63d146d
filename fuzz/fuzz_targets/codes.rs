//! Code validation (prefectures, municipalities with their JIS X 0402 check
//! digit, occupations, job numbers): never a panic, and a code that parses
//! is written back exactly as given.
#![no_main]
use kyushoku_domain::{JobNumber, MunicipalityCode, OccupationCode, PrefectureCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(c) = PrefectureCode::parse(s) {
        assert_eq!(c.as_str(), s);
    }
    if let Ok(c) = MunicipalityCode::parse(s) {
        assert_eq!(c.as_str(), s);
        assert_eq!(c.prefecture().as_str(), &s[..2]);
    }
    if let Ok(c) = OccupationCode::parse(s) {
        assert_eq!(c.as_str(), s);
        let _ = c.level();
    }
    if let Ok(c) = JobNumber::parse(s) {
        assert_eq!(c.as_str(), s);
    }
});
