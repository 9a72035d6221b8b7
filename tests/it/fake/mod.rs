//! A stateful in-process fake of Anthropic's OAuth service for the end-to-end and
//! crash tests: HTTPS on 127.0.0.1 (random port) presenting the `localhost` test
//! certificate, so a child binary reaches it through [`Fake::env`]. For the real
//! Claude Code, [`Fake::start_stand_in`] serves on port 443 with a certificate for
//! `api.anthropic.com` and `platform.claude.com` instead (only useful inside the
//! private namespace of `.ci/claude-interop.sh`, where those names are loopback). It
//! never touches the network beyond loopback, never reads the process environment and
//! never writes a file; it stops accepting when dropped.
//!
//! Behaviour (DESIGN.md section 5):
//! - **Accounts** ([`Fake::add_account`]) have random uuids, an organization and a
//!   [`Plan`]. [`Fake::login`] starts a new login (a *lineage*) and returns the blob
//!   Claude Code 2.1.332 writes after `/login`, byte for byte: compact, no trailing
//!   newline, `claudeAiOauth` (tokens, `expiresAt` 8 h ahead, scopes, plan,
//!   `refreshTokenExpiresAt` 30 days ahead, `clientId`, `tokenAccount`) then
//!   `organizationUuid`. [`Fake::login_with_machine_members`] puts `mcpOAuth`,
//!   `pluginSecrets` and an unknown member first, as on a machine that had them before
//!   the login. Tokens are `sk-ant-oat01-`/`sk-ant-ort01-` plus 24 random URL-safe
//!   characters: short of the 40 the leak check looks for. Every token and secret the
//!   fake ever hands out is in [`Fake::all_issued_tokens`].
//! - **`POST /v1/oauth/token`** wants a JSON body with `grant_type` `refresh_token`,
//!   Claude Code's `client_id` and a `scope` (else 400 `invalid_request`,
//!   `unsupported_grant_type` or `invalid_client`). The lineage's current refresh token
//!   answers 200 with new tokens (`expires_in` 28800, `scope`, `token_type`, `account`,
//!   `organization`) and is spent from then on. A spent token answers 400 `invalid_grant`
//!   "Refresh token has been used" and, unless [`Fake::set_reuse_revokes_lineage`]
//!   turned it off, revokes its lineage (refresh and access tokens dead). Unknown,
//!   revoked ([`Fake::revoke`]) and past-deadline (30 days after login, server clock)
//!   tokens answer 400 `invalid_grant` too. Every attempt is in [`Fake::refreshes`];
//!   [`Fake::spent_token_reuses`] counts the spent ones presented.
//! - **`GET /api/oauth/usage`** and **`/api/oauth/profile`** want `Authorization: Bearer`
//!   with an access token of a live lineage that has not expired on the server clock
//!   (else 401 `authentication_error` "OAuth token has expired."), then
//!   `anthropic-beta: oauth-2025-04-20` (else 400 `invalid_request_error`; profile takes
//!   a request without the header, as Claude Code sends it, but not a wrong one). Usage serves
//!   the account's [`UsageFigures`]; with a [`RateLimit`] set, a request past the limit
//!   answers 429 with `Retry-After` (seconds left in the window). Old access tokens stay
//!   valid until they expire, as with the real service.
//! - **`POST /v1/messages`** (Claude Code's requests carry `?beta=true`) wants a live
//!   bearer access token (else 401) with `oauth-2025-04-20` among the `anthropic-beta`
//!   values; it answers the assistant text [`greeting`]`(email)` of the token's
//!   account, as an event stream when the body says `"stream": true`, else as one JSON
//!   message. **`GET /v1/mcp_servers`** wants a live bearer and lists no servers. Any
//!   other path answers 404 (`not_found_error`); [`Fake::not_found_requests`] lists
//!   them, which is how a new Claude Code's new calls show up. Every answer carries a
//!   `request-id: req_…` header.
//! - **Controls.** [`Fake::fail_next`] queues statuses answered (API error JSON,
//!   `Retry-After: 60` on 429) instead of the next requests, changing nothing.
//!   [`Fake::set_delay`] writes every answer that much later; the request is judged
//!   (and a refresh token spent) on arrival, so a client that gives up meanwhile loses
//!   the rotation, as it would against the real service. [`Fake::set_odd_grant`]
//!   makes the next successful refresh answer without `expires_in` or `access_token`
//!   (the rotation still happens). [`Fake::advance`] moves only
//!   the server clock: blobs carry real-time `expiresAt` (Claude Code's clock), so
//!   advancing past 8 h makes tokens expire on the server while the blob still looks
//!   fresh. [`Fake::expire_access_tokens`] does the same for one account at once.
//! - **Claude Code's own refresh.** [`Fake::refresh_as_claude_code`] refreshes the
//!   blob's refresh token against the state directly and returns the blob with new
//!   `accessToken`, `refreshToken` and `expiresAt` spliced in place: same members, same
//!   order, same bytes elsewhere. It panics when the refresh is refused.
//! - **Log.** [`Fake::requests`] holds method, path, account email, header names and
//!   status of every request; no token or header value is kept there.

