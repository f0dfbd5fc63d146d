//! CSV as spreadsheets read it: Shift_JIS the way Windows writes it (CP932),
//! and cells that a spreadsheet would run as formulas written as text.

use std::borrow::Cow;

/// Characters that JIS X 0208 and Windows' CP932 map differently. Text
/// written on a Mac or Linux has the left one; Excel on Windows (and every
/// CP932 decoder) knows the right one at the same place, so it is what we
/// write. Python's `cp932` codec decodes the result to the right column.
pub const CP932_EQUIVALENTS: [(char, char); 10] = [
    ('\u{301C}', '\u{FF5E}'), // WAVE DASH → FULLWIDTH TILDE (0x8160), as in 9:00〜18:00
    ('\u{2016}', '\u{2225}'), // DOUBLE VERTICAL LINE → PARALLEL TO (0x8161)
    ('\u{2212}', '\u{FF0D}'), // MINUS SIGN → FULLWIDTH HYPHEN-MINUS (0x817C)
    ('\u{2014}', '\u{2015}'), // EM DASH → HORIZONTAL BAR (0x815C)
    ('\u{00A2}', '\u{FFE0}'), // CENT SIGN → FULLWIDTH CENT SIGN (0x8191)
    ('\u{00A3}', '\u{FFE1}'), // POUND SIGN → FULLWIDTH POUND SIGN (0x8192)
    ('\u{00AC}', '\u{FFE2}'), // NOT SIGN → FULLWIDTH NOT SIGN (0x81CA)
    ('\u{00A6}', '\u{FFE4}'), // BROKEN BAR → FULLWIDTH BROKEN BAR (0xFA55)
    // Shift_JIS puts these at ASCII's backslash and tilde, which CP932
    // decoders read as `\` and `~`: write the full-width ones instead.
    ('\u{00A5}', '\u{FFE5}'), // YEN SIGN → FULLWIDTH YEN SIGN (0x818F)
    ('\u{203E}', '\u{FFE3}'), // OVERLINE → FULLWIDTH MACRON (0x8150)
];

/// What stands in for a character CP932 cannot hold: 〓 (GETA MARK), the
/// Japanese typesetter's mark for a missing glyph.
pub const REPLACEMENT: char = '〓';

/// The character CP932 writes for `c` (itself unless it is in
/// [`CP932_EQUIVALENTS`]).
pub fn cp932_equivalent(c: char) -> char {
    CP932_EQUIVALENTS
        .iter()
        .find(|(from, _)| *from == c)
        .map_or(c, |(_, to)| *to)
}

/// `text` in CP932, and how many characters it could not hold (each written
/// as [`REPLACEMENT`], never as an HTML entity and never dropped).
pub fn to_cp932(text: &str) -> (Vec<u8>, usize) {
    let mapped: Cow<str> = if text.chars().any(|c| cp932_equivalent(c) != c) {
        Cow::Owned(text.chars().map(cp932_equivalent).collect())
    } else {
        Cow::Borrowed(text)
    };
    let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
    let mut out = Vec::with_capacity(mapped.len() + 16);
    let mut rest: &str = &mapped;
    let mut replaced = 0;
    loop {
        let needed = encoder
            .max_buffer_length_from_utf8_without_replacement(rest.len())
            .unwrap_or(rest.len() * 2 + 16);
        out.reserve(needed);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        rest = &rest[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => return (out, replaced),
            encoding_rs::EncoderResult::OutputFull => {}
            encoding_rs::EncoderResult::Unmappable(_) => {
                // 〓 is 0x81 0xAC in CP932.
                out.extend_from_slice(&[0x81, 0xAC]);
                replaced += 1;
            }
        }
    }
}

/// A cell as a spreadsheet must see it: one that begins with a character
/// that starts a formula (`=`, `+`, `-`, `@`) or with a tab or carriage
/// return gets a leading apostrophe, which makes it text (OWASP, CSV
/// injection). Every other cell is unchanged.
pub fn defuse_formula(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_dash_is_written_where_windows_reads_it() {
        let (bytes, replaced) = to_cp932("9:00〜18:00");
        assert_eq!(bytes, b"9:00\x81\x6018:00");
        assert_eq!(replaced, 0);
        for (from, to) in CP932_EQUIVALENTS {
            let (bytes, replaced) = to_cp932(&from.to_string());
            assert_eq!(replaced, 0, "{from:?}");
            let (direct, _) = to_cp932(&to.to_string());
            assert_eq!(bytes, direct, "{from:?} is written as {to:?}");
            assert!(bytes.len() == 2, "{from:?} is a double-byte character");
        }
    }

    #[test]
    fn what_cp932_cannot_hold_becomes_geta_and_is_counted() {
        let (bytes, replaced) = to_cp932("寿司🍣と𠮷野家");
        assert_eq!(replaced, 2);
        assert!(!bytes.windows(2).any(|w| w == b"&#"));
        let (expected, _) = to_cp932("寿司〓と〓野家");
        assert_eq!(bytes, expected);
        // NEC and IBM extensions are CP932's own: kept.
        assert_eq!(to_cp932("①髙﨑").1, 0);
    }

    #[test]
    fn formula_cells_become_text() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(defuse_formula(cell), format!("'{cell}"));
        }
        for cell in ["営業事務", "1000", "", "a=b", "'quoted"] {
            assert_eq!(defuse_formula(cell), cell);
        }
    }
}
