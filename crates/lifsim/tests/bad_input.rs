//! Bad input: every invalid configuration is an `Err` whose message names the key and says
//! what would be valid. Valid-but-suspicious setups build and carry a warning.

mod common;
use common::{config, int, s};
use lifsim::{Config, Error, Value};

/// `Config::set(key, value)` must fail, naming `key` and containing `valid`.
#[track_caller]
fn set_fails(key: &str, value: Value, valid: &str) -> Error {
    let err = Config::default().set(key, &value).expect_err(&format!("{key} = {value:?} must be rejected"));
    let text = err.to_string();
    assert!(text.contains(key), "message must name {key}: {text}");
    assert!(text.contains(valid), "message must say {valid:?}: {text}");
    err
}

/// Setting `settings` works, but `build` must fail naming `key` and containing `valid`.
#[track_caller]
fn build_fails(settings: &[(&str, Value)], key: &str, valid: &str) -> Error {
    let err = config(settings).build().expect_err(&format!("{settings:?} must not build"));
    let text = err.to_string();
    assert!(text.contains(key), "message must name {key}: {text}");
    assert!(text.contains(valid), "message must say {valid:?}: {text}");
    match &err {
        Error::Param(p) => assert_eq!(p.key, key),
        other => panic!("expected a parameter error for {key}, got {other:?}"),
    }
    err
}

#[test]
fn unknown_keys_and_sections() {
    let err = set_fails("neuron.tau", Value::Float(1.0), "did you mean `neuron.tau_m`");
    assert!(matches!(err, Error::UnknownKey { .. }));
    assert!(err.to_string().contains("valid keys"), "{err}");
    set_fails("simulation.steps", int(10), "valid keys: simulation.t_max");
    set_fails("nueron.tau_m", int(1), "neuron.tau_m");

    let err = Config::from_toml_str("[nueron]\ntau_m = \"20 ms\"\n").unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::UnknownKey { .. }), "{err:?}");
    assert!(text.contains("nueron"), "{text}");
    assert!(text.contains("neuron"), "suggests or lists the right section: {text}");

    let err = Config::from_toml_str("[neuron]\ntau = \"20 ms\"\n").unwrap_err();
    assert!(err.to_string().contains("neuron.tau"), "{err}");
    assert!(err.to_string().contains("neuron.tau_m"), "{err}");
    // A top-level value that is not a section.
    let err = Config::from_toml_str("dt = 0.001\n").unwrap_err();
    assert!(err.to_string().contains("dt"), "{err}");
    assert!(err.to_string().contains("valid sections"), "{err}");
}

#[test]
fn wrong_units_name_the_key_and_the_expected_dimension() {
    set_fails("neuron.tau_m", s("20 mV"), "a time");
    let err = set_fails("neuron.tau_m", s("20 mV"), "voltage");
    assert!(err.to_string().contains("20 ms"), "gives an example: {err}");
    set_fails("input.i_mean", s("100 uohm"), "a current");
    set_fails("input.i_mean", s("100 uohm"), "resistance");
    set_fails("neuron.r_m", s("100 MA"), "a resistance");
    set_fails("simulation.dt", s("1 parsec"), "unknown unit");
    set_fails("simulation.dt", s("fast"), "a time");
    set_fails("simulation.n", s("many"), "a whole number");
    set_fails("simulation.n", Value::Float(2.5), "a whole number");
    set_fails("simulation.n", int(-3), "a whole number from 1");
    set_fails("simulation.method", s("rk4"), "\"euler\", \"exact\"");
    set_fails("input.noise", s("pink"), "\"white\"");
    set_fails("input.kind", s("ramp"), "\"sine\"");
    set_fails("record.hist_times", Value::List(vec![s("1 ms"), s("2 mV")]), "a list of");
    // Through TOML as well.
    let err = Config::from_toml_str("[input]\ni_mean = \"100 uohm\"\n").unwrap_err();
    assert!(err.to_string().contains("input.i_mean"), "{err}");
    let err = Config::from_toml_str("[neuron]\ntau_m = { value = 20 }\n").unwrap_err();
    assert!(err.to_string().contains("neuron.tau_m"), "{err}");
}

