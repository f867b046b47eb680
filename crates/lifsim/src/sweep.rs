//! Parameter sweeps: axes of values for configuration keys, their grid of points, the one
//! orchestration ("validate every point, then run them in order") and the measures of one run
//! that a sweep tabulates. The `lifsim sweep` command and Python's `lifsim.sweep` both call
//! [`Sweep`].
//!
//! ```
//! use lifsim::sweep::{Axis, points};
//! let axes = [Axis::parse("input.i_mean=100pA:400pA:4").unwrap(), Axis::parse("simulation.dt=1 ms,0.5 ms").unwrap()];
//! let grid = points(&axes);
//! assert_eq!(grid.len(), 8);
//! let config = lifsim::sweep::configure(&lifsim::Config::default(), &grid[7]).unwrap();
//! assert_eq!((config.input.i_mean, config.simulation.dt), (400e-12, 0.5e-3));
//! ```

use crate::analysis::SpikeStatistics;
use crate::config::{Config, KeyKind, Value, describe_settings};
use crate::error::{AxisError, Error, excerpt};
use crate::memory::MemoryEstimate;
use crate::model::Simulation;
use crate::record::Recording;
use crate::theory::TheoryValues;
use crate::units::parse_quantity;
use serde::Serialize;

/// Most values of one sweep axis: a million points of one key is far more than a sweep can
/// run, and a typo in COUNT (`100pA:400pA:1000000000`) must not allocate gigabytes.
pub const MAX_AXIS_VALUES: usize = 1_000_000;

/// Bytes a sweep keeps per point: its configuration, simulation, values and row (an upper bound).
const POINT_BYTES: u64 = 4096;

/// How to make a sweep's grid smaller.
const SHRINK_GRID: &str = "fewer values per --vary (COUNT) or fewer varied keys";

/// One varied key and its values, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The configuration key, e.g. `input.i_mean`.
    pub key: String,
    /// Its values: SI numbers for quantities, integers for counts, text otherwise.
    pub values: Vec<Value>,
}

impl Axis {
    /// Parses `KEY=START:STOP:COUNT` (COUNT evenly spaced values, both ends included; for
    /// quantity and count keys) or `KEY=V1,V2,...`. Values may carry units:
    /// `input.i_mean=100pA:400pA:7`, `simulation.dt=1 ms,0.5 ms,0.1 ms`,
    /// `simulation.crossing=grid,bridge`. Keys joined by `+` take the same values together
    /// (`connection.I->E.weight+connection.I->I.weight=-0.4mV:-0.7mV:4` sweeps Brunel's `g`):
    /// they must take the same kind of value.
    ///
    /// # Errors
    /// [`Error::UnknownKey`] or [`Error::Param`] naming the key and the bad value.
    ///
    /// ```
    /// let axis = lifsim::sweep::Axis::parse("simulation.n=10:30:3").unwrap();
    /// assert_eq!(axis.values, vec![lifsim::Value::Int(10), lifsim::Value::Int(20), lifsim::Value::Int(30)]);
    /// ```
    pub fn parse(spec: &str) -> Result<Axis, Error> {
        let (key, body) = spec.split_once('=').ok_or_else(|| AxisError {
            key: String::new(),
            values: excerpt(spec),
            expected: "KEY=START:STOP:COUNT or KEY=V1,V2,..., e.g. input.i_mean=100pA:400pA:7".into(),
        })?;
        let key = key.trim();
        let bad = |expected: &str| AxisError { key: excerpt(key), values: excerpt(body), expected: expected.into() };
        let keys: Vec<&str> = key.split('+').map(str::trim).collect();
        let kind = Config::key_kind(keys[0])?;
        for other in &keys[1..] {
            if Config::key_kind(other)? != kind {
                return Err(bad(&format!(
                    "keys of one kind joined by '+' ({other} takes another kind of value than {})",
                    keys[0]
                ))
                .into());
            }
        }
        let number = |text: &str| -> Result<Value, AxisError> {
            let text = text.trim().trim_matches('"');
            match kind {
                KeyKind::Quantity(dim) => parse_quantity(text, dim)
                    .map(Value::Float)
                    .map_err(|e| bad(&format!("values like {} ({e})", dim.example()))),
                KeyKind::Count => text.parse::<i128>().map(Value::Int).map_err(|_| bad("whole numbers")),
                KeyKind::Name(_) | KeyKind::Times | KeyKind::Text => Ok(Value::Str(text.to_string())),
            }
        };
        let values = match body.split(':').collect::<Vec<_>>().as_slice() {
            [start, stop, count] => {
                if !matches!(kind, KeyKind::Quantity(_) | KeyKind::Count) {
                    return Err(bad("a list V1,V2,... (ranges need a quantity or a count)").into());
                }
                let count: usize = count
                    .trim()
                    .parse()
                    .ok()
                    .filter(|c| (1..=MAX_AXIS_VALUES).contains(c))
                    .ok_or_else(|| bad(&format!("a COUNT from 1 to {MAX_AXIS_VALUES}")))?;
                let (a, b) = (as_f64(&number(start)?), as_f64(&number(stop)?));
                (0..count)
                    .map(|i| {
                        let x = if count == 1 { a } else { a + (b - a) * i as f64 / (count - 1) as f64 };
                        if kind == KeyKind::Count { Value::Int(x.round() as i128) } else { Value::Float(x) }
                    })
                    .collect()
            }
            [list] => list.split(',').filter(|v| !v.trim().is_empty()).map(number).collect::<Result<Vec<_>, _>>()?,
            _ => return Err(bad("KEY=START:STOP:COUNT or KEY=V1,V2,...").into()),
        };
        if values.is_empty() {
            return Err(bad("at least one value").into());
        }
        for value in &values {
            for key in &keys {
                Config::check_value(key, value).map_err(|e| match e {
                    Error::Param(e) => Error::from(bad(&e.expected)),
                    other => other,
                })?;
            }
        }
        Ok(Axis { key: keys.join("+"), values })
    }
}

