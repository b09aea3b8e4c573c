//! Crash safety of whole builds through the binary: a build killed with
//! SIGKILL at any moment (fetching, analyzing, rendering, publishing) leaves
//! the published folder exactly as it was, or exactly the new site, never a
//! mix; leaves no partial or temporary file in the cache and only valid state
//! files; and the next run resumes from what the killed runs cached.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::crash::{SlowRegistry, cache_problems, files_under, normalised, site_files};
use common::{Fixture, ok};

/// The crates of the first site.
const OLD: &[&str] = &[
    "aardvark", "badger", "cheetah", "dolphin", "elephant", "flamingo", "giraffe", "hedgehog",
];

/// Crates added for the second site; the first four are large packages.
const ADDED: &[&str] = &[
    "salamander",
    "tortoise",
    "capybara",
    "albatross",
    "iguana",
    "jackal",
    "kingfisher",
    "lemming",
    "meerkat",
    "narwhal",
    "ocelot",
    "pelican",
    "quokka",
    "raccoon",
    "urchin",
    "vulture",
    "walrus",
    "wombat",
    "yellowhammer",
    "zebrafish",
    "bumblebee",
    "dragonfly",
    "earthworm",
    "firefly",
];

/// A package of many plain source files (about 600 KB unpacked).
fn large(name: &str, version: &str) -> Fixture {
    let mut f = Fixture::new(name, version, "description = \"A large package\"");
    for i in 0..60 {
        let mut src = String::from("//! Arithmetic.\n\n");
        for j in 0..120 {
            src.push_str(&format!(
                "/// Mixes.\npub fn f_{j}(x: u64) -> u64 {{\n    x.wrapping_mul({j}).rotate_left({}) ^ {}\n}}\n\n",
                i % 63,
                i * j
            ));
        }
        f = f.file(&format!("src/part_{i}.rs"), src);
    }
    f
}

/// Runs a build into `out` with `cache` over the crates listed in `list`.
fn build_command(dir: &Path, reg: &SlowRegistry, out: &str, cache: &str, list: &str) -> Command {
    let mut cmd = common::command(dir);
    cmd.args([
        "build",
        "--index-url",
        &reg.index_url(),
        "--cache",
        cache,
        "--out",
        out,
        "--crates-file",
        list,
        "--base-url",
        "https://example.test/site/",
        "--index-max-age",
        "0",
        "--concurrency",
        "4",
        "-j",
        "1",
    ]);
    cmd
}

/// The closing summary's line of stage times.
fn stage_times(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| l.contains("time: fetch"))
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Folders left beside `public` by interrupted builds.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public."))
        .collect()
}

/// Why two sites differ, briefly.
fn difference(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    let mut out = Vec::new();
    for (p, bytes) in a {
        match b.get(p) {
            None => out.push(format!("only in the first: {}", p.display())),
            Some(other) if other != bytes => out.push(format!("differs: {}", p.display())),
            _ => {}
        }
    }
    for p in b.keys().filter(|p| !a.contains_key(*p)) {
        out.push(format!("only in the second: {}", p.display()));
    }
    let n = out.len();
    out.truncate(12);
    format!("{n} differences: {}", out.join("; "))
}

