//! A nullable column that holds a word of a closed set (`NULL` for none):
//! read straight into `Option<T>` with `#[diesel(deserialize_as =
//! MaybeWord<T>)]`. A word the set does not know is a read error, never a
//! silent `None`.

use diesel::backend::Backend;
use diesel::deserialize::{FromSql, Queryable};
use diesel::sql_types::{Nullable, Text};

/// `Option<T>` as read from a nullable text column.
#[derive(Debug, Clone, Copy)]
pub struct MaybeWord<T>(Option<T>);

impl<T, DB> Queryable<Nullable<Text>, DB> for MaybeWord<T>
where
    DB: Backend,
    Option<String>: FromSql<Nullable<Text>, DB>,
    T: TryFrom<String>,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    type Row = Option<String>;

    fn build(word: Option<String>) -> diesel::deserialize::Result<Self> {
        Ok(MaybeWord(word.map(T::try_from).transpose()?))
    }
}

impl<T> From<MaybeWord<T>> for Option<T> {
    fn from(w: MaybeWord<T>) -> Self {
        w.0
    }
}
