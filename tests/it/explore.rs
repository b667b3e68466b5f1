//! `imgsize explore`: the panels drawn through ratatui's test backend on the
//! example image (snapshots), what the keys change, and the real binary driven in
//! a pseudo-terminal: select a layer, fold, filter, jump from a finding, quit,
//! and the terminal given back as it was.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use imgsize::explore::{frame_text, App, KeyCode, KeyEvent, KeyModifiers};
use imgsize::LoadOptions;

use super::{bin, stderr};

/// The example image, as `explore` loads it (relative: the snapshots hold its name).
fn analysis(name: &str) -> imgsize::analysis::Analysis {
    let opts = LoadOptions {
        changes: true,
        ..Default::default()
    };
    imgsize::load(&format!("testdata/{name}"), &opts).unwrap()
}

fn key(app: &mut App, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The tree panel's rows (right of the left column), trimmed.
fn tree_rows(frame: &str) -> Vec<String> {
    frame
        .lines()
        .skip(3)
        .map(|l| l.chars().skip(63).collect::<String>())
        .take_while(|right| !right.starts_with('└'))
        .map(|right| right.trim_matches(|c| c == '│' || c == ' ').to_string())
        .filter(|row| !row.is_empty())
        .collect()
}

#[test]
fn each_panel_on_the_example_image() {
    let a = analysis("app.docker.tar");
    let mut app = App::new(&a);
    // The last layer's changes: a folder deleted and made again is a modification.
    insta::assert_snapshot!("explore_first_frame", frame_text(&mut app, 150, 40));
    // The image as of layer 1: the npm cache it wrote, hidden by layer 4.
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('c'));
    insta::assert_snapshot!("explore_layer1_aggregate", frame_text(&mut app, 150, 40));
    // Findings and packages focused show their details; help on top.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.panel, imgsize::explore::app::Panel::Findings);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    insta::assert_snapshot!("explore_finding", frame_text(&mut app, 150, 40));
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!("explore_help", frame_text(&mut app, 150, 40));
}

#[test]
fn keys_select_fold_filter_toggle_and_jump() {
    let a = analysis("app.docker.tar");
    let mut app = App::new(&a);
    // Layer 1's changes: the npm cache, every file marked hidden by layer 4.
    app.select_layer(1);
    // ctrl+space folds every folder (some are open), then unfolds every one.
    ctrl(&mut app, ' ');
    assert!(app.tree.rows.iter().all(|&r| !app.tree.open[r as usize]));
    ctrl(&mut app, ' ');
    let rows = tree_rows(&frame_text(&mut app, 150, 40));
    assert!(
        rows.iter()
            .any(|r| r.contains("blob") && r.contains("hidden by #4")),
        "{rows:#?}"
    );
    // Fold the first folder and unfold it again.
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.panel, imgsize::explore::app::Panel::Tree);
    let before = app.tree.rows.len();
    key(&mut app, KeyCode::Char(' '));
    let folded = app.selected().unwrap() as usize;
    assert!(!app.tree.open[folded] && app.tree.rows.len() < before);
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.tree.rows.len(), before);
    // The image as of the last layer, filtered to source maps with a glob: the
    // folders above the match stay, nothing else.
    app.select_layer(5);
    key(&mut app, KeyCode::Char('c'));
    ctrl(&mut app, 'f');
    typed(&mut app, "*.map");
    key(&mut app, KeyCode::Enter);
    let rows = tree_rows(&frame_text(&mut app, 150, 40));
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(
        rows[0].ends_with("app/") && rows[2].contains("app.js.map"),
        "{rows:#?}"
    );
    assert!(rows[2].contains("source-maps"), "{rows:#?}");
    // A glob that does not compile keeps the last filter and says why.
    ctrl(&mut app, 'f');
    typed(&mut app, "[");
    assert!(app.filter_error.is_some());
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Esc);
    assert!(app.filter_text.is_empty());
    // Hide unchanged paths: what the last layer added and modified remains.
    ctrl(&mut app, 'u');
    let rows = tree_rows(&frame_text(&mut app, 150, 40));
    assert!(
        rows.iter()
            .all(|r| r.starts_with('A') || r.starts_with('M')),
        "{rows:#?}"
    );
    ctrl(&mut app, 'u');
    // Jump from each finding: a churn shows its layer's hidden bytes, a
    // category its files in the final image.
    for (i, f) in a.waste.findings.iter().enumerate() {
        app.jump_to_finding(i);
        let frame = frame_text(&mut app, 150, 40);
        let rows = tree_rows(&frame);
        assert!(!rows.is_empty(), "{}: {frame}", f.category);
        let biggest = &f.paths[0].path;
        let name = biggest.rsplit('/').next().unwrap();
        assert!(
            rows.iter().any(|r| r.contains(name)),
            "{}: {name} not in {rows:#?}",
            f.category
        );
        assert!(
            frame.contains(&format!("finding: {}", f.category)),
            "{frame}"
        );
        key(&mut app, KeyCode::Esc);
        assert!(app.focus.is_none());
    }
}

