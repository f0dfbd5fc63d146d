//! Synthetic, realistic data: job seekers as Hello Work would send them, in
//! the batch line format (`{"seeker_ref", "consent_scope", "valid_until",
//! "profile"}`). Used by `kyushoku demo`, by `kyushoku generate` (NDJSON for
//! the benchmarks, which load it through the service's own batch endpoint)
//! and by tests. Deterministic for a seed.
//!
//! Distributions follow the source document where it gives them: consent
//! scopes 80.0 % both, 18.8 % public only, 1.2 % private only; prefectures
//! weighted by working population; occupations skewed towards the groups
//! with most seekers (clerical, care, services, manufacturing, transport).

use chrono::NaiveDate;
use kyushoku_store::reference::ReferenceData;
use serde_json::{json, Value};

/// SplitMix64: small, fast, good enough for synthetic data; no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.next_u64() % total;
        for (i, w) in weights.iter().enumerate() {
            if x < u64::from(*w) {
                return i;
            }
            x -= u64::from(*w);
        }
        weights.len() - 1
    }
}

/// Working population by prefecture (01–47), in ten-thousands, rounded.
const PREFECTURE_WEIGHTS: [u32; 47] = [
    250, 60, 60, 115, 48, 55, 95, 150, 100, 100, 380, 330, 1000, 480, 110, 55, 60, 42, 44, 110,
    105, 190, 420, 90, 75, 130, 460, 270, 65, 45, 28, 34, 95, 145, 65, 35, 50, 65, 33, 260, 42, 64,
    86, 56, 52, 78, 72,
];

/// Weights of the 15 major occupation groups among seekers.
const OCCUPATION_WEIGHTS: [u32; 15] = [2, 6, 4, 6, 5, 22, 8, 11, 9, 3, 2, 10, 6, 3, 8];

const QUALIFICATIONS: [&str; 12] = [
    "普通自動車免許",
    "介護福祉士",
    "介護職員初任者研修",
    "日商簿記2級",
    "MOS Excel",
    "フォークリフト運転技能者",
    "看護師",
    "保育士",
    "宅地建物取引士",
    "TOEIC 700点",
    "第二種電気工事士",
    "調理師",
];

const STRENGTHS: [&str; 10] = [
    "利用者様の気持ちに寄り添う介護を心がけてきました。",
    "正確で丁寧な事務処理が得意です。",
    "接客業で培ったコミュニケーション力を活かしたいと考えています。",
    "製造ラインでの品質管理の経験があります。",
    "PC操作（Word・Excel）は業務で日常的に使用していました。",
    "体力には自信があり、夜勤にも対応できます。",
    "チームで協力して目標を達成することにやりがいを感じます。",
    "新しい業務も積極的に学び、早く戦力になれるよう努めます。",
    "子育てが一段落したため、地域で長く働ける職場を探しています。",
    "営業職として顧客の課題を聞き取り、提案してきました。",
];

const DUTIES: [&str; 8] = [
    "特別養護老人ホームでの入浴・食事・排せつ介助",
    "受発注データの入力と請求書の作成",
    "スーパーでのレジ・品出し・売場づくり",
    "自動車部品の組立と検査",
    "法人向けルート営業と見積作成",
    "配送ドライバーとして地域の集配を担当",
    "飲食店でのホール接客と調理補助",
    "保育園での乳幼児の保育",
];

const INDUSTRIES: [&str; 8] = [
    "医療・福祉",
    "卸売・小売",
    "製造",
    "運輸",
    "宿泊・飲食",
    "建設",
    "情報通信",
    "教育",
];

/// The end of the month after next (翌々月末) from `today`: how long a
/// Hello Work registration stays valid.
pub fn end_of_month_after_next(today: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let (y, m) = (today.year(), today.month());
    let (y3, m3) = if m + 3 > 12 {
        (y + 1, m + 3 - 12)
    } else {
        (y, m + 3)
    };
    NaiveDate::from_ymd_opt(y3, m3, 1).expect("a month") - chrono::Duration::days(1)
}

