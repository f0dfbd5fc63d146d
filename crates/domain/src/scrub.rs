//! R11: masks personal data in free text (self-PR, duties, skills,
//! qualification names…) before it is stored. Seekers and counter staff
//! write their name, phone number, e-mail address, address, date of birth
//! or an identity number into free text by accident, sometimes disguised
//! ("taro at example dot jp", 〇九〇－一二三四…); the service must never
//! keep them.
//!
//! Matching runs on a normalised view of the text, each character of which
//! remembers the original character it came from: NFKC (full-width and
//! half-width forms, circled and mathematical digits, compatibility
//! characters), kanji numerals as digits, and every dash, tilde and slash
//! people type between digits as one separator. The masks replace the
//! original characters. What is found:
//!
//! - phone numbers, individual numbers (マイナンバー) and other identity
//!   numbers, as runs of digits whatever separates them (spaces, dots,
//!   slashes, line breaks…), by their count of digits and their labels;
//! - e-mail addresses, also disguised (`at`, `(at)`, `[at]`, アットマーク,
//!   spaces around `@`, quoted local parts, non-Latin domains);
//! - URLs (also `hxxp`, `[.]`, bare domains), social handles and IDs;
//! - postal codes and addresses (block numbers, 丁目/番地/号, rooms);
//! - dates of birth;
//! - names: after a label (氏名：), in a self-introduction (と申します),
//!   before an honorific (様, さん…), and full names written in kanji, kana
//!   or Latin letters whose parts are in the name list (`data/person_names.tsv`,
//!   from IPAdic).
//!
//! Numbers that are not personal data — wages (`250,000円`), years
//! (`2019年`), durations, counts — survive.

use std::collections::HashSet;
use std::sync::OnceLock;

use icu_normalizer::ComposingNormalizerBorrowed;
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
    pub name: u32,
    pub address: u32,
    pub birth_date: u32,
    /// Social-network handles and IDs.
    pub handle: u32,
}

impl MaskCounts {
    pub fn total(&self) -> u32 {
        self.phone
            + self.email
            + self.url
            + self.postal_code
            + self.individual_number
            + self.name
            + self.address
            + self.birth_date
            + self.handle
    }

    pub fn add(&mut self, other: MaskCounts) {
        self.phone += other.phone;
        self.email += other.email;
        self.url += other.url;
        self.postal_code += other.postal_code;
        self.individual_number += other.individual_number;
        self.name += other.name;
        self.address += other.address;
        self.birth_date += other.birth_date;
        self.handle += other.handle;
    }