#![allow(dead_code)] // each end-to-end test uses a different part

mod account;
mod api;
mod blob;
mod bodies;
mod log;
mod random;
mod serve;
mod state;

pub use account::{AccountHandle, Plan, RateLimit, UsageFigures};
pub use api::greeting;
pub use bodies::{OddGrant, GRANT_SCOPE};
pub use log::{RefreshOutcome, RefreshRecord, RequestRecord, Via};

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use claude_token::net::{self, ProxyConfig};
use claude_token::oauth::{Client, Endpoints};

use crate::server::{cert_path, server_config, trusting_test_ca};
use serve::Shared;
use state::{duration_ms, real_now_ms, State};

/// The running fake; stops accepting connections when dropped.
pub struct Fake {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Fake {
    /// Starts serving on `127.0.0.1` at a random port.
    pub fn start() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        Fake::serve(listener, "localhost")
    }

    /// Starts serving on `127.0.0.1:443` with the certificate for `api.anthropic.com`
    /// and `platform.claude.com` (`tests/certs/anthropic-hosts.pem`): the stand-in for
    /// Anthropic's service that the real Claude Code reaches inside the private
    /// namespace. Binding port 443 needs root (or the namespace's root).
    pub fn start_stand_in() -> Fake {
        let listener = TcpListener::bind("127.0.0.1:443").expect("bind 127.0.0.1:443");
        Fake::serve(listener, "anthropic-hosts")
    }

