//! For the workspace's tests: saying which tests did not run here.

use std::io::Write;
use std::sync::Mutex;

/// Says, once per test program and past the test harness's capture of
/// output (so a plain `cargo test` shows it), that the tests needing `var`
/// were skipped and how to run them. Under CI a missing variable fails the
/// test instead (see each suite's helper).
pub fn skip_notice(var: &str) {
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if said.iter().any(|v| v == var) {
        return;
    }
    said.push(var.to_owned());
    // `target/debug/deps/api-5433307d5c26ce98` is the suite `api`.
    let program = std::env::args()
        .next()
        .and_then(|p| p.rsplit('/').next().map(str::to_owned))
        .map(|name| match name.rsplit_once('-') {
            Some((suite, hash)) if hash.len() == 16 => suite.to_owned(),
            _ => name,
        })
        .unwrap_or_default();
    // Written to the stream itself: `eprintln!` would be captured.
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED in {program}: the tests that need {var} did not run; \
         set it (README, \"Two commands\") to run them"
    );
}
