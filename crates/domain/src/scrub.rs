//! R11: masks contact data in free text (self-PR, duty descriptions) before
//! it is stored. Seekers and counter staff write phone numbers, e-mail
//! addresses, URLs, postal codes and individual numbers (マイナンバー) into
//! free text by accident; the service must never keep them.
//!
//! Matching runs on a copy with full-width digits and symbols folded to
//! ASCII, one character for one, so `０９０－１２３４－５６７８` is caught
//! like `090-1234-5678`; the masks replace the original characters. Numbers
//! that are not contact data — wages (`250,000円`), years (`2019年`),
//! durations — survive: a phone number starts with 0 or +81 and has 10–11
//! digits, a postal code has the 3-4 hyphen shape or a 〒 mark.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

/// How many of each kind a text had masked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MaskCounts {
    pub phone: u32,
    pub email: u32,
    pub url: u32,
    pub postal_code: u32,
    pub individual_number: u32,
}

impl MaskCounts {
    pub fn total(&self) -> u32 {
        self.phone + self.email + self.url + self.postal_code + self.individual_number
    }

    pub fn add(&mut self, other: MaskCounts) {
        self.phone += other.phone;
        self.email += other.email;
        self.url += other.url;
        self.postal_code += other.postal_code;
        self.individual_number += other.individual_number;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Url,
    IndividualNumber,
    Phone,
    Postal,
}

impl Kind {
    fn mask(self) -> &'static str {
        match self {
            Kind::Email => "[メール]",
            Kind::Url => "[URL]",
            Kind::IndividualNumber => "[個人番号]",
            Kind::Phone => "[電話番号]",
            Kind::Postal => "[郵便番号]",
        }
    }
}

/// Folds full-width ASCII (U+FF01–FF5E), the ideographic space and the
/// dashes people type between digits to ASCII, one char for one.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        'ー' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
        _ => c,
    }
}

struct Patterns {
    list: Vec<(Kind, Regex)>,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("scrubber pattern");
        Patterns {
            list: vec![
                (
                    Kind::Email,
                    r(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
                ),
                (
                    Kind::Url,
                    r(r"(?i)(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"),
                ),
                // Twelve digits, plain or in fours.
                (Kind::IndividualNumber, r(r"\d{4}[ \-]?\d{4}[ \-]?\d{4}")),
                // +81 or a leading 0, then 9–10 more digits in up to three groups.
                (
                    Kind::Phone,
                    r(r"(?:\+81[ \-]?\(?0?\)?|\(?0)\d{1,4}\)?[ \-]?\d{1,4}[ \-)]?\d{3,4}"),
                ),
                (Kind::Postal, r(r"〒 ?\d{3}-?\d{4}|\d{3}-\d{4}")),
            ],
        }
    })
}

fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// Whether a candidate match is really of its kind, looking at its digits and
/// the characters beside it (a match inside a longer number is not one).
fn accept(kind: Kind, matched: &str, before: Option<char>, after: Option<char>) -> bool {
    let touches_digit =
        before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit());
    match kind {
        Kind::Email | Kind::Url => true,
        Kind::IndividualNumber => !touches_digit && digit_count(matched) == 12,
        Kind::Phone => {
            let d = digit_count(matched);
            let ok = if matched.starts_with("+81") {
                // +81 90 1234 5678: 9 or 10 digits after the country code (0 dropped).
                (11..=13).contains(&d)
            } else {
                (10..=11).contains(&d)
            };
            ok && !touches_digit && !before.is_some_and(|c| c == '-' || c == ',' || c == '.')
        }
        Kind::Postal => !touches_digit && after.is_none_or(|c| c != '-'),
    }
}

/// Masks contact data in `text`; returns the scrubbed text and what was masked.
///
/// Masking changes what surrounds the rest (a number beside a masked one no
/// longer touches a digit), so passes repeat until one masks nothing: what
/// comes out is clean by the scrubber's own measure. Every pass that masks
/// removes digits or `@`, so this ends quickly.
pub fn scrub(text: &str) -> (String, MaskCounts) {
    let (mut out, mut counts) = scrub_once(text);
    let mut last = counts.total();
    while last > 0 {
        let (next, more) = scrub_once(&out);
        last = more.total();
        counts.add(more);
        out = next;
    }
    (out, counts)
}

