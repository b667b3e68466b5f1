//! `imgsize check`: every rule on both sides of its limit, config files and their
//! errors, baselines, dive's CI rules, and the report formats.

use std::path::Path;
use std::process::Stdio;

use imgsize::synth::{self, Entry, Format, Image, Layer};
use serde_json::Value;

use crate::*;

// testdata/app: layer_bytes 2592313, final_bytes 2242313, hidden 350000, 6 layers,
// compressed (app.oci) 1086468, dive efficiency 0.9308511907252085, dive wasted
// 220000, user wasted 0.3606397749607804, one 40000-byte source map, 260027 bytes
// under /app.
fn app() -> String {
    testdata("app.docker.tar").to_str().unwrap().to_string()
}

fn check_in(dir: Option<&Path>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut c = bin();
    c.arg("check")
        .args(args)
        .stdin(Stdio::null())
        .env_remove("GITHUB_ACTIONS");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let o = c.output().unwrap();
    (o.status.code(), stdout(&o), stderr(&o))
}

fn check(args: &[&str]) -> Option<i32> {
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = check_in(Some(empty.path()), args);
    assert!(code == Some(0) || code == Some(1), "exit {code:?}: {err}");
    assert!(out.contains("Result: "), "{out}");
    code
}

fn pass_fail(input: &str, flag: &str, pass: &str, fail: &str) {
    assert_eq!(
        check(&[input, flag, pass]),
        Some(0),
        "{flag} {pass} should pass"
    );
    assert_eq!(
        check(&[input, flag, fail]),
        Some(1),
        "{flag} {fail} should fail"
    );
}

#[test]
fn each_rule_on_both_sides_of_its_limit() {
    let app = app();
    let oci = testdata("app.oci").to_str().unwrap().to_string();
    pass_fail(&app, "--max-size", "2592313", "2592312");
    pass_fail(&app, "--max-size", "2.6MB", "2.5MB");
    pass_fail(&app, "--max-final-size", "2242313B", "2242312B");
    pass_fail(&oci, "--max-compressed-size", "1086468", "1086467");
    pass_fail(&app, "--max-layers", "6", "5");
    pass_fail(&app, "--max-hidden", "350000", "349999");
    pass_fail(&app, "--max-hidden", "13.51%", "13.5%");
    pass_fail(&app, "--min-efficiency", "0.9308511907252085", "0.9309");
    pass_fail(&app, "--min-efficiency", "93%", "94%");
    pass_fail(
        &app,
        "--max-category",
        "source-maps=40000",
        "source-maps=39999",
    );
    pass_fail(
        &app,
        "--max-category",
        "layer-churn=350kB",
        "layer-churn=349kB",
    );
    pass_fail(&app, "--forbid", "**/.env", "**/*.map");
    pass_fail(&app, "--max-path", "/app/**=260027", "/app/**=260026");
}

#[test]
fn growth_against_a_baseline_report_or_image() {
    let dir = tempfile::tempdir().unwrap();
    let app = app();
    let report = dir.path().join("base.json");
    let mut v = inspect_json(Path::new(&app), &[]);
    std::fs::write(&report, serde_json::to_vec(&v).unwrap()).unwrap();
    let r = report.to_str().unwrap();
    // Same image as its own baseline: growth 0 passes even a 0-byte budget.
    assert_eq!(
        check(&[&app, "--baseline", r, "--max-growth", "0B"]),
        Some(0)
    );
    assert_eq!(
        check(&[&app, "--baseline", &app, "--max-growth", "0%"]),
        Some(0)
    );
    // A baseline 1000 bytes smaller: 1000 bytes of growth.
    v["image"]["layer_bytes"] = serde_json::json!(2592313 - 1000);
    std::fs::write(&report, serde_json::to_vec(&v).unwrap()).unwrap();
    assert_eq!(
        check(&[&app, "--baseline", r, "--max-growth", "1000"]),
        Some(0)
    );
    assert_eq!(
        check(&[&app, "--baseline", r, "--max-growth", "999"]),
        Some(1)
    );
    assert_eq!(
        check(&[&app, "--baseline", r, "--max-growth", "0.04%"]),
        Some(0)
    );
    assert_eq!(
        check(&[&app, "--baseline", r, "--max-growth", "0.03%"]),
        Some(1)
    );
}