    fn count(&mut self, kind: Kind) {
        match kind {
            Kind::Email => self.email += 1,
            Kind::Url => self.url += 1,
            Kind::Handle => self.handle += 1,
            Kind::IdentityNumber => self.individual_number += 1,
            Kind::Phone => self.phone += 1,
            Kind::Postal => self.postal_code += 1,
            Kind::BirthDate => self.birth_date += 1,
            Kind::Address => self.address += 1,
            Kind::Name => self.name += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Url,
    Handle,
    IdentityNumber,
    Phone,
    Postal,
    BirthDate,
    Address,
    Name,
}

impl Kind {
    fn mask(self) -> &'static str {
        match self {
            Kind::Email => "[メール]",
            Kind::Url => "[URL]",
            Kind::Handle => "[SNS]",
            Kind::IdentityNumber => "[個人番号]",
            Kind::Phone => "[電話番号]",
            Kind::Postal => "[郵便番号]",
            Kind::BirthDate => "[生年月日]",
            Kind::Address => "[住所]",
            Kind::Name => "[氏名]",
        }
    }
}

/// Every mask the scrubber writes: a keyword search skips them (what was
/// masked is never matched, nor the fact that something was).
pub const MASKS: [&str; 9] = [
    "[メール]",
    "[URL]",
    "[SNS]",
    "[個人番号]",
    "[電話番号]",
    "[郵便番号]",
    "[生年月日]",
    "[住所]",
    "[氏名]",
];

/// The text as matched: each character with the index of the original
/// character it came from.
struct View {
    /// NFKC and [`fold`]: what numbers and addresses are matched in.
    chars: Vec<char>,
    /// NFKC only: what names are matched in (一郎 is a name, not 1郎).
    plain: Vec<char>,
    origin: Vec<usize>,
}

/// After NFKC: kanji numerals as digits, and the marks typed between the
/// groups of a number as one separator.
fn fold(c: char) -> char {
    match c {
        '〇' | '零' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '〜' | '~' | '⁃' | '﹣' | '－' => {
            '-'
        }
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn view(text: &str) -> View {
    let nfkc = ComposingNormalizerBorrowed::new_nfkc();
    let mut chars = Vec::with_capacity(text.len());
    let mut plain = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for (i, c) in text.chars().enumerate() {
        for n in nfkc.normalize(c.encode_utf8(&mut buf)).chars() {
            // The long-vowel mark is a dash only between digits
            // (090ー1234ー5678); in words (アットマーク) it stays.
            let after_digit = chars.last().is_some_and(|p: &char| p.is_ascii_digit());
            chars.push(if n == 'ー' && after_digit {
                '-'
            } else {
                fold(n)
            });
            plain.push(n);
            origin.push(i);
        }
    }
    View {
        chars,
        plain,
        origin,
    }
}

/// The name list: written forms, readings and romanised forms of surnames
/// and given names (see the module).
struct Names {
    surnames: HashSet<String>,
    given: HashSet<String>,
    surname_kana: HashSet<String>,
    given_kana: HashSet<String>,
    surname_latin: HashSet<String>,
    given_latin: HashSet<String>,
}

fn names() -> &'static Names {
    static N: OnceLock<Names> = OnceLock::new();
    N.get_or_init(|| {
        let mut n = Names {
            surnames: HashSet::new(),
            given: HashSet::new(),
            surname_kana: HashSet::new(),
            given_kana: HashSet::new(),
            surname_latin: HashSet::new(),
            given_latin: HashSet::new(),
        };
        for line in include_str!("../../../data/person_names.tsv")
            .lines()
            .skip(1)
        {
            let mut f = line.split('\t');
            let (Some(kind), Some(written), Some(reading), latin) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let latin = latin.unwrap_or("").to_owned();
            let (w, k, l) = match kind {
                "surname" => (&mut n.surnames, &mut n.surname_kana, &mut n.surname_latin),
                _ => (&mut n.given, &mut n.given_kana, &mut n.given_latin),
            };
            w.insert(written.to_owned());
            k.insert(reading.to_owned());
            if latin.len() >= 3 {
                l.insert(latin);
            }
        }
        n
    })
}

impl Names {
    /// Whether `s` is a surname, or begins with one followed by a given
    /// name (山田, 山田太郎), in kanji or kana.
    fn is_name(&self, s: &str) -> bool {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '・')
            .collect();
        if self.surnames.contains(&s) || self.surname_kana.contains(&s) {
            return true;
        }
        self.full_name(&s)
    }

    /// The first full name in `chars[s..e]` with no context to vouch for
    /// it: a surname and a given name from the list, each of two to four
    /// characters, with at most a space or ・ between them.
    fn full_name_in(&self, chars: &[char], s: usize, e: usize) -> Option<(usize, usize)> {
        let mut buf = String::new();
        for a in s..e {
            for l1 in (2..=4).rev() {
                if a + l1 > e {
                    continue;
                }
                buf.clear();
                buf.extend(&chars[a..a + l1]);
                let (kanji, kana) = (
                    self.surnames.contains(&buf),
                    self.surname_kana.contains(&buf),
                );
                if !kanji && !kana {
                    continue;
                }
                let mut g = a + l1;
                if g < e && matches!(chars[g], ' ' | '・') {
                    g += 1;
                }
                for l2 in (2..=4).rev() {
                    if g + l2 > e {
                        continue;
                    }
                    buf.clear();
                    buf.extend(&chars[g..g + l2]);
                    if (kanji && self.given.contains(&buf))
                        || (kana && self.given_kana.contains(&buf))
                    {
                        return Some((a, g + l2));
                    }
                }
            }
        }
        None
    }

    /// A surname followed at once by a given name, both in the list.
    fn full_name(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        (1..chars.len()).any(|i| {
            let (a, b): (String, String) =
                (chars[..i].iter().collect(), chars[i..].iter().collect());
            (self.surnames.contains(&a) && self.given.contains(&b))
                || (self.surname_kana.contains(&a) && self.given_kana.contains(&b))
        })
    }
}

struct Patterns {
    email: Regex,
    disguised_email: Regex,
    url: Regex,
    bare_domain: Regex,
    handle_label: Regex,
    handle: Regex,
    birth: Vec<Regex>,
    postal: Regex,
    labelled_number: Regex,
    passport: Regex,
    hw_number: Regex,
    address: Vec<Regex>,
    name_label: Regex,
    name_intro: Regex,
    name_honorific: Regex,
    kanji_full_name: Regex,
    kana_full_name: Regex,
    latin_full_name: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("scrubber pattern");
        let at = r"(?:\s*@\s*|\s*[\(\[<\{]\s*(?i:at)\s*[\)\]>\}]\s*|\s*(?:アットマーク|あっとまーく|アット|(?i:atmark))\s*|\s+(?i:at)\s+)";
        let dot = r"(?:\.|\s*[\(\[<\{]\s*(?i:dot|\.)\s*[\)\]>\}]\s*|\s+(?i:dot)\s+|\s*(?:ドット|どっと)\s*)";
        // ASCII, or wholly in another script (たろう@例え.jp): never a mix,
        // so that the Japanese text around an address stays out of it.
        // (Unbounded repetitions: a counted one of a Unicode class makes the
        // automaton huge and every search slow.)
        let local = r#"(?:"[^"\n]+"|[A-Za-z0-9._%+\-]+|[\p{L}\p{N}&&[^\x00-\x7F]]+)"#;
        let label = r"(?:[A-Za-z0-9\-]+|[\p{L}\p{N}&&[^\x00-\x7F]]+)";
        let prefectures = "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県|鹿児島県|沖縄県";
        let place = r"[\p{Han}\p{Katakana}ぁ-ゖヶ]";
        let block = r"(?:\d{1,3}丁目(?:\s?\d{1,4}(?:番地?|-))?(?:\s?\d{1,4}号?)?|\d{1,4}番地?(?:\s?\d{1,4}号?)?|\d{1,3}-\d{1,4}(?:-\d{1,4})?)";
        let name_chars = r"[\p{Han}\p{Katakana}ぁ-ゖ々ー・]";
        Patterns {
            email: r(&format!(r"{local}@{label}(?:\.{label})*")),
            disguised_email: r(&format!(
                r"[A-Za-z0-9._%+\-]+{at}{label}(?:{dot}{label})+"
            )),
            url: r(
                r"(?i)(?:h(?:tt|xx)ps?://|www\.)[\p{L}\p{N}\-._~:/?#\[\]@!$&'()*+,;=%]+",
            ),
            bare_domain: r(
                r"(?i)[a-z0-9\-]{2,63}(?:(?:\.|\[\.\]|\(\.\))[a-z0-9\-]{1,63})*(?:\.|\[\.\]|\(\.\))(?:com|net|org|info|biz|jp|me|io|co|tv|cc|ly|gl|be|link|site|xyz|app|dev|page)(?-u:\b)(?:/[\p{L}\p{N}\-._~/?#=&%]*)?",
            ),
            handle_label: r(
                r"(?:(?i:line|twitter|instagram|facebook|tiktok|skype|discord|wechat|kakao|youtube)|ライン|ツイッター|インスタ(?:グラム)?|フェイスブック|ティックトック|ユーチューブ)[ \t]*(?:(?i:id|account)|アカウント|名)?[ \t]*(?:[:：は]|です)?[ \t]*@?[A-Za-z0-9_.\-]{3,40}",
            ),
            handle: r(r"@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}"),
            birth: vec![
                // Era letter and a full date: S60.4.1, H2/1/15.
                r(r"[MTSHRmtshr]\s?\d{1,2}[./\-]\d{1,2}[./\-]\d{1,2}"),
                // Any full date that says it is a birth date.
                r(r"(?:生年月日|誕生日|生まれ)\s*[:：は]?\s*(?:(?:昭和|平成|令和|大正)\s?(?:\d{1,2}|元)|\d{4})\s?[年./\-]\s?\d{1,2}\s?[月./\-]\s?\d{1,2}日?"),
                r(r"(?:(?:昭和|平成|令和|大正)\s?(?:\d{1,2}|元)|\d{4})\s?[年./\-]\s?\d{1,2}\s?[月./\-]\s?\d{1,2}日?\s*(?:生まれ|生|誕生)"),
            ],
            postal: r(r"(?:〒|郵便番号\s*[:：は]?)\s?\d{3}-?\d{4}|\d{3}-\d{4}"),
            labelled_number: r(
                r"(?:マイナンバー|個人番号|基礎年金番号|年金番号|旅券番号|パスポート(?:番号)?|口座番号|運転免許証?番号|免許証番号|保険証番号|被保険者番号|求職番号|求職者番号|ハローワーク(?:の)?番号|受付番号|社員番号|学籍番号)\s*[:：は]?\s*[A-Za-z]{0,2}\d[\d\-\s./]{3,20}\d",
            ),
            passport: r(r"[A-Z]{2}\d{7}"),
            hw_number: r(r"\d{5}-\d{5,8}"),
            address: vec![
                // A prefecture, then municipality and town, then block numbers.
                r(&format!(
                    r"(?:{prefectures})?{place}{{1,12}}?(?:市|区|町|村|郡){place}{{0,12}}?{block}(?:\s?{place}{{1,15}}\s?\d{{1,4}}号室?)?"
                )),
                // A town name and block numbers.
                r(&format!(r"{place}{{1,10}}?{block}")),
                // A building and its room.
                r(r"[\p{Katakana}ー\p{Han}A-Za-z]+\s?\d{1,4}号室"),
            ],
            name_label: r(&format!(
                r"(?:氏名|名前|お名前|本名|フルネーム|(?i:name))\s*[:：は]\s*(?:{name_chars}{{2,12}}|[A-Za-z]+(?:\s[A-Za-z]+)?)"
            )),
            name_intro: r(&format!(
                r"({name_chars}{{1,10}}(?:\s{name_chars}{{1,6}})?|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s?(?:と申します|と言います|といいます)"
            )),
            name_honorific: r(&format!(
                r"({name_chars}{{2,10}}?(?:\s{name_chars}{{1,6}}?)?)\s?(?:様|さま|さん|殿|氏|君|くん|ちゃん)"
            )),
            kanji_full_name: r(r"[\p{Han}々]{1,4}\s?[\p{Han}々ぁ-ゖ]{1,4}"),
            kana_full_name: r(r"[\p{Katakana}ー]{2,8}[\s・][\p{Katakana}ー]{2,8}"),
            latin_full_name: r(r"(?-u:\b)[A-Za-z]{2,}[ \t][A-Za-z]{2,}(?-u:\b)"),
        }
    })
}

