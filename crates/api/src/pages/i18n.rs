//! The pages' one message catalogue: every word a page shows, in Japanese
//! (first) and English. A template reads `t.<name>`; a missing entry is a
//! compile error, not a blank on a page.

use actix_web::http::header;
use actix_web::HttpRequest;

/// The language a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

/// The cookie the language switch sets.
pub const LANG_COOKIE: &str = "kyushoku_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (the switch's target).
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    pub fn text(self) -> &'static Text {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// The switch's cookie if set, else the first of Japanese and English
    /// that `Accept-Language` prefers, else Japanese.
    pub fn of(req: &HttpRequest) -> Lang {
        if let Some(lang) = super::cookie(req, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(preferred)
            .unwrap_or(Lang::Ja)
    }
}

/// Japanese or English, whichever an `Accept-Language` value ranks higher
/// (Japanese on a tie or when it names neither).
fn preferred(accept: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or(Lang::Ja)
}

/// A profile field's name (the keys of `Profile`), in `lang`.
pub fn profile_label(lang: Lang, key: &str) -> &'static str {
    let ja = lang == Lang::Ja;
    match key {
        "desired_occupations" => {
            if ja {
                "希望職種"
            } else {
                "Desired occupations"
            }
        }
        "employment_types" => {
            if ja {
                "希望する就業形態"
            } else {
                "Employment types"
            }
        }
        "work_locations" => {
            if ja {
                "希望勤務地"
            } else {
                "Work locations"
            }
        }
        "desired_wage" => {
            if ja {
                "希望賃金"
            } else {
                "Desired wage"
            }
        }
        "working_hours" => {
            if ja {
                "希望する勤務時間・日数"
            } else {
                "Working hours and days"
            }
        }
        "earliest_start" => {
            if ja {
                "就業可能日"
            } else {
                "Earliest start"
            }
        }
        "qualifications" => {
            if ja {
                "資格・免許"
            } else {
                "Qualifications"
            }
        }
        "experience" => {
            if ja {
                "経験"
            } else {
                "Experience"
            }
        }
        "work_history" => {
            if ja {
                "職歴"
            } else {
                "Work history"
            }
        }
        "education_level" => {
            if ja {
                "学歴"
            } else {
                "Education"
            }
        }
        "pc_skills" => {
            if ja {
                "パソコンスキル"
            } else {
                "PC skills"
            }
        }
        "language_skills" => {
            if ja {
                "語学"
            } else {
                "Languages"
            }
        }
        "self_pr" => {
            if ja {
                "自己PR"
            } else {
                "Self-PR"
            }
        }
        _ => {
            if ja {
                "その他"
            } else {
                "Other"
            }
        }
    }
}

/// Every word of the pages, in one language.
#[derive(Debug)]
pub struct Text {
    pub service: &'static str,
    pub skip_to_content: &'static str,
    pub other_language: &'static str,
    pub my_page: &'static str,
    pub inbox: &'static str,
    pub refusals: &'static str,
    pub consent: &'static str,
    pub profile_as_seen: &'static str,
    pub views: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_lead: &'static str,
    pub sign_in_button: &'static str,
    pub link_unusable_title: &'static str,
    pub link_unusable: &'static str,
    pub signed_out_title: &'static str,
    pub signed_out: &'static str,
    pub welcome_title: &'static str,
    pub welcome: &'static str,
    pub inbox_empty: &'static str,
    pub unread: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub updated: &'static str,
    pub new_messages: &'static str,
    pub reload: &'static str,
    pub kind_public: &'static str,
    pub kind_paid: &'static str,
    pub kind_free: &'static str,
    pub kind_school: &'static str,
    pub kind_special: &'static str,
    pub licence: &'static str,
    pub location: &'static str,
    pub from_organisation: &'static str,
    pub from_you: &'static str,
    pub guidance: &'static str,
    pub answer: &'static str,
    pub your_message: &'static str,
    pub send: &'static str,
    pub message_rules: &'static str,
    pub closed_by_refusal: &'static str,
    pub closed_otherwise: &'static str,
    pub undo_refusal: &'static str,
    pub refuse_this: &'static str,
    pub refuse_this_hint: &'static str,
    pub report: &'static str,
    pub report_reason: &'static str,
    pub report_send: &'static str,
    pub report_filed: &'static str,
    pub sent: &'static str,
    pub warn_title: &'static str,
    pub warn_lead: &'static str,
    pub warn_kinds: &'static str,
    pub warn_phone: &'static str,
    pub warn_email: &'static str,
    pub warn_url: &'static str,
    pub warn_postal: &'static str,
    pub warn_number: &'static str,
    pub warn_name: &'static str,
    pub warn_address: &'static str,
    pub warn_birth: &'static str,
    pub warn_handle: &'static str,
    pub warn_send_anyway: &'static str,
    pub warn_edit: &'static str,
    pub refusals_lead: &'static str,
    pub refused_none: &'static str,
    pub refused_since: &'static str,
    pub guidance_title: &'static str,
    pub guidance_on: &'static str,
    pub guidance_off: &'static str,
    pub guidance_refuse: &'static str,
    pub guidance_accept: &'static str,
    pub consent_lead: &'static str,
    pub consent_current: &'static str,
    pub scope_both: &'static str,
    pub scope_both_hint: &'static str,
    pub scope_public_only: &'static str,
    pub scope_public_only_hint: &'static str,
    pub scope_private_only: &'static str,
    pub scope_private_only_hint: &'static str,
    pub scope_none: &'static str,
    pub scope_none_hint: &'static str,
    pub consent_change: &'static str,
    pub consent_history: &'static str,
    pub consent_when: &'static str,
    pub consent_channel: &'static str,
    pub consent_from: &'static str,
    pub consent_to: &'static str,
    pub channel_counter: &'static str,
    pub channel_my_page: &'static str,
    pub registration_first: &'static str,
    pub profile_lead: &'static str,
    pub profile_none: &'static str,
    pub views_lead: &'static str,
    pub views_none: &'static str,
    pub viewed_at: &'static str,
    pub organisation: &'static str,
    pub saved: &'static str,
    pub error_title: &'static str,
    pub not_found: &'static str,
    pub try_again: &'static str,
    pub form_expired: &'static str,
    pub back_to_inbox: &'static str,
    pub older: &'static str,
    pub offers_title: &'static str,
    pub offers_lead: &'static str,
    pub organisation_id: &'static str,
    pub organisation_id_hint: &'static str,
    pub keyword: &'static str,
    pub prefecture: &'static str,
    pub occupation_code: &'static str,
    pub employment_type: &'static str,
    pub wage_min: &'static str,
    pub any: &'static str,
    pub search: &'static str,
    pub offers_of: &'static str,
    pub offers_none: &'static str,
    pub offers_more: &'static str,
    pub offers_unknown: &'static str,
    pub offers_invalid: &'static str,
    pub job_number: &'static str,
    pub valid_through: &'static str,
    /// The staff pages' words.
    pub staff: &'static StaffText,
    /// The bureau's console's words.
    pub bureau: &'static BureauText,
}

