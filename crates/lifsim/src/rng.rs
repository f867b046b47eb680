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
//! in pairs from a block's words (0, 1) and (2, 3) by Box-Muller in single precision
//! ([`normal_pair`]); its logarithm and sine/cosine are the polynomials of
//! [`minus_two_ln_uniform`] and [`unit_circle`] rather than libm, so the engine evaluates them
//! for 16 neurons at once in AVX-512 registers, every CPU (and a GPU) gets the same bits, and
//! `tests/value_stability.rs` pins the first values. (Earlier builds used an f64 transform;
//! the normal streams changed with it, the Philox words and uniform streams did not.)
//!
//! [`ChunkStreams`] holds, per neuron, the part of Philox rounds 0 and 1 that does not depend
//! on the block index, so the engine computes 8 of the 10 rounds per block; it gives the same
//! words as [`philox4x32_10`] (tested).

/// Philox4x32 round multipliers and Weyl key increments (Salmon et al. 2011, table 2).
pub(crate) const PHILOX_M0: u32 = 0xD251_1F53;
pub(crate) const PHILOX_M1: u32 = 0xCD9E_8D57;
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
    /// Sub-step threshold crossing decisions (the Brownian bridge's uniforms).
    Crossing = 3,
    /// The counts of Poisson input spikes (one 64-bit word per neuron, step and input rate).
    PoissonInput = 4,
    /// A network's connections: the sources each target draws (keyed by the target, the
    /// projection in the counter word's upper 24 bits, see [`connection_block`]).
    Connectivity = 5,
    /// Precise spike timing: within-step first-passage times and the noise of partial steps
    /// (keyed by neuron and step, a draw index in the counter word's upper 24 bits, see
    /// [`spike_time_block`]).
    SpikeTime = 6,
}

/// The four words of Philox block `block` for `neuron` in `stream`.
#[inline(always)]
pub fn block(seed: u64, stream: Stream, neuron: u64, block: u32) -> [u32; 4] {
    philox4x32_10([block, stream as u32, neuron as u32, (neuron >> 32) as u32], [seed as u32, (seed >> 32) as u32])
}

/// The four words of Philox block `block` of the connection stream of projection
/// `projection` for target neuron `target`: counter `[block, 5 + (projection << 8), target_lo,
/// target_hi]`, so that each projection's synapses have their own stream and a network's
/// wiring is the same whatever builds it.
#[inline(always)]
pub fn connection_block(seed: u64, projection: u32, target: u64, block: u32) -> [u32; 4] {
    let stream = Stream::Connectivity as u32 | (projection << 8);
    philox4x32_10([block, stream, target as u32, (target >> 32) as u32], [seed as u32, (seed >> 32) as u32])
}

/// The four words of draw `draw` (below 2^24) of the precise-timing stream of `neuron` in the
/// update with sample index `sample` (the update to step `sample + 1`): counter `[sample,
/// 6 + (draw << 8), neuron_lo, neuron_hi]`. A step may need several draws (a spike's time, the
/// noise of the rest of the step, a second spike), each its own block, so that the numbers
/// depend only on (seed, neuron, step, draw) and never on the thread count.
///
/// ```
/// let a = lifsim::rng::spike_time_block(7, 3, 10, 0);
/// assert_ne!(a, lifsim::rng::spike_time_block(7, 3, 10, 1));
/// assert_eq!(lifsim::rng::spike_time_block(7, 3, 10, 0), lifsim::rng::block(7, lifsim::rng::Stream::SpikeTime, 3, 10));
/// ```
#[inline(always)]
pub fn spike_time_block(seed: u64, neuron: u64, sample: u32, draw: u32) -> [u32; 4] {
    let stream = Stream::SpikeTime as u32 | (draw << 8);
    philox4x32_10([sample, stream, neuron as u32, (neuron >> 32) as u32], [seed as u32, (seed >> 32) as u32])
}

/// A uniform integer in `0..n` from 64 random bits, `(bits n) >> 64` (Lemire's multiply;
/// its bias, at most `n / 2^64`, is far below any statistical resolution).
///
/// ```
/// assert_eq!(lifsim::rng::uniform_below(u64::MAX, 10), 9);
/// assert_eq!(lifsim::rng::uniform_below(0, 10), 0);
/// ```
#[inline(always)]
pub fn uniform_below(bits: u64, n: u64) -> u64 {
    ((u128::from(bits) * u128::from(n)) >> 64) as u64
}