fn as_f64(value: &Value) -> f64 {
    match value {
        Value::Float(x) => *x,
        Value::Int(i) => *i as f64,
        _ => f64::NAN,
    }
}

/// One point of a sweep: a value for each axis's key.
pub type Point = Vec<(String, Value)>;

/// Every combination of the axes' values (a grid); the last axis varies fastest.
pub fn points(axes: &[Axis]) -> Vec<Point> {
    axes.iter().fold(vec![Vec::new()], |grid, axis| {
        grid.iter()
            .flat_map(|point| {
                axis.values.iter().map(move |value| {
                    let mut next = point.clone();
                    next.push((axis.key.clone(), value.clone()));
                    next
                })
            })
            .collect()
    })
}

/// `base` with a point's values set.
///
/// # Errors
/// The first value [`Config::set`] rejects.
pub fn configure(base: &Config, point: &Point) -> Result<Config, Error> {
    let mut config = base.clone();
    for (keys, value) in point {
        for key in keys.split('+') {
            config.set(key, value)?;
        }
    }
    Ok(config)
}

/// `key=value, ...` of a point, for messages.
pub fn describe(point: &Point) -> String {
    describe_settings(point, |key| key)
}

/// One point of a sweep, checked: its values, its configuration and its simulation.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    /// The varied keys' values.
    pub point: Point,
    /// The base configuration with the point's values.
    pub config: Config,
    /// The validated simulation of `config`.
    pub simulation: Simulation,
}

/// One finished point: its values and what was measured there.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    /// The varied keys' values.
    pub point: Point,
    /// The measures of its run.
    pub measures: Measures,
}

/// A sweep whose every point has been validated: the one orchestration behind `lifsim sweep`
/// and Python's `lifsim.sweep`.
///
/// ```
/// use lifsim::sweep::{Axis, Sweep};
/// let axes = vec![Axis::parse("simulation.n=10,20").unwrap()];
/// let sweep = Sweep::new(&lifsim::Config::default(), axes).unwrap();
/// let rows = sweep.run(|point| lifsim::run(&point.simulation)).unwrap();
/// assert_eq!(rows.len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Sweep {
    axes: Vec<Axis>,
    points: Vec<SweepPoint>,
}

impl Sweep {
    /// The grid of `axes` over `base`, every point built and validated before any runs (no
    /// memory limit: see [`Sweep::within`]).
    ///
    /// # Errors
    /// As [`Sweep::within`].
    pub fn new(base: &Config, axes: Vec<Axis>) -> Result<Sweep, Error> {
        Sweep::within(base, axes, u64::MAX)
    }

