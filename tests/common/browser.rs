//! For the browser test: a headless Chromium driven over the Chrome DevTools
//! Protocol through `--remote-debugging-pipe` (commands go to the browser's
//! fd 3, answers and events come back on its fd 4, as JSON objects ended by
//! a NUL byte, so no websocket is needed), and `cargofox serve` on a free
//! port. The browser runs in its own process group with a fresh profile;
//! browser, server and profile go away on drop, also when a test panics.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long one command, or one page load, may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Flags that keep Chromium headless, quiet and off the internet.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    // Every host but the test's own servers fails at once, so README images
    // pointing elsewhere never wait on the network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/// The Chromium to use: `CARGOFOX_CHROMIUM`, else Debian's
/// `/usr/bin/chromium`. `None` (after saying so) when `CARGOFOX_SKIP_BROWSER=1`;
/// a panic when the binary is missing.
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    if std::env::var("CARGOFOX_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("{test}: skipped, CARGOFOX_SKIP_BROWSER=1");
        return None;
    }
    let path = std::env::var_os("CARGOFOX_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "{test}: no Chromium at {}: install Debian's chromium package or set \
         CARGOFOX_SKIP_BROWSER=1 (CARGOFOX_CHROMIUM=/path names another binary)",
        path.display()
    );
    Some(path)
}

/// A running Chromium.
pub struct Browser {
    child: Child,
    commands: File,
    messages: Receiver<Value>,
    /// Messages received while waiting for something else.
    pending: VecDeque<Value>,
    next_id: u64,
    /// Dialogs (`alert` and the like) that opened and were dismissed.
    pub dialogs: Vec<String>,
    profile: tempfile::TempDir,
}

