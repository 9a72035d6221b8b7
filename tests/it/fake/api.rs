//! The fake's side of the Messages API, for the real Claude Code: `POST /v1/messages`
//! (a server-sent event stream when the body asks for `"stream": true`, one JSON
//! message otherwise) and `GET /v1/mcp_servers` (an empty list). The assistant's text
//! is always `hello from <email>`, naming the account whose access token came as the
//! bearer, so a test sees which login Claude Code used. It never runs a model, never
//! looks at the prompt beyond `model` and `stream`, and keeps no body.

use std::fmt::Write as _;

use claude_token::json::{self, quote};

use super::random;
use super::serve::{header, Answer};
use super::state::State;
use crate::server::Captured;

/// The text every answer carries for the account with this email.
pub fn greeting(email: &str) -> String {
    format!("hello from {email}")
}

/// `POST /v1/messages`: bearer of a live, unexpired login and the OAuth beta among
/// the `anthropic-beta` values, as the service wants from OAuth clients.
pub fn messages(state: &State, request: &Captured) -> (Answer, Option<usize>) {
    let account = match bearer_account(state, request) {
        Ok(account) => account,
        Err(refusal) => return refusal,
    };
    let betas = header(request, "anthropic-beta").unwrap_or_default();
    if !betas.split(',').any(|b| b.trim() == "oauth-2025-04-20") {
        let text = "OAuth authentication is currently not supported.";
        return (Answer::api_error(401, text), Some(account));
    }
    let Ok(doc) = json::parse(&request.body) else {
        return (
            Answer::api_error(400, "The body is not JSON."),
            Some(account),
        );
    };
    let model = doc.root().get("model").and_then(|n| n.as_str());
    let model = model.as_deref().unwrap_or("claude-unknown").to_owned();
    let streaming = doc.root().get("stream").and_then(|n| n.as_bool()) == Some(true);
    let text = greeting(&state.accounts[account].handle.email);
    let answer = if streaming {
        Answer::event_stream(event_stream(&model, &text))
    } else {
        Answer::json(200, message(&model, &text))
    };
    (answer, Some(account))
}

/// `GET /v1/mcp_servers`: no connector servers for anyone.
pub fn mcp_servers(state: &State, request: &Captured) -> (Answer, Option<usize>) {
    match bearer_account(state, request) {
        Ok(account) => {
            let body = r#"{"data":[],"has_more":false,"first_id":null,"last_id":null}"#;
            (Answer::json(200, body.to_owned()), Some(account))
        }
        Err(refusal) => refusal,
    }
}

/// The account of the bearer token, or 401 as the service words it.
fn bearer_account(state: &State, request: &Captured) -> Result<usize, (Answer, Option<usize>)> {
    let bearer = header(request, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = bearer else {
        return Err((Answer::api_error(401, "Missing bearer token."), None));
    };
    state.authenticate(token).ok_or_else(|| {
        let answer = Answer::api_error(401, "OAuth token has expired.");
        (answer, state.owner_of(token))
    })
}

/// A complete (non-streaming) assistant message.
fn message(model: &str, text: &str) -> String {
    format!(
        r#"{{"id":{},"type":"message","role":"assistant","model":{},"content":[{{"type":"text","text":{}}}],"stop_reason":"end_turn","stop_sequence":null,"usage":{{"input_tokens":12,"output_tokens":4}}}}"#,
        quote(&random::token("msg_")),
        quote(model),
        quote(text),
    )
}

/// The same message as the event stream the service sends: start, one text block
/// with one delta, stop reason, stop.
fn event_stream(model: &str, text: &str) -> String {
    let start = format!(
        r#"{{"type":"message_start","message":{{"id":{},"type":"message","role":"assistant","model":{},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":12,"output_tokens":1}}}}}}"#,
        quote(&random::token("msg_")),
        quote(model),
    );
    let delta = format!(
        r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":{}}}}}"#,
        quote(text)
    );
    let events = [
        ("message_start", start.as_str()),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        ),
        ("content_block_delta", delta.as_str()),
        (
            "content_block_stop",
            r#"{"type":"content_block_stop","index":0}"#,
        ),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}"#,
        ),
        ("message_stop", r#"{"type":"message_stop"}"#),
    ];
    let mut out = String::new();
    for (name, data) in events {
        let _ = write!(out, "event: {name}\ndata: {data}\n\n");
    }
    out
}
