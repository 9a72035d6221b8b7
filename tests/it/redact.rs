//! Tests for `redact`: `Secret` never prints, compares by content; `scrub` masks every
//! token-like part of outside text and leaves ordinary messages alone.

use claude_token::redact::{scrub, Secret};

const TOKEN_BODY: &str = "Xk3_9bQvR2mT8yLp-Wn4Zc7Hd1Fg6Js0Ae5Ku2Io9Pl3Mb8Nv1Cx4Bz7Qw0Er6Ty";

#[derive(Debug)]
#[allow(dead_code)] // read only through Debug
struct Login {
    slot: String,
    refresh: Secret,
    nested: Option<Vec<Secret>>,
}

#[test]
fn debug_and_display_never_show_the_secret() {
    let raw = format!("sk-ant-ort01-{TOKEN_BODY}");
    let login = Login {
        slot: "work".into(),
        refresh: Secret::from(raw.as_str()),
        nested: Some(vec![Secret::new(raw.clone())]),
    };
    for text in [
        format!("{login:?}"),
        format!("{login:#?}"),
        format!("{}", login.refresh),
        format!("{:>30}", login.refresh),
        format!("{:?}", login.refresh),
    ] {
        assert!(!text.contains(TOKEN_BODY), "{text}");
        assert!(!text.contains("sk-ant"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }
    assert_eq!(
        format!("{login:?}"),
        r#"Login { slot: "work", refresh: [REDACTED], nested: Some([[REDACTED]]) }"#
    );
    assert_eq!(login.refresh.expose(), raw);
}

#[test]
fn secrets_compare_by_content() {
    let a = Secret::from("same-value");
    assert_eq!(a, Secret::new("same-value".to_owned()));
    assert_eq!(a, a.clone());
    assert_eq!(a.clone().expose(), "same-value");
    assert_ne!(a, Secret::from("same-valuf"));
    assert_ne!(a, Secret::from("Same-value"));
    assert_ne!(a, Secret::from("same-value "));
    assert_ne!(a, Secret::from("same-valu"));
    assert_ne!(a, Secret::from(""));
    assert_eq!(Secret::from(""), Secret::from(""));
    assert!(Secret::from("").is_empty());
    assert!(!a.is_empty());
}

#[test]
fn dropping_a_grown_secret_is_fine() {
    let mut grown = String::with_capacity(4);
    grown.push_str("abcdefghijklmnop");
    grown.truncate(3);
    let secret = Secret::new(grown);
    assert_eq!(secret.expose(), "abc");
    drop(secret);
}

fn check(input: &str, expected: &str) {
    assert_eq!(scrub(input), expected, "input: {input}");
}

#[test]
fn masks_sk_ant_tokens_keeping_their_kind() {
    let b = TOKEN_BODY;
    check(&format!("sk-ant-oat01-{b}"), "sk-ant-oat01-[REDACTED]");
    check(
        &format!("token sk-ant-ort01-{b}AA rejected"),
        "token sk-ant-ort01-[REDACTED] rejected",
    );
    check(
        &format!("x-api-key: sk-ant-api03-{b}."),
        "x-api-key: sk-ant-api03-[REDACTED].",
    );
    check(&format!("sk-ant-admin01-{b}"), "sk-ant-admin01-[REDACTED]");
    check(&format!("SK-ANT-OAT01-{b}"), "SK-ANT-[REDACTED]");
    check(
        &format!("\"sk-ant-oat01-{b}\""),
        "\"sk-ant-oat01-[REDACTED]\"",
    );
    check(&format!("a sk-ant-{b}"), "a sk-ant-[REDACTED]");
    check(
        "cut off: sk-ant-oat01-abc",
        "cut off: sk-ant-oat01-[REDACTED]",
    );
    check(
        "cut off: sk-ant-oat01-a",
        "cut off: sk-ant-oat01-[REDACTED]",
    );
    check("cut off: sk-ant-oat01", "cut off: sk-ant-[REDACTED]");
    check("cut off: sk-ant-oa", "cut off: sk-ant-[REDACTED]");
    check("cut off: sk-ant-oat01-", "cut off: sk-ant-oat01-");
    check("cut off: sk-ant-", "cut off: sk-ant-");
    check("cut off: sk-ant", "cut off: sk-ant");
    check(
        &format!("glued:xyzsk-ant-oat01-{b}"),
        "glued:xyzsk-ant-oat01-[REDACTED]",
    );
    // A token shaped like a key is still a token.
    check("sk-ant-oat01-abcToken=x", "sk-ant-oat01-[REDACTED]=x");
    check(
        &format!("{b}sk-ant-oat01-{b}"),
        "[REDACTED]sk-ant-oat01-[REDACTED]",
    );
}

#[test]
fn masks_values_of_credential_keys() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"access_token":"abc","refresh_token":"def","expires_in":28800}"#,
            r#"{"access_token":"[REDACTED]","refresh_token":"[REDACTED]","expires_in":28800}"#,
        ),
        (
            r#"{"accessToken": "abc", "refreshToken" : "d\"e\\f", "expiresAt": 1}"#,
            r#"{"accessToken": "[REDACTED]", "refreshToken" : "[REDACTED]", "expiresAt": 1}"#,
        ),
        (
            r#"{"id_token":"a","token":"b","code":"c","client_secret":"d","password":"e"}"#,
            r#"{"id_token":"[REDACTED]","token":"[REDACTED]","code":"[REDACTED]","client_secret":"[REDACTED]","password":"[REDACTED]"}"#,
        ),
        ("{\"api_key\":\n  \"k\"}", "{\"api_key\":\n  \"[REDACTED]\"}"),
        (r#"{"Authorization":"Bearer x"}"#, r#"{"Authorization":"[REDACTED]"}"#),
        (r"{'access_token': 'abc'}", r"{'access_token': '[REDACTED]'}"),
        (
            r#"{"message":"{\"refresh_token\":\"abc\",\"x\":1}"}"#,
            r#"{"message":"{\"refresh_token\":\"[REDACTED]\",\"x\":1}"}"#,
        ),
        (r#"{"refresh_token":"abc"#, r#"{"refresh_token":"[REDACTED]"#),
        (r#"{"refresh_token":"#, r#"{"refresh_token":"#),
        (r#"{"refresh_token": null, "code": 400}"#, r#"{"refresh_token": null, "code": 400}"#),
        (r#"{"refresh_token":"""#, r#"{"refresh_token":"""#),
        (
            "https://claude.ai/oauth/callback?code=abc123&state=xyz",
            "https://claude.ai/oauth/callback?code=[REDACTED]&state=xyz",
        ),
        (
            "grant_type=refresh_token&refresh_token=abc-def&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e",
            "grant_type=refresh_token&refresh_token=[REDACTED]&client_id=9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        ),
        ("CLAUDE_CODE_OAUTH_TOKEN='abc def'", "CLAUDE_CODE_OAUTH_TOKEN='[REDACTED]'"),
        ("session_token=abc", "session_token=[REDACTED]"),
        ("refresh_token=", "refresh_token="),
    ];
    for &(input, expected) in cases {
        check(input, expected);
    }
}

#[test]
fn masks_bearer_and_basic_credentials() {
    let cases: &[(&str, &str)] = &[
        (
            "Authorization: Bearer abc.def-123",
            "Authorization: Bearer [REDACTED]",
        ),
        (
            "authorization: basic dXNlcjpwYXNz",
            "authorization: basic [REDACTED]",
        ),
        ("Basic dXNlcjpwYXNzd29yZA==\r\n", "Basic [REDACTED]\r\n"),
        ("BEARER\tabcdefghijklmnopqrst", "BEARER\t[REDACTED]"),
        ("Bearer a+b/c=", "Bearer [REDACTED]"),
        (
            &format!("Bearer sk-ant-oat01-{TOKEN_BODY}"),
            "Bearer sk-ant-oat01-[REDACTED]",
        ),
    ];
    for (input, expected) in cases {
        check(input, expected);
    }
}

#[test]
fn masks_long_random_runs() {
    let cases: &[(&str, &str)] = &[
        (TOKEN_BODY, "[REDACTED]"),
        ("id: AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEf end", "id: [REDACTED] end"),
        ("n0tHex0123456789abcdef0123456789abcdef", "[REDACTED]"),
        (
            "jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "jwt [REDACTED]",
        ),
    ];
    for &(input, expected) in cases {
        check(input, expected);
    }
}

#[test]
fn ordinary_text_comes_through_unchanged() {
    let unchanged = [
        "",
        r#"{"error":"invalid_grant","error_description":"Refresh token expired"}"#,
        r#"{"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired. Please obtain a new token or refresh your existing token."},"request_id":"req_011CUzQ3jKx8PmWq7Rt2YvBn"}"#,
        r#"{"token_type":"Bearer","expires_in":28800,"scope":"user:inference user:profile"}"#,
        r#"{"grant_type":"refresh_token","client_id":"9d1c250a-e61b-44d9-88ed-5944d1962f5e"}"#,
        r#"{"five_hour":{"utilization":42.0,"resets_at":"2025-11-04T04:59:59.943648+00:00"}}"#,
        r#"{"access_token": null, "max_tokens": 4096, "input_tokens": 12}"#,
        "Basic authentication failed",
        "Bearer token missing or malformed",
        r#"WWW-Authenticate: Bearer realm="claude", error="invalid_token""#,
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "commit 7774d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7081",
        "model claude-3-7-sonnet-20250219-extended-thinking not found",
        "SOME_VERY_LONG_ENVIRONMENT_VARIABLE_NAME is unset",
        "this_is_a_rather_long_snake_case_identifier_name",
        "Internationalization-Configuration-Subsystem-Failure",
        "Ошибка: токен истёк 🙂 — réessayez",
        "error code 500: try again later",
        "the code: 42",
        "[REDACTED]",
    ];
    for text in unchanged {
        check(text, text);
    }
}

#[test]
fn never_panics_on_cut_or_odd_input() {
    let samples = [
        format!(r#"{{"refresh_token":"sk-ant-ort01-{TOKEN_BODY}","code":"é🙂"}}"#),
        format!("Bearer é{TOKEN_BODY}🙂 Basic \u{0}\u{7f} code=日本&token='"),
        "\\\"access_token\\\":\\\"abc\\".to_owned(),
        "\"\\".to_owned(),
        "'token'  :  '".to_owned(),
        "sk-ant-sk-ant-sk-ant-oat01-".to_owned(),
        "\u{feff}\u{10ffff}\u{fffd}sk-ant-é".to_owned(),
    ];
    for sample in &samples {
        for (i, _) in sample.char_indices().chain([(sample.len(), ' ')]) {
            let _ = scrub(&sample[..i]);
            let _ = scrub(&sample[i..]);
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.byte()).collect();
        let text = String::from_utf8_lossy(&bytes);
        assert_eq!(scrub(&scrub(&text)), scrub(&text));
    }
}

/// Generated secrets in generated surroundings: the secret never survives, and
/// scrubbing is idempotent.
#[test]
fn generated_secrets_never_survive_scrub() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..5_000 {
        let (secret, embedded) = generated_secret(&mut rng);
        let text = format!("{}{}{}", filler(&mut rng), embedded, filler(&mut rng));
        let out = scrub(&text);
        assert!(!out.contains(&secret), "round {round}: {text:?} -> {out:?}");
        assert!(out.contains("[REDACTED]"), "round {round}: {text:?}");
        assert_eq!(
            scrub(&out),
            out,
            "round {round}: not idempotent on {text:?}"
        );
    }
}

/// (the secret, the secret in one of the shapes `scrub` knows), with separators around.
fn generated_secret(rng: &mut Rng) -> (String, String) {
    const BASE64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const B64TOKEN: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=";
    let sep = [" ", "\n", ", ", " | ", "\t"][rng.below(5)];
    match rng.below(5) {
        0 => {
            let secret = rng.string(BASE64URL, 12, 120);
            let kind = ["oat01", "ort01", "api03", "admin01"][rng.below(4)];
            (secret.clone(), format!("{sep}sk-ant-{kind}-{secret}{sep}"))
        }
        1 => {
            let secret = rng.string(BASE64URL, 12, 80);
            let key = [
                "access_token",
                "refreshToken",
                "id_token",
                "token",
                "code",
                "client_secret",
            ][rng.below(6)];
            let shaped = match rng.below(4) {
                0 => format!("\"{key}\":\"{secret}\""),
                1 => format!("\"{key}\" :\n \"{secret}\""),
                2 => format!("\\\"{key}\\\":\\\"{secret}\\\""),
                _ => format!("{key}={secret}&"),
            };
            (secret, format!("{sep}{shaped}{sep}"))
        }
        2 => {
            let secret = rng.string(B64TOKEN, 16, 80);
            let scheme = ["Bearer", "Basic", "bearer"][rng.below(3)];
            (secret.clone(), format!("{sep}{scheme} {secret}{sep}"))
        }
        3 => {
            let secret = rng.string(BASE64URL, 32, 100);
            (secret.clone(), format!("{sep}{secret}{sep}"))
        }
        _ => {
            // Glued to neighbouring letters: the longer run must still be masked.
            let secret = rng.string(BASE64URL, 32, 100);
            (secret.clone(), format!("{sep}abc{secret}xyz{sep}"))
        }
    }
}

fn filler(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "hello", " ", "é", "日本", "🙂", "{", "}", ":", ",", "\"", "error", "token", "\n", "=",
        "&", "\\", "sk-ant", "Bearer", "0", "Z", "code", "'", "[", "]", "null",
    ];
    (0..rng.below(12))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

/// xorshift64*: deterministic, so a failure replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[7]
    }

    fn string(&mut self, alphabet: &[u8], min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len())]))
            .collect()
    }
}