pub static JA: Text = Text {
    service: "求人・求職情報提供サービス",
    skip_to_content: "本文へ移動",
    other_language: "English",
    my_page: "マイページ",
    inbox: "メッセージ",
    refusals: "受信拒否",
    consent: "情報の提供先",
    profile_as_seen: "提供されている情報",
    views: "閲覧した団体",
    sign_out: "ログアウト",
    sign_out_everywhere: "すべての端末からログアウト",
    sign_in_title: "マイページにログイン",
    sign_in_lead: "ハローワークから届いたリンクです。下のボタンを押すとマイページが開きます。リンクは一度だけ、5分以内に使えます。",
    sign_in_button: "マイページを開く",
    link_unusable_title: "このリンクは使えません",
    link_unusable: "リンクの有効期限（5分）が過ぎたか、すでに使われています。ハローワークで新しいリンクを受け取ってください。",
    signed_out_title: "ログアウトしました",
    signed_out: "マイページを開くには、ハローワークから新しいリンクを受け取ってください。",
    welcome_title: "マイページ",
    welcome: "地方自治体や職業紹介事業者からの案内と、あなたの質問・回答です。あなたの氏名や連絡先は相手に伝わりません。",
    inbox_empty: "まだ案内は届いていません。",
    unread: "未読",
    open: "やりとり中",
    closed: "終了",
    updated: "更新",
    new_messages: "新しいメッセージが届きました。",
    reload: "再読み込み",
    kind_public: "地方自治体等",
    kind_paid: "職業紹介事業者（有料）",
    kind_free: "職業紹介事業者（無料）",
    kind_school: "学校等",
    kind_special: "特別の法人",
    licence: "許可・届出番号",
    location: "所在地",
    from_organisation: "団体から",
    from_you: "あなたから",
    guidance: "案内",
    answer: "回答",
    your_message: "質問・回答を書く",
    send: "送信する",
    message_rules: "1〜4,000文字。氏名・電話番号・住所などは書かないことをおすすめします。",
    closed_by_refusal: "この団体を受信拒否しているため、このやりとりは終了しています。受信拒否を取り消すと再開できます。",
    closed_otherwise: "このやりとりは終了しているため、送信できません（団体の利用停止、または情報の提供先の変更によるものです）。",
    undo_refusal: "受信拒否を取り消す",
    refuse_this: "この団体を受信拒否する",
    refuse_this_hint: "この団体はあなたの情報を見られなくなり、メッセージも届かなくなります。団体には通知されません。",
    report: "この団体を労働局に報告する",
    report_reason: "報告の内容",
    report_send: "報告する",
    report_filed: "報告を受け付けました。労働局が確認します。",
    sent: "送信しました。",
    warn_title: "個人を特定できる情報が含まれているようです",
    warn_lead: "このまま送ると、団体にあなたが誰か分かる可能性があります。送るかどうかはあなたが決められます。",
    warn_kinds: "見つかったもの",
    warn_phone: "電話番号",
    warn_email: "メールアドレス",
    warn_url: "URL",
    warn_postal: "郵便番号",
    warn_number: "個人番号などの番号",
    warn_name: "氏名",
    warn_address: "住所",
    warn_birth: "生年月日",
    warn_handle: "SNSのID",
    warn_send_anyway: "このまま送信する",
    warn_edit: "書き直す",
    refusals_lead: "受信拒否した団体は、あなたの情報を検索・閲覧できず、メッセージも送れません。団体には通知されません。",
    refused_none: "受信拒否している団体はありません。",
    refused_since: "受信拒否した日時",
    guidance_title: "新しい案内の受け取り",
    guidance_on: "新しい案内を受け取っています。",
    guidance_off: "すべての新しい案内を断っています（やりとり中のものは続きます）。",
    guidance_refuse: "すべての新しい案内を断る",
    guidance_accept: "新しい案内を受け取る",
    consent_lead: "あなたの情報（氏名・連絡先を除く）をどの団体に提供するかを選べます。変更はすぐに反映され、提供先でなくなった団体とのやりとりは終了します。",
    consent_current: "現在の提供先",
    scope_both: "地方自治体と職業紹介事業者の両方",
    scope_both_hint: "地方自治体等と、民間の職業紹介事業者の両方から案内を受けられます。",
    scope_public_only: "地方自治体等のみ",
    scope_public_only_hint: "市区町村などの地方自治体等だけがあなたの情報を見られます。",
    scope_private_only: "職業紹介事業者のみ",
    scope_private_only_hint: "民間の職業紹介事業者だけがあなたの情報を見られます。",
    scope_none: "提供しない",
    scope_none_hint: "どの団体もあなたの情報を見られません。案内も届きません。",
    consent_change: "提供先を変更する",
    consent_history: "変更の履歴",
    consent_when: "日時",
    consent_channel: "手続きした場所",
    consent_from: "変更前",
    consent_to: "変更後",
    channel_counter: "ハローワークの窓口",
    channel_my_page: "マイページ",
    registration_first: "（登録時）",
    profile_lead: "提供先の団体には、次の内容だけが見えます（氏名・連絡先などは自動的に伏せられています）。",
    profile_none: "提供されている情報はありません。",
    views_lead: "あなたの情報を開いて見た団体と日時です。",
    views_none: "まだどの団体も見ていません。",
    viewed_at: "日時",
    organisation: "団体",
    saved: "変更しました。",
    error_title: "エラー",
    not_found: "ページが見つかりません。",
    try_again: "しばらくしてからもう一度お試しください。",
    form_expired: "フォームの有効期限が切れました。もう一度お試しください。",
    back_to_inbox: "メッセージ一覧に戻る",
    older: "さらに前のメッセージ",
    offers_title: "求人を探す（利用団体IDで）",
    offers_lead: "地方自治体や職業紹介事業者から伝えられた利用団体IDを入力すると、その団体が紹介できる求人を探せます。ログインは不要です。",
    organisation_id: "利用団体ID",
    organisation_id_hint: "例: 0193a2b4-…（団体から伝えられたもの）",
    keyword: "キーワード",
    prefecture: "都道府県",
    occupation_code: "職業分類コード",
    employment_type: "就業形態",
    wage_min: "月給の下限（円）",
    any: "指定しない",
    search: "検索する",
    offers_of: "が紹介できる求人",
    offers_none: "条件に合う求人はありません。",
    offers_more: "さらに求人があります。条件を絞り込んでください。",
    offers_unknown: "この利用団体IDの団体は見つかりません。IDを確かめてください。",
    offers_invalid: "検索条件を確かめてください（キーワードは50文字まで、金額は数字）。",
    job_number: "求人番号",
    valid_through: "有効期限",
    staff: &STAFF_JA,
    bureau: &BUREAU_JA,
};

