//! Java archives: a Spring Boot-style jar holding a real Debian jar (Maven-built,
//! with its `pom.properties`), a jar `jar` made and a shaded one, written four
//! ways (the JDK's `jar` compressing, which puts sizes in descriptors after the
//! data, and storing; Info-ZIP's `zip` to a file, sizes in the headers, and to a
//! pipe, descriptors again), put in an image, and listed by `imgsize packages`
//! as `unzip` reads them: the coordinates of the archive, the archives inside
//! and what they bundle, whatever the image's format.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

/// The real Maven-built jar Debian ships (libcommons-lang3-java, installed by
/// .ci/run).
const DEBIAN_JAR: &str = "/usr/share/java/commons-lang3-3.12.0.jar";

/// A file named as an archive that is none: named by its file name.
const BROKEN: &str = "not a zip, though named as one\n";

fn sh(cmd: &mut Command) {
    let o = cmd
        .output()
        .expect("the JDK's jar, zip and unzip (.ci/run)");
    assert!(o.status.success(), "{cmd:?}: {}", stderr(&o));
}

fn pom(dir: &Path, group: &str, artifact: &str, version: &str) {
    let at = dir.join(format!("META-INF/maven/{group}/{artifact}"));
    std::fs::create_dir_all(&at).unwrap();
    std::fs::write(
        at.join("pom.properties"),
        format!(
            "#Created by Apache Maven\nartifactId={artifact}\ngroupId={group}\nversion={version}\n"
        ),
    )
    .unwrap();
    std::fs::write(at.join("pom.xml"), "<project/>\n").unwrap();
}

/// Incompressible bytes (a class file's worth of them), so that entries span
/// the reader's chunks.
fn noise(path: &Path, len: usize, seed: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(path, bytes).unwrap();
}

/// The archive of `dir`'s contents at `out`, written `how`.
fn archive(how: &str, dir: &Path, out: &Path) {
    let _ = std::fs::remove_file(out);
    match how {
        "jar" => sh(Command::new("jar")
            .args(["--create", "--file"])
            .arg(out)
            .args(["-C"])
            .arg(dir)
            .arg(".")),
        "jar-stored" => sh(Command::new("jar")
            .args(["--create", "--no-compress", "--file"])
            .arg(out)
            .args(["-C"])
            .arg(dir)
            .arg(".")),
        "zip" => sh(Command::new("zip")
            .args(["-q", "-r"])
            .arg(out)
            .arg(".")
            .current_dir(dir)),
        "zip-piped" => {
            // To a pipe, zip cannot go back to fill in sizes: descriptors.
            let mut z = Command::new("zip")
                .args(["-q", "-r", "-", "."])
                .current_dir(dir)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut file = std::fs::File::create(out).unwrap();
            std::io::copy(z.stdout.as_mut().unwrap(), &mut file).unwrap();
            assert!(z.wait().unwrap().success());
        }
        _ => unreachable!(),
    }
}

/// `NAME` and `VERSION` of `NAME-VERSION.jar` (the version from the last `-`
/// before a digit).
fn from_file_name(file: &str) -> (String, Option<String>) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let b = stem.as_bytes();
    match (1..b.len())
        .rev()
        .find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit())
    {
        Some(i) => (stem[..i - 1].into(), Some(stem[i..].into())),
        None => (stem.into(), None),
    }
}

/// An archive's `pom.properties` as `unzip` reads them: (group, artifact,
/// version), and its own among them (the only one, or its file's artifact).
fn poms_of(archive: &Path, file: &str) -> (Vec<(String, String, String)>, Option<usize>) {
    let o = Command::new("unzip")
        .arg("-Z1")
        .arg(archive)
        .output()
        .unwrap();
    let mut poms = Vec::new();
    for name in stdout(&o).lines() {
        let parts: Vec<&str> = name.split('/').collect();
        if parts.len() != 5
            || parts[0] != "META-INF"
            || parts[1] != "maven"
            || parts[4] != "pom.properties"
        {
            continue;
        }
        let o = Command::new("unzip")
            .arg("-p")
            .arg(archive)
            .arg(name)
            .output()
            .unwrap();
        let text = stdout(&o);
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap()
                .to_string()
        };
        poms.push((get("groupId"), get("artifactId"), get("version")));
    }
    let own = if poms.len() == 1 {
        Some(0)
    } else {
        let named = from_file_name(file).0;
        poms.iter().position(|p| p.1 == named)
    };
    (poms, own)
}

