//! The command line (clap): raw flags, turned into validated settings by
//! [`crate::config`] before any work starts, then dispatched to the pipeline.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;

use crate::config::{FileConfig, Flags, SelectionFlags, Settings, selection};
use crate::pipeline;

/// cargofox: digging through crates, looking for mice.
///
/// Publishes a static report for every crate of a cargo registry: what is in
/// each package, what runs when it is built, its dependencies and releases,
/// with a JSON file beside every page.
#[derive(Debug, Parser)]
#[command(name = "cargofox", version, about, long_about)]
pub struct Cli {
    /// Settings file (default: ./cargofox.toml when it exists). Flags win over it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch, analyze and render the site, then publish it atomically.
    Build(BuildArgs),
    /// Run the fetch stage alone: fill the cache for offline builds.
    Fetch(FetchArgs),
    /// Fetch and analyze crates into the store of analyses, without
    /// rendering: one shard of a build split over several machines.
    Analyze(AnalyzeArgs),
    /// Analyze crates and print their reports.
    Inspect(InspectArgs),
    /// Serve a built site on 127.0.0.1.
    Serve(ServeArgs),
    /// Read a database dump and print what it holds: to check a dump, and to
    /// measure reading one.
    DumpStats(DumpStatsArgs),
    /// Print the most depended-on crates of a built site, most popular first:
    /// the list `content/popular-crates.txt` that typosquat checks compare with.
    Popular(PopularArgs),
}

#[derive(Debug, Args)]
struct PopularArgs {
    /// A built site (its index.json is read).
    #[arg(value_name = "DIR")]
    site: PathBuf,
    /// How many names to print.
    #[arg(long, default_value_t = 1000)]
    top: usize,
}

#[derive(Debug, Args)]
struct DumpStatsArgs {
    #[command(flatten)]
    data: RegistryDataArgs,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Debug, Args)]
struct RegistryDataArgs {
    /// Read the registry's database dump: a file, a URL, or nothing for the
    /// registry's own (`db-dump.tar.gz` at the root of its download origin).
    /// Adds downloads, owners, categories and the registry-wide graph, and
    /// makes every crate of the registry the default selection.
    #[arg(long, value_name = "PATH|URL", num_args = 0..=1, default_missing_value = "registry")]
    db_dump: Option<String>,
    /// With a dump: cover the N crates with the most downloads over the
    /// dump's last 90 days (added to crates named explicitly).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// A local checkout of the RustSec advisory database.
    #[arg(long, value_name = "DIR")]
    advisory_db: Option<PathBuf>,
    /// A cargo-vet registry file naming audit sets (`registry.toml`): a
    /// path, an https URL or a file: URL. Each set it names is read.
    #[arg(long, value_name = "PATH|URL")]
    audits: Option<String>,
    /// Compare each package with its repository, found in this folder of
    /// bare clones laid out as DIR/{host}/{owner}/{repo}.git.
    #[arg(long, value_name = "DIR")]
    git_mirror: Option<PathBuf>,
    /// Compare each package with its repository, fetching the one commit it
    /// names (shallow, bounded in size and time) into CACHE/git/ when no
    /// mirror has it.
    #[arg(long)]
    clone_repositories: bool,
    /// A folder of cargo-crev proof repositories (every *.crev file below
    /// it is read): the package reviews of the crates shown.
    #[arg(long, value_name = "DIR")]
    crev_proofs: Option<PathBuf>,
}

impl RegistryDataArgs {
    fn apply(self, flags: &mut Flags) {
        flags.db_dump = self.db_dump;
        flags.top = self.top;
        flags.advisory_db = self.advisory_db;
        flags.audits = self.audits;
        flags.git_mirror = self.git_mirror;
        flags.clone_repositories = self.clone_repositories;
        flags.crev_proofs = self.crev_proofs;
    }
}

#[derive(Debug, Args)]
struct SelectArgs {
    /// Crates to cover, as NAME or NAME@VERSION, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "NAME[@VER],...")]
    crates: Vec<String>,
    /// A file of crates to cover, one NAME[@VERSION] per line (# comments).
    #[arg(long, value_name = "FILE")]
    crates_file: Option<PathBuf>,
    /// Build from a folder of .crate files instead of the registry (no index).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["crates", "crates_file", "closure"])]
    crate_dir: Option<PathBuf>,
    /// Add the dependency closure (normal and build, non-optional) of the crates.
    /// Always on for the default selection.
    #[arg(long)]
    closure: bool,
    /// Stop adding dependencies once this many crates are covered; crates
    /// named explicitly are always covered [default: 300].
    #[arg(long, value_name = "N")]
    max_crates: Option<usize>,
}

