//! Tests for `http`: every prefix and every split of valid responses, targeted
//! rejections (numbers, framing, line ends, limits), and the llhttp corpus (`llhttp`).

mod llhttp;

use claude_token::http::{BodyDecoder, Error, Limits, Method, Progress, ResponseParser, Version};

const LENGTH: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
    5;a=b;c=\"d; \\\"e\"\r\nhello\r\n6;z\r\n world\r\n0;last\r\nX-Trailer: t\r\n\r\n";
const CLOSE: &[u8] = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil eof";
const NO_CONTENT: &[u8] = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
const INTERIM: &[u8] =
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 201 \r\nContent-Length: 2\r\n\r\nok";

/// Valid responses, the body each carries, and whether it ends only at EOF.
const VALID: &[(&[u8], &[u8], bool)] = &[
    (LENGTH, b"hello", false),
    (CHUNKED, b"hello world", false),
    (CLOSE, b"until eof", true),
    (NO_CONTENT, b"", false),
    (INTERIM, b"ok", false),
];

/// Where one response got to after some feeds.
#[derive(Debug, PartialEq)]
struct Parsed {
    status: Option<u16>,
    body: Vec<u8>,
    finished: bool,
    /// Bytes the codec took, summed over feeds.
    consumed: usize,
}

/// Feeds `feeds` in order to a head parser, then a body decoder.
fn feed(feeds: &[&[u8]], method: Method, limits: &Limits) -> Result<Parsed, Error> {
    let mut parser = ResponseParser::new(*limits);
    let (mut decoder, mut status) = (None, None);
    let mut parsed = Parsed {
        status: None,
        body: Vec::new(),
        finished: false,
        consumed: 0,
    };
    for &input in feeds {
        let mut rest = input;
        if decoder.is_none() {
            match parser.parse_head(rest)? {
                Progress::NeedMore => rest = &[],
                Progress::Done { consumed, value } => {
                    assert!(consumed <= rest.len());
                    rest = &rest[consumed..];
                    status = Some(value.status);
                    decoder = Some(BodyDecoder::for_head(&value, method, limits)?);
                }
            }
        }
        if let Some(decoder) = &mut decoder {
            let progress = decoder.decode(rest, &mut parsed.body)?;
            assert!(progress.consumed <= rest.len());
            parsed.finished = progress.finished;
            rest = &rest[progress.consumed..];
        }
        parsed.consumed += input.len() - rest.len();
    }
    parsed.status = status;
    Ok(parsed)
}

fn feed_whole(input: &[u8]) -> Result<Parsed, Error> {
    feed(&[input], Method::Get, &Limits::default())
}

fn feed_bytewise(input: &[u8]) -> Result<Parsed, Error> {
    let feeds: Vec<&[u8]> = input.chunks(1).collect();
    feed(&feeds, Method::Get, &Limits::default())
}

/// The input must fail with `error`, fed whole and fed byte by byte.
fn check_rejects(input: &[u8], error: Error) {
    let text = String::from_utf8_lossy(input);
    assert_eq!(feed_whole(input), Err(error), "whole: {text:?}");
    assert_eq!(feed_bytewise(input), Err(error), "bytewise: {text:?}");
}

fn with_header(line: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\n{line}\r\n\r\nhello").into_bytes()
}

fn chunked_body(body: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{body}").into_bytes()
}

#[test]
fn every_prefix_of_a_valid_response_needs_more() {
    for &(input, body, close) in VALID {
        for end in 0..input.len() {
            let parsed = feed_whole(&input[..end]).unwrap_or_else(|e| panic!("{end}: {e}"));
            assert!(!parsed.finished, "false finish at {end}");
            assert!(body.starts_with(&parsed.body), "body at {end}");
        }
        let parsed = feed_whole(input).unwrap();
        assert_eq!((parsed.body.as_slice(), parsed.finished), (body, !close));
    }
}

#[test]
fn every_split_into_two_feeds_matches_one_feed() {
    for &(input, _, _) in VALID {
        let whole = feed_whole(input).unwrap();
        for at in 0..=input.len() {
            let split = feed(
                &[&input[..at], &input[at..]],
                Method::Get,
                &Limits::default(),
            );
            assert_eq!(split.as_ref(), Ok(&whole), "split at {at}");
        }
        assert_eq!(feed_bytewise(input).as_ref(), Ok(&whole));
    }
}

