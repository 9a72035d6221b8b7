//! Both edits over many generated blobs: random member orders, random account-bound
//! and unknown members, compact or pretty layouts. The invariants: a swap result is a
//! valid blob holding the target's account members byte for byte and the live blob's
//! machine members byte for byte in order; swapping back restores the live blob's
//! account values; a refresh changes no member but the login, and inside the login
//! none but the refreshed values.

use super::{members, raw_value};
use claude_token::creds::{is_account_key, swap_account, Credentials, Refreshed, ACCOUNT_KEYS};
use claude_token::json::{to_compact_string, Document, Number, Value};
use claude_token::redact::Secret;

/// xorshift64*: a fixed, seedable sequence, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn string(text: &str) -> Value {
    Value::String(text.into())
}

fn int(n: i64) -> Value {
    Value::Number(Number::from(n))
}

/// A small value of a random shape, with some text that needs escaping.
fn filler(rng: &mut Rng, tag: u64) -> Value {
    match rng.below(5) {
        0 => string(&format!("v{tag} \"quoted\" é")),
        1 => int(i64::try_from(tag % 1000).expect("small")),
        2 => Value::Array(vec![int(1), Value::Null, Value::Bool(true)]),
        3 => Value::Object(vec![("k".into(), string(&format!("s{tag}")))]),
        _ => Value::Object(Vec::new()),
    }
}

fn login(rng: &mut Rng, id: u64) -> Value {
    let mut fields = vec![
        (
            "accessToken".into(),
            string(&format!("sk-ant-oat01-test-{id}")),
        ),
        (
            "refreshToken".into(),
            string(&format!("sk-ant-ort01-test-{id}")),
        ),
        (
            "expiresAt".into(),
            int(1_764_000_000_000 + i64::try_from(id).expect("small")),
        ),
    ];
    if rng.chance(70) {
        fields.push((
            "scopes".into(),
            Value::Array(vec![string("user:inference")]),
        ));
    }
    if rng.chance(50) {
        fields.push(("refreshTokenExpiresAt".into(), int(1_766_000_000_000)));
    }
    if rng.chance(50) {
        let account = vec![("uuid".into(), string(&format!("acc-{id}")))];
        fields.push(("tokenAccount".into(), Value::Object(account)));
    }
    if rng.chance(50) {
        fields.push(("futureField".into(), filler(rng, id)));
    }
    rng.shuffle(&mut fields);
    Value::Object(fields)
}

/// A random valid blob: a login, some other account members, some machine members.
fn blob(rng: &mut Rng, id: u64) -> Value {
    let mut top = vec![(ACCOUNT_KEYS[0].to_owned(), login(rng, id))];
    for key in &ACCOUNT_KEYS[1..] {
        if rng.chance(25) {
            // We read `organizationUuid`, so it must be a string; the rest we only move.
            let value = match *key {
                "organizationUuid" => string(&format!("org-{id}")),
                _ => filler(rng, id),
            };
            top.push(((*key).to_owned(), value));
        }
    }
    for key in ["mcpOAuth", "pluginSecrets"] {
        if rng.chance(60) {
            top.push((key.to_owned(), filler(rng, id)));
        }
    }
    for n in 0..rng.below(4) {
        top.push((format!("unknown{n}"), filler(rng, id)));
    }
    rng.shuffle(&mut top);
    Value::Object(top)
}

/// `value` as pretty JSON: `unit` per level, members on their own lines.
fn pretty(value: &Value, unit: &str, depth: usize, out: &mut String) {
    let inner = unit.repeat(depth + 1);
    let (open, close, items): (char, char, Vec<(Option<&str>, &Value)>) = match value {
        Value::Object(m) if !m.is_empty() => (
            '{',
            '}',
            m.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
        ),
        Value::Array(a) if !a.is_empty() => ('[', ']', a.iter().map(|v| (None, v)).collect()),
        _ => return out.push_str(&to_compact_string(value)),
    };
    out.push(open);
    for (i, (key, item)) in items.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str(&inner);
        if let Some(key) = key {
            out.push_str(&to_compact_string(&string(key)));
            out.push_str(": ");
        }
        pretty(item, unit, depth + 1, out);
    }
    out.push('\n');
    out.push_str(&unit.repeat(depth));
    out.push(close);
}