pub static EN: Text = Text {
    service: "Job-offer and job-seeker information service",
    skip_to_content: "Skip to content",
    other_language: "日本語",
    my_page: "My Page",
    inbox: "Messages",
    refusals: "Refusals",
    consent: "Who may see",
    profile_as_seen: "What organisations see",
    views: "Who viewed",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out everywhere",
    sign_in_title: "Sign in to My Page",
    sign_in_lead: "This is the link Hello Work gave you. Press the button to open your My Page. The link works once, within 5 minutes.",
    sign_in_button: "Open My Page",
    link_unusable_title: "This link cannot be used",
    link_unusable: "The link has expired (after 5 minutes) or was already used. Ask Hello Work for a new one.",
    signed_out_title: "Signed out",
    signed_out: "To open My Page again, ask Hello Work for a new link.",
    welcome_title: "My Page",
    welcome: "Guidance from municipalities and placement agencies, and your questions and answers. Your name and contact details are never passed on.",
    inbox_empty: "No guidance yet.",
    unread: "unread",
    open: "open",
    closed: "closed",
    updated: "updated",
    new_messages: "New messages arrived.",
    reload: "Reload",
    kind_public: "Municipality or public body",
    kind_paid: "Placement agency (fee-charging)",
    kind_free: "Placement agency (free)",
    kind_school: "School",
    kind_special: "Special corporation",
    licence: "Licence or notification number",
    location: "Located in",
    from_organisation: "From the organisation",
    from_you: "From you",
    guidance: "Guidance",
    answer: "Answer",
    your_message: "Write a question or answer",
    send: "Send",
    message_rules: "1 to 4,000 characters. We advise against writing your name, phone number or address.",
    closed_by_refusal: "You refused this organisation, so this conversation is closed. Undo the refusal to reopen it.",
    closed_otherwise: "This conversation is closed (the organisation was suspended, or you changed who may see your information).",
    undo_refusal: "Undo the refusal",
    refuse_this: "Refuse this organisation",
    refuse_this_hint: "It will no longer see your information or send you messages. It is not told.",
    report: "Report this organisation to the labour bureau",
    report_reason: "What happened",
    report_send: "Report",
    report_filed: "Your report was received. The labour bureau will look into it.",
    sent: "Sent.",
    warn_title: "Your message seems to contain personal details",
    warn_lead: "If you send it as it is, the organisation may learn who you are. It is your choice.",
    warn_kinds: "Found",
    warn_phone: "a phone number",
    warn_email: "an e-mail address",
    warn_url: "a URL",
    warn_postal: "a postal code",
    warn_number: "an identity number",
    warn_name: "a name",
    warn_address: "an address",
    warn_birth: "a date of birth",
    warn_handle: "a social-network ID",
    warn_send_anyway: "Send as it is",
    warn_edit: "Edit",
    refusals_lead: "Organisations you refuse can neither find nor read your information, nor write to you. They are not told.",
    refused_none: "You refuse no organisation.",
    refused_since: "Refused at",
    guidance_title: "New guidance",
    guidance_on: "You receive new guidance.",
    guidance_off: "You refuse all new guidance (open conversations go on).",
    guidance_refuse: "Refuse all new guidance",
    guidance_accept: "Receive new guidance",
    consent_lead: "Choose which organisations may see your information (never your name or contact details). A change applies at once; conversations with organisations no longer chosen close.",
    consent_current: "Now",
    scope_both: "Municipalities and placement agencies",
    scope_both_hint: "Both public bodies and private placement agencies may send you guidance.",
    scope_public_only: "Municipalities only",
    scope_public_only_hint: "Only municipalities and other public bodies may see your information.",
    scope_private_only: "Placement agencies only",
    scope_private_only_hint: "Only private placement agencies may see your information.",
    scope_none: "Nobody",
    scope_none_hint: "No organisation may see your information or send you guidance.",
    consent_change: "Change",
    consent_history: "History",
    consent_when: "When",
    consent_channel: "Where",
    consent_from: "Before",
    consent_to: "After",
    channel_counter: "At a Hello Work counter",
    channel_my_page: "My Page",
    registration_first: "(at registration)",
    profile_lead: "Organisations you chose see exactly this (names and contact details are masked).",
    profile_none: "No information is shared.",
    views_lead: "Organisations that opened your information, and when.",
    views_none: "No organisation has opened it yet.",
    viewed_at: "When",
    organisation: "Organisation",
    saved: "Saved.",
    error_title: "Error",
    not_found: "This page does not exist.",
    try_again: "Please try again in a moment.",
    form_expired: "The form expired. Please try again.",
    back_to_inbox: "Back to messages",
    older: "Older messages",
    offers_title: "Find job offers (by organisation ID)",
    offers_lead: "Enter the organisation ID a municipality or placement agency gave you to search the job offers it can present. No sign-in needed.",
    organisation_id: "Organisation ID",
    organisation_id_hint: "As the organisation gave it to you",
    keyword: "Keyword",
    prefecture: "Prefecture",
    occupation_code: "Occupation code",
    employment_type: "Employment type",
    wage_min: "Monthly wage at least (yen)",
    any: "Any",
    search: "Search",
    offers_of: "— offers it can present",
    offers_none: "No offer matches.",
    offers_more: "There are more offers: narrow the search.",
    offers_unknown: "No organisation has this ID. Please check it.",
    offers_invalid: "Please check the search (keyword up to 50 characters, amounts in digits).",
    job_number: "Job number",
    valid_through: "Valid through",
    staff: &STAFF_EN,
    bureau: &BUREAU_EN,
};