    fn serve(listener: TcpListener, cert: &str) -> Fake {
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new()),
            stop: AtomicBool::new(false),
            tls: server_config(cert),
        });
        let serving = Arc::clone(&shared);
        let acceptor = thread::spawn(move || serve::accept_loop(&listener, &serving));
        Fake {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://localhost:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port())
    }

    /// The variables that point the binary at the fake and make it trust the test CA.
    pub fn env(&self) -> Vec<(String, String)> {
        let ca = cert_path("ca.pem").to_string_lossy().into_owned();
        vec![
            (
                "CLAUDE_TOKEN_OAUTH_TOKEN_URL".to_owned(),
                self.url("/v1/oauth/token"),
            ),
            ("CLAUDE_TOKEN_API_BASE_URL".to_owned(), self.url("")),
            ("SSL_CERT_FILE".to_owned(), ca),
        ]
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints::new(&self.url("/v1/oauth/token"), &self.url("")).expect("endpoints parse")
    }

    /// An OAuth client for the fake, trusting the test CA, no proxy.
    pub fn client(&self) -> Client {
        let opts = net::Options::new(trusting_test_ca(), ProxyConfig::direct());
        Client::new(self.endpoints(), opts)
    }

    /// A new account on the Max plan.
    pub fn add_account(&self, email: &str) -> AccountHandle {
        self.add_account_with_plan(email, Plan::Max)
    }

    pub fn add_account_with_plan(&self, email: &str, plan: Plan) -> AccountHandle {
        self.state().add_account(email, plan)
    }

    /// A new login of `account`: the blob Claude Code writes after `/login`.
    pub fn login(&self, account: &AccountHandle) -> String {
        let tokens = self.state().login(account);
        blob::login_blob(account, &tokens, real_now_ms())
    }

    /// A new login of `account` whose blob says the access token expires `in_ms`
    /// milliseconds from now (real clock; negative for the past), so that Claude Code
    /// refreshes it (it does within 5 minutes of `expiresAt`). The server still takes
    /// the access token for its usual 8 hours.
    pub fn login_expiring_in(&self, account: &AccountHandle, in_ms: i64) -> String {
        let creds = self.login(account);
        blob::with_expires_at(creds.as_bytes(), real_now_ms() + in_ms)
    }

    /// A new login on a machine that already holds `mcpOAuth`, `pluginSecrets` and an
    /// unknown member; those come first in the blob.
    pub fn login_with_machine_members(&self, account: &AccountHandle) -> String {
        let now = real_now_ms();
        let mut state = self.state();
        let tokens = state.login(account);
        let machine = blob::machine_members(now);
        for secret in &machine.secrets {
            state.issue(secret.clone());
        }
        blob::login_blob_after(&machine, account, &tokens, now)
    }

    /// Claude Code refreshing `account` on its own: spends the refresh token in
    /// `creds` and returns `creds` rewritten with the new tokens. Panics when the token
    /// is not `account`'s or the refresh is refused.
    pub fn refresh_as_claude_code(
        &self,
        account: &AccountHandle,
        creds: impl AsRef<[u8]>,
    ) -> String {
        let creds = creds.as_ref();
        let presented = blob::refresh_token_of(creds);
        let mut state = self.state();
        assert_eq!(
            state.owner_of(&presented),
            Some(account.index),
            "the blob's refresh token belongs to {}",
            account.email
        );
        let (_, tokens) = state
            .refresh(&presented, Via::ClaudeCode)
            .unwrap_or_else(|outcome| panic!("Claude Code's refresh refused: {outcome:?}"));
        drop(state);
        blob::rewrite_after_refresh(creds, &tokens, real_now_ms())
    }

    /// Every token and secret the fake has put in a blob or an answer.
    pub fn all_issued_tokens(&self) -> Vec<String> {
        self.state().issued.clone()
    }

    /// How many times a spent refresh token was presented (over HTTP or directly).
    pub fn spent_token_reuses(&self) -> usize {
        let state = self.state();
        let spent = |r: &&RefreshRecord| r.outcome == RefreshOutcome::Spent;
        state.refreshes.iter().filter(spent).count()
    }

    /// Every refresh attempt, in order.
    pub fn refreshes(&self) -> Vec<RefreshRecord> {
        self.state().refreshes.clone()
    }

    /// Every request, in the order they were judged.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state().requests.clone()
    }

    /// The requests answered 404 because the fake does not know their path.
    pub fn not_found_requests(&self) -> Vec<RequestRecord> {
        let requests = self.state().requests.clone();
        requests.into_iter().filter(|r| r.status == 404).collect()
    }

    /// `account`'s refresh token that the service takes right now (its latest login's).
    pub fn current_refresh_token(&self, account: &AccountHandle) -> Option<String> {
        self.state().current_refresh_token(account)
    }

    /// Makes `account`'s access tokens expire now (server clock).
    pub fn expire_access_tokens(&self, account: &AccountHandle) {
        self.state().expire_access_tokens(account);
    }

    /// Logout: every login of `account` is dead from now on.
    pub fn revoke(&self, account: &AccountHandle) {
        self.state().revoke(account);
    }

    /// Answers are written `delay` after their request arrived.
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// Utilizations (percent) of the five-hour and seven-day windows of `account`.
    pub fn set_usage(&self, account: &AccountHandle, five_hour: f64, seven_day: f64) {
        let mut state = self.state();
        let usage = &mut state.account(account).usage;
        usage.five_hour = five_hour;
        usage.seven_day = seven_day;
    }

    pub fn set_usage_figures(&self, account: &AccountHandle, figures: UsageFigures) {
        self.state().account(account).usage = figures;
    }

    /// What the usage endpoint serves for `account`.
    pub fn usage_figures(&self, account: &AccountHandle) -> UsageFigures {
        self.state().account(account).usage
    }

    /// At most `requests` usage requests of `account` per `window`, then 429.
    pub fn set_rate_limit(&self, account: &AccountHandle, requests: u32, window: Duration) {
        self.state().account(account).limit = Some(RateLimit { requests, window });
    }

    /// The next request (of any kind) answers `status`; calls queue up.
    pub fn fail_next(&self, status: u16) {
        self.state().fail_queue.push_back(status);
    }

    /// The next successful refresh answers 200 with new tokens (the presented refresh
    /// token is spent) but without the member `odd` names.
    pub fn set_odd_grant(&self, odd: OddGrant) {
        self.state().odd_grant = Some(odd);
    }

    /// Whether presenting a spent refresh token revokes its lineage (default: yes).
    pub fn set_reuse_revokes_lineage(&self, revokes: bool) {
        self.state().reuse_revokes_lineage = revokes;
    }

    /// Moves the server clock forward.
    pub fn advance(&self, by: Duration) {
        self.state().offset_ms += duration_ms(by);
    }

    /// The server clock, in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.state().now_ms()
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}
