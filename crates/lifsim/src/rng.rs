//! Counter-based random streams keyed by (seed, stream, neuron, sample): Philox4x32-10.
//!
//! Every random number lifsim draws is a pure function of the seed, what it is for
//! ([`Stream`]), the neuron index and the sample index. A neuron's noise therefore never
//! depends on the ensemble size, the chunking or the thread count, and a GPU backend can
//! draw the very same numbers. Philox4x32-10 (Salmon et al., "Parallel random numbers: as
//! easy as 1, 2, 3", SC'11) is hand-written here because it is the innermost loop of every
//! noisy run and must inline and vectorize across neurons; it is checked against the
//! Random123 known-answer vectors.
//!
//! Layout: sample `s` of a stream uses Philox block `s / 4`, word `s % 4`, with counter
//! `[s / 4, stream, neuron_lo, neuron_hi]` and key `[seed_lo, seed_hi]`. Normal samples come
//! in pairs from a block's words (0, 1) and (2, 3) by Box-Muller ([`normal_pair`]); its
//! logarithm and sine/cosine are the polynomials of [`ln_open`] and [`unit_circle`] rather than
//! libm, so the engine evaluates them for many neurons at once in SIMD registers, every CPU
//! (and a GPU) gets the same bits, and `tests/value_stability.rs` pins the first values.
//! (Earlier builds used libm's `ln` and `sin_cos` and the angle `2 pi u`; the normal streams
//! changed with the polynomials, the Philox words and uniform streams did not.)

/// Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011, table 2).
const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// The Philox4x32 bijection with 10 rounds: four 32-bit words from a counter and a key.
///
/// ```
/// // Random123 known-answer vector "philox4x32 10", all zeros.
/// assert_eq!(
///     lifsim::rng::philox4x32_10([0; 4], [0; 2]),
///     [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
/// );
/// ```
#[inline(always)]
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let [mut c0, mut c1, mut c2, mut c3] = counter;
    let [mut k0, mut k1] = key;
    for round in 0..10 {
        if round > 0 {
            k0 = k0.wrapping_add(PHILOX_W0);
            k1 = k1.wrapping_add(PHILOX_W1);
        }
        let p0 = u64::from(PHILOX_M0) * u64::from(c0);
        let p1 = u64::from(PHILOX_M1) * u64::from(c2);
        (c0, c1, c2, c3) = (((p1 >> 32) as u32) ^ c1 ^ k0, p1 as u32, ((p0 >> 32) as u32) ^ c3 ^ k1, p0 as u32);
    }
    [c0, c1, c2, c3]
}

/// What a stream of random numbers is used for; part of the Philox counter so that the
/// streams of different uses never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Stream {
    /// The per-step input noise of a neuron.
    InputNoise = 1,
    /// Random initial state (the OU noise current at t = 0).
    InitialState = 2,
    /// Reserved for sub-step threshold crossing decisions.
    Crossing = 3,
}

/// The four words of Philox block `block` for `neuron` in `stream`.
#[inline(always)]
pub fn block(seed: u64, stream: Stream, neuron: u64, block: u32) -> [u32; 4] {
    philox4x32_10([block, stream as u32, neuron as u32, (neuron >> 32) as u32], [seed as u32, (seed >> 32) as u32])
}

/// A uniform number in the open interval (0, 1) from 32 random bits: `(u + 1/2) / 2^32`.
#[inline(always)]
pub fn uniform_open(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) * (1.0 / 4_294_967_296.0)
}

/// A uniform number in (-1, 1), symmetric about 0, from 32 random bits.
#[inline(always)]
pub fn uniform_symmetric(bits: u32) -> f64 {
    (f64::from(bits) + 0.5) * (1.0 / 2_147_483_648.0) - 1.0
}

