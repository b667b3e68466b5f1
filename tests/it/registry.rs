//! Images read from a real registry (the CNCF distribution registry, Debian's
//! `docker-registry`) on a free loopback port, pushed with `skopeo copy`: figures
//! equal to the file route's for gzip and zstd layers and a multi-platform index;
//! anonymous, Basic (htpasswd) and Bearer (`silly` auth and a token endpoint the
//! test serves) auth, credentials from each file imgsize reads; TLS with a
//! certificate the test makes; and every fault, for real. Needs docker-registry,
//! skopeo, htpasswd and openssl (`.ci/run` installs them); run with
//! `--include-ignored`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::engine::{isolated, output, three_reports, three_reports_with, without_source};
use crate::layouts::{blob, read_json, store};
use crate::services::{self, Fault, Proxy, Registry, RegistryConfig, TokenServer};
use crate::*;
use imgsize::synth::{self, Compression, Entry, Format, Image, Layer};

const IGNORE: &str = "needs docker-registry, skopeo, htpasswd and openssl";

/// Two platforms of one image in an OCI layout (without the attestation synth
/// adds, whose blob is absent and which skopeo would refuse to copy).
fn multi_platform(dir: &Path) -> PathBuf {
    let layers = |n: u64| {
        vec![
            Layer::new(
                "ADD rootfs.tar /",
                vec![
                    Entry::random("bin/sh", 30_000 * n, n),
                    Entry::file("etc/os-release", 100),
                ],
            ),
            Layer::new(
                "RUN npm ci",
                vec![
                    Entry::random("app/node_modules/a/index.js", 20_000, 7 + n),
                    Entry::file("root/.npm/_cacache/x", 5_000 * n),
                ],
            ),
        ]
    };
    let out = dir.join("multi");
    synth::write(
        &[
            Image::new("multi:1", layers(1))
                .compressed(Compression::Gzip)
                .platform("linux", "amd64", None),
            Image::new("multi:1", layers(2))
                .compressed(Compression::Zstd)
                .platform("linux", "arm64", Some("v8")),
        ],
        Format::OciDir,
        &out,
    )
    .unwrap();
    // Drop the attestation from the nested index; re-hash it and the index.
    let index_path = out.join("index.json");
    let mut index = read_json(&index_path);
    let nested = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut inner = read_json(&blob(&out, &nested));
    inner["manifests"]
        .as_array_mut()
        .unwrap()
        .retain(|m| m["annotations"]["vnd.docker.reference.type"].is_null());
    let data = serde_json::to_vec(&inner).unwrap();
    index["manifests"][0]["digest"] = json!(store(&out, &data));
    index["manifests"][0]["size"] = json!(data.len());
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    out
}