#[test]
fn close_delimited_body_ends_cleanly_at_eof_and_others_are_truncated() {
    let limits = Limits::default();
    let eof_after = |input: &[u8]| {
        let mut parser = ResponseParser::new(limits);
        let Progress::Done { consumed, value } = parser.parse_head(input).unwrap() else {
            panic!("head incomplete");
        };
        let mut decoder = BodyDecoder::for_head(&value, Method::Get, &limits).unwrap();
        decoder.decode(&input[consumed..], &mut Vec::new()).unwrap();
        decoder.finish_on_eof()
    };
    assert_eq!(eof_after(CLOSE), Ok(()));
    assert_eq!(eof_after(LENGTH), Ok(()));
    assert_eq!(eof_after(CHUNKED), Ok(()));
    assert_eq!(
        eof_after(&LENGTH[..LENGTH.len() - 1]),
        Err(Error::Truncated)
    );
    assert_eq!(
        eof_after(&CHUNKED[..CHUNKED.len() - 2]),
        Err(Error::Truncated)
    );
}

#[test]
fn consumption_stops_at_the_end_of_the_message() {
    let mut input = LENGTH.to_vec();
    input.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    assert_eq!(feed_whole(&input).unwrap().consumed, LENGTH.len());
    let mut input = CHUNKED.to_vec();
    input.extend_from_slice(b"junk");
    assert_eq!(feed_whole(&input).unwrap().consumed, CHUNKED.len());
}

#[test]
fn head_fields_are_parsed_with_case_insensitive_lookup() {
    let input = b"HTTP/1.0 404 Not  Found\r\nX-A:  1 \r\nx-a:\t2\r\nEmpty:\r\n\r\n";
    let Progress::Done { consumed, value } = ResponseParser::new(Limits::default())
        .parse_head(input)
        .unwrap()
    else {
        panic!("head incomplete");
    };
    assert_eq!(consumed, input.len());
    assert_eq!((value.version, value.status), (Version::Http10, 404));
    assert_eq!(value.reason, b"Not  Found");
    assert_eq!(value.get("X-a"), Some(&b"1"[..]));
    assert_eq!(value.get_all("X-A").collect::<Vec<_>>(), [&b"1"[..], b"2"]);
    assert_eq!(value.get("empty"), Some(&b""[..]));
    assert_eq!(value.get("missing"), None);
}

#[test]
fn head_response_and_bodiless_statuses_have_no_body() {
    let parsed = feed(&[LENGTH], Method::Head, &Limits::default()).unwrap();
    assert_eq!(
        (parsed.body.len(), parsed.finished, parsed.consumed),
        (0, true, LENGTH.len() - 5)
    );
    let not_modified = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
    assert!(feed_whole(not_modified).unwrap().finished);
}

#[test]
fn rejects_signs_spaces_and_junk_in_content_length() {
    for value in [
        "+5", "-5", "5 5", "1 5", "0x5", "5a", "5.0", "", "5,,5", ",5", "١",
    ] {
        check_rejects(
            &with_header(&format!("Content-Length: {value}")),
            Error::InvalidContentLength,
        );
    }
    check_rejects(
        &with_header("Content-Length: 18446744073709551616"),
        Error::InvalidContentLength,
    );
}

#[test]
fn content_length_values_must_agree() {
    assert!(
        feed_whole(&with_header("Content-Length: 5, 5"))
            .unwrap()
            .finished
    );
    assert!(
        feed_whole(&with_header("Content-Length: 5\r\nContent-Length: 5"))
            .unwrap()
            .finished
    );
    check_rejects(
        &with_header("Content-Length: 5, 6"),
        Error::ConflictingContentLength,
    );
    check_rejects(
        &with_header("Content-Length: 5\r\ncontent-length: 4"),
        Error::ConflictingContentLength,
    );
}

#[test]
fn rejects_content_length_above_the_cap_before_reading() {
    check_rejects(&with_header("Content-Length: 1048577"), Error::BodyTooLarge);
    check_rejects(
        &with_header("Content-Length: 18446744073709551615"),
        Error::BodyTooLarge,
    );
}

#[test]
fn rejects_malformed_chunk_sizes() {
    for size in [
        "+a",
        "-1",
        "0x10",
        "1 0",
        "a ",
        " a",
        "",
        "g",
        "00000000000000001",
        "10000000000000000",
    ] {
        check_rejects(
            &chunked_body(&format!("{size}\r\n")),
            Error::InvalidChunkSize,
        );
    }
    check_rejects(&chunked_body("ffffffffffffffff\r\n"), Error::BodyTooLarge);
}

