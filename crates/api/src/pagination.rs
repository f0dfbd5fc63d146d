//! Keyset pagination: `limit` and an opaque `cursor` in, `next_cursor` out.
//! A cursor is the last key of a page, versioned and base64url-encoded; a
//! client treats it as an opaque string.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::problem::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// The page size asked for, checked.
pub fn limit(asked: Option<i64>) -> Result<i64, ApiError> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::validation_one(
            "limit",
            format!("limit is from 1 to {MAX_LIMIT}"),
        )),
    }
}

pub fn encode(key: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{key}"))
}

/// The key a cursor carries; a cursor that is not one of ours is a
/// validation error naming `cursor`.
pub fn decode(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || ApiError::validation_one("cursor", "not a cursor this service gave out");
    if cursor.len() > 64 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = std::str::from_utf8(&raw).map_err(|_| bad())?;
    let key = text.strip_prefix("v1:").ok_or_else(bad)?;
    key.parse::<i64>()
        .ok()
        .filter(|k| *k >= 0)
        .map(Some)
        .ok_or_else(bad)
}

/// A cursor over (time, id), for lists sorted by recency.
pub fn encode_pair(at: chrono::NaiveDateTime, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{}:{id}", at.and_utc().timestamp_micros()))
}

pub fn decode_pair(cursor: Option<&str>) -> Result<Option<(chrono::NaiveDateTime, i64)>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || ApiError::validation_one("cursor", "not a cursor this service gave out");
    if cursor.len() > 80 {
        return Err(bad());
    }
    let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = std::str::from_utf8(&raw).map_err(|_| bad())?;
    let rest = text.strip_prefix("v1:").ok_or_else(bad)?;
    let (micros, id) = rest.split_once(':').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = chrono::DateTime::from_timestamp_micros(micros)
        .ok_or_else(bad)?
        .naive_utc();
    Ok(Some((at, id)))
}

/// `next_cursor` for a page fetched with `limit + 1` rows sorted by
/// (time, id) descending; trims the extra row.
pub fn next_by_recency<T>(
    rows: &mut Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> (chrono::NaiveDateTime, i64),
) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            let (at, id) = key(r);
            encode_pair(at, id)
        })
    } else {
        None
    }
}

/// `next_cursor` for a page fetched with `limit + 1` rows: the last key
/// shown when there is more, else none. Trims the extra row.
pub fn next<T>(rows: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode(key(r)))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(decode(Some(&encode(42))).unwrap(), Some(42));
        assert_eq!(decode(None).unwrap(), None);
        for bad in ["", "xyz", "djE6LTE", &"a".repeat(100), "djI6NDI"] {
            assert!(decode(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn pair_cursors_round_trip() {
        let at = chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
            .unwrap()
            .naive_utc();
        assert_eq!(
            decode_pair(Some(&encode_pair(at, 9))).unwrap(),
            Some((at, 9))
        );
        assert!(decode_pair(Some(&encode(9))).is_err());
        assert!(decode_pair(Some("garbage")).is_err());
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(-1)).is_err());
        assert!(limit(Some(101)).is_err());
    }

    #[test]
    fn next_cursor_only_when_more() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(next(&mut rows, 2, |r| *r), Some(encode(2)));
        assert_eq!(rows, vec![1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(next(&mut rows, 2, |r| *r), None);
    }
}