/// imgsize isolated from the machine's engines and credentials; a bare name
/// finds no engine (DOCKER_HOST names a socket that is not there).
fn cmd(home: &Path) -> Command {
    let mut c = isolated(home);
    c.env("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    c
}

fn inspect(home: &Path, input: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = cmd(home);
    c.args(["inspect", "--format", "json", input]).args(extra);
    for (k, v) in env {
        c.env(k, v);
    }
    output(c)
}

fn figures_of(o: &Output) -> Value {
    without_source(json_of(o))
}

fn file_figures(path: &Path, extra: &[&str]) -> Value {
    without_source(inspect_json(path, extra))
}

/// One registry with the test images, shared by the tests that only read.
struct Pushed {
    _storage: tempfile::TempDir,
    _work: tempfile::TempDir,
    registry: Registry,
    multi: PathBuf,
}

fn pushed() -> Pushed {
    let storage = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::start(storage.path(), &RegistryConfig::default());
    registry.push(&testdata("app.oci"), "app:gzip");
    registry.push(&testdata("app.zstd.oci"), "team/app:zstd");
    let multi = multi_platform(work.path());
    registry.push(&multi, "multi:1");
    Pushed {
        _storage: storage,
        _work: work,
        registry,
        multi,
    }
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_figures_equal_the_file_figures() {
    let _ = IGNORE;
    let p = pushed();
    let home = tempfile::tempdir().unwrap();
    let host = p.registry.host();
    let env = || cmd(home.path());
    for (file, name) in [("app.oci", "app:gzip"), ("app.zstd.oci", "team/app:zstd")] {
        let f = testdata(file);
        let f = f.to_str().unwrap();
        let want = three_reports(env, f, f);
        for input in [format!("docker://{host}/{name}"), format!("{host}/{name}")] {
            assert_eq!(three_reports(env, &input, f), want, "{input}");
        }
    }
    // A multi-platform index: each platform as from the layout.
    let m = p.multi.to_str().unwrap();
    for platform in ["linux/amd64", "linux/arm64"] {
        let flags = ["--platform", platform];
        assert_eq!(
            three_reports_with(env, &format!("{host}/multi:1"), m, &flags),
            three_reports_with(env, m, m, &flags),
            "inspect, diff and check of {platform}"
        );
        let want = file_figures(&p.multi, &["--platform", platform]);
        let o = inspect(
            home.path(),
            &format!("{host}/multi:1"),
            &["--platform", platform],
            &[],
        );
        assert_eq!(figures_of(&o), want, "{platform}");
        let o = inspect(
            home.path(),
            &format!("oci:{m}:1"),
            &["--platform", platform],
            &[],
        );
        assert_eq!(figures_of(&o), want, "oci:{m}:1 {platform}");
    }
    // By digest, and the source named.
    let o = inspect(home.path(), &format!("{host}/app:gzip"), &[], &[]);
    let v = json_of(&o);
    assert_eq!(
        v["image"]["source"],
        json!({"transport": "registry", "location": host})
    );
    assert_eq!(v["image"]["input_kind"], "registry");
    let manifest_digest = {
        let index: Value =
            serde_json::from_slice(&std::fs::read(testdata("app.oci/index.json")).unwrap())
                .unwrap();
        index["manifests"][0]["digest"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let o = inspect(
        home.path(),
        &format!("{host}/app@{manifest_digest}"),
        &[],
        &[],
    );
    assert_eq!(figures_of(&o), file_figures(&testdata("app.oci"), &[]));
    // The table's summary line says which registry.
    let mut c = cmd(home.path());
    c.args(["inspect", &format!("{host}/app:gzip")]);
    let o = output(c);
    assert!(
        stdout(&o)
            .lines()
            .next()
            .unwrap_or("")
            .contains(&format!("from registry {host}")),
        "{}",
        stdout(&o)
    );
    // --manifest-only: pull sizes and instructions without one layer blob.
    let proxy = Proxy::start(p.registry.port, |_| false, Fault::None, 0);
    let mut c = cmd(home.path());
    c.args(["inspect", "--manifest-only", "--format", "json"])
        .arg(format!("{}/app:gzip", proxy.host()));
    let m = json_of(&output(c));
    let full = inspect_json(&testdata("app.oci"), &[]);
    assert_eq!(m["manifest_only"], true);
    assert_eq!(
        m["image"]["compressed_bytes"],
        full["image"]["compressed_bytes"]
    );
    for k in [
        "layer_bytes",
        "final_bytes",
        "hidden_bytes",
        "flagged_bytes",
    ] {
        assert!(m["image"][k].is_null(), "{k} needs the layers");
    }
    for (ml, fl) in m["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(full["layers"].as_array().unwrap())
    {
        assert_eq!(ml["compressed_bytes"], fl["compressed_bytes"]);
        assert_eq!(ml["instruction"], fl["instruction"]);
        assert!(ml["bytes"].is_null());
    }
    let blobs = proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.contains("/blobs/"))
        .count();
    assert_eq!(blobs, 1, "only the config blob is read");
    let mut c = cmd(home.path());
    c.args(["inspect", "--manifest-only", &format!("{host}/app:gzip")]);
    let table = stdout(&output(c));
    assert!(table.contains("needs the layers"), "{table}");
    // --source registry takes a name that would otherwise be a path.
    let o = inspect(
        home.path(),
        &format!("{host}/app:gzip"),
        &["--source", "registry"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_faults_are_one_line() {
    let p = pushed();
    let home = tempfile::tempdir().unwrap();
    let host = p.registry.host();
    let want = file_figures(&testdata("app.oci"), &[]);
    // Unknown tag; an index with no matching platform; nothing listening.
    let o = inspect(home.path(), &format!("{host}/app:nosuch"), &[], &[]);
    assert_error(&o, &["manifest nosuch", "unknown tag"]);
    let o = inspect(
        home.path(),
        &format!("{host}/multi:1"),
        &["--platform", "linux/s390x"],
        &[],
    );
    assert_error(&o, &["no image for platform 'linux/s390x'"]);
    let closed = format!("127.0.0.1:{}", services::free_port());
    let o = inspect(home.path(), &format!("docker://{closed}/app:1"), &[], &[]);
    assert_error(&o, &[&closed, "cannot connect"]);

    let upstream = p.registry.port;
    let is_blob = |l: &str| l.contains("/blobs/sha256:") && !l.starts_with("HEAD");
    let is_manifest = |l: &str| l.contains("/manifests/");
    // 429 twice, honouring Retry-After, then served; 429 always: one line.
    let proxy = Proxy::start(upstream, is_manifest, Fault::Status(429), 2);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_eq!(figures_of(&o), want, "after two 429s");
    let proxy = Proxy::start(upstream, is_manifest, Fault::Status(429), 100);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_error(&o, &["rate limited (429"]);
    // 403, and a registry that keeps failing with 500.
    let proxy = Proxy::start(upstream, is_manifest, Fault::Status(403), 100);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_error(&o, &["access denied (403 Forbidden)", "app"]);
    let proxy = Proxy::start(upstream, is_blob, Fault::Status(500), 100);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_error(&o, &["registry answered 500"]);
    // Blobs redirected to their storage (here, the registry itself): followed.
    let proxy = Proxy::start(upstream, is_blob, Fault::Redirect, 1000);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_eq!(figures_of(&o), want, "blobs behind a redirect");
    assert!(proxy
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|h| h.contains("/blobs/")));
    // A manifest over 4 MiB.
    let proxy = Proxy::start(upstream, is_manifest, Fault::HugeManifest(5 << 20), 100);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_error(&o, &["manifest", "over the 4194304-byte limit"]);
    // A connection reset mid-blob: resumed with a range request; always: one line.
    let largest = app_layers()
        .into_iter()
        .max_by_key(|(_, size)| *size)
        .map(|(d, _)| d)
        .unwrap();
    let is_largest = move |l: &str| l.contains(&largest);
    let proxy = Proxy::start(upstream, is_largest, Fault::CutAfter(3000), 2);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    assert_eq!(figures_of(&o), want, "after two resets");
    let seen = proxy.seen.lock().unwrap().clone();
    let resumed = seen
        .iter()
        .any(|h| h.to_ascii_lowercase().contains("range: bytes="));
    assert!(
        resumed,
        "a reset blob is resumed with a range request: {seen:?}"
    );
    let proxy = Proxy::start(upstream, is_blob, Fault::CutAfter(3000), 1000);
    let o = inspect(home.path(), &format!("{}/app:gzip", proxy.host()), &[], &[]);
    let line = assert_error(&o, &["blob sha256:", "3 retries"]);
    assert!(!line.contains("internal"), "{line}");
    // A stream that stalls: timed out, resumed; stalling always: one line.
    let stall = [("IMGSIZE_STALL_TIMEOUT_MS", "400")];
    let proxy = Proxy::start(
        upstream,
        is_blob,
        Fault::StallAfter(2000, Duration::from_secs(3)),
        1,
    );
    let o = inspect(
        home.path(),
        &format!("{}/app:gzip", proxy.host()),
        &[],
        &stall,
    );
    assert_eq!(figures_of(&o), want, "after a stall");
    let proxy = Proxy::start(
        upstream,
        is_blob,
        Fault::StallAfter(2000, Duration::from_secs(3)),
        1000,
    );
    let o = inspect(
        home.path(),
        &format!("{}/app:gzip", proxy.host()),
        &[],
        &stall,
    );
    assert_error(&o, &["stalled", "retries"]);
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_stopped_mid_stream_and_corrupt_blobs() {
    let storage = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let registry = Registry::start(storage.path(), &RegistryConfig::default());
    registry.push(&testdata("app.oci"), "app:1");
    // Stopped while a blob streams (the proxy holds it mid-way so the stop
    // lands inside the stream): every resume then fails.
    let proxy = Proxy::start(
        registry.port,
        |l: &str| l.contains("/blobs/sha256:"),
        Fault::StallAfter(2000, Duration::from_millis(1500)),
        1000,
    );
    let mut c = cmd(home.path());
    c.args([
        "inspect",
        "--format",
        "json",
        &format!("{}/app:1", proxy.host()),
    ])
    .env("IMGSIZE_STALL_TIMEOUT_MS", "1000");
    let child = c
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let port = registry.port;
    drop(registry);
    let o = child.wait_with_output().unwrap();
    assert_error(&o, &["blob sha256:"]);
    // Corrupt a layer blob in the storage folder: the digest check says so.
    let registry = Registry::start(storage.path(), &RegistryConfig::default());
    assert_ne!(registry.port, port);
    let layer = app_layers()[2].0.clone();
    let file = registry.blob_file(&layer);
    let mut data = std::fs::read(&file).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x55;
    std::fs::write(&file, &data).unwrap();
    let o = inspect(home.path(), &format!("{}/app:1", registry.host()), &[], &[]);
    assert_error(&o, &[&layer, "does not match its digest"]);
}

/// testdata/app.oci's layer digests and sizes.
fn app_layers() -> Vec<(String, u64)> {
    let manifest = read_json(&crate::layouts::manifest_blob(&testdata("app.oci")));
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["digest"].as_str().unwrap().to_string(),
                l["size"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn auth_file(dir: &Path, host: &str, user: &str, pass: &str) -> PathBuf {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let p = dir.join("auth.json");
    std::fs::write(&p, json!({"auths": {host: {"auth": auth}}}).to_string()).unwrap();
    p
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_basic_auth_from_each_credentials_file() {
    let storage = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), &RegistryConfig::default());
    open.push(&testdata("app.oci"), "app:1");
    drop(open);
    let registry = Registry::start(
        storage.path(),
        &RegistryConfig {
            htpasswd: Some(("ci".into(), "s3cret".into())),
            ..Default::default()
        },
    );
    let host = registry.host();
    let input = format!("{host}/app:1");
    let want = file_figures(&testdata("app.oci"), &[]);
    // No credentials anywhere.
    let o = inspect(home.path(), &input, &[], &[]);
    assert_error(
        &o,
        &["401", &format!("docker login {host}"), "REGISTRY_AUTH_FILE"],
    );
    // A credentials file cut short: where it stops being JSON (it said "Unable to
    // read config").
    let cut_dir = tempfile::tempdir().unwrap();
    let cut = cut_dir.path().join("config.json");
    std::fs::write(&cut, format!(r#"{{"auths": {{"{host}": {{"auth": "Y2k6"#)).unwrap();
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", cut.to_str().unwrap())],
    );
    assert_error(&o, &["not valid JSON", "line 1 column"]);
    // REGISTRY_AUTH_FILE.
    let dir = tempfile::tempdir().unwrap();
    let good = auth_file(dir.path(), &host, "ci", "s3cret");
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", good.to_str().unwrap())],
    );
    assert_eq!(figures_of(&o), want);
    // A wrong password: refused, and the file named.
    let bad_dir = tempfile::tempdir().unwrap();
    let bad = auth_file(bad_dir.path(), &host, "ci", "wrong");
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", bad.to_str().unwrap())],
    );
    assert_error(&o, &["refused the credentials", bad.to_str().unwrap()]);
    // docker's config.json under DOCKER_CONFIG, and ~/.docker/config.json.
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("DOCKER_CONFIG", dir.path().to_str().unwrap())],
    );
    assert!(!o.status.success(), "auth.json is not config.json");
    std::fs::copy(&good, dir.path().join("config.json")).unwrap();
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("DOCKER_CONFIG", dir.path().to_str().unwrap())],
    );
    assert_eq!(figures_of(&o), want, "DOCKER_CONFIG");
    let home2 = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home2.path().join(".docker")).unwrap();
    std::fs::copy(&good, home2.path().join(".docker/config.json")).unwrap();
    assert_eq!(
        figures_of(&inspect(home2.path(), &input, &[], &[])),
        want,
        "~/.docker"
    );
    // REGISTRY_AUTH_FILE comes first.
    let o = inspect(
        home2.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", bad.to_str().unwrap())],
    );
    assert_error(&o, &["refused the credentials", "REGISTRY_AUTH_FILE"]);
    // containers' auth.json under XDG_RUNTIME_DIR.
    let run = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(run.path().join("containers")).unwrap();
    std::fs::copy(&good, run.path().join("containers/auth.json")).unwrap();
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("XDG_RUNTIME_DIR", run.path().to_str().unwrap())],
    );
    assert_eq!(figures_of(&o), want, "XDG_RUNTIME_DIR");
    // A credential helper named by credHelpers, found on PATH.
    let helpers = tempfile::tempdir().unwrap();
    let helper = helpers.path().join("docker-credential-imgsizetest");
    std::fs::write(
        &helper,
        "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"ci\",\"Secret\":\"s3cret\"}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = tempfile::tempdir().unwrap();
    std::fs::write(
        conf.path().join("config.json"),
        json!({"credHelpers": {&host: "imgsizetest"}}).to_string(),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        helpers.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[
            ("DOCKER_CONFIG", conf.path().to_str().unwrap()),
            ("PATH", &path),
        ],
    );
    assert_eq!(figures_of(&o), want, "credHelpers");
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_bearer_token_flow() {
    let storage = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), &RegistryConfig::default());
    open.push(&testdata("app.oci"), "team/app:1");
    drop(open);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ci:tok3n")
    );
    let tokens = TokenServer::start(Some(basic.clone()));
    let registry = Registry::start(
        storage.path(),
        &RegistryConfig {
            silly_realm: Some(tokens.realm()),
            ..Default::default()
        },
    );
    let host = registry.host();
    let input = format!("{host}/team/app:1");
    // Without credentials the token service refuses: say how to log in.
    let o = inspect(home.path(), &input, &[], &[]);
    assert_error(&o, &[&format!("docker login {host}")]);
    // With them: a token for the repository's pull scope, then the image.
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_file(dir.path(), &host, "ci", "tok3n");
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", auth.to_str().unwrap())],
    );
    assert_eq!(figures_of(&o), file_figures(&testdata("app.oci"), &[]));
    let seen = tokens.requests.lock().unwrap().clone();
    let (query, authz) = seen.last().expect("a token request");
    assert!(
        query.contains("scope=repository%3Ateam%2Fapp%3Apull"),
        "{query}"
    );
    assert!(query.contains("service=imgsize-test"), "{query}");
    assert_eq!(authz.as_deref(), Some(basic.as_str()));
    // Wrong credentials: the token service refuses them, and the file is named.
    let bad_dir = tempfile::tempdir().unwrap();
    let bad = auth_file(bad_dir.path(), &host, "ci", "nope");
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("REGISTRY_AUTH_FILE", bad.to_str().unwrap())],
    );
    assert_error(&o, &["refused the credentials", "REGISTRY_AUTH_FILE"]);
}

