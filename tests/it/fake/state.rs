//! The fake service's memory and rules, without any socket: accounts, logins
//! (lineages of single-use refresh tokens), access tokens with their server-side
//! expiry, the clock offset, rate-limit windows, and the logs. The HTTP side (`serve`)
//! and the test controls (`mod.rs`) both work through it under one mutex.
//!
//! A lineage is one login. Refreshing with its current refresh token issues a new
//! access token and a new refresh token and spends the old one:
//!
//! ```text
//!   login ──> current ──refresh──> current' ──refresh──> current'' ...
//!                │                    │
//!                └─> spent            └─> spent      (presenting a spent token:
//!                                                      invalid_grant, lineage revoked
//!                                                      when reuse_revokes_lineage)
//! ```
//!
//! A revoked lineage (logout, reuse) refuses its refresh token and its access tokens.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::account::{AccountHandle, Plan, RateLimit, UsageFigures};
use super::bodies::OddGrant;
use super::log::{RefreshOutcome, RefreshRecord, RequestRecord, Via};
use super::random;

/// Seconds an access token lives (`expires_in`).
pub const ACCESS_LIFETIME_S: u64 = 28_800;
/// How long a login lives however often it is refreshed (30 days).
pub const LOGIN_LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

/// Tokens handed out by a login or a refresh.
#[derive(Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

pub struct AccountState {
    pub handle: AccountHandle,
    pub usage: UsageFigures,
    pub limit: Option<RateLimit>,
    window_start_ms: i64,
    window_count: u32,
}

struct Lineage {
    account: usize,
    current: String,
    spent: Vec<String>,
    revoked: bool,
    /// Server time after which the refresh token is refused.
    deadline_ms: i64,
}

struct AccessToken {
    lineage: usize,
    expires_at_ms: i64,
}

#[derive(Default)]
pub struct State {
    pub accounts: Vec<AccountState>,
    lineages: Vec<Lineage>,
    access: HashMap<String, AccessToken>,
    pub offset_ms: i64,
    pub delay: Duration,
    pub fail_queue: VecDeque<u16>,
    /// How the next successful grant is odd (taken by that grant).
    pub odd_grant: Option<OddGrant>,
    pub reuse_revokes_lineage: bool,
    pub requests: Vec<RequestRecord>,
    pub refreshes: Vec<RefreshRecord>,
    /// Every token and secret the fake put in a blob or an answer, in order.
    pub issued: Vec<String>,
}

/// Real wall-clock time in epoch milliseconds.
pub fn real_now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since.as_millis()).expect("epoch ms fit in i64")
}

pub fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).expect("duration fits in i64 ms")
}

impl State {
    pub fn new() -> State {
        State {
            reuse_revokes_lineage: true,
            ..State::default()
        }
    }

    /// The server's clock: real time plus the offset tests advanced it by.
    pub fn now_ms(&self) -> i64 {
        real_now_ms() + self.offset_ms
    }

    pub fn add_account(&mut self, email: &str, plan: Plan) -> AccountHandle {
        let handle = AccountHandle::new(self.accounts.len(), email, plan);
        self.accounts.push(AccountState {
            handle: handle.clone(),
            usage: UsageFigures::default(),
            limit: None,
            window_start_ms: 0,
            window_count: 0,
        });
        handle
    }

    /// The state of `handle`'s account; panics on a handle from another fake.
    pub fn account(&mut self, handle: &AccountHandle) -> &mut AccountState {
        let state = self
            .accounts
            .get_mut(handle.index)
            .expect("account handle of this fake");
        assert_eq!(
            state.handle.uuid, handle.uuid,
            "account handle of this fake"
        );
        state
    }

    /// Starts a new lineage for the account and issues its first tokens.
    pub fn login(&mut self, handle: &AccountHandle) -> Tokens {
        self.account(handle);
        let refresh = self.issue(random::token("sk-ant-ort01-"));
        self.lineages.push(Lineage {
            account: handle.index,
            current: refresh.clone(),
            spent: Vec::new(),
            revoked: false,
            deadline_ms: self.now_ms() + LOGIN_LIFETIME_MS,
        });
        let access = self.new_access_token(self.lineages.len() - 1);
        Tokens { access, refresh }
    }

    /// Records `secret` as issued and hands it back.
    pub fn issue(&mut self, secret: String) -> String {
        self.issued.push(secret.clone());
        secret
    }

    fn new_access_token(&mut self, lineage: usize) -> String {
        let token = self.issue(random::token("sk-ant-oat01-"));
        let expires_at_ms = self.now_ms() + 1000 * i64::try_from(ACCESS_LIFETIME_S).unwrap();
        let entry = AccessToken {
            lineage,
            expires_at_ms,
        };
        self.access.insert(token.clone(), entry);
        token
    }

