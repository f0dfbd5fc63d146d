//! Reference code lists: prefectures (JIS X 0401), municipalities (JIS X 0402)
//! and occupation major groups (厚生労働省編職業分類 2022).
//!
//! They are data, not code: the lists shipped in `data/` are loaded into the
//! database on first migration, and `kyushoku admin load-codes` replaces them
//! with a newer list (municipal mergers change codes) in one transaction.

use diesel::prelude::*;
use kyushoku_domain::{MunicipalityCode, OccupationCode, OccupationLevel, PrefectureCode};
use serde::Serialize;

use crate::schema::{municipalities, occupation_groups, prefectures};
use crate::{per_backend, DbConn, StoreError};

/// The local-government list shipped with the service.
pub const SHIPPED_LOCAL_GOVERNMENTS: &str =
    include_str!("../../../data/local_government_codes.csv");
/// The occupation major groups shipped with the service.
pub const SHIPPED_OCCUPATIONS: &str =
    include_str!("../../../data/occupation_major_groups_2022.csv");

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = prefectures)]
pub struct Prefecture {
    /// JIS X 0401, two digits.
    pub code: String,
    /// The prefecture's own six-digit local-government code.
    pub lg_code: String,
    pub name: String,
    pub kana: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = municipalities)]
pub struct Municipality {
    pub code: String,
    pub prefecture_code: String,
    pub name: String,
    pub kana: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = occupation_groups)]
pub struct OccupationGroup {
    pub code: String,
    pub name: String,
}

/// The parsed, validated contents of the two CSV files.
#[derive(Debug, Default)]
pub struct ReferenceData {
    pub prefectures: Vec<Prefecture>,
    pub municipalities: Vec<Municipality>,
    pub occupations: Vec<OccupationGroup>,
}

fn bad(what: &str, line: usize, why: impl std::fmt::Display) -> StoreError {
    StoreError::ReferenceData(format!("{what}, line {line}: {why}"))
}

fn csv_rows(
    text: &str,
    what: &str,
    columns: &[&str],
) -> Result<Vec<(usize, csv::StringRecord)>, StoreError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| bad(what, 1, e))?.clone();
    let found: Vec<&str> = headers.iter().collect();
    if found != columns {
        return Err(bad(
            what,
            1,
            format!("expected columns {columns:?}, found {found:?}"),
        ));
    }
    reader
        .records()
        .enumerate()
        .map(|(i, r)| r.map(|r| (i + 2, r)).map_err(|e| bad(what, i + 2, e)))
        .collect()
}

impl ReferenceData {
    /// Parses the local-government list (columns `code, prefecture, city,
    /// prefecture_kana, city_kana`; prefecture rows have an empty city) and
    /// the occupation list (`code, name`), checking every code.
    pub fn parse(local_governments: &str, occupations: &str) -> Result<Self, StoreError> {
        const LG: &str = "local-government list";
        let mut data = ReferenceData::default();
        let rows = csv_rows(
            local_governments,
            LG,
            &["code", "prefecture", "city", "prefecture_kana", "city_kana"],
        )?;
        for (line, r) in rows {
            let code = MunicipalityCode::parse(&r[0]).map_err(|e| bad(LG, line, e))?;
            let pref = code.prefecture();
            if r[2].is_empty() {
                if !code.is_prefecture_itself() {
                    return Err(bad(
                        LG,
                        line,
                        "a row without a city must be a prefecture (NN000C)",
                    ));
                }
                data.prefectures.push(Prefecture {
                    code: pref.to_string(),
                    lg_code: code.to_string(),
                    name: r[1].to_owned(),
                    kana: r[3].to_owned(),
                });
            } else {
                data.municipalities.push(Municipality {
                    code: code.to_string(),
                    prefecture_code: pref.to_string(),
                    name: r[2].to_owned(),
                    kana: r[4].to_owned(),
                });
            }
        }
        for m in &data.municipalities {
            if !data.prefectures.iter().any(|p| p.code == m.prefecture_code) {
                return Err(bad(LG, 0, format!("{} has no prefecture row", m.code)));
            }
        }
        const OCC: &str = "occupation list";
        for (line, r) in csv_rows(occupations, OCC, &["code", "name"])? {
            let code = OccupationCode::parse(&r[0]).map_err(|e| bad(OCC, line, e))?;
            if code.level() != OccupationLevel::Major {
                return Err(bad(
                    OCC,
                    line,
                    "only major groups (01-15) belong in this list",
                ));
            }
            data.occupations.push(OccupationGroup {
                code: code.to_string(),
                name: r[1].to_owned(),
            });
        }
        if data.prefectures.is_empty() || data.occupations.is_empty() {
            return Err(StoreError::ReferenceData("a list is empty".into()));
        }
        Ok(data)
    }