#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_over_tls() {
    let storage = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), &RegistryConfig::default());
    open.push(&testdata("app.zstd.oci"), "app:1");
    drop(open);
    let (ca, cert, key) = services::certificate(certs.path());
    let registry = Registry::start(
        storage.path(),
        &RegistryConfig {
            tls: Some((cert, key)),
            ..Default::default()
        },
    );
    let input = format!("{}/app:1", registry.host());
    // The certificate trusted through SSL_CERT_FILE: HTTPS.
    let o = inspect(
        home.path(),
        &input,
        &[],
        &[("SSL_CERT_FILE", ca.to_str().unwrap())],
    );
    assert_eq!(figures_of(&o), file_figures(&testdata("app.zstd.oci"), &[]));
    // Not trusted: one line about the certificate, no fallback to plain HTTP.
    let mut c = cmd(home.path());
    c.env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .args(["inspect", &input]);
    let o = output(c);
    assert_error(&o, &["certificate"]);
    // --insecure-registry: no certificate check.
    let mut c = cmd(home.path());
    c.env_remove("SSL_CERT_FILE").args([
        "inspect",
        "--format",
        "json",
        "--insecure-registry",
        &registry.host(),
        &input,
    ]);
    assert_eq!(
        figures_of(&output(c)),
        file_figures(&testdata("app.zstd.oci"), &[])
    );
}

