//! `report.html`: one self-contained page with a run's (or the tutorial's) figures, parameters and
//! simulation-vs-theory table. Images are referenced by relative path; nothing loads from the network.

use crate::plot::ReportFigure;
use lifsim::analysis::SpikeStatistics;
use lifsim::config::NoiseKind;
use lifsim::model::ByPopulation;
use lifsim::summary::PopulationStatistics;
use lifsim::units::{Dimension, format_quantity};
use lifsim::{Recording, Simulation, Summary, TimeGrid};
use lifsim_io::OutputSet;
use std::fmt::Write as _;
use std::io::{self, Write as _};

/// The page around `body`. On load, a small script marks `<body data-images-loaded="yes">` when
/// every image decoded (`"no"` otherwise), which the browser check reads.
fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "DejaVu Sans", Verdana, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }}
figure {{ margin: 2em 0; }}
figure img {{ width: 100%; height: auto; border: 1px solid #ddd; }}
figcaption {{ margin-top: 0.4em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
code {{ background: #f3f3f3; padding: 0 0.2em; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}<script>
window.addEventListener("load", function () {{
  var images = Array.prototype.slice.call(document.images);
  var ok = images.every(function (img) {{ return img.complete && img.naturalWidth > 0; }});
  document.body.setAttribute("data-images", String(images.length));
  document.body.setAttribute("data-images-loaded", ok ? "yes" : "no");
}});
</script>
</body>
</html>
"#,
        title = escape(title),
    )
}

/// A figure with its heading and caption.
fn figure_html(html: &mut String, figure: &ReportFigure) {
    let _ = write!(
        html,
        "<figure id=\"{name}\">\n<h2>{heading}</h2>\n<img src=\"{name}.png\" alt=\"{heading}\" width=\"1200\" height=\"750\">\n\
         <figcaption>{caption} <a href=\"{name}.svg\">SVG</a></figcaption>\n</figure>\n",
        name = escape(&figure.name),
        heading = escape(&figure.title),
        caption = escape(&figure.caption),
    );
}

/// Adds a run's figures and its `report.html` to `out`: the page shows the run's `summary`
/// (parameters, spike statistics, simulation against theory) and its figures.
///
/// # Errors
/// Any drawing or I/O error.
pub fn add_run_report(out: &mut OutputSet, summary: &Summary, sim: &Simulation, rec: &Recording) -> io::Result<()> {
    let figures = crate::plot::add_run_figures(out, sim, rec, &summary.theory)?;
    let html = run_report(summary, &figures);
    out.add("report.html", |w| w.write_all(html.as_bytes()))
}

/// The report of one run: parameters, spike statistics and simulation vs theory (all from
/// `summary`, nothing recomputed), then every figure.
pub fn run_report(summary: &Summary, figures: &[ReportFigure]) -> String {
    let mut html = String::new();
    html.push_str("<h2>Parameters</h2>\n<table>\n<tr><th>key</th><th>value</th></tr>\n");
    for (key, value) in parameters(summary) {
        let _ =
            writeln!(html, "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>", escape(&key), escape(&value));
    }
    html.push_str("</table>\n<h2>Spike statistics</h2>\n<table>\n<tr><th>quantity</th><th>value</th></tr>\n");
    for (quantity, value) in statistics(&summary.analysis) {
        let _ = writeln!(html, "<tr><td>{quantity}</td><td class=\"num\">{}</td></tr>", escape(&value));
    }
    html.push_str("</table>\n");
    if let Some(populations) = &summary.populations {
        population_table(&mut html, summary, populations);
    }
    html.push_str("<h2>Simulation vs theory</h2>\n");
    let rows = comparisons(summary);
    if rows.is_empty() && summary.populations.is_some() {
        html.push_str("<p>The populations above are compared with the mean-field theory (Brunel 2000).</p>\n");
    } else if rows.is_empty() {
        html.push_str(
            "<p>No closed-form theory applies to this setup (the free-membrane moments need <code>neuron.v_th = \
             \"none\"</code>; the firing rate and ISI CV need constant input with a threshold and white, tutorial \
             or no noise).</p>\n",
        );
    } else {
        html.push_str(
            "<table>\n<tr><th>quantity</th><th>simulation</th><th>theory</th><th>difference (standard errors)</th></tr>\n",
        );
        for row in rows {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&row.quantity),
                escape(&row.simulated),
                escape(&row.predicted),
                escape(&row.difference)
            );
        }
        html.push_str("</table>\n");
    }
    for figure in figures {
        figure_html(&mut html, figure);
    }
    page("lifsim run report", &html)
}

/// A network's populations: size, rate and ISI CV in the analysis window against the
/// mean-field theory (Brunel 2000).
fn population_table(html: &mut String, summary: &Summary, populations: &ByPopulation<PopulationStatistics>) {
    html.push_str(
        "<h2>Populations</h2>\n<table>\n<tr><th>population</th><th>n</th><th>rate ± SE</th><th>mean-field rate</th>\
         <th>difference (standard errors)</th><th>ISI CV</th><th>mean-field CV</th><th>Fano factor</th></tr>\n",
    );
    let number = |x: f64, digits: usize| if x.is_finite() { format!("{x:.digits$}") } else { "undefined".into() };
    for (name, p) in &populations.0 {
        let s = &p.statistics;
        let theory = summary.theory.populations.as_ref().and_then(|t| t.get(name)).and_then(Option::as_ref);
        let (rate, cv) = theory.map_or(("n/a".to_string(), "n/a".to_string()), |t| {
            (format!("{} Hz", number(t.rate_hz, 3)), number(t.cv_isi, 4))
        });
        let z = match theory {
            Some(t) if s.rate_se_hz > 0.0 => format!("{:+.2}", (s.rate_hz - t.rate_hz) / s.rate_se_hz),
            _ => "n/a".into(),
        };
        let cells = [
            escape(name),
            p.n.to_string(),
            format!("{} ± {} Hz", number(s.rate_hz, 3), number(s.rate_se_hz, 3)),
            rate,
            z,
            number(s.cv_isi, 4),
            cv,
            number(s.fano, 4),
        ];
        html.push_str("<tr>");
        for (i, cell) in cells.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"num\"" };
            let _ = write!(html, "<td{class}>{}</td>", escape(cell));
        }
        html.push_str("</tr>\n");
    }
    html.push_str(
        "</table>\n<p>The rate's standard error is that of independent neurons; neurons of a network are \
         correlated, so differences of a few standard errors need not mean a disagreement.</p>\n",
    );
}