/// What the package of `archive` is, by `unzip`: its name, version and modules.
fn truth(archive: &Path, work: &Path) -> (String, Option<String>, Vec<String>) {
    let file = archive.file_name().unwrap().to_str().unwrap();
    let (poms, own) = poms_of(archive, file);
    let (name, version) = match own {
        Some(i) => (
            format!("{}:{}", poms[i].0, poms[i].1),
            Some(poms[i].2.clone()),
        ),
        None => from_file_name(file),
    };
    let module = |p: &(String, String, String)| format!("{}:{}@{}", p.0, p.1, p.2);
    let mut modules: Vec<String> = (0..poms.len())
        .filter(|&i| Some(i) != own)
        .map(|i| module(&poms[i]))
        .collect();
    let o = Command::new("unzip")
        .arg("-Z1")
        .arg(archive)
        .output()
        .unwrap();
    for inner in stdout(&o).lines().filter(|n| n.ends_with(".jar")) {
        let at = work.join("inner.jar");
        let o = Command::new("unzip")
            .arg("-p")
            .arg(archive)
            .arg(inner)
            .output()
            .unwrap();
        std::fs::write(&at, &o.stdout).unwrap();
        let inner_file = inner.rsplit('/').next().unwrap();
        let (poms, own) = poms_of(&at, inner_file);
        modules.push(match (own, from_file_name(inner_file)) {
            (Some(i), _) => module(&poms[i]),
            (None, (n, Some(v))) => format!("{n}@{v}"),
            (None, (n, None)) => n,
        });
        modules.extend(
            (0..poms.len())
                .filter(|&i| Some(i) != own)
                .map(|i| module(&poms[i])),
        );
    }
    let mut seen = std::collections::HashSet::new();
    modules.retain(|m| seen.insert(m.clone()));
    (name, version, modules)
}

/// A package as the test expects it: path, name, version, modules, bytes.
type Expected = (String, String, Option<String>, Vec<String>, u64);