/// Spans found so far, in indices of the view; later detectors do not
/// match inside earlier finds.
struct Finds {
    spans: Vec<(usize, usize, Kind)>,
    taken: Vec<bool>,
}

impl Finds {
    fn free(&self, s: usize, e: usize) -> bool {
        !self.taken[s..e].iter().any(|t| *t)
    }

    fn add(&mut self, s: usize, e: usize, kind: Kind) {
        if s < e && self.free(s, e) {
            self.spans.push((s, e, kind));
            self.taken[s..e].fill(true);
        }
    }
}

/// Runs `re` over the view's text (as it is: earlier finds are blanked),
/// calling `each(start, end, groups)` with char indices.
fn each_match(
    haystack: &str,
    byte_to_char: &[usize],
    re: &Regex,
    mut each: impl FnMut(usize, usize, &regex::Captures),
) {
    for caps in re.captures_iter(haystack) {
        let m = caps.get(0).expect("group 0");
        each(byte_to_char[m.start()], byte_to_char[m.end()], &caps);
    }
}

fn char_index(haystack: &str) -> Vec<usize> {
    let mut v = vec![0; haystack.len() + 1];
    let mut ci = 0;
    for (bi, ch) in haystack.char_indices() {
        v[bi..bi + ch.len_utf8()].fill(ci);
        ci += 1;
    }
    v[haystack.len()] = ci;
    v
}