/// The `seeker_ref` of the `n`th seeker a generator with `seed` makes.
pub fn seeker_ref(seed: u64, n: u64) -> String {
    format!("S{seed:x}-{n:08}")
}

/// Generates seekers for the batch endpoint.
pub struct SeekerGenerator {
    rng: Rng,
    /// Municipalities by prefecture index (0 = Hokkaido).
    municipalities: Vec<Vec<String>>,
    /// Their weights ([`municipal_weight`]), in the same order.
    weights: Vec<Vec<u32>>,
    today: NaiveDate,
    seed: u64,
}

/// The 20 designated cities (政令指定都市).
const DESIGNATED_CITIES: [&str; 20] = [
    "011002", "041009", "111007", "121002", "141003", "141305", "141500", "151009", "221007",
    "221309", "231002", "261009", "271004", "271403", "281000", "331007", "341002", "401005",
    "401307", "431001",
];

/// How many seekers a municipality draws, by its kind: a proxy for its
/// population (thousands of people, roughly the national means of each
/// kind), since the code list carries no populations: a designated city
/// 1,000, a Tokyo ward 250, a city 60, a town 15, a village 4.
pub fn municipal_weight(code: &str, name: &str) -> u32 {
    if DESIGNATED_CITIES.contains(&code) {
        1000
    } else if name.ends_with('区') {
        250
    } else if name.ends_with('市') {
        60
    } else if name.ends_with('町') {
        15
    } else {
        4
    }
}

impl SeekerGenerator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let reference = ReferenceData::shipped().expect("shipped reference data");
        let mut municipalities = vec![Vec::new(); 47];
        let mut weights = vec![Vec::new(); 47];
        for m in reference.municipalities {
            let i: usize = m.prefecture_code.parse::<usize>().unwrap_or(1) - 1;
            weights[i].push(municipal_weight(&m.code, &m.name));
            municipalities[i].push(m.code);
        }
        Self {
            rng: Rng::new(seed),
            municipalities,
            weights,
            today,
            seed,
        }
    }

    /// The consent scope, with the source document's split.
    fn scope(&mut self) -> &'static str {
        match self.rng.weighted(&[800, 188, 12]) {
            0 => "both",
            1 => "public_only",
            _ => "private_only",
        }
    }

    fn occupation(&mut self) -> String {
        let major = self.rng.weighted(&OCCUPATION_WEIGHTS) + 1;
        match self.rng.below(3) {
            0 => format!("{major:02}"),
            1 => format!("{major:02}{}", self.rng.below(10)),
            _ => format!(
                "{major:02}{}-{:02}",
                self.rng.below(10),
                1 + self.rng.below(20)
            ),
        }
    }

    /// The `n`th seeker (a batch line).
    pub fn seeker(&mut self, n: u64) -> Value {
        let pref = self.rng.weighted(&PREFECTURE_WEIGHTS);
        let pref_code = format!("{:02}", pref + 1);
        let mut location = json!({"prefecture": pref_code});
        if self.rng.chance(0.7) && !self.municipalities[pref].is_empty() {
            let m = self.rng.weighted(&self.weights[pref]);
            location["municipality"] = json!(self.municipalities[pref][m].clone());
        }
        let mut locations = vec![location];
        if self.rng.chance(0.2) {
            let other = self.rng.weighted(&PREFECTURE_WEIGHTS);
            if other != pref {
                locations.push(json!({"prefecture": format!("{:02}", other + 1)}));
            }
        }
        let n_occ = 1 + self.rng.below(3);
        let mut occupations: Vec<String> = Vec::new();
        for _ in 0..n_occ {
            let o = self.occupation();
            if !occupations.contains(&o) {
                occupations.push(o);
            }
        }
        let employment = match self.rng.weighted(&[55, 25, 10, 5, 5]) {
            0 => vec!["full_time"],
            1 => vec!["part_time"],
            2 => vec!["full_time", "contract"],
            3 => vec!["dispatch"],
            _ => vec!["part_time", "other"],
        };
        let wage = if employment.contains(&"part_time") {
            json!({"kind": "hourly", "min": 1000 + 50 * self.rng.below(20) as i64})
        } else {
            json!({"kind": "monthly", "min": 170_000 + 10_000 * self.rng.below(20) as i64})
        };
        let mut quals = Vec::new();
        for _ in 0..self.rng.below(3) {
            let q = *self.rng.pick(&QUALIFICATIONS);
            if !quals.iter().any(|v: &Value| v["name"] == q) {
                quals.push(json!({"name": q, "year": 2000 + self.rng.below(25)}));
            }
        }
        let history: Vec<Value> = (0..self.rng.below(3))
            .map(|_| {
                json!({
                    "industry": *self.rng.pick(&INDUSTRIES),
                    "occupation": format!("{:02}{}", self.rng.weighted(&OCCUPATION_WEIGHTS) + 1, self.rng.below(10)),
                    "employment_type": "full_time",
                    "years": 1 + self.rng.below(15),
                    "duties": *self.rng.pick(&DUTIES),
                })
            })
            .collect();
        let self_pr = format!("{}{}", self.rng.pick(&STRENGTHS), self.rng.pick(&STRENGTHS));
        let valid_until =
            end_of_month_after_next(self.today) - chrono::Duration::days(self.rng.below(60) as i64);
        json!({
            "seeker_ref": seeker_ref(self.seed, n),
            "consent_scope": self.scope(),
            "valid_until": valid_until.max(self.today),
            "profile": {
                "desired_occupations": occupations,
                "employment_types": employment,
                "work_locations": locations,
                "desired_wage": wage,
                "qualifications": quals,
                "work_history": history,
                "self_pr": self_pr,
            }
        })
    }
}