    pub fn shipped() -> Result<Self, StoreError> {
        Self::parse(SHIPPED_LOCAL_GOVERNMENTS, SHIPPED_OCCUPATIONS)
    }
}

/// Replaces all reference lists with `data` in one transaction.
pub fn replace(conn: &mut DbConn, data: &ReferenceData) -> Result<(), StoreError> {
    conn.write_transaction(|c| {
        diesel::delete(municipalities::table).execute(c)?;
        diesel::delete(prefectures::table).execute(c)?;
        diesel::delete(occupation_groups::table).execute(c)?;
        for chunk in data.prefectures.chunks(500) {
            per_backend!(c, c => diesel::insert_into(prefectures::table).values(chunk).execute(c))?;
        }
        for chunk in data.municipalities.chunks(500) {
            per_backend!(c, c => diesel::insert_into(municipalities::table).values(chunk).execute(c))?;
        }
        per_backend!(c, c => diesel::insert_into(occupation_groups::table)
            .values(&data.occupations)
            .execute(c))?;
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// Loads the shipped lists when the database has none yet.
pub fn seed_if_empty(conn: &mut DbConn) -> Result<(), StoreError> {
    let have: i64 = prefectures::table.count().get_result(conn)?;
    if have == 0 {
        replace(conn, &ReferenceData::shipped()?)?;
    }
    Ok(())
}

pub fn list_prefectures(conn: &mut DbConn) -> Result<Vec<Prefecture>, StoreError> {
    Ok(prefectures::table
        .order(prefectures::code)
        .select(Prefecture::as_select())
        .load(conn)?)
}

pub fn list_municipalities(
    conn: &mut DbConn,
    prefecture: Option<&PrefectureCode>,
) -> Result<Vec<Municipality>, StoreError> {
    let mut query = municipalities::table
        .order(municipalities::code)
        .select(Municipality::as_select())
        .into_boxed();
    if let Some(p) = prefecture {
        query = query.filter(municipalities::prefecture_code.eq(p.as_str()));
    }
    Ok(query.load(conn)?)
}

pub fn list_occupation_groups(conn: &mut DbConn) -> Result<Vec<OccupationGroup>, StoreError> {
    Ok(occupation_groups::table
        .order(occupation_groups::code)
        .select(OccupationGroup::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_lists_have_the_documented_sizes() {
        let d = ReferenceData::shipped().unwrap();
        assert_eq!(d.prefectures.len(), 47);
        assert_eq!(d.municipalities.len(), 1741);
        assert_eq!(d.occupations.len(), 15);
        let tokyo = d.prefectures.iter().find(|p| p.code == "13").unwrap();
        assert_eq!(tokyo.name, "東京都");
        assert_eq!(tokyo.lg_code, "130001");
    }

    #[test]
    fn a_bad_check_digit_in_a_new_list_is_refused_with_its_line() {
        let lg = "code,prefecture,city,prefecture_kana,city_kana\n130001,東京都,,ﾄｳｷｮｳﾄ,\n131040,東京都,新宿区,ﾄｳｷｮｳﾄ,ｼﾝｼﾞｭｸｸ\n";
        let err = ReferenceData::parse(lg, SHIPPED_OCCUPATIONS)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("check digit"), "{err}");
    }

    #[test]
    fn wrong_columns_are_refused() {
        let err = ReferenceData::parse("a,b\n1,2\n", SHIPPED_OCCUPATIONS)
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected columns"), "{err}");
    }

    #[test]
    fn a_municipality_without_its_prefecture_is_refused() {
        let lg =
            "code,prefecture,city,prefecture_kana,city_kana\n131041,東京都,新宿区,ﾄｳｷｮｳﾄ,ｼﾝｼﾞｭｸｸ\n";
        assert!(ReferenceData::parse(lg, SHIPPED_OCCUPATIONS).is_err());
    }
}