/// Whether `chars[s..e]` stands alone: no Latin letter or digit glued to
/// either side (a match inside a longer code is not one).
fn standalone(chars: &[char], s: usize, e: usize) -> bool {
    let glued = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !glued(s.checked_sub(1).and_then(|i| chars.get(i))) && !glued(chars.get(e))
}

/// Characters that may stand between the groups of a number.
fn is_separator(c: char) -> bool {
    matches!(
        c,
        '-' | ' ' | '.' | '/' | '_' | '(' | ')' | '\n' | '\r' | '\t' | '・' | '･' | '、' | ','
    )
}

/// Runs of digits with at most two separators between groups: phone
/// numbers and twelve-digit individual numbers, whatever divides them.
fn digit_runs(chars: &[char], finds: &mut Finds) {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let plus = chars[i] == '+' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        if !(chars[i].is_ascii_digit() || plus) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut digits = String::new();
        let mut j = if plus { i + 1 } else { i };
        let mut groups = 0;
        let mut commas = false;
        loop {
            let g = j;
            while j < n && chars[j].is_ascii_digit() {
                digits.push(chars[j]);
                j += 1;
            }
            if j > g {
                groups += 1;
                end = j;
            }
            let mut k = j;
            while k < n && k - j < 3 && is_separator(chars[k]) {
                k += 1;
            }
            if k > j && k < n && chars[k].is_ascii_digit() && k - j <= 2 {
                commas |= chars[j..k].iter().any(|c| *c == ',' || *c == '、');
                j = k;
            } else {
                break;
            }
        }
        let before = start.checked_sub(1).map(|p| chars[p]);
        let after = chars.get(end).copied();
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        // Money (250,000円) and lists with commas are not numbers of a person.
        let money = after.is_some_and(|c| {
            matches!(
                c,
                '円' | '万'
                    | '千'
                    | '%'
                    | '時'
                    | '歳'
                    | '年'
                    | '名'
                    | '人'
                    | '件'
                    | '点'
                    | '回'
                    | '日'
                    | '月'
                    | '分'
                    | '個'
                    | '台'
                    | '社'
                    | '店'
            )
        });
        let d = digits.len();
        let kind = if glued(before) || glued(after) || money || (commas && groups > 1) {
            None
        } else if (plus && digits.starts_with("81") && (11..=13).contains(&d))
            || (!plus && digits.starts_with('0') && (10..=11).contains(&d))
        {
            Some(Kind::Phone)
        } else if !plus && d == 12 && (groups == 1 || groups == 3) {
            Some(Kind::IdentityNumber)
        } else {
            None
        };
        if let Some(kind) = kind {
            finds.add(start, end, kind);
        }
        i = end.max(i + 1);
    }
}