    /// Trades a refresh token for new tokens (see the module docs), recording the
    /// attempt. `Ok` carries the account index; `Err` says why it was refused.
    pub fn refresh(&mut self, token: &str, via: Via) -> Result<(usize, Tokens), RefreshOutcome> {
        let (lineage, outcome) = self.judge(token);
        let result = match outcome {
            RefreshOutcome::Rotated => {
                let lineage = lineage.expect("a rotated token has a lineage");
                Ok((self.lineages[lineage].account, self.rotate(lineage)))
            }
            RefreshOutcome::Spent if self.reuse_revokes_lineage => {
                self.lineages[lineage.expect("a spent token has a lineage")].revoked = true;
                Err(outcome)
            }
            _ => Err(outcome),
        };
        let account = lineage.map(|l| self.accounts[self.lineages[l].account].handle.email.clone());
        self.refreshes.push(RefreshRecord {
            token: token.to_owned(),
            lineage,
            account,
            outcome,
            via,
        });
        result
    }

    /// Which lineage `token` belongs to and what presenting it now means.
    fn judge(&self, token: &str) -> (Option<usize>, RefreshOutcome) {
        for (index, lineage) in self.lineages.iter().enumerate() {
            let outcome = if lineage.current == token {
                if lineage.revoked {
                    RefreshOutcome::Revoked
                } else if self.now_ms() >= lineage.deadline_ms {
                    RefreshOutcome::Expired
                } else {
                    RefreshOutcome::Rotated
                }
            } else if lineage.spent.iter().any(|t| t == token) {
                RefreshOutcome::Spent
            } else {
                continue;
            };
            return (Some(index), outcome);
        }
        (None, RefreshOutcome::Unknown)
    }

    fn rotate(&mut self, lineage: usize) -> Tokens {
        let refresh = self.issue(random::token("sk-ant-ort01-"));
        let old = std::mem::replace(&mut self.lineages[lineage].current, refresh.clone());
        self.lineages[lineage].spent.push(old);
        let access = self.new_access_token(lineage);
        Tokens { access, refresh }
    }

    /// The account index of a valid, unexpired access token of a live lineage.
    pub fn authenticate(&self, access: &str) -> Option<usize> {
        let entry = self.access.get(access)?;
        let lineage = &self.lineages[entry.lineage];
        (!lineage.revoked && self.now_ms() < entry.expires_at_ms).then_some(lineage.account)
    }

    /// The account index a token (access or refresh, any state) was issued to.
    pub fn owner_of(&self, token: &str) -> Option<usize> {
        if let Some(entry) = self.access.get(token) {
            return Some(self.lineages[entry.lineage].account);
        }
        self.judge(token).0.map(|l| self.lineages[l].account)
    }

    /// Counts one usage request against the account's limit; `Err(seconds)` to wait
    /// when the window is full.
    pub fn count_usage(&mut self, account: usize) -> Result<(), u64> {
        let now = self.now_ms();
        let state = &mut self.accounts[account];
        let Some(limit) = state.limit else {
            return Ok(());
        };
        let window_ms = duration_ms(limit.window);
        if state.window_count == 0 || now >= state.window_start_ms + window_ms {
            state.window_start_ms = now;
            state.window_count = 0;
        }
        if state.window_count >= limit.requests {
            let left_ms = state.window_start_ms + window_ms - now;
            return Err(u64::try_from(left_ms.max(1)).unwrap_or(1).div_ceil(1000));
        }
        state.window_count += 1;
        Ok(())
    }

    /// Makes every access token of the account expire now (server time).
    pub fn expire_access_tokens(&mut self, handle: &AccountHandle) {
        self.account(handle);
        let now = self.now_ms();
        for entry in self.access.values_mut() {
            if self.lineages[entry.lineage].account == handle.index {
                entry.expires_at_ms = entry.expires_at_ms.min(now);
            }
        }
    }

    /// The current refresh token of the account's latest live lineage.
    pub fn current_refresh_token(&mut self, handle: &AccountHandle) -> Option<String> {
        self.account(handle);
        let lineage = self
            .lineages
            .iter()
            .rev()
            .find(|l| l.account == handle.index && !l.revoked)?;
        Some(lineage.current.clone())
    }

    /// Logout: every lineage of the account refuses its tokens from now on.
    pub fn revoke(&mut self, handle: &AccountHandle) {
        self.account(handle);
        for lineage in &mut self.lineages {
            if lineage.account == handle.index {
                lineage.revoked = true;
            }
        }
    }
}
