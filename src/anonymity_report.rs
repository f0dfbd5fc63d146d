//! `kyushoku anonymity-report`: what R14 does to a generated population,
//! measured (issue 35): per sector, the share of profiles shown with each
//! part generalised, the share withheld, the smallest group of profiles
//! shown alike (never under k), and what typical filtered searches still
//! find. The same rules as the service (`kyushoku_domain::anonymity`),
//! counted in memory over two passes of the seeded generator, so a
//! national population needs no database.

use std::collections::HashMap;

use kyushoku_domain::anonymity::{
    count, filter_levels, shown_level, Chain, Generalisation, LocationDetail, OccupationDetail,
    QualificationDetail, QuasiIdentifiers, Tally, CHAIN, K, LEVELS,
};
use kyushoku_domain::profile::Profile;
use kyushoku_domain::{ConsentScope, Sector};

use crate::generate::SeekerGenerator;

/// A filter kind a search may use on the key, and the value asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum FilterKind {
    Municipality,
    Prefecture,
    OccupationMinor,
    OccupationMiddle,
    OccupationMajor,
    Qualification,
}

impl FilterKind {
    const ALL: [FilterKind; 6] = [
        FilterKind::Municipality,
        FilterKind::Prefecture,
        FilterKind::OccupationMinor,
        FilterKind::OccupationMiddle,
        FilterKind::OccupationMajor,
        FilterKind::Qualification,
    ];

    fn label(self) -> &'static str {
        match self {
            FilterKind::Municipality => "municipality=",
            FilterKind::Prefecture => "prefecture=",
            FilterKind::OccupationMinor => "occupation= (minor group)",
            FilterKind::OccupationMiddle => "occupation= (middle group)",
            FilterKind::OccupationMajor => "occupation= (major group)",
            FilterKind::Qualification => "qualification=",
        }
    }

    /// The coarsest level at which a profile still answers this filter.
    fn level(self) -> usize {
        let code = |s: &str| kyushoku_domain::OccupationCode::parse(s).expect("a code");
        match self {
            FilterKind::Municipality => filter_levels::municipality(),
            FilterKind::Prefecture => filter_levels::prefecture(),
            FilterKind::OccupationMinor => filter_levels::occupation(&code("081-01")),
            FilterKind::OccupationMiddle => filter_levels::occupation(&code("081")),
            FilterKind::OccupationMajor => filter_levels::occupation(&code("08")),
            FilterKind::Qualification => filter_levels::qualification(),
        }
    }

    /// How many values of this kind the seeker answers to.
    fn values(self, qi: &QuasiIdentifiers) -> usize {
        let occ = |len: usize| {
            let mut v: Vec<&str> = qi
                .occupations
                .iter()
                .filter(|o| o.as_str().len() >= len)
                .map(|o| &o.as_str()[..len])
                .collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        match self {
            FilterKind::Municipality => qi.locations.iter().filter(|l| l.1.is_some()).count(),
            FilterKind::Prefecture => {
                let mut p: Vec<&str> = qi.locations.iter().map(|l| l.0.as_str()).collect();
                p.sort_unstable();
                p.dedup();
                p.len()
            }
            FilterKind::OccupationMinor => occ(6),
            FilterKind::OccupationMiddle => occ(3),
            FilterKind::OccupationMajor => occ(2),
            FilterKind::Qualification => qi.qualifications.len(),
        }
    }
}

#[derive(Default)]
struct SectorFigures {
    visible: u64,
    withheld: u64,
    at_level: [u64; LEVELS],
    locations_generalised: u64,
    occupations_generalised: u64,
    with_qualifications: u64,
    qualifications_generalised: u64,
    groups: HashMap<(usize, i64), u64>,
    before: HashMap<FilterKind, u64>,
    after: HashMap<FilterKind, u64>,
}

fn sectors(scope: ConsentScope) -> impl Iterator<Item = (usize, Sector)> {
    [Sector::Public, Sector::Private]
        .into_iter()
        .enumerate()
        .filter(move |(_, s)| scope.covers(*s))
}

fn population(count: u64, seed: u64) -> impl Iterator<Item = (ConsentScope, QuasiIdentifiers)> {
    let today = kyushoku_domain::calendar::today_in_japan();
    let mut g = SeekerGenerator::new(seed, today);
    (0..count).map(move |n| {
        let line = g.seeker(n);
        let scope = ConsentScope::parse(line["consent_scope"].as_str().unwrap_or("none"))
            .unwrap_or(ConsentScope::None);
        let profile: Profile =
            serde_json::from_value(line["profile"].clone()).expect("generated profiles parse");
        (scope, QuasiIdentifiers::of(&profile))
    })
}

