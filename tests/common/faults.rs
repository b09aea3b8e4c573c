//! A fault-injecting HTTP/1.1 server on 127.0.0.1: it serves files by path,
//! and answers a path with the faults planned for it (errors, resets, hangs,
//! cut-off or wrong bodies, slow bodies) before, or instead of, the file.
//! It is written on raw TCP rather than a web framework so that it can
//! break connections the way real networks do. Every answer is logged.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One way of answering a request badly.
#[derive(Clone, Debug)]
pub enum Fault {
    /// This status, with an empty body.
    Status(u16),
    /// 429 with `Retry-After` in seconds.
    RetryAfter(u64),
    /// The connection is reset before any answer.
    Reset,
    /// No answer at all for a long time, then the connection is closed.
    Hang,
    /// A `Content-Length` for the whole file, half of it, then the end.
    Truncate,
    /// The file, in small pieces with pauses between them.
    Slow,
    /// 200 with this body in place of the file.
    Body(Vec<u8>, &'static str),
}

impl Fault {
    fn label(&self) -> String {
        match self {
            Fault::Status(s) => format!("status-{s}"),
            Fault::RetryAfter(s) => format!("retry-after-{s}"),
            Fault::Reset => "reset".into(),
            Fault::Hang => "hang".into(),
            Fault::Truncate => "truncate".into(),
            Fault::Slow => "slow".into(),
            Fault::Body(_, _) => "wrong-body".into(),
        }
    }
}

/// One answer given.
#[derive(Clone, Debug)]
pub struct Answer {
    pub path: String,
    pub at: Instant,
    /// `ok`, `not-modified`, `missing`, or the fault's label.
    pub what: String,
}

#[derive(Default)]
pub struct FaultState {
    /// Bodies by request path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Faults answered in order, before the file is served.
    pub planned: BTreeMap<String, VecDeque<Fault>>,
    /// Faults answered to every request.
    pub always: BTreeMap<String, Fault>,
    pub log: Vec<Answer>,
}

pub struct FaultServer {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<FaultState>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FaultServer {
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(FaultState::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    tokio::select! {
                        _ = &mut rx => break,
                        accepted = listener.accept() => {
                            if let Ok((stream, _)) = accepted {
                                tokio::spawn(serve(stream, shared.clone()));
                            }
                        }
                    }
                }
            });
            rt.shutdown_background();
        });
        Self {
            addr,
            state,
            _shutdown: tx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn file(&self, path: &str, body: impl Into<Vec<u8>>) {
        let mut s = self.state.lock().unwrap();
        s.files.insert(path.into(), body.into());
    }

    pub fn plan(&self, path: &str, faults: Vec<Fault>) {
        let mut s = self.state.lock().unwrap();
        s.planned.entry(path.into()).or_default().extend(faults);
    }

    pub fn always(&self, path: &str, fault: Fault) {
        self.state.lock().unwrap().always.insert(path.into(), fault);
    }

    /// Drops every fault still planned: the server answers honestly now.
    pub fn heal(&self) {
        let mut s = self.state.lock().unwrap();
        s.planned.clear();
        s.always.clear();
    }

    pub fn log(&self) -> Vec<Answer> {
        self.state.lock().unwrap().log.clone()
    }

    pub fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

fn etag(body: &[u8]) -> String {
    let digest: String = Sha256::digest(body)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{digest}\"")
}

/// Reads one request head; `None` when the client went away.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() > 64 << 10 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<FaultState>>) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let if_none_match = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("if-none-match")
            .then(|| v.trim().to_owned())
    });
    let (fault, file) = {
        let mut s = state.lock().unwrap();
        let fault = match s.planned.get_mut(&path).and_then(VecDeque::pop_front) {
            Some(f) => Some(f),
            None => s.always.get(&path).cloned(),
        };
        let file = s.files.get(&path).cloned();
        let what = match (&fault, &file) {
            (Some(f), _) => f.label(),
            (None, None) => "missing".into(),
            (None, Some(b)) if if_none_match.as_deref() == Some(etag(b).as_str()) => {
                "not-modified".into()
            }
            (None, Some(_)) => "ok".into(),
        };
        s.log.push(Answer {
            path: path.clone(),
            at: Instant::now(),
            what,
        });
        (fault, file)
    };
    let head_of = |status: &str, len: usize, extra: &str| {
        format!("HTTP/1.1 {status}\r\ncontent-length: {len}\r\nconnection: close\r\n{extra}\r\n")
    };
    let body = file.clone().unwrap_or_default();
    let out: Vec<u8> = match fault {
        None => match &file {
            None => head_of("404 Not Found", 0, "").into_bytes(),
            Some(b) if if_none_match.as_deref() == Some(etag(b).as_str()) => {
                head_of("304 Not Modified", 0, &format!("etag: {}\r\n", etag(b))).into_bytes()
            }
            Some(b) => {
                let mut out =
                    head_of("200 OK", b.len(), &format!("etag: {}\r\n", etag(b))).into_bytes();
                out.extend_from_slice(b);
                out
            }
        },
        Some(Fault::Status(code)) => head_of(&format!("{code} Fault"), 0, "").into_bytes(),
        Some(Fault::RetryAfter(secs)) => head_of(
            "429 Too Many Requests",
            0,
            &format!("retry-after: {secs}\r\n"),
        )
        .into_bytes(),
        Some(Fault::Reset) => {
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            return;
        }
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            return;
        }
        Some(Fault::Truncate) => {
            let mut out = head_of("200 OK", body.len(), "").into_bytes();
            out.extend_from_slice(&body[..body.len() / 2]);
            out
        }
        Some(Fault::Slow) => {
            let _ = stream
                .write_all(head_of("200 OK", body.len(), "").as_bytes())
                .await;
            for piece in body.chunks(body.len().div_ceil(4).max(1)) {
                tokio::time::sleep(Duration::from_millis(60)).await;
                if stream.write_all(piece).await.is_err() {
                    return;
                }
            }
            let _ = stream.shutdown().await;
            return;
        }
        Some(Fault::Body(b, content_type)) => {
            let mut out = head_of(
                "200 OK",
                b.len(),
                &format!("content-type: {content_type}\r\n"),
            )
            .into_bytes();
            out.extend_from_slice(&b);
            out
        }
    };
    let _ = stream.write_all(&out).await;
    let _ = stream.shutdown().await;
}
