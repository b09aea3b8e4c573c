//! Runs the stages in order, `fetch -> analyze -> rank -> render -> publish`,
//! timing each, and reports what was done. The only place that knows the
//! order of the stages; each stage only sees the data of the one before.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use crate::analyze::{self, AnalyzeContext, StoreCounts};
use crate::config::{Selection, Settings};
use crate::fetch::advisories::AdvisoryDb;
use crate::fetch::dump::{self, DumpData};
use crate::fetch::http::HttpCounts;
use crate::fetch::index::Registry;
use crate::fetch::local::{self, LocalCrate};
use crate::fetch::mirror::Mirror;
use crate::fetch::select::CrateSpec;
use crate::fetch::{CrateInput, Fetcher};
use crate::model::{Analyzed, CrateReport, PageData, Problem};
use crate::render::crates::{CratePages, PageStamps};
use crate::{publish, rank, render};

/// What a run did, for the closing summary.
#[derive(Debug, Default)]
pub struct RunSummary {
    /// Crates covered.
    pub crates: usize,
    /// Crates whose package was read.
    pub analyzed: usize,
    /// Crates with at least one problem.
    pub with_problems: usize,
    /// HTML pages written.
    pub pages: usize,
    /// What was taken from and added to the store of analyses.
    pub store: StoreCounts,
    /// Crates whose pages were rendered, and whose pages were unchanged.
    pub crate_pages: (usize, usize),
    /// Files and bytes of the site published.
    pub output: (usize, u64),
    /// HTTP activity.
    pub http: HttpCounts,
    /// The registry mirror written, and the releases it lacks.
    pub mirror: Option<(render::mirror::MirrorStats, usize)>,
    /// Repository checks by status (`matches`, `differs`, `not-checked`),
    /// when checks were asked.
    pub repository_checks: Option<BTreeMap<&'static str, usize>>,
    /// Time per stage.
    pub timings: Vec<(&'static str, Duration)>,
    /// The process's peak resident memory at the end of each stage (bytes),
    /// where the system says (Linux).
    pub peak_memory: Vec<(&'static str, u64)>,
}

impl RunSummary {
    /// Records the end of a stage started at `started`: its time, and the
    /// peak memory so far.
    fn stage(&mut self, name: &'static str, started: Instant) {
        self.timings.push((name, started.elapsed()));
        if let Some(peak) = peak_resident_bytes() {
            self.peak_memory.push((name, peak));
        }
    }
}

/// The peak resident memory of this process (`VmHWM` of
/// `/proc/self/status`), where the system reports it.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} crates ({} read, {} with problems), {} pages",
            self.crates, self.analyzed, self.with_problems, self.pages
        )?;
        writeln!(
            f,
            "HTTP: {} requests, {} not modified, {} index files reused, {} received, {} retries, {} failed",
            self.http.requests,
            self.http.not_modified,
            self.http.reused,
            render::human_bytes(self.http.bytes),
            self.http.retries,
            self.http.failures
        )?;
        writeln!(
            f,
            "store: {} loaded, {} analyzed, {} kept, {} packages dropped",
            self.store.loaded, self.store.analyzed, self.store.stored, self.store.dropped
        )?;
        writeln!(
            f,
            "crate pages: {} rendered, {} unchanged; site: {} files, {}",
            self.crate_pages.0,
            self.crate_pages.1,
            self.output.0,
            render::human_bytes(self.output.1)
        )?;
        if let Some((m, missing)) = &self.mirror {
            writeln!(
                f,
                "registry mirror at sparse+{}: {} crates, {} packages, {}, {} releases needed but not held",
                m.index_url,
                m.index_files,
                m.packages,
                render::human_bytes(m.package_bytes),
                missing
            )?;
        }
        if let Some(checks) = &self.repository_checks {
            let by: Vec<String> = checks.iter().map(|(s, n)| format!("{n} {s}")).collect();
            writeln!(f, "repository checks: {}", by.join(", "))?;
        }
        let stages: Vec<String> = self
            .timings
            .iter()
            .map(|(s, d)| format!("{s} {:.2}s", d.as_secs_f64()))
            .collect();
        write!(f, "time: {}", stages.join(", "))?;
        if !self.peak_memory.is_empty() {
            let peaks: Vec<String> = self
                .peak_memory
                .iter()
                .map(|(s, b)| format!("{s} {}", render::human_bytes(*b)))
                .collect();
            write!(f, "\npeak memory after: {}", peaks.join(", "))?;
        }
        Ok(())
    }
}

