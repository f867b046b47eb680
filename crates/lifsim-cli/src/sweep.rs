//! `lifsim sweep`: run a grid of configurations, tabulate rate, CV, Fano, moments and theory, and
//! draw them against the varied key (`sweep.png`, `sweep.svg`).

use crate::failure::Failure;
use crate::output;
use crate::plot::SweepPlot;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, thread_pool};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lifsim::Value;
use lifsim::sweep::{Axis, Measures, Sweep, SweepRow, describe};
use std::io::{self, Write};
use std::path::PathBuf;

/// Arguments of `lifsim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// A varied key: `KEY=START:STOP:COUNT` or `KEY=V1,V2,...`, values with units, e.g.
    /// `--vary input.i_mean=100pA:400pA:7`; several make a grid (the last varies fastest).
    #[arg(long, value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    /// Output directory for sweep.csv, sweep.json and the figures (created if missing; an
    /// earlier run in it is replaced as a whole).
    #[arg(long, default_value = "lifsim-sweep")]
    pub out: PathBuf,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// Runs every point of the sweep, one after the other, each with the engine's own parallelism
/// (so every point is bit-identical to `lifsim run` with the same configuration).
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let base = args.config.config()?;
    let axes = args.vary.iter().map(|spec| Axis::parse(spec)).collect::<Result<Vec<_>, _>>()?;
    let sweep = Sweep::within(&base, axes, args.exec.memory_budget())?;
    let pool = thread_pool(args.exec.threads)?;
    let mut names = vec!["sweep.csv".to_string(), "sweep.json".to_string()];
    if !args.exec.no_plots {
        names.extend(output::figure_files(["sweep"]));
    }
    let mut out = output::prepare(&args.out, names)?;
    let bar = ProgressBar::new(sweep.points().len() as u64).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} points (eta {eta}) {msg}")
            .expect("valid template"),
    );
    if args.exec.quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut watcher = Watcher::new(true);
    let rows = sweep.run(|point| {
        bar.set_message(describe(&point.point));
        let rec = pool.install(|| lifsim::run_with(&point.simulation, |p| watcher.update(p)));
        bar.inc(1);
        rec
    });
    let rows = rows.inspect_err(|_| bar.abandon())?;
    bar.finish_and_clear();
    let keys = sweep.keys();
    out.add("sweep.csv", |w| write_csv(w, &keys, &rows))?;
    out.add("sweep.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &to_json(&keys, &rows)).map_err(io::Error::other)?;
        writeln!(w)
    })?;
    if !args.exec.no_plots {
        crate::plot::add_figure(&mut out, "sweep", &SweepPlot::new(&base, sweep.axes(), &rows))?;
    }
    output::commit(out)?;
    if !args.exec.quiet {
        say!("lifsim: {} sweep points; results in {}", rows.len(), args.out.display());
    }
    Ok(())
}

fn write_csv(w: &mut impl Write, keys: &[&str], rows: &[SweepRow]) -> io::Result<()> {
    let header: Vec<&str> = keys.iter().copied().chain(Measures::COLUMNS).collect();
    writeln!(w, "{}", header.join(","))?;
    for row in rows {
        let cells: Vec<String> = row
            .point
            .iter()
            .map(|(_, v)| v.cell())
            .chain(row.measures.values().iter().map(|x| if x.is_finite() { x.to_string() } else { String::new() }))
            .collect();
        writeln!(w, "{}", cells.join(","))?;
    }
    Ok(())
}

fn to_json(keys: &[&str], rows: &[SweepRow]) -> serde_json::Value {
    let cell = |v: &Value| match v {
        Value::Float(x) => serde_json::json!(x),
        Value::Int(i) => serde_json::json!(i),
        other => serde_json::json!(other.cell()),
    };
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            let mut object = serde_json::to_value(&row.measures).unwrap_or_default();
            if let Some(map) = object.as_object_mut() {
                for (key, value) in &row.point {
                    map.insert(key.clone(), cell(value));
                }
            }
            object
        })
        .collect();
    serde_json::json!({ "lifsim_version": lifsim_version(), "varied": keys, "rows": rows })
}

fn lifsim_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
