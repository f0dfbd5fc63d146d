use super::*;

fn masked(text: &str) -> (String, MaskCounts) {
    scrub(text)
}

/// Found by `cargo fuzz` (target `scrub`): masking the postal-code-like
/// `818-8818` left a phone number that only then stood alone.
#[test]
fn what_is_left_is_clean() {
    let text = "+818-8818+818-88181801.www1801.www";
    let (once, counts) = scrub(text);
    assert!(counts.total() >= 1, "{once}");
    let (twice, again) = scrub(&once);
    assert_eq!((twice.as_str(), again.total()), (once.as_str(), 0));
}

#[test]
fn empty_and_plain_text() {
    assert_eq!(masked(""), (String::new(), MaskCounts::default()));
    assert_eq!(masked("よろしくお願いします").0, "よろしくお願いします");
}

/// One line of the corpus: the input, the expected output, and the pieces
/// of the input the expected output masks.
struct Case {
    input: String,
    expected: String,
    personal: Vec<String>,
}

fn corpus() -> Vec<Case> {
    let text = include_str!("../../../../tests/fixtures/scrub_corpus.tsv");
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (input, expected) = line.split_once('\t').expect("input<TAB>expected");
        let (input, expected) = (input.replace("\\n", "\n"), expected.to_owned());
        // The masked pieces: what stands in the input where the expected
        // output has a mask, between the literal parts around it.
        let mut literal = vec![String::new()];
        let mut rest = expected.as_str();
        'outer: while !rest.is_empty() {
            for m in MASKS {
                if let Some(after) = rest.strip_prefix(m) {
                    literal.push(String::new());
                    rest = after;
                    continue 'outer;
                }
            }
            let c = rest.chars().next().unwrap();
            literal.last_mut().unwrap().push(c);
            rest = &rest[c.len_utf8()..];
        }
        let mut personal = Vec::new();
        let mut at = 0;
        for (i, part) in literal.iter().enumerate() {
            let found = if i + 1 == literal.len() && !part.is_empty() {
                input.len() - part.len()
            } else {
                at + input[at..]
                    .find(part.as_str())
                    .expect("literal part in input")
            };
            if i > 0 {
                personal.push(input[at..found].to_owned());
            }
            at = found + part.len();
        }
        out.push(Case {
            input,
            expected,
            personal,
        });
    }
    out
}

fn kinds(text: &str) -> Vec<usize> {
    MASKS.iter().map(|m| text.matches(m).count()).collect()
}

/// The corpus of realistic self-PR lines (tests/fixtures/scrub_corpus.tsv):
/// recall (personal pieces that do not survive) and precision (masks that
/// were due), as docs/security.md reports them.
#[test]
fn corpus_precision_and_recall() {
    let cases = corpus();
    assert!(cases.len() >= 200, "{}", cases.len());
    let (mut caught, mut due, mut right, mut made, mut exact) = (0, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for c in &cases {
        let (out, _) = scrub(&c.input);
        for p in &c.personal {
            due += 1;
            if out.contains(p.trim()) && !p.trim().is_empty() {
                misses.push(format!("leaked {p:?} in {out:?}"));
            } else {
                caught += 1;
            }
        }
        let (want, got) = (kinds(&c.expected), kinds(&out));
        for (w, g) in want.iter().zip(&got) {
            made += g;
            right += w.min(g);
        }
        if out == c.expected {
            exact += 1;
        } else if got.iter().zip(&want).any(|(g, w)| g > w) {
            misses.push(format!("over-masked {:?} as {out:?}", c.input));
        }
    }
    let recall = caught as f64 / due as f64;
    let precision = if made == 0 {
        1.0
    } else {
        right as f64 / made as f64
    };
    println!(
        "scrubber corpus: {} lines, {exact} exact; recall {recall:.3} ({caught}/{due}); \
         precision {precision:.3} ({right}/{made})",
        cases.len()
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(recall >= 0.98, "recall {recall:.3}: {misses:#?}");
    assert!(precision >= 0.98, "precision {precision:.3}: {misses:#?}");
}

/// What the review found leaking (issue 30), each on its own: none of the
/// personal piece survives.
#[test]
fn the_reviews_leaks_are_masked() {
    for (text, secret) in [
        ("山田太郎様", "太郎"),
        ("山田 太郎さん", "太郎"),
        ("氏名：山田太郎", "太郎"),
        ("私は山田太郎と申します", "太郎"),
        ("ヤマダ タロウ", "タロウ"),
        ("Taro Yamada", "Yamada"),
        ("東京都新宿区西新宿2-8-1", "2-8-1"),
        ("西新宿二丁目8番1号", "8番"),
        ("梅田１－１－１", "１－１"),
        ("サンハイツ201号室", "201"),
        ("taro at example dot jp", "taro"),
        ("taro(at)example.jp", "taro"),
        ("taro[at]example.jp", "taro"),
        ("taroアットマークexample.jp", "taro"),
        ("taro @ example.jp", "taro"),
        ("taro﹫example.jp", "taro"),
        ("\"taro\"@example.jp", "taro"),
        ("taro@例え.jp", "taro"),
        ("090.1234.5678", "5678"),
        ("090/1234/5678", "5678"),
        ("090_1234_5678", "5678"),
        ("090〜1234〜5678", "5678"),
        ("090ｰ1234ｰ5678", "5678"),
        ("0 9 0 1 2 3 4 5 6 7 8", "5 6 7 8"),
        ("〇九〇－一二三四－五六七八", "五六七八"),
        ("⓪⑨⓪①②③④⑤⑥⑦⑧", "⑤⑥⑦⑧"),
        ("𝟎𝟗𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖", "𝟓𝟔𝟕𝟖"),
        ("090-1234\n-5678", "5678"),
        ("1234.5678.9012", "9012"),
        ("1234/5678/9012", "9012"),
        ("一二三四五六七八九〇一二", "九〇一二"),
        ("郵便番号1600022", "1600022"),
        ("LINE ID: taro_1234", "taro_1234"),
        ("line.me/ti/p/abcdef", "abcdef"),
        ("instagram.com/taro", "taro"),
        ("@taro_yamada", "taro_yamada"),
        ("hxxps://example[.]jp", "example"),
        ("1985年4月1日生まれ", "1985"),
        ("S60.4.1", "60.4.1"),
        ("求職番号13010-12345678", "12345678"),
        ("基礎年金番号1234-567890", "567890"),
        ("パスポートTK1234567", "1234567"),
        ("口座番号 1234567", "1234567"),
    ] {
        let (out, c) = scrub(text);
        assert!(
            c.total() >= 1 && !out.contains(secret),
            "{text:?} -> {out:?}"
        );
    }
}

#[test]
fn masks_are_not_searched() {
    assert_eq!(
        without_masks("連絡は[電話番号]まで").trim(),
        "連絡は まで".trim()
    );
}

/// Not a benchmark (nothing is asserted about time): prints what scrubbing a
/// typical self-PR costs, for docs/benchmarks.md. Run with `--ignored`.
#[test]
#[ignore]
fn scrub_cost() {
    let text = "介護職として5年間、特別養護老人ホームで勤務しました（2019年〜2024年）。\
                夜勤も対応可能です。利用者様一人ひとりに寄り添った介護を大切にしています。\
                普通自動車免許、介護福祉士を持っています。月給22万円以上を希望します。";
    let _ = scrub(text);
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(scrub(std::hint::black_box(text)));
    }
    println!(
        "scrub: {:.1} µs a self-PR of {} chars",
        t.elapsed().as_secs_f64() * 1e6 / n as f64,
        text.chars().count()
    );
}