/// `key + r W` for round `r` of Philox (the Weyl key schedule), widened to a 64-bit lane.
#[inline(always)]
fn round_key(key: u32, weyl: u32, round: u32) -> u64 {
    u64::from(key.wrapping_add(weyl.wrapping_mul(round)))
}

/// Philox streams of a run of neurons `first .. first + len` (all with the same high 32 bits
/// of the index), with the block-independent part of rounds 0 and 1 done once.
///
/// With counter `[b, stream, n_lo, n_hi]`, round 0 multiplies `b` and `n_lo`; the product of
/// `n_lo` and everything round 1 derives from it alone depend only on the neuron, and the rest
/// only on `b`. Per neuron three 32-bit words are kept ([`ChunkStreams::block`] shows how they
/// are used); the engine's AVX-512 refill reads them 8 neurons at a time.
#[derive(Debug, Clone)]
pub struct ChunkStreams {
    seed: u64,
    stream: Stream,
    neuron_hi: u32,
    /// Low word of `M1 n_lo`: counter word 1 after round 0.
    pub(crate) after0_word1: Vec<u32>,
    /// High and low words of `M0 (hi(M1 n_lo) ^ stream ^ k0)`: the neuron's part of round 1.
    pub(crate) round1_hi: Vec<u32>,
    pub(crate) round1_lo: Vec<u32>,
}

/// The block-dependent values [`ChunkStreams::block`] combines with the per-neuron words, and
/// the round keys of rounds 2-9, as 64-bit lanes (the engine's layout).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockStart {
    /// Xored into `after0_word1` to give word 0 after round 1.
    pub word0: u64,
    /// Word 1 after round 1 (the same for every neuron).
    pub word1: u64,
    /// Xored into `round1_hi` to give word 2 after round 1.
    pub word2: u64,
    /// Keys of rounds 2-9: `(k0 + r W0, k1 + r W1)`.
    pub keys: [[u64; 2]; 8],
}

impl ChunkStreams {
    /// Precomputes the streams of `len` neurons from `first` (which must not cross a multiple
    /// of 2^32 with `first + len`).
    pub fn new(seed: u64, stream: Stream, first: u64, len: usize) -> Self {
        debug_assert_eq!(first >> 32, (first + len.max(1) as u64 - 1) >> 32, "neurons cross 2^32");
        let k0 = seed as u32;
        let (mut after0_word1, mut round1_hi, mut round1_lo) =
            (Vec::with_capacity(len), Vec::with_capacity(len), Vec::with_capacity(len));
        for j in 0..len as u64 {
            let p1 = u64::from(PHILOX_M1) * ((first + j) & 0xFFFF_FFFF);
            let word0 = (p1 >> 32) as u32 ^ stream as u32 ^ k0;
            let q0 = u64::from(PHILOX_M0) * u64::from(word0);
            after0_word1.push(p1 as u32);
            round1_hi.push((q0 >> 32) as u32);
            round1_lo.push(q0 as u32);
        }
        Self { seed, stream, neuron_hi: (first >> 32) as u32, after0_word1, round1_hi, round1_lo }
    }

    /// Number of neurons.
    pub fn len(&self) -> usize {
        self.after0_word1.len()
    }

    /// Whether there are no neurons.
    pub fn is_empty(&self) -> bool {
        self.after0_word1.is_empty()
    }

    /// The block-dependent half of rounds 0 and 1 for block `block`, and the later round keys.
    pub(crate) fn start(&self, block: u32) -> BlockStart {
        let (k0, k1) = (self.seed as u32, (self.seed >> 32) as u32);
        let p0 = u64::from(PHILOX_M0) * u64::from(block);
        let word2 = ((p0 >> 32) as u32) ^ self.neuron_hi ^ k1;
        let q1 = u64::from(PHILOX_M1) * u64::from(word2);
        BlockStart {
            word0: (q1 >> 32) ^ round_key(k0, PHILOX_W0, 1),
            word1: q1 & 0xFFFF_FFFF,
            word2: (p0 & 0xFFFF_FFFF) ^ round_key(k1, PHILOX_W1, 1),
            keys: std::array::from_fn(|r| {
                [round_key(k0, PHILOX_W0, r as u32 + 2), round_key(k1, PHILOX_W1, r as u32 + 2)]
            }),
        }
    }