/// The peak memory a run reports with `IMGSIZE_TIMINGS` (the last mark is made
/// on failure too).
fn peak(o: &Output) -> u64 {
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .filter_map(|l| l.split("peak").nth(1))
        .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .max()
        .expect("IMGSIZE_TIMINGS reports the peak")
        * 1024
}

/// Answers of any size were read whole (a 1 GiB error body: 2 GB RSS), and a
/// blob that ran past its declared size was drained to its end.
#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn registry_answers_are_read_within_bounds() {
    let p = pushed();
    let home = tempfile::tempdir().unwrap();
    let upstream = p.registry.port;
    let timings = [("IMGSIZE_TIMINGS", "1")];
    let is_manifest = |l: &str| l.contains("/manifests/");
    let is_blob = |l: &str| l.contains("/blobs/sha256:") && !l.starts_with("HEAD");
    let proxy = Proxy::start(upstream, is_manifest, Fault::HugeError(400, 1 << 30), 100);
    let o = inspect(
        home.path(),
        &format!("{}/app:gzip", proxy.host()),
        &[],
        &timings,
    );
    assert_error(&o, &["registry answered 400"]);
    assert!(
        peak(&o) < 100 << 20,
        "error body: peak {} MB",
        peak(&o) >> 20
    );
    // A layer blob that goes on past the size its descriptor declares.
    let layers: Vec<String> = app_layers().into_iter().map(|(d, _)| d).collect();
    let is_layer = move |l: &str| is_blob(l) && layers.iter().any(|d| l.contains(d.as_str()));
    let proxy = Proxy::start(upstream, is_layer, Fault::Overrun(1 << 30), 100);
    let o = inspect(
        home.path(),
        &format!("{}/app:gzip", proxy.host()),
        &[],
        &timings,
    );
    assert_error(&o, &["runs past the", "bytes its descriptor declares"]);
    assert!(peak(&o) < 100 << 20, "overrun: peak {} MB", peak(&o) >> 20);
    // A token answer of 1 GiB.
    let tokens = TokenServer::start_on("127.0.0.1", None, Some(1 << 30));
    let storage = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), &RegistryConfig::default());
    open.push(&testdata("app.oci"), "app:1");
    drop(open);
    let registry = Registry::start(
        storage.path(),
        &RegistryConfig {
            silly_realm: Some(tokens.realm()),
            ..Default::default()
        },
    );
    let o = inspect(
        home.path(),
        &format!("{}/app:1", registry.host()),
        &[],
        &timings,
    );
    assert_error(&o, &["token answer", "limit"]);
    assert!(peak(&o) < 100 << 20, "token: peak {} MB", peak(&o) >> 20);
}