/// The words of the organisation staff's pages (the browser method).
#[derive(Debug)]
pub struct StaffText {
    /// the issuer an authenticator app shows
    pub issuer: &'static str,
    pub area: &'static str,
    pub home: &'static str,
    pub profiles_title: &'static str,
    pub threads_title: &'static str,
    pub offers_title: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_lead: &'static str,
    pub sign_in_hint: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub sign_in_wrong: &'static str,
    pub sign_in_wait: &'static str,
    pub signed_out: &'static str,
    pub code_title: &'static str,
    pub code_label: &'static str,
    pub code_lead: &'static str,
    pub code_wrong: &'static str,
    pub tries_left: &'static str,
    pub code_gone: &'static str,
    pub confirm: &'static str,
    pub start_again: &'static str,
    pub enrol_title: &'static str,
    pub enrol_lead: &'static str,
    pub enrol_key: &'static str,
    pub enrol_link: &'static str,
    pub enrol_hint: &'static str,
    pub organisation_id_share: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_pending: &'static str,
    pub status_approved: &'static str,
    pub status_rejected: &'static str,
    pub status_suspended: &'static str,
    pub status_revoked: &'static str,
    pub services: &'static str,
    pub service_seeker_info: &'static str,
    pub service_job_offers: &'static str,
    pub your_role: &'static str,
    pub role_admin: &'static str,
    pub role_staff: &'static str,
    pub guidance_left: &'static str,
    pub not_approved: &'static str,
    pub not_allowed: &'static str,
    pub keyword: &'static str,
    pub occupation: &'static str,
    pub prefecture: &'static str,
    pub municipality: &'static str,
    pub municipality_hint: &'static str,
    pub employment_type: &'static str,
    pub wage_kind: &'static str,
    pub wage_offered: &'static str,
    pub wage_hint: &'static str,
    pub qualification: &'static str,
    pub updated_since: &'static str,
    pub search_again: &'static str,
    pub check_fields: &'static str,
    pub results: &'static str,
    pub profiles_none: &'static str,
    pub seeker: &'static str,
    pub updated: &'static str,
    pub valid_until: &'static str,
    pub next_page: &'static str,
    pub back_to_search: &'static str,
    pub guidance_title: &'static str,
    pub guidance_rules: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
    pub send: &'static str,
    pub guidance_sent: &'static str,
    pub message_invalid: &'static str,
    pub awaits_seeker: &'static str,
    pub cap_reached: &'static str,
    pub guidance_refused: &'static str,
    pub thread_closed: &'static str,
    pub threads_none: &'static str,
    pub state: &'static str,
    pub state_to_answer: &'static str,
    pub state_waiting: &'static str,
    pub state_closed: &'static str,
    pub back_to_threads: &'static str,
    pub see_profile: &'static str,
    pub answer_title: &'static str,
    pub from_seeker: &'static str,
    pub our_guidance: &'static str,
    pub our_answer: &'static str,
    pub downloads: &'static str,
    pub downloads_hint: &'static str,
    pub csv_utf8: &'static str,
    pub csv_sjis: &'static str,
    pub back_to_offers: &'static str,
    pub employer: &'static str,
    pub workplace: &'static str,
    pub wage: &'static str,
    pub openings: &'static str,
    pub valid_through: &'static str,
    pub working_hours: &'static str,
    pub holidays: &'static str,
    pub duties: &'static str,
}

