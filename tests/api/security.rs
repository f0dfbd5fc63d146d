//! The outside review's attacks (issue 30), one test each, through HTTP on
//! both backends: what failed then must hold now. `docs/security.md` lists
//! each threat with its fix and the test here.

use base64::Engine;
use serde_json::json;

use crate::backend_tests;
use crate::messaging::{seeker, world};
use crate::support::TestApp;

backend_tests!(cursors_are_sealed_for_their_caller_and_times_are_days);

/// R10: two organisations paging the same search never get the same cursor,
/// a cursor works only for the organisation (and list) it was given to, an
/// altered or home-made one is 400 `invalid-cursor`, and `updated_at` shows a
/// day, not a time that would be the same in both views.
async fn cursors_are_sealed_for_their_caller_and_times_are_days(app: TestApp) {
    let w = world(&app).await;
    for i in 0..3 {
        seeker(&app, &w, &format!("cur-{i}"), "both").await;
    }
    let page = |token: String, cursor: Option<String>| {
        let app = &app;
        async move {
            let path = match cursor {
                Some(c) => format!("/v1/profiles?limit=1&cursor={c}"),
                None => "/v1/profiles?limit=1".to_owned(),
            };
            app.call("GET", &path, Some(&token), None).await
        }
    };
    let a = page(w.public.clone(), None).await;
    let b = page(w.private.clone(), None).await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (200, 200));
    let (ca, cb) = (
        a.json()["next_cursor"].as_str().unwrap().to_owned(),
        b.json()["next_cursor"].as_str().unwrap().to_owned(),
    );
    assert_ne!(ca, cb, "the same position, two organisations");
    // The same organisation asking again gets another cursor that works.
    let again = page(w.public.clone(), None).await.json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(again, ca);
    let second = page(w.public.clone(), Some(again)).await;
    assert_eq!(second.status, 200);
    assert_ne!(
        second.json()["items"][0]["profile_id"],
        a.json()["items"][0]["profile_id"]
    );
    // Another organisation's cursor, an altered one, a hand-made one.
    page(w.private.clone(), Some(ca.clone()))
        .await
        .assert_problem(400, "invalid-cursor");
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut raw = engine.decode(&ca).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    page(w.public.clone(), Some(engine.encode(&raw)))
        .await
        .assert_problem(400, "invalid-cursor");
    let forged = engine.encode(format!("v1:{}:1", chrono::Utc::now().timestamp_micros()));
    page(w.public.clone(), Some(forged))
        .await
        .assert_problem(400, "invalid-cursor");
    // A cursor of one list is no cursor of another.
    app.call(
        "GET",
        &format!("/v1/threads?cursor={ca}"),
        Some(&w.public),
        None,
    )
    .await
    .assert_problem(400, "invalid-cursor");
    // Times are days.
    let at = a.json()["items"][0]["updated_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(at.ends_with("T00:00:00Z"), "{at}");
    let read = app
        .call(
            "GET",
            &format!(
                "/v1/profiles/{}",
                a.json()["items"][0]["profile_id"].as_str().unwrap()
            ),
            Some(&w.public),
            None,
        )
        .await;
    assert!(read.json()["updated_at"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00Z"));
    // A filter finer than a day finds what the day shows, no more, no less.
    let now = chrono::Utc::now();
    let late = (now + chrono::Duration::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        .to_owned();
    let found = app
        .call(
            "GET",
            &format!("/v1/profiles?updated_since={late}"),
            Some(&w.public),
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text());
    assert_eq!(found.json()["items"].as_array().unwrap().len(), 3);
}
