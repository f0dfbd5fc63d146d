//! How text is made comparable for keyword search: the stored search text
//! and every keyword go through [`fold`], so a keyword finds what a reader
//! would call the same words however they were typed.
//!
//! | typed | folds to | why |
//! |---|---|---|
//! | `ｶｲｺﾞ`, `ＥＸＣＥＬ`, `１２３`, `㈱` | `カイゴ`, `excel`, `123`, `(株)` | NFKC: width and compatibility forms |
//! | `Excel`, `ＰＣ` | `excel`, `pc` | case |
//! | `かいご` | `カイゴ` | hiragana is katakana (a seeker types either) |
//! | `ラ-メン`, `ラ―メン`, `ﾗｰﾒﾝ` | `ラーメン` | a dash after kana is the long-vowel mark |
//! | `髙島屋`, `山﨑`, `澤` | `高島屋`, `山崎`, `沢` | 異体字・旧字体 (`data/kanji_variants.csv`) |
//! | `介護　　福祉` | `介護 福祉` | runs of spaces are one space |
//!
//! Not folded, on purpose: kanji and kana spellings of one word (介護 and
//! カイゴ need a dictionary, and 介護 is not only read かいご); long-vowel
//! marks are not dropped (コンピュータ and コンピューター stay apart: a keyword
//! finds the spelling it names); small kana stay small (キャ is not キヤ);
//! ヴ is not バ.

use std::collections::HashMap;
use std::sync::OnceLock;

use icu_normalizer::ComposingNormalizerBorrowed;

/// Bumped whenever [`fold`] changes: stored search text folded by an earlier
/// version is folded again at start-up (`kyushoku_store::keyword_index`).
pub const FOLD_VERSION: i64 = 2;

/// The text as keyword search compares it (see the module).
pub fn fold(text: &str) -> String {
    let normalised = ComposingNormalizerBorrowed::new_nfkc().normalize(text);
    let variants = variant_table();
    let mut out = String::with_capacity(normalised.len());
    let mut previous: Option<char> = None;
    for c in normalised.chars().flat_map(char::to_lowercase) {
        let c = match c {
            // Hiragana to katakana; ゝゞ to ヽヾ.
            '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
                char::from_u32(c as u32 + 0x60).unwrap_or(c)
            }
            c if is_dash(c) => {
                if previous.is_some_and(is_kana) {
                    'ー'
                } else {
                    '-'
                }
            }
            '\t' | ' ' => ' ',
            c => variants.get(&c).copied().unwrap_or(c),
        };
        if c == ' ' && previous == Some(' ') {
            continue;
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Katakana (after the hiragana fold) and the long-vowel mark itself.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー')
}

/// Every mark that is typed for the long vowel or a hyphen.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2500}' | '\u{2501}' | 'ー' | '\u{FE63}'
    )
}

fn variant_table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../../data/kanji_variants.csv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .filter_map(|l| {
                let (v, s) = l.split_once(',')?;
                Some((v.chars().next()?, s.chars().next()?))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_folds_hold() {
        for (typed, folded) in [
            ("ｶｲｺﾞ", "カイゴ"),
            ("ｶﾞｯｺｳ", "ガッコウ"),
            ("ＥＸＣＥＬ", "excel"),
            ("Excel", "excel"),
            ("１２３", "123"),
            ("㈱さくら", "(株)サクラ"),
            ("かいご", "カイゴ"),
            ("ゝゞ", "ヽヾ"),
            ("ラ-メン", "ラーメン"),
            ("ラ―メン", "ラーメン"),
            ("ラ−メン", "ラーメン"),
            ("ﾗｰﾒﾝ", "ラーメン"),
            ("らーめん", "ラーメン"),
            ("髙島屋", "高島屋"),
            ("山﨑", "山崎"),
            ("𠮷野家", "吉野家"),
            ("介護　　福祉", "介護 福祉"),
            ("A-1", "a-1"),
            ("Ａ－１", "a-1"),
            ("1ー2", "1-2"),
            ("\u{F9DC}", "\u{9686}"),
        ] {
            assert_eq!(fold(typed), folded, "{typed}");
        }
    }

    #[test]
    fn what_is_not_folded_stays_apart() {
        assert_ne!(fold("コンピュータ"), fold("コンピューター"));
        assert_ne!(fold("キャノン"), fold("キヤノン"));
        assert_ne!(fold("ヴァイオリン"), fold("バイオリン"));
        assert_ne!(fold("介護"), fold("かいご"));
        assert_ne!(fold("斎藤"), fold("斉藤"));
        assert_eq!(fold("介護\n経理"), "介護\n経理");
    }

    #[test]
    fn folding_twice_changes_nothing() {
        for t in ["ｶﾞｯｺｳ ﾗｰﾒﾝ", "㈱ＡＢＣ　髙﨑", "ら-めん", "ー-ー", "Ⅻ ﷺ"]
        {
            assert_eq!(fold(&fold(t)), fold(t), "{t}");
        }
    }

    #[test]
    fn every_variant_in_the_table_is_one_character_to_another() {
        let table = variant_table();
        assert!(table.len() >= 50);
        for (v, s) in table {
            assert_ne!(v, s);
            assert!(!table.contains_key(s), "{s} is folded again");
            assert_eq!(fold(&v.to_string()), s.to_string());
        }
    }
}