#[test]
fn rejects_malformed_chunk_extensions_and_ends() {
    check_rejects(&chunked_body("1;\r\n"), Error::InvalidChunkExtension);
    check_rejects(&chunked_body("1;a=\"b\r\n"), Error::InvalidChunkExtension);
    check_rejects(&chunked_body("1\r\nab"), Error::InvalidChunkEnd);
    check_rejects(&chunked_body("1\r\na\n"), Error::InvalidChunkEnd);
    check_rejects(&chunked_body("1\r\na\r\r"), Error::InvalidChunkEnd);
    check_rejects(&chunked_body("1\n"), Error::BareLf);
    let long = format!("1;{}\r\n", "a".repeat(5000));
    check_rejects(&chunked_body(&long), Error::ChunkLineTooLong);
}

#[test]
fn rejects_bad_trailers() {
    check_rejects(
        &chunked_body("0\r\nX: 1\r\n folded\r\n\r\n"),
        Error::ObsFold,
    );
    check_rejects(
        &chunked_body("0\r\nX : 1\r\n\r\n"),
        Error::InvalidHeaderName,
    );
    check_rejects(&chunked_body("0\r\nX: 1\n\r\n"), Error::BareLf);
    let many = format!("0\r\n{}\r\n", "T: x\r\n".repeat(101));
    check_rejects(&chunked_body(&many), Error::TooManyHeaders);
    let big = format!("0\r\nT: {}\r\n\r\n", "x".repeat(64 * 1024));
    check_rejects(&chunked_body(&big), Error::TrailersTooLarge);
}

#[test]
fn rejects_transfer_encodings_other_than_plain_chunked() {
    for value in [
        "gzip, chunked",
        "chunked, gzip",
        "identity",
        "chunkedchunked",
        "chunked;q=1",
        "",
    ] {
        check_rejects(
            &with_header(&format!("Transfer-Encoding: {value}")),
            Error::UnsupportedTransferEncoding,
        );
    }
    let twice = "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked";
    check_rejects(&with_header(twice), Error::UnsupportedTransferEncoding);
    let upper = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n";
    assert!(feed_whole(upper).unwrap().finished);
}

#[test]
fn rejects_content_length_with_transfer_encoding() {
    let both = "Content-Length: 5\r\nTransfer-Encoding: chunked";
    check_rejects(&with_header(both), Error::ContentLengthWithTransferEncoding);
    let http10 = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    check_rejects(http10, Error::TransferEncodingInHttp10);
}

#[test]
fn rejects_obs_fold_bare_line_ends_and_bad_names() {
    check_rejects(
        b"HTTP/1.1 200 OK\r\nA: 1\r\n  continued\r\n\r\n",
        Error::ObsFold,
    );
    check_rejects(b"HTTP/1.1 200 OK\r\n\tA: 1\r\n\r\n", Error::ObsFold);
    check_rejects(b"HTTP/1.1 200 OK\nA: 1\r\n\r\n", Error::BareLf);
    check_rejects(b"HTTP/1.1 200 OK\r\nA: 1\n\r\n", Error::BareLf);
    check_rejects(b"HTTP/1.1 200 OK\r\nA: 1\r\n\n", Error::BareLf);
    check_rejects(b"HTTP/1.1 200 OK\r\nA: 1\rB: 2\r\n\r\n", Error::BareCr);
    for line in [
        "A : 1",
        "A\t: 1",
        ": 1",
        "A B: 1",
        "A@B: 1",
        "\u{e9}: 1",
        "no colon",
    ] {
        check_rejects(&with_header(line), Error::InvalidHeaderName);
    }
    for line in ["A: 1\x002", "A: \x01", "A: 1\x7f"] {
        check_rejects(&with_header(line), Error::InvalidHeaderValue);
    }
    assert!(
        feed_whole(&with_header("A: 1\t2 \u{e9}\r\nContent-Length: 5"))
            .unwrap()
            .finished
    );
}