/// The current time as RFC 3339 (UTC, whole seconds).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn bar(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Inputs for `.crate` files found on disk (no index).
pub fn local_inputs(files: Vec<LocalCrate>) -> Vec<CrateInput> {
    files
        .into_iter()
        .map(|f| {
            let stem = f.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let mut input = CrateInput {
                name: f.name.clone().unwrap_or_else(|| stem.clone()),
                version: f.version.clone().unwrap_or_default(),
                file: Some(f.path.clone()),
                ..CrateInput::default()
            };
            if f.name.is_none() {
                input.problems.push(Problem::new(
                    "name-invalid",
                    format!("the file name `{stem}.crate` is not `{{name}}-{{version}}.crate` with a valid crate name and version"),
                ));
            }
            input
        })
        .collect()
}

/// What the fetch stage produced.
pub struct Gathered {
    /// One input per crate.
    pub inputs: Vec<CrateInput>,
    /// The registry, when the crates came from one.
    pub registry: Option<Registry>,
    /// HTTP activity.
    pub http: HttpCounts,
    /// Where the data came from, for the footer.
    pub source: String,
    /// With `--registry-mirror`: the releases the mirror holds.
    pub mirror: Option<Mirror>,
}

/// Runs the fetch stage for a selection; with the dump, cached index files
/// that it confirms current are used without a request.
pub fn gather(
    settings: &Settings,
    selection: &Selection,
    dump: Option<&DumpData>,
    audits: Option<&crate::fetch::audits::AuditSets>,
) -> anyhow::Result<Gathered> {
    match selection {
        Selection::Dir(dir) => {
            let files = local::list_crate_files(dir)
                .with_context(|| format!("listing {}", dir.display()))?;
            if files.is_empty() {
                bail!("{} holds no .crate file", dir.display());
            }
            Ok(Gathered {
                inputs: local_inputs(files),
                registry: None,
                http: HttpCounts::default(),
                source: format!("the .crate files of {}", dir.display()),
                mirror: None,
            })
        }
        Selection::Registry {
            specs,
            closure,
            max,
            ..
        } => fetch_specs(settings, specs, *closure, *max, dump, audits),
    }
}

/// Resolves and downloads specs from the registry.
pub fn fetch_specs(
    settings: &Settings,
    specs: &[CrateSpec],
    closure: bool,
    max: usize,
    dump: Option<&DumpData>,
    audits: Option<&crate::fetch::audits::AuditSets>,
) -> anyhow::Result<Gathered> {
    let runtime = tokio::runtime::Runtime::new()?;
    let mut fetcher = Fetcher::new(settings.fetch.clone())?;
    if let Some(d) = dump {
        fetcher = fetcher.with_dump(d);
    }
    if let Some(sets) = audits {
        fetcher = fetcher.with_audited(crate::rank::audits::deploy_versions(sets, dump));
    }
    let progress = spinner("fetching the index and packages");
    let (inputs, registry) = runtime.block_on(async {
        let registry = fetcher.registry().await.cloned();
        let inputs = fetcher.fetch_all(specs, closure, max).await;
        (inputs, registry)
    });
    progress.finish_and_clear();
    let registry = registry.context("the registry's index configuration could not be read")?;
    Ok(Gathered {
        inputs,
        source: format!("the registry index at {}", registry.index_url),
        registry: Some(registry),
        http: fetcher.counts(),
        mirror: None,
    })
}

/// The releases a registry mirror of the crates fetched must hold, their
/// packages verified into the cache (see [`crate::fetch::mirror`]).
fn gather_mirror(settings: &Settings, gathered: &mut Gathered) -> anyhow::Result<()> {
    let roots: Vec<(String, String)> = gathered
        .inputs
        .iter()
        .filter(|i| i.expected_sha256.is_some())
        .map(|i| (i.name.clone(), i.version.clone()))
        .collect();
    let mirror = with_fetcher(
        settings,
        "gathering the registry mirror",
        &mut gathered.http,
        async |f| f.mirror(&roots).await,
    )?;
    for missing in &mirror.missing {
        tracing::warn!(%missing, "the registry mirror lacks a release that a mirrored crate needs");
    }
    gathered.mirror = Some(mirror);
    Ok(())
}

/// Runs the analyze stage on `jobs` threads, without the store.
pub fn analyze_inputs(
    settings: &Settings,
    gathered: &Gathered,
    generated_at: &str,
) -> anyhow::Result<Vec<CrateReport>> {
    let (analyzed, _) = analyze_with(settings, gathered, generated_at, None)?;
    Ok(analyzed.into_iter().map(|a| a.report).collect())
}