    /// The four words of block `block` for neuron `first + j`: equal to
    /// [`block`]`(seed, stream, first + j, block)`, with rounds 0 and 1 taken from the
    /// precomputed words. The scalar form of what the engine's AVX-512 refill computes.
    ///
    /// ```
    /// use lifsim::rng::{block, ChunkStreams, Stream};
    /// let streams = ChunkStreams::new(7, Stream::InputNoise, 512, 256);
    /// assert_eq!(streams.block(5, 9), block(7, Stream::InputNoise, 517, 9));
    /// ```
    pub fn block(&self, j: usize, block: u32) -> [u32; 4] {
        let start = self.start(block);
        let mut c = [
            u64::from(self.after0_word1[j]) ^ start.word0,
            start.word1,
            u64::from(self.round1_hi[j]) ^ start.word2,
            u64::from(self.round1_lo[j]),
        ];
        for [key0, key1] in start.keys {
            c = philox_round_lanes(c, key0, key1);
        }
        c.map(|w| w as u32)
    }

    /// Writes the standard normals of block `block` of every neuron into `out` (`out[w][j]` =
    /// sample `4 block + w` of neuron `j`, as [`normals`] of [`ChunkStreams::block`]).
    ///
    /// Groups of 16 neurons in fixed-size arrays, so that the compiler vectorizes the Philox
    /// rounds and the transform across neurons in each SIMD copy of the engine (the AVX-512
    /// copy has a hand-written form of this in `crate::simd`); a tail of fewer than 16 neurons
    /// goes one by one.
    #[inline(always)]
    pub(crate) fn fill_normals(&self, block: u32, out: [&mut [f32]; 4]) {
        let [o0, o1, o2, o3] = out;
        let (start, len) = (self.start(block), self.len());
        // Plain loops, no closures: a closure is a function of its own that LLVM may leave
        // uninlined, and then it is compiled without the SIMD copy's target features (its
        // fused multiply-adds become calls to libm's `fmaf`: 20x slower on an AVX2 machine).
        for base in (0..len - len % GROUP).step_by(GROUP) {
            let [c0, c1, c2, c3] = self.group(&start, base);
            let (o0, o1, o2, o3) = (whole(o0, base), whole(o1, base), whole(o2, base), whole(o3, base));
            for i in 0..GROUP {
                [o0[i], o1[i]] = normal_pair(c0[i] as u32, c1[i] as u32);
                [o2[i], o3[i]] = normal_pair(c2[i] as u32, c3[i] as u32);
            }
        }
        for j in len - len % GROUP..len {
            [o0[j], o1[j], o2[j], o3[j]] = normals(self.block(j, block));
        }
    }

    /// Writes the four Philox words of block `block` of every neuron into `out` (`out[w][j]`
    /// = word `w` of neuron `j`'s block, as [`ChunkStreams::block`] gives it), vectorized as
    /// [`ChunkStreams::fill_normals`].
    ///
    /// ```
    /// use lifsim::rng::{ChunkStreams, Stream};
    /// let streams = ChunkStreams::new(3, Stream::PoissonInput, 0, 40);
    /// let mut words = [vec![0; 40], vec![0; 40], vec![0; 40], vec![0; 40]];
    /// let [w0, w1, w2, w3] = &mut words;
    /// streams.fill_words(11, [w0, w1, w2, w3]);
    /// assert_eq!([words[0][37], words[1][37], words[2][37], words[3][37]], streams.block(37, 11));
    /// ```
    #[inline(always)]
    pub fn fill_words(&self, block: u32, out: [&mut [u32]; 4]) {
        let [o0, o1, o2, o3] = out;
        let (start, len) = (self.start(block), self.len());
        for base in (0..len - len % GROUP).step_by(GROUP) {
            let [c0, c1, c2, c3] = self.group(&start, base);
            let (o0, o1, o2, o3) = (whole(o0, base), whole(o1, base), whole(o2, base), whole(o3, base));
            for i in 0..GROUP {
                (o0[i], o1[i], o2[i], o3[i]) = (c0[i] as u32, c1[i] as u32, c2[i] as u32, c3[i] as u32);
            }
        }
        for j in len - len % GROUP..len {
            [o0[j], o1[j], o2[j], o3[j]] = self.block(j, block);
        }
    }