#[test]
fn rejects_malformed_status_lines() {
    for line in [
        "HTTP/1.2 200 OK",
        "HTTP/2 200 OK",
        "http/1.1 200 OK",
        "HTTP/1.1\t200 OK",
        "HTTP/1.10 200",
        "RTSP/1.0 200 OK",
        "",
        "HTTP/1.1",
    ] {
        check_rejects(format!("{line}\r\n\r\n").as_bytes(), Error::InvalidVersion);
    }
    for line in [
        "HTTP/1.1 20 OK",
        "HTTP/1.1 2000 OK",
        "HTTP/1.1  200 OK",
        "HTTP/1.1 099 X",
        "HTTP/1.1 600 X",
        "HTTP/1.1 +20 X",
        "HTTP/1.1 ",
        "HTTP/1.1 200\tOK",
    ] {
        check_rejects(
            format!("{line}\r\n\r\n").as_bytes(),
            Error::InvalidStatusCode,
        );
    }
    check_rejects(b"HTTP/1.1 200 O\x01K\r\n\r\n", Error::InvalidReason);
    check_rejects(
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        Error::SwitchingProtocols,
    );
    for line in [&b"HTTP/1.1 200"[..], b"HTTP/1.1 200 ", b"HTTP/1.1 599 \xff"] {
        let input = [line, b"\r\nContent-Length: 0\r\n\r\n"].concat();
        assert!(feed_whole(&input).unwrap().finished, "{line:?}");
    }
}

#[test]
fn rejects_garbage_on_its_first_byte() {
    // No line end needed: the status line prefix is checked as it arrives.
    check_rejects(b"X", Error::InvalidVersion);
    check_rejects(b"HTTP/1.3", Error::InvalidVersion);
    check_rejects(b"HTTP/1.1 200 OK\r\n ", Error::ObsFold);
}

#[test]
fn limits_header_count_at_one_hundred() {
    let lines = |n: usize| {
        (0..n)
            .map(|i| format!("H{i}: v"))
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let ok = format!(
        "HTTP/1.1 200 OK\r\n{}\r\nContent-Length: 0\r\n\r\n",
        lines(99)
    );
    assert!(feed_whole(ok.as_bytes()).unwrap().finished);
    check_rejects(&with_header(&lines(101)), Error::TooManyHeaders);
}

#[test]
fn limits_head_to_64_kib() {
    let head = |size: usize| {
        let fixed = "HTTP/1.1 200 OK\r\nX: \r\n\r\n".len();
        format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "v".repeat(size - fixed)).into_bytes()
    };
    assert_eq!(feed_whole(&head(64 * 1024)).unwrap().status, Some(200));
    check_rejects(&head(64 * 1024 + 1), Error::HeadTooLarge);
    // Interim heads share the budget.
    let mut interim = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
    interim.extend(head(64 * 1024 - interim.len() + 1));
    check_rejects(&interim, Error::HeadTooLarge);
}

#[test]
fn body_cap_fails_while_streaming_not_after() {
    let limits = Limits {
        max_body_bytes: 10_000,
        ..Limits::default()
    };
    let close = b"HTTP/1.1 200 OK\r\n\r\n";
    let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let chunk = [&b"3e7\r\n"[..], &[b'x'; 999], b"\r\n"].concat();
    for (head, piece) in [(&close[..], &[b'x'; 999][..]), (chunked, &chunk)] {
        let mut parser = ResponseParser::new(limits);
        let Progress::Done { value, .. } = parser.parse_head(head).unwrap() else {
            panic!()
        };
        let mut decoder = BodyDecoder::for_head(&value, Method::Get, &limits).unwrap();
        let mut out = Vec::new();
        let error = (0..1000).find_map(|_| decoder.decode(piece, &mut out).err());
        assert_eq!(error, Some(Error::BodyTooLarge));
        assert!(out.len() <= 10_000 && out.len() > 9_000, "{}", out.len());
    }
}

#[test]
fn errors_are_one_lower_case_line() {
    for error in [
        Error::BodyTooLarge,
        Error::InvalidHeaderValue,
        Error::ContentLengthWithTransferEncoding,
    ] {
        let text = error.to_string();
        assert!(
            !text.contains('\n') && text == text.to_lowercase(),
            "{text}"
        );
    }
}

#[test]
fn head_debug_shows_header_names_but_never_their_values() {
    let response =
        b"HTTP/1.1 200 OK\r\nSet-Cookie: session=sk-ant-sid01-secret\r\nContent-Length: 0\r\n\r\n";
    let mut parser = ResponseParser::new(Limits::default());
    let Ok(Progress::Done { value: head, .. }) = parser.parse_head(response) else {
        panic!("a valid head");
    };
    let text = format!("{head:?}");
    assert!(
        text.contains("Set-Cookie") && text.contains("200"),
        "{text}"
    );
    // Neither as text nor as the byte list a derived Debug would print.
    let value = format!("{:?}", b"session=sk-ant-sid01-secret".to_vec());
    let value = value.trim_matches(|c| c == '[' || c == ']');
    assert!(!text.contains("secret") && !text.contains(value), "{text}");
}
