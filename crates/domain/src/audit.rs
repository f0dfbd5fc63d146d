//! The closed sets of the audit trail (R9): what an event records, and in
//! what capacity its actor acted.

closed_set! {
    /// What an audit event records.
    pub enum AuditAction {
        /// An organisation searched seeker profiles (with the seekers shown).
        ProfileSearch = "profile_search",
        /// An organisation read one profile (with the seeker shown).
        ProfileRead = "profile_read",
        /// A message was sent, by an organisation or a seeker.
        MessageSent = "message_sent",
        /// An organisation searched job offers.
        OfferSearch = "offer_search",
        /// An organisation read one job offer (`target`: its job number).
        OfferRead = "offer_read",
        /// An organisation downloaded job offers in bulk.
        OfferExport = "offer_export",
        /// An organisation read its job-offer change feed (`detail`: from
        /// which change, to which, how many).
        OfferChanges = "offer_changes",
        /// An organisation applied to its labour bureau.
        OrganisationApplied = "organisation_applied",
        /// An application named an administrator e-mail already in use
        /// (the applicant is answered as if it were new).
        ApplicationEmailInUse = "application_email_in_use",
        /// The bureau approved, rejected, suspended, reinstated or revoked an
        /// organisation (`detail`: the decision and its reason).
        OrganisationDecision = "organisation_decision",
        /// An organisation's administrator added a staff user (`detail`:
        /// its role, and the co-applicant it belongs to if any).
        UserCreated = "user_created",
        /// An administrator tried to add a user with an e-mail in use.
        UserEmailInUse = "user_email_in_use",
        /// A user set their password with the code mailed to them.
        PasswordSet = "password_set",
        /// An organisation's administrator created an API client.
        ClientCreated = "client_created",
        /// An organisation's administrator deleted an API client.
        ClientDeleted = "client_deleted",
        /// A staff sign-in failed.
        LoginFailed = "login_failed",
        /// A staff sign-in's one-time code was wrong, or used before.
        SecondFactorFailed = "second_factor_failed",
        /// A staff user set up their one-time codes (TOTP).
        SecondFactorEnrolled = "second_factor_enrolled",
        /// An API client presented a wrong secret.
        ClientAuthFailed = "client_auth_failed",
        /// A used refresh token was presented again: its family was revoked.
        RefreshTokenReused = "refresh_token_reused",
        /// An access token was revoked (RFC 7009).
        AccessTokenRevoked = "access_token_revoked",
        /// A refresh token was revoked (RFC 7009).
        RefreshTokenRevoked = "refresh_token_revoked",
        /// A webhook was registered (`target`: its id; `detail`: its
        /// events).
        WebhookCreated = "webhook_created",
        /// A webhook's URL, events or state was changed (`detail`: what).
        WebhookChanged = "webhook_changed",
        /// A webhook was deleted.
        WebhookDeleted = "webhook_deleted",
        /// A webhook's secret was rotated.
        WebhookSecretRotated = "webhook_secret_rotated",
        /// A delivery was sent again, or a test event sent, on request.
        WebhookRedelivered = "webhook_redelivered",
        /// An organisation saved (drafted or corrected) a quarter's usage
        /// report (`target`: the quarter; `detail`: the figures).
        UsageReportSaved = "usage_report_saved",
        /// An organisation submitted a quarter's usage report.
        UsageReportSubmitted = "usage_report_submitted",
        /// The bureau sanctioned an organisation under the terms
        /// (`detail`: the ground, the quarter, the sanction, the reason).
        SanctionImposed = "sanction_imposed",
        /// An organisation stopped a service itself (利用停止; `detail`:
        /// the service, what it keeps, the reason).
        ServiceStopped = "service_stopped",
        /// An organisation asked its bureau to change its record
        /// (`detail`: the changes).
        ChangeRequested = "change_requested",
        /// The bureau approved or rejected a change request (`detail`: the
        /// decision and its reason).
        ChangeDecided = "change_decided",
        /// The bureau moved a seeker's complaint on (`detail`: the new
        /// status, the outcome, the bureau's note).
        ComplaintHandled = "complaint_handled",
        /// An organisation asked to renew its approval (更新; `detail`: the
        /// day it ends).
        RenewalRequested = "renewal_requested",
        /// The bureau approved or rejected a renewal (`detail`: the
        /// decision, the new end, the reason).
        RenewalDecided = "renewal_decided",
        /// An approval's period ended without a renewal (`detail`: the day
        /// it ended); written by the service itself.
        ApprovalLapsed = "approval_lapsed",
    }
}

closed_set! {
    /// In what capacity an event's actor acted: a role for an authenticated
    /// request, the kind of credential for a token's revocation, and
    /// `anonymous` where nobody was authenticated.
    pub enum ActorKind {
        /// Hello Work's own system.
        HwSystem = "hw_system",
        /// A labour bureau (労働局).
        Bureau = "bureau",
        /// An administrator of an organisation (user or API client).
        OrgAdmin = "org_admin",
        /// A staff member of an organisation (user or API client).
        OrgStaff = "org_staff",
        /// A job seeker on My Page.
        Seeker = "seeker",
        /// A staff user's credential.
        User = "user",
        /// An API client's credential.
        Client = "client",
        /// Nobody authenticated (a failed sign-in, an application).
        Anonymous = "anonymous",
        /// The service itself, on a date (an approval's lapse).
        Service = "service",
    }
}