#[test]
fn nan_and_infinities_are_rejected() {
    set_fails("neuron.e_l", Value::Float(f64::NAN), "finite");
    set_fails("neuron.e_l", Value::Float(f64::INFINITY), "finite");
    set_fails("simulation.t_max", Value::Float(f64::NEG_INFINITY), "finite");
    set_fails("neuron.v_th", Value::Float(f64::NAN), "finite");
    for text in ["inf", "-inf", "inf ms", "NaN", "nan mV", "1e999 s"] {
        let key = if text.contains("mV") { "neuron.v_reset" } else { "simulation.dt" };
        let err = set_fails(key, s(text), if key == "simulation.dt" { "a time" } else { "a voltage" });
        assert!(matches!(err, Error::Param(_)), "{text}: {err:?}");
    }
    let err = Config::from_toml_str("[neuron]\ne_l = nan\n").unwrap_err();
    assert!(err.to_string().contains("neuron.e_l"), "{err}");
    let err = Config::from_toml_str("[simulation]\nt_max = inf\n").unwrap_err();
    assert!(err.to_string().contains("simulation.t_max"), "{err}");
}

#[test]
fn out_of_range_values_fail_at_build() {
    build_fails(&[("simulation.dt", s("0 ms"))], "simulation.dt", "a positive time");
    build_fails(&[("simulation.dt", s("-1 ms"))], "simulation.dt", "a positive time");
    build_fails(
        &[("simulation.dt", s("200 ms")), ("simulation.method", s("exact"))],
        "simulation.dt",
        "no larger than simulation.t_max",
    );
    build_fails(&[("simulation.t_max", s("0 s"))], "simulation.t_max", "a positive time");
    // Counts outside their range are refused when set, with the same words for every bad value.
    for bad in [int(0), int(-1), int(4_294_967_296), Value::Float(2.5), s("-3")] {
        set_fails("simulation.n", bad, "a whole number from 1 to 4294967295");
    }
    build_fails(&[("neuron.t_ref", s("-1 ms"))], "neuron.t_ref", "a time >= 0");
    build_fails(&[("neuron.v_th", s("-70 mV"))], "neuron.v_th", "above neuron.v_reset");
    build_fails(&[("neuron.v_th", s("-80 mV"))], "neuron.v_th", "above neuron.v_reset");
    build_fails(&[("neuron.tau_m", s("0 ms"))], "neuron.tau_m", "a positive time");
    build_fails(&[("neuron.tau_m", s("-20 ms"))], "neuron.tau_m", "a positive time");
    build_fails(&[("neuron.r_m", s("0 ohm"))], "neuron.r_m", "a positive resistance");
    set_fails("record.every", int(0), "a whole number from 1 to 4294967295");
    set_fails("record.hist_bins", int(0), "a whole number from 1 to 100000");
    set_fails("record.hist_bins", int(100_001), "a whole number from 1 to 100000");
    // A seed takes every u64, and only those.
    let mut seeded = Config::default();
    seeded.set("simulation.seed", &Value::from(u64::MAX)).unwrap();
    assert_eq!(seeded.simulation.seed, u64::MAX);
    set_fails("simulation.seed", Value::Int(i128::from(u64::MAX) + 1), "a whole number from 0 to 18446744073709551615");
    build_fails(&[("input.noise", s("ou")), ("input.tau_noise", s("0 ms"))], "input.tau_noise", "a positive time");
    build_fails(&[("input.noise", s("white")), ("input.sigma_v", s("-1 mV"))], "input.sigma_v", ">= 0");
    build_fails(
        &[("input.kind", s("step")), ("input.start", s("50 ms")), ("input.stop", s("20 ms"))],
        "input.stop",
        "after input.start",
    );
}

