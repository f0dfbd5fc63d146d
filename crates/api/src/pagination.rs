//! Keyset pagination: `limit` and an opaque `cursor` in, `next_cursor` out.
//! A cursor is the last key of a page sealed for the caller
//! ([`kyushoku_domain::seal`]); a client treats it as an opaque string.

use kyushoku_domain::seal::{Position, Sealer};
use kyushoku_domain::search::{Asked, Criteria};
use kyushoku_store::RowId;

use crate::auth::Principal;
use crate::problem::{ApiError, FieldError};
use crate::AppState;

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

/// A search's filters and page size, checked together: every word that
/// breaks its rule is named in one answer.
pub fn criteria_and_limit(
    asked: &Asked<'_>,
    limit_asked: Option<i64>,
) -> Result<(Criteria, i64), ApiError> {
    let criteria = Criteria::parse(asked);
    let limit = limit(limit_asked);
    match (criteria, limit) {
        (Ok(c), Ok(l)) => Ok((c, l)),
        (criteria, limit) => {
            let mut fields: Vec<FieldError> = criteria
                .err()
                .into_iter()
                .flatten()
                .map(|i| FieldError::new(i.field, i.message))
                .collect();
            if let Err(ApiError::Validation(more)) = limit {
                fields.extend(more);
            }
            Err(ApiError::Validation(fields))
        }
    }
}

/// The cursors of one list for one caller (R10): sealed with the
/// deployment's key, bound to the caller ([`Principal::cursor_binding`]) and
/// the list's name, so that no cursor links two organisations' views and
/// none works for anybody else. A cursor that does not open is
/// `invalid-cursor` (400).
pub struct Pager<'a> {
    sealer: &'a Sealer,
    binding: String,
    list: &'static str,
}

impl<'a> Pager<'a> {
    pub fn new(state: &'a AppState, principal: &Principal, list: &'static str) -> Self {
        Self {
            sealer: &state.sealer,
            binding: principal.cursor_binding(),
            list,
        }
    }

    fn open(&self, cursor: Option<&str>) -> Result<Option<Position>, ApiError> {
        cursor
            .map(|c| {
                self.sealer
                    .open(&self.binding, self.list, c)
                    .ok_or(ApiError::InvalidCursor)
            })
            .transpose()
    }

    /// The id a cursor of a list in id order carries.
    pub fn after_id<I: RowId>(&self, cursor: Option<&str>) -> Result<Option<I>, ApiError> {
        match self.open(cursor)? {
            None => Ok(None),
            Some(Position::Id(id)) => Ok(Some(I::from_row(id))),
            Some(_) => Err(ApiError::InvalidCursor),
        }
    }

    /// The (time, id) a cursor of a list by recency carries.
    pub fn after_recency<I: RowId>(
        &self,
        cursor: Option<&str>,
    ) -> Result<Option<(chrono::NaiveDateTime, I)>, ApiError> {
        match self.open(cursor)? {
            None => Ok(None),
            Some(Position::Recency(micros, id)) => {
                let at = chrono::DateTime::from_timestamp_micros(micros)
                    .ok_or(ApiError::InvalidCursor)?
                    .naive_utc();
                Ok(Some((at, I::from_row(id))))
            }
            Some(_) => Err(ApiError::InvalidCursor),
        }
    }

    /// `next_cursor` for a page fetched with `limit + 1` rows sorted by
    /// (time, id); trims the extra row.
    pub fn next_by_recency<T, I: RowId>(
        &self,
        rows: &mut Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> (chrono::NaiveDateTime, I),
    ) -> Option<String> {
        self.next(rows, limit, |r| {
            let (at, id) = key(r);
            Position::Recency(at.and_utc().timestamp_micros(), id.get())
        })
    }

    /// `next_cursor` for a page fetched with `limit + 1` rows in id order;
    /// trims the extra row.
    pub fn next_by_id<T, I: RowId>(
        &self,
        rows: &mut Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> I,
    ) -> Option<String> {
        self.next(rows, limit, |r| Position::Id(key(r).get()))
    }

    fn next<T>(
        &self,
        rows: &mut Vec<T>,
        limit: i64,
        key: impl Fn(&T) -> Position,
    ) -> Option<String> {
        if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last()
                .map(|r| self.sealer.seal(&self.binding, self.list, key(r)))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(-1)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
