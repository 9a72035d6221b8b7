//! The llhttp response corpus (`tests/vectors/llhttp-response/*.md`) replayed against
//! our parser: same accept/reject verdict and, when both accept, the same final
//! statuses and body bytes. Cases in a lenient llhttp mode must be rejected by us.
//!
//! Format (llhttp's `test/md-test.ts`): a `<!-- meta={...} -->` line, a ```http block
//! and a ```log block. The http block loses one trailing newline and every
//! backslash-newline, then each newline becomes CRLF, then `\r \n \t \f` escapes
//! become bytes (other backslashes stay literal). In the log, `\t`/`\f` are escapes,
//! `span[body]=cr`/`=lf` are single bytes, and quoted spans are raw between the outer
//! quotes; each span's `len=` is checked against the decoded bytes.

use std::fs;

use claude_token::http::{BodyDecoder, Error, Head, Limits, Method, Progress, ResponseParser};

use crate::support::vector;

/// Cases where llhttp (strict mode) accepts and we reject on purpose. Each entry is
/// checked to be hit, and to be a rejection by us, so the list cannot go stale.
const DELIBERATE: &[(&str, &str)] = &[
    // Only `HTTP/1.1` and `HTTP/1.0` are HTTP/1 responses; we never speak RTSP, ICE or 0.9.
    ("sample.md", "RTSP response"),
    ("sample.md", "ICE response"),
    ("sample.md", "HTTP version 0.9"),
    // RFC 9112 2.2 lets a *server* skip empty lines before a request; nothing lets a
    // client skip them before a status line, and they are never sent by a sane server.
    ("sample.md", "Response starting with CRLF"),
    ("connection.md", "HTTP 100 first, then 400"),
    // Any Transfer-Encoding but a lone `chunked` is refused: llhttp reads these as
    // close-delimited, a guess that differs between parsers (smuggling).
    (
        "transfer-encoding.md",
        "`chunked` before other transfer-encoding",
    ),
    (
        "transfer-encoding.md",
        "multiple transfer-encoding where chunked is not the last one",
    ),
    (
        "transfer-encoding.md",
        "`chunkedchunked` transfer-encoding does not enable chunked enconding",
    ),
];

struct Case {
    file: String,
    name: String,
    meta: String,
    input: Vec<u8>,
    log: String,
}

/// What llhttp's log says happened.
#[derive(Debug, PartialEq)]
struct Expected {
    rejected: bool,
    /// Final (non-1xx) messages: status and body bytes seen.
    messages: Vec<(u16, Vec<u8>)>,
}

#[test]
fn llhttp_response_corpus_verdicts_match() {
    let cases = load_cases();
    assert_eq!(cases.len(), 85, "cases in the corpus");
    let (mut compared, mut lenient, mut deliberate) = (0, 0, 0);
    for case in &cases {
        let label = format!("{}: {}", case.file, case.name);
        let ty = meta_value(&case.meta, "type").unwrap_or_else(|| panic!("{label}: no type"));
        let expected = expected(&case.log, &label);
        let ours = replay(case, &[case.input.len()]);
        assert_eq!(
            ours,
            replay(case, &[1]),
            "{label}: byte-by-byte feeding differs"
        );
        if ty.contains("lenient") || case.meta.contains("\"lenient") {
            assert!(ours.rejected, "{label}: lenient case accepted: {ours:?}");
            lenient += 1;
        } else if DELIBERATE.contains(&(case.file.as_str(), case.name.as_str())) {
            assert!(
                !expected.rejected && ours.rejected,
                "{label}: not a deliberate difference"
            );
            deliberate += 1;
        } else {
            assert!(
                ty == "response" || ty == "response-finish",
                "{label}: unknown type {ty}"
            );
            if expected.rejected {
                assert!(
                    ours.rejected,
                    "{label}: we accept what llhttp rejects: {ours:?}"
                );
            } else {
                assert_eq!(ours, expected, "{label}");
            }
            compared += 1;
        }
    }
    assert_eq!((compared, lenient, deliberate), (69, 8, DELIBERATE.len()));
}

fn load_cases() -> Vec<Case> {
    let dir = vector("llhttp-response");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(parse_markdown(&file, &fs::read_to_string(path).unwrap()));
    }
    cases
}

fn parse_markdown(file: &str, text: &str) -> Vec<Case> {
    let (mut cases, mut name, mut meta, mut http) =
        (Vec::new(), String::new(), String::new(), None);
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix('#') {
            heading.trim_start_matches('#').trim().clone_into(&mut name);
        } else if let Some(m) = line.strip_prefix("<!-- meta=") {
            m.trim_end_matches("-->").trim().clone_into(&mut meta);
        } else if line == "```http" || line == "```log" {
            let mut block = String::new();
            for l in lines.by_ref().take_while(|l| *l != "```") {
                block.push_str(l);
                block.push('\n');
            }
            if line == "```http" {
                http = Some(decode_input(&block));
            } else {
                let input = http
                    .take()
                    .unwrap_or_else(|| panic!("{file}: {name}: log first"));
                let (file, name, meta) = (file.to_owned(), name.clone(), meta.clone());
                cases.push(Case {
                    file,
                    name,
                    meta,
                    input,
                    log: block,
                });
            }
        }
    }
    cases
}

/// llhttp's input rules, in its order.
fn decode_input(block: &str) -> Vec<u8> {
    let text = block.strip_suffix('\n').unwrap_or(block);
    let text = text.replace("\\\r\n", "").replace("\\\n", "");
    let text = text.replace("\r\n", "\n").replace('\n', "\r\n");
    let mut out = Vec::new();
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        let escaped = match (b, bytes.peek()) {
            (b'\\', Some(b'r')) => b'\r',
            (b'\\', Some(b'n')) => b'\n',
            (b'\\', Some(b't')) => b'\t',
            (b'\\', Some(b'f')) => 0x0c,
            (b'\\', Some(c)) if c.is_ascii_digit() || *c == b'x' => panic!("unsupported escape"),
            _ => {
                assert!(
                    !(b == b'$' && bytes.peek() == Some(&b'{')),
                    "unsupported ${{}}"
                );
                out.push(b);
                continue;
            }
        };
        bytes.next();
        out.push(escaped);
    }
    out
}

