//! Adaptive Gauss-Kronrod (7-15 point) quadrature of smooth functions on a finite interval.

/// Positive Kronrod nodes of the 15-point rule on [-1, 1]; odd indices are the 7-point Gauss
/// nodes, the last is 0 (Kronrod 1965; the values tabulated in QUADPACK, Piessens et al. 1983).
const NODES: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];

/// Kronrod weights for [`NODES`].
const KRONROD: [f64; 8] = [
    0.022_935_322_010_529_225,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];

/// Gauss weights for `NODES[1], NODES[3], NODES[5], NODES[7]`.
const GAUSS: [f64; 4] =
    [0.129_484_966_168_869_7, 0.279_705_391_489_276_7, 0.381_830_050_505_118_9, 0.417_959_183_673_469_4];

/// Deepest bisection; 2^-30 of the interval is far below any feature of our integrands.
const MAX_DEPTH: u32 = 30;

/// A piece is done when its error estimate is at the level of rounding in its own value.
const ROUNDOFF: f64 = 1e-14;

/// `int_a^b f(x) dx` by adaptive bisection until the Kronrod-Gauss difference on each piece is
/// below `rel_tol` times the magnitude of the whole (estimated from a first pass).
/// Returns 0 for `a == b` and `-int_b^a` for `b < a`.
pub(crate) fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64, rel_tol: f64) -> f64 {
    if a == b {
        return 0.0;
    }
    let (whole, _) = kronrod(&f, a, b);
    let tol = rel_tol * whole.abs().max(f64::MIN_POSITIVE);
    refine(&f, a, b, tol, 0)
}

fn refine(f: &impl Fn(f64) -> f64, a: f64, b: f64, tol: f64, depth: u32) -> f64 {
    let (k, error) = kronrod(f, a, b);
    if error <= tol || error <= ROUNDOFF * k.abs() || depth >= MAX_DEPTH || !error.is_finite() {
        return k;
    }
    let mid = 0.5 * (a + b);
    refine(f, a, mid, tol / 2.0, depth + 1) + refine(f, mid, b, tol / 2.0, depth + 1)
}

/// The 15-point Kronrod estimate on [a, b] and its difference from the embedded 7-point Gauss rule.
fn kronrod(f: &impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let (center, half) = (0.5 * (a + b), 0.5 * (b - a));
    let mid = f(center);
    let (mut k, mut g) = (KRONROD[7] * mid, GAUSS[3] * mid);
    for i in 0..7 {
        let pair = f(center - half * NODES[i]) + f(center + half * NODES[i]);
        k += KRONROD[i] * pair;
        if i % 2 == 1 {
            g += GAUSS[i / 2] * pair;
        }
    }
    (k * half, ((k - g) * half).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_the_interval_length() {
        let kronrod: f64 = KRONROD[7] + 2.0 * KRONROD[..7].iter().sum::<f64>();
        let gauss: f64 = GAUSS[3] + 2.0 * GAUSS[..3].iter().sum::<f64>();
        assert!((kronrod - 2.0).abs() < 1e-15 && (gauss - 2.0).abs() < 1e-15);
    }

    #[test]
    fn exact_for_polynomials_and_accurate_for_smooth_functions() {
        // The 15-point Kronrod rule is exact up to degree 22.
        let (k, _) = kronrod(&|x: f64| x.powi(22), -1.0, 1.0);
        assert!((k - 2.0 / 23.0).abs() < 1e-15);
        assert!((integrate(|x| x * x, 0.0, 1.0, 1e-12) - 1.0 / 3.0).abs() < 1e-15);
        assert!((integrate(f64::exp, 0.0, 10.0, 1e-13) - (10f64.exp() - 1.0)).abs() < 1e-13 * 10f64.exp());
        let peak = integrate(|x| 1.0 / (1e-6 + x * x), -1.0, 1.0, 1e-12);
        let exact = 2.0 * (1.0 / 1e-3f64).atan() / 1e-3;
        assert!(((peak - exact) / exact).abs() < 1e-10, "{peak} vs {exact}");
        assert_eq!(integrate(f64::exp, 1.0, 1.0, 1e-12), 0.0);
    }
}