/// The tutorial's report: an introduction, then each exercise's figure with its heading.
pub fn tutorial_report(intro: &str, exercises: &[ReportFigure]) -> String {
    let mut html = format!("<p>{}</p>\n", escape(intro));
    for figure in exercises {
        figure_html(&mut html, figure);
    }
    page("lifsim tutorial: the LIF exercises, reproduced", &html)
}

/// Every configuration key with its value in human units (from the key table, so no key that
/// changes a result is left out), and the number of steps.
fn parameters(summary: &Summary) -> Vec<(String, String)> {
    let config = &summary.config;
    let text = |key: &str| config.value_text(key).unwrap_or_default().replace('"', "");
    let mut rows: Vec<(String, String)> =
        lifsim::config::KEYS.iter().map(|key| (key.name.into(), text(key.name))).collect();
    rows.insert(3, ("steps".into(), summary.steps.to_string()));
    // A network's own keys, addressed as on the command line.
    for population in &config.populations {
        let keys =
            lifsim::config::POPULATION_KEYS.iter().map(|k| k.name).chain(population.overrides.iter().map(|(k, _)| *k));
        for key in keys.filter(|&k| k != "name") {
            let address = format!("population.{}.{key}", population.name);
            rows.push((address.clone(), text(&address)));
        }
    }
    for connection in &config.connections {
        for key in lifsim::config::CONNECTION_KEYS.iter().map(|k| k.name) {
            let address = format!("connection.{}.{key}", connection.address());
            let value = text(&address);
            if !value.is_empty() {
                rows.push((address, value));
            }
        }
    }
    rows
}