    /// The grid of `axes` over `base` within a memory budget (bytes): the grid's size is
    /// counted before any point is made, then every point is built and validated, and the
    /// largest point's run plus the sweep's own table must fit the budget.
    ///
    /// # Errors
    /// [`Error::Axis`] for a key varied twice; [`Error::TooLarge`] for a grid or a point that
    /// does not fit; [`Error::AtPoint`] for the first point whose configuration is invalid.
    pub fn within(base: &Config, axes: Vec<Axis>, budget: u64) -> Result<Sweep, Error> {
        for (i, axis) in axes.iter().enumerate() {
            if axes[..i].iter().any(|other| other.key == axis.key) {
                return Err(AxisError {
                    key: excerpt(&axis.key),
                    values: excerpt(&axis.values.iter().map(Value::cell).collect::<Vec<_>>().join(",")),
                    expected: "each key varied once (give all its values in one --vary)".into(),
                }
                .into());
            }
        }
        let count = axes.iter().fold(1u64, |n, axis| n.saturating_mul(axis.values.len() as u64));
        let mut table = MemoryEstimate::default();
        table.add("the sweep's points", "--vary", count.saturating_mul(POINT_BYTES), SHRINK_GRID);
        table.check(budget)?;
        let points = points(&axes)
            .into_iter()
            .map(|point| {
                let at = |e: Error| Error::AtPoint { point: point.clone(), source: Box::new(e) };
                let config = configure(base, &point).map_err(at)?;
                let simulation = config.build().map_err(at)?;
                Ok(SweepPoint { point, config, simulation })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let largest = points.iter().map(|p| p.simulation.memory_estimate()).max_by_key(MemoryEstimate::total);
        if let Some(mut largest) = largest {
            largest.parts.extend(table.parts);
            largest.check(budget)?;
        }
        Ok(Sweep { axes, points })
    }

    /// The axes, in grid order.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// The varied keys, in grid order.
    pub fn keys(&self) -> Vec<&str> {
        self.axes.iter().map(|a| a.key.as_str()).collect()
    }

    /// The points, the last axis varying fastest.
    pub fn points(&self) -> &[SweepPoint] {
        &self.points
    }

    /// Runs every point in order through `run_point` (which runs the point's simulation on the
    /// caller's threads, with its cancellation) and measures it.
    ///
    /// # Errors
    /// The first error of `run_point` (e.g. [`Error::Cancelled`]).
    pub fn run(
        &self,
        mut run_point: impl FnMut(&SweepPoint) -> Result<Recording, Error>,
    ) -> Result<Vec<SweepRow>, Error> {
        self.points
            .iter()
            .map(|point| {
                let rec = run_point(point)?;
                Ok(SweepRow { point: point.point.clone(), measures: Measures::of(&point.simulation, &rec) })
            })
            .collect()
    }
}

/// What a sweep records for one point: simulated measures and the theory for the same setup.
/// NaN (null in JSON) where a measure is undefined, theory columns NaN where no theory applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measures {
    /// Mean firing rate in the analysis window (Hz).
    pub rate_hz: f64,
    /// Its standard error (Hz).
    pub rate_se_hz: f64,
    /// ISI coefficient of variation.
    pub cv_isi: f64,
    /// Fano factor of spike counts in the window.
    pub fano: f64,
    /// Ensemble mean of V at the last step (V).
    pub v_mean_final: f64,
    /// Ensemble variance of V at the last step (V^2).
    pub v_var_final: f64,
    /// Theory: firing rate (Hz), see [`TheoryValues::rate_hz`].
    pub theory_rate_hz: f64,
    /// Theory: ISI CV.
    pub theory_cv_isi: f64,
    /// Theory: exact free-membrane mean at the last step (V), without a threshold.
    pub theory_v_mean_final: f64,
    /// Theory: exact free-membrane variance at the last step (V^2), without a threshold.
    pub theory_v_var_final: f64,
}

impl Measures {
    /// Column names, in the order of [`Measures::values`].
    pub const COLUMNS: [&'static str; 10] = [
        "rate_hz",
        "rate_se_hz",
        "cv_isi",
        "fano",
        "v_mean_final",
        "v_var_final",
        "theory_rate_hz",
        "theory_cv_isi",
        "theory_v_mean_final",
        "theory_v_var_final",
    ];

