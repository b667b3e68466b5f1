//! Real services for the engine and registry tests, each on a private socket or a
//! free loopback port, stopped when the guard drops (whatever the test's outcome):
//! Podman's Docker-compatible API service with its own storage, the distribution
//! registry (`docker-registry`) with a config the test writes, and a small
//! fault-injecting TCP proxy in front of it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a service test cannot run here, or `None` when it can.
pub fn missing_tools(tools: &[&str]) -> Option<String> {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    (!missing.is_empty()).then(|| format!("missing {missing:?}"))
}

/// Panics with a clear message when a tool is missing: these tests are `#[ignore]`d
/// unless asked for, so being asked for means the tools must be there.
pub fn require(tools: &[&str]) {
    if let Some(why) = missing_tools(tools) {
        panic!("this test needs {tools:?} ({why}); .ci/run installs them");
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} did not come up within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_ok(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A child process killed and reaped on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `podman system service` on a private socket, with private storage.
pub struct Podman {
    pub dir: tempfile::TempDir,
    _service: Process,
}

impl Podman {
    fn podman(dir: &Path) -> Command {
        let mut c = Command::new("podman");
        c.arg("--root")
            .arg(dir.join("root"))
            .arg("--runroot")
            .arg(dir.join("run"))
            .arg("--tmpdir")
            .arg(dir.join("tmp"))
            .args(["--events-backend", "file", "--cgroup-manager", "cgroupfs"]);
        c
    }

    pub fn start() -> Podman {
        require(&["podman"]);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        let sock = dir.path().join("podman.sock");
        let child = Self::podman(dir.path())
            .args(["system", "service", "--time=0"])
            .arg(format!("unix://{}", sock.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start podman system service");
        let service = Process(child);
        wait_for("podman's socket", || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
        });
        Podman {
            dir,
            _service: service,
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("podman.sock")
    }

    /// `DOCKER_HOST` for this engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// `podman load -i FILE`; returns what it printed.
    pub fn load(&self, file: &Path) -> String {
        run_ok(
            Self::podman(self.dir.path())
                .arg("load")
                .arg("-i")
                .arg(file),
        )
    }

    /// Stops the service, keeping the storage (for "no engine running").
    pub fn stop(self) -> tempfile::TempDir {
        self.dir
    }
}

/// A real Docker Engine (`dockerd`, overlay2, its own containerd) with a private
/// data root, exec root and socket, plus a loopback TCP address (an engine
/// reached over the network). Stopped with SIGTERM on drop, so that it unmounts
/// its layers and stops its containerd; SIGKILL after 20 s.
pub struct Dockerd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Dockerd {
    pub fn start() -> Dockerd {
        require(&["dockerd", "docker"]);
        // A short path: containerd's socket path must fit in sun_path.
        let dir = tempfile::Builder::new()
            .prefix("dk")
            .tempdir_in("/tmp")
            .expect("tempdir");
        let d = dir.path();
        let port = free_port();
        let log = std::fs::File::create(d.join("dockerd.log")).unwrap();
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(d.join("root"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("d.pid"))
            .arg("-H")
            .arg(format!("unix://{}", d.join("docker.sock").display()))
            .arg("-H")
            .arg(format!("tcp://127.0.0.1:{port}"))
            .args([
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none",
                "--storage-driver=overlay2",
            ])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let engine = Dockerd { dir, port, child };
        let sock = engine.socket();
        wait_for("dockerd's socket", || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
                && engine
                    .docker()
                    .arg("version")
                    .output()
                    .is_ok_and(|o| o.status.success())
        });
        engine
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("docker.sock")
    }

    /// `DOCKER_HOST` for this engine.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Its data root (`DockerRootDir`).
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    /// The docker CLI aimed at this engine.
    pub fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.arg("-H").arg(self.host()).env_remove("DOCKER_CONTEXT");
        c
    }

    /// `docker load -i FILE`; returns what it printed.
    pub fn load(&self, file: &Path) -> String {
        run_ok(self.docker().arg("load").arg("-i").arg(file))
    }

    /// `docker tag FROM TO`.
    pub fn tag(&self, from: &str, to: &str) {
        run_ok(self.docker().args(["tag", from, to]));
    }

    /// `docker image inspect -f FORMAT NAME`, trimmed.
    pub fn image_field(&self, name: &str, format: &str) -> String {
        run_ok(self.docker().args(["image", "inspect", "-f", format, name]))
            .trim()
            .to_string()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Whatever it left mounted under its roots goes before the folder does.
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let d = self.dir.path().to_string_lossy().into_owned();
        let mut left: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split(' ').nth(1))
            .filter(|m| m.starts_with(&d))
            .collect();
        left.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in left {
            let _ = Command::new("umount").args(["-l", m]).status();
        }
    }
}

/// How a registry is set up.
#[derive(Default, Clone)]
pub struct RegistryConfig {
    /// htpasswd Basic auth with this user and password.
    pub htpasswd: Option<(String, String)>,
    /// `silly` auth: a Bearer challenge pointing at this realm.
    pub silly_realm: Option<String>,
    /// TLS with this certificate and key.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// The distribution registry on a free loopback port; its storage outlives
/// restarts with another config (push open, then serve with auth).
pub struct Registry {
    pub port: u16,
    pub storage: PathBuf,
    _process: Process,
    _config: tempfile::TempDir,
}

impl Registry {
    pub fn start(storage: &Path, cfg: &RegistryConfig) -> Registry {
        require(&["docker-registry"]);
        let port = free_port();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            storage.display()
        );
        if let Some((cert, key)) = &cfg.tls {
            yaml.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ));
        }
        if let Some((user, pass)) = &cfg.htpasswd {
            let file = dir.path().join("htpasswd");
            run_ok(
                Command::new("htpasswd")
                    .args(["-Bbc"])
                    .arg(&file)
                    .args([user, pass]),
            );
            yaml.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: imgsize-test\n    path: {}\n",
                file.display()
            ));
        } else if let Some(realm) = &cfg.silly_realm {
            yaml.push_str(&format!(
                "auth:\n  silly:\n    realm: {realm}\n    service: imgsize-test\n"
            ));
        }
        let config = dir.path().join("config.yml");
        std::fs::write(&config, yaml).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let process = Process(child);
        wait_for("the registry", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        Registry {
            port,
            storage: storage.to_path_buf(),
            _process: process,
            _config: dir,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `skopeo copy` of an OCI layout (all platforms) to `name:tag` here.
    pub fn push(&self, layout: &Path, name_tag: &str) {
        require(&["skopeo"]);
        run_ok(
            Command::new("skopeo")
                .args([
                    "copy",
                    "--all",
                    "--quiet",
                    "--dest-tls-verify=false",
                    "--preserve-digests",
                ])
                .arg(format!("oci:{}", layout.display()))
                .arg(format!("docker://{}/{name_tag}", self.host())),
        );
    }

    /// The file holding blob `digest` in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("sha256 digest");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

/// What the proxy does to a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Relay as is.
    None,
    /// Answer this status (with `Retry-After: 1` for 429) instead of relaying.
    Status(u16),
    /// Relay this many bytes of the response, then reset the connection.
    CutAfter(usize),
    /// Relay this many bytes, then send nothing more for this long.
    StallAfter(usize, Duration),
    /// Answer 200 with a manifest body of this many bytes.
    HugeManifest(usize),
    /// Redirect (307) to the same path on the registry itself, as a registry
    /// sends blobs to their storage.
    Redirect,
    /// Answer this status with a body of this many bytes.
    HugeError(u16, usize),
    /// Relay the response without its Content-Length, then this many more bytes.
    Overrun(usize),
}

/// Writes `n` bytes of `byte` to `w`.
fn write_n(w: &mut impl Write, byte: u8, n: usize) -> std::io::Result<()> {
    let chunk = vec![byte; 64 << 10];
    let mut sent = 0;
    while sent < n {
        let k = chunk.len().min(n - sent);
        w.write_all(&chunk[..k])?;
        sent += k;
    }
    Ok(())
}

/// A TCP proxy in front of a registry: each request's first line is matched
/// against `rule`, which picks a fault for the next `times` matching requests.
pub struct Proxy {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// The heads of the requests seen.
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub fn start(
        upstream: u16,
        rule: impl Fn(&str) -> bool + Send + Sync + 'static,
        fault: Fault,
        times: usize,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let left = Arc::new(AtomicUsize::new(times));
        let rule = Arc::new(rule);
        let (stop2, seen2) = (stop.clone(), seen.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (rule, left, seen) = (rule.clone(), left.clone(), seen2.clone());
                        std::thread::spawn(move || {
                            let _ = serve(client, upstream, &*rule, fault, &left, &seen);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Proxy { port, stop, seen }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Reads one request head (requests from imgsize have no body).
fn read_head(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b)? == 0 {
            return Ok(head);
        }
        head.push(b[0]);
    }
    Ok(head)
}

/// One request per client connection, relayed upstream with `Connection: close`,
/// so faults apply per request.
fn serve(
    mut client: TcpStream,
    upstream: u16,
    rule: &(dyn Fn(&str) -> bool + Send + Sync),
    fault: Fault,
    left: &AtomicUsize,
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    // The registry behind speaks plain HTTP: refuse a TLS handshake at once, as
    // a plain HTTP server does, so the client falls back without waiting.
    let mut first = [0u8; 1];
    if client.peek(&mut first)? == 1 && first[0] == 0x16 {
        client.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    }
    let head = read_head(&mut client)?;
    if head.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let first = text.lines().next().unwrap_or("").to_string();
    seen.lock().unwrap().push(text.clone());
    let hit = rule(&first)
        && left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let fault = if hit { fault } else { Fault::None };
    match fault {
        Fault::Status(code) => {
            let reply = format!(
                "HTTP/1.1 {code} Fault\r\nContent-Length: 0\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
            );
            client.write_all(reply.as_bytes())?;
            return Ok(());
        }
        Fault::HugeManifest(n) => {
            let reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
            );
            client.write_all(reply.as_bytes())?;
            return write_n(&mut client, b' ', n);
        }
        Fault::HugeError(code, n) => {
            let reply = format!(
                "HTTP/1.1 {code} Fault\r\nContent-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
            );
            client.write_all(reply.as_bytes())?;
            return write_n(&mut client, b' ', n);
        }
        Fault::Redirect => {
            let path = first.split(' ').nth(1).unwrap_or("/");
            let reply = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{upstream}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            client.write_all(reply.as_bytes())?;
            return Ok(());
        }
        _ => {}
    }
    // Relay: force `Connection: close` upstream so the response ends with EOF.
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    let mut req = String::new();
    for line in text.split("\r\n") {
        if line.to_ascii_lowercase().starts_with("connection:") || line.is_empty() {
            continue;
        }
        req.push_str(line);
        req.push_str("\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    up.write_all(req.as_bytes())?;
    let mut sent = 0usize;
    let mut buf = vec![0u8; 16 << 10];
    if let Fault::Overrun(extra) = fault {
        // The head without its length: the body then runs to the connection's end.
        let mut whole = Vec::new();
        up.read_to_end(&mut whole)?;
        let split = whole
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(whole.len(), |i| i + 4);
        let head: String = String::from_utf8_lossy(&whole[..split])
            .split("\r\n")
            .filter(|l| !l.to_ascii_lowercase().starts_with("content-length:"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        client.write_all(head.trim_end_matches("\r\n").as_bytes())?;
        client.write_all(b"\r\n\r\n")?;
        client.write_all(&whole[split..])?;
        let _ = write_n(&mut client, 0, extra);
        let _ = client.shutdown(Shutdown::Both);
        return Ok(());
    }
    loop {
        let n = up.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let limit = match fault {
            Fault::CutAfter(k) | Fault::StallAfter(k, _) => k.saturating_sub(sent).min(n),
            _ => n,
        };
        client.write_all(&buf[..limit])?;
        sent += limit;
        if limit < n || matches!(fault, Fault::CutAfter(k) | Fault::StallAfter(k, _) if sent >= k) {
            if let Fault::StallAfter(_, d) = fault {
                std::thread::sleep(d);
            }
            let _ = client.shutdown(Shutdown::Both);
            return Ok(());
        }
    }
    // The response is whole; the upstream said `Connection: close`, so close.
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}

/// A token request: its target (path and query) and Authorization header.
pub type TokenRequest = (String, Option<String>);

/// A one-route HTTP server for the Bearer token flow: answers `/token` with a
/// token when the Basic credentials match (or none are required), 401 otherwise,
/// and records each request's query and Authorization header.
pub struct TokenServer {
    ip: &'static str,
    pub port: u16,
    pub requests: Arc<Mutex<Vec<TokenRequest>>>,
    stop: Arc<AtomicBool>,
}

impl TokenServer {
    pub fn start(require_basic: Option<String>) -> TokenServer {
        TokenServer::start_on("127.0.0.1", require_basic, None)
    }

    /// On `ip` (any loopback address), answering a token of `answer_bytes`
    /// bytes when given.
    pub fn start_on(
        ip: &'static str,
        require_basic: Option<String>,
        answer_bytes: Option<usize>,
    ) -> TokenServer {
        let listener = TcpListener::bind((ip, 0)).expect("bind token server");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stop2, req2) = (stop.clone(), requests.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                let Ok((mut s, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let _ = s.set_nonblocking(false);
                let Ok(head) = read_head(&mut s) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&head).into_owned();
                let target = text
                    .lines()
                    .next()
                    .and_then(|l| l.split(' ').nth(1))
                    .unwrap_or("")
                    .to_string();
                let auth = text
                    .lines()
                    .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                    .map(|l| l["authorization:".len()..].trim().to_string());
                req2.lock().unwrap().push((target, auth.clone()));
                let ok = require_basic
                    .as_ref()
                    .is_none_or(|want| auth.as_ref() == Some(want));
                if let (true, Some(n)) = (ok, answer_bytes) {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
                    );
                    let _ = s.write_all(head.as_bytes());
                    let _ = write_n(&mut s, b' ', n);
                    continue;
                }
                let reply = if ok {
                    let body = r#"{"token":"imgsize-test-token","expires_in":300}"#;
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                } else {
                    "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_string()
                };
                let _ = s.write_all(reply.as_bytes());
            }
        });
        TokenServer {
            ip,
            port,
            requests,
            stop,
        }
    }

    pub fn realm(&self) -> String {
        format!("http://{}:{}/token", self.ip, self.port)
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A test CA and a certificate it signed for 127.0.0.1: (ca, cert, key).
pub fn certificate(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    require(&["openssl"]);
    let p = |n: &str| dir.join(n);
    run_ok(
        Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args(["-subj", "/CN=imgsize test CA"])
            .arg("-keyout")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("ca.pem")),
    );
    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
            ])
            .arg("-keyout")
            .arg(p("key.pem"))
            .arg("-out")
            .arg(p("leaf.csr")),
    );
    std::fs::write(
        p("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run_ok(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
            .arg("-in")
            .arg(p("leaf.csr"))
            .arg("-CA")
            .arg(p("ca.pem"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .arg("-extfile")
            .arg(p("leaf.ext"))
            .arg("-out")
            .arg(p("cert.pem")),
    );
    (p("ca.pem"), p("cert.pem"), p("key.pem"))
}
