//! R1 in SQL: who may see whom, as typed diesel expressions that every
//! search, read, list and export of the store filters with, so pages stay
//! full and counts never leak.
//!
//! - [`scope_covers_sector`]: a seeker's consent scope (or an employer's
//!   disclosure scope) covers the sector of the `organisations` row of the
//!   query. Must stay in step with `kyushoku_domain::ConsentScope::covers`.
//! - [`seeker_visible_to`]: R1 for a seeker's profile.
//! - [`offer_visible_to`]: R1 for a job offer.
//!
//! Each `EXISTS` selects one column (which one does not matter to it): the
//! statement is written, sent and parsed on every search and read, and the
//! organisation's sixteen columns made it half again as long. Equalities
//! rather than `eq_any`: on SQLite diesel does not keep a prepared statement
//! that holds an `IN (…)` list.

use chrono::NaiveDate;
use diesel::dsl;
use diesel::expression::{is_aggregate, AsExpression, Expression, MixedAggregates, ValidGrouping};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::literal::Active;
use crate::schema::{blocks, job_offers, organisations, seekers};

/// "`scope` says `word`", `scope` being a seeker's or an offer's scope column.
type Says<S> = dsl::Eq<S, &'static str>;
/// "The organisation's sector is `sector` and `scope` takes it in."
/// "`scope` says one of two words."
type ScopeTakesIn<S> = dsl::Or<Says<S>, Says<S>>;
type SectorTakenIn<S> = dsl::And<dsl::Eq<organisations::sector, &'static str>, ScopeTakesIn<S>>;
/// What [`scope_covers_sector`] is.
pub(crate) type ScopeCoversSector<S> = dsl::Or<SectorTakenIn<S>, SectorTakenIn<S>>;

/// The scope × sector part of R1: `scope` (a column of scopes: `both`,
/// `public_only`, `private_only`, `none`) covers the sector of the
/// `organisations` row in the query.
pub(crate) fn scope_covers_sector<S>(scope: S) -> ScopeCoversSector<S>
where
    S: Expression<SqlType = Text> + Copy,
{
    organisations::sector
        .eq("public")
        .and(scope.eq("both").or(scope.eq("public_only")))
        .or(organisations::sector
            .eq("private")
            .and(scope.eq("both").or(scope.eq("private_only"))))
}

/// "The organisation `O` is approved with `seeker_info`, in a sector the
/// seeker's scope covers."
type GrantsSeekerInfo<O> = dsl::exists<
    dsl::Filter<
        dsl::Filter<
            dsl::Filter<
                dsl::Filter<
                    dsl::Select<organisations::table, organisations::id>,
                    dsl::Eq<organisations::id, O>,
                >,
                dsl::Eq<organisations::status, &'static str>,
            >,
            dsl::Eq<organisations::seeker_info, bool>,
        >,
        ScopeCoversSector<seekers::consent_scope>,
    >,
>;
/// "The seeker refused (受信拒否) the organisation `O`."
type Refused<O> = dsl::exists<
    dsl::Filter<
        dsl::Filter<
            dsl::Select<blocks::table, blocks::seeker_id>,
            dsl::Eq<blocks::seeker_id, seekers::id>,
        >,
        dsl::Eq<blocks::organisation_id, O>,
    >,
>;
/// What [`seeker_visible_to`] is.
pub(crate) type SeekerVisibleTo<O> = dsl::And<
    dsl::And<
        dsl::And<dsl::Eq<seekers::status, Active>, dsl::GtEq<seekers::valid_until, NaiveDate>>,
        GrantsSeekerInfo<O>,
    >,
    dsl::not<Refused<O>>,
>;

/// R1 (DESIGN.md): the `seekers` row of the query may be seen by the
/// organisation `organisation` on `today`. The organisation is approved
/// with `seeker_info`; the seeker is active and within `valid_until`; the
/// seeker's consent scope covers the organisation's sector; the seeker has
/// not refused it. `organisation` is an id, or a column of the query (a
/// list of threads joins each thread's seeker through it).
pub(crate) fn seeker_visible_to<O>(organisation: O, today: NaiveDate) -> SeekerVisibleTo<O>
where
    O: AsExpression<BigInt> + Copy,
    O::Expression: Expression<SqlType = BigInt> + ValidGrouping<()>,
    is_aggregate::No: MixedAggregates<
        <O::Expression as ValidGrouping<()>>::IsAggregate,
        Output = is_aggregate::No,
    >,
{
    seekers::status
        .eq(Active)
        .and(seekers::valid_until.ge(today))
        .and(dsl::exists(
            organisations::table
                .select(organisations::id)
                .filter(organisations::id.eq(organisation))
                .filter(organisations::status.eq("approved"))
                .filter(organisations::seeker_info.eq(true))
                .filter(scope_covers_sector(seekers::consent_scope)),
        ))
        .and(dsl::not(dsl::exists(
            blocks::table
                .select(blocks::seeker_id)
                .filter(blocks::seeker_id.eq(seekers::id))
                .filter(blocks::organisation_id.eq(organisation)),
        )))
}

/// "The organisation `O` is approved with `job_offers`, in a sector the
/// employer's scope covers."
type GrantsJobOffers<O> = dsl::exists<
    dsl::Filter<
        dsl::Filter<
            dsl::Filter<
                dsl::Filter<
                    dsl::Select<organisations::table, organisations::id>,
                    dsl::Eq<organisations::id, O>,
                >,
                dsl::Eq<organisations::status, &'static str>,
            >,
            dsl::Eq<organisations::job_offers, bool>,
        >,
        ScopeCoversSector<job_offers::scope>,
    >,
>;
/// What [`offer_visible_to`] is.
pub(crate) type OfferVisibleTo<O> = dsl::And<
    dsl::And<dsl::Eq<job_offers::status, Active>, dsl::GtEq<job_offers::valid_through, NaiveDate>>,
    GrantsJobOffers<O>,
>;

/// R1 for offers: the `job_offers` row of the query is live (active, within
/// `valid_through` on `today`), and the organisation `organisation` is
/// approved with `job_offers` in a sector the employer's scope covers.
pub(crate) fn offer_visible_to<O>(organisation: O, today: NaiveDate) -> OfferVisibleTo<O>
where
    O: AsExpression<BigInt> + Copy,
    O::Expression: Expression<SqlType = BigInt> + ValidGrouping<()>,
    is_aggregate::No: MixedAggregates<
        <O::Expression as ValidGrouping<()>>::IsAggregate,
        Output = is_aggregate::No,
    >,
{
    job_offers::status
        .eq(Active)
        .and(job_offers::valid_through.ge(today))
        .and(dsl::exists(
            organisations::table
                .select(organisations::id)
                .filter(organisations::id.eq(organisation))
                .filter(organisations::status.eq("approved"))
                .filter(organisations::job_offers.eq(true))
                .filter(scope_covers_sector(job_offers::scope)),
        ))
}