    /// The measures of a finished run of `sim`.
    ///
    /// ```
    /// let sim = lifsim::Config::default().build().unwrap();
    /// let m = lifsim::sweep::Measures::of(&sim, &lifsim::run(&sim).unwrap());
    /// assert!(m.rate_hz > 0.0 && m.theory_rate_hz > 0.0);
    /// ```
    pub fn of(sim: &Simulation, rec: &Recording) -> Self {
        let stats = SpikeStatistics::of(rec, sim.analysis());
        let theory = TheoryValues::for_simulation(sim);
        let or_nan = |x: Option<f64>| x.unwrap_or(f64::NAN);
        Self {
            rate_hz: stats.rate_hz,
            rate_se_hz: stats.rate_se_hz,
            cv_isi: stats.cv_isi,
            fano: stats.fano,
            v_mean_final: rec.v_mean.last().copied().unwrap_or(f64::NAN),
            v_var_final: rec.v_var.last().copied().unwrap_or(f64::NAN),
            theory_rate_hz: or_nan(theory.rate_hz),
            theory_cv_isi: or_nan(theory.cv_isi),
            theory_v_mean_final: or_nan(theory.v_mean_final),
            theory_v_var_final: or_nan(theory.v_var_final),
        }
    }

    /// The values in the order of [`Measures::COLUMNS`].
    pub fn values(&self) -> [f64; 10] {
        [
            self.rate_hz,
            self.rate_se_hz,
            self.cv_isi,
            self.fano,
            self.v_mean_final,
            self.v_var_final,
            self.theory_rate_hz,
            self.theory_cv_isi,
            self.theory_v_mean_final,
            self.theory_v_var_final,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_lists_and_errors() {
        let axis = Axis::parse("input.i_mean=100pA:400pA:7").unwrap();
        assert_eq!(axis.values.len(), 7);
        assert_eq!(axis.values[6], Value::Float(400e-12));
        let dt = Axis::parse("simulation.dt=\"1 ms,0.5 ms,0.1 ms\"").unwrap();
        assert_eq!(dt.values, vec![Value::Float(1e-3), Value::Float(0.5e-3), Value::Float(0.1e-3)]);
        let crossing = Axis::parse("simulation.crossing=grid,bridge").unwrap();
        assert_eq!(crossing.values[1], Value::Str("bridge".into()));
        for bad in [
            "input.i_mean",
            "input.i_mean=1 ms:2 ms:3",
            "nope.key=1,2",
            "simulation.crossing=a:b:2",
            "simulation.n=1:2:0",
        ] {
            assert!(Axis::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(points(&[]).len(), 1);
    }

    /// Keys joined by `+` take each value together: Brunel's g moves both inhibitory weights.
    #[test]
    fn joint_keys_move_together() {
        let base = Config::from_toml_str(
            "[simulation]\ndt = \"0.1 ms\"\n[[population]]\nname = \"E\"\nn = 8\n[[population]]\nname = \"I\"\nn = 2\n\
             [[connection]]\nfrom = \"I\"\nto = \"E\"\nin_degree = 1\n[[connection]]\nfrom = \"I\"\nto = \"I\"\nin_degree = 1\n",
        )
        .unwrap();
        let axis = Axis::parse("connection.I->E.weight+connection.I->I.weight=-0.4mV:-0.6mV:3").unwrap();
        assert_eq!(axis.key, "connection.I->E.weight+connection.I->I.weight");
        let sweep = Sweep::new(&base, vec![axis]).unwrap();
        for (point, expected) in sweep.points().iter().zip([-0.4e-3, -0.5e-3, -0.6e-3]) {
            let weights: Vec<f64> = point.config.connections.iter().map(|c| c.weight).collect();
            assert!(weights.iter().all(|w| (w - expected).abs() < 1e-15), "{weights:?}");
        }
        // Keys of different kinds cannot be joined; a network key of a missing population fails at its point.
        assert!(Axis::parse("connection.I->E.weight+population.E.n=1,2").is_err());
        let missing = Axis::parse("population.X.n=1,2").unwrap();
        assert!(matches!(Sweep::new(&base, vec![missing]), Err(Error::AtPoint { .. })));
    }
}