/// When to kill a build.
#[derive(Clone, Copy, Debug)]
enum Trigger {
    /// This long after it started.
    After(Duration),
    /// At this fraction of the time the run is expected to take, given
    /// what the cache already holds.
    Fraction(f64),
    /// As soon as its staging folder appears (rendering starts).
    Staging,
    /// As soon as its staging folder holds this many files.
    StagingFiles(usize),
    /// As soon as the published folder is another folder (the swap).
    Swapped,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Published {
    Old,
    New,
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_site_whole_and_the_cache_clean() {
    let started = Instant::now();
    let reg = SlowRegistry::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let public = dir.join("public");

    // 1. Site A: a few small crates.
    let old: Vec<Fixture> = OLD
        .iter()
        .map(|n| Fixture::new(n, "1.0.0", "description = \"First\""))
        .collect();
    reg.publish(&old);
    std::fs::write(dir.join("crates-a.txt"), OLD.join("\n")).unwrap();
    ok(
        build_command(dir, &reg, "public", "cache-a", "crates-a.txt")
            .output()
            .unwrap(),
    );
    let site_a = site_files(&public);
    assert!(site_a.contains_key(Path::new("crates/aardvark.json")));

    // 2. New releases and new crates, some large; one complete reference
    // build in its own folders, then a second one on its now full cache.
    let mut newer: Vec<Fixture> = OLD
        .iter()
        .map(|n| {
            Fixture::new(n, "1.1.0", "description = \"Second\"").file(
                "src/lib.rs",
                "//! Docs.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n\n/// Subtracts.\npub fn sub(a: u32, b: u32) -> u32 {\n    a - b\n}\n",
            )
        })
        .collect();
    for (i, n) in ADDED.iter().enumerate() {
        newer.push(if i < 4 {
            large(n, "0.3.0")
        } else {
            Fixture::new(n, "0.3.0", "description = \"Added\"")
        });
    }
    reg.publish(&newer);
    let all: Vec<&str> = OLD.iter().chain(ADDED).copied().collect();
    std::fs::write(dir.join("crates-b.txt"), all.join("\n")).unwrap();

    reg.clear_log();
    let t = Instant::now();
    let out = ok(
        build_command(dir, &reg, "reference", "cache-ref", "crates-b.txt")
            .output()
            .unwrap(),
    );
    let t_cold = t.elapsed();
    let reference_downloads = reg.downloads();
    let cold_stages = stage_times(&out);
    let packages = files_under(&dir.join("cache-ref/crates")).len();
    assert_eq!(
        packages,
        OLD.len() * 2 + ADDED.len(),
        "every package cached"
    );
    let reference_files = site_files(&dir.join("reference"));
    let reference = normalised(&reference_files).unwrap();
    let feed = String::from_utf8_lossy(&reference_files[Path::new("feed.xml")]).into_owned();
    assert!(
        !feed.contains("<entry>"),
        "no finding is dated by the feed, so that builds on other days compare equal: {feed}"
    );
    assert_ne!(normalised(&site_a), Some(reference.clone()));

    let t = Instant::now();
    let out = ok(
        build_command(dir, &reg, "reference", "cache-ref", "crates-b.txt")
            .output()
            .unwrap(),
    );
    let t_warm = t.elapsed();
    let warm_stages = stage_times(&out);
    let warm = normalised(&site_files(&dir.join("reference")));
    assert!(
        warm.as_ref() == Some(&reference),
        "a build on a full cache gives the same site: {}",
        warm.map_or("no index.json".into(), |s| difference(&reference, &s))
    );
    eprintln!(
        "reference build: {:.2}s ({cold_stages}), {reference_downloads} downloads; on a full cache: {:.2}s ({warm_stages}); {} files",
        t_cold.as_secs_f64(),
        t_warm.as_secs_f64(),
        reference.len()
    );

    // 3. Builds of the new site into site A's folder, on a fresh cache that
    // accumulates, each killed at another moment.
    let mut plan: Vec<Trigger> = [0, 3, 15, 60]
        .into_iter()
        .map(|ms| Trigger::After(Duration::from_millis(ms)))
        .collect();
    plan.extend((1..16).map(|k| Trigger::Fraction(f64::from(k) / 16.0)));
    plan.extend([
        Trigger::Staging,
        Trigger::StagingFiles(reference.len() / 2),
        Trigger::StagingFiles(reference.len()),
        Trigger::Swapped,
        Trigger::Fraction(0.95),
        Trigger::Fraction(0.99),
        Trigger::Fraction(1.0),
        Trigger::Swapped,
        Trigger::Fraction(1.03),
        // Last, a kill while rendering, whose staging folder the resumed
        // run must clean up.
        Trigger::Staging,
    ]);
    let cache = dir.join("cache");
    let give_up = (t_cold * 10).max(Duration::from_secs(30));
    let mut kills = Vec::new();
    let mut completed = 0;
    let mut left = BTreeMap::<Published, usize>::new();
    let mut leftovers_seen = 0;
    for (n, trigger) in plan.iter().enumerate() {
        let cached = files_under(&cache.join("crates")).len();
        let expected =
            t_warm + (t_cold.saturating_sub(t_warm)).mul_f64(1.0 - cached as f64 / packages as f64);
        let ino = std::fs::metadata(&public).unwrap().ino();
        let start = Instant::now();
        let mut child = build_command(dir, &reg, "public", "cache", "crates-b.txt")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let staging = dir.join(format!(".public.staging-{}", child.id()));
        match *trigger {
            Trigger::After(d) => std::thread::sleep(d),
            Trigger::Fraction(f) => std::thread::sleep(expected.mul_f64(f)),
            _ => loop {
                let fire = match *trigger {
                    Trigger::Staging => staging.exists(),
                    Trigger::StagingFiles(k) => files_under(&staging).len() >= k,
                    Trigger::Swapped => std::fs::metadata(&public).map_or(true, |m| m.ino() != ino),
                    _ => unreachable!(),
                };
                if fire || start.elapsed() > give_up || child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            },
        }
        let at = start.elapsed();
        let _ = child.kill();
        let status = child.wait().unwrap();
        let killed = status.signal() == Some(libc::SIGKILL);
        assert!(
            killed || status.success(),
            "run {n} ({trigger:?}) failed on its own: {status}"
        );

        // Where it was, roughly, from what it left.
        let swapped = std::fs::metadata(&public).map_or(true, |m| m.ino() != ino);
        let stage = if !killed {
            "completed"
        } else if swapped && staging.exists() {
            "publish: removing the previous site"
        } else if swapped {
            "publish: saving state, exiting"
        } else if staging.exists() {
            if files_under(&staging).len() >= reference.len() {
                "publish: before the swap"
            } else {
                "render"
            }
        } else if files_under(&cache.join("crates")).len() < packages {
            "fetch"
        } else {
            "fetch of the index or analyze"
        };

        // (a) The published folder is site A or a whole new site.
        let now = site_files(&public);
        let published = if now == site_a {
            Published::Old
        } else if normalised(&now).as_ref() == Some(&reference) {
            Published::New
        } else {
            panic!(
                "run {n} ({trigger:?}, killed at {at:?}, {stage}) left a site that is neither the old one ({}) nor the new one ({})",
                difference(&site_a, &now),
                normalised(&now).map_or("no index.json".into(), |s| difference(&reference, &s))
            );
        };
        // (b, c) The cache holds whole files only, and valid state.
        let problems = cache_problems(&cache, &reg);
        assert!(
            problems.is_empty(),
            "run {n} ({trigger:?}, killed at {at:?}, {stage}) left in the cache: {problems:#?}"
        );
        if !leftovers(dir).is_empty() {
            leftovers_seen += 1;
        }
        *left.entry(published).or_default() += 1;
        if killed {
            kills.push(format!("{:.0}ms {stage}", at.as_secs_f64() * 1000.0));
        } else {
            completed += 1;
        }
    }

    // 4. The next run completes, gives the reference site and downloads
    // only what the killed runs did not cache.
    let pending = leftovers(dir);
    let cached = files_under(&cache.join("crates")).len();
    reg.clear_log();
    let t = Instant::now();
    ok(build_command(dir, &reg, "public", "cache", "crates-b.txt")
        .output()
        .unwrap());
    let t_resume = t.elapsed();
    let resumed_downloads = reg.downloads();
    let now = site_files(&public);
    assert_eq!(
        normalised(&now).as_ref(),
        Some(&reference),
        "{}",
        normalised(&now).map_or("no index.json".into(), |s| difference(&reference, &s))
    );
    assert!(
        resumed_downloads < reference_downloads,
        "the resumed run downloaded {resumed_downloads} packages, the reference {reference_downloads}"
    );
    assert_eq!(leftovers(dir), Vec::<String>::new(), "cleaned up");
    assert_eq!(cache_problems(&cache, &reg), Vec::<String>::new());

    // 5. What happened.
    eprintln!(
        "{} kills, {completed} runs completed before their kill; the published folder was site A after {} runs and the new site after {}",
        kills.len(),
        left.get(&Published::Old).copied().unwrap_or(0),
        left.get(&Published::New).copied().unwrap_or(0),
    );
    let mut by_stage = BTreeMap::<&str, usize>::new();
    for k in &kills {
        *by_stage.entry(k.split_once(' ').unwrap().1).or_default() += 1;
    }
    eprintln!("kills by stage: {by_stage:?}");
    eprintln!("kills: {}", kills.join(", "));
    eprintln!(
        "interrupted builds left folders beside the site after {leftovers_seen} runs; {} remained before the resumed run, none after",
        pending.len()
    );
    eprintln!(
        "resumed run: {:.2}s, {resumed_downloads} downloads ({cached} of {packages} packages were cached by the killed runs), reference: {reference_downloads}; test took {:.1}s",
        t_resume.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
