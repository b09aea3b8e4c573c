//! The one HTTP client of cargofox: bounded retries with backoff on timeouts,
//! connection errors and 5xx answers, `Retry-After` on 429, and conditional
//! requests (`If-None-Match` / `If-Modified-Since`). It counts what it does so
//! that a build can report how much a re-run transferred.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RETRY_AFTER};
use serde::{Deserialize, Serialize};

/// Why a request failed for good.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The server says there is no such resource (404 or 410).
    #[error("not found ({status}) at {url}")]
    NotFound {
        /// The URL asked for.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// Any other answer that is not a success, after retries.
    #[error("HTTP {status} from {url}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The request could not be made or the body not read, after retries.
    #[error("request to {url} failed: {source}")]
    Transport {
        /// The URL asked for.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A streamed body could not be written to disk.
    #[error("writing the body of {url}: {source}")]
    Io {
        /// The URL asked for.
        url: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The body was larger than allowed.
    #[error("{url} sent more than {limit} bytes")]
    TooLarge {
        /// The URL asked for.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
}

/// Validators remembered from an earlier answer, sent back on the next request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The `Last-Modified` header.
    pub last_modified: Option<String>,
}

impl Validators {
    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// The answer to a (conditional) GET.
#[derive(Debug)]
pub enum Fetched {
    /// 304: what the caller has is current.
    NotModified,
    /// A fresh body with its validators.
    Body(Vec<u8>, Validators),
}

/// Counters of what the client did, for the end-of-build summary.
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    not_modified: AtomicU64,
    bytes: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
}

/// A snapshot of [`HttpStats`].
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct HttpCounts {
    /// Requests sent, retries included.
    pub requests: u64,
    /// Answers that were 304 Not Modified.
    pub not_modified: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Requests that were retries.
    pub retries: u64,
    /// Requests that failed for good.
    pub failures: u64,
    /// Cached index files used without a request (younger than the maximum age).
    pub reused: u64,
}

impl HttpCounts {
    /// Adds another client's counts to these.
    pub fn add(&mut self, other: &Self) {
        self.requests += other.requests;
        self.not_modified += other.not_modified;
        self.bytes += other.bytes;
        self.retries += other.retries;
        self.failures += other.failures;
        self.reused += other.reused;
    }
}

/// Settings of the client.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// The `User-Agent` header.
    pub user_agent: String,
    /// How many times a failed request is tried again.
    pub retries: u32,
    /// Timeout of one request.
    pub timeout: Duration,
    /// First backoff delay; doubled on each retry.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; longer waits fail the request.
    pub max_retry_after: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            user_agent: default_user_agent(),
            retries: 4,
            timeout: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// `cargofox/VERSION (+REPOSITORY)`.
pub fn default_user_agent() -> String {
    format!(
        "cargofox/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// The shared HTTP client.
#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    settings: HttpSettings,
    stats: HttpStats,
}

enum Attempt {
    Done(Result<Fetched, HttpError>),
    Retry(Duration, HttpError),
}

impl Http {
    /// Builds the client.
    pub fn new(settings: HttpSettings) -> anyhow::Result<Self> {
        // Several providers may be compiled in through dependencies; choose ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(Duration::from_secs(20))
            .build()?;
        Ok(Self {
            client,
            settings,
            stats: HttpStats::default(),
        })
    }

    /// What the client has done so far.
    pub fn counts(&self) -> HttpCounts {
        let s = &self.stats;
        HttpCounts {
            requests: s.requests.load(Ordering::Relaxed),
            not_modified: s.not_modified.load(Ordering::Relaxed),
            bytes: s.bytes.load(Ordering::Relaxed),
            retries: s.retries.load(Ordering::Relaxed),
            failures: s.failures.load(Ordering::Relaxed),
            reused: 0,
        }
    }

    /// GET `url`, sending `validators` when given, reading at most `limit` bytes.
    pub async fn get(
        &self,
        url: &str,
        validators: Option<&Validators>,
        limit: u64,
    ) -> Result<Fetched, HttpError> {
        self.get_into(url, validators, limit, None).await
    }

    /// GET `url` like [`Http::get`], streaming the body into `file` (emptied
    /// first, and again before each retry) rather than memory, with
    /// `timeout` for the whole transfer: for large files such as the
    /// database dump. A body answer is `Fetched::Body` with an empty vector.
    pub async fn get_to_file(
        &self,
        url: &str,
        validators: Option<&Validators>,
        limit: u64,
        file: &mut std::fs::File,
        timeout: Duration,
    ) -> Result<Fetched, HttpError> {
        self.get_into(url, validators, limit, Some((file, timeout)))
            .await
    }

    async fn get_into(
        &self,
        url: &str,
        validators: Option<&Validators>,
        limit: u64,
        mut file: Option<(&mut std::fs::File, Duration)>,
    ) -> Result<Fetched, HttpError> {
        let mut delay = self.settings.backoff;
        let mut attempt = 0;
        loop {
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            let sink = file.as_mut().map(|(f, t)| (&mut **f, *t));
            match self.attempt(url, validators, limit, sink).await {
                Attempt::Done(result) => {
                    if result.is_err() {
                        self.stats.failures.fetch_add(1, Ordering::Relaxed);
                    }
                    return result;
                }
                Attempt::Retry(wait, err) => {
                    if attempt >= self.settings.retries {
                        self.stats.failures.fetch_add(1, Ordering::Relaxed);
                        return Err(err);
                    }
                    attempt += 1;
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    let wait = wait.max(delay);
                    tracing::debug!(%url, ?wait, error = %err, "retrying");
                    tokio::time::sleep(wait).await;
                    delay = delay.saturating_mul(2);
                }
            }
        }
    }

    async fn attempt(
        &self,
        url: &str,
        validators: Option<&Validators>,
        limit: u64,
        mut file: Option<(&mut std::fs::File, Duration)>,
    ) -> Attempt {
        let mut request = self.client.get(url);
        if let Some((_, timeout)) = &file {
            request = request.timeout(*timeout);
        }
        if let Some(v) = validators.filter(|v| !v.is_empty()) {
            if let Some(etag) = &v.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                request = request.header(IF_MODIFIED_SINCE, lm);
            }
        }
        let transport = |source| HttpError::Transport {
            url: url.to_owned(),
            source,
        };
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(Duration::ZERO, transport(e)),
        };
        let status = response.status();
        let status_error = || HttpError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        };
        if status == StatusCode::NOT_MODIFIED {
            self.stats.not_modified.fetch_add(1, Ordering::Relaxed);
            return Attempt::Done(Ok(Fetched::NotModified));
        }
        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Attempt::Done(Err(HttpError::NotFound {
                url: url.to_owned(),
                status: status.as_u16(),
            }));
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = retry_after(response.headers()).unwrap_or(self.settings.backoff);
            if wait > self.settings.max_retry_after {
                return Attempt::Done(Err(status_error()));
            }
            return Attempt::Retry(wait, status_error());
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Attempt::Retry(Duration::ZERO, status_error());
        }
        if !status.is_success() {
            return Attempt::Done(Err(status_error()));
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let found = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        if response.content_length().is_some_and(|n| n > limit) {
            return Attempt::Done(Err(HttpError::TooLarge {
                url: url.to_owned(),
                limit,
            }));
        }
        let mut body = Vec::new();
        let mut received = 0u64;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    self.stats
                        .bytes
                        .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    let first = received == 0;
                    received += chunk.len() as u64;
                    if received > limit {
                        return Attempt::Done(Err(HttpError::TooLarge {
                            url: url.to_owned(),
                            limit,
                        }));
                    }
                    match file.as_mut() {
                        Some((f, _)) => {
                            if let Err(e) = write_chunk(f, &chunk, first) {
                                return Attempt::Done(Err(HttpError::Io {
                                    url: url.to_owned(),
                                    source: e,
                                }));
                            }
                        }
                        None => body.extend_from_slice(&chunk),
                    }
                }
                Ok(None) => break,
                // A body cut short: try again rather than keep a truncated file.
                Err(e) => return Attempt::Retry(Duration::ZERO, transport(e)),
            }
        }
        if let (Some((f, _)), 0) = (file.as_mut(), received) {
            if let Err(e) = f.set_len(0) {
                return Attempt::Done(Err(HttpError::Io {
                    url: url.to_owned(),
                    source: e,
                }));
            }
        }
        Attempt::Done(Ok(Fetched::Body(body, found)))
    }
}

/// Appends a chunk to a streamed body, emptying the file on the first one.
fn write_chunk(f: &mut std::fs::File, chunk: &[u8], first: bool) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    if first {
        f.set_len(0)?;
        f.rewind()?;
    }
    f.write_all(chunk)
}

/// Parses `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