/// Runs the analyze stage on `jobs` threads through the store of analyses
/// of the cache: stored releases are loaded, the others analyzed and kept.
pub fn analyze_stored(
    settings: &Settings,
    gathered: &Gathered,
    generated_at: &str,
) -> anyhow::Result<(Vec<Analyzed>, StoreCounts)> {
    let store = crate::store::Store::new(&settings.fetch.cache);
    analyze_with(settings, gathered, generated_at, Some(store))
}

fn analyze_with(
    settings: &Settings,
    gathered: &Gathered,
    generated_at: &str,
    store: Option<crate::store::Store>,
) -> anyhow::Result<(Vec<Analyzed>, StoreCounts)> {
    let ctx = AnalyzeContext {
        store,
        drop_packages: settings.drop_packages,
        limits: settings.limits,
        skip_scan: settings.skip_scan,
        cache: Some(settings.fetch.cache.clone()),
        docs_rs: gathered.registry.as_ref().is_some_and(|r| r.is_crates_io()),
        registry: gathered.registry.clone(),
        generated_at: generated_at.to_owned(),
        repositories: settings.repositories.clone(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()?;
    let progress = bar(gathered.inputs.len(), "analyzing");
    let done =
        pool.install(|| analyze::analyze_all_counted(&gathered.inputs, &ctx, &|| progress.inc(1)));
    progress.finish_and_clear();
    Ok(done)
}

/// The registry data, the selection it implies, and the fetch stage.
fn fetch_stage(
    settings: &Settings,
    selection: &Selection,
) -> anyhow::Result<(RegistryData, Gathered)> {
    let mut data = load_registry_data(settings)?;
    let selection = match &data.dump {
        Some(d) => dump_selection(selection, d, settings.top),
        None => selection.clone(),
    };
    let mut settings = settings.clone();
    // Stored releases are not fetched again, unless their repository check
    // may have to be made from the package.
    settings.fetch.skip_stored = !settings.repositories.enabled();
    let mut gathered = gather(
        &settings,
        &selection,
        data.dump.as_ref(),
        data.audits.as_ref(),
    )?;
    if let Some(crev) = &mut data.crev {
        // Reviews name their registry by its web base.
        crev.keep_source(gathered.registry.as_ref().map(|r| r.web_bases()));
    }
    gathered.http.add(&data.http);
    if settings.registry_mirror {
        if gathered.registry.is_none() {
            bail!(
                "--registry-mirror needs crates from a registry index, not a folder of .crate files"
            );
        }
        gather_mirror(&settings, &mut gathered)?;
    }
    Ok((data, gathered))
}

/// `cargofox analyze`: the fetch and analyze stages into the store, for the
/// crates of the shard (all without one); no site is written.
pub fn analyze_only(settings: &Settings, selection: &Selection) -> anyhow::Result<RunSummary> {
    let mut summary = RunSummary::default();
    let generated_at = now_rfc3339();
    let t = Instant::now();
    let (_, mut gathered) = fetch_stage(settings, selection)?;
    if let Some(shard) = settings.fetch.shard {
        gathered.inputs.retain(|i| shard.contains(&i.name));
    }
    summary.stage("fetch", t);
    summary.http = gathered.http;
    let t = Instant::now();
    let (analyzed, counts) = analyze_stored(settings, &gathered, &generated_at)?;
    let reports: Vec<CrateReport> = analyzed.into_iter().map(|a| a.report).collect();
    summary.stage("analyze", t);
    summary.store = counts;
    summary.crates = reports.len();
    summary.analyzed = reports
        .iter()
        .filter(|r| r.package.sha256.is_some())
        .count();
    summary.with_problems = reports.iter().filter(|r| !r.problems.is_empty()).count();
    if settings.repositories.enabled() {
        let mut by = BTreeMap::new();
        for c in reports.iter().filter_map(|r| r.repository_check.as_ref()) {
            *by.entry(c.status.as_str()).or_insert(0) += 1;
        }
        summary.repository_checks = Some(by);
    }
    Ok(summary)
}

/// Registry-wide data read before the crates: the database dump and the
/// advisory database, each only when configured.
#[derive(Debug, Default)]
pub struct RegistryData {
    /// The dump, compacted.
    pub dump: Option<DumpData>,
    /// The advisories.
    pub advisories: Option<AdvisoryDb>,
    /// The audit sets.
    pub audits: Option<crate::fetch::audits::AuditSets>,
    /// The cargo-crev reviews.
    pub crev: Option<crate::fetch::crev::CrevProofs>,
    /// HTTP activity of fetching the dump.
    pub http: HttpCounts,
}

/// Fetches (when it is a URL) and reads the dump, and reads the advisories.
pub fn load_registry_data(settings: &Settings) -> anyhow::Result<RegistryData> {
    let mut data = RegistryData::default();
    if let Some(location) = &settings.db_dump {
        let path = with_fetcher(
            settings,
            "fetching the database dump",
            &mut data.http,
            async |f| f.dump(location).await,
        )??;
        let progress = spinner("reading the database dump");
        let dump = dump::load(&path);
        progress.finish_and_clear();
        data.dump = Some(dump?);
    }
    if let Some(path) = &settings.advisory_db {
        data.advisories = Some(AdvisoryDb::open(path)?);
    }
    if let Some(location) = &settings.audits {
        let sets = with_fetcher(
            settings,
            "reading the audit sets",
            &mut data.http,
            async |f| f.audit_sets(location).await,
        )??;
        data.audits = Some(sets);
    }
    if let Some(dir) = &settings.crev_proofs {
        let proofs = crate::fetch::crev::read(dir)?;
        tracing::info!(
            files = proofs.files,
            unreadable = proofs.unreadable,
            "read the cargo-crev proofs of {}",
            dir.display()
        );
        data.crev = Some(proofs);
    }
    Ok(data)
}

/// Runs `job` on a fetcher of its own under a spinner showing `message`,
/// and adds the fetcher's HTTP activity to `http`.
fn with_fetcher<T>(
    settings: &Settings,
    message: &'static str,
    http: &mut HttpCounts,
    job: impl AsyncFnOnce(&Fetcher) -> T,
) -> anyhow::Result<T> {
    let fetcher = Fetcher::new(settings.fetch.clone())?;
    let progress = spinner(message);
    let out = tokio::runtime::Runtime::new()?.block_on(job(&fetcher));
    progress.finish_and_clear();
    http.add(&fetcher.counts());
    Ok(out)
}

/// With a dump, the curated default is replaced by the dump's crates: all of
/// them, or the `top` with the most recent downloads (crates named
/// explicitly are kept, and `top` adds to them).
pub fn dump_selection(selection: &Selection, dump: &DumpData, top: Option<usize>) -> Selection {
    let Selection::Registry {
        specs,
        closure,
        max,
        curated,
    } = selection
    else {
        return selection.clone();
    };
    if !curated && top.is_none() {
        return selection.clone();
    }
    let mut picked: Vec<CrateSpec> = if *curated { Vec::new() } else { specs.clone() };
    let names: Vec<&str> = rank::most_downloaded(dump, top.unwrap_or(usize::MAX)).collect();
    picked.extend(names.into_iter().map(|n| CrateSpec {
        name: n.to_owned(),
        version: None,
    }));
    Selection::Registry {
        specs: picked,
        closure: *closure && !curated,
        max: *max,
        curated: false,
    }
}

/// The reports, and the page data at hand by crate name (that of the
/// analyses not left in the store).
fn split_page_data(analyzed: Vec<Analyzed>) -> (Vec<CrateReport>, BTreeMap<String, PageData>) {
    let mut held = BTreeMap::new();
    let reports = analyzed
        .into_iter()
        .map(|a| {
            if let Some(page) = a.page {
                held.insert(a.report.name.clone(), page);
            }
            a.report
        })
        .collect();
    (reports, held)
}

/// The state file of the crate pages' stamps.
const PAGE_STAMPS: &str = "pages.json";

/// `cargofox build`: every stage, then an atomic publish.
pub fn build(settings: &Settings, selection: &Selection) -> anyhow::Result<RunSummary> {
    let mut summary = RunSummary::default();
    let generated_at = now_rfc3339();
    let t = Instant::now();
    let (data, gathered) = fetch_stage(settings, selection)?;
    summary.stage("fetch", t);
    summary.http = gathered.http;

    let t = Instant::now();
    let (analyzed, counts) = analyze_stored(settings, &gathered, &generated_at)?;
    let (mut reports, held) = split_page_data(analyzed);
    // The inputs are not needed past this point.
    let source = gathered.source;
    let mirror = gathered.mirror;
    drop(gathered.inputs);
    summary.store = counts;
    summary.stage("analyze", t);
    summary.crates = reports.len();
    summary.analyzed = reports
        .iter()
        .filter(|r| !r.package.files.is_empty())
        .count();
    summary.with_problems = reports.iter().filter(|r| !r.problems.is_empty()).count();
    if settings.repositories.enabled() {
        let mut by = BTreeMap::new();
        for c in reports.iter().filter_map(|r| r.repository_check.as_ref()) {
            *by.entry(c.status.as_str()).or_insert(0) += 1;
        }
        summary.repository_checks = Some(by);
    }
    if summary.analyzed == 0 {
        let first = reports.iter().flat_map(|r| &r.problems).next();
        bail!(
            "no package of the {} crates selected could be read{}; the published site was left as it was",
            reports.len(),
            first
                .map(|p| format!(" (for example: {})", p.message))
                .unwrap_or_default()
        );
    }

    let t = Instant::now();
    let previous_owners = crate::owners::load(&settings.fetch.cache);
    let site = rank::rank(
        &mut reports,
        &rank::RankInputs {
            source: &source,
            generated_at: &generated_at,
            dump: data.dump.as_ref(),
            advisories: data.advisories.as_ref(),
            audits: data.audits.as_ref(),
            crev: data.crev.as_ref(),
            previous_owners: previous_owners.as_ref(),
        },
    );
    drop(data);
    let (seen, feed) = crate::watch::update(
        &crate::watch::load(&settings.fetch.cache),
        &reports,
        &generated_at,
    );
    summary.stage("rank", t);

    let t = Instant::now();
    let staging = publish::prepare(&settings.out)?;
    let options = render::SiteOptions {
        base_url: settings.base_url.clone(),
        title: settings.title.clone(),
        source,
        generated_at,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.jobs)
        .build()?;
    let cache = &settings.fetch.cache;
    let store = crate::store::Store::new(cache);
    let stamps: PageStamps = crate::store::load_state(cache, PAGE_STAMPS).unwrap_or_default();
    let site_dir = std::path::absolute(&settings.out)
        .with_context(|| format!("resolving {}", settings.out.display()))?;
    let pages = CratePages {
        held: Some(&held),
        store: Some(&store),
        previous: (stamps.site == site_dir && settings.out.is_dir())
            .then_some((settings.out.as_path(), &stamps)),
    };
    let rendered = pool
        .install(|| render::render_site(staging.dir(), &reports, &site, &feed, &options, &pages));
    let stats = match rendered {
        Ok(stats) => stats,
        Err(e) => {
            staging.abandon();
            return Err(e.context("rendering the site; the published site was left as it was"));
        }
    };
    if let Some(mirror) = &mirror {
        let written = render::mirror::write(staging.dir(), mirror, &options.base_url);
        match written {
            Ok(m) => summary.mirror = Some((m, mirror.missing.len())),
            Err(e) => {
                staging.abandon();
                return Err(e.context(
                    "writing the registry mirror; the published site was left as it was",
                ));
            }
        }
    }
    summary.pages = stats.pages;
    summary.crate_pages = (stats.crates_rendered, stats.crates_unchanged);
    summary.stage("render", t);
    // Publishing lists every file of the site: the reports, the page data
    // at hand and the site's index are not needed any more.
    drop((reports, held, store, stamps));
    let owner_state = site.owner_state;
    drop((site.index, site.lists));
    let t = Instant::now();
    let manifest = staging.commit(&options.generated_at)?;
    summary.output = (manifest.files, manifest.bytes);
    crate::store::save_state(
        cache,
        PAGE_STAMPS,
        &PageStamps {
            site: site_dir,
            pages: stats.stamps,
        },
    )
    .context("saving the stamps of the crate pages, for the next build")?;
    crate::watch::save(&settings.fetch.cache, &seen)
        .context("saving the findings seen, for the next run's feed")?;
    crate::owners::save(&settings.fetch.cache, &owner_state)
        .context("saving the owners, for the next run's ownership changes")?;
    summary.stage("publish", t);
    Ok(summary)
}

/// Targets of `cargofox inspect` turned into inputs.
pub fn inspect_inputs(settings: &Settings, targets: &[String]) -> anyhow::Result<Gathered> {
    let mut files = Vec::new();
    let mut specs = Vec::new();
    for t in targets {
        let path = Path::new(t);
        if path.is_dir() {
            files.extend(local::list_crate_files(path).with_context(|| format!("listing {t}"))?);
        } else if path.is_file() {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let split = local::split_file_stem(stem);
            files.push(LocalCrate {
                name: split.map(|s| s.0.to_owned()),
                version: split.map(|s| s.1.to_owned()),
                path: path.to_owned(),
            });
        } else {
            specs.push(
                t.parse::<CrateSpec>().with_context(|| {
                    format!("`{t}` is neither a file, a folder nor a crate name")
                })?,
            );
        }
    }
    let mut gathered = if specs.is_empty() {
        Gathered {
            inputs: Vec::new(),
            registry: None,
            http: HttpCounts::default(),
            source: "local files".into(),
            mirror: None,
        }
    } else {
        fetch_specs(settings, &specs, false, usize::MAX, None, None)?
    };
    gathered.inputs.extend(local_inputs(files));
    Ok(gathered)
}