pub static STAFF_JA: StaffText = StaffText {
    issuer: "kyushoku",
    area: "利用団体の職員ページ",
    home: "ホーム",
    profiles_title: "求職情報を探す",
    threads_title: "やりとり",
    offers_title: "求人情報を探す",
    sign_in_title: "職員ログイン",
    sign_in_lead: "利用団体の職員として、メールアドレスとパスワードでログインします。",
    sign_in_hint: "管理者は、パスワードの次に認証アプリの6桁のコードを入力します。",
    email: "メールアドレス",
    password: "パスワード",
    sign_in: "ログイン",
    sign_in_wrong: "メールアドレスまたはパスワードが正しくありません。",
    sign_in_wait: "試行が多すぎます。しばらく待ってからもう一度お試しください。",
    signed_out: "職員ページを使うにはログインしてください。",
    code_title: "確認コードの入力",
    code_label: "6桁のコード",
    code_lead: "認証アプリに表示されている6桁の数字を入力してください。",
    code_wrong: "コードが正しくないか、すでに使われています。",
    tries_left: "残りの回数",
    code_gone: "ログインの手続きの有効期限が切れました。最初からやり直してください。",
    confirm: "確認する",
    start_again: "最初からやり直す",
    enrol_title: "2段階認証の設定",
    enrol_lead: "管理者は2段階認証が必要です。スマートフォンの認証アプリ（Google Authenticator、Microsoft Authenticator など）に次の設定キーを登録し、表示された6桁のコードを入力してください。",
    enrol_key: "設定キー",
    enrol_link: "この端末の認証アプリで開く",
    enrol_hint: "設定キーはこの画面でだけ表示されます。他の人に見せないでください。",
    organisation_id_share: "求職者にこのID（利用団体ID）を伝えると、求職者は次のページで貴団体が紹介できる求人を探せます。",
    kind: "種別",
    status: "状態",
    status_pending: "審査中",
    status_approved: "承認済み",
    status_rejected: "不承認",
    status_suspended: "利用停止中",
    status_revoked: "承認取消し",
    services: "利用できる情報",
    service_seeker_info: "求職情報",
    service_job_offers: "求人情報",
    your_role: "あなたの権限",
    role_admin: "管理者",
    role_staff: "職員",
    guidance_left: "本日送れる案内の残り",
    not_approved: "現在、求職情報・求人情報は利用できません。労働局にお問い合わせください。",
    not_allowed: "貴団体はこの情報を利用できません。",
    keyword: "キーワード",
    occupation: "職種",
    prefecture: "都道府県",
    municipality: "市区町村",
    municipality_hint: "都道府県を選んで検索すると、その市区町村を選べます。",
    employment_type: "就業形態",
    wage_kind: "賃金の種類",
    wage_offered: "提示できる賃金（円）",
    wage_hint: "希望賃金がこの額以下の人と、希望賃金を示していない人が表示されます。",
    qualification: "資格・免許",
    updated_since: "この日以降に更新",
    search_again: "検索条件",
    check_fields: "次の項目を確かめてください。",
    results: "検索結果",
    profiles_none: "条件に合う求職者はいません。",
    seeker: "求職者",
    updated: "更新日",
    valid_until: "有効期限",
    next_page: "次のページ",
    back_to_search: "検索に戻る",
    guidance_title: "案内を送る",
    guidance_rules: "最初の案内には件名が必要です。求職者が返信するまで、次のメッセージは送れません。氏名や連絡先は求職者が自ら伝えるまで分かりません。",
    subject: "件名",
    body: "本文",
    send: "送信する",
    guidance_sent: "送信しました。",
    message_invalid: "件名（最初の案内では必須、100文字まで）と本文（2,000文字まで）を確かめてください。",
    awaits_seeker: "求職者からの返信を待っています。返信があるまで次のメッセージは送れません。",
    cap_reached: "本日送れる案内の上限に達しました。明日（日本時間0時以降）に送ってください。",
    guidance_refused: "この求職者は現在、新しい案内を受け付けていません。",
    thread_closed: "このやりとりは終了しています。",
    threads_none: "まだやりとりはありません。",
    state: "状態",
    state_to_answer: "返信あり",
    state_waiting: "返信待ち",
    state_closed: "終了",
    back_to_threads: "やりとり一覧に戻る",
    see_profile: "求職情報を見る",
    answer_title: "返信する",
    from_seeker: "求職者から",
    our_guidance: "貴団体の案内",
    our_answer: "貴団体の返信",
    downloads: "一括ダウンロード",
    downloads_hint: "貴団体が閲覧できるすべての求人をダウンロードします（記録されます）。",
    csv_utf8: "CSV（UTF-8）",
    csv_sjis: "CSV（Shift_JIS、Excel向け）",
    back_to_offers: "求人検索に戻る",
    employer: "事業所",
    workplace: "就業場所",
    wage: "賃金",
    openings: "求人数",
    valid_through: "紹介期限",
    working_hours: "就業時間",
    holidays: "年間休日数",
    duties: "仕事の内容",
};