    /// Philox rounds 2-9 of the block begun by `start` for the whole group of [`GROUP`]
    /// neurons from `base`: its four words (in the low halves of 64-bit lanes). Fixed-size
    /// arrays, so that the rounds vectorize across neurons in each SIMD copy of the engine.
    #[inline(always)]
    fn group(&self, start: &BlockStart, base: usize) -> [[u64; GROUP]; 4] {
        let group = |w: &[u32]| -> [u64; GROUP] {
            let w: &[u32; GROUP] = w[base..base + GROUP].try_into().expect("a whole group");
            w.map(u64::from)
        };
        let mut c0 = group(&self.after0_word1).map(|w| w ^ start.word0);
        let mut c1 = [start.word1; GROUP];
        let mut c2 = group(&self.round1_hi).map(|w| w ^ start.word2);
        let mut c3 = group(&self.round1_lo);
        for [key0, key1] in start.keys {
            for i in 0..GROUP {
                [c0[i], c1[i], c2[i], c3[i]] = philox_round_lanes([c0[i], c1[i], c2[i], c3[i]], key0, key1);
            }
        }
        [c0, c1, c2, c3]
    }

    /// The stream these words belong to.
    pub fn stream(&self) -> Stream {
        self.stream
    }
}

/// Neurons per group of [`ChunkStreams::fill_normals`] and [`ChunkStreams::fill_words`].
const GROUP: usize = 16;

/// The [`GROUP`] values of `o` from `base` as an array (a whole group).
#[inline(always)]
fn whole<T>(o: &mut [T], base: usize) -> &mut [T; GROUP] {
    (&mut o[base..base + GROUP]).try_into().expect("a whole group")
}

