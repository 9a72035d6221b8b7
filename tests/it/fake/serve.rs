//! The fake's HTTPS side: an accept loop on 127.0.0.1, a thread per connection, one
//! request per connection (`Connection: close`), TLS with a test certificate
//! (`server::server_config`). A request is judged under the state's lock the moment it
//! arrives; the answer is written after the configured delay, outside the lock, so
//! slow answers overlap. Every answer carries a fresh `request-id: req_…`, as the
//! service's do; a request for a path the fake does not know answers 404 JSON (and is
//! in the log like any other).

use std::fmt::Write as _;
use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use claude_token::json;
use claude_token::oauth::CLIENT_ID;
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::log::{RefreshOutcome, RequestRecord, Via};
use super::state::State;
use super::{api, bodies, random};
use crate::server::{read_request, Captured, SERVER_PATIENCE};

/// What the server threads and the test share.
pub struct Shared {
    pub state: Mutex<State>,
    pub stop: AtomicBool,
    pub tls: Arc<ServerConfig>,
}

impl Shared {
    /// The state, even after a panicking thread poisoned the lock.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An answer before it is written.
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<String>,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, body: String) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body,
        }
    }

    /// A 200 server-sent event stream, whole (the connection closes after it).
    pub fn event_stream(body: String) -> Answer {
        Answer {
            content_type: "text/event-stream; charset=utf-8",
            ..Answer::json(200, body)
        }
    }

    pub fn api_error(status: u16, message: &str) -> Answer {
        let body = bodies::api_error(bodies::api_error_kind(status), message);
        Answer::json(status, body)
    }
}

/// Accepts until `shared.stop` is set (the owner then connects once to wake us).
pub fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for sock in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(sock) = sock else { continue };
        let shared = Arc::clone(shared);
        thread::spawn(move || connection(sock, &shared));
    }
}