#[test]
fn dive_ci_rules_with_dives_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".dive-ci");
    let f = file.to_str().unwrap();
    let app = app();
    let run_with = |rules: &str| {
        std::fs::write(&file, format!("rules:\n{rules}")).unwrap();
        check(&[&app, "--dive-ci", f])
    };
    let all = |e: &str, w: &str, u: &str| {
        format!(
            "  lowestEfficiency: {e}\n  highestWastedBytes: {w}\n  highestUserWastedPercent: {u}\n"
        )
    };
    assert_eq!(run_with(&all("0.93", "220000", "0.37")), Some(0));
    assert_eq!(run_with(&all("0.94", "220000", "0.37")), Some(1));
    assert_eq!(run_with(&all("0.93", "219999", "0.37")), Some(1));
    assert_eq!(run_with(&all("0.93", "220kB", "0.36")), Some(1));
    assert_eq!(run_with(&all("disabled", "disabled", "disabled")), Some(0));
    // dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1 (fails here).
    assert_eq!(run_with(""), Some(1));
    // A one-layer image: dive's user wasted percent is NaN, which passes.
    let one = dir.path().join("one.tar");
    synth::write(
        &[Image::new(
            "one:1",
            vec![Layer::new("ADD x /", vec![Entry::file("x", 10)])],
        )],
        Format::DockerClassic,
        &one,
    )
    .unwrap();
    std::fs::write(&file, "rules:\n  highestUserWastedPercent: 0.0\n").unwrap();
    assert_eq!(check(&[one.to_str().unwrap(), "--dive-ci", f]), Some(0));
}

#[test]
fn config_file_and_flags_over_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("imgsize.toml"),
        "[budget]\nmax-size = \"2MB\"\nmax-layers = 6\n\n[budget.categories]\nsource-maps = \"40kB\"\n\n[budget.paths]\n\"/bin/**\" = \"2MB\"\n",
    )
    .unwrap();
    let app = app();
    // Picked up from the current folder: 2.59 MB > 2 MB fails.
    let (code, out, _) = check_in(Some(dir.path()), &[&app]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FAIL  max-size: 2.59 MB (limit <= 2.00 MB)"),
        "{out}"
    );
    assert!(out.contains("PASS  categories.source-maps"), "{out}");
    assert!(out.contains("PASS  paths /bin/**"), "{out}");
    // A flag overrides the file's key.
    let (code, out, _) = check_in(Some(dir.path()), &[&app, "--max-size", "3MB"]);
    assert_eq!(code, Some(0), "{out}");
    // --config elsewhere.
    let other = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("imgsize.toml");
    let (code, _, _) = check_in(
        Some(other.path()),
        &[&app, "--config", cfg.to_str().unwrap()],
    );
    assert_eq!(code, Some(1));
}