/// Basic credentials went to whatever token realm a 401 named, plain HTTP on
/// another host included.
#[test]
#[ignore = "needs docker-registry, skopeo, htpasswd and openssl"]
fn credentials_go_only_to_a_trusted_token_service() {
    let storage = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), &RegistryConfig::default());
    open.push(&testdata("app.oci"), "team/app:1");
    drop(open);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ci:tok3n")
    );
    // A realm on another host (127.0.0.2), over plain HTTP.
    let elsewhere = TokenServer::start_on("127.0.0.2", Some(basic.clone()), None);
    let registry = Registry::start(
        storage.path(),
        &RegistryConfig {
            silly_realm: Some(elsewhere.realm()),
            ..Default::default()
        },
    );
    let host = registry.host();
    let dir = tempfile::tempdir().unwrap();
    let auth = auth_file(dir.path(), &host, "ci", "tok3n");
    let env = [("REGISTRY_AUTH_FILE", auth.to_str().unwrap())];
    let o = inspect(home.path(), &format!("{host}/team/app:1"), &[], &env);
    assert_error(
        &o,
        &["did not send it the credentials", "REGISTRY_AUTH_FILE"],
    );
    let seen = elsewhere.requests.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the token service was asked");
    assert!(
        seen.iter().all(|(_, authz)| authz.is_none()),
        "credentials sent to {}: {seen:?}",
        elsewhere.realm()
    );
    // Named by --insecure-registry, the same host is trusted.
    let o = inspect(
        home.path(),
        &format!("{host}/team/app:1"),
        &[
            "--insecure-registry",
            &format!("127.0.0.2:{}", elsewhere.port),
        ],
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = elsewhere.requests.lock().unwrap().clone();
    assert_eq!(seen.last().unwrap().1.as_deref(), Some(basic.as_str()));
}