const EMPLOYERS: [&str; 10] = [
    "社会福祉法人さくら会",
    "株式会社みどり物流",
    "医療法人あおば会",
    "株式会社ひかり食品",
    "有限会社やまと建設",
    "株式会社つばさ商事",
    "学校法人はるか学園",
    "株式会社こだま製作所",
    "株式会社なごみホテル",
    "合同会社いろは保育",
];

const OFFER_TITLES: [(&str, &str); 8] = [
    ("081", "介護職員（正社員）"),
    ("061", "一般事務（パート）"),
    ("131", "配送ドライバー"),
    ("121", "製造オペレーター"),
    ("071", "販売スタッフ"),
    ("091", "調理補助"),
    ("051", "保育士"),
    ("141", "施工管理"),
];

/// Generates job offers for the offers batch endpoint.
pub struct OfferGenerator {
    rng: Rng,
    municipalities: Vec<Vec<String>>,
    today: NaiveDate,
}

impl OfferGenerator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let seekers = SeekerGenerator::new(seed, today);
        Self {
            rng: Rng::new(seed.wrapping_mul(31).wrapping_add(7)),
            municipalities: seekers.municipalities,
            today,
        }
    }

    /// The `n`th offer (a batch line).
    pub fn offer(&mut self, n: u64) -> Value {
        let pref = self.rng.weighted(&PREFECTURE_WEIGHTS);
        let (occupation, title) = *self.rng.pick(&OFFER_TITLES);
        let part_time = title.contains("パート") || self.rng.chance(0.2);
        let wage = if part_time {
            let min = 1000 + 50 * self.rng.below(10) as i64;
            json!({"kind": "hourly", "min": min, "max": min + 200})
        } else {
            let min = 180_000 + 10_000 * self.rng.below(15) as i64;
            json!({"kind": "monthly", "min": min, "max": min + 60_000})
        };
        let scope = match self.rng.weighted(&[70, 15, 10, 5]) {
            0 => "both",
            1 => "public_only",
            2 => "private_only",
            _ => "none",
        };
        let received = self.today - chrono::Duration::days(self.rng.below(60) as i64);
        let mut offer = json!({
            "job_number": format!("{:02}{:03}-{:08}", pref + 1, self.rng.below(100), n),
            "scope": scope,
            "received_on": received,
            "valid_through": end_of_month_after_next(received).max(self.today),
            "employer_name": *self.rng.pick(&EMPLOYERS),
            "employer_address": format!("{}（番地略）", self.rng.pick(&["駅前通り1-2-3", "本町4-5-6", "中央7-8-9"])),
            "industry": *self.rng.pick(&INDUSTRIES),
            "occupation": occupation,
            "title": title,
            "description": format!("{}未経験者歓迎。研修あり。", self.rng.pick(&DUTIES)),
            "employment_type": if part_time { "part_time" } else { "full_time" },
            "prefecture": format!("{:02}", pref + 1),
            "wage": wage,
            "working_hours": "9:00〜18:00（休憩60分）",
            "holidays_per_year": 100 + self.rng.below(30),
            "openings": 1 + self.rng.below(5),
        });
        if self.rng.chance(0.7) && !self.municipalities[pref].is_empty() {
            offer["municipality"] = json!(self.rng.pick(&self.municipalities[pref]).clone());
        }
        offer
    }
}

