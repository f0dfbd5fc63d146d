//! The one diesel schema for both backends, written by hand in the types the
//! multi-connection supports (Text, BigInt, Integer, Bool, Timestamp, Date).
//! `diesel print-schema` differs per backend; keep this file in step with
//! both migration trees instead.

diesel::table! {
    prefectures (code) {
        code -> Text,
        lg_code -> Text,
        name -> Text,
        kana -> Text,
    }
}

diesel::table! {
    municipalities (code) {
        code -> Text,
        prefecture_code -> Text,
        name -> Text,
        kana -> Text,
    }
}

diesel::table! {
    occupation_groups (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::joinable!(municipalities -> prefectures (prefecture_code));

diesel::table! {
    organisations (id) {
        id -> BigInt,
        public_id -> Text,
        name -> Text,
        kind -> Text,
        prefecture -> Text,
        municipality -> Nullable<Text>,
        licence_number -> Nullable<Text>,
        requests_seeker_info -> Bool,
        requests_job_offers -> Bool,
        seeker_info -> Bool,
        job_offers -> Bool,
        sector -> Nullable<Text>,
        status -> Text,
        epoch -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        epoch -> BigInt,
        created_at -> Timestamp,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        /// The co-applicant the user belongs to (migration 000022).
        co_applicant_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    co_applicants (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        name -> Text,
        role -> Text,
        licence_number -> Nullable<Text>,
    }
}

diesel::joinable!(co_applicants -> organisations (organisation_id));

diesel::table! {
    change_requests (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        status -> Text,
        changes -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(change_requests -> organisations (organisation_id));

diesel::table! {
    api_clients (id) {
        id -> BigInt,
        client_id -> Text,
        secret_hash -> Text,
        kind -> Text,
        organisation_id -> Nullable<BigInt>,
        prefecture -> Nullable<Text>,
        role -> Nullable<Text>,
        name -> Text,
        epoch -> BigInt,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        family -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    signing_keys (kid) {
        kid -> Text,
        secret_key -> Text,
        public_key -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        request_id -> Nullable<Text>,
        actor_kind -> Text,
        actor_id -> Text,
        organisation_id -> Nullable<BigInt>,
        prefecture -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        detail -> Nullable<Text>,
        seeker_ids -> Nullable<Text>,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    deployment (id) {
        id -> Text,
        secret -> Nullable<Text>,
    }
}

diesel::table! {
    seekers (id) {
        id -> BigInt,
        seeker_ref -> Text,
        consent_scope -> Text,
        status -> Text,
        valid_until -> Date,
        receive_guidance -> Bool,
        profile -> Nullable<Text>,
        search_text -> Text,
        wage_kind -> Nullable<Text>,
        wage_min -> Nullable<BigInt>,
        filter_keys -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        purged_at -> Nullable<Timestamp>,
        epoch -> BigInt,
    }
}

diesel::table! {
    seeker_classes (seeker_id) {
        seeker_id -> BigInt,
        qi0 -> BigInt,
        qi1 -> BigInt,
        qi2 -> BigInt,
        qi3 -> BigInt,
        qi4 -> BigInt,
        qi5 -> BigInt,
        qi6 -> BigInt,
        qi7 -> BigInt,
        qi8 -> BigInt,
        counted -> Integer,
    }
}

diesel::table! {
    qi_pending (seeker_id) {
        seeker_id -> BigInt,
        qi0 -> BigInt,
        qi1 -> BigInt,
        qi2 -> BigInt,
        qi3 -> BigInt,
        qi4 -> BigInt,
        qi5 -> BigInt,
        qi6 -> BigInt,
        qi7 -> BigInt,
        qi8 -> BigInt,
        counted -> Integer,
    }
}

diesel::table! {
    qi_classes (sector, class_key) {
        sector -> Text,
        class_key -> BigInt,
        seekers -> BigInt,
        residual -> BigInt,
    }
}

diesel::table! {
    qi_scheme (id) {
        id -> Text,
        k -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    seeker_occupations (seeker_id, code) {
        seeker_id -> BigInt,
        code -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    seeker_prefectures (seeker_id, prefecture) {
        seeker_id -> BigInt,
        prefecture -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    seeker_municipalities (seeker_id, municipality) {
        seeker_id -> BigInt,
        municipality -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    text_fold (id) {
        id -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    seeker_locations (seeker_id, prefecture) {
        seeker_id -> BigInt,
        prefecture -> Text,
        municipality -> Nullable<Text>,
    }
}

diesel::table! {
    seeker_qualifications (seeker_id, value) {
        seeker_id -> BigInt,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consent_ledger (id) {
        id -> BigInt,
        seeker_id -> BigInt,
        at -> Timestamp,
        channel -> Text,
        old_scope -> Nullable<Text>,
        new_scope -> Text,
    }
}

diesel::table! {
    blocks (seeker_id, organisation_id) {
        seeker_id -> BigInt,
        organisation_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// SQLite only since migration 000012 (PostgreSQL indexes the events'
    /// `seeker_ids` instead).
    audit_seekers (seeker_id, event_id, at) {
        seeker_id -> BigInt,
        event_id -> BigInt,
        at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (principal, key) {
        principal -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(seeker_occupations -> seekers (seeker_id));
diesel::joinable!(seeker_classes -> seekers (seeker_id));
diesel::joinable!(seeker_locations -> seekers (seeker_id));
diesel::joinable!(seeker_prefectures -> seekers (seeker_id));
diesel::joinable!(seeker_municipalities -> seekers (seeker_id));
diesel::joinable!(seeker_qualifications -> seekers (seeker_id));
diesel::joinable!(consent_ledger -> seekers (seeker_id));
diesel::joinable!(blocks -> seekers (seeker_id));
diesel::joinable!(blocks -> organisations (organisation_id));

diesel::table! {
    threads (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        seeker_id -> BigInt,
        last_author -> Text,
        org_unread -> Integer,
        seeker_unread -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        public_id -> Text,
        thread_id -> BigInt,
        author -> Text,
        actor -> Nullable<Text>,
        kind -> Text,
        subject -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    guidance_counters (organisation_id, day) {
        organisation_id -> BigInt,
        day -> Date,
        sent -> Integer,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        public_id -> Text,
        thread_id -> BigInt,
        organisation_id -> BigInt,
        prefecture -> Text,
        reason -> Text,
        created_at -> Timestamp,
        /// The complaint case's status (migration 000021).
        status -> Text,
        outcome -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    eligibility (organisation_id) {
        organisation_id -> BigInt,
        placement -> Nullable<Text>,
        regular_placements -> Nullable<Integer>,
    }
}

diesel::joinable!(eligibility -> organisations (organisation_id));

diesel::table! {
    organisation_terms (organisation_id) {
        organisation_id -> BigInt,
        approved_on -> Date,
        /// The last day the approval is in force (migration 000023).
        approved_until -> Nullable<Date>,
    }
}

diesel::table! {
    renewals (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        status -> Text,
        ends_on -> Date,
        renewed_until -> Nullable<Date>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(renewals -> organisations (organisation_id));

diesel::table! {
    usage_reports (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        quarter -> Text,
        status -> Text,
        hires_from_offers -> Integer,
        hires_from_seekers -> Integer,
        referrals -> Text,
        revision -> Integer,
        submitted_at -> Nullable<Timestamp>,
        corrected_at -> Nullable<Timestamp>,
        found_false_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sanctions (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        ground -> Text,
        quarter -> Text,
        sanction -> Text,
        suspended_until -> Nullable<Date>,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(organisation_terms -> organisations (organisation_id));
diesel::joinable!(usage_reports -> organisations (organisation_id));
diesel::joinable!(sanctions -> organisations (organisation_id));

diesel::joinable!(threads -> organisations (organisation_id));
diesel::joinable!(threads -> seekers (seeker_id));
diesel::joinable!(messages -> threads (thread_id));
diesel::joinable!(reports -> threads (thread_id));

diesel::table! {
    job_offers (id) {
        id -> BigInt,
        job_number -> Text,
        scope -> Text,
        status -> Text,
        valid_through -> Date,
        occupation -> Text,
        occupation_major -> Text,
        employment_type -> Text,
        prefecture -> Text,
        municipality -> Nullable<Text>,
        wage_kind -> Text,
        wage_min -> BigInt,
        wage_max -> Nullable<BigInt>,
        content -> Text,
        search_text -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    offer_changes (seq) {
        seq -> BigInt,
        job_offer_id -> BigInt,
        at -> Timestamp,
        /// The offer's scope before this change while it was active, else
        /// NULL: whom it was shown to (migration 000013).
        prior_scope -> Nullable<Text>,
    }
}

diesel::joinable!(offer_changes -> job_offers (job_offer_id));

diesel::table! {
    hires (id) {
        id -> BigInt,
        public_id -> Text,
        organisation_id -> BigInt,
        job_offer_id -> Nullable<BigInt>,
        seeker_id -> Nullable<BigInt>,
        hired_on -> Date,
        employment_type -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(hires -> organisations (organisation_id));

diesel::table! {
    event_outbox (id) {
        id -> BigInt,
        topic -> Text,
        kind -> Text,
        data -> Text,
        created_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Nullable<Text>,
        subject -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        attempts -> Integer,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mail_tokens (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        purpose -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mail_tokens -> users (user_id));

diesel::table! {
    sign_in_links (token_hash) {
        token_hash -> Text,
        seeker_id -> BigInt,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        actor_kind -> Text,
        actor_id -> Text,
        claims -> Text,
        csrf -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    bureau_officers (id) {
        id -> BigInt,
        public_id -> Text,
        prefecture -> Text,
        email -> Text,
        password_hash -> Text,
        totp_secret -> Nullable<Text>,
        totp_last_step -> Nullable<BigInt>,
        epoch -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_steps (token_hash) {
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        officer_id -> Nullable<BigInt>,
        enrol_secret -> Nullable<Text>,
        failures -> Integer,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        public_id -> Text,
        owner -> Text,
        organisation_id -> Nullable<BigInt>,
        prefecture -> Nullable<Text>,
        url -> Text,
        events -> Text,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_until -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        public_id -> Text,
        webhook_id -> BigInt,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
        next_retry_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_marks (name) {
        name -> Text,
        seq -> BigInt,
    }
}

diesel::joinable!(webhooks -> organisations (organisation_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::joinable!(sign_in_links -> seekers (seeker_id));
diesel::joinable!(guidance_counters -> organisations (organisation_id));
// First guidances by organisation kind and day (the bureau's statistics).
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    organisations::kind,
    guidance_counters::day,
);
diesel::joinable!(sign_in_steps -> users (user_id));
diesel::joinable!(sign_in_steps -> bureau_officers (officer_id));

diesel::allow_tables_to_appear_in_same_query!(
    sign_in_links,
    mail_outbox,
    mail_tokens,
    hires,
    offer_changes,
    job_offers,
    threads,
    messages,
    guidance_counters,
    reports,
    prefectures,
    municipalities,
    occupation_groups,
    organisations,
    users,
    api_clients,
    refresh_tokens,
    signing_keys,
    audit_events,
    deployment,
    seekers,
    qi_classes,
    qi_pending,
    qi_scheme,
    seeker_classes,
    seeker_occupations,
    seeker_locations,
    seeker_prefectures,
    seeker_municipalities,
    seeker_qualifications,
    consent_ledger,
    blocks,
    audit_seekers,
    idempotency_keys,
    web_sessions,
    sign_in_steps,
    bureau_officers,
    webhooks,
    webhook_deliveries,
    webhook_attempts,
    webhook_marks,
    organisation_terms,
    renewals,
    eligibility,
    co_applicants,
    change_requests,
    usage_reports,
    sanctions,
);