#[test]
fn java_archives_list_what_unzip_finds_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    // tool-1.0.jar, made by jar; plain-3.1.jar, no Maven in it; a shaded jar
    // with its own pom and guava's.
    let tool = work.join("tool");
    pom(&tool, "com.example", "tool", "1.0");
    noise(&tool.join("com/example/Tool.class"), 70_000, 1);
    let plain = work.join("plain");
    noise(&plain.join("Plain.class"), 3_000, 2);
    let shaded = work.join("shaded");
    pom(&shaded, "com.example", "shaded", "1.1");
    pom(&shaded, "com.google.guava", "guava", "31.1-jre");
    noise(&shaded.join("com/google/common/Big.class"), 300_000, 3);
    let jars = work.join("jars");
    std::fs::create_dir_all(&jars).unwrap();
    archive("jar", &tool, &jars.join("tool-1.0.jar"));
    archive("zip", &plain, &jars.join("plain-3.1.jar"));
    archive("zip-piped", &shaded, &jars.join("shaded-1.1-all.jar"));
    // The application: its pom, its classes, the libraries inside.
    let app = work.join("app");
    pom(&app, "com.example", "app", "2.0");
    noise(
        &app.join("BOOT-INF/classes/com/example/App.class"),
        1_500_000,
        4,
    );
    std::fs::create_dir_all(app.join("BOOT-INF/lib")).unwrap();
    std::fs::copy(
        DEBIAN_JAR,
        app.join("BOOT-INF/lib/commons-lang3-3.12.0.jar"),
    )
    .unwrap();
    for f in ["tool-1.0.jar", "plain-3.1.jar", "shaded-1.1-all.jar"] {
        std::fs::copy(jars.join(f), app.join("BOOT-INF/lib").join(f)).unwrap();
    }
    let mut entries = vec![
        Entry::bytes(
            "app/lib/shaded-1.1-all.jar",
            std::fs::read(jars.join("shaded-1.1-all.jar")).unwrap(),
        ),
        Entry::bytes(
            "app/lib/plain-3.1.jar",
            std::fs::read(jars.join("plain-3.1.jar")).unwrap(),
        ),
        Entry::text("app/lib/broken-1.0.jar", BROKEN),
    ];
    let mut want: Vec<Expected> = Vec::new();
    for how in ["jar", "jar-stored", "zip", "zip-piped"] {
        let out = work.join(format!("app-{how}.jar"));
        archive(how, &app, &out);
        let (name, version, modules) = truth(&out, work);
        assert!(modules.len() >= 5, "{how}: {modules:?}");
        let content = std::fs::read(&out).unwrap();
        want.push((
            format!("/app/{how}/app.jar"),
            name,
            version,
            modules,
            content.len() as u64,
        ));
        entries.push(Entry::bytes(&format!("app/{how}/app.jar"), content));
    }
    for f in ["shaded-1.1-all.jar", "plain-3.1.jar"] {
        let (name, version, modules) = truth(&jars.join(f), work);
        let len = std::fs::metadata(jars.join(f)).unwrap().len();
        want.push((format!("/app/lib/{f}"), name, version, modules, len));
    }
    want.push((
        "/app/lib/broken-1.0.jar".into(),
        "broken".into(),
        Some("1.0".into()),
        vec![],
        BROKEN.len() as u64,
    ));
    want.sort();
    // A Debian package's jar: its coordinates among the package's modules.
    let base = vec![
        Entry::text(
            "var/lib/dpkg/status",
            "Package: libcommons-lang3-java\nStatus: install ok installed\nArchitecture: all\nVersion: 3.12.0-2\n",
        ),
        Entry::text(
            "var/lib/dpkg/info/libcommons-lang3-java.list",
            "/.\n/usr\n/usr/share\n/usr/share/java\n/usr/share/java/commons-lang3-3.12.0.jar\n",
        ),
        Entry::bytes("usr/share/java/commons-lang3-3.12.0.jar", std::fs::read(DEBIAN_JAR).unwrap()),
    ];
    let (deb_name, deb_version, _) = truth(Path::new(DEBIAN_JAR), work);
    let deb_modules = vec![format!("{deb_name}@{}", deb_version.unwrap())];
    let img = |c| {
        Image::new(
            "java:1",
            vec![
                Layer::new("RUN apt-get install -y libcommons-lang3-java", base.clone()),
                Layer::new("COPY target /app", entries.clone()),
            ],
        )
        .compressed(c)
    };
    for (format, compression) in [
        (Format::DockerClassic, synth::Compression::None),
        (Format::OciDir, synth::Compression::Gzip),
        (Format::OciDir, synth::Compression::Zstd),
    ] {
        let out: PathBuf = work.join(format!("java-{format:?}-{compression:?}"));
        synth::write(&[img(compression)], format, &out).unwrap();
        for extra in [&[][..], &["--content"][..]] {
            let v = inspect_json(&out, extra);
            let mut got: Vec<&Value> = v["packages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["ecosystem"] == "jar")
                .collect();
            got.sort_by_key(|p| p["paths"][0].as_str().unwrap().to_string());
            assert_eq!(got.len(), want.len(), "{format:?}: {got:#?}");
            for (p, (path, name, version, modules, bytes)) in got.iter().zip(&want) {
                let at = format!("{format:?} {compression:?} {extra:?} {path}");
                assert_eq!(p["paths"][0], path.as_str(), "{at}");
                assert_eq!(p["name"], name.as_str(), "{at}");
                assert_eq!(p["version"].as_str(), version.as_deref(), "{at}");
                assert_eq!(p["modules"], serde_json::json!(modules), "{at}");
                assert_eq!(p["bytes"], *bytes, "{at}");
            }
            let deb = v["packages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["ecosystem"] == "deb")
                .unwrap();
            assert_eq!(deb["modules"], serde_json::json!(deb_modules), "{format:?}");
        }
    }
}