pub static STAFF_EN: StaffText = StaffText {
    issuer: "kyushoku",
    area: "Organisation staff",
    home: "Home",
    profiles_title: "Find job seekers",
    threads_title: "Threads",
    offers_title: "Find job offers",
    sign_in_title: "Staff sign-in",
    sign_in_lead: "Sign in as your organisation's staff with your e-mail address and password.",
    sign_in_hint: "Administrators then enter the six-digit code of their authenticator app.",
    email: "E-mail address",
    password: "Password",
    sign_in: "Sign in",
    sign_in_wrong: "The e-mail address or the password is wrong.",
    sign_in_wait: "Too many attempts. Please wait a while and try again.",
    signed_out: "Please sign in to use the staff pages.",
    code_title: "One-time code",
    code_label: "Six-digit code",
    code_lead: "Enter the six digits your authenticator app shows.",
    code_wrong: "The code is wrong or was used already.",
    tries_left: "Tries left",
    code_gone: "This sign-in has expired. Please start again.",
    confirm: "Confirm",
    start_again: "Start again",
    enrol_title: "Set up two-step sign-in",
    enrol_lead: "Administrators sign in in two steps. Add the setup key below to an authenticator app on your phone (Google Authenticator, Microsoft Authenticator…) and enter the six-digit code it shows.",
    enrol_key: "Setup key",
    enrol_link: "Open in an authenticator app on this device",
    enrol_hint: "The key is shown only here. Do not show it to anyone.",
    organisation_id_share: "Give seekers this ID (利用団体ID): with it they search the offers your organisation can present on this page:",
    kind: "Kind",
    status: "Status",
    status_pending: "Under review",
    status_approved: "Approved",
    status_rejected: "Refused",
    status_suspended: "Suspended",
    status_revoked: "Revoked",
    services: "Services",
    service_seeker_info: "Job-seeker information",
    service_job_offers: "Job-offer information",
    your_role: "Your role",
    role_admin: "Administrator",
    role_staff: "Staff",
    guidance_left: "First guidances left today",
    not_approved: "Your organisation cannot use job-seeker or job-offer information now. Please contact your labour bureau.",
    not_allowed: "Your organisation may not use this information.",
    keyword: "Keyword",
    occupation: "Occupation",
    prefecture: "Prefecture",
    municipality: "Municipality",
    municipality_hint: "Choose a prefecture and search: its municipalities then appear here.",
    employment_type: "Employment type",
    wage_kind: "Wage kind",
    wage_offered: "Wage you offer (yen)",
    wage_hint: "Shows seekers whose desired minimum is at most this, and those who named none.",
    qualification: "Qualification",
    updated_since: "Updated on or after",
    search_again: "The search",
    check_fields: "Please check:",
    results: "Results",
    profiles_none: "No seeker matches.",
    seeker: "Seeker",
    updated: "Updated",
    valid_until: "Valid until",
    next_page: "Next page",
    back_to_search: "Back to the search",
    guidance_title: "Send a guidance",
    guidance_rules: "A first guidance needs a subject. Until the seeker writes back, you cannot send another message. You learn a seeker's name or contact only if they tell you.",
    subject: "Subject",
    body: "Message",
    send: "Send",
    guidance_sent: "Sent.",
    message_invalid: "Please check the subject (needed for a first guidance, up to 100 characters) and the message (up to 2,000 characters).",
    awaits_seeker: "Waiting for the seeker: you can write again once they answer.",
    cap_reached: "Today's limit of first guidances is reached. Please send it tomorrow (after midnight, Japan time).",
    guidance_refused: "This seeker accepts no new guidance at the moment.",
    thread_closed: "This thread is closed.",
    threads_none: "No threads yet.",
    state: "State",
    state_to_answer: "To answer",
    state_waiting: "Waiting for the seeker",
    state_closed: "Closed",
    back_to_threads: "Back to the threads",
    see_profile: "See the profile",
    answer_title: "Answer",
    from_seeker: "From the seeker",
    our_guidance: "Your guidance",
    our_answer: "Your answer",
    downloads: "Download all",
    downloads_hint: "Downloads every offer your organisation may see (recorded).",
    csv_utf8: "CSV (UTF-8)",
    csv_sjis: "CSV (Shift_JIS, for Excel)",
    back_to_offers: "Back to the offer search",
    employer: "Employer",
    workplace: "Workplace",
    wage: "Wage",
    openings: "Openings",
    valid_through: "Valid through",
    working_hours: "Working hours",
    holidays: "Holidays a year",
    duties: "Duties",
};