/// A pipe whose two ends are closed on exec.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    /// Starts Chromium on `about:blank`.
    pub fn launch(chromium: &Path) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let (their_commands, commands) = pipe();
        let (messages, their_messages) = pipe();
        let (cmd_fd, msg_fd) = (their_commands.as_raw_fd(), their_messages.as_raw_fd());
        let mut command = Command::new(chromium);
        command
            .args(FLAGS)
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("data").display()
            ))
            .args(["--remote-debugging-pipe", "about:blank"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(profile.path().join("chromium.log")).unwrap())
            .process_group(0);
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and
        // exec. The pipe ends are first copied above 10, so that moving them
        // to 3 and 4 never overwrites one with the other; dup2 clears
        // close-on-exec on 3 and 4 only.
        unsafe {
            command.pre_exec(move || {
                let r = libc::fcntl(cmd_fd, libc::F_DUPFD_CLOEXEC, 10);
                let w = libc::fcntl(msg_fd, libc::F_DUPFD_CLOEXEC, 10);
                if r < 0 || w < 0 || libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", chromium.display()));
        drop((their_commands, their_messages));

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(File::from(messages));
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                let message = serde_json::from_slice(&buf)
                    .unwrap_or_else(|e| panic!("a CDP message that is not JSON ({e})"));
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Browser {
            child,
            commands: File::from(commands),
            messages: rx,
            pending: VecDeque::new(),
            next_id: 1,
            dialogs: Vec::new(),
            profile,
        }
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("sending {method}: {e}{}", self.log_tail()));
        id
    }

    /// The next message from the browser; dialogs are dismissed on the way.
    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = match self.messages.recv_timeout(left) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no {waiting_for} within {TIMEOUT:?}{}", self.log_tail())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "Chromium exited while waiting for {waiting_for}{}",
                    self.log_tail()
                )
            }
        };
        if message["method"] == "Page.javascriptDialogOpening" {
            self.dialogs
                .push(message["params"]["message"].as_str().unwrap_or("").into());
            let session = message["sessionId"].as_str().map(str::to_owned);
            self.send(
                session.as_deref(),
                "Page.handleJavaScriptDialog",
                json!({"accept": false}),
            );
        }
        message
    }

    /// Runs a command (on a session, or on the browser) and returns its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline, &format!("answer to {method}"));
            if message["id"] == id {
                if let Some(error) = message.get("error") {
                    panic!("{method} failed: {error}");
                }
                return message["result"].clone();
            }
            self.pending.push_back(message);
        }
    }

    /// Waits for the first event of `session` that `matches`, received or to come.
    pub fn wait_event(&mut self, session: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let ours = |m: &Value| m["sessionId"] == session && m.get("method").is_some() && matches(m);
        if let Some(i) = self.pending.iter().position(ours) {
            return self.pending.remove(i).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.receive(deadline, "page load");
            if ours(&message) {
                return message;
            }
            self.pending.push_back(message);
        }
    }

    /// Opens a tab whose every document (frames included) first runs
    /// `init_script`; with `bypass_csp`, Content-Security-Policy is ignored.
    pub fn tab(&mut self, init_script: &str, bypass_csp: bool) -> Tab<'_> {
        let target =
            self.call(None, "Target.createTarget", json!({"url": "about:blank"}))["targetId"]
                .as_str()
                .unwrap()
                .to_owned();
        let session = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        )["sessionId"]
            .as_str()
            .unwrap()
            .to_owned();
        let s = Some(session.as_str());
        self.call(s, "Page.enable", json!({}));
        self.call(
            s,
            "Page.setLifecycleEventsEnabled",
            json!({"enabled": true}),
        );
        self.call(s, "Runtime.enable", json!({}));
        self.call(
            s,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({"source": init_script}),
        );
        self.call(s, "Page.setBypassCSP", json!({"enabled": bypass_csp}));
        Tab {
            browser: self,
            target,
            session,
        }
    }

    fn log_tail(&self) -> String {
        let log =
            std::fs::read_to_string(self.profile.path().join("chromium.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        format!(
            "\nChromium's log ends with:\n{}",
            lines[lines.len().saturating_sub(20)..].join("\n")
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The group is Chromium's own (process_group(0) made its id the
        // browser's pid, not yet reaped here), renderers included.
        // SAFETY: kill has no memory-safety requirements.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// A tab, attached with its own session; closed on drop.
pub struct Tab<'b> {
    browser: &'b mut Browser,
    target: String,
    session: String,
}

impl Tab<'_> {
    /// Runs a command on this tab's session.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.browser.call(Some(&self.session), method, params)
    }

    /// Opens `url` and waits for its load event, then `settle` more for
    /// handlers that run late (an image's `onerror`).
    pub fn open(&mut self, url: &str, settle: Duration) {
        let session = self.session.clone();
        self.browser
            .pending
            .retain(|m| m["sessionId"] != session.as_str());
        let nav = self.call("Page.navigate", json!({"url": url}));
        if let Some(error) = nav.get("errorText") {
            panic!("opening {url}: {error}");
        }
        let loader = nav["loaderId"].clone();
        self.browser.wait_event(&session, |m| {
            m["method"] == "Page.lifecycleEvent"
                && m["params"]["name"] == "load"
                && m["params"]["loaderId"] == loader
        });
        std::thread::sleep(settle);
    }

    /// Evaluates `expression` in the page and returns its value as JSON.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluation failed: {e}");
        }
        r["result"]["value"].clone()
    }
}

impl Drop for Tab<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let target = self.target.clone();
            self.browser
                .call(None, "Target.closeTarget", json!({"targetId": target}));
        }
    }
}

/// `cargofox serve DIR` on a free port; killed on drop.
pub struct Server {
    child: Child,
    port: u16,
}

/// A port of 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Server {
    /// Starts serving `dir` and waits until it accepts connections.
    pub fn start(dir: &Path) -> Self {
        // A port found free may be taken before the server binds it: retry.
        for _ in 0..5 {
            if let Some(server) = Self::start_on(dir, free_port()) {
                return server;
            }
        }
        panic!("cargofox serve {} keeps exiting", dir.display());
    }

    /// Starts serving `dir` on `port`; `None` when the server exits first
    /// (the port was taken).
    pub fn start_on(dir: &Path, port: u16) -> Option<Self> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargofox"))
            .arg("serve")
            .arg(dir)
            .args(["--port", &port.to_string()])
            .env("RUST_LOG", "cargofox=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Server { child, port });
            }
            if child.try_wait().unwrap().is_some() {
                return None;
            }
            assert!(Instant::now() < deadline, "cargofox serve never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The URL of `path` (relative to the site root).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The files under `dir` with one of the extensions `exts`, as sorted
/// relative paths.
pub fn files(dir: &Path, exts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
                let rel = p.strip_prefix(dir).unwrap();
                out.push(rel.to_str().unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}