fn render(rng: &mut Rng, value: &Value) -> Vec<u8> {
    let mut out = String::new();
    match rng.below(3) {
        0 => out = to_compact_string(value),
        1 => pretty(value, "  ", 0, &mut out),
        _ => pretty(value, "\t", 0, &mut out),
    }
    out.into_bytes()
}

fn account_values(bytes: &[u8]) -> Vec<(String, Option<String>)> {
    ACCOUNT_KEYS
        .iter()
        .map(|key| ((*key).to_owned(), raw_value(bytes, key)))
        .collect()
}

fn machine_members(bytes: &[u8]) -> Vec<(String, String)> {
    let mut all = members(bytes);
    all.retain(|(key, _)| !is_account_key(key));
    all
}

const CASES: u64 = 400;

#[test]
fn swap_moves_exactly_the_account_members() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..CASES {
        let a = blob(&mut rng, 2 * case);
        let b = blob(&mut rng, 2 * case + 1);
        let (a, b) = (render(&mut rng, &a), render(&mut rng, &b));
        let out = swap_account(&a, &b).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let parsed = Credentials::parse(&out).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert!(!format!("{parsed:?}").contains("sk-ant"), "case {case}");
        assert_eq!(account_values(&out), account_values(&b), "case {case}");
        assert_eq!(machine_members(&out), machine_members(&a), "case {case}");
        let back = swap_account(&out, &a).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(account_values(&back), account_values(&a), "case {case}");
        assert_eq!(machine_members(&back), machine_members(&a), "case {case}");
    }
}

/// Each member of `claudeAiOauth` as (key, value text).
fn login_members(bytes: &[u8]) -> Vec<(String, String)> {
    let doc = Document::parse(bytes).expect("JSON");
    let login = doc.get(&["claudeAiOauth"]).expect("login");
    login
        .members()
        .map(|m| (m.key().into_owned(), m.value().raw().to_owned()))
        .collect()
}

const REFRESHED: [&str; 5] = [
    "accessToken",
    "refreshToken",
    "expiresAt",
    "scopes",
    "refreshTokenExpiresAt",
];

#[test]
fn refresh_changes_only_the_refreshed_values() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for case in 0..CASES {
        let value = blob(&mut rng, case);
        let before = render(&mut rng, &value);
        let grant = Refreshed {
            access_token: Secret::from(format!("sk-ant-oat01-test-new{case}")),
            refresh_token: rng
                .chance(70)
                .then(|| Secret::from("sk-ant-ort01-test-new")),
            expires_at_ms: 1_800_000_000_000,
            scopes: rng.chance(50).then(|| vec!["user:profile".into()]),
            refresh_token_expires_at_ms: rng
                .chance(60)
                .then(|| 1_765_000_000_000 + 2_000_000_000 * i64::from(rng.chance(50))),
        };
        let old = Credentials::parse(&before).expect("generated blobs are valid");
        let after = old
            .with_refreshed_tokens(&grant)
            .unwrap_or_else(|e| panic!("case {case}: {e}"));
        let new = Credentials::parse(&after).unwrap_or_else(|e| panic!("case {case}: {e}"));
        assert_eq!(new.access_token(), &grant.access_token, "case {case}");
        let refresh = grant.refresh_token.as_ref().unwrap_or(old.refresh_token());
        assert_eq!(new.refresh_token(), refresh, "case {case}");
        let kept = match (
            old.refresh_token_expires_at_ms(),
            grant.refresh_token_expires_at_ms,
        ) {
            (Some(old), Some(new)) => Some(old.min(new)),
            (old, new) => old.or(new),
        };
        assert_eq!(new.refresh_token_expires_at_ms(), kept, "case {case}");
        let others = |bytes: &[u8]| {
            let mut all = members(bytes);
            all.retain(|(key, _)| key != "claudeAiOauth");
            all
        };
        assert_eq!(others(&after), others(&before), "case {case}");
        let untouched = |bytes: &[u8]| {
            let mut all = login_members(bytes);
            all.retain(|(key, _)| !REFRESHED.contains(&key.as_str()));
            all
        };
        assert_eq!(untouched(&after), untouched(&before), "case {case}");
    }
}