#[derive(Debug, Args)]
struct SourceArgs {
    /// Cache folder: .crate files and index files [default: cache].
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Use the cache only; never touch the network.
    #[arg(long)]
    offline: bool,
    /// Sparse index URL [default: crates.io's, after cargo's source replacement].
    #[arg(long, value_name = "URL")]
    index_url: Option<String>,
    /// Threads for analysis and rendering [default: number of cores].
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// HTTP requests in flight at once [default: 16].
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// A folder of .crate files searched before downloading (repeatable).
    #[arg(long, value_name = "DIR")]
    mirror: Vec<PathBuf>,
    /// User-Agent of HTTP requests [default: cargofox/VERSION (+REPOSITORY)].
    #[arg(long, value_name = "TEXT")]
    user_agent: Option<String>,
    /// Seconds a fetched index file is reused without asking the server;
    /// older ones are re-fetched conditionally (0: always ask) [default: 3600].
    #[arg(long, value_name = "SECONDS")]
    index_max_age: Option<u64>,
}

impl SourceArgs {
    fn flags(self) -> Flags {
        Flags {
            cache: self.cache,
            offline: self.offline,
            index_url: self.index_url,
            jobs: self.jobs,
            concurrency: self.concurrency,
            mirrors: self.mirror,
            user_agent: self.user_agent,
            index_max_age: self.index_max_age,
            ..Flags::default()
        }
    }
}

impl SelectArgs {
    fn flags(self) -> SelectionFlags {
        SelectionFlags {
            crates: self.crates,
            crates_file: self.crates_file,
            crate_dir: self.crate_dir,
            closure: self.closure,
            max_crates: self.max_crates,
        }
    }
}

#[derive(Debug, Args)]
struct BuildArgs {
    #[command(flatten)]
    crates: FetchArgs,
    /// Output folder, replaced atomically [default: public].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Absolute URL the site is served from, for links and the sitemap
    /// [default: http://127.0.0.1:8080/].
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Site title [default: cargofox].
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Remove each .crate file from the cache once its analysis is in the
    /// store (the cache then no longer serves as a mirror of packages).
    #[arg(long)]
    drop_packages: bool,
    /// Also publish a cargo registry mirror: a sparse index under
    /// registry/index/ and the packages of the crates shown and of every
    /// release their dependencies resolve to, under registry/crates/.
    #[arg(long, conflicts_with = "drop_packages")]
    registry_mirror: bool,
}

#[derive(Debug, Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    crates: FetchArgs,
    /// Cover only shard K of N: the crates whose name hashes to K (with
    /// --closure, the others are resolved for the closure, not downloaded).
    #[arg(long, value_name = "K/N")]
    shard: Option<crate::store::Shard>,
    /// Remove each .crate file from the cache once its analysis is in the
    /// store.
    #[arg(long)]
    drop_packages: bool,
}