/// The words of the labour bureau's console.
#[derive(Debug)]
pub struct BureauText {
    pub area: &'static str,
    pub home: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_lead: &'static str,
    pub sign_in_hint: &'static str,
    pub lead: &'static str,
    pub applications: &'static str,
    pub pending_count: &'static str,
    pub organisations: &'static str,
    pub none: &'static str,
    pub name: &'static str,
    pub applied_at: &'static str,
    pub back_to_list: &'static str,
    pub requested: &'static str,
    pub granted: &'static str,
    pub history: &'static str,
    pub history_elsewhere: &'static str,
    pub history_none: &'static str,
    pub applied: &'static str,
    pub decided: &'static str,
    pub decide: &'static str,
    pub decision: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub suspend: &'static str,
    pub reinstate: &'static str,
    pub revoke: &'static str,
    pub services_granted: &'static str,
    pub services_hint: &'static str,
    pub reason: &'static str,
    pub reason_hint: &'static str,
    pub record_decision: &'static str,
    pub decided_notice: &'static str,
    pub no_decision: &'static str,
    pub not_your_prefecture: &'static str,
    pub reason_invalid: &'static str,
    pub decision_invalid: &'static str,
    pub services_invalid: &'static str,
    pub decision_not_allowed: &'static str,
    pub audit: &'static str,
    pub audit_lead: &'static str,
    pub seeker_ref: &'static str,
    pub action: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub no_events: &'static str,
    pub when: &'static str,
    pub actor: &'static str,
    pub target: &'static str,
    pub seekers_shown: &'static str,
    pub statistics: &'static str,
    pub statistics_lead: &'static str,
    pub suppressed: &'static str,
    pub organisations_by_kind: &'static str,
    pub seekers_by_choice: &'static str,
    pub offers_by_scope: &'static str,
    pub hires_by_year: &'static str,
    pub hires_by_month: &'static str,
    pub messages: &'static str,
    pub count: &'static str,
    pub share: &'static str,
    pub total: &'static str,
    pub fiscal_year: &'static str,
    pub from_organisations: &'static str,
    pub from_seekers: &'static str,
    pub refusals: &'static str,
}