/// A package jumps to its own files; the Node.js image has dev dependencies.
#[test]
fn a_package_shows_its_files() {
    let a = analysis("app-slim.oci");
    let mut app = App::new(&a);
    let Some(i) = a
        .packages()
        .packages
        .iter()
        .position(|p| p.ecosystem == "npm")
    else {
        panic!("no npm package in app-slim.oci");
    };
    let p = &a.packages().packages[i];
    app.jump_to_package(i);
    let rows = tree_rows(&frame_text(&mut app, 150, 40));
    let folder = p.paths[0].rsplit('/').next().unwrap();
    assert!(rows.iter().any(|r| r.contains(folder)), "{rows:#?}");
    assert!(rows.iter().all(|r| !r.contains("server.js")), "{rows:#?}");
}

#[test]
fn not_a_terminal_is_one_line_and_exit_2() {
    let out = bin()
        .args(["explore", "testdata/app.docker.tar"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("stdout is not a terminal"), "{err}");
}

/// The screen of a pseudo-terminal, as a terminal would show it.
struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `what` (10 s at most: the image is tiny).
    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.contains(what) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the screen never showed {what:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn the_binary_in_a_terminal() {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 150,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let exe = bin().get_program().to_owned();
    // After imgsize, stty says what state it left the terminal in.
    let mut cmd = CommandBuilder::new("sh");
    cmd.args([
        "-c",
        &format!(
            "{} explore testdata/app.docker.tar; echo \"exit=$?\"; stty -a",
            exe.to_str().unwrap()
        ),
    ]);
    cmd.cwd(env!("CARGO_MANIFEST_DIR"));
    cmd.env("TERM", "xterm-256color");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
    let screen = Screen {
        parser: Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(40).unwrap(),
            std::num::NonZeroU16::new(150).unwrap(),
            0,
        ))),
        raw: Arc::new(Mutex::new(Vec::new())),
    };
    let (parser, raw) = (screen.parser.clone(), screen.raw.clone());
    let pump = std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.lock().unwrap().process(&buf[..n]);
            raw.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut send = |keys: &[u8]| {
        writer.write_all(keys).unwrap();
        writer.flush().unwrap();
    };
    screen.wait_for("Files: layer #5's changes");
    // Up in the layers panel: layer 4's changes.
    send(b"k");
    screen.wait_for("Files: layer #4's changes");
    // To the tree, fold the first folder, unfold it.
    send(b"\t");
    send(b" ");
    screen.wait_for("▸ root/");
    send(b" ");
    screen.wait_for("▾ root/");
    // The image as of layer 4, filtered.
    send(b"c");
    screen.wait_for("Files: image as of layer #4");
    send(b"/map\r");
    let text = screen.wait_for("filter \"map\"");
    assert!(
        text.contains("app.js.map") && !text.contains("▾ bin/"),
        "{text}"
    );
    // Esc alone (a terminal reads Esc and a key sent with it as alt+key).
    send(b"\x1b");
    screen.wait_for("Files: image as of layer #4, 2.39 MB shown");
    // Findings (after the tree): the third is the source maps; enter jumps to them.
    send(b"\tjj\r");
    screen.wait_for("finding: source-maps");
    send(b"q");
    let text = screen.wait_for("exit=");
    let status = child.wait().unwrap();
    pump.join().unwrap();
    assert!(status.success());
    assert!(text.contains("exit=0"), "{text}");
    // The terminal as it was: canonical mode and echo back on, the main screen,
    // the mouse released, the cursor shown.
    assert!(
        text.contains(" icanon") && text.contains(" echo "),
        "stty after explore:\n{text}"
    );
    let raw = String::from_utf8_lossy(&screen.raw.lock().unwrap()).into_owned();
    let quit = raw.rfind("\x1b[?1049l").expect("the alternate screen left");
    assert!(raw
        .find("\x1b[?1049h")
        .is_some_and(|entered| entered < quit));
    assert!(raw[quit..].contains("\x1b[?25h") || raw.contains("\x1b[?25h"));
    assert!(raw.contains("\x1b[?1000l"), "mouse capture released");
}