/// `simulation.crossing = "precise"` only where it is implemented: white noise or none with
/// exact integration, not in a network; each refusal names the key and what is valid.
#[test]
fn precise_crossing_is_refused_where_it_does_not_apply() {
    let precise = ("simulation.crossing", s("precise"));
    let exact = ("simulation.method", s("exact"));
    for noise in ["tutorial", "ou", "poisson"] {
        build_fails(
            &[precise.clone(), exact.clone(), ("input.noise", s(noise))],
            "simulation.crossing",
            "\"white\" or \"none\"",
        );
    }
    build_fails(
        &[precise.clone(), ("input.noise", s("white"))],
        "simulation.crossing",
        "simulation.method = \"exact\"",
    );
    let mut network = Config::from_toml_str(
        "[simulation]\ncrossing = \"precise\"\nmethod = \"exact\"\n[[population]]\nname = \"E\"\nn = 10\n",
    )
    .expect("valid TOML");
    let err = network.build().expect_err("a network refuses precise crossings");
    assert!(err.to_string().contains("simulation.crossing") && err.to_string().contains("in a network"), "{err}");
    network.set("simulation.crossing", &s("grid")).expect("valid");
    assert!(network.build().is_ok());
    for noise in ["white", "none"] {
        assert!(config(&[precise.clone(), exact.clone(), ("input.noise", s(noise))]).build().is_ok());
    }
}

#[test]
fn euler_instability_is_rejected_but_exact_accepts_it() {
    // dt >= 2 tau_m makes |1 - dt/tau_m| >= 1.
    for (tau_m, dt) in [("0.5 ms", "1 ms"), ("0.4 ms", "1 ms"), ("10 ms", "25 ms")] {
        let settings = [("neuron.tau_m", s(tau_m)), ("simulation.dt", s(dt))];
        let err = build_fails(&settings, "simulation.dt", "stable Euler step");
        assert!(err.to_string().contains("exact"), "suggests the exact method: {err}");
        let mut exact = settings.to_vec();
        exact.push(("simulation.method", s("exact")));
        let sim = config(&exact).build().expect("exact is stable for any dt");
        let rec = lifsim::run(&sim).unwrap();
        assert!(rec.v_mean.iter().all(|v| v.is_finite()));
    }
    // Just below the limit Euler builds.
    config(&[("neuron.tau_m", s("0.51 ms"))]).build().unwrap();
    // The OU noise's own Euler step: dt >= 2 tau_noise.
    build_fails(&[("input.noise", s("ou")), ("input.tau_noise", s("0.5 ms"))], "input.tau_noise", "stable Euler step");
    config(&[("input.noise", s("ou")), ("input.tau_noise", s("0.5 ms")), ("simulation.method", s("exact"))])
        .build()
        .unwrap();
}