fn scrub_once(text: &str) -> (String, MaskCounts) {
    let original: Vec<char> = text.chars().collect();
    let mut folded: Vec<char> = original.iter().map(|c| fold(*c)).collect();
    // Spans to mask, in char indices, found kind by kind; each kind's finds
    // are blanked in `folded` so later kinds do not match inside them.
    let mut spans: Vec<(usize, usize, Kind)> = Vec::new();
    for (kind, re) in &patterns().list {
        let haystack: String = folded.iter().collect();
        // Byte offset → char index over the folded text.
        let byte_to_char: Vec<usize> = {
            let mut v = vec![0; haystack.len() + 1];
            let mut ci = 0;
            for (bi, ch) in haystack.char_indices() {
                v[bi..bi + ch.len_utf8()].fill(ci);
                ci += 1;
            }
            v[haystack.len()] = ci;
            v
        };
        for m in re.find_iter(&haystack) {
            let (start, end) = (byte_to_char[m.start()], byte_to_char[m.end()]);
            let before = start.checked_sub(1).map(|i| folded[i]);
            let after = folded.get(end).copied();
            if accept(*kind, m.as_str(), before, after) {
                spans.push((start, end, *kind));
            }
        }
        for &(s, e, k) in spans.iter().filter(|(_, _, k)| k == kind) {
            debug_assert_eq!(k, *kind);
            for c in &mut folded[s..e] {
                *c = '\u{0}';
            }
        }
    }
    spans.sort_by_key(|(s, _, _)| *s);
    let mut counts = MaskCounts::default();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    for (s, e, kind) in spans {
        if s < i {
            continue;
        }
        out.extend(&original[i..s]);
        out.push_str(kind.mask());
        match kind {
            Kind::Email => counts.email += 1,
            Kind::Url => counts.url += 1,
            Kind::IndividualNumber => counts.individual_number += 1,
            Kind::Phone => counts.phone += 1,
            Kind::Postal => counts.postal_code += 1,
        }
        i = e;
    }
    out.extend(&original[i..]);
    (out, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by `cargo fuzz` (target `scrub`): masking the postal-code-like
    /// `818-8818` left a phone number that only then stood alone.
    #[test]
    fn what_is_left_is_clean() {
        let text = "+818-8818+818-88181801.www1801.www";
        let (once, counts) = scrub(text);
        assert!(counts.total() >= 2, "{once}");
        let (twice, again) = scrub(&once);
        assert_eq!((twice.as_str(), again.total()), (once.as_str(), 0));
    }

    fn masked(text: &str) -> (String, MaskCounts) {
        scrub(text)
    }

    #[test]
    fn phone_numbers_in_every_form() {
        for (text, want) in [
            ("連絡先は090-1234-5678です", "連絡先は[電話番号]です"),
            ("携帯09012345678まで", "携帯[電話番号]まで"),
            ("電話：03-1234-5678", "電話：[電話番号]"),
            ("TEL (03)1234-5678", "TEL [電話番号]"),
            ("+81-90-1234-5678", "[電話番号]"),
            ("+81 3 1234 5678 へ", "[電話番号] へ"),
            ("０９０－１２３４－５６７８に", "[電話番号]に"),
            ("０３ー１２３４ー５６７８", "[電話番号]"),
            ("0120-123-456", "[電話番号]"),
        ] {
            let (out, c) = masked(text);
            assert_eq!(out, want, "{text}");
            assert_eq!(c.phone, 1, "{text}");
        }
    }

    #[test]
    fn email_urls_postal_codes_and_individual_numbers() {
        let (out, c) =
            masked("メールは taro.yamada+job@example.co.jp、HPは https://example.jp/me です");
        assert_eq!(out, "メールは [メール]、HPは [URL] です");
        assert_eq!((c.email, c.url), (1, 1));
        let (out, c) = masked("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ");
        assert_eq!(out, "[メール]");
        assert_eq!(c.email, 1);
        let (out, c) = masked("住所は〒160-0022 東京都、旧住所 530-0001");
        assert_eq!(out, "住所は[郵便番号] 東京都、旧住所 [郵便番号]");
        assert_eq!(c.postal_code, 2);
        let (out, c) = masked("〒１６０００２２");
        assert_eq!(out, "[郵便番号]");
        assert_eq!(c.postal_code, 1);
        let (out, c) = masked("マイナンバー123456789012、または 1234 5678 9012");
        assert_eq!(out, "マイナンバー[個人番号]、または [個人番号]");
        assert_eq!(c.individual_number, 2);
        let (out, c) = masked("www.example.com を見てください");
        assert_eq!(out, "[URL] を見てください");
        assert_eq!(c.url, 1);
    }

    #[test]
    fn ordinary_numbers_survive() {
        for text in [
            "月給250,000円以上を希望",
            "2019年4月から2023年3月まで勤務",
            "時給1,200円、週5日、1日8時間",
            "介護福祉士（2018年取得）",
            "年間休日120日、賞与年2回",
            "TOEIC 850点、普通自動車免許",
            "従業員数1500名の工場で10年",
            "2019-2023 営業職",
            "1234567890123 (13桁の数字は個人番号ではない)",
        ] {
            let (out, c) = masked(text);
            assert_eq!(out, text, "{text}");
            assert_eq!(c.total(), 0, "{text}");
        }
    }

    #[test]
    fn realistic_self_pr() {
        let text = "介護職として5年間、特別養護老人ホームで勤務しました（2019年〜2024年）。\
                    夜勤も対応可能です。詳しくは０８０－９８７６－５４３２（平日18時以降）か \
                    hanako@example.ne.jp にご連絡ください。月給22万円以上を希望します。";
        let (out, c) = masked(text);
        assert_eq!(c.phone, 1);
        assert_eq!(c.email, 1);
        assert_eq!(c.total(), 2);
        assert!(out.contains("5年間"));
        assert!(out.contains("2019年〜2024年"));
        assert!(out.contains("月給22万円以上"));
        assert!(!out.contains("９８７６"));
        assert!(!out.contains("hanako"));
    }

    #[test]
    fn empty_and_plain_text() {
        assert_eq!(masked(""), (String::new(), MaskCounts::default()));
        assert_eq!(masked("よろしくお願いします").0, "よろしくお願いします");
    }
}