fn connection(sock: TcpStream, shared: &Shared) {
    let _ = sock.set_read_timeout(Some(SERVER_PATIENCE));
    let conn = ServerConnection::new(Arc::clone(&shared.tls)).expect("server connection");
    let mut tls = StreamOwned::new(conn, sock);
    // A client that gives up (or rejects the certificate) ends the exchange here.
    if let Ok(request) = read_request(&mut tls) {
        let answer = judge(shared, &request);
        let delay = shared.lock().delay;
        thread::sleep(delay);
        if tls.write_all(&encode(&answer)).is_ok() {
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    }
    let _ = tls.sock.shutdown(Shutdown::Both);
}

/// Decides the answer and logs the request, under the lock.
fn judge(shared: &Shared, request: &Captured) -> Answer {
    let mut state = shared.lock();
    let path = request.target.split('?').next().unwrap_or_default();
    let (answer, account) = match state.fail_queue.pop_front() {
        Some(status) => (forced_failure(status), None),
        None => route(&mut state, &request.method, path, request),
    };
    let record = RequestRecord {
        method: request.method.clone(),
        path: path.to_owned(),
        account: account.map(|index| state.accounts[index].handle.email.clone()),
        headers: request
            .headers
            .iter()
            .map(|(name, _)| name.to_ascii_lowercase())
            .collect(),
        status: answer.status,
    };
    state.requests.push(record);
    answer
}

fn forced_failure(status: u16) -> Answer {
    let mut answer = Answer::api_error(status, "Injected failure.");
    if status == 429 {
        answer.headers.push("Retry-After: 60".to_owned());
    }
    answer
}

/// The answer and the account it concerns.
fn route(
    state: &mut State,
    method: &str,
    path: &str,
    request: &Captured,
) -> (Answer, Option<usize>) {
    match (method, path) {
        ("POST", "/v1/oauth/token") => token(state, &request.body),
        ("GET", "/api/oauth/usage") => usage(state, request),
        ("GET", "/api/oauth/profile") => profile(state, request),
        ("POST", "/v1/messages") => api::messages(state, request),
        ("GET", "/v1/mcp_servers") => api::mcp_servers(state, request),
        (
            _,
            "/v1/oauth/token" | "/api/oauth/usage" | "/api/oauth/profile" | "/v1/messages"
            | "/v1/mcp_servers",
        ) => (Answer::api_error(405, "Method not allowed."), None),
        _ => (Answer::api_error(404, "Not found."), None),
    }
}

/// `POST /v1/oauth/token`.
fn token(state: &mut State, body: &[u8]) -> (Answer, Option<usize>) {
    let bad = |code: &str, text: &str| (Answer::json(400, bodies::oauth_error(code, text)), None);
    let Ok(doc) = json::parse(body) else {
        return bad("invalid_request", "The request body is not JSON.");
    };
    let field = |name: &str| doc.root().get(name).and_then(|n| n.as_str());
    if field("grant_type").as_deref() != Some("refresh_token") {
        return bad("unsupported_grant_type", "Only refresh_token is supported.");
    }
    if field("client_id").as_deref() != Some(CLIENT_ID) {
        return bad("invalid_client", "Unknown client_id.");
    }
    if field("scope").is_none() {
        return bad("invalid_request", "scope is required.");
    }
    let Some(presented) = field("refresh_token") else {
        return bad("invalid_request", "refresh_token is required.");
    };
    match state.refresh(&presented, Via::Http) {
        Ok((account, tokens)) => {
            let who = &state.accounts[account].handle;
            let body = match state.odd_grant.take() {
                Some(odd) => bodies::odd_grant(&tokens, who, odd),
                None => bodies::grant(&tokens, who),
            };
            (Answer::json(200, body), Some(account))
        }
        Err(outcome) => {
            let owner = state.owner_of(&presented);
            (Answer::json(400, refused(outcome)), owner)
        }
    }
}

fn refused(outcome: RefreshOutcome) -> String {
    let text = match outcome {
        RefreshOutcome::Spent => "Refresh token has been used",
        RefreshOutcome::Revoked => "Refresh token has been revoked",
        RefreshOutcome::Expired => "Refresh token has expired",
        RefreshOutcome::Unknown | RefreshOutcome::Rotated => "Invalid refresh token",
    };
    bodies::oauth_error("invalid_grant", text)
}

/// The account behind a usage or profile request, or the error answer: 401 for a
/// missing, unknown or expired token, 400 for a wrong OAuth beta header or, when
/// `beta_required`, a missing one.
fn authorize(
    state: &State,
    request: &Captured,
    beta_required: bool,
) -> Result<usize, (Answer, Option<usize>)> {
    let bearer = header(request, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = bearer else {
        return Err((Answer::api_error(401, "Missing bearer token."), None));
    };
    let Some(account) = state.authenticate(token) else {
        let answer = Answer::api_error(401, "OAuth token has expired.");
        return Err((answer, state.owner_of(token)));
    };
    let beta = header(request, "anthropic-beta");
    if beta != Some("oauth-2025-04-20") && (beta.is_some() || beta_required) {
        let text = "OAuth authentication is currently not supported without the oauth beta.";
        return Err((Answer::api_error(400, text), Some(account)));
    }
    Ok(account)
}

/// `GET /api/oauth/usage`.
fn usage(state: &mut State, request: &Captured) -> (Answer, Option<usize>) {
    let account = match authorize(state, request, true) {
        Ok(account) => account,
        Err(refusal) => return refusal,
    };
    if let Err(seconds) = state.count_usage(account) {
        let mut answer = Answer::api_error(429, "Rate limited. Please try again later.");
        answer.headers.push(format!("Retry-After: {seconds}"));
        return (answer, Some(account));
    }
    let body = bodies::usage(&state.accounts[account].usage, state.now_ms());
    (Answer::json(200, body), Some(account))
}

/// `GET /api/oauth/profile`. Claude Code 2.1.332 sends no `anthropic-beta` here and
/// uses the answer, so the service takes the request without one.
fn profile(state: &mut State, request: &Captured) -> (Answer, Option<usize>) {
    match authorize(state, request, false) {
        Ok(account) => {
            let body = bodies::profile(&state.accounts[account].handle);
            (Answer::json(200, body), Some(account))
        }
        Err(refusal) => refusal,
    }
}

/// The first value of header `name` (ASCII case-insensitive).
pub fn header<'a>(request: &'a Captured, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn encode(answer: &Answer) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", answer.status, reason(answer.status));
    let _ = write!(
        out,
        "Content-Type: {}\r\nConnection: close\r\nrequest-id: {}\r\n",
        answer.content_type,
        random::token("req_")
    );
    for line in &answer.headers {
        out.push_str(line);
        out.push_str("\r\n");
    }
    let _ = write!(out, "Content-Length: {}\r\n\r\n", answer.body.len());
    out.push_str(&answer.body);
    out.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    }
}
