//! What the service tells a person by e-mail, and only by e-mail: things
//! the caller of an operation must not learn (issue 30, point 9). An
//! application, or an administrator adding a user, is answered the same
//! whether or not the address already has an account; the address is told
//! which it was. [`Letter::compose`] writes each letter, Japanese first.

closed_set! {
    /// Which letter a mail is.
    pub enum MailKind {
        /// To an application's administrator address: received, and what
        /// happens next.
        ApplicationReceived = "application_received",
        /// To the owner of an address an application named, which already
        /// has an account: nothing was created.
        ApplicationAddressInUse = "application_address_in_use",
        /// To a user an administrator added: how to set a password.
        Invitation = "invitation",
        /// To the owner of an address an administrator tried to add, which
        /// already has an account: nothing changed.
        InvitationAddressInUse = "invitation_address_in_use",
        /// To an organisation's administrators (or a bureau's officers):
        /// one of their webhook endpoints was turned off.
        WebhookDisabled = "webhook_disabled",
    }
}

closed_set! {
    /// What a one-use token sent by mail is for.
    pub enum TokenPurpose {
        /// A new user sets their own password (the administrator who added
        /// them never knows it).
        PasswordSetup = "password_setup",
    }
}

/// How long a password-setup token lasts, in hours.
pub const PASSWORD_SETUP_HOURS: i64 = 72;

/// A letter with what it needs to say. The letters about an application
/// do not repeat what the applicant wrote (its name is anyone's text, and
/// the address may not be the applicant's): only approved organisations
/// are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Letter {
    ApplicationReceived,
    ApplicationAddressInUse,
    Invitation {
        organisation: String,
        /// The one-use token, and where to present it.
        token: String,
        setup_url: String,
    },
    InvitationAddressInUse {
        organisation: String,
    },
    /// An endpoint was turned off: it answered 410 Gone (`gone`), or failed
    /// for five days. Names the endpoint by its id and host only (a path
    /// may carry the receiver's own token).
    WebhookDisabled {
        webhook_id: String,
        host: String,
        gone: bool,
    },
}

impl Letter {
    pub fn kind(&self) -> MailKind {
        match self {
            Letter::ApplicationReceived => MailKind::ApplicationReceived,
            Letter::ApplicationAddressInUse => MailKind::ApplicationAddressInUse,
            Letter::Invitation { .. } => MailKind::Invitation,
            Letter::InvitationAddressInUse { .. } => MailKind::InvitationAddressInUse,
            Letter::WebhookDisabled { .. } => MailKind::WebhookDisabled,
        }
    }

