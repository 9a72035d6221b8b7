//! What the fake knows about an account: its identity (handed to tests as an
//! [`AccountHandle`]), its plan, the usage figures it serves and its rate limit. Plain
//! data; the server state in `state` owns the mutable parts.

use std::time::Duration;

use super::random;

/// A subscription plan, with the names the service and Claude Code use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Max,
    Pro,
    Team,
}

impl Plan {
    /// `subscriptionType` in the credentials blob.
    pub fn subscription_type(self) -> &'static str {
        match self {
            Plan::Max => "max",
            Plan::Pro => "pro",
            Plan::Team => "team",
        }
    }

    /// `rateLimitTier` in the blob, `rate_limit_tier` in the profile.
    pub fn rate_limit_tier(self) -> &'static str {
        match self {
            Plan::Max => "default_claude_max_20x",
            Plan::Pro => "default_claude_ai",
            Plan::Team => "default_claude_max_5x",
        }
    }

    /// `organization.organization_type` in the profile.
    pub fn organization_type(self) -> &'static str {
        match self {
            Plan::Max => "claude_max",
            Plan::Pro => "claude_pro",
            Plan::Team => "claude_team",
        }
    }
}

/// An account of the fake, as tests see it. Cloning it is cheap; every control of
/// [`super::Fake`] takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHandle {
    /// Position in the fake's account list (stable for the fake's life).
    pub(super) index: usize,
    pub uuid: String,
    pub email: String,
    pub full_name: String,
    pub display_name: String,
    pub organization_uuid: String,
    pub organization_name: String,
    pub plan: Plan,
}

impl AccountHandle {
    pub(super) fn new(index: usize, email: &str, plan: Plan) -> AccountHandle {
        let local = email.split('@').next().unwrap_or(email);
        AccountHandle {
            index,
            uuid: random::uuid(),
            email: email.to_owned(),
            full_name: format!("{local} Example"),
            display_name: local.to_owned(),
            organization_uuid: random::uuid(),
            organization_name: format!("{email}'s Organization"),
            plan,
        }
    }

    pub fn rate_limit_tier(&self) -> &'static str {
        self.plan.rate_limit_tier()
    }
}

/// Utilizations (percent) the usage endpoint serves for an account; `None` windows are
/// sent as `null`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsageFigures {
    pub five_hour: f64,
    pub seven_day: f64,
    pub seven_day_sonnet: Option<f64>,
    pub seven_day_opus: Option<f64>,
}

impl Default for UsageFigures {
    fn default() -> Self {
        UsageFigures {
            five_hour: 12.0,
            seven_day: 34.0,
            seven_day_sonnet: Some(5.0),
            seven_day_opus: None,
        }
    }
}

/// At most `requests` authenticated usage requests per `window`; the window starts at
/// the first request counted and restarts at the first request after it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}