/// The README's picture of the explorer is this test's frame: the example image
/// after enter on its source-maps finding (IMGSIZE_DOCS=overwrite redraws it).
#[test]
fn the_readme_frame() {
    let a = analysis("app.docker.tar");
    let mut app = App::new(&a);
    app.jump_to_finding(2);
    let frame = frame_text(&mut app, 110, 26);
    let readme_path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(readme_path).unwrap();
    let start = "<!-- explore frame: tests/it/explore.rs -->\n```text\n";
    let from = readme
        .find(start)
        .expect("the README's explore frame marker")
        + start.len();
    let to = from + readme[from..].find("```\n").expect("the frame's end");
    if std::env::var("IMGSIZE_DOCS").as_deref() == Ok("overwrite") {
        let text = format!("{}{frame}{}", &readme[..from], &readme[to..]);
        std::fs::write(readme_path, text).unwrap();
        return;
    }
    assert_eq!(readme[from..to], frame, "IMGSIZE_DOCS=overwrite redraws it");
}

/// An image with no layers (a config alone) and one with an empty layer draw
/// every panel and take every key without a panic.
#[test]
fn images_with_nothing_to_browse() {
    use imgsize::synth::{self, Format, Image, Layer};
    let dir = tempfile::tempdir().unwrap();
    for (name, layers) in [
        ("none", vec![]),
        ("empty", vec![Layer::new("RUN true", vec![])]),
    ] {
        let out = dir.path().join(format!("{name}.tar"));
        synth::write(
            &[Image::new(&format!("{name}:1"), layers)],
            Format::DockerClassic,
            &out,
        )
        .unwrap();
        let opts = LoadOptions {
            changes: true,
            ..Default::default()
        };
        let a = imgsize::load(out.to_str().unwrap(), &opts).unwrap();
        let mut app = App::new(&a);
        let frame = frame_text(&mut app, 120, 30);
        assert!(frame.contains("nothing in this view"), "{frame}");
        for code in [
            KeyCode::Tab,
            KeyCode::Down,
            KeyCode::Enter,
            KeyCode::Char(' '),
            KeyCode::Char('c'),
            KeyCode::Char('s'),
            KeyCode::PageDown,
            KeyCode::End,
            KeyCode::Left,
            KeyCode::Tab,
            KeyCode::Enter,
            KeyCode::Tab,
            KeyCode::Enter,
        ] {
            key(&mut app, code);
            frame_text(&mut app, 120, 30);
        }
        ctrl(&mut app, 'f');
        typed(&mut app, "x*");
        frame_text(&mut app, 40, 10);
        frame_text(&mut app, 5, 3);
    }
}
