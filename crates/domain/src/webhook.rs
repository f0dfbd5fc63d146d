//! Webhooks as the Standard Webhooks specification (standardwebhooks.com)
//! has them, and the rules kyushoku puts around them: which events an owner
//! may hear ([`WebhookEvent::heard_by`]), how a message is signed
//! ([`sign`]), when an attempt is retried ([`retry_after`]) and what an
//! answer means ([`judge`]), when a failing endpoint is turned off
//! ([`failing_too_long`]), and which URLs and addresses may be called at
//! all ([`check_url`], [`Networks::permits`]: no request forgery against
//! the deployment's own network).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

closed_set! {
    /// What a webhook tells of. Events are thin: ids and states, never
    /// personal data; the receiver reads the rest through the API, which
    /// checks visibility again.
    pub enum WebhookEvent {
        /// A seeker answered or asked in one of the organisation's threads.
        MessageReceived = "message.received",
        /// The organisation's job-offer change feed has new entries.
        JobOffersChanged = "job_offers.changed",
        /// The bureau approved, suspended, reinstated or revoked the
        /// organisation.
        OrganisationStatusChanged = "organisation.status_changed",
        /// An organisation reported a hire (Hello Work's).
        HireReported = "hire.reported",
        /// A seeker reported a message (Hello Work's).
        MessageReported = "message.reported",
        /// An organisation of the bureau's prefecture applied.
        OrganisationApplied = "organisation.applied",
        /// Sent on request, to try an endpoint.
        Test = "webhook.test",
    }
}

closed_set! {
    /// Whose subscription a webhook is.
    pub enum WebhookOwnerKind {
        Organisation = "organisation",
        HelloWork = "hello_work",
        Bureau = "bureau",
    }
}

closed_set! {
    /// Where a delivery stands.
    pub enum DeliveryState {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// A 2xx answered it.
        Delivered = "delivered",
        /// Every attempt failed, or the endpoint was turned off.
        Failed = "failed",
    }
}

closed_set! {
    /// Why an attempt got no HTTP answer (or no usable one).
    pub enum AttemptError {
        /// No connection within 5 s, or no answer within 15 s.
        Timeout = "timeout",
        /// The connection failed (refused, reset, no route, no such name).
        Connect = "connect",
        /// The TLS handshake failed (certificate, protocol).
        Tls = "tls",
        /// The host's addresses are not ones the deployment calls.
        RefusedAddress = "refused_address",
        /// The answer broke HTTP.
        Protocol = "protocol",
    }
}

closed_set! {
    /// Why an endpoint is off.
    pub enum DisabledReason {
        /// Its owner turned it off.
        Owner = "owner",
        /// It answered 410 Gone.
        Gone = "gone",
        /// It failed for five days.
        Failing = "failing",
    }
}

impl WebhookEvent {
    /// Who may subscribe to this event: an organisation hears of its
    /// threads, its change feed and its standing; Hello Work of hires and
    /// reports; a bureau of applications in its prefecture. `webhook.test`
    /// is sent on request only.
    pub fn heard_by(self, owner: WebhookOwnerKind) -> bool {
        use WebhookEvent::*;
        match owner {
            WebhookOwnerKind::Organisation => matches!(
                self,
                MessageReceived | JobOffersChanged | OrganisationStatusChanged
            ),
            WebhookOwnerKind::HelloWork => matches!(self, HireReported | MessageReported),
            WebhookOwnerKind::Bureau => matches!(self, OrganisationApplied),
        }
    }

    /// The events `owner` may subscribe to.
    pub fn for_owner(owner: WebhookOwnerKind) -> Vec<WebhookEvent> {
        Self::ALL
            .iter()
            .copied()
            .filter(|e| e.heard_by(owner))
            .collect()
    }
}

/// A signing secret: `whsec_` and the base64 of its bytes, as the
/// specification writes it. Shown to its owner once; kept sealed at rest.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

const SECRET_PREFIX: &str = "whsec_";
/// Bytes of a new secret (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;

