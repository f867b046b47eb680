//! `lifsim theory`: the theory's predictions for a configuration, as a table or JSON.

use crate::failure::Failure;
use crate::setup::ConfigArgs;
use clap::Args;
use lifsim::theory::TheoryValues;
use lifsim::units::{Dimension, display_quantity};

/// Arguments of `lifsim theory`.
#[derive(Args, Debug)]
pub struct TheoryArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print JSON (the `theory` object of summary.json) instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Prints the predictions for the configuration in `args`.
pub fn theory(args: &TheoryArgs) -> Result<(), Failure> {
    let (_, sim) = args.config.simulation()?;
    let values = TheoryValues::for_simulation(&sim);
    if args.json {
        let text = serde_json::to_string_pretty(&values).map_err(std::io::Error::other)?;
        println!("{text}");
        return Ok(());
    }
    let volt = |x: f64| display_quantity(x, Dimension::Voltage, 6);
    if let Some(populations) = &values.populations {
        println!("mean field (Brunel 2000): each population's self-consistent stationary state");
        for (name, theory) in &populations.0 {
            match theory {
                Some(t) => println!(
                    "{name:<12} rate {:>12.6} Hz   ISI CV {:>8.4}   mu {:>12}   sigma_v {:>12}",
                    t.rate_hz,
                    t.cv_isi,
                    volt(t.mu_v),
                    volt(t.sigma_v)
                ),
                None => println!(
                    "{name:<12} n/a (the mean field needs constant drive, a threshold and white, tutorial, Poisson or no noise, and a stationary state)"
                ),
            }
        }
        return Ok(());
    }
    let rows: [(&str, Option<String>); 10] = [
        ("mu = e_l + r_m i_mean", Some(volt(sim.mu()))),
        ("white-noise sigma_v", lifsim::theory::equivalent_sigma_v(&sim).map(volt)),
        ("firing rate (Siegert / deterministic)", values.rate_hz.map(|r| format!("{r:.6} Hz"))),
        ("ISI CV (Brunel 2000)", values.cv_isi.map(|c| format!("{c:.6}"))),
        ("deterministic ISI", values.isi_deterministic_s.map(|t| display_quantity(t, Dimension::Time, 6))),
        ("free V mean, last step (exact, discrete)", values.v_mean_final.map(volt)),
        ("free V std, last step (exact, discrete)", values.v_var_final.map(|v| volt(v.sqrt()))),
        ("free V mean, stationary (continuous)", values.v_mean_stationary.map(volt)),
        ("free V std, stationary (continuous)", values.v_var_stationary.map(|v| volt(v.sqrt()))),
        (
            "grid spikes: first step, ISI steps",
            lifsim::theory::grid_spike_steps(&sim).map(|g| format!("{}, {}", g.first, g.isi)),
        ),
    ];
    for (name, value) in rows {
        println!("{name:<42} {}", value.unwrap_or_else(|| "n/a".into()));
    }
    Ok(())
}
