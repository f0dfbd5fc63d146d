//! Place names for pages: a prefecture's and a municipality's name by code,
//! from the code lists shipped with the service.

use std::collections::HashMap;
use std::sync::OnceLock;

use kyushoku_domain::{MunicipalityCode, PrefectureCode};
use kyushoku_store::reference::ReferenceData;

struct Names {
    /// In code order, for pickers.
    list: Vec<(String, String)>,
    /// Municipalities (code, name), in code order.
    municipality_list: Vec<(String, String)>,
    /// Occupation groups (code, name), in code order.
    occupations: Vec<(String, String)>,
    prefectures: HashMap<String, String>,
    municipalities: HashMap<String, String>,
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let data = ReferenceData::shipped().unwrap_or_default();
        Names {
            municipality_list: data
                .municipalities
                .iter()
                .map(|m| (m.code.clone(), m.name.clone()))
                .collect(),
            occupations: data
                .occupations
                .iter()
                .map(|o| (o.code.clone(), o.name.clone()))
                .collect(),
            list: data
                .prefectures
                .iter()
                .map(|p| (p.code.clone(), p.name.clone()))
                .collect(),
            prefectures: data
                .prefectures
                .into_iter()
                .map(|p| (p.code, p.name))
                .collect(),
            municipalities: data
                .municipalities
                .into_iter()
                .map(|m| (m.code, m.name))
                .collect(),
        }
    })
}

/// `東京都 新宿区`, or the codes where a list does not name them.
pub fn name(prefecture: &PrefectureCode, municipality: Option<&MunicipalityCode>) -> String {
    let n = names();
    let p = n
        .prefectures
        .get(prefecture.as_str())
        .cloned()
        .unwrap_or_else(|| prefecture.as_str().to_owned());
    match municipality {
        Some(m) => match n.municipalities.get(m.as_str()) {
            Some(name) => format!("{p} {name}"),
            None => format!("{p} {}", m.as_str()),
        },
        None => p,
    }
}

/// Every prefecture, (code, name), in code order.
pub fn prefectures() -> Vec<(String, String)> {
    names().list.clone()
}

/// The municipalities of a prefecture, (code, name), in code order.
pub fn municipalities_of(prefecture: &PrefectureCode) -> Vec<(String, String)> {
    names()
        .municipality_list
        .iter()
        .filter(|(code, _)| code.starts_with(prefecture.as_str()))
        .cloned()
        .collect()
}

/// The occupation groups of the code list, (code, name), in code order.
pub fn occupations() -> Vec<(String, String)> {
    names().occupations.clone()
}

/// An occupation code's name, when the list has it.
pub fn occupation_name(code: &str) -> Option<String> {
    names()
        .occupations
        .iter()
        .find(|(c, _)| c == code)
        .map(|(_, n)| n.clone())
}