impl WebhookSecret {
    pub fn generate() -> Self {
        let mut buf = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut buf).expect("the operating system's random source");
        WebhookSecret(buf)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (24..=64)
            .contains(&bytes.len())
            .then_some(WebhookSecret(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// `whsec_…`, what the owner configures their verifier with.
    pub fn encode(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    pub fn decode(text: &str) -> Option<Self> {
        let b64 = text.strip_prefix(SECRET_PREFIX)?;
        Self::from_bytes(STANDARD.decode(b64).ok()?)
    }
}

/// The `webhook-signature` header for a message: `v1,<base64 HMAC-SHA256
/// of "{id}.{timestamp}.{body}">` under each secret, space-separated (two
/// while a rotated-out secret still signs).
pub fn sign(secrets: &[&WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|s| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(s.as_bytes()).expect("HMAC takes any key length");
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP_SECS: i64 = 24 * 3600;

/// The waits before the second and later attempts: 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h (the first is at once). Eight attempts in all,
/// over about 28 hours.
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/// The most attempts a delivery gets.
pub const MAX_ATTEMPTS: u32 = RETRY_SCHEDULE_SECS.len() as u32 + 1;

/// After `attempts_made` failed attempts, the seconds to wait before the
/// next one, or `None` when there is none left. `jitter` (0.0 to 1.0, a
/// random draw) spreads the wait ±20 %, so endpoints that failed together
/// are not all retried in the same second.
pub fn retry_after(attempts_made: u32, jitter: f64) -> Option<i64> {
    let base = *RETRY_SCHEDULE_SECS.get(usize::try_from(attempts_made).ok()?.checked_sub(1)?)?;
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    Some(((base as f64) * factor).round().max(1.0) as i64)
}

/// What an attempt's outcome means for its delivery and its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver says the endpoint is no more; turn it off.
    Gone,
    /// Anything else (another status, no answer): try again later.
    Failed,
}

/// Judges an attempt by its HTTP status (`None`: no answer).
pub fn judge(status: Option<u16>) -> Verdict {
    match status {
        Some(s) if (200..300).contains(&s) => Verdict::Delivered,
        Some(410) => Verdict::Gone,
        _ => Verdict::Failed,
    }
}

/// An endpoint that has failed every attempt since `failing_since` is
/// turned off (and its owner told) after five days.
pub fn failing_too_long(failing_since: chrono::NaiveDateTime, now: chrono::NaiveDateTime) -> bool {
    now - failing_since >= chrono::Duration::days(5)
}

/// Why a URL is not one a webhook may have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("not a URL")]
    Malformed,
    #[error("the URL must be https")]
    NotHttps,
    #[error("the URL may not carry a user name or password")]
    Credentials,
    #[error("the URL may not carry a fragment")]
    Fragment,
    #[error("the URL is longer than 2000 characters")]
    TooLong,
    #[error("the URL's host is not an address kyushoku calls")]
    RefusedAddress,
    #[error("the URL's host does not resolve")]
    Unresolved,
}

/// The longest webhook URL.
pub const MAX_URL_LEN: usize = 2000;

/// A webhook URL as kyushoku accepts it: absolute, `https` (or `http`
/// where the deployment allows it: tests and closed networks), no user
/// information, no fragment, with a host. The host's addresses are checked
/// separately, at registration and at every connection
/// ([`Networks::permits`]); an address written in the URL is checked here
/// too, in whatever notation it was written (`url` reads `0x7f.1` and
/// `2130706433` as 127.0.0.1).
pub fn check_url(
    text: &str,
    allow_http: bool,
    networks: &Networks,
) -> Result<url::Url, UrlProblem> {
    if text.len() > MAX_URL_LEN {
        return Err(UrlProblem::TooLong);
    }
    let url = url::Url::parse(text.trim()).map_err(|_| UrlProblem::Malformed)?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        _ => return Err(UrlProblem::NotHttps),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Credentials);
    }
    if url.fragment().is_some() {
        return Err(UrlProblem::Fragment);
    }
    match url.host() {
        None => return Err(UrlProblem::Malformed),
        Some(url::Host::Ipv4(ip)) if !networks.permits(IpAddr::V4(ip)) => {
            return Err(UrlProblem::RefusedAddress)
        }
        Some(url::Host::Ipv6(ip)) if !networks.permits(IpAddr::V6(ip)) => {
            return Err(UrlProblem::RefusedAddress)
        }
        Some(_) => {}
    }
    Ok(url)
}

/// The networks a deployment calls besides the public Internet
/// (`KYUSHOKU_WEBHOOK_ALLOWED_NETWORKS`: municipal systems often sit on
/// closed networks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Networks {
    allowed: Vec<ipnet::IpNet>,
}