/// `ln(u)` for the open uniform `u = (bits + 1/2) / 2^32`, branch-free and without libm.
///
/// `bits + 1/2 = 2^e m` with `m` in `[sqrt(1/2), sqrt(2))`, and
/// `ln m = 2 atanh(t) = 2 (t + t^3/3 + ... + t^17/17)`, `t = (m - 1)/(m + 1)`, `|t| < 0.172`:
/// the truncation error is below 1e-16 and the result is within a few ulp of `f64::ln`. Only
/// IEEE add, multiply, divide and bit operations are used, in a fixed order (no fused
/// multiply-add), so the value is the same on every CPU, SIMD width and on a GPU, and a loop of
/// it vectorizes.
#[inline(always)]
pub fn ln_open(bits: u32) -> f64 {
    const MANTISSA: u64 = (1 << 52) - 1;
    const ONE: u64 = 0x3FF0_0000_0000_0000;
    // 2^52, as a double; `from_bits(2^52 bits | small)` minus it gives `small` exactly.
    const TWO_52: u64 = 0x4330_0000_0000_0000;
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let x = f64::from(bits) + 0.5;
    let raw = x.to_bits();
    let mut m = f64::from_bits((raw & MANTISSA) | ONE);
    // Exponent field of x, plus one when m is folded into [sqrt(1/2), sqrt(2)).
    let big = m > std::f64::consts::SQRT_2;
    m = if big { 0.5 * m } else { m };
    let field = f64::from_bits((raw >> 52) | TWO_52) - f64::from_bits(TWO_52);
    // u = x 2^-32, x = 2^(field - 1023) m.
    let k = field + if big { 1.0 } else { 0.0 } - (1023.0 + 32.0);
    let t = (m - 1.0) / (m + 1.0);
    let z = t * t;
    let series = 1.0 / 3.0
        + z * (1.0 / 5.0
            + z * (1.0 / 7.0
                + z * (1.0 / 9.0 + z * (1.0 / 11.0 + z * (1.0 / 13.0 + z * (1.0 / 15.0 + z * (1.0 / 17.0)))))));
    let ln_m = 2.0 * t + (2.0 * t) * (z * series);
    k * LN2_HI + (k * LN2_LO + ln_m)
}

/// The point `(cos a, sin a)` on the unit circle for the angle `a` of 32 random bits.
///
/// The top two bits pick a quarter turn `q`, the other 30 an angle `th` uniform in
/// `(-pi/4, pi/4)` (at their centres), and `a = q pi/2 + th`: uniform on the circle. `cos th`
/// and `sin th` are their Taylor polynomials to degree 16 and 15 (error below 1e-16), the quarter
/// turn a swap and sign flips; branch-free, fixed operation order, no libm (see [`ln_open`]).
#[inline(always)]
pub fn unit_circle(bits: u32) -> [f64; 2] {
    let q = bits >> 30;
    let th = ((f64::from(bits & 0x3FFF_FFFF) + 0.5) * (1.0 / 1_073_741_824.0) - 0.5) * std::f64::consts::FRAC_PI_2;
    let z = th * th;
    let sin = th
        + th * z
            * (-1.0 / 6.0
                + z * (1.0 / 120.0
                    + z * (-1.0 / 5040.0
                        + z * (1.0 / 362_880.0
                            + z * (-1.0 / 39_916_800.0
                                + z * (1.0 / 6_227_020_800.0 + z * (-1.0 / 1_307_674_368_000.0)))))));
    let cos = 1.0
        + z * (-0.5
            + z * (1.0 / 24.0
                + z * (-1.0 / 720.0
                    + z * (1.0 / 40_320.0
                        + z * (-1.0 / 3_628_800.0
                            + z * (1.0 / 479_001_600.0
                                + z * (-1.0 / 87_178_291_200.0 + z * (1.0 / 20_922_789_888_000.0))))))));
    // Rotating (cos, sin) by q quarter turns: q odd swaps the two; x flips sign for q = 1, 2
    // and y for q = 2, 3.
    let odd = q & 1 == 1;
    let (x, y) = if odd { (sin, cos) } else { (cos, sin) };
    let flip_x = u64::from((q ^ (q >> 1)) & 1) << 63;
    let flip_y = u64::from(q >> 1) << 63;
    [f64::from_bits(x.to_bits() ^ flip_x), f64::from_bits(y.to_bits() ^ flip_y)]
}

/// Two independent standard normal numbers from 64 random bits (Box-Muller):
/// `sqrt(-2 ln u) (cos a, sin a)` with `u` from [`ln_open`] and `a` from [`unit_circle`].
///
/// With 32-bit uniforms the largest magnitude is sqrt(2 ln 2^33) = 6.77; the tail beyond it
/// has probability 1.3e-11 and is irrelevant for membrane noise.
#[inline(always)]
pub fn normal_pair(bits_radius: u32, bits_angle: u32) -> [f64; 2] {
    let radius = (-2.0 * ln_open(bits_radius)).sqrt();
    let [x, y] = unit_circle(bits_angle);
    [radius * x, radius * y]
}

