//! `lifsim sweep`: run a grid of configurations, tabulate rate, CV, Fano, moments and theory, and
//! draw them against the varied key (`sweep.png`, `sweep.svg`).

use crate::plot::SweepPlot;
use crate::progress::Watcher;
use crate::setup::{ConfigArgs, ExecArgs, Failure, thread_pool};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lifsim::Value;
use lifsim::sweep::{Axis, Measures, Point, configure, points};
use lifsim_io::OutputSet;
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
    /// Output directory for sweep.csv, sweep.json and the figures (created if missing).
    #[arg(long, default_value = "lifsim-sweep")]
    pub out: PathBuf,
    #[command(flatten)]
    pub exec: ExecArgs,
}

/// One finished point.
pub struct Row {
    /// The varied keys' values.
    pub point: Point,
    /// What was measured there.
    pub measures: Measures,
}

/// Runs every point of the sweep, one after the other, each with the engine's own parallelism
/// (so every point is bit-identical to `lifsim run` with the same configuration).
pub fn sweep(args: &SweepArgs) -> Result<(), Failure> {
    let base = args.config.config()?;
    let axes = args
        .vary
        .iter()
        .map(|spec| Axis::parse(spec).map_err(|e| Failure::Config(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let grid = points(&axes);
    // Validate every point before running any.
    let sims = grid
        .iter()
        .map(|point| {
            let config = configure(&base, point).map_err(|e| Failure::Config(e.to_string()))?;
            config.build().map_err(|e| Failure::Config(format!("at {}: {e}", describe(point))))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let pool = thread_pool(args.exec.threads)?;
    let mut out = OutputSet::new(&args.out).map_err(|e| Failure::Runtime(e.to_string()))?;
    let bar = ProgressBar::new(sims.len() as u64).with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} points (eta {eta}) {msg}")
            .expect("valid template"),
    );
    if args.exec.quiet {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut watcher = Watcher::new(true);
    let mut rows = Vec::with_capacity(sims.len());
    for (point, sim) in grid.into_iter().zip(&sims) {
        bar.set_message(describe(&point));
        let rec = pool.install(|| lifsim::run_with(sim, |p| watcher.update(p)));
        let rec = rec.map_err(|e| {
            bar.abandon();
            Failure::from(e)
        })?;
        rows.push(Row { measures: Measures::of(sim, &rec), point });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let keys: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
    let runtime = |e: io::Error| Failure::Runtime(e.to_string());
    out.add("sweep.csv", |w| write_csv(w, &keys, &rows)).map_err(runtime)?;
    out.add("sweep.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &to_json(&keys, &rows)).map_err(io::Error::other)?;
        writeln!(w)
    })
    .map_err(runtime)?;
    if !args.exec.no_plots {
        crate::plot::add_figure(&mut out, "sweep", &SweepPlot::new(&base, &axes, &rows)).map_err(runtime)?;
    }
    if watcher.interrupted() {
        return Err(Failure::Interrupted);
    }
    out.commit().map_err(runtime)?;
    if !args.exec.quiet {
        eprintln!("lifsim: {} sweep points; results in {}", rows.len(), args.out.display());
    }
    Ok(())
}

/// `key=value, ...` for messages.
fn describe(point: &Point) -> String {
    point.iter().map(|(k, v)| format!("{k}={}", text(v))).collect::<Vec<_>>().join(", ")
}

/// A point value as a CSV/JSON cell: numbers in SI units, names as they are.
pub fn text(value: &Value) -> String {
    match value {
        Value::Float(x) => x.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::List(items) => items.iter().map(text).collect::<Vec<_>>().join(" "),
    }
}

fn write_csv(w: &mut impl Write, keys: &[&str], rows: &[Row]) -> io::Result<()> {
    let header: Vec<&str> = keys.iter().copied().chain(Measures::COLUMNS).collect();
    writeln!(w, "{}", header.join(","))?;
    for row in rows {
        let cells: Vec<String> = row
            .point
            .iter()
            .map(|(_, v)| text(v))
            .chain(row.measures.values().iter().map(|x| if x.is_finite() { x.to_string() } else { String::new() }))
            .collect();
        writeln!(w, "{}", cells.join(","))?;
    }
    Ok(())
}

fn to_json(keys: &[&str], rows: &[Row]) -> serde_json::Value {
    let cell = |v: &Value| match v {
        Value::Float(x) => serde_json::json!(x),
        Value::Int(i) => serde_json::json!(i),
        other => serde_json::json!(text(other)),
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