/// The report, as Markdown.
pub fn report(count: u64, seed: u64, k: K) -> String {
    // Pass 1: the tallies, per sector.
    let mut tallies: [HashMap<i64, Tally>; 2] = [HashMap::new(), HashMap::new()];
    for (scope, qi) in population(count, seed) {
        let chain = qi.chain();
        for (i, _) in sectors(scope) {
            count_one(&mut tallies[i], &chain, k);
        }
    }
    // Pass 2: each seeker as shown.
    let mut figures: [SectorFigures; 2] = Default::default();
    for (scope, qi) in population(count, seed) {
        let chain = qi.chain();
        for (i, _) in sectors(scope) {
            let f = &mut figures[i];
            f.visible += 1;
            for kind in FilterKind::ALL {
                *f.before.entry(kind).or_default() += kind.values(&qi) as u64;
            }
            let residual = |c: i64| tallies[i].get(&c).map_or(0, |t| t.residual);
            let Some(level) = shown_level(residual, &chain, k) else {
                f.withheld += 1;
                continue;
            };
            f.at_level[level] += 1;
            *f.groups.entry((level, chain.0[level])).or_default() += 1;
            let g = Generalisation::at(level, k);
            let has_municipality = qi.locations.iter().any(|l| l.1.is_some());
            if g.work_locations != LocationDetail::AsGiven && has_municipality
                || g.work_locations >= LocationDetail::Region
            {
                f.locations_generalised += 1;
            }
            if g.desired_occupations != OccupationDetail::AsGiven {
                f.occupations_generalised += 1;
            }
            if !qi.qualifications.is_empty() {
                f.with_qualifications += 1;
                if g.qualifications != QualificationDetail::Name {
                    f.qualifications_generalised += 1;
                }
            }
            for kind in FilterKind::ALL {
                if level <= kind.level() {
                    *f.after.entry(kind).or_default() += kind.values(&qi) as u64;
                }
            }
        }
    }
    let pct = |a: u64, b: u64| {
        if b == 0 {
            "–".to_owned()
        } else {
            format!("{:.1} %", 100.0 * a as f64 / b as f64)
        }
    };
    let mut out = format!(
        "Population: {count} generated seekers (seed {seed}), k = {}.\n\n",
        k.get()
    );
    out.push_str(
        "| | municipalities (public sector) | private agencies (private sector) |\n|---|---|---|\n",
    );
    let row = |out: &mut String, name: &str, f: &dyn Fn(&SectorFigures) -> String| {
        out.push_str(&format!(
            "| {name} | {} | {} |\n",
            f(&figures[0]),
            f(&figures[1])
        ));
    };
    row(&mut out, "seekers visible to the sector", &|f| {
        f.visible.to_string()
    });
    row(
        &mut out,
        "withheld (too rare even fully generalised)",
        &|f| pct(f.withheld, f.visible),
    );
    row(&mut out, "work locations generalised", &|f| {
        pct(f.locations_generalised, f.visible)
    });
    row(&mut out, "desired occupations generalised", &|f| {
        pct(f.occupations_generalised, f.visible)
    });
    row(
        &mut out,
        "qualifications generalised (of those holding any)",
        &|f| pct(f.qualifications_generalised, f.with_qualifications),
    );
    for (level, d) in CHAIN.iter().enumerate() {
        let name = format!(
            "shown at level {level} ({:?} / {:?} / {:?})",
            d.work_locations, d.desired_occupations, d.qualifications
        );
        row(&mut out, &name, &|f| pct(f.at_level[level], f.visible));
    }
    row(&mut out, "smallest group shown alike", &|f| {
        f.groups
            .values()
            .min()
            .map_or("–".to_owned(), |n| n.to_string())
    });
    out.push_str("\nWhat a filter still finds (matches after ÷ matches on the values as given):\n\n| filter | municipalities | private agencies |\n|---|---|---|\n");
    for kind in FilterKind::ALL {
        row(&mut out, kind.label(), &|f| {
            pct(
                f.after.get(&kind).copied().unwrap_or(0),
                f.before.get(&kind).copied().unwrap_or(0),
            )
        });
    }
    out
}

fn count_one(tallies: &mut HashMap<i64, Tally>, chain: &Chain, k: K) {
    count(tallies, chain, 1, k);
}