const AGENCY_WORDS: [&str; 10] = [
    "キャリア",
    "ワークス",
    "人材センター",
    "スタッフ",
    "パートナーズ",
    "ジョブ",
    "エージェント",
    "ヒューマン",
    "リンク",
    "サポート",
];

const PLACES: [&str; 8] = [
    "さくら",
    "みどり",
    "あおば",
    "ひかり",
    "みなと",
    "やまと",
    "にじ",
    "つばさ",
];

/// Generates organisations' applications (`POST /v1/organisations`): 80 %
/// private (paid and free placement agencies), 20 % public (municipalities
/// and prefectures), placed by working population. The admin's password is
/// [`OrganisationGenerator::PASSWORD`] followed by the organisation's number.
pub struct OrganisationGenerator {
    rng: Rng,
    municipalities: Vec<Vec<String>>,
    prefix: String,
}

impl OrganisationGenerator {
    pub const PASSWORD: &'static str = "generated passphrase ";

    pub fn new(seed: u64) -> Self {
        let seekers = SeekerGenerator::new(seed, NaiveDate::MIN);
        Self {
            rng: Rng::new(seed.wrapping_mul(17).wrapping_add(3)),
            municipalities: seekers.municipalities,
            prefix: format!("o{seed:x}"),
        }
    }

    /// The `n`th application.
    pub fn application(&mut self, n: u64) -> Value {
        let pref = self.rng.weighted(&PREFECTURE_WEIGHTS);
        let code = format!("{:02}", pref + 1);
        let place = *self.rng.pick(&PLACES);
        let word = *self.rng.pick(&AGENCY_WORDS);
        // Licence numbers from 400000 on: the demo cast's (and the tests')
        // are below, and one number has one open application.
        let (kind, name, municipality, licence) = match self.rng.weighted(&[72, 8, 17, 3]) {
            0 => (
                "paid_agency",
                format!("株式会社{place}{word}"),
                None,
                Some(format!("{code}-ユ-{:06}", 400_000 + n)),
            ),
            1 => (
                "free_agency",
                format!("一般社団法人{place}{word}"),
                None,
                Some(format!("{code}-ム-{:06}", 400_000 + n)),
            ),
            2 if !self.municipalities[pref].is_empty() => (
                "municipality",
                format!("{place}市 無料職業紹介所"),
                Some(self.rng.pick(&self.municipalities[pref]).clone()),
                None,
            ),
            _ => (
                "prefecture",
                format!("{code}県 就業支援センター"),
                None,
                None,
            ),
        };
        let services = match self.rng.below(10) {
            0 => json!(["seeker_info"]),
            1 => json!(["job_offers"]),
            _ => json!(["seeker_info", "job_offers"]),
        };
        let mut a = json!({
            "name": format!("{name} {n}"),
            "kind": kind,
            "prefecture": code,
            "services": services,
            "admin": {
                "email": format!("admin{n}@{}.example.jp", self.prefix),
                "password": format!("{}{n}", Self::PASSWORD),
            },
        });
        if let Some(m) = municipality {
            a["municipality"] = json!(m);
        }
        if let Some(l) = licence {
            a["licence_number"] = json!(l);
        }
        // What the application states of its eligibility (issue 38): a
        // public body's part in placement, and the regular placements of
        // the three months before.
        if matches!(kind, "municipality" | "prefecture") {
            if self.rng.below(4) == 0 {
                // A body that contracts placement out applies jointly with
                // its contractor (連名申請).
                a["placement"] = json!("contracted");
                a["co_applicants"] = json!([{
                    "name": format!("株式会社{place}人材サービス {n}"),
                    "role": "contractor",
                    "licence_number": format!("{code}-ユ-{:06}", 800_000 + n),
                }]);
            } else {
                a["placement"] = json!("self_run");
            }
        }
        a["regular_placements"] = json!(1 + self.rng.below(40));
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_run_to_the_end_of_the_month_after_next() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(end_of_month_after_next(d(2026, 11, 26)), d(2027, 1, 31));
        assert_eq!(end_of_month_after_next(d(2026, 12, 1)), d(2027, 2, 28));
        assert_eq!(end_of_month_after_next(d(2026, 1, 31)), d(2026, 3, 31));
    }