    /// The subject and the plain-text body.
    pub fn compose(&self) -> (String, String) {
        const FOOTER: &str = "\n--\n求人・求職情報提供サービス (kyushoku)\n\
            このメールは送信専用です。 This address does not receive replies.\n";
        match self {
            Letter::ApplicationReceived => (
                "【求人・求職情報提供サービス】利用申請を受け付けました / Application received".into(),
                format!(
                    "このメールアドレスを管理者とする利用申請を受け付けました。\n\
                     所在地の都道府県労働局が審査し、承認されると、このアドレスと申請時の\n\
                     パスワードでサインインできるようになります。\n\
                     お心当たりがない場合は、このメールを破棄してください。\n\n\
                     An application naming this address as its administrator was received.\n\
                     The labour bureau of its prefecture will decide; once approved, you can sign in with this\n\
                     address and the password given in the application. If you did not\n\
                     apply, ignore this mail.\n{FOOTER}"
                ),
            ),
            Letter::ApplicationAddressInUse => (
                "【求人・求職情報提供サービス】このアドレスでの利用申請について / An application named your address".into(),
                format!(
                    "利用申請に、このメールアドレスが管理者として記載されました。\n\
                     このアドレスには既にアカウントがあるため、申請は作成されていません。\n\
                     ご自身の申請であれば、既存のアカウントでサインインしてください。\n\
                     お心当たりがない場合、対応は不要です(パスワードは変更されていません)。\n\n\
                     An application named this address as its administrator. The address already has an account, so nothing was\n\
                     created. If it was you, sign in with your account; if not, there is\n\
                     nothing to do (your password is unchanged).\n{FOOTER}"
                ),
            ),
            Letter::Invitation {
                organisation,
                token,
                setup_url,
            } => (
                "【求人・求職情報提供サービス】アカウントのパスワード設定 / Set your password".into(),
                format!(
                    "「{organisation}」の管理者が、このアドレスのアカウントを作成しました。\n\
                     {PASSWORD_SETUP_HOURS}時間以内に、次の設定コードでパスワードを設定してください。\n\
                     (管理者はパスワードを知りません。)\n\n\
                     設定コード / setup code: {token}\n\
                     設定先 / where: {setup_url}\n\n\
                     An administrator of \"{organisation}\" created an account for this\n\
                     address. Set your own password with the code above within\n\
                     {PASSWORD_SETUP_HOURS} hours (the administrator never knows it). If you\n\
                     did not expect this, ignore this mail.\n{FOOTER}"
                ),
            ),
            Letter::InvitationAddressInUse { organisation } => (
                "【求人・求職情報提供サービス】アカウント追加の試みについて / Someone tried to add your address".into(),
                format!(
                    "「{organisation}」の管理者が、このメールアドレスをユーザーとして追加しようとしました。\n\
                     このアドレスには既にアカウントがあるため、何も変更されていません。\n\n\
                     An administrator of \"{organisation}\" tried to add this address as a\n\
                     user. The address already has an account, so nothing changed.\n{FOOTER}"
                ),
            ),
            Letter::WebhookDisabled {
                webhook_id,
                host,
                gone,
            } => {
                let (why_ja, why_en) = if *gone {
                    (
                        "受信側が 410 Gone(廃止)と応答したため",
                        "it answered 410 Gone",
                    )
                } else {
                    (
                        "5日間、配信がすべて失敗したため",
                        "every delivery to it failed for five days",
                    )
                };
                (
                    "【求人・求職情報提供サービス】Webhook の送信先を停止しました / A webhook endpoint was turned off".into(),
                    format!(
                        "Webhook {webhook_id}(送信先 {host})は、{why_ja}停止しました。\n\
                         未配信のイベントは保持されています。送信先を直したうえで有効にすると配信を再開します。\n\n\
                         The webhook {webhook_id} (endpoint {host}) was turned off because {why_en}.\n\
                         Undelivered events are kept: fix the endpoint and enable it again to resume.\n{FOOTER}"
                    ),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_name_only_approved_organisations_and_only_the_invitation_carries_a_token() {
        let org = "株式会社みらい人材".to_owned();
        let letters = [
            Letter::ApplicationReceived,
            Letter::ApplicationAddressInUse,
            Letter::Invitation {
                organisation: org.clone(),
                token: "tok_123".into(),
                setup_url: "https://example.jp/v1/auth/password-setup".into(),
            },
            Letter::InvitationAddressInUse {
                organisation: org.clone(),
            },
            Letter::WebhookDisabled {
                webhook_id: "wh_1".into(),
                host: "hooks.example.jp".into(),
                gone: true,
            },
        ];
        let kinds: Vec<_> = letters.iter().map(Letter::kind).collect();
        assert_eq!(kinds, MailKind::ALL);
        for letter in &letters {
            let (subject, body) = letter.compose();
            assert!(subject.starts_with("【求人・求職情報提供サービス】"));
            assert!(!subject.contains('\n'));
            let about_an_application = matches!(
                letter,
                Letter::ApplicationReceived
                    | Letter::ApplicationAddressInUse
                    | Letter::WebhookDisabled { .. }
            );
            assert_eq!(
                body.contains(&org),
                !about_an_application,
                "{:?}",
                letter.kind()
            );
            assert_eq!(
                body.contains("tok_123"),
                letter.kind() == MailKind::Invitation
            );
        }
    }
}