pub static BUREAU_JA: BureauText = BureauText {
    area: "労働局の管理画面",
    home: "ホーム",
    sign_in_title: "労働局職員ログイン",
    sign_in_lead: "労働局の職員として、メールアドレスとパスワード、認証アプリの確認コードでログインします。",
    sign_in_hint: "初めてのログインでは、認証アプリの設定を行います。",
    lead: "管轄する都道府県の利用団体の申請の審査、利用状況の記録の確認、統計の閲覧ができます。",
    applications: "申請",
    pending_count: "審査待ちの申請",
    organisations: "利用団体",
    none: "該当する利用団体はありません。",
    name: "名称",
    applied_at: "申請日時",
    back_to_list: "利用団体の一覧に戻る",
    requested: "申請したサービス",
    granted: "承認したサービス",
    history: "経過",
    history_elsewhere: "経過は、この団体の所在地を管轄する労働局が確認できます。",
    history_none: "記録はありません。",
    applied: "申請",
    decided: "決定",
    decide: "決定する",
    decision: "決定の内容",
    approve: "承認する",
    reject: "承認しない",
    suspend: "利用を停止する",
    reinstate: "利用停止を解除する",
    revoke: "承認を取り消す",
    services_granted: "承認するサービス（承認する場合）",
    services_hint: "選ばない場合は、申請したサービスを承認します。",
    reason: "理由",
    reason_hint: "団体に伝わり、記録に残ります（1,000文字まで）。",
    record_decision: "決定を記録する",
    decided_notice: "決定を記録しました。",
    no_decision: "現在の状態からできる決定はありません。",
    not_your_prefecture: "この団体の決定は、所在地を管轄する労働局が行います。",
    reason_invalid: "理由を入力してください（1,000文字まで、制御文字なし）。",
    decision_invalid: "決定の内容を選んでください。",
    services_invalid: "承認するサービスを確かめてください。",
    decision_not_allowed: "現在の状態ではこの決定はできません（他の職員が先に決定した可能性があります）。",
    audit: "記録の検索",
    audit_lead: "求職者の閲覧記録（誰がいつ見たか）や、利用団体の操作を検索します。管轄の都道府県の記録だけが対象です。",
    seeker_ref: "求職者の管理番号（ハローワーク）",
    action: "操作",
    from: "期間（から）",
    to: "期間（まで）",
    no_events: "該当する記録はありません。",
    when: "日時",
    actor: "操作した者",
    target: "対象",
    seekers_shown: "表示した求職者数",
    statistics: "統計",
    statistics_lead: "サービス全体の集計です。",
    suppressed: "1〜9件は個人の特定を防ぐため「—」と表示します",
    organisations_by_kind: "利用団体（種別・状態別）",
    seekers_by_choice: "求職者（提供先の選択別）",
    offers_by_scope: "求人（提供先別）",
    hires_by_year: "就職件数（年度・団体種別）",
    hires_by_month: "就職件数（月・団体種別、直近12か月）",
    messages: "メッセージ",
    count: "件数",
    share: "割合",
    total: "合計",
    fiscal_year: "年度",
    from_organisations: "利用団体から",
    from_seekers: "求職者から",
    refusals: "受信拒否",
};

pub static BUREAU_EN: BureauText = BureauText {
    area: "Labour bureau console",
    home: "Home",
    sign_in_title: "Labour bureau sign-in",
    sign_in_lead: "Sign in as a labour bureau officer with your e-mail address, password and the code of your authenticator app.",
    sign_in_hint: "At your first sign-in you set up your authenticator app.",
    lead: "Decide on the applications of your prefecture's organisations, search the audit trail and read the statistics.",
    applications: "Applications",
    pending_count: "Applications waiting for a decision",
    organisations: "Organisations",
    none: "No organisation in this state.",
    name: "Name",
    applied_at: "Applied",
    back_to_list: "Back to the organisations",
    requested: "Services requested",
    granted: "Services granted",
    history: "History",
    history_elsewhere: "The history is kept for the bureau of the organisation's prefecture.",
    history_none: "Nothing recorded.",
    applied: "Applied",
    decided: "Decision",
    decide: "Decide",
    decision: "Decision",
    approve: "Approve",
    reject: "Refuse",
    suspend: "Suspend",
    reinstate: "Reinstate",
    revoke: "Revoke",
    services_granted: "Services to grant (on approval)",
    services_hint: "If none is ticked, the services requested are granted.",
    reason: "Reason",
    reason_hint: "Told to the organisation and kept in the record (up to 1,000 characters).",
    record_decision: "Record the decision",
    decided_notice: "The decision is recorded.",
    no_decision: "No decision is possible from the current state.",
    not_your_prefecture: "Decisions on this organisation are its own prefecture's bureau's.",
    reason_invalid: "Please give a reason (up to 1,000 characters, no control characters).",
    decision_invalid: "Please choose a decision.",
    services_invalid: "Please check the services to grant.",
    decision_not_allowed: "This decision is not possible from the current state (another officer may have decided first).",
    audit: "Audit search",
    audit_lead: "Search who saw a seeker and when, or what an organisation did. Only your prefecture's records.",
    seeker_ref: "Seeker reference (Hello Work)",
    action: "Action",
    from: "From",
    to: "To",
    no_events: "No event matches.",
    when: "When",
    actor: "Actor",
    target: "Target",
    seekers_shown: "Seekers shown",
    statistics: "Statistics",
    statistics_lead: "Service-wide figures.",
    suppressed: "Counts from 1 to 9 are shown as “—” so that no one can be singled out",
    organisations_by_kind: "Organisations by kind and status",
    seekers_by_choice: "Seekers by consent choice",
    offers_by_scope: "Job offers by scope",
    hires_by_year: "Hires by fiscal year and organisation kind",
    hires_by_month: "Hires by month and organisation kind (last 12 months)",
    messages: "Messages",
    count: "Count",
    share: "Share",
    total: "Total",
    fiscal_year: "Fiscal year",
    from_organisations: "From organisations",
    from_seekers: "From seekers",
    refusals: "Refusals (受信拒否)",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_ja_and_en() {
        assert_eq!(preferred("en-US,en;q=0.9"), Lang::En);
        assert_eq!(preferred("ja,en;q=0.8"), Lang::Ja);
        assert_eq!(preferred("fr,en;q=0.5,ja;q=0.9"), Lang::Ja);
        assert_eq!(preferred("fr"), Lang::Ja);
        assert_eq!(preferred("en;q=0"), Lang::Ja);
        assert_eq!(preferred(""), Lang::Ja);
    }
}