    #[test]
    fn generated_seekers_pass_validation_and_follow_the_scope_split() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut g = SeekerGenerator::new(7, today);
        let mut scopes = [0usize; 3];
        for n in 0..5000 {
            let line: kyushoku_service::ingest::SeekerBatchLine =
                serde_json::from_value(g.seeker(n)).unwrap();
            let (seeker_ref, req) = line.into();
            match req.consent_scope.as_str() {
                "both" => scopes[0] += 1,
                "public_only" => scopes[1] += 1,
                _ => scopes[2] += 1,
            }
            kyushoku_service::ingest::prepare_seeker(&seeker_ref, req, today)
                .unwrap_or_else(|e| panic!("{n}: {e:?}"));
        }
        let share = |i: usize| scopes[i] as f64 / 5000.0;
        assert!((share(0) - 0.80).abs() < 0.02, "{scopes:?}");
        assert!((share(1) - 0.188).abs() < 0.02, "{scopes:?}");
        assert!((share(2) - 0.012).abs() < 0.006, "{scopes:?}");
    }

    #[test]
    fn generated_offers_pass_validation() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let mut g = OfferGenerator::new(3, today);
        for n in 0..2000 {
            let line = g.offer(n);
            let number = line["job_number"].as_str().unwrap().to_owned();
            let mut body = line.as_object().unwrap().clone();
            body.remove("job_number");
            let offer: kyushoku_domain::offer::JobOffer =
                serde_json::from_value(Value::Object(body)).unwrap();
            kyushoku_service::ingest::prepare_offer(&number, offer, today)
                .unwrap_or_else(|e| panic!("{n}: {e:?}"));
        }
    }

    #[test]
    fn generated_applications_are_valid_and_80_percent_private() {
        use kyushoku_domain::organisation::{valid_licence_number, OrganisationKind, Sector};
        let reference = ReferenceData::shipped().unwrap();
        let mut g = OrganisationGenerator::new(5);
        let (mut private, mut emails) = (0, std::collections::HashSet::new());
        for n in 0..2000 {
            let a: kyushoku_api::routes::organisations::apply::Application =
                serde_json::from_value(g.application(n)).unwrap();
            let kind = OrganisationKind::parse(&a.kind).unwrap();
            if kind.sector() == Sector::Private {
                private += 1;
                assert!(valid_licence_number(
                    kind,
                    a.licence_number.as_deref().unwrap()
                ));
            }
            if let Some(m) = &a.municipality {
                let known = reference.municipalities.iter().find(|r| &r.code == m);
                assert_eq!(known.unwrap().prefecture_code, a.prefecture);
            }
            assert!(a.admin.password.len() >= 12);
            assert!(emails.insert(a.admin.email), "e-mails are unique");
        }
        assert!((private as f64 / 2000.0 - 0.80).abs() < 0.03, "{private}");
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let a = SeekerGenerator::new(1, today).seeker(0);
        let b = SeekerGenerator::new(1, today).seeker(0);
        assert_eq!(a, b);
    }
}