#[test]
fn config_errors_name_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let app = app();
    let cases: &[(&str, &[&str])] = &[
        (
            "[budget]\nmax-size = \"huge\"\n",
            &["imgsize.toml: line 2: budget.max-size"],
        ),
        (
            "[budget]\nmax-sizes = \"1GB\"\n",
            &["line 2: budget.max-sizes: unknown key"],
        ),
        (
            "[budget.categories]\ndevdeps = \"0B\"\n",
            &["line 2: budget.categories.devdeps: unknown category"],
        ),
        (
            "[budget]\nmax-layers = -1\n",
            &["line 2: budget.max-layers"],
        ),
        (
            "[budget]\nmax-size = \"1GB\"\nmax-size = \"2GB\"\n",
            &["imgsize.toml: line 3", "not valid TOML"],
        ),
        (
            "[budget]\nmin-efficiency = \"fast\"\n",
            &["line 2: budget.min-efficiency"],
        ),
    ];
    for (text, needles) in cases {
        std::fs::write(dir.path().join("imgsize.toml"), text).unwrap();
        let o = bin()
            .args(["check", &app])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_error(&o, needles);
    }
    std::fs::remove_file(dir.path().join("imgsize.toml")).unwrap();
    let flag_cases: &[(&[&str], &[&str])] = &[
        (&["--max-size", "12XB"], &["--max-size", "12XB"]),
        (
            &["--max-category", "devdeps=1MB"],
            &["--max-category", "unknown category 'devdeps'"],
        ),
        (
            &["--max-category", "dev-dependencies"],
            &["--max-category", "NAME=SIZE"],
        ),
        (&["--max-growth", "5%"], &["--max-growth", "baseline"]),
        (&["--min-efficiency", "2"], &["--min-efficiency"]),
        (&["--forbid", "a{"], &["--forbid"]),
        (&[], &["no budget"]),
        (&["--max-compressed-size", "1MB"], &["uncompressed"]),
        (
            &["--dive-ci", "/nonexistent/.dive-ci"],
            &["/nonexistent/.dive-ci"],
        ),
    ];
    for (flags, needles) in flag_cases {
        let mut args = vec!["check", app.as_str()];
        args.extend_from_slice(flags);
        let o = bin().args(&args).current_dir(dir.path()).output().unwrap();
        assert_error(&o, needles);
    }
    std::fs::write(
        dir.path().join("dive.yml"),
        "rules:\n  lowestEfficiency: 0.9\n  highestWastedBytes: lots\n",
    )
    .unwrap();
    let o = bin()
        .args(["check", &app, "--dive-ci", "dive.yml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_error(&o, &["dive.yml: line 3: highestWastedBytes"]);
}

#[test]
fn report_formats() {
    let app = app();
    let empty = tempfile::tempdir().unwrap();
    let args = [
        app.as_str(),
        "--max-size",
        "3MB",
        "--max-layers",
        "5",
        "--forbid",
        "**/*.map",
    ];
    let with = |fmt: &str| {
        let mut a = args.to_vec();
        a.extend_from_slice(&["--format", fmt]);
        let (code, out, err) = check_in(Some(empty.path()), &a);
        assert_eq!(code, Some(1), "{err}");
        out
    };
    let v: Value = serde_json::from_str(&with("json")).unwrap();
    assert_eq!(v["result"], "fail");
    assert_eq!(v["passed"], 1);
    assert_eq!(v["failed"], 2);
    assert_eq!(v["rules"][0]["rule"], "max-size");
    assert_eq!(v["rules"][0]["actual_value"], 2592313.0);
    assert_eq!(v["rules"][2]["details"][0], "/app/src/app.js.map (40.0 kB)");
    let md = with("markdown");
    assert!(md.contains("| ❌ | `max-layers` | 6 | <= 5 |"), "{md}");
    let junit = with("junit");
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), 3);
    assert_eq!(junit.matches("<failure ").count(), 2);
    assert!(junit.contains("tests=\"3\" failures=\"2\""));
    assert!(junit.contains("name=\"forbid **/*.map\""));
}

#[test]
fn github_actions_annotations_and_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "before\n").unwrap();
    let o = bin()
        .args(["check", &app(), "--max-size", "1MB", "--max-layers", "10"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert_eq!(out.matches("::error title=imgsize ").count(), 1, "{out}");
    assert!(out.contains("::error title=imgsize max-size::docker.io/library/app:latest: 2.59 MB (limit <= 1.00 MB)"), "{out}");
    let s = std::fs::read_to_string(&summary).unwrap();
    assert!(s.starts_with("before\n### ❌ imgsize check"), "{s}");
}