/// The analysis values of `summary.json` in human units; "undefined" where NaN.
fn statistics(stats: &SpikeStatistics) -> Vec<(&'static str, String)> {
    let t = |x| format_quantity(x, Dimension::Time);
    let defined = |x: f64, show: &dyn Fn(f64) -> String| if x.is_finite() { show(x) } else { "undefined".into() };
    vec![
        ("analysis window", format!("{} to {}", t(stats.t_start), t(stats.t_stop))),
        (
            "mean firing rate ± SE",
            format!(
                "{} ± {}",
                defined(stats.rate_hz, &|x| format!("{x:.3} Hz")),
                defined(stats.rate_se_hz, &|x| format!("{x:.3} Hz"))
            ),
        ),
        ("interspike intervals", stats.isi_count.to_string()),
        ("mean interspike interval", defined(stats.isi_mean_s, &|x| format!("{:.3} ms", x * 1e3))),
        ("ISI CV", defined(stats.cv_isi, &|x| format!("{x:.4}"))),
        ("Fano factor of counts", defined(stats.fano, &|x| format!("{x:.4}"))),
    ]
}

/// One row of the simulation-vs-theory table, formatted.
struct Comparison {
    quantity: String,
    simulated: String,
    predicted: String,
    difference: String,
}

impl Comparison {
    /// A row; `se` is the standard error of the simulated value (same units as the values), NaN
    /// where none is known (then no difference in standard errors is given).
    fn new(quantity: &str, simulated: f64, predicted: f64, se: f64, show: impl Fn(f64) -> String) -> Self {
        let difference = if se > 0.0 && se.is_finite() {
            format!("{:+.2}", (simulated - predicted) / se)
        } else if se.is_nan() {
            "n/a (no standard error)".into()
        } else {
            "n/a (no spread)".into()
        };
        Self { quantity: quantity.into(), simulated: show(simulated), predicted: show(predicted), difference }
    }
}

/// Simulation against the theory that applies to its setup, as `summary.json` holds both.
fn comparisons(summary: &Summary) -> Vec<Comparison> {
    let theory = &summary.theory;
    let n = summary.n as f64;
    let (mean, var) = (summary.v_mean_final, summary.v_var_final);
    let mut rows = Vec::new();
    let end = format_quantity(TimeGrid::new(summary.dt, summary.steps).span(), Dimension::Time);
    if let Some(m) = theory.v_mean_final.filter(|_| var.is_finite()) {
        let show = |x: f64| format!("{:.4} mV", x * 1e3);
        rows.push(Comparison::new(&format!("mean of V at t = {end}"), mean, m, (var / n).sqrt(), show));
    }
    if let Some(v) = theory.v_var_final.filter(|_| var.is_finite() && summary.n > 1) {
        let show = |x: f64| format!("{:.4} mV²", x * 1e6);
        rows.push(Comparison::new(&format!("variance of V at t = {end}"), var, v, v * (2.0 / (n - 1.0)).sqrt(), show));
    }
    let stats = &summary.analysis;
    let source = if summary.config.input.noise == NoiseKind::None { "deterministic" } else { "Siegert" };
    if let Some(rate) = theory.rate_hz {
        rows.push(Comparison::new(
            &format!("mean firing rate in the analysis window ({source} theory, continuous time)"),
            stats.rate_hz,
            rate,
            stats.rate_se_hz,
            |x| format!("{x:.3} Hz"),
        ));
    }
    if let Some(cv) = theory.cv_isi.filter(|cv| cv.is_finite() && stats.cv_isi.is_finite()) {
        // No standard error of the pooled CV is estimated for a run, so no z is given.
        let quantity = if source == "Siegert" { "ISI CV (Brunel 2000)" } else { "ISI CV (deterministic: 0)" };
        rows.push(Comparison::new(quantity, stats.cv_isi, cv, f64::NAN, |x| format!("{x:.4}")));
    }
    rows
}

/// `text` with the HTML special characters escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