/// One Philox round on 32-bit words held in the low halves of 64-bit lanes (the high halves
/// are don't-care: the multiplies read only the low 32 bits, and callers truncate at the end).
/// This is the shape of the AVX-512 code: `vpmuludq`, a shift and a three-way xor.
#[inline(always)]
pub(crate) fn philox_round_lanes(c: [u64; 4], key0: u64, key1: u64) -> [u64; 4] {
    let p0 = u64::from(PHILOX_M0) * (c[0] & 0xFFFF_FFFF);
    let p1 = u64::from(PHILOX_M1) * (c[2] & 0xFFFF_FFFF);
    [(p1 >> 32) ^ c[1] ^ key0, p1, (p0 >> 32) ^ c[3] ^ key1, p0]
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

/// `ln(1 + f)/f = LN_POLY[0] + LN_POLY[1] f + ... + LN_POLY[7] f^7` on `f` in
/// `[sqrt(1/2) - 1, sqrt(2) - 1]`, relative error below 1.8e-7 (`LN_POLY[0] = 1` exactly).
///
/// The coefficients are a weighted least-squares fit iterated towards the minimax polynomial
/// (Chebyshev nodes, f64), rounded to f32; `fast_transcendentals_match_libm` checks the
/// resulting logarithm against libm over the whole input range (measured: within 2.4 f32
/// ulp). Degree 7 rather than 8 saves one multiply-add per pair of normals (`bench/RESULTS.md`).
const LN_POLY: [f32; 8] =
    [1.0, -0.500_002_86, 0.333_350_9, -0.249_733_85, 0.198_939_95, -0.172_015_59, 0.162_789_96, -0.103_479_97];
/// `ln 2` split so that `k LN2_HI` is exact for the small integers `k` used here.
pub(crate) const LN2_HI: f32 = 0.693_145_75;
pub(crate) const LN2_LO: f32 = 1.428_606_8e-6;

/// [`LN_POLY`] times -2 (exact: a power of two), so that [`minus_two_ln_uniform`] needs no
/// separate multiply.
pub(crate) const MINUS_TWO_LN_POLY: [f32; 8] = {
    let mut c = LN_POLY;
    let mut i = 0;
    while i < c.len() {
        c[i] *= -2.0;
        i += 1;
    }
    c
};

/// `-2 ln u` for the uniform `u = ((bits >> 1) + 1/2) / 2^31` in (0, 1], single precision.
///
/// `x = (bits >> 1) + 1/2` is rounded to f32 (exact below 2^24, so the smallest `u` keep full
/// relative precision) and split as `x = 2^(k + 31) m`, `m` in `[sqrt(1/2), sqrt(2))`; then
/// `-2 ln u = k (-2 ln 2) + f (-2 g(f))`, `f = m - 1`, `g` the polynomial [`LN_POLY`] by
/// Horner's rule with fused multiply-adds (the factor -2 is folded into the constants, which
/// is exact). Only IEEE operations with one rounding each (add, multiply, fused multiply-add,
/// conversion, bit operations) in a fixed order: every CPU, SIMD width and a GPU get the same
/// bits (`crate::simd` evaluates the very same sequence 16 lanes at a time). The result is
/// never negative (`ln u < 0` for `k <= -1` and, for `k = 0`, `f <= 0 < g`); it is `-0.0` at
/// `u = 1`, and at most `2 ln 2^32 = 44.4`.
#[inline(always)]
pub fn minus_two_ln_uniform(bits: u32) -> f32 {
    let x = ((bits >> 1) as i32) as f32 + 0.5;
    let raw = x.to_bits();
    // Exponent of x minus 31 (x < 2^32, so the sign bit is clear).
    let e = ((raw >> 23) as i32 - (127 + 31)) as f32;
    let m = f32::from_bits((raw & 0x007F_FFFF) | 0x3F80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let k = if big { e + 1.0 } else { e };
    let f = m - 1.0;
    let (&highest, lower) = MINUS_TWO_LN_POLY.split_last().expect("a polynomial has coefficients");
    let mut g = highest;
    for &c in lower.iter().rev() {
        g = g.mul_add(f, c);
    }
    k.mul_add(-2.0 * LN2_HI, k.mul_add(-2.0 * LN2_LO, f * g))
}

/// Near-minimax coefficients (fitted as [`LN_POLY`]) of `(sin(th)/th - 1)/z` and
/// `(cos(th) - 1)/z` in powers of `z = th^2` on `[-pi/4, pi/4]`: `sin` to `th^7` and `cos` to
/// `th^6`, absolute errors below 1e-8 and 1.2e-7 in f32 arithmetic (one Taylor term more each
/// gave 2e-9 and 3e-8 for two more multiply-adds per pair of normals).
pub(crate) const SIN_POLY: [f32; 3] = [-0.166_666_55, 0.008_332_16, -0.000_195_152_82];
pub(crate) const COS_POLY: [f32; 3] = [-0.499_998_96, 0.041_656_293, -0.001_359_782_3];

/// The point `(cos a, sin a)` on the unit circle for the angle `a` of 32 random bits, in f32.
///
/// The top two bits pick a quarter turn `q`, the other 30 an angle
/// `th = y pi/2^31 - pi/4` in `[-pi/4, pi/4]` (`y` the 30 bits, rounded to f32), and
/// `a = q pi/2 + th`: uniform on the circle. `sin th` and `cos th` are the polynomials
/// [`SIN_POLY`] and [`COS_POLY`] with fused multiply-adds; the quarter turn is a swap and two
/// sign flips. Same rules as [`minus_two_ln_uniform`]: the same bits everywhere.
#[inline(always)]
pub fn unit_circle(bits: u32) -> [f32; 2] {
    let y = (bits & 0x3FFF_FFFF) as i32 as f32;
    let th = y.mul_add(std::f32::consts::PI / 2_147_483_648.0, -std::f32::consts::FRAC_PI_4);
    let z = th * th;
    let poly = |c: [f32; 3]| z.mul_add(z.mul_add(c[2], c[1]), c[0]);
    let sin = (th * z).mul_add(poly(SIN_POLY), th);
    let cos = z.mul_add(poly(COS_POLY), 1.0);
    let odd = bits & 0x4000_0000 != 0;
    let (x, y) = if odd { (sin, cos) } else { (cos, sin) };
    // x flips sign for q = 1, 2 (bit 31 xor bit 30) and y for q = 2, 3 (bit 31).
    let flip_x = (bits ^ (bits << 1)) & 0x8000_0000;
    let flip_y = bits & 0x8000_0000;
    [f32::from_bits(x.to_bits() ^ flip_x), f32::from_bits(y.to_bits() ^ flip_y)]
}

/// Two independent standard normal numbers from 64 random bits (Box-Muller), in f32:
/// `sqrt(-2 ln u) (cos a, sin a)` with [`minus_two_ln_uniform`] and [`unit_circle`].
///
/// Single precision is ample for noise (relative error ~3e-7, far below any statistical
/// resolution) and lets the engine transform 16 numbers per AVX-512 instruction; the membrane
/// itself is integrated in f64. The largest magnitude is `sqrt(2 ln 2^32) = 6.66`; the tail
/// beyond it has probability 2.7e-11.
///
/// ```
/// let [x, y] = lifsim::rng::normal_pair(0x8000_0000, 0);
/// assert!((x - 0.8325546).abs() < 1e-6 && y < 0.0);
/// ```
#[inline(always)]
pub fn normal_pair(bits_radius: u32, bits_angle: u32) -> [f32; 2] {
    let radius = minus_two_ln_uniform(bits_radius).sqrt();
    let [x, y] = unit_circle(bits_angle);
    [radius * x, radius * y]
}

/// The four standard normals of one Philox block, in sample order.
#[inline(always)]
pub fn normals(words: [u32; 4]) -> [f32; 4] {
    let [a, b] = normal_pair(words[0], words[1]);
    let [c, d] = normal_pair(words[2], words[3]);
    [a, b, c, d]
}

/// The Poisson distribution of mean `lambda` by inversion with 64-bit integers: one 64-bit
/// random word `u` gives the count `#{k : T_k < u}`, with `T_k = P(K <= k) 2^64` (rounded,
/// computed once in f64 by additions and multiplications from `exp(-lambda)`), so a count is a
/// few integer comparisons and the same on every CPU (and a GPU).
///
/// The table ends where the remaining tail is below `2^-64`. [`PoissonTable::sample`] counts by
/// a binary search; the engine's [`PoissonTable::count`] first looks up the top
/// [`GUIDE_BITS`] bits of `u` in a guide table (Chen and Asau's indexed search), which names the
/// few thresholds that can lie between the bucket's start and `u`: at `lambda = 2` (25
/// thresholds) all but about 1 % of the words fall in a bucket without any, so a count is one
/// lookup. Both give the same counts.
///
/// ```
/// let table = lifsim::rng::PoissonTable::new(2.0);
/// // P(K = 0) = e^-2 = 0.135, P(K <= 1) = 0.406.
/// assert_eq!(table.sample((0.1 * 2f64.powi(64)) as u64), 0);
/// assert_eq!(table.sample((0.2 * 2f64.powi(64)) as u64), 1);
/// assert_eq!(lifsim::rng::PoissonTable::new(0.0).sample(u64::MAX), 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonTable {
    thresholds: Vec<u64>,
    /// For each bucket `b` of the top [`GUIDE_BITS`] bits of a word: the number of thresholds
    /// below the bucket's start, and how many thresholds lie inside the bucket.
    guide: Vec<(u32, u32)>,
}

/// Bits of a 64-bit word that index [`PoissonTable`]'s guide table (1024 buckets, 8 KiB).
pub const GUIDE_BITS: u32 = 10;

impl PoissonTable {
    /// The table for mean `lambda` (>= 0, at most a few hundred: `exp(-lambda)` must not
    /// underflow; the configuration caps it at 500).
    pub fn new(lambda: f64) -> Self {
        const TWO_64: f64 = 18_446_744_073_709_551_616.0;
        let mut p = (-lambda).exp();
        let mut cdf = p;
        let mut thresholds = Vec::new();
        let mut k = 0.0;
        // Entries while the tail beyond them has probability above 2^-64 (5.4e-20).
        loop {
            // f64 -> u64 saturates at u64::MAX for cdf = 1.
            thresholds.push((cdf * TWO_64) as u64);
            if (k > lambda && p < 5.4e-20) || cdf >= 1.0 || thresholds.len() >= 100_000 {
                break;
            }
            k += 1.0;
            p *= lambda / k;
            cdf += p;
        }
        // One sweep: the thresholds are sorted, so bucket by bucket the ones below its start
        // only grow.
        let mut guide = Vec::with_capacity(1 << GUIDE_BITS);
        let mut below = 0;
        for bucket in 0..1u64 << GUIDE_BITS {
            let inside = thresholds[below..].iter().take_while(|&&t| t >> (64 - GUIDE_BITS) == bucket).count();
            guide.push((below as u32, inside as u32));
            below += inside;
        }
        Self { thresholds, guide }
    }

    /// The count for the 64-bit random word `u`: how many thresholds lie below it.
    #[inline(always)]
    pub fn sample(&self, u: u64) -> u32 {
        self.thresholds.partition_point(|&t| t < u) as u32
    }

    /// `counts[j] = count(words[j])` for every `j` (see [`PoissonTable::count`]).
    #[inline(always)]
    pub fn count_into(&self, words: &[u64], counts: &mut [u32]) {
        for (count, &u) in counts.iter_mut().zip(words) {
            *count = self.count(u);
        }
    }

    /// The count for the 64-bit random word `u` by the guide table, the same as
    /// [`PoissonTable::sample`]'s: the thresholds below `u`'s bucket, plus those inside it that
    /// lie below `u` (none to compare for most words).
    ///
    /// Hand-rolled rather than a crate's sampler: it is the hot loop of Poisson input (one call
    /// per neuron-step), and it must give exactly the binary search's counts. It replaced one
    /// vectorized comparison pass per threshold (25 at `lambda = 2`), which cost 16 % of a
    /// Brunel network's run.
    ///
    /// ```
    /// let table = lifsim::rng::PoissonTable::new(2.0);
    /// let u = (0.5 * 2f64.powi(64)) as u64;
    /// assert_eq!(table.count(u), table.sample(u));
    /// ```
    #[inline(always)]
    pub fn count(&self, u: u64) -> u32 {
        let (below, inside) = self.guide[(u >> (64 - GUIDE_BITS)) as usize];
        if inside == 0 {
            below
        } else {
            let candidates = &self.thresholds[below as usize..(below + inside) as usize];
            below + candidates.partition_point(|&t| t < u) as u32
        }
    }
}

/// The 64-bit word `hi:lo` of two Philox words.
#[inline(always)]
pub fn word64(hi: u32, lo: u32) -> u64 {
    (u64::from(hi) << 32) | u64::from(lo)
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
    f64::from(normals(block(seed, stream, neuron, (sample / 4) as u32))[(sample % 4) as usize])
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
        let mut xs: Vec<f64> = (0..50_000u32)
            .flat_map(|i| normals(block(2017, Stream::InputNoise, u64::from(i), 0)))
            .map(f64::from)
            .collect();
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

    /// Mean, variance, skewness and kurtosis of 4 million normals within 4.5 standard errors
    /// of 0, 1, 0 and 3 (SEs of the sample moments of a normal: 1, sqrt 2, sqrt 15 (third
    /// moment) and sqrt 96 (fourth), over sqrt N), and the two numbers of a pair uncorrelated.
    #[test]
    fn normal_moments_match_the_standard_normal() {
        let (mut m, mut pair) = ([0.0f64; 4], 0.0);
        let blocks = 1_000_000u32;
        for b in 0..blocks {
            let z = normals(block(99, Stream::InputNoise, 5, b)).map(f64::from);
            pair += z[0] * z[1] + z[2] * z[3];
            for x in z {
                m[0] += x;
                m[1] += x * x;
                m[2] += x * x * x;
                m[3] += x * x * x * x;
            }
        }
        let n = 4.0 * f64::from(blocks);
        let m = m.map(|s| s / n);
        for (got, expected, se) in
            [(m[0], 0.0, 1.0), (m[1], 1.0, 2f64.sqrt()), (m[2], 0.0, 15f64.sqrt()), (m[3], 3.0, 96f64.sqrt())]
        {
            assert!((got - expected).abs() < 4.5 * se / n.sqrt(), "moment {got} vs {expected}");
        }
        assert!((pair / (n / 2.0)).abs() < 4.5 / (n / 2.0).sqrt(), "pair correlation {}", pair / (n / 2.0));
    }

    /// The single-precision logarithm and circle against libm in f64 over the whole range:
    /// `-2 ln u` to 4 f32 ulp relative (`u` rounded as documented), the circle to 3e-7.
    #[test]
    fn fast_transcendentals_match_libm() {
        let probes =
            (0..=u32::MAX).step_by(65_537).chain([0, 1, 2, 3, 1 << 30, (1 << 31) - 1, u32::MAX - 256, u32::MAX]);
        for bits in probes {
            let u = f64::from(((bits >> 1) as i32) as f32 + 0.5) / 2_147_483_648.0;
            let exact = -2.0 * u.ln();
            let got = f64::from(minus_two_ln_uniform(bits));
            assert!(got >= 0.0, "negative at {bits}");
            assert!(
                (got - exact).abs() <= 4.0 * f64::from(f32::EPSILON) * exact,
                "-2 ln u at {bits}: {got} vs {exact}"
            );
            let y = f64::from((bits & 0x3FFF_FFFF) as i32 as f32);
            let a = std::f64::consts::FRAC_PI_2 * f64::from(bits >> 30) + y * std::f64::consts::PI / 2_147_483_648.0
                - std::f64::consts::FRAC_PI_4;
            let [x, y] = unit_circle(bits).map(f64::from);
            assert!((x - a.cos()).abs() < 3e-7 && (y - a.sin()).abs() < 3e-7, "circle at {bits}");
        }
    }

    /// The precomputed rounds give Philox's words, across blocks, neurons and a high word.
    #[test]
    fn chunk_streams_match_philox() {
        for (seed, first) in [(0u64, 0u64), (2017, 256), (u64::MAX, (7 << 32) + 512)] {
            let streams = ChunkStreams::new(seed, Stream::InputNoise, first, 256);
            for j in [0, 1, 100, 255] {
                for b in [0, 1, 2500, u32::MAX] {
                    assert_eq!(streams.block(j, b), block(seed, Stream::InputNoise, first + j as u64, b));
                }
            }
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

    /// The guide table's counts are exactly the number of thresholds below the word, at and
    /// next to every threshold and every bucket's edges, where an off-by-one would show.
    #[test]
    fn guided_counts_are_exact_at_every_threshold_and_bucket_edge() {
        for lambda in [0.0, 0.05, 2.0, 13.7, 150.0, 500.0] {
            let table = PoissonTable::new(lambda);
            let mut words: Vec<u64> = Vec::new();
            for &t in &table.thresholds {
                words.extend([t.saturating_sub(1), t, t.saturating_add(1)]);
            }
            for b in 0..1u64 << GUIDE_BITS {
                let start = b << (64 - GUIDE_BITS);
                words.extend([start, start.wrapping_sub(1), start | 0x1234_5678]);
            }
            words.extend([0, u64::MAX]);
            let mut counts = vec![u32::MAX; words.len()];
            table.count_into(&words, &mut counts);
            for (&u, &count) in words.iter().zip(&counts) {
                let expected = table.thresholds.iter().filter(|&&t| t < u).count() as u32;
                assert_eq!(count, expected, "lambda {lambda}, word {u:#x}");
                assert_eq!(table.sample(u), expected, "lambda {lambda}, word {u:#x}");
                assert_eq!(table.count(u), expected, "lambda {lambda}, word {u:#x}");
            }
        }
    }

    /// Counts from the table against the Poisson distribution: mean and variance within 4.5
    /// SE (SE of a sample variance of a Poisson variable: sqrt((mu4 - var^2) / N), with
    /// mu4 = lambda (1 + 3 lambda)), and each frequency of 0..=10 within 4.5 binomial SE.
    #[test]
    fn poisson_counts_follow_the_distribution() {
        for lambda in [0.05, 2.0, 13.7, 150.0] {
            let table = PoissonTable::new(lambda);
            let n = 400_000u32;
            let words: Vec<u64> = (0..n)
                .map(|i| {
                    let [a, b, _, _] = block(5, Stream::PoissonInput, u64::from(i), 0);
                    word64(a, b)
                })
                .collect();
            let mut fast = vec![0u32; words.len()];
            table.count_into(&words, &mut fast);
            let counts: Vec<f64> = words.iter().map(|&u| f64::from(table.sample(u))).collect();
            assert!(
                fast.iter().zip(&counts).all(|(&a, &b)| f64::from(a) == b),
                "lambda {lambda}: the two searches agree"
            );
            let nf = f64::from(n);
            let mean = counts.iter().sum::<f64>() / nf;
            let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (nf - 1.0);
            assert!((mean - lambda).abs() < 4.5 * (lambda / nf).sqrt(), "lambda {lambda}: mean {mean}");
            let mu4 = lambda * (1.0 + 3.0 * lambda);
            assert!((var - lambda).abs() < 4.5 * ((mu4 - lambda * lambda) / nf).sqrt(), "lambda {lambda}: var {var}");
            let mut p = (-lambda).exp();
            for k in 0..=10 {
                if k > 0 {
                    p *= lambda / f64::from(k);
                }
                let seen = counts.iter().filter(|&&c| c == f64::from(k)).count() as f64 / nf;
                assert!((seen - p).abs() <= 4.5 * (p * (1.0 - p) / nf).sqrt() + 1e-12, "lambda {lambda}, k {k}");
            }
        }
    }
}