#[test]
fn malformed_toml_is_an_error_that_says_where() {
    for text in [
        "[neuron\ntau_m = \"20 ms\"\n",
        "[neuron]\ntau_m = \"20 ms\n",
        "[neuron]\ntau_m = = 3\n",
        "[neuron]\ntau_m = 1\ntau_m = 2\n",
    ] {
        let err = Config::from_toml_str(text).unwrap_err();
        assert!(matches!(err, Error::Malformed(_)), "{text:?}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains("malformed"), "{msg}");
        assert!(msg.contains("line"), "points at a line: {msg}");
    }
    // Valid TOML reads on top of the defaults.
    let c = Config::from_toml_str("[neuron]\ntau_m = \"10 ms\"\n[simulation]\nn = 3\n").unwrap();
    assert_eq!((c.neuron.tau_m, c.simulation.n), (10e-3, 3));
    assert_eq!(c.neuron.e_l, -60e-3);
}

#[test]
fn record_settings_must_fit_the_run() {
    build_fails(&[("simulation.n", int(5)), ("record.traces", int(6))], "record.traces", "at most simulation.n = 5");
    config(&[("simulation.n", int(5)), ("record.traces", int(5))]).build().unwrap();
    for bad in ["200 ms", "-1 ms", "150.001 ms"] {
        build_fails(
            &[("record.hist_times", Value::List(vec![s("10 ms"), s(bad)]))],
            "record.hist_times",
            "times from 0 to simulation.t_max = 150 ms",
        );
    }
    // The ends of [0, t_max] are valid and snap to the first and last grid points.
    let sim = config(&[("record.hist_times", Value::List(vec![s("0 s"), s("150 ms")]))]).build().unwrap();
    assert_eq!(sim.record().hist_steps, vec![0, 149]);
    // A single time is a list of one.
    let sim = config(&[("record.hist_times", s("20 ms"))]).build().unwrap();
    assert_eq!(sim.record().hist_steps, vec![20]);
}

#[test]
fn unreachable_threshold_warns_and_defaults_do_not() {
    assert!(Config::default().build().unwrap().warnings().is_empty());
    // mu = -60 mV + 100 Mohm * 50 pA = -55 mV < v_th = -50 mV, and no noise.
    let sim =
        config(&[("input.i_mean", s("50 pA")), ("input.noise", s("none"))]).build().expect("a silent neuron is valid");
    let warnings = sim.warnings();
    assert!(!warnings.is_empty());
    assert!(warnings[0].contains("threshold"), "{warnings:?}");
    assert!(warnings[0].contains("-55 mV"), "{warnings:?}");
    let rec = lifsim::run(&sim).unwrap();
    assert!(rec.spikes.is_empty(), "and indeed it never spikes");
    // The tutorial noise at 50 pA reaches -60 + 100M * (50 + 50 * 0.1 * sqrt(150)) pA
    // = -48.9 mV > -50 mV: no warning.
    let noisy = config(&[("input.i_mean", s("50 pA"))]).build().unwrap();
    assert!(noisy.warnings().is_empty(), "{:?}", noisy.warnings());
    // A sine that peaks above threshold: 50 pA + 100 pA amplitude -> -45 mV.
    let sine = config(&[
        ("input.i_mean", s("50 pA")),
        ("input.noise", s("none")),
        ("input.kind", s("sine")),
        ("input.amplitude", s("100 pA")),
    ])
    .build()
    .unwrap();
    assert!(sine.warnings().is_empty(), "{:?}", sine.warnings());
    // No threshold, no warning.
    let free = config(&[("input.i_mean", s("50 pA")), ("input.noise", s("none")), ("neuron.v_th", s("none"))])
        .build()
        .unwrap();
    assert!(free.warnings().is_empty());
}

/// Values outside the finite range of a 64-bit float, or whose exponent overflows, are refused
/// with the key named, never read as 0 or infinity.
#[test]
fn exponents_that_overflow_are_refused_not_wrapped() {
    for (key, text) in [
        ("neuron.t_ref", "1e2147483647 ks"),
        ("input.i_mean", "1e2147483645 GA"),
        ("simulation.t_max", "1e2147483647 ks"),
        ("simulation.dt", "1e-2147483648 ms"),
        ("simulation.t_max", "1e400 s"),
        ("neuron.tau_m", "1e-400 s"),
        ("neuron.tau_m", "1e99999999999999999999 s"),
    ] {
        let err = set_fails(key, s(text), "outside the range of a 64-bit float");
        assert!(matches!(err, Error::Param(_)), "{text}: {err:?}");
    }
    // The edges of the range still read exactly.
    let c = config(&[("neuron.tau_m", s("1e-300 s")), ("simulation.t_max", s("1e300 s"))]);
    assert_eq!((c.neuron.tau_m, c.simulation.t_max), (1e-300, 1e300));
}

/// A drive that would overflow V is refused up front, naming the key.
#[test]
fn a_drive_that_overflows_v_is_refused() {
    let err = build_fails(
        &[("input.i_mean", s("1e300 A")), ("simulation.method", s("exact"))],
        "input.i_mean",
        "stays within",
    );
    // The key's own value, in its own unit (amperes), not the voltage it would give.
    assert!(err.to_string().contains("input.i_mean = 1e291 GA is invalid"), "{err}");
    build_fails(&[("input.noise", s("white")), ("input.sigma_v", s("1e200 V"))], "input.sigma_v", "stays within");
    build_fails(&[("neuron.e_l", s("1e150 V")), ("neuron.v_th", s("none"))], "neuron.e_l", "stays within");
}

/// A huge value is echoed as an excerpt: the message stays short.
#[test]
fn messages_echo_at_most_an_excerpt_of_a_value() {
    let huge = "9".repeat(10_000_000);
    let err = set_fails("neuron.tau_m", s(&huge), "(10000002 characters)"); // with its quotes
    assert!(err.to_string().len() < 600, "{} bytes", err.to_string().len());
    let err = Config::default().set(&huge, &int(1)).unwrap_err();
    assert!(err.to_string().len() < 800, "{} bytes", err.to_string().len());
    let toml = format!("[neuron]\ntau_m = {}\n", "1".repeat(1_000_000));
    let err = Config::from_toml_str(&toml).unwrap_err();
    assert!(err.to_string().len() < 2000, "{} bytes", err.to_string().len());
}