/// The four standard normals of one Philox block, in sample order.
#[inline(always)]
pub fn normals(words: [u32; 4]) -> [f64; 4] {
    let [a, b] = normal_pair(words[0], words[1]);
    let [c, d] = normal_pair(words[2], words[3]);
    [a, b, c, d]
}

/// Sample `sample` of `neuron`'s stream as a standard normal number (slow path; the engine
/// fills four samples per block at once).
///
/// ```
/// use lifsim::rng::{normal_sample, Stream};
/// let x = normal_sample(42, Stream::InputNoise, 7, 3);
/// assert_eq!(x, normal_sample(42, Stream::InputNoise, 7, 3));
/// assert_ne!(x, normal_sample(42, Stream::InputNoise, 8, 3));
/// ```
pub fn normal_sample(seed: u64, stream: Stream, neuron: u64, sample: u64) -> f64 {
    normals(block(seed, stream, neuron, (sample / 4) as u32))[(sample % 4) as usize]
}

/// Sample `sample` of `neuron`'s stream as a uniform number in (-1, 1) (slow path).
pub fn symmetric_sample(seed: u64, stream: Stream, neuron: u64, sample: u64) -> f64 {
    uniform_symmetric(block(seed, stream, neuron, (sample / 4) as u32)[(sample % 4) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123 `tests/kat_vectors`, the three "philox4x32 10" lines: counter, key, output.
    #[test]
    fn matches_random123_known_answers() {
        let vectors: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
            ([0; 4], [0; 2], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]),
            ([u32::MAX; 4], [u32::MAX; 2], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]),
            (
                [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
                [0xa4093822, 0x299f31d0],
                [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
            ),
        ];
        for (counter, key, expected) in vectors {
            assert_eq!(philox4x32_10(counter, key), expected);
        }
    }

    #[test]
    fn uniforms_stay_inside_open_intervals() {
        for bits in [0, 1, u32::MAX / 2, u32::MAX - 1, u32::MAX] {
            let u = uniform_open(bits);
            assert!(u > 0.0 && u < 1.0);
            let s = uniform_symmetric(bits);
            assert!(s > -1.0 && s < 1.0);
        }
        assert_eq!(uniform_symmetric(u32::MAX / 2) + uniform_symmetric(u32::MAX / 2 + 1), 0.0);
    }

    /// Kolmogorov-Smirnov test of 200 000 normals against the standard normal CDF.
    /// The 0.1% critical value of D is 1.949 / sqrt(N).
    #[test]
    fn normals_pass_kolmogorov_smirnov() {
        let mut xs: Vec<f64> =
            (0..50_000u32).flat_map(|i| normals(block(2017, Stream::InputNoise, u64::from(i), 0))).collect();
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        let d = xs
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let cdf = 0.5 * puruspe::erfc(-x / std::f64::consts::SQRT_2);
                (cdf - i as f64 / n).abs().max((cdf - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max);
        assert!(d < 1.949 / n.sqrt(), "KS distance {d}");
    }

    /// The fast logarithm and circle agree with libm to a few ulp over the whole range.
    #[test]
    fn fast_transcendentals_match_libm() {
        let probes = (0..=u32::MAX).step_by(65_537).chain([0, 1, 2, 3, 1 << 30, (1 << 31) - 1, u32::MAX]);
        for bits in probes {
            let ln = uniform_open(bits).ln();
            assert!((ln_open(bits) - ln).abs() <= 4.0 * f64::EPSILON * ln.abs().max(1.0), "ln at {bits}");
            let a = std::f64::consts::FRAC_PI_2
                * (f64::from(bits >> 30) + (f64::from(bits & 0x3FFF_FFFF) + 0.5) / 1_073_741_824.0 - 0.5);
            let [x, y] = unit_circle(bits);
            assert!((x - a.cos()).abs() < 4.0 * f64::EPSILON && (y - a.sin()).abs() < 4.0 * f64::EPSILON, "{bits}");
        }
    }

    #[test]
    fn streams_of_different_neurons_seeds_and_uses_differ() {
        let base = block(1, Stream::InputNoise, 0, 0);
        assert_ne!(base, block(2, Stream::InputNoise, 0, 0));
        assert_ne!(base, block(1, Stream::InitialState, 0, 0));
        assert_ne!(base, block(1, Stream::InputNoise, 1 << 32, 0));
        assert_ne!(base, block(1, Stream::InputNoise, 0, 1));
    }
}
