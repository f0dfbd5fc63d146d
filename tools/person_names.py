#!/usr/bin/env python3
"""Writes data/person_names.tsv, the name list the R11 scrubber loads.

Source: the person-name entries (人名 姓/名) of IPAdic, as Debian's
`mecab-ipadic` package ships them (Noun.name.csv, EUC-JP; BSD-3-Clause with
the ICOT term, reproduced in data/person_names.LICENSE). Only Japanese names
are kept (written in kanji or kana); the romanised form is derived from the
reading (Hepburn), for names written in Latin letters.

    apt-get download mecab-ipadic && dpkg-deb -x mecab-ipadic_*.deb ipadic
    python3 tools/person_names.py ipadic/usr/share/mecab/dic/ipadic/Noun.name.csv
"""
import csv
import re
import sys

KANA = {
    "キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho",
    "チャ": "cha", "チュ": "chu", "チョ": "cho", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo",
    "ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo",
    "リャ": "rya", "リュ": "ryu", "リョ": "ryo", "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo",
    "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ビャ": "bya", "ビュ": "byu", "ビョ": "byo",
    "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo", "ヂャ": "ja", "ヂュ": "ju", "ヂョ": "jo",
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "ヴ": "vu", "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o",
}


def romaji(kana):
    out, i = [], 0
    while i < len(kana):
        if kana[i] == "ッ" and i + 1 < len(kana):
            nxt = KANA.get(kana[i + 1 : i + 3]) or KANA.get(kana[i + 1], "")
            out.append(nxt[:1])
            i += 1
            continue
        if kana[i] == "ー":
            i += 1
            continue
        two = KANA.get(kana[i : i + 2])
        if two:
            out.append(two)
            i += 2
            continue
        one = KANA.get(kana[i])
        if one is None:
            return None
        out.append(one)
        i += 1
    word = "".join(out)
    # Long vowels as commonly written in names (Satou -> Sato, Yuuki -> Yuki).
    return re.sub(r"ou|oo", "o", re.sub(r"uu", "u", word))


JAPANESE = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff\u3005\u30fc]+$")


def main(path):
    rows = set()
    with open(path, encoding="euc_jp", errors="replace") as f:
        for r in csv.reader(f):
            if len(r) < 12 or r[6] != "人名" or r[7] not in ("姓", "名"):
                continue
            written, reading = r[0], r[11]
            if not JAPANESE.match(written) or not re.match(r"^[\u30a0-\u30ff]+$", reading):
                continue
            # Foreign names are written in katakana and read as written.
            if written == reading and r[7] == "姓" and len(written) > 4:
                continue
            kind = "surname" if r[7] == "姓" else "given"
            rows.add((kind, written, reading, romaji(reading) or ""))
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["kind", "written", "reading", "romaji"])
    for row in sorted(rows):
        out.writerow(row)


if __name__ == "__main__":
    main(sys.argv[1])
