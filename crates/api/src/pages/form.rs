//! What the pages' search forms share: a field left blank is no filter,
//! the code lists as pickers, and the link to the next page of results
//! that keeps the filters.

/// A form field's value, unless it was left blank.
pub fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A picker's choice.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A code list (code, name) as choices, `chosen` selected; the code shown
/// before the name where people know codes (occupations).
pub fn choices(list: Vec<(String, String)>, chosen: Option<&str>, show_code: bool) -> Vec<Choice> {
    list.into_iter()
        .map(|(code, name)| Choice {
            selected: chosen == Some(code.as_str()),
            label: if show_code {
                format!("{code} {name}")
            } else {
                name
            },
            value: code,
        })
        .collect()
}

/// `path?` the filled fields and the next page's position (`cursor=…`,
/// `before=…`), encoded.
pub fn next_link(
    path: &str,
    fields: &[(&str, &Option<String>)],
    position: (&str, String),
) -> String {
    let mut q: Vec<(&str, String)> = fields
        .iter()
        .filter_map(|(k, v)| blank(v).map(|v| (*k, v.to_owned())))
        .collect();
    q.push(position);
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&q).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_filled_fields_only() {
        let (q, p) = (Some("介護 職".to_owned()), Some("  ".to_owned()));
        assert_eq!(
            next_link(
                "/x",
                &[("q", &q), ("prefecture", &p)],
                ("cursor", "a+b".into())
            ),
            "/x?q=%E4%BB%8B%E8%AD%B7+%E8%81%B7&cursor=a%2Bb"
        );
        assert_eq!(blank(&Some(" 13 ".into())), Some("13"));
        assert_eq!(blank(&None), None);
    }
}
