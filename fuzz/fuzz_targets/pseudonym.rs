//! Profile pseudonyms (R10) from clients: never a panic; whatever decodes is
//! a real encoding of that id for that organisation, and the same string
//! means nothing to another organisation.
#![no_main]
use kyushoku_domain::pseudonym::PseudonymSecret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|profile_id: &str| {
    let secret = PseudonymSecret::new([7; 32]);
    let ours = secret.for_organisation("org-a");
    if let Some(id) = ours.decode(profile_id) {
        assert_eq!(ours.decode(&ours.encode(id)), Some(id));
        let theirs = secret.for_organisation("org-b");
        assert_ne!(theirs.decode(profile_id), Some(id));
    }
});