/// `"key": value` from the one-line meta object (values here are plain strings,
/// booleans and numbers, never nested).
fn meta_value(meta: &str, key: &str) -> Option<String> {
    let body = meta.trim().strip_prefix('{')?.strip_suffix('}')?;
    body.split(',').find_map(|pair| {
        let (k, v) = pair.split_once(':')?;
        (k.trim().trim_matches('"') == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn expected(log: &str, label: &str) -> Expected {
    let log = log.replace("\\t", "\t").replace("\\f", "\x0c");
    let mut messages: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut rejected = false;
    for line in log.lines() {
        let event = line.split_once(' ').map_or("", |(_, rest)| rest);
        if let Some(rest) = event.strip_prefix("headers complete status=") {
            let status = rest.split(' ').next().unwrap().parse().unwrap();
            messages.push((status, Vec::new()));
        } else if let Some((len, span)) = event.split_once(" span[body]=") {
            let bytes = span_bytes(span);
            assert_eq!(format!("len={}", bytes.len()), len, "{label}: span {span}");
            messages.last_mut().unwrap().1.extend(bytes);
        } else if event.starts_with("error ") {
            rejected = true;
        }
    }
    messages.retain(|(status, _)| *status >= 200);
    Expected { rejected, messages }
}

fn span_bytes(span: &str) -> Vec<u8> {
    match span {
        "cr" => b"\r".to_vec(),
        "lf" => b"\n".to_vec(),
        quoted => quoted
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap()
            .into(),
    }
}

/// Feeds the case in pieces of the given sizes (the last size repeats), parsing
/// message after message the way llhttp does.
fn replay(case: &Case, sizes: &[usize]) -> Expected {
    let skip_body = meta_value(&case.meta, "skipBody").is_some_and(|v| v == "true");
    let finish = meta_value(&case.meta, "type").is_some_and(|t| t.ends_with("-finish"));
    let mut stream = Stream::new(if skip_body { Method::Head } else { Method::Get });
    let (mut rest, mut i) = (case.input.as_slice(), 0);
    let mut result = Ok(());
    while !rest.is_empty() && result.is_ok() {
        let n = sizes[i.min(sizes.len() - 1)].min(rest.len());
        result = stream.feed(&rest[..n]);
        (rest, i) = (&rest[n..], i + 1);
    }
    if finish && result.is_ok() {
        result = stream.finish();
    }
    Expected {
        rejected: result.is_err(),
        messages: stream.messages,
    }
}

/// Why a replay stopped.
#[derive(Debug)]
enum Stop {
    Codec(#[allow(dead_code)] Error), // read through Debug in failure messages
    /// llhttp's connection rule: bytes after a `Connection: close` response are an
    /// error. In our client the connection layer owns this (it reads one response and
    /// closes), so the harness applies it here to compare verdicts.
    DataAfterClose,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Codec(e)
    }
}

struct Stream {
    method: Method,
    parser: ResponseParser,
    body: Option<(BodyDecoder, bool)>,
    between_messages: bool,
    /// Head bytes were taken but the head is not complete yet.
    in_head: bool,
    closed: bool,
    messages: Vec<(u16, Vec<u8>)>,
}

impl Stream {
    fn new(method: Method) -> Self {
        let parser = ResponseParser::new(Limits::default());
        Stream {
            method,
            parser,
            body: None,
            between_messages: false,
            in_head: false,
            closed: false,
            messages: Vec::new(),
        }
    }

    fn feed(&mut self, mut input: &[u8]) -> Result<(), Stop> {
        while !input.is_empty() {
            if let Some((decoder, close)) = &mut self.body {
                let out = &mut self.messages.last_mut().unwrap().1;
                let progress = decoder.decode(input, out)?;
                assert!(progress.consumed > 0 || progress.finished, "no progress");
                input = &input[progress.consumed..];
                if progress.finished {
                    (self.closed, self.between_messages) = (*close, true);
                    self.body = None;
                }
            } else if self.closed {
                return Err(Stop::DataAfterClose);
            } else if self.between_messages && matches!(input[0], b'\r' | b'\n') {
                // llhttp skips empty lines between pipelined messages; we never
                // pipeline, so these bytes would never reach our parser.
                input = &input[1..];
            } else {
                self.between_messages = false;
                input = self.head(input)?;
            }
        }
        Ok(())
    }

    fn head<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], Stop> {
        match self.parser.parse_head(input)? {
            Progress::NeedMore => {
                self.in_head = true;
                Ok(&[])
            }
            Progress::Done { consumed, value } => {
                self.in_head = false;
                let decoder = BodyDecoder::for_head(&value, self.method, &Limits::default())?;
                self.body = Some((decoder, says_close(&value)));
                self.messages.push((value.status, Vec::new()));
                Ok(&input[consumed..])
            }
        }
    }

    /// EOF, for the `-finish` cases.
    fn finish(&mut self) -> Result<(), Stop> {
        match &self.body {
            Some((decoder, _)) => Ok(decoder.finish_on_eof()?),
            None if self.in_head => Err(Stop::Codec(Error::Truncated)),
            None => Ok(()),
        }
    }
}

fn says_close(head: &Head) -> bool {
    head.get_all("connection")
        .flat_map(|v| v.split(|&b| b == b','))
        .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
}