#[derive(Debug, Args)]
struct FetchArgs {
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    data: RegistryDataArgs,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// Crate names, NAME@VERSION, .crate files or folders of .crate files.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Print one JSON document per crate per line (the sidecar format).
    #[arg(long)]
    json: bool,
    /// Skip the risk scan: only for measuring what the scan costs.
    #[arg(long, hide_short_help = true)]
    no_scan: bool,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    data: RegistryDataArgs,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The built site [default: the configured output folder, public].
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    match cli.command {
        Command::Build(args) => {
            let mut flags = args.crates.source.flags();
            flags.out = args.out;
            flags.base_url = args.base_url;
            flags.title = args.title;
            flags.drop_packages = args.drop_packages;
            flags.registry_mirror = args.registry_mirror;
            args.crates.data.apply(&mut flags);
            let settings = Settings::resolve(flags, &file)?;
            let selection = selection(args.crates.select.flags(), &file)?;
            let summary = pipeline::build(&settings, &selection)?;
            eprintln!("Built {}\n{summary}", settings.out.display());
        }
        Command::Analyze(args) => {
            let mut flags = args.crates.source.flags();
            flags.drop_packages = args.drop_packages;
            args.crates.data.apply(&mut flags);
            let mut settings = Settings::resolve(flags, &file)?;
            settings.fetch.shard = args.shard;
            let selection = selection(args.crates.select.flags(), &file)?;
            let summary = pipeline::analyze_only(&settings, &selection)?;
            eprintln!(
                "Analyzed into {}\n{summary}",
                crate::store::Store::new(&settings.fetch.cache)
                    .root()
                    .display()
            );
        }
        Command::Fetch(args) => {
            let mut flags = args.source.flags();
            args.data.apply(&mut flags);
            let settings = Settings::resolve(flags, &file)?;
            let selection = selection(args.select.flags(), &file)?;
            let start = Instant::now();
            let data = pipeline::load_registry_data(&settings)?;
            let selection = match &data.dump {
                Some(d) => pipeline::dump_selection(&selection, d, settings.top),
                None => selection,
            };
            let gathered = pipeline::gather(
                &settings,
                &selection,
                data.dump.as_ref(),
                data.audits.as_ref(),
            )?;
            let ready = gathered.inputs.iter().filter(|i| i.file.is_some()).count();
            for input in &gathered.inputs {
                for p in &input.problems {
                    eprintln!(
                        "{} {}: [{}] {}",
                        input.name, input.version, p.code, p.message
                    );
                }
            }
            let h = gathered.http;
            eprintln!(
                "{ready} of {} packages in {}; HTTP: {} requests, {} not modified, {} index files reused, {} received, {} failed; {:.1}s",
                gathered.inputs.len(),
                settings.fetch.cache.display(),
                h.requests,
                h.not_modified,
                h.reused,
                crate::render::human_bytes(h.bytes),
                h.failures,
                start.elapsed().as_secs_f64()
            );
        }
        Command::Inspect(args) => {
            let mut flags = args.source.flags();
            args.data.apply(&mut flags);
            let mut settings = Settings::resolve(flags, &file)?;
            settings.skip_scan = args.no_scan;
            let data = pipeline::load_registry_data(&settings)?;
            let gathered = pipeline::inspect_inputs(&settings, &args.targets)?;
            let now = pipeline::now_rfc3339();
            let mut reports = pipeline::analyze_inputs(&settings, &gathered, &now)?;
            if !args.no_scan {
                crate::rank::enrich(
                    &mut reports,
                    &crate::rank::RankInputs {
                        source: &gathered.source,
                        generated_at: &now,
                        dump: data.dump.as_ref(),
                        advisories: data.advisories.as_ref(),
                        audits: data.audits.as_ref(),
                        crev: data.crev.as_ref(),
                        previous_owners: None,
                    },
                );
            }
            let mut out = std::io::stdout().lock();
            // Written in order, formatted in parallel a few at a time.
            for chunk in reports.chunks(64) {
                let texts: Vec<String> = chunk
                    .par_iter()
                    .map(|r| {
                        Ok(if args.json {
                            serde_json::to_string(r)? + "\n"
                        } else {
                            crate::inspect::text_report(r) + "\n"
                        })
                    })
                    .collect::<anyhow::Result<_>>()?;
                for text in texts {
                    if let Err(e) = out.write_all(text.as_bytes()) {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            return Ok(());
                        }
                        return Err(e.into());
                    }
                }
            }
        }
        Command::DumpStats(args) => {
            let mut flags = args.source.flags();
            args.data.apply(&mut flags);
            let mut settings = Settings::resolve(flags, &file)?;
            settings
                .db_dump
                .get_or_insert(crate::fetch::dump::DumpLocation::Registry);
            let start = Instant::now();
            let data = pipeline::load_registry_data(&settings)?;
            let text = crate::inspect::dump_stats(data.dump.as_ref(), data.advisories.as_ref());
            eprintln!("read in {:.1}s", start.elapsed().as_secs_f64());
            std::io::stdout().write_all(text.as_bytes())?;
        }
        Command::Popular(args) => {
            let path = args.site.join("index.json");
            let text =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let index: crate::model::SiteIndex = serde_json::from_slice(&text)
                .with_context(|| format!("reading {}", path.display()))?;
            let mut crates: Vec<_> = index.crates.iter().filter(|c| c.dependents > 0).collect();
            crates.sort_by(|a, b| {
                b.dependents
                    .cmp(&a.dependents)
                    .then_with(|| a.name.cmp(&b.name))
            });
            let mut out = format!(
                "# The most depended-on crates of a site built by cargofox ({} crates, {}), most first.\n# Regenerate: cargofox popular SITE_DIR > content/popular-crates.txt\n",
                index.crates.len(),
                index.generated_at.get(..10).unwrap_or("")
            );
            for c in crates.into_iter().take(args.top) {
                out.push_str(&c.name);
                out.push('\n');
            }
            std::io::stdout().write_all(out.as_bytes())?;
        }
        Command::Serve(args) => {
            let dir = args
                .dir
                .or(file.out)
                .unwrap_or_else(|| PathBuf::from("public"));
            crate::serve::serve(dir, args.port)?;
        }
    }
    Ok(())
}
