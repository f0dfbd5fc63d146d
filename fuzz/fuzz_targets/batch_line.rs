//! NDJSON batch lines through the same parsing and validation the batch
//! endpoints use, for seekers and offers: never a panic, and a seeker line
//! that passes is stored as well-formed JSON.
#![no_main]
use kyushoku_api::ingest::{prepare, prepare_offer, OfferBatchLine, SeekerBatchLine};
use kyushoku_api::ndjson::parse_line;
use kyushoku_domain::offer::JobOffer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    for line in text.lines() {
        if let Ok(l) = parse_line::<SeekerBatchLine>(line, None) {
            let (seeker_ref, request) = l.into();
            if let Ok((row, _)) = prepare(&seeker_ref, request, today) {
                serde_json::from_str::<serde_json::Value>(&row.profile_json).unwrap();
            }
        }
        if let Ok(l) = parse_line::<OfferBatchLine>(line, None) {
            if let Ok(offer) = serde_json::from_value::<JobOffer>(l.offer.into()) {
                let _ = prepare_offer(&l.job_number, offer, today);
            }
        }
    }
});