impl Networks {
    /// From a list of CIDR blocks (`10.20.0.0/16`, `fd00::/8`); a bare
    /// address is a block of one.
    pub fn parse<'a>(blocks: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut allowed = Vec::new();
        for block in blocks {
            let block = block.trim();
            if block.is_empty() {
                continue;
            }
            let net = block
                .parse::<ipnet::IpNet>()
                .or_else(|_| block.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{block:?} is not a CIDR block"))?;
            allowed.push(net);
        }
        Ok(Networks { allowed })
    }

    /// Whether kyushoku may connect to `ip`: a public unicast address, or
    /// one of the allowed networks. Never loopback, private, shared
    /// (CGNAT), link-local (and with it the cloud metadata address
    /// 169.254.169.254), unique-local, multicast, documentation or reserved
    /// addresses, nor an IPv6 address that carries one of those IPv4
    /// addresses (mapped, compatible, NAT64, 6to4) unless allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allowed.iter().any(|n| n.contains(&ip)) || is_public(ip)
    }
}

/// An IPv6 address that only carries an IPv4 one, as that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:aabb:ccdd::`) address.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if s[..5] == [0; 5] && (s[5] == 0xffff || (s[5] == 0 && s[6] != 0)) {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                  // "this network"
        || a == 10                            // private
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127                           // loopback
        || (a == 169 && b == 254)             // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)     // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)     // documentation
        || (a == 192 && b == 88 && c == 99)   // 6to4 relay anycast
        || (a == 192 && b == 168)             // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)  // documentation
        || (a == 203 && b == 0 && c == 113)   // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Global unicast is 2000::/3; within it, Teredo (2001::/32, which
    // tunnels to any IPv4 address), ORCHID and documentation are not.
    (s[0] & 0xe000) == 0x2000
        && !(s[0] == 0x2001 && s[1] == 0)
        && !(s[0] == 0x2001 && (0x10..0x30).contains(&s[1]))
        && !(s[0] == 0x2001 && s[1] == 0x0db8)
        && !(s[0] == 0x3fff && s[1] < 0x1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn signatures_are_those_of_the_specification() {
        // The Standard Webhooks specification's worked example.
        let secret = WebhookSecret::decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&[&secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let other = WebhookSecret::generate();
        let both = sign(
            &[&other, &secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
        );
        assert!(both.ends_with(" v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
        assert_eq!(both.split(' ').count(), 2);
    }

    #[test]
    fn secrets_round_trip_and_short_ones_are_refused() {
        let s = WebhookSecret::generate();
        assert!(s.encode().starts_with("whsec_"));
        assert_eq!(WebhookSecret::decode(&s.encode()), Some(s));
        assert_eq!(WebhookSecret::decode("whsec_c2hvcnQ="), None);
        assert_eq!(
            WebhookSecret::decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            None
        );
    }

    #[test]
    fn owners_hear_only_their_own_events() {
        use WebhookEvent::*;
        assert_eq!(
            WebhookEvent::for_owner(WebhookOwnerKind::Organisation),
            [MessageReceived, JobOffersChanged, OrganisationStatusChanged]
        );
        assert_eq!(
            WebhookEvent::for_owner(WebhookOwnerKind::HelloWork),
            [HireReported, MessageReported]
        );
        assert_eq!(
            WebhookEvent::for_owner(WebhookOwnerKind::Bureau),
            [OrganisationApplied]
        );
        for owner in WebhookOwnerKind::ALL {
            assert!(!Test.heard_by(*owner));
        }
    }

    #[test]
    fn retries_follow_the_schedule_with_jitter_and_end() {
        assert_eq!(retry_after(0, 0.5), None);
        assert_eq!(retry_after(1, 0.5), Some(5));
        assert_eq!(retry_after(2, 0.5), Some(300));
        assert_eq!(retry_after(7, 0.5), Some(36_000));
        assert_eq!(retry_after(8, 0.5), None);
        assert_eq!(retry_after(3, 0.0), Some(1440));
        assert_eq!(retry_after(3, 1.0), Some(2160));
        assert_eq!(MAX_ATTEMPTS, 8);
    }

    #[test]
    fn answers_are_judged_by_status() {
        assert_eq!(judge(Some(200)), Verdict::Delivered);
        assert_eq!(judge(Some(204)), Verdict::Delivered);
        assert_eq!(judge(Some(410)), Verdict::Gone);
        assert_eq!(judge(Some(301)), Verdict::Failed);
        assert_eq!(judge(Some(500)), Verdict::Failed);
        assert_eq!(judge(None), Verdict::Failed);
    }

    #[test]
    fn an_endpoint_failing_five_days_is_turned_off() {
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        assert!(!failing_too_long(t0, t0 + chrono::Duration::hours(119)));
        assert!(failing_too_long(t0, t0 + chrono::Duration::days(5)));
    }

    #[test]
    fn only_public_addresses_are_called() {
        let none = Networks::default();
        for bad in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001::1",
            "2001:db8::1",
            "ff02::1",
        ] {
            assert!(!none.permits(ip(bad)), "{bad} should be refused");
        }
        for good in [
            "8.8.8.8",
            "133.1.2.3",
            "2400:4050::1",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            assert!(none.permits(ip(good)), "{good} should be allowed");
        }
    }

    #[test]
    fn allowed_networks_open_only_themselves() {
        let n = Networks::parse(["127.0.0.0/8", " 10.20.0.0/16", "", "fd12::1"]).unwrap();
        assert!(n.permits(ip("127.0.0.1")));
        assert!(n.permits(ip("::ffff:127.0.0.1")));
        assert!(n.permits(ip("10.20.3.4")));
        assert!(n.permits(ip("fd12::1")));
        assert!(!n.permits(ip("10.21.0.1")));
        assert!(!n.permits(ip("169.254.169.254")));
        assert!(!n.permits(ip("::1")));
        assert!(Networks::parse(["10.0.0.0/33"]).is_err());
        assert!(Networks::parse(["example.com"]).is_err());
    }

    #[test]
    fn urls_must_be_https_without_credentials_and_not_name_a_refused_address() {
        let none = Networks::default();
        assert!(check_url("https://hooks.example.jp/kyushoku", false, &none).is_ok());
        assert_eq!(
            check_url("http://hooks.example.jp/", false, &none),
            Err(UrlProblem::NotHttps)
        );
        assert!(check_url("http://hooks.example.jp/", true, &none).is_ok());
        assert_eq!(
            check_url("ftp://hooks.example.jp/", true, &none),
            Err(UrlProblem::NotHttps)
        );
        assert_eq!(
            check_url("https://u:p@hooks.example.jp/", false, &none),
            Err(UrlProblem::Credentials)
        );
        assert_eq!(
            check_url("https://hooks.example.jp/#x", false, &none),
            Err(UrlProblem::Fragment)
        );
        assert_eq!(check_url("hooks", false, &none), Err(UrlProblem::Malformed));
        for refused in [
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://[::1]/",
            "https://[::ffff:7f00:1]/",
            "https://169.254.169.254/latest/meta-data/",
        ] {
            assert_eq!(
                check_url(refused, false, &none),
                Err(UrlProblem::RefusedAddress),
                "{refused}"
            );
        }
        let local = Networks::parse(["127.0.0.0/8"]).unwrap();
        assert!(check_url("http://127.0.0.1:9000/hook", true, &local).is_ok());
        let long = format!("https://example.jp/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(check_url(&long, false, &none), Err(UrlProblem::TooLong));
    }
}