/// Masks personal data in `text`; returns the scrubbed text and what was
/// masked.
///
/// Masking changes what surrounds the rest (a number beside a masked one no
/// longer touches a digit), so passes repeat until one masks nothing: what
/// comes out is clean by the scrubber's own measure. Every pass that masks
/// shortens what can match, so this ends quickly.
pub fn scrub(text: &str) -> (String, MaskCounts) {
    let (mut out, mut counts) = scrub_once(text);
    let mut last = counts.total();
    let mut rounds = 0;
    while last > 0 && rounds < 8 {
        let (next, more) = scrub_once(&out);
        last = more.total();
        counts.add(more);
        out = next;
        rounds += 1;
    }
    (out, counts)
}

fn scrub_once(text: &str) -> (String, MaskCounts) {
    let original: Vec<char> = text.chars().collect();
    let v = view(text);
    let mut chars = v.chars.clone();
    let mut finds = Finds {
        spans: Vec::new(),
        taken: vec![false; chars.len()],
    };
    // Existing masks stay as they are.
    let blank_masks = |chars: &mut Vec<char>, finds: &mut Finds| {
        let s: String = chars.iter().collect();
        let idx = char_index(&s);
        for mask in MASKS {
            for (b, _) in s.match_indices(mask) {
                let (a, e) = (idx[b], idx[b + mask.len()]);
                finds.taken[a..e].fill(true);
            }
        }
        for (c, t) in chars.iter_mut().zip(&finds.taken) {
            if *t {
                *c = '\u{0}';
            }
        }
    };
    blank_masks(&mut chars, &mut finds);
    let p = patterns();
    let names = names();
    // (pattern, kind, whether every match is one without a further look)
    let simple: [(&Regex, Kind, bool); 6] = [
        (&p.email, Kind::Email, false),
        (&p.disguised_email, Kind::Email, true),
        (&p.url, Kind::Url, true),
        (&p.bare_domain, Kind::Url, true),
        (&p.handle_label, Kind::Handle, true),
        (&p.handle, Kind::Handle, false),
    ];
    let blank = |chars: &mut Vec<char>, finds: &Finds| {
        for (c, t) in chars.iter_mut().zip(&finds.taken) {
            if *t {
                *c = '\u{0}';
            }
        }
    };
    for (re, kind, sure) in simple {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, re, |s, e, _| {
            let before = s.checked_sub(1).map(|i| chars[i]);
            let after = chars.get(e).copied();
            let ok = sure
                || match kind {
                    // A handle is an @ that no address stands before.
                    Kind::Handle if chars[s] == '@' => {
                        !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                    }
                    Kind::Email => {
                        let text: String = chars[s..e].iter().collect();
                        let (local, domain) = text.rsplit_once('@').unwrap_or(("", &text));
                        // Without a dot in its domain (taro@localhost), only a
                        // plain ASCII address that ends there is one.
                        domain.contains('.')
                            || (!local.is_empty()
                                && local.is_ascii()
                                && !after.is_some_and(|c| c == '_' || c.is_alphanumeric()))
                    }
                    _ => true,
                };
            if ok {
                finds.add(s, e, kind);
            }
        });
        blank(&mut chars, &finds);
    }
    // Dates of birth before numbers: a date is digits too.
    for re in &p.birth {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, re, |s, e, _| {
            if standalone(&chars, s, e) {
                finds.add(s, e, Kind::BirthDate);
            }
        });
    }
    blank(&mut chars, &finds);
    for (re, kind) in [
        (&p.labelled_number, Kind::IdentityNumber),
        (&p.passport, Kind::IdentityNumber),
        (&p.hw_number, Kind::IdentityNumber),
    ] {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, re, |s, e, _| {
            if standalone(&chars, s, e) {
                // The label stays; the number goes.
                let number = (s..e)
                    .find(|&i| chars[i].is_ascii_alphanumeric())
                    .unwrap_or(s);
                finds.add(number, e, kind);
            }
        });
        blank(&mut chars, &finds);
    }
    digit_runs(&chars, &mut finds);
    blank(&mut chars, &finds);
    {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, &p.postal, |s, e, _| {
            let before = s.checked_sub(1).map(|i| chars[i]);
            let after = chars.get(e).copied();
            let touches = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '-');
            if !touches(before) && !touches(after) {
                finds.add(s, e, Kind::Postal);
            }
        });
        blank(&mut chars, &finds);
    }
    for re in &p.address {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, re, |s, e, _| {
            let after = chars.get(e).copied();
            let numeric_tail = chars[s..e]
                .iter()
                .rev()
                .take_while(|c| c.is_ascii_digit() || **c == '-')
                .count();
            // Not a time, a count or a range of years ("2019-2023").
            let plain = after.is_some_and(|c| {
                matches!(
                    c,
                    '時' | '分'
                        | '年'
                        | '月'
                        | '日'
                        | '歳'
                        | '円'
                        | '%'
                        | '人'
                        | '名'
                        | '回'
                        | ':'
                        | '.'
                )
            });
            let groups = chars[s..e].iter().filter(|c| **c == '-').count();
            let worded = chars[s..e].iter().any(|c| matches!(c, '丁' | '番' | '号'));
            if !after.is_some_and(|c| c.is_ascii_digit())
                && !plain
                && (worded || groups >= 2 || numeric_tail == 0)
            {
                finds.add(s, e, Kind::Address);
            }
        });
        blank(&mut chars, &finds);
    }
    // Names, in their contexts; then full names from the list: matched in
    // the text without kanji numerals folded (一郎 is a name).
    let chars: Vec<char> = v
        .plain
        .iter()
        .zip(&finds.taken)
        .map(|(c, t)| if *t { '\u{0}' } else { *c })
        .collect();
    let mut chars = chars;
    let hay: String = chars.iter().collect();
    let idx = char_index(&hay);
    each_match(&hay, &idx, &p.name_label, |s, e, _| {
        // Only the name after the label.
        let from = (s..e)
            .find(|&i| matches!(chars[i], ':' | '：' | 'は'))
            .map_or(s, |i| i + 1);
        let from = (from..e)
            .find(|&i| !chars[i].is_whitespace())
            .unwrap_or(from);
        // Not the words that follow the name (です, と申します…).
        let text: String = chars[from..e].iter().collect();
        let mut end = e;
        for ending in [
            "でございます",
            "と申します",
            "といいます",
            "と言います",
            "です",
            "でした",
            "さん",
            "様",
        ] {
            if let Some(pos) = text.find(ending) {
                end = end.min(from + text[..pos].chars().count());
            }
        }
        finds.add(from, end, Kind::Name);
    });
    for re in [&p.name_intro, &p.name_honorific] {
        each_match(&hay, &idx, re, |_, _, caps| {
            let g = caps.get(1).expect("a name group");
            let (mut s, e) = (idx[g.start()], idx[g.end()]);
            let text: String = chars[s..e].iter().collect();
            // The name is the longest tail of the group that is one.
            let found = (s..e).find(|&i| {
                let tail: String = chars[i..e].iter().collect();
                names.is_name(&tail) || is_latin_name(&tail)
            });
            if let Some(i) = found {
                s = i;
                finds.add(s, e, Kind::Name);
            } else if text.starts_with("私は") {
                // "私は … と申します": whatever stands there is the name.
                finds.add(s + 2, e, Kind::Name);
            }
        });
    }
    blank(&mut chars, &finds);
    for re in [&p.kanji_full_name, &p.kana_full_name] {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, re, |s, e, _| {
            let kana = |c: Option<char>| c.is_some_and(|c| matches!(c, '\u{30A0}'..='\u{30FF}'));
            if chars[s..e].iter().all(|c| *c != '\u{0}')
                && kana(Some(chars[s]))
                && (kana(s.checked_sub(1).map(|i| chars[i])) || kana(chars.get(e).copied()))
            {
                // Part of a longer katakana word: not a name.
                return;
            }
            if let Some((a, b)) = names.full_name_in(&chars, s, e) {
                finds.add(a, b, Kind::Name);
            }
        });
        blank(&mut chars, &finds);
    }
    {
        let hay: String = chars.iter().collect();
        let idx = char_index(&hay);
        each_match(&hay, &idx, &p.latin_full_name, |s, e, _| {
            let t: String = chars[s..e].iter().collect();
            if is_latin_name(&t) {
                finds.add(s, e, Kind::Name);
            }
        });
    }

    let mut spans: Vec<(usize, usize, Kind)> = finds
        .spans
        .iter()
        .map(|&(s, e, k)| (v.origin[s], v.origin[e - 1] + 1, k))
        .collect();
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
        counts.count(kind);
        i = e;
    }
    out.extend(&original[i..]);
    (out, counts)
}

/// Two Latin words, a surname and a given name from the list, in either
/// order (Taro Yamada, YAMADA Taro).
fn is_latin_name(s: &str) -> bool {
    let words: Vec<String> = s.split_whitespace().map(str::to_lowercase).collect();
    let n = names();
    match words.as_slice() {
        [a, b] => {
            (n.surname_latin.contains(a) && n.given_latin.contains(b))
                || (n.given_latin.contains(a) && n.surname_latin.contains(b))
        }
        _ => false,
    }
}

/// `text` with every mask taken out: what a keyword search looks in.
pub fn without_masks(text: &str) -> String {
    let mut out = text.to_owned();
    for m in MASKS {
        if out.contains(m) {
            out = out.replace(m, " ");
        }
    }
    out
}

#[cfg(test)]
mod tests;
